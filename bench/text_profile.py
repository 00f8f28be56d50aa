"""py-spy sampling of bench_text.py's server (`--profile`), and where the samples fall."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.common import Server, table


def start_profiler(srv: Server, path: str) -> subprocess.Popen:
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    # --subprocesses: with more than one worker, srv.proc is the supervisor and the turns run in
    # its Daphne children.
    proc = subprocess.Popen([exe, "record", "--pid", str(srv.proc.pid), "--subprocesses", "--format", "raw", "--rate", "250",
                             "--output", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # attach before the first measured turn
    return proc


def stop_profiler(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


# Frames worth naming in the summary: the project's code and the layers a request crosses.
PROFILE_GROUPS = [
    ("request total (metrics middleware and below)", r"__call__ \(voxsite/metrics\.py"),
    ("DRF view (dispatch)", r"dispatch \(rest_framework/views\.py"),
    ("conversation_turn", r"conversation_turn \(support/conversations/services/turns\.py"),
    ("  brain (stream_with_fallback)", r"stream_with_fallback \(support/assistant/fallback\.py"),
    ("  tools (support/assistant/tools.py call)", r"call \(support/assistant/tools\.py"),
    ("  history query", r"_history \(support/conversations/services/turns\.py"),
    ("conversation_get_for (token check)", r"conversation_get_for \("),
    ("conversation_create", r"conversation_create \("),
    ("turn_payload (serializers)", r"turn_payload \("),
    ("transaction commit", r"_commit \(django/db/backends/base/base\.py"),
    ("connection open", r"get_new_connection \(django/db/backends/sqlite3"),
    ("connection close (end of request)", r"_close \(django/db/backends/base/base\.py"),
    ("SQL execute (all)", r"execute \(django/db/backends/sqlite3/base\.py"),
    ("ORM query compilation", r"as_sql \(django/db/models/sql/compiler\.py"),
    ("asyncio thread hand-off (_write_to_self)", r"_write_to_self \(asyncio"),
]


def profile_summary(path: Path) -> str:
    """Inclusive share of samples per group, from py-spy's raw (collapsed) stacks."""
    total = 0
    counts = {label: 0 for label, _ in PROFILE_GROUPS}
    patterns = [(label, re.compile(rx)) for label, rx in PROFILE_GROUPS]
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        return f"(no profile: {exc})"
    for line in lines:
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        total += int(n)
        for label, rx in patterns:
            if rx.search(stack):
                counts[label] += int(n)
    if not total:
        return "(no samples)"
    return table(["frame", "share of samples %"], [[label, counts[label] * 100.0 / total] for label, _ in PROFILE_GROUPS])
