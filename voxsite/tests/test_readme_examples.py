"""Every shell example in README.md runs as written against a live, freshly seeded server.

The README's examples are blocks of `curl` commands with placeholders a reader fills in, each
explained on its own line: `KEY=vx_...   # your API key` and `SID=...   # the session_id it
returned`. This test fills them the same way (the demo key `seed_demo` printed; the field of the
previous response) and checks each `-> ...` line against the response before it: the status
when one is given (a success otherwise), and every key (and quoted literal value) it shows. Only the port changes,
from the README's 8000 to the test server's. `sample.wav` is a recording at the documented
limits (AUDIO_MAX_BYTES, AUDIO_MAX_SECONDS), so the audio example must work with the largest
clip the README allows.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from support.speech import audio
from support.tests.speech_helpers import sample_samples, sample_wav, steady_speech, to_mp3

pytestmark = [pytest.mark.slow, pytest.mark.embedded_server]

README = Path(settings.BASE_DIR) / "README.md"
PLACEHOLDER = re.compile(r"^([A-Z_]+)=\S*\s+#\s*(.+)$")
STATUS_MARK = "__STATUS__"


@dataclass
class Step:
    command: str = ""
    assign: tuple[str, str] | None = None  # (variable, the comment saying what it holds)
    expect: list[str] = field(default_factory=list)


def readme_steps() -> list[list[Step]]:
    """The fenced blocks that contain curl commands, as steps."""
    blocks = re.findall(r"^```\n(.*?)^```", README.read_text(encoding="utf-8"), flags=re.S | re.M)
    out = []
    for block in blocks:
        if "curl " not in block:
            continue
        steps: list[Step] = []
        pending = ""
        for raw in block.splitlines():
            line = raw.strip()
            if pending:
                pending += "\n" + raw
                if not line.endswith("\\"):
                    steps.append(Step(command=pending))
                    pending = ""
                continue
            if not line or (line.startswith("#") and not line.startswith("#!")):
                continue
            if line.startswith("->"):
                steps[-1].expect.append(line[2:].strip())
            elif match := PLACEHOLDER.match(line):
                steps.append(Step(assign=(match.group(1), match.group(2))))
            elif line.endswith("\\"):
                pending = raw
            else:
                steps.append(Step(command=raw))
        out.append(steps)
    return out


def keys_in(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()


def literal_pairs(value) -> set[tuple[str, str]]:
    if isinstance(value, dict):
        return {(k, v) for k, v in value.items() if isinstance(v, str)} | {p for v in value.values() for p in literal_pairs(v)}
    if isinstance(value, list):
        return {p for v in value for p in literal_pairs(v)}
    return set()


def check(expectation: str, status: int, body) -> None:
    wanted_status = re.match(r"(\d{3})\b", expectation)
    if wanted_status:
        assert status == int(wanted_status.group(1)), (expectation, status, body)
    else:  # no status shown: any success
        assert 200 <= status < 300, (expectation, status, body)
    for key in re.findall(r'"(\w+)":', expectation):
        assert key in keys_in(body), (expectation, key, body)
    for key, value in re.findall(r'"(\w+)": "([^".<]+)"', expectation):
        assert (key, value) in literal_pairs(body), (expectation, key, value, body)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """Where a reader would run the examples: sample.wav and meeting.mp3 beside them."""
    folder = tmp_path_factory.mktemp("reader")
    # sample.wav at the documented limits: the question, then real speech, to just under
    # AUDIO_MAX_SECONDS, as 44.1 kHz stereo so that it is also just under AUDIO_MAX_BYTES.
    rate, seconds = 44100, settings.AUDIO_MAX_SECONDS - 1
    question = audio.pcm16_to_float(steady_speech("What is your return policy?", 16000))
    speech = np.concatenate([question, np.zeros(8000, np.float32)]
                            + [sample_samples(s) for s in ("en_jfk", "en_sb_lj050_0131", "en_fw_stereo_left")] * 3)
    mono = np.frombuffer(audio.float_to_pcm16(audio.resample_float(speech[: int(seconds * 16000)], 16000, rate)), "<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(mono, 2).tobytes())
    wav = buf.getvalue()
    assert settings.AUDIO_MAX_BYTES * 0.95 < len(wav) <= settings.AUDIO_MAX_BYTES
    (folder / "sample.wav").write_bytes(wav)
    (folder / "meeting.mp3").write_bytes(to_mp3(sample_wav("en_jfk")))
    # curl's config file: every response ends with its status, without touching the commands.
    (folder / ".curlrc").write_text(f'silent\nshow-error\nwrite-out = "\\n{STATUS_MARK} %{{http_code}}\\n"\n')
    return folder


def test_the_readme_has_the_examples_this_test_runs():
    blocks = readme_steps()
    commands = [step.command for steps in blocks for step in steps if step.command]
    assert len(blocks) >= 2 and sum("curl " in c for c in commands) >= 7
    assert {"KEY", "SID", "JOB", "TOKEN"} <= {step.assign[0] for steps in blocks for step in steps if step.assign}
    # The audio example reads its body from a file: a 10 MB clip is ~13.4 MB of base64, more than
    # one command-line argument may hold (128 KiB on Linux).
    assert any("-d @audio.json" in c for c in commands) and not any("$(base64" in c for c in commands)


def test_every_readme_example_runs_as_written(demo_server, workdir):
    server = demo_server
    demo_key = re.search(r"Demo API key \(read\+write, shown only now\): (\S+)", server.seed_output).group(1)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "CURL_HOME": str(workdir)}
    ran = 0
    for steps in readme_steps():
        last_body = None
        for step in steps:
            if step.assign:
                name, meaning = step.assign
                if "API key" in meaning:
                    env[name] = demo_key
                else:
                    returned = re.fullmatch(r"the (\w+) it returned", meaning.strip())
                    assert returned, f"README placeholder {name} does not say where its value comes from: {meaning!r}"
                    env[name] = last_body[returned.group(1)]
                continue
            command = step.command.replace("localhost:8000", f"localhost:{server.port}")
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=workdir, env=env, capture_output=True,
                                  text=True, timeout=300)
            assert done.returncode == 0, (step.command, done.stdout[-2000:], done.stderr[-2000:])
            if "curl " not in command:
                continue
            ran += 1
            text, _, status = done.stdout.rpartition(STATUS_MARK)
            status = int(status.strip())
            assert status < 400, (step.command, status, text[-2000:])
            last_body = json.loads(text)
            for expectation in step.expect:
                check(expectation, status, last_body)
            if "audio.json" in command:
                assert last_body["transcript"].lower().startswith("what is your return policy")
                assert last_body["audio"]["base64"]
    assert ran >= 7
