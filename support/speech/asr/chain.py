"""Providers in order (settings.ASR_PROVIDERS); the first that answers wins, and its transcript is
judged (asr.trust) before anyone acts on it."""

from __future__ import annotations

import threading
import time

import numpy as np
from django.conf import settings


from ..records import OnCall, SpeechCall, report
from .base import ASREngine, ASRUnavailable, Transcript
from .groq_whisper import GroqWhisperASR
from .local import FasterWhisperASR
from .trust import judge


class ASRChain:
    def __init__(self, engines: list[ASREngine]):
        if not engines:
            raise ValueError("ASRChain needs at least one engine")
        self.engines = engines

    def _call(self, engine: ASREngine, samples, language, latency_ms, *, error: str = "", result: Transcript | None = None):
        if result is not None and not result.trusted:
            # Not a failure of the provider, but the reason nothing was done with its answer.
            error = f"untrusted transcript ({result.distrust})"
        return SpeechCall(
            stage="asr",
            provider=engine.name,
            model=engine.model_name(language),
            ok=result is not None,
            error=error,
            latency_ms=round(latency_ms, 1),
            input_size=len(samples) * 2,  # as PCM16 bytes
            output_size=len(result.text) if result else None,
            language=result.language if result else language,
        )

    def _answered(self, engine, samples, language, started, result: Transcript, on_call: OnCall) -> Transcript:
        judge(result, language=language)
        report(self._call(engine, samples, language, (time.perf_counter() - started) * 1000, result=result), on_call)
        return result

    def _failed(self, engine, samples, language, started, exc: Exception, errors: list[str], on_call: OnCall) -> None:
        error = f"{exc.__class__.__name__}: {exc}"[:500]
        errors.append(f"{engine.name}: {error}")
        report(self._call(engine, samples, language, (time.perf_counter() - started) * 1000, error=error), on_call)

    def transcribe(self, samples: np.ndarray, *, language: str = "auto", on_call: OnCall = None) -> Transcript:
        errors: list[str] = []
        for engine in self.engines:
            started = time.perf_counter()
            try:
                result = engine.transcribe(samples, language=language)
            except Exception as exc:
                self._failed(engine, samples, language, started, exc, errors, on_call)
                continue
            return self._answered(engine, samples, language, started, result, on_call)
        raise ASRUnavailable("Speech recognition is unavailable: " + "; ".join(errors))

    async def transcribe_async(self, samples: np.ndarray, *, language: str = "auto", on_call: OnCall = None) -> Transcript:
        errors: list[str] = []
        for engine in self.engines:
            started = time.perf_counter()
            try:
                result = await engine.transcribe_async(samples, language=language)
            except Exception as exc:
                self._failed(engine, samples, language, started, exc, errors, on_call)
                continue
            return self._answered(engine, samples, language, started, result, on_call)
        raise ASRUnavailable("Speech recognition is unavailable: " + "; ".join(errors))


_local: FasterWhisperASR | None = None
_local_lock = threading.Lock()


def _engine(name: str) -> ASREngine:
    global _local
    if name == "local":
        # One local engine per process: its pool is what bounds concurrent inference.
        with _local_lock:
            if _local is None:
                _local = FasterWhisperASR()
        return _local
    if name == "groq":
        if not settings.GROQ_API_KEY:
            raise ValueError("ASR_PROVIDERS names groq but GROQ_API_KEY is empty")
        return GroqWhisperASR()
    raise ValueError(f"ASR_PROVIDERS: unknown provider {name!r} (use groq, local)")


def asr_settings_key() -> tuple:
    """What build_asr() reads from the settings (the factory rebuilds when it changes)."""
    return (
        tuple(settings.ASR_PROVIDERS),
        settings.GROQ_API_KEY,
        settings.GROQ_BASE_URL,
        settings.GROQ_ASR_TIMEOUT,
        settings.GROQ_ASR_MODEL,
        settings.GROQ_ASR_MODEL_INDIC,
    )


def build_asr() -> ASRChain:
    """A chain for the current settings (uncached: support.voice.factory.providers() keeps one)."""
    return ASRChain([_engine(n.strip()) for n in settings.ASR_PROVIDERS if n.strip()])
