"""What every ASR provider returns, and the interface they share."""

from __future__ import annotations

import asyncio
import math
import threading
from dataclasses import dataclass
from typing import Optional

import numpy as np

from voxsite.core.errors import DomainError

from ..audio import ASR_RATE
from ..scheduling import DeadlineExecutor

SUPPORTED = ("en", "hi", "bn", "mr")
INDIC = ("hi", "bn", "mr")
# Whisper often labels spoken Hindi as Urdu (same spoken language, other script); this shop's
# shoppers who speak it are Hindi shoppers.
LANGUAGE_ALIASES = {"ur": "hi"}
# Below this, a language identification is a guess. Measured with the base model: English speech
# is identified with probability >= 0.83, Hindi clips it took for English with <= 0.42.
MIN_LANGUAGE_PROBABILITY = 0.5


class ASRUnavailable(DomainError):
    """No speech recognition provider could answer."""

    code = "asr_unavailable"
    status_code = 503


@dataclass
class Transcript:
    text: str
    language: str  # en/hi/bn/mr, or Whisper's code for anything else
    confidence: Optional[float]  # 0..1, exp of the mean token log-probability
    duration_s: float
    provider: str = ""
    model: str = ""
    latency_ms: float = 0.0
    # What the decoder says about its own output (None when the provider does not tell).
    avg_logprob: Optional[float] = None
    compression_ratio: Optional[float] = None
    hit_limit: bool = False  # decoding stopped at its token budget: the decoder was looping
    # How sure the recogniser was of the language it heard (only when it had to identify it).
    language_probability: Optional[float] = None
    # Set by the chain (asr.trust.judge): an untrusted transcript is never acted on.
    trusted: bool = True
    distrust: str = ""  # why not: empty, runaway, repetitive, script_mismatch, low_confidence

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()


def map_language(code: str | None) -> str:
    code = (code or "").lower()
    return LANGUAGE_ALIASES.get(code, code)


def confidence(logprobs: list[float]) -> Optional[float]:
    if not logprobs:
        return None
    return round(float(math.exp(min(0.0, sum(logprobs) / len(logprobs)))), 4)


def has_speech(samples: np.ndarray) -> bool:
    """Silero VAD (bundled with faster-whisper): is there at least a short stretch of speech?"""
    from faster_whisper.vad import VadOptions, get_speech_timestamps  # heavy optional engine: loaded on first use

    if len(samples) < ASR_RATE // 10 or float(np.max(np.abs(samples))) < 1e-3:
        return False
    chunks = get_speech_timestamps(samples, VadOptions(threshold=0.5, min_speech_duration_ms=150))
    return bool(chunks)


class ASREngine:
    """A provider. `transcribe` is blocking; `transcribe_async` runs it off the event loop on the
    engine's own bounded pool, so the server keeps answering while it works."""

    name = ""
    max_workers = 1

    def __init__(self):
        self._pool: DeadlineExecutor | None = None
        self._pool_lock = threading.Lock()

    def model_name(self, language: str) -> str:
        return ""

    def transcribe(self, samples: np.ndarray, *, language: str = "auto") -> Transcript:
        raise NotImplementedError

    def queue_limit(self) -> int | None:
        """Jobs waiting beyond this get `Overloaded` at once (the engine is skipped); None: no bound."""
        return None

    @property
    def pool(self) -> DeadlineExecutor:
        """Earliest deadline first (support.speech.scheduling): the oldest turn's final transcript
        before a newer turn's, and before a speculation on a pause."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = DeadlineExecutor(self.max_workers, thread_name_prefix=f"asr-{self.name}")
            self._pool.max_queued = self.queue_limit()  # read each time: a changed setting applies
            return self._pool

    async def transcribe_async(self, samples: np.ndarray, *, language: str = "auto") -> Transcript:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, lambda: self.transcribe(samples, language=language))
