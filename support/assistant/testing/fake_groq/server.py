"""The HTTP server: real sockets on 127.0.0.1, one thread per connection."""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from support.assistant.testing.fake_groq.replies import CHAT_PATH, RecordedRequest, Reply, Script, error_reply


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API; the client pools connections
    timeout = 60  # an idle keep-alive connection must not hold a thread forever
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - silence per-request stderr lines
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        request = RecordedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, raw, body)
        fake = self.server.fake
        reply = fake._take(request)
        try:
            reply.write(self, request, fake._closing)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            # The client gave up (its timeout, or it stopped reading): what some scripts provoke.
            request.disconnected.set()
            self.close_connection = True

    do_POST = _handle
    do_GET = _handle

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def start_chunked(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    def write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_chunked(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def abort(self) -> None:
        """Drop the connection without finishing the response."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a scripted hang must not block shutdown
    fake: FakeGroq


class FakeGroq:
    """Context manager: a Groq-compatible server on 127.0.0.1 at a free port, in a background thread."""

    def __init__(self, *replies: Script, default: Script | None = None, host: str = "127.0.0.1"):
        self.requests: list[RecordedRequest] = []
        self.default: Script = default or error_reply(500, "fake groq: no scripted response left")
        self._queue: deque[Script] = deque(replies)
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._host = host
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # scripting
    def push(self, *replies: Script) -> FakeGroq:
        with self._lock:
            self._queue.extend(replies)
        return self

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.rstrip("/").endswith(CHAT_PATH)]

    def _take(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            script = self._queue.popleft() if self._queue else self.default
        return script(request) if callable(script) and not isinstance(script, Reply) else script

    # lifecycle
    @property
    def base_url(self) -> str:
        assert self._server is not None, "FakeGroq is not running; use it as a context manager"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def settings(self) -> dict[str, Any]:
        """Settings that point the app's Groq brain here (for override_settings / pytest-django)."""
        return {"GROQ_API_KEY": "fake-key", "GROQ_BASE_URL": self.base_url}

    def start(self) -> FakeGroq:
        self._closing.clear()
        self._server = _Server((self._host, 0), _Handler)
        self._server.fake = self
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-groq", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()  # wake scripted hangs and stalls
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeGroq:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
