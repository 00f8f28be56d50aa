"""Text to speech. Output format (the ONE the server speaks): 16-bit little-endian mono PCM at
settings.TTS_SAMPLE_RATE (22050 Hz by default), yielded per clause."""

from .base import Synthesis, TTSEngine, TTSError, TTSUnavailable
from .chain import TTSChain, build_tts
from .edge import EdgeTTS
from .espeak import EspeakTTS
from .festival import FestivalTTS
from .piper import PiperTTS

__all__ = [
    "EdgeTTS", "EspeakTTS", "FestivalTTS", "PiperTTS", "Synthesis", "TTSChain", "TTSEngine", "TTSError", "TTSUnavailable",
    "build_tts",
]
