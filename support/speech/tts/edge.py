"""edge-tts: Microsoft's online neural voices, one per language (settings.EDGE_TTS_VOICES).

It can hang forever on a dead network, so the connect and the wait for every message are bounded
by EDGE_TTS_TIMEOUT. settings.EDGE_TTS_URL points the client at another endpoint (tests use a fake
server on 127.0.0.1); edge_tts builds its URL from a module constant, so that constant is set.
"""

from __future__ import annotations

import asyncio
import math
import time

from django.conf import settings

from ..audio import AudioError, decode_to_pcm16
from .base import Synthesis, TTSEngine, TTSError

_original_url: str | None = None


def _apply_url() -> None:
    global _original_url
    import edge_tts.communicate as communicate  # optional online engine: loaded only when edge-tts speaks

    if _original_url is None:
        _original_url = communicate.WSS_URL
    communicate.WSS_URL = settings.EDGE_TTS_URL or _original_url


class EdgeTTS(TTSEngine):
    name = "edge"
    languages = ("en", "hi", "bn", "mr")

    def model_name(self, language: str) -> str:
        return settings.EDGE_TTS_VOICES.get(language, "")

    async def synthesize(self, text: str, language: str) -> Synthesis:
        import edge_tts  # optional online engine (aiohttp): loaded only when edge-tts speaks

        voice = settings.EDGE_TTS_VOICES.get(language)
        if not voice:
            raise TTSError(f"EDGE_TTS_VOICES has no voice for {language}")
        timeout = float(settings.EDGE_TTS_TIMEOUT)
        _apply_url()
        started = time.perf_counter()
        first_byte_ms = None
        bound = max(1, math.ceil(timeout))
        communicate = edge_tts.Communicate(text, voice, connect_timeout=bound, receive_timeout=bound)
        stream = communicate.stream()
        mp3 = bytearray()
        try:
            while True:
                try:
                    message = await asyncio.wait_for(stream.__anext__(), timeout)
                except StopAsyncIteration:
                    break
                except asyncio.TimeoutError as exc:
                    raise TTSError(f"edge-tts sent nothing for {timeout:g} s") from exc
                if message["type"] == "audio":
                    if first_byte_ms is None:
                        first_byte_ms = (time.perf_counter() - started) * 1000
                    mp3 += message["data"]
        finally:
            await stream.aclose()
        if not mp3:
            raise TTSError("edge-tts returned no audio")
        try:
            pcm = decode_to_pcm16(bytes(mp3), settings.TTS_SAMPLE_RATE)
        except AudioError as exc:
            raise TTSError(f"edge-tts audio unreadable: {exc.message}") from exc
        return Synthesis(pcm, first_byte_ms)
