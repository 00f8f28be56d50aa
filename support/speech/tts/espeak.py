"""espeak-ng (the Debian package) for hi, bn, mr, and English as the last resort."""

from __future__ import annotations

import asyncio
import shutil
import time

from django.conf import settings

from ..audio import AudioError, parse_wav_pcm16, resample_pcm16
from .base import Synthesis, TTSEngine, TTSError

VOICES = {"en": "en-us", "hi": "hi", "bn": "bn", "mr": "mr"}
TIMEOUT_S = 10.0


class EspeakTTS(TTSEngine):
    name = "espeak"
    languages = tuple(VOICES)

    def __init__(self, binary: str = "espeak-ng"):
        self.binary = binary

    def model_name(self, language: str) -> str:
        return f"espeak-ng:{VOICES.get(language, '')}"

    async def synthesize(self, text: str, language: str) -> Synthesis:
        voice = VOICES.get(language)
        if voice is None:
            raise TTSError(f"espeak-ng has no {language} voice here")
        binary = shutil.which(self.binary)
        if binary is None:
            raise TTSError(f"{self.binary} is not installed (apt-get install espeak-ng)")
        started = time.perf_counter()
        # Text on stdin, never on the command line: a reply starting with "-" is not an option.
        proc = await asyncio.create_subprocess_exec(
            binary, "-v", voice, "-b", "1", "--stdin", "--stdout",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(text.encode("utf-8")), TIMEOUT_S)
        except BaseException:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            raise
        if proc.returncode != 0:
            raise TTSError(f"espeak-ng exited {proc.returncode}: {err.decode(errors='replace')[:200]}")
        try:
            pcm, rate = parse_wav_pcm16(out)
        except AudioError as exc:
            raise TTSError(f"espeak-ng output unreadable: {exc.message}") from exc
        if not pcm:
            raise TTSError("espeak-ng produced no audio")
        return Synthesis(resample_pcm16(pcm, rate, settings.TTS_SAMPLE_RATE), (time.perf_counter() - started) * 1000)
