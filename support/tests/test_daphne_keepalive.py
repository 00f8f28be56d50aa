"""A client that never reads is closed by the real server (Daphne's WebSocket keep-alive), and
the server keeps serving everyone else."""

import base64
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def frame(payload: bytes, opcode: int = 0x2) -> bytes:
    """A masked client frame (RFC 6455 requires clients to mask)."""
    mask = os.urandom(4)
    header = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        header += bytes([0x80 | n])
    elif n < 65536:
        header += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        header += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


@pytest.fixture
def daphne(tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "VOICE_WARMUP": "false",
           "MEDIA_ROOT": str(tmp_path / "media"), "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    log = open(tmp_path / "daphne.log", "w")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port),
                             "--ping-interval", "1", "--ping-timeout", "2", "voxsite.asgi:application"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("daphne did not start: " + (tmp_path / "daphne.log").read_text()[-2000:])
    yield port
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def test_a_client_that_never_reads_is_closed(daphne):
    sock = socket.create_connection(("127.0.0.1", daphne), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /api/voice/stream?language=en&mode=ptt HTTP/1.1\r\nHost: 127.0.0.1:{daphne}\r\n"
                  f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert b" 101 " in head.split(b"\r\n")[0]
    # Keep talking (real-time silence) but never read a byte of what the server sends.
    closed = False
    silence = frame(b"\x00\x00" * 320)
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            sock.sendall(silence)
        except OSError:
            closed = True
            break
        time.sleep(0.02)
    if not closed:
        # The server may have closed its side while our sends still fit in buffers: drain to EOF.
        sock.settimeout(5)
        try:
            while sock.recv(65536):
                pass
            closed = True  # EOF
        except socket.timeout:
            closed = False  # still open: the keep-alive did not act
        except ConnectionError:
            closed = True
    assert closed, "the server must drop a client that never answers its keep-alive pings"
    sock.close()
    # Everyone else is still served.
    assert urllib.request.urlopen(f"http://127.0.0.1:{daphne}/api/health", timeout=5).status == 200
