"""faster-whisper on this machine: tiny.en for English sessions, the multilingual model for
auto/hi/bn/mr, or the model imported for a language (WHISPER_MODELS_BY_LANGUAGE).

Speed: faster-whisper's transcribe() pads every clip to a 30 s window; encoding that window alone
costs more than the whole utterance should. Short utterances are encoded in a window of
max(8 s, utterance + 1 s) padded with real silence (zeros in the waveform, before the log-mel) and
decoded straight from the CTranslate2 model. Shorter windows, or zero-valued *features*, make the
decoder loop, so there is a repetition guard as well (see DESIGN.md for the measurements).

Indic speech: the session's language is forced and a sentence in its script is the decoder's
prompt (asr/prompts.py); decoding stops at a token budget proportional to the audio's length, so a
looping decoder costs a bounded time, and the transcript carries what the chain's judge needs
(average log-probability, compression ratio, whether the budget ran out).
"""

from __future__ import annotations

import time

import numpy as np
from django.conf import settings

from .. import models
from ..audio import ASR_RATE
from .base import INDIC, MIN_LANGUAGE_PROBABILITY, ASREngine, Transcript, confidence, has_speech, map_language
from .prompts import initial_prompt
from .repeats import collapse_repeats

MIN_WINDOW_S = 8.0
TRIMMED_MAX_S = 28.0  # beyond this, the normal 30 s-window transcribe() is the right tool
# Decoding budget per second of audio: a looping decoder stops here instead of at 448 tokens.
# Real read Indic speech needs ~9 (Hindi) to ~22 (Bengali) byte-level tokens a second.
TOKENS_PER_S = {"english": 8, "multilingual": 25}
NO_SPEECH_PROB = 0.6
# The decoder's own fallback passes on long audio: fewer than faster-whisper's six.
TEMPERATURES = (0.0, 0.4, 0.8)
PADDED_MAX_NEW_TOKENS = 380


def _compression_ratio(text: str) -> float | None:
    from faster_whisper.transcribe import get_compression_ratio  # heavy optional engine: loaded on first use

    return round(get_compression_ratio(text), 3) if text else None


def _identified(model, encoded) -> tuple[str, float]:
    """(language, probability) from Whisper's language identification, with the probabilities
    of codes that mean the same language here added up (Urdu is Hindi)."""
    scores: dict[str, float] = {}
    for token, probability in model.model.detect_language(encoded)[0]:
        code = map_language(token[2:-2])
        scores[code] = scores.get(code, 0.0) + probability
    language = max(scores, key=scores.get)
    return language, round(scores[language], 3)


