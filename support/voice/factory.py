"""The speech providers, chosen by settings in one place: `providers()` gives the ASR and TTS chains
for the current settings (ASR_PROVIDERS, GROQ_*, TTS_PROVIDERS_*), built once and kept.

The cache is keyed by those settings, so a changed setting (a test's `settings` fixture, an
operator's reload) gets chains built for it; `providers_cache_clear()` empties it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from support.speech.asr.chain import ASRChain, asr_settings_key, build_asr
from support.speech.tts.chain import TTSChain, build_tts, tts_settings_key


@dataclass(frozen=True)
class Providers:
    asr: ASRChain
    tts: TTSChain


_cache: dict[tuple, Providers] = {}
_lock = threading.Lock()


def providers() -> Providers:
    key = (asr_settings_key(), tts_settings_key())
    with _lock:
        found = _cache.get(key)
        if found is None:
            found = _cache[key] = Providers(asr=build_asr(), tts=build_tts())
        return found


def providers_cache_clear() -> None:
    with _lock:
        _cache.clear()
