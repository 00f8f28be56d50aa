"""Model warm-up at process start: load every local model and run each once, so the first
shopper does not pay for loading (Piper's first call alone costs ~1.5 s here); then synthesise
the first clause of the replies that begin with fixed words into the clause cache, so most
shoppers' first audio needs no synthesis (`bench/bench_first_clause.py` measures the share)."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
from asgiref.sync import async_to_sync
from django.conf import settings

from support.assistant.offline.replies import openings
from support.speech.audio import pcm16_to_float, resample_float
from support.speech.endpointing import smart_turn
from support.speech.models import warm_up
from support.speech.tts.cache import CACHEABLE

from .factory import providers
from .processors.clauses import first_clause
from .processors.text_to_speech import FILLERS
from .vad import StreamingVAD

log = logging.getLogger("voxsite.warmup")
_started = threading.Event()
done = threading.Event()


def load_models() -> None:
    """Load every configured local model (start-up, synchronous): a bad WHISPER_* or TTS_* setting
    stops the process here with a message naming it."""
    t0 = time.perf_counter()
    log.info("voice warm-up 1/5: loading models")
    warm_up()
    log.info("voice warm-up: models loaded in %.1f s", time.perf_counter() - t0)


def run_models_once() -> None:
    """Run each model once (background): the first call of each pays for allocations and caches."""
    t0 = time.perf_counter()
    try:
        log.info("voice warm-up 2/5: speech synthesis")
        pcm = providers().tts.synthesize("Hello, how can I help you today?", "en")
        for language, text in FILLERS.items():
            # Every voice once, and the fillers into the clause cache: said when the process is busiest.
            async_to_sync(providers().tts.synthesize_clause)(text, language)
        log.info("voice warm-up 3/5: speech recognition (%.1f s)", time.perf_counter() - t0)
        samples = resample_float(pcm16_to_float(pcm), settings.TTS_SAMPLE_RATE, 16000)
        providers().asr.transcribe(samples, language="en")
        if "local" in settings.ASR_PROVIDERS:
            providers().asr.transcribe(samples, language="auto")
        log.info("voice warm-up 4/5: voice activity detection (%.1f s)", time.perf_counter() - t0)
        StreamingVAD().feed(np.zeros(16000, np.float32))
        if settings.VOICE_EOT_ADAPTIVE and settings.VOICE_SMART_TURN:
            model = smart_turn()  # the end-of-turn audio model (None, logged, when not installed)
            if model is not None:
                model.probability(samples[:16000 * 2])
        log.info("voice warm-up 5/5: the replies' fixed first clauses into the clause cache (%.1f s)",
                 time.perf_counter() - t0)
        cached = cache_openings()
        log.info("voice warm-up: %d first clauses cached (%.1f s)", cached, time.perf_counter() - t0)
        log.info("voice warm-up done in %.1f s", time.perf_counter() - t0)
    except Exception:
        log.exception("voice warm-up failed: check the WHISPER_* and TTS_PROVIDERS_* settings")
    finally:
        done.set()


# Words any brain (an LLM's too) starts an answer with, spoken as a clause of their own.
ANSWER_OPENERS = {"en": ("Yes,", "No,", "Sure,", "Okay,", "Sorry,"), "hi": ("हाँ,", "नहीं,", "जी,"),
                  "bn": ("হ্যাঁ,", "না,"), "mr": ("हो,", "नाही,")}


def cache_openings() -> int:
    """Put the first clause of every reply that begins with fixed words ("What's the phone number
    on this order?", "I found 1 option:", "Yes,") into the clause cache, in every language, English
    first: the first clause is what a shopper waits for, and these are said to every shopper.
    Returns how many. Nothing when the cache is off, nor for a language whose first voice is an
    online one (edge-tts is never cached: warming it would only send a burst of requests)."""
    count = 0
    if not settings.TTS_CACHE_MAX_BYTES:
        return count
    for language in FILLERS:
        engines = providers().tts.engines_for(language)
        if not engines or engines[0].name not in CACHEABLE:
            continue
        fixed = [*openings(language), *ANSWER_OPENERS.get(language, ())]
        clauses = {first_clause(opening) for opening in fixed} - {None}
        # A clause longer than the cache keeps would be synthesised for nothing.
        for clause in sorted(c for c in clauses if len(c) <= settings.TTS_CACHE_MAX_CHARS):
            async_to_sync(providers().tts.synthesize_clause)(clause, language)
            count += 1
    return count


def start_warmup() -> None:
    """Once per process: load the models now, run them once in the background."""
    if not settings.VOICE_WARMUP or _started.is_set():
        done.set()
        return
    _started.set()
    load_models()
    threading.Thread(target=run_models_once, name="voice-warmup", daemon=True).start()
