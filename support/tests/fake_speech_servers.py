"""Fake online speech providers on 127.0.0.1, speaking their real wire formats, so the real
clients (the groq SDK, edge_tts over aiohttp) are exercised end to end without a network.

- FakeGroq: POST /openai/v1/audio/transcriptions (multipart) -> JSON, or a 500, or a hang; with
  validate=True it refuses what Groq refuses (an unknown model, a language Whisper does not know,
  a bad response_format or temperature) with Groq's error bodies.
- FakeEdgeTTS: the edge-tts WebSocket protocol (speech.config + ssml in; turn.start, binary
  "Path:audio" frames of MP3 and "Path:turn.end" out), or a hang after the handshake.
- silent_tcp_port(): accepts TCP connections and never says a word (hung before the handshake).
- closed_port(): nothing listens there (connection refused).
"""

from __future__ import annotations

import asyncio
import email
import io
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import av
import numpy as np


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class silent_tcp_port:
    """A listening socket that never accepts: connects succeed (the kernel completes the TCP
    handshake) and then nothing ever comes back."""

    def __enter__(self) -> int:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()


# --------------------------------------------------------------------------------------------
# Groq


GROQ_WHISPER_MODELS = ("whisper-large-v3", "whisper-large-v3-turbo")
RESPONSE_FORMATS = ("json", "text", "verbose_json")


def groq_refusal(fields: dict) -> tuple[int, dict] | None:
    """(status, body) of Groq's answer to a transcription request it refuses; None when valid."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    def invalid(message, param, code="invalid_request_error"):
        return {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}

    model = fields.get("model")
    if model not in GROQ_WHISPER_MODELS:
        return 404, invalid(f"The model `{model}` does not exist or you do not have access to it.", "model", "model_not_found")
    if not isinstance(fields.get("file"), dict) or not fields["file"]["size"]:
        return 400, invalid("file is required", "file")
    language = fields.get("language")
    if language is not None and language not in _LANGUAGE_CODES:
        return 400, invalid(f"language '{language}' is not a supported ISO-639-1 language code", "language")
    if fields.get("response_format", "json") not in RESPONSE_FORMATS:
        return 400, invalid("response_format must be json, text or verbose_json", "response_format")
    try:
        temperature = float(fields.get("temperature", 0))
    except ValueError:
        temperature = -1
    if not 0 <= temperature <= 1:
        return 400, invalid("temperature must be between 0 and 1", "temperature")
    return None


class FakeGroq:
    """mode: "ok" | "error" (HTTP 500) | "hang" (sleeps `hang_s` before answering). `validate`:
    refuse invalid requests as Groq does (groq_refusal), so a test proves what the client sends."""

    def __init__(self, mode: str = "ok", *, text: str = "where is my order", language: str = "english", hang_s: float = 10.0,
                 validate: bool = False, avg_logprob: float = -0.2):
        self.mode, self.text, self.language, self.hang_s = mode, text, language, hang_s
        self.validate, self.avg_logprob = validate, avg_logprob
        self.requests: list[dict] = []
        self._release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fields = _multipart(self.headers.get("Content-Type", ""), body)
                fake.requests.append(
                    {"path": self.path, "authorization": self.headers.get("Authorization"), "fields": fields}
                )
                if self.path != "/openai/v1/audio/transcriptions":
                    return self._json(404, {"error": {"message": "not found"}})
                if fake.mode == "hang":
                    fake._release.wait(fake.hang_s)
                    return self._json(200, {"text": "too late"})
                if fake.mode == "error":
                    return self._json(500, {"error": {"message": "internal error", "type": "server_error"}})
                refusal = groq_refusal(fields) if fake.validate else None
                if refusal is not None:
                    return self._json(*refusal)
                return self._json(
                    200,
                    {
                        "text": " " + fake.text,
                        "language": fake.language,
                        "duration": 1.0,
                        "segments": [{"id": 0, "text": fake.text, "avg_logprob": fake.avg_logprob, "no_speech_prob": 0.01,
                                      "compression_ratio": 1.1}],
                    },
                )

            def _json(self, status, payload):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (timeout): that is the point of the hang mode

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._release.set()
        self.server.shutdown()
        self.server.server_close()


def _multipart(content_type: str, body: bytes) -> dict:
    message = email.message_from_bytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    fields = {}
    if not message.is_multipart():
        return fields
    for part in message.get_payload():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            fields[name] = {"filename": part.get_filename(), "size": len(payload), "head": payload[:4]}
        else:
            fields[name] = payload.decode("utf-8", "replace")
    return fields


# --------------------------------------------------------------------------------------------
# edge-tts


def tone_mp3(seconds: float = 0.6, rate: int = 24000, freq: float = 440.0) -> bytes:
    """MP3 like edge-tts's (24 kHz mono), of a tone."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=rate)
        stream.layout = "mono"
        t = np.arange(int(seconds * rate)) / rate
        samples = (0.3 * np.sin(2 * np.pi * freq * t) * 32767).astype("<i2").reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buf.getvalue()


def _text_frame(path: str, body: str = "{}") -> str:
    return f"X-RequestId:fake\r\nContent-Type:application/json; charset=utf-8\r\nPath:{path}\r\n\r\n{body}"


def _audio_frame(data: bytes) -> bytes:
    headers = b"X-RequestId:fake\r\nContent-Type:audio/mpeg\r\nX-StreamId:fake\r\nPath:audio\r\n"
    return len(headers).to_bytes(2, "big") + headers + data


class FakeEdgeTTS:
    """mode: "ok" | "hang" (accepts the WebSocket and the requests, never answers)."""

    def __init__(self, mode: str = "ok"):
        self.mode = mode
        self.received: list[str] = []
        self.connections = 0
        self.mp3 = tone_mp3()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/consumer/speech/synthesize/readaloud/edge/v1?TrustedClientToken=fake"

    def _run(self):
        from aiohttp import web

        asyncio.set_event_loop(self._loop)

        async def handler(request):
            self.connections += 1
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            async for msg in ws:
                if msg.type != web.WSMsgType.TEXT:
                    continue
                self.received.append(msg.data)
                if "Path:ssml" not in msg.data:
                    continue
                if self.mode == "hang":
                    continue
                await ws.send_str(_text_frame("turn.start"))
                step = max(1, len(self.mp3) // 3)
                for i in range(0, len(self.mp3), step):
                    await ws.send_bytes(_audio_frame(self.mp3[i : i + step]))
                await ws.send_str(_text_frame("turn.end"))
            return ws

        async def start():
            app = web.Application()
            app.router.add_get("/{tail:.*}", handler)
            self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]
            self._ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()

    def __enter__(self):
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc):
        async def stop():
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
