"""`WS /api/voice/stream`: the real-time voice protocol (see README "Real-time voice protocol").

Thin on purpose: it authenticates through the middleware's scope, validates each client
message, enforces per-connection limits, and hands everything else to the pipeline
(support/voice/pipeline.py `websocket_pipeline`) as frames.
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from voxsite.core.errors import DomainError

from ..conversations.services.turns import text_validate
from . import services
from .frames import AudioIn, Resume, StaffSay, TextIn, UserEnd
from .pipeline import websocket_pipeline
from .processor import Pipeline

log = logging.getLogger(__name__)

LANGUAGES = ("auto", "en", "hi", "bn", "mr")
MODES = ("vad", "ptt")
CLIENT_TYPES = ("start", "end", "text", "interrupt", "ping")


def conversation_group(session_id: str) -> str:
    return f"conversation.{session_id}"


LIVE_GROUP = "support.live"
# Seconds of audio a client may send ahead of real time: a loaded server reads its socket in
# bursts, and those must not read as a flood.
AUDIO_BURST_S = 20


class TokenBucket:
    def __init__(self, rate: float, burst: float):
        self.rate, self.capacity, self.tokens, self.at = rate, burst, burst, time.monotonic()

    def take(self, amount: float) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= amount:
            self.tokens -= amount
            return True
        return False


class VoiceConsumer(AsyncWebsocketConsumer):
    pipeline: Pipeline | None = None

    async def dispatch(self, message):
        """Channels' own dispatch first closes stale database connections, a hop to the one shared
        sync thread, for every message. At 50 audio frames a second per shopper those hops queued
        behind other sessions' database work and stalled every socket of the process (py-spy, 25
        sessions). This consumer touches the ORM only through database_sync_to_async, which closes
        stale connections itself, so the hop is skipped."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        query = {k: v[0] for k, v in parse_qs(self.scope.get("query_string", b"").decode("latin-1")).items()}
        language = query.get("language", "auto")
        mode = query.get("mode", "vad")
        try:
            rate = int(query.get("sample_rate", 16000))
        except ValueError:
            rate = -1
        await self.accept()
        if language not in LANGUAGES or mode not in MODES or not self._rate_ok(rate):
            await self._error("bad_parameters", "language must be auto|en|hi|bn|mr, mode vad|ptt, sample_rate 8000-48000.")
            await self.close(code=4400)
            return
        try:
            session = await database_sync_to_async(services.session_open)(
                session_id=query.get("session_id") or None, token=self.scope.get("token") or query.get("token", ""),
                api_key=self.scope.get("api_key"), user=self.scope.get("user"), language=language,
            )
        except DomainError as exc:
            await self._error(exc.code, exc.message)
            await self.close(code=4404 if exc.status_code == 404 else 4410)
            return
        except Exception:  # the database is unreachable or locked: say so, don't just drop
            log.exception("could not open a voice session")
            await self._error("session_unavailable", "The conversation could not be opened; try again shortly.")
            await self.close(code=1011)
            return
        self.session_id = session["session_id"]
        self.violations = 0
        self.audio_bucket = TokenBucket(rate=rate * 2 * settings.VOICE_MAX_AUDIO_SPEED, burst=rate * 2 * AUDIO_BURST_S)
        self.message_bucket = TokenBucket(rate=settings.VOICE_MAX_MESSAGES_PER_S, burst=settings.VOICE_MAX_MESSAGES_PER_S)
        self.pipeline = websocket_pipeline(session_id=self.session_id, language=language, sample_rate=rate, mode=mode,
                                           send_json=self._send_json, send_bytes=self._send_bytes)
        await self.channel_layer.group_add(conversation_group(self.session_id), self.channel_name)
        await self._send_json({
            "type": "session", "session_id": self.session_id, "token": session["token"] or None,
            "resumed": session["resumed"], "language": language, "mode": mode, "status": session["status"],
            "turns": session["turns"], "pending": session["pending"],
            "input_audio": {"encoding": "pcm_s16le", "sample_rate": rate, "channels": 1},
            "output_audio": {"encoding": "pcm_s16le", "sample_rate": settings.TTS_SAMPLE_RATE, "channels": 1},
        })
        await self._publish_live({"type": "session", "resumed": session["resumed"]})
        if session["pending"]:  # a turn cut off by a lost connection or a dead process: answer it now
            await self.pipeline.queue(Resume(**session["pending"]))

    async def disconnect(self, code):
        if self.pipeline is not None:
            await self.pipeline.close()
            await self.channel_layer.group_discard(conversation_group(self.session_id), self.channel_name)
            await self._publish_live({"type": "disconnected", "code": code})

    # -- client -> server ---------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        if self.pipeline is None:
            return
        if bytes_data is not None:
            await self._audio(bytes_data)
        elif text_data is not None:
            await self._json(text_data)

    async def _audio(self, data: bytes):
        if len(data) > settings.VOICE_MAX_FRAME_BYTES:
            return await self._violation("frame_too_large", f"Binary frames are limited to {settings.VOICE_MAX_FRAME_BYTES} bytes.")
        if len(data) % 2:
            return await self._violation("odd_length_frame", "Audio frames are 16-bit PCM: an even number of bytes.")
        if not self.audio_bucket.take(len(data)):
            return await self._violation("rate_limited", "Audio is arriving faster than real time allows; slow down.")
        if not data:
            return
        await self.pipeline.queue(AudioIn(pcm=data))

    async def _json(self, text: str):
        if not self.message_bucket.take(1):
            return await self._violation("rate_limited", "Too many messages; slow down.")
        if len(text) > settings.VOICE_MAX_FRAME_BYTES:
            return await self._violation("frame_too_large", "Message too large.")
        try:
            msg = json.loads(text)
        except ValueError:
            return await self._violation("malformed_json", "Messages must be JSON objects.")
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            return await self._violation("invalid_message", 'Messages need a string "type".')
        kind = msg["type"]
        if kind not in CLIENT_TYPES:
            return await self._violation("unknown_type", f"Unknown message type {kind!r}; expected one of {', '.join(CLIENT_TYPES)}.")
        await getattr(self, f"_on_{kind}")(msg)

    async def _on_start(self, msg):
        rate = msg.get("sample_rate", None)
        language = msg.get("language", None)
        mode = msg.get("mode", None)
        if rate is not None and not (isinstance(rate, int) and self._rate_ok(rate)):
            return await self._error("bad_sample_rate", "sample_rate must be an integer from 8000 to 48000.")
        if language is not None and language not in LANGUAGES:
            return await self._error("bad_language", "language must be one of auto, en, hi, bn, mr.")
        if mode is not None and mode not in MODES:
            return await self._error("bad_mode", "mode must be vad or ptt.")
        if rate:
            self.audio_bucket = TokenBucket(rate=rate * 2 * settings.VOICE_MAX_AUDIO_SPEED, burst=rate * 2 * AUDIO_BURST_S)
        self.pipeline.configure(sample_rate=rate, language=language, mode=mode)
        session = self.pipeline.session
        await self._send_json({"type": "started", "sample_rate": rate or session.sample_rate,
                               "language": session.language, "mode": session.mode})

    async def _on_end(self, msg):
        await self.pipeline.queue(UserEnd())

    async def _on_text(self, msg):
        try:
            text = text_validate(text=msg.get("text"))
        except DomainError as exc:
            return await self._error(exc.code, exc.message)
        language = msg.get("language")
        await self.pipeline.queue(TextIn(text=text, language=language if language in LANGUAGES[1:] else None))

    async def _on_interrupt(self, msg):
        await self.pipeline.interrupt("client")

    async def _on_ping(self, msg):
        await self._send_json({"type": "pong", "t": msg.get("t")})

    # -- channel layer (staff, other processes) -----------------------------
    async def conversation_say(self, event):
        """Another process (a staff member's takeover) speaks through this socket."""
        language = event.get("language") or self.pipeline.session.reply_language()
        await self.pipeline.queue(StaffSay(text=event["text"], language=language))

    async def conversation_event(self, event):
        await self._send_json(event["event"])

    # -- plumbing -------------------------------------------------------------
    @staticmethod
    def _rate_ok(rate) -> bool:
        return isinstance(rate, int) and 8000 <= rate <= 48000

    async def _violation(self, code: str, detail: str):
        self.violations += 1
        await self._error(code, detail)
        if self.violations > settings.VOICE_MAX_VIOLATIONS:
            await self._error("too_many_errors", "Closing: too many invalid messages.")
            await self.close(code=4429)
            if self.pipeline is not None:
                await self.pipeline.close()

    async def _error(self, code: str, detail: str):
        await self._send_json({"type": "error", "code": code, "detail": detail})

    async def _send_json(self, event: dict):
        await self.send(text_data=json.dumps(event, ensure_ascii=False, default=str))
        if event.get("type") in ("transcript", "reply", "tool_call", "barge_in", "metrics", "staff_message"):
            await self._publish_live(event)

    async def _send_bytes(self, data: bytes):
        await self.send(bytes_data=data)

    async def _publish_live(self, event: dict):
        # Staff watching live conversations (the admin's live view) listen on one group.
        try:
            await self.channel_layer.group_send(LIVE_GROUP, {"type": "live.event", "session_id": self.session_id, "event": event})
        except Exception:  # a full or unreachable layer must not break the shopper's call
            log.warning("could not publish live event", exc_info=True)
