"""Speech to text: one interface, providers chosen by settings.ASR_PROVIDERS, tried in order.

  local -> FasterWhisperASR (asr/local.py): tiny.en for English sessions, the multilingual model
           for auto/hi/bn/mr, or a model imported per language (WHISPER_MODELS_BY_LANGUAGE).
  groq  -> GroqWhisperASR (asr/groq_whisper.py): Groq's hosted Whisper, bounded, no retries.

Every transcript is judged (asr/trust.py) before anything acts on it; `hearing()` is the one
decision the voice paths share: act, ask again, or say speech in this language is not available.
"""

from .base import INDIC, LANGUAGE_ALIASES, SUPPORTED, ASREngine, ASRUnavailable, Transcript, has_speech, map_language
from .chain import ASRChain, build_asr
from .groq_whisper import GROQ_LANGUAGE_NAMES, GroqWhisperASR
from .local import MIN_WINDOW_S, TOKENS_PER_S, TRIMMED_MAX_S, FasterWhisperASR
from .prompts import INITIAL_PROMPTS, initial_prompt
from .repeats import collapse_repeats
from .trust import Hearing, distrust, hearing, judge, script_share

__all__ = [
    "ASRChain", "ASREngine", "ASRUnavailable", "FasterWhisperASR", "GROQ_LANGUAGE_NAMES", "GroqWhisperASR", "Hearing",
    "INDIC", "INITIAL_PROMPTS", "LANGUAGE_ALIASES", "MIN_WINDOW_S", "SUPPORTED", "TOKENS_PER_S", "TRIMMED_MAX_S",
    "Transcript", "build_asr", "collapse_repeats", "distrust", "has_speech", "hearing", "initial_prompt", "judge",
    "map_language", "script_share",
]
