"""Speech to text: one interface, providers chosen by settings.ASR_PROVIDERS, tried in order.

  local -> FasterWhisperASR: tiny.en for English sessions, the multilingual model for auto/hi/bn/mr.
  groq  -> GroqWhisperASR: Groq's hosted Whisper (when GROQ_API_KEY is set), bounded, no retries.

Speed: faster-whisper's transcribe() pads every clip to a 30 s window; encoding that window alone
costs more than the whole utterance should. Short utterances are encoded in a window of
max(8 s, utterance + 1 s) padded with real silence (zeros in the waveform, before the log-mel) and
decoded straight from the CTranslate2 model. Shorter windows, or zero-valued *features*, make the
decoder loop, so there is a repetition guard as well (see DESIGN.md for the measurements).
"""

from __future__ import annotations

import asyncio
import io
import math
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Optional

import numpy as np
from django.conf import settings

from voxsite.concurrency import blocking
from voxsite.errors import DomainError

from . import models
from .audio import ASR_RATE, float_to_pcm16, wav_bytes
from .records import OnCall, SpeechCall, report

SUPPORTED = ("en", "hi", "bn", "mr")
# Whisper often labels spoken Hindi as Urdu (same spoken language, other script); this shop's
# shoppers who speak it are Hindi shoppers.
LANGUAGE_ALIASES = {"ur": "hi"}
MIN_WINDOW_S = 8.0
TRIMMED_MAX_S = 28.0  # beyond this, the normal 30 s-window transcribe() is the right tool
# Decoding budget per second of audio: a looping decoder stops here instead of at 448 tokens.
TOKENS_PER_S = {"english": 8, "multilingual": 25}
NO_SPEECH_PROB = 0.6


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

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()


def map_language(code: str | None) -> str:
    code = (code or "").lower()
    return LANGUAGE_ALIASES.get(code, code)


_SEP = r"[\s,.;:!?।]+"
_PHRASE_LOOP = re.compile(r"(?<!\S)(\S.{0,59}?)((?:" + _SEP + r"\1){2,})(?=[\s,.;:!?।]|$)", re.DOTALL | re.IGNORECASE)
_CHAR_LOOP = re.compile(r"([^\s\d]{1,4}?)\1{5,}")


def _collapse_phrase(match: re.Match) -> str:
    unit, tail = match.group(1), match.group(2)
    repeats = 1 + len(re.findall(re.escape(unit), tail, re.IGNORECASE))
    # "nine nine nine" can be a phone number; a phrase of several words three times in a row,
    # one word as three sentences ("Hi. Hi. Hi, hi": tiny.en on a short "Hi"), or anything five
    # times, is the decoder looping.
    sentences = re.search(r"[.!?।]", tail) and not re.search(r"\d", unit)
    if (" " in unit.strip() and repeats >= 3) or (sentences and repeats >= 3) or repeats >= 5:
        return unit
    return match.group(0)


def _words(sentence: str) -> list[str]:
    return re.findall(r"\w+", sentence.lower())


def _drop_repeated_sentences(text: str) -> str:
    """ "What is your return policy? What is your return policy. What is" -> the first sentence:
    a sentence of 3+ words said again at once, and a trailing fragment that only restarts the
    previous sentence, are the decoder running on into the window's padding."""
    parts = [p for p in re.split(r"(?<=[.?!।])\s+", text.strip()) if p]
    kept: list[str] = []
    for i, part in enumerate(parts):
        words = _words(part)
        if kept:
            previous = _words(kept[-1])
            if len(previous) >= 3 and words == previous:
                continue
            last = i == len(parts) - 1 and not part.rstrip().endswith((".", "?", "!", "।"))
            if last and words and len(words) < len(previous) and previous[: len(words)] == words:
                continue
        kept.append(part)
    return " ".join(kept)


def collapse_repeats(text: str) -> str:
    """Collapse the decoder's loops ("Please try again. Please try again. ...", "गगगगगग") to one
    occurrence, keeping ordinary repetition such as digits read one by one."""
    text = _CHAR_LOOP.sub(r"\1", text)
    previous = None
    while previous != text:
        previous = text
        text = _PHRASE_LOOP.sub(_collapse_phrase, text)
    text = _drop_repeated_sentences(text)
    return re.sub(r"\s{2,}", " ", text).strip()


class ASREngine:
    """A provider. `transcribe` is blocking; `transcribe_async` runs it off the event loop on the
    engine's own bounded pool, so the server keeps answering while it works."""

    name = ""
    max_workers = 1

    def __init__(self):
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def model_name(self, language: str) -> str:
        return ""

    def transcribe(self, samples: np.ndarray, *, language: str = "auto") -> Transcript:
        raise NotImplementedError

    @property
    def pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix=f"asr-{self.name}")
            return self._pool

    async def transcribe_async(self, samples: np.ndarray, *, language: str = "auto") -> Transcript:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, lambda: self.transcribe(samples, language=language))


