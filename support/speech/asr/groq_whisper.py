"""Groq's hosted Whisper: the recogniser for Hindi, Bengali and Marathi when GROQ_API_KEY is set."""

from __future__ import annotations

import io
import time

import numpy as np
from django.conf import settings

from ..audio import ASR_RATE, float_to_pcm16, wav_bytes
from .base import INDIC, ASREngine, Transcript, confidence, map_language
from .prompts import initial_prompt

GROQ_LANGUAGE_NAMES = {"english": "en", "hindi": "hi", "bengali": "bn", "marathi": "mr", "urdu": "ur"}


class GroqWhisperASR(ASREngine):
    """One bounded attempt (the SDK's two default retries would triple the wait before the local
    model gets its turn). A session's language is sent with a short prompt in its own script:
    without them Whisper writes much Hindi speech in Urdu or Latin letters."""

    name = "groq"
    max_workers = 4  # network-bound: waiting on Groq costs no CPU

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None, timeout: float | None = None):
        super().__init__()
        from groq import Groq  # heavy (the groq SDK, ~0.25 s): loaded only when a Groq engine is built

        self.model = settings.GROQ_ASR_MODEL
        self.indic_model = settings.GROQ_ASR_MODEL_INDIC or settings.GROQ_ASR_MODEL
        self.client = Groq(
            api_key=api_key or settings.GROQ_API_KEY,
            base_url=(base_url or settings.GROQ_BASE_URL) or None,
            timeout=timeout if timeout is not None else settings.GROQ_ASR_TIMEOUT,
            max_retries=0,
        )

    def model_name(self, language: str) -> str:
        return self.indic_model if language in INDIC else self.model

    def transcribe(self, samples: np.ndarray, *, language: str = "auto") -> Transcript:
        started = time.perf_counter()
        duration = len(samples) / ASR_RATE
        kwargs = {}
        if language and language != "auto":
            kwargs["language"] = language
            prompt = initial_prompt(language)
            if prompt:
                kwargs["prompt"] = prompt
        response = self.client.audio.transcriptions.create(
            file=("speech.wav", io.BytesIO(wav_bytes(float_to_pcm16(samples), ASR_RATE)), "audio/wav"),
            model=self.model_name(language),
            response_format="verbose_json",
            temperature=0.0,
            **kwargs,
        )
        extra = getattr(response, "model_extra", None) or {}
        detected = extra.get("language") or kwargs.get("language") or ""
        detected = GROQ_LANGUAGE_NAMES.get(str(detected).lower(), str(detected).lower())
        segments = [s for s in extra.get("segments") or [] if isinstance(s, dict)]
        logprobs = [s["avg_logprob"] for s in segments if isinstance(s.get("avg_logprob"), (int, float))]
        ratios = [s["compression_ratio"] for s in segments if isinstance(s.get("compression_ratio"), (int, float))]
        return Transcript(
            text=(response.text or "").strip(),
            language=map_language(detected),
            confidence=confidence(logprobs),
            duration_s=duration,
            provider=self.name,
            model=self.model_name(language),
            latency_ms=(time.perf_counter() - started) * 1000,
            avg_logprob=sum(logprobs) / len(logprobs) if logprobs else None,
            compression_ratio=max(ratios) if ratios else None,
        )
