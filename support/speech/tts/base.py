"""The TTS engine interface: one clause of text in, PCM16 mono at settings.TTS_SAMPLE_RATE out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from voxsite.core.errors import DomainError


class TTSError(Exception):
    """A provider could not speak this text (the chain moves on to the next one)."""


class TTSUnavailable(DomainError):
    """No speech synthesis provider could answer."""

    code = "tts_unavailable"
    status_code = 503


@dataclass
class Synthesis:
    pcm: bytes  # 16-bit little-endian mono at settings.TTS_SAMPLE_RATE
    first_byte_ms: Optional[float] = None  # when the provider's first audio arrived (online ones)


class TTSEngine:
    name = ""
    languages: tuple[str, ...] = ()

    def model_name(self, language: str) -> str:
        return ""

    async def synthesize(self, text: str, language: str) -> Synthesis:
        raise NotImplementedError