class FasterWhisperASR(ASREngine):
    name = "local"

    def __init__(self, *, english_setting: str = "WHISPER_MODEL", multilingual_setting: str = "WHISPER_MULTILINGUAL_MODEL"):
        super().__init__()
        self.english_setting = english_setting
        self.multilingual_setting = multilingual_setting
        self.max_workers = max(1, settings.ASR_MAX_CONCURRENCY)
        self._extractors: dict[int, object] = {}

    def setting_for(self, language: str) -> str:
        return self.english_setting if language == "en" else self.multilingual_setting

    def model_name(self, language: str) -> str:
        return str(getattr(settings, self.setting_for(language)))

    def model_for(self, language: str):
        return models.whisper_model(self.setting_for(language))

    def _extractor(self, model):
        # Our own extractor: the model's one changes its window size when called with
        # chunk_length, which would race with transcribe() in another thread.
        from faster_whisper.feature_extractor import FeatureExtractor

        key = id(model)
        if key not in self._extractors:
            self._extractors[key] = FeatureExtractor(**model.feat_kwargs)
        return self._extractors[key]

    def transcribe(self, samples: np.ndarray, *, language: str = "auto", trimmed: bool = True) -> Transcript:
        started = time.perf_counter()
        language = (language or "auto").lower()
        duration = len(samples) / ASR_RATE
        model = self.model_for(language)
        wanted = None if language == "auto" else language
        if not model.model.is_multilingual:
            wanted = "en"
        if not has_speech(samples):
            result = Transcript("", map_language(wanted) or "", None, duration)
        elif trimmed and duration <= TRIMMED_MAX_S:
            result = self._trimmed(model, samples, wanted, duration)
        else:
            result = self._padded(model, samples, wanted, duration)
        result.provider = self.name
        result.model = self.model_name(language)
        result.latency_ms = (time.perf_counter() - started) * 1000
        return result

    def _trimmed(self, model, samples: np.ndarray, language: str | None, duration: float) -> Transcript:
        import ctranslate2
        from faster_whisper.tokenizer import Tokenizer

        window = max(MIN_WINDOW_S, duration + 1.0)
        padded = np.zeros(int(window * ASR_RATE), dtype=np.float32)
        padded[: len(samples)] = samples  # real silence, so the log-mel of the tail is silence too
        features = self._extractor(model)(padded)[..., :-1]
        encoded = model.model.encode(ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None])))

        multilingual = model.model.is_multilingual
        if multilingual and language is None:
            language = model.model.detect_language(encoded)[0][0][0][2:-2]
        tokenizer = Tokenizer(model.hf_tokenizer, multilingual, task="transcribe", language=language or "en")
        prompt = list(tokenizer.sot_sequence) + [tokenizer.no_timestamps]
        budget = int(12 + duration * TOKENS_PER_S["multilingual" if multilingual else "english"])
        result = model.model.generate(
            encoded,
            [prompt],
            beam_size=1,
            max_length=min(448, len(prompt) + budget),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=[-1],
            # English tokens are mostly whole words, so a repeated 6-gram is a loop; in other scripts
            # a word is several byte tokens and that rule would forbid ordinary spelling.
            no_repeat_ngram_size=0 if multilingual else 6,
        )[0]
        tokens = result.sequences_ids[0]
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1) if tokens else -10.0
        if result.no_speech_prob > NO_SPEECH_PROB and avg_logprob < -1.0:
            return Transcript("", map_language(language), None, duration)
        text = collapse_repeats(tokenizer.decode(tokens).strip())
        return Transcript(text, map_language(language), _confidence([avg_logprob]), duration)

    def _padded(self, model, samples: np.ndarray, language: str | None, duration: float) -> Transcript:
        segments, info = model.transcribe(
            samples,
            language=language,
            beam_size=1,
            condition_on_previous_text=False,
            vad_filter=False,
            temperature=(0.0, 0.4, 0.8),  # fewer fallback passes than the default six
        )
        segments = list(segments)
        text = collapse_repeats(" ".join(s.text.strip() for s in segments if s.text.strip()))
        logprobs = [s.avg_logprob for s in segments]
        return Transcript(text, map_language(info.language), _confidence(logprobs), duration)


def _confidence(logprobs: list[float]) -> Optional[float]:
    if not logprobs:
        return None
    return round(float(math.exp(min(0.0, sum(logprobs) / len(logprobs)))), 4)


def has_speech(samples: np.ndarray) -> bool:
    """Silero VAD (bundled with faster-whisper): is there at least a short stretch of speech?"""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if len(samples) < ASR_RATE // 10 or float(np.max(np.abs(samples))) < 1e-3:
        return False
    chunks = get_speech_timestamps(samples, VadOptions(threshold=0.5, min_speech_duration_ms=150))
    return bool(chunks)


GROQ_LANGUAGE_NAMES = {"english": "en", "hindi": "hi", "bengali": "bn", "marathi": "mr", "urdu": "ur"}