class FasterWhisperASR(ASREngine):
    name = "local"

    def __init__(self, *, english_setting: str = "WHISPER_MODEL", multilingual_setting: str = "WHISPER_MULTILINGUAL_MODEL"):
        super().__init__()
        self.english_setting = english_setting
        self.multilingual_setting = multilingual_setting
        self.max_workers = max(1, settings.ASR_MAX_CONCURRENCY)
        self._extractors: dict[int, object] = {}

    def queue_limit(self) -> int | None:
        return settings.ASR_QUEUE_MAX or None

    # -- which model hears which language ---------------------------------------------------
    def route(self, language: str) -> tuple[str, str]:
        """(setting named in errors, model spec) for a session language."""
        own = settings.WHISPER_MODELS_BY_LANGUAGE.get(language)
        if own:
            return f"WHISPER_MODELS_BY_LANGUAGE[{language}]", own
        setting = self.english_setting if language == "en" else self.multilingual_setting
        return setting, str(getattr(settings, setting))

    def setting_for(self, language: str) -> str:
        return self.route(language)[0]

    def model_name(self, language: str) -> str:
        return self.route(language)[1]

    def model_for(self, language: str):
        setting, spec = self.route(language)
        return models.whisper_model(setting, spec=spec)

    def _extractor(self, model):
        # Our own extractor: the model's one changes its window size when called with
        # chunk_length, which would race with transcribe() in another thread.
        from faster_whisper.feature_extractor import FeatureExtractor  # heavy optional engine: loaded on first use

        key = id(model)
        if key not in self._extractors:
            self._extractors[key] = FeatureExtractor(**model.feat_kwargs)
        return self._extractors[key]

    def _encode(self, model, samples: np.ndarray, duration: float):
        import ctranslate2  # heavy optional engine: loaded when a local model runs

        window = max(MIN_WINDOW_S, duration + 1.0)
        padded = np.zeros(int(window * ASR_RATE), dtype=np.float32)
        padded[: len(samples)] = samples  # real silence, so the log-mel of the tail is silence too
        features = self._extractor(model)(padded)[..., :-1]
        return model.model.encode(ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None])))

    def detect_language(self, samples: np.ndarray) -> str:
        """The language the multilingual model hears (Urdu counted as Hindi)."""
        model = self.model_for("auto")
        encoded = self._encode(model, samples[: int(TRIMMED_MAX_S * ASR_RATE)], min(len(samples) / ASR_RATE, TRIMMED_MAX_S))
        return _identified(model, encoded)[0]

    # -- transcription ----------------------------------------------------------------------
    def transcribe(self, samples: np.ndarray, *, language: str = "auto", trimmed: bool = True) -> Transcript:
        started = time.perf_counter()
        language = (language or "auto").lower()
        duration = len(samples) / ASR_RATE
        speech = has_speech(samples)
        if speech and language == "auto" and any(k != "en" for k in settings.WHISPER_MODELS_BY_LANGUAGE):
            # A language with its own model: hear which one it is first, then use that model.
            detected = self.detect_language(samples)
            if detected in settings.WHISPER_MODELS_BY_LANGUAGE:
                language = detected
        model = self.model_for(language)
        wanted = None if language == "auto" else language
        if not model.model.is_multilingual:
            wanted = "en"
        if not speech:
            result = Transcript("", map_language(wanted) or "", None, duration)
        elif trimmed and duration <= TRIMMED_MAX_S:
            # A shopper told that their language cannot be heard here is invited to speak English:
            # listen for it.
            english_ok = language in INDIC and language not in settings.WHISPER_MODELS_BY_LANGUAGE
            result = self._trimmed(model, samples, wanted, duration, english_ok=english_ok)
        else:
            result = self._padded(model, samples, wanted, duration)
        result.provider = self.name
        result.model = self.model_name(language)
        result.latency_ms = (time.perf_counter() - started) * 1000
        return result

    def _trimmed(self, model, samples: np.ndarray, language: str | None, duration: float, *,
                 english_ok: bool = False) -> Transcript:
        from faster_whisper.tokenizer import Tokenizer  # heavy optional engine: loaded when a local model runs

        encoded = self._encode(model, samples, duration)
        multilingual = model.model.is_multilingual
        probability = None
        if multilingual and language is None:
            # Urdu is decoded as Hindi: same speech, and Devanagari is what this shop reads.
            language, probability = _identified(model, encoded)
        elif multilingual and english_ok:
            heard, p = _identified(model, encoded)
            if heard == "en" and p >= MIN_LANGUAGE_PROBABILITY:
                language, probability = "en", p
        tokenizer = Tokenizer(model.hf_tokenizer, multilingual, task="transcribe", language=language or "en")
        prompt = []
        context = initial_prompt(language or "") if multilingual else ""
        if context:
            prompt = [tokenizer.sot_prev] + tokenizer.encode(" " + context)
        prompt += list(tokenizer.sot_sequence) + [tokenizer.no_timestamps]
        budget = int(12 + duration * TOKENS_PER_S["multilingual" if multilingual else "english"])
        max_length = min(448, len(prompt) + budget)
        result = model.model.generate(
            encoded,
            [prompt],
            beam_size=1,
            max_length=max_length,
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
        raw = tokenizer.decode(tokens).strip()
        return Transcript(
            collapse_repeats(raw), map_language(language), confidence([avg_logprob]), duration,
            avg_logprob=round(avg_logprob, 4), compression_ratio=_compression_ratio(raw),
            hit_limit=len(prompt) + len(tokens) >= max_length, language_probability=probability,
        )

    def _padded(self, model, samples: np.ndarray, language: str | None, duration: float) -> Transcript:
        multilingual = model.model.is_multilingual
        context = initial_prompt(language or "") if multilingual else ""
        segments, info = model.transcribe(
            samples,
            language=language,
            beam_size=1,
            condition_on_previous_text=False,
            vad_filter=False,
            temperature=TEMPERATURES,
            initial_prompt=context or None,
            # Per 30 s window (the prompt and the budget must fit the model's 448 tokens); a segment
            # that still loops is caught by its compression ratio.
            max_new_tokens=min(PADDED_MAX_NEW_TOKENS, 30 * TOKENS_PER_S["multilingual" if multilingual else "english"]),
        )
        segments = list(segments)
        raw = " ".join(s.text.strip() for s in segments if s.text.strip())
        logprobs = [s.avg_logprob for s in segments]
        ratios = [s.compression_ratio for s in segments if s.text.strip()]
        return Transcript(
            collapse_repeats(raw), map_language(info.language), confidence(logprobs), duration,
            avg_logprob=round(sum(logprobs) / len(logprobs), 4) if logprobs else None,
            compression_ratio=round(max(ratios), 3) if ratios else None,
            language_probability=None if language else round(info.language_probability, 3),
        )
