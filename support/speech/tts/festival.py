"""Festival with Debian's NSK voices (festival-hi, festival-mr: recorded diphones, GPL) for
Hindi and Marathi: clearer than espeak-ng's formant speech, which a recogniser cannot even
follow (bench/bench_speech.py measures both).

The voices as packaged leave Festival's intonation method unset and ship no tone tree, so
text2wave writes an empty file; Intonation_Tree with an empty tone tree makes them speak. The
text goes in on stdin, never on the command line, and the whole run is bounded in time.

Festival crashes (SIGSEGV, no audio) on a few Devanagari signs its NSK lexicons do not know: the
nukta (ज़, फ़: the replies use them), the avagraha and some rare vowel signs. Tried one by one over
the whole block; `speakable` drops them, so "ज़रूर" is said as "जरूर", which is how the voices
would pronounce it anyway.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
import time
import unicodedata

from django.conf import settings

from ..audio import AudioError, parse_wav_pcm16, resample_pcm16
from .base import Synthesis, TTSEngine, TTSError

VOICES = {"hi": "hindi_NSK_diphone", "mr": "marathi_NSK_diphone"}
PACKAGES = {"hi": "festival-hi", "mr": "festival-mr"}
# The workaround: without an intonation method (and a tone tree for it) the voices write nothing.
WORKAROUND = ("(Parameter.set 'Int_Method 'Intonation_Tree)", "(set! int_tone_cart_tree '((NONE)))")
_CRASHING = re.compile("[\u093a\u093b\u093c\u093d\u097a-\u097d]")


def speakable(text: str) -> str:
    """`text` without the signs that crash Festival (the nukta, also inside precomposed letters)."""
    return unicodedata.normalize("NFC", _CRASHING.sub("", unicodedata.normalize("NFD", text)))


class FestivalTTS(TTSEngine):
    name = "festival"
    languages = tuple(VOICES)

    def __init__(self, binary: str = "text2wave"):
        self.binary = binary

    def model_name(self, language: str) -> str:
        return f"festival:{VOICES.get(language, '')}"

    def command(self, language: str, out_path: str) -> list[str]:
        binary = shutil.which(self.binary)
        if binary is None:
            raise TTSError(f"{self.binary} is not installed (apt-get install {' '.join(PACKAGES.values())})")
        args = [binary, "-eval", f"(voice_{VOICES[language]})"]
        for expression in WORKAROUND:
            args += ["-eval", expression]
        return args + ["-o", out_path]

    async def synthesize(self, text: str, language: str) -> Synthesis:
        if language not in VOICES:
            raise TTSError(f"Festival has no {language} voice here")
        started = time.perf_counter()
        fd, out_path = tempfile.mkstemp(prefix="voxsite-festival-", suffix=".wav")
        os.close(fd)
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.command(language, out_path),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            try:
                _, err = await asyncio.wait_for(proc.communicate(speakable(text).encode("utf-8")),
                                                settings.FESTIVAL_TIMEOUT)
            except asyncio.TimeoutError as exc:
                raise TTSError(f"Festival took longer than {settings.FESTIVAL_TIMEOUT:g} s (FESTIVAL_TIMEOUT)") from exc
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
            with open(out_path, "rb") as fh:
                wav = fh.read()
        finally:
            os.unlink(out_path)
        message = err.decode(errors="replace").strip()
        if proc.returncode != 0:
            raise TTSError(f"text2wave exited {proc.returncode}: {message[:200]}")
        if not wav:
            # Errors inside Festival's Scheme still exit 0; the voice's package may be missing.
            raise TTSError(f"Festival wrote no audio ({message[:200] or 'no message'}); is {PACKAGES[language]} installed?")
        try:
            pcm, rate = parse_wav_pcm16(wav)
        except AudioError as exc:
            raise TTSError(f"Festival output unreadable: {exc.message}") from exc
        if not pcm:
            raise TTSError("Festival produced no audio")
        return Synthesis(resample_pcm16(pcm, rate, settings.TTS_SAMPLE_RATE), (time.perf_counter() - started) * 1000)