class GroqWhisperASR(ASREngine):
    """Groq's hosted Whisper. One bounded attempt (the SDK's two default retries would triple the
    wait before the local model gets its turn)."""

    name = "groq"
    max_workers = 4  # network-bound: waiting on Groq costs no CPU

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None, timeout: float | None = None):
        super().__init__()
        from groq import Groq

        self.model = settings.GROQ_ASR_MODEL
        self.client = Groq(
            api_key=api_key or settings.GROQ_API_KEY,
            base_url=(base_url or settings.GROQ_BASE_URL) or None,
            timeout=timeout if timeout is not None else settings.GROQ_ASR_TIMEOUT,
            max_retries=0,
        )

    def model_name(self, language: str) -> str:
        return self.model

    def transcribe(self, samples: np.ndarray, *, language: str = "auto") -> Transcript:
        started = time.perf_counter()
        duration = len(samples) / ASR_RATE
        kwargs = {}
        if language and language != "auto":
            kwargs["language"] = language
        response = self.client.audio.transcriptions.create(
            file=("speech.wav", io.BytesIO(wav_bytes(float_to_pcm16(samples), ASR_RATE)), "audio/wav"),
            model=self.model,
            response_format="verbose_json",
            temperature=0.0,
            **kwargs,
        )
        extra = getattr(response, "model_extra", None) or {}
        detected = extra.get("language") or kwargs.get("language") or ""
        detected = GROQ_LANGUAGE_NAMES.get(str(detected).lower(), str(detected).lower())
        logprobs = [s["avg_logprob"] for s in extra.get("segments") or [] if isinstance(s, dict) and "avg_logprob" in s]
        return Transcript(
            text=(response.text or "").strip(),
            language=map_language(detected),
            confidence=_confidence(logprobs),
            duration_s=duration,
            provider=self.name,
            model=self.model,
            latency_ms=(time.perf_counter() - started) * 1000,
        )


class ASRChain:
    """Providers in order; the first that answers wins, each failure is reported as a model call."""

    def __init__(self, engines: list[ASREngine]):
        if not engines:
            raise ValueError("ASRChain needs at least one engine")
        self.engines = engines

    def _call(self, engine: ASREngine, samples, language, latency_ms, *, error: str = "", result: Transcript | None = None):
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

    def transcribe(self, samples: np.ndarray, *, language: str = "auto", on_call: OnCall = None) -> Transcript:
        errors = []
        for engine in self.engines:
            started = time.perf_counter()
            try:
                with blocking():  # native inference or a Groq call: let other requests run
                    result = engine.transcribe(samples, language=language)
            except Exception as exc:
                error = f"{exc.__class__.__name__}: {exc}"[:500]
                errors.append(f"{engine.name}: {error}")
                report(self._call(engine, samples, language, (time.perf_counter() - started) * 1000, error=error), on_call)
                continue
            report(self._call(engine, samples, language, (time.perf_counter() - started) * 1000, result=result), on_call)
            return result
        raise ASRUnavailable("Speech recognition is unavailable: " + "; ".join(errors))

    async def transcribe_async(self, samples: np.ndarray, *, language: str = "auto", on_call: OnCall = None) -> Transcript:
        errors = []
        for engine in self.engines:
            started = time.perf_counter()
            try:
                result = await engine.transcribe_async(samples, language=language)
            except Exception as exc:
                error = f"{exc.__class__.__name__}: {exc}"[:500]
                errors.append(f"{engine.name}: {error}")
                report(self._call(engine, samples, language, (time.perf_counter() - started) * 1000, error=error), on_call)
                continue
            report(self._call(engine, samples, language, (time.perf_counter() - started) * 1000, result=result), on_call)
            return result
        raise ASRUnavailable("Speech recognition is unavailable: " + "; ".join(errors))


_chains: dict[tuple, ASRChain] = {}
_chains_lock = threading.Lock()
_local: FasterWhisperASR | None = None


def _engine(name: str) -> ASREngine:
    global _local
    if name == "local":
        # One local engine per process: its pool is what bounds concurrent inference.
        if _local is None:
            _local = FasterWhisperASR()
        return _local
    if name == "groq":
        if not settings.GROQ_API_KEY:
            raise ValueError("ASR_PROVIDERS names groq but GROQ_API_KEY is empty")
        return GroqWhisperASR()
    raise ValueError(f"ASR_PROVIDERS: unknown provider {name!r} (use groq, local)")


def get_asr() -> ASRChain:
    """The chain for the current settings (rebuilt when they change, e.g. in tests)."""
    key = (
        tuple(settings.ASR_PROVIDERS),
        settings.GROQ_API_KEY,
        settings.GROQ_BASE_URL,
        settings.GROQ_ASR_TIMEOUT,
        settings.GROQ_ASR_MODEL,
    )
    with _chains_lock:
        chain = _chains.get(key)
        if chain is None:
            chain = _chains[key] = ASRChain([_engine(n.strip()) for n in settings.ASR_PROVIDERS if n.strip()])
        return chain
