"""`manage.py serve`: one Daphne process, or several on one port (which needs Redis)."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


def test_several_workers_need_redis(settings):
    settings.REDIS_URL = ""
    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("serve", "--workers", "2", "--port", "0")


def test_workers_must_be_positive(settings):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("serve", "--workers", "0")


def test_several_workers_listen_on_ipv4_only(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    with pytest.raises(CommandError, match="IPv4"):
        call_command("serve", "--workers", "2", "--host", "::1", "--port", "0")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _health(port: int) -> int:
    # A new connection each time: the kernel picks a worker per connection.
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as resp:
        return resp.status


def _wait(predicate, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


@pytest.mark.slow
@pytest.mark.redis
def test_two_workers_serve_restart_and_stop(settings, tmp_path):
    port = _free_port()
    env = {**os.environ, "ENV_FILE": "/dev/null", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "REDIS_URL": settings.REDIS_URL, "VOICE_WARMUP": "false", "DEBUG": "false", "SECRET_KEY": "s" * 60,
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300)
    proc = subprocess.Popen([sys.executable, "manage.py", "serve", "--workers", "2", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert _wait(lambda: len(_children(proc.pid)) == 2 and _health(port) == 200), "no answer from 2 workers"
        assert all(_health(port) == 200 for _ in range(10))
        first, second = _children(proc.pid)
        os.kill(first, signal.SIGKILL)
        assert _wait(lambda: first not in _children(proc.pid) and len(_children(proc.pid)) == 2)
        assert second in _children(proc.pid)
        assert _wait(lambda: all(_health(port) == 200 for _ in range(10)))
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert "2 processes" in out and "starting it again" in out and "all workers stopped" in out
