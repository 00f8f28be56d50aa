"""Shared bench plumbing: a real Daphne server on 127.0.0.1 with its own freshly seeded database
(a SQLite file in a temporary folder, or a PostgreSQL database created and dropped for the run),
percentiles, and plain-text tables.

The server is a subprocess so the figures include what a deployment pays (ASGI, HTTP parsing,
DRF, the ORM on a real file) and so client CPU and server CPU are separate processes, as they
would be. It only ever binds 127.0.0.1.
"""

from __future__ import annotations

import atexit
import http.client
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = ROOT / "bench" / ".cache"
HOST = "127.0.0.1"


def python(root: Path = ROOT) -> str:
    venv = root / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def server_env(workdir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the server and of the seeding commands: everything embedded and offline,
    nothing from a developer's .env, a production-like DEBUG=false, no shopper throttle (the bench
    is one client IP making hundreds of requests a second)."""
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "voxsite.settings",
        "ENV_FILE": "/dev/null",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SHOPPER_THROTTLE_RATE": "1000000/s",
        "API_KEY_THROTTLE_RATE": "1000000/s",
        "GROQ_API_KEY": "",
        "REDIS_URL": "",
        "AGENT_MARKDOWN_LOG": "",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    # The models prepared in the checkout (var/models) are reused, not prepared again.
    env.setdefault("MODEL_CACHE_DIR", str(ROOT / "var" / "models"))
    env.update(extra or {})
    return env


class FreshPostgres:
    """A PostgreSQL database made for one server and dropped after it: `<name in url>_<random>` on
    the server of `url` (whose user may CREATE DATABASE). The seed runs on an empty database, as a
    new deployment's does, and runs never see each other's rows."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.base = unquote(parts.path.lstrip("/")) or "voxsite_bench"
        self.name = f"{self.base}_{uuid.uuid4().hex[:8]}"
        self.url = urlunsplit(parts._replace(path="/" + self.name))
        self._admin = urlunsplit(parts._replace(path="/postgres"))

    def _run(self, sql: str) -> None:
        import psycopg  # only the PostgreSQL runs need it

        with psycopg.connect(self._admin, autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> None:
        self._run(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Server:
    """`with Server() as srv:` -> a migrated, seeded database and Daphne listening on srv.port.

    `database_url`: a PostgreSQL URL whose database name is a prefix: a fresh database is created
    beside it for this server and dropped when it stops. None: a SQLite file in the temp folder.
    `settings_lines`: Python appended to an overlay of voxsite.settings (generated in the temp
    folder, never in the checkout) for this server and its seeding commands.

    `root`: the checkout whose manage.py serves (default this one), e.g. a `git worktree` of the
    code before a change, to measure before and after in one run.

    Killed on exit, on Ctrl-C and at interpreter exit, whichever comes first."""

    def __init__(self, *, extra_env: dict[str, str] | None = None, start_timeout: float = 120.0, quiet: bool = False,
                 sqlite_immediate: bool = False, workers: int = 1, database_url: str | None = None,
                 settings_lines: Sequence[str] = (), root: Path = ROOT):
        self.root = Path(root)
        self.workers = workers
        self.extra_env = extra_env or {}
        self.sqlite_immediate = sqlite_immediate
        self.database_url = database_url
        self.settings_lines = list(settings_lines)
        self.postgres: FreshPostgres | None = None
        self.start_timeout = start_timeout
        self.quiet = quiet
        self.proc: subprocess.Popen | None = None
        self.workdir: Path | None = None
        self.port = 0
        self.log_path: Path | None = None
        self.seed_output = ""

    # -- lifecycle ------------------------------------------------------------------
    def __enter__(self) -> "Server":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)

    def start(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="voxsite-bench-"))
        atexit.register(self.stop)
        lines = list(self.settings_lines)
        if self.sqlite_immediate:
            # BEGIN IMMEDIATE takes SQLite's write lock up front, so two requests that read and then
            # write in one transaction queue on the busy timeout instead of failing at once with
            # "database is locked" (SQLite cannot upgrade a stale read snapshot to a write).
            lines += ["if 'sqlite' in DATABASES['default']['ENGINE']:",
                      "    DATABASES['default'].setdefault('OPTIONS', {})['transaction_mode'] = 'IMMEDIATE'"]
        if self.database_url:
            self.postgres = FreshPostgres(self.database_url)
            self.postgres.create()
            # A shared Redis keeps other runs' cache entries and channel groups: keep ours apart.
            lines += [f"CACHES['default']['KEY_PREFIX'] = {self.postgres.name!r}",
                      "if 'CONFIG' in CHANNEL_LAYERS['default']:",
                      f"    CHANNEL_LAYERS['default']['CONFIG']['prefix'] = {self.postgres.name!r}"]
        if lines:
            (self.workdir / "bench_settings.py").write_text(
                "from voxsite.settings import *  # noqa\n" + "\n".join(lines) + "\n")
            self.extra_env = {**self.extra_env, "DJANGO_SETTINGS_MODULE": "bench_settings",
                              "PYTHONPATH": os.pathsep.join([str(self.workdir), str(self.root)])}
        env = self.env
        t0 = time.perf_counter()
        for args in (["migrate", "--noinput", "-v", "0"], ["seed_demo", "--quiet"]):
            done = subprocess.run([python(self.root), str(self.root / "manage.py"), *args], cwd=self.root, env=env,
                                  capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
            self.seed_output = done.stdout  # the last one's: seed_demo prints the demo API key
        self._say(f"[bench] database migrated and seeded in {time.perf_counter() - t0:.1f} s ({self.workdir})")
        self.port = free_port()
        self.log_path = self.workdir / "daphne.log"
        log = open(self.log_path, "wb")
        # `manage.py serve` as a deployment runs it: with one worker it becomes Daphne itself (exec),
        # with more it supervises Daphne children sharing one socket (REDIS_URL must be set).
        self.proc = subprocess.Popen(
            [python(self.root), str(self.root / "manage.py"), "serve", "--host", HOST, "--port", str(self.port),
             "--workers", str(self.workers)],
            cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _ = self.get("/api/health", timeout=2)
                if status == 200 and self._workers_settled(deadline):
                    self._say(f"[bench] daphne up on {HOST}:{self.port} (pid {self.proc.pid})")
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"daphne did not answer /api/health within {self.start_timeout} s:\n{self.log_tail()}")

    def _workers_settled(self, deadline: float) -> bool:
        """With several workers the first one up answers /api/health while the others may still
        be importing Django: wait until every child exists and has been idle (no CPU) for 0.5 s."""
        if self.workers <= 1:
            return True
        idle_since, last = None, None
        while time.monotonic() < deadline:
            children = self.pids()[1:]
            cpu = self.cpu_seconds() if len(children) >= self.workers else None
            now = time.monotonic()
            if cpu is not None and cpu == last:
                idle_since = idle_since or now
                if now - idle_since >= 0.5:
                    return True
            else:
                idle_since = None
            last = cpu
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            # Its own session: the signal reaches daphne and any thread pool it started, nothing else.
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
            except (ProcessLookupError, PermissionError):
                pass
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        postgres, self.postgres = self.postgres, None
        if postgres is not None:
            postgres.drop()
        if self.workdir is not None and not os.environ.get("BENCH_KEEP_WORKDIR"):
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    # -- helpers ----------------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        env = server_env(self.workdir, self.extra_env)
        if self.postgres is not None:
            env["DATABASE_URL"] = self.postgres.url
        return env

    @property
    def db_path(self) -> Path:
        return self.workdir / "db.sqlite3"

    @property
    def http_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.port}"

    def pids(self) -> list[int]:
        """The server's processes: Daphne, or the supervisor and its Daphne children."""
        if self.proc is None:
            return []
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            children = []
        return pids + [int(p) for p in children]

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system, all threads, all worker processes) the server has used so far;
        Linux only. Unlike wall-clock throughput, CPU per turn barely moves when other work shares
        the cores. A worker that died takes its count with it."""
        total = 0.0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                if pid == getattr(self.proc, "pid", None):
                    return None
                continue
            # utime + stime, and cutime + cstime: helpers it ran and reaped (espeak-ng, festival).
            total += sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        return total if self.proc is not None else None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except (OSError, AttributeError):
            return ""

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def query(self, code: str) -> object:
        """Run `code` (which sets `result`) with Django set up against the server's database, in a
        child process so this process stays free of Django state; returns `result` (JSON)."""
        script = (
            "import django, json, os\n"
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'voxsite.settings')\n"
            "django.setup()\n"
            f"{code}\n"
            "print(json.dumps(result))\n"
        )
        done = subprocess.run([python(self.root), "-c", script], cwd=self.root, env=self.env, capture_output=True,
                              text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"query failed:\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def demo_order_phones(server: Server, numbers: Sequence[str]) -> dict[str, str]:
    """The phone number each demo order was placed with, read from the seeded database."""
    code = (
        "from orders.models import Order\n"
        f"rows = Order.objects.filter(number__in={list(numbers)!r}).select_related('customer')\n"
        "result = {o.number: (o.customer.phone if o.customer_id else o.shipping_phone) for o in rows}\n"
    )
    phones = server.query(code)
    missing = set(numbers) - set(phones)
    if missing:
        raise RuntimeError(f"demo orders missing from the seeded database: {sorted(missing)}")
    return phones


# ---------------------------------------------------------------------------
# Statistics and tables


def percentile(values: Iterable[float], p: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), p in 0..100; None for no values."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    if len(data) == 1:
        return float(data[0])
    k = (len(data) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return float(data[lo] + (data[hi] - data[lo]) * (k - lo))


def median(values: Iterable[float]) -> float | None:
    return percentile(values, 50)


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (readable in a terminal and pasteable into the README)."""
    cells = [[str(h) for h in headers]] + [[fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    out = [line(cells[0]), "| " + " | ".join("-" * w for w in widths) + " |"]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def machine_note() -> str:
    try:
        load = os.getloadavg()
        load_s = f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    except OSError:
        load_s = "load average unknown"
    return f"{os.cpu_count()} CPUs, {load_s}, Python {sys.version.split()[0]}"
