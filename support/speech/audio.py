"""Audio in and out.

In: whatever a client sends (WAV, MP3, OGG/Opus, WebM from MediaRecorder, FLAC, raw PCM16) is
decoded with PyAV into float32 mono at 16 kHz, the only thing Whisper eats.
Out: the ONE format the server speaks, 16-bit little-endian mono PCM at settings.TTS_SAMPLE_RATE.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import wave

import av
import numpy as np
from django.conf import settings

from voxsite.core.errors import DomainError

ASR_RATE = 16000

# MIME types (and short names) that mean "headerless 16-bit little-endian mono PCM".
RAW_PCM_TYPES = {"audio/pcm", "audio/l16", "audio/raw", "audio/x-raw", "pcm", "pcm16", "raw", "s16le"}


class AudioError(DomainError):
    """The audio could not be used."""

    code = "audio_corrupt"
    status_code = 422


class AudioBase64Invalid(DomainError):
    code = "audio_base64_invalid"
    status_code = 400


# Standard base64 with its padding, nothing else: the schema gives the same pattern, so what it
# calls valid is what decodes (binascii alone also takes a stray "=" after a complete group).
_GROUP = "[A-Za-z0-9+/]"
BASE64 = f"(?:{_GROUP}{{4}})*(?:{_GROUP}{{4}}|{_GROUP}{{2}}==|{_GROUP}{{3}}=)"
_BASE64 = re.compile(BASE64)


def audio_from_base64(value: str) -> bytes:
    value = (value or "").strip()
    if value.startswith("data:") and "," in value:
        value = value.split(",", 1)[1]  # a data: URL as a browser makes it
    if value and not _BASE64.fullmatch(value):  # empty: no audio (audio_empty, later)
        raise AudioBase64Invalid("audio_base64 is not valid base64.")
    return base64.b64decode(value)


def _too_large(size: int, limit: int) -> AudioError:
    return AudioError(
        f"Audio is {size} bytes; the limit is {limit} bytes.", code="audio_too_large", status_code=413
    )


def _too_long(seconds: float, limit: float) -> AudioError:
    return AudioError(f"Audio is longer than the limit of {limit:g} seconds.", code="audio_too_long", status_code=422)


def is_raw_pcm(mime: str | None) -> bool:
    if not mime:
        return False
    return mime.split(";")[0].strip().lower() in RAW_PCM_TYPES


def pcm16_to_float(data: bytes) -> np.ndarray:
    if len(data) % 2:
        raise AudioError("Raw PCM16 must have an even number of bytes.", code="audio_corrupt")
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def float_to_pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def decode(
    data: bytes,
    *,
    mime: str | None = None,
    sample_rate: int = ASR_RATE,
    max_bytes: int | None = None,
    max_seconds: float | None = None,
) -> np.ndarray:
    """Decode `data` to float32 mono 16 kHz samples.

    `sample_rate` only applies to raw PCM (which carries no header). Raises AudioError with code
    audio_empty, audio_too_large (413), audio_too_long or audio_corrupt.
    """
    max_bytes = settings.AUDIO_MAX_BYTES if max_bytes is None else max_bytes
    max_seconds = settings.AUDIO_MAX_SECONDS if max_seconds is None else max_seconds
    if not data:
        raise AudioError("No audio was sent.", code="audio_empty")
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)

    if is_raw_pcm(mime):
        samples = pcm16_to_float(data)
        if len(samples) / sample_rate > max_seconds:
            raise _too_long(len(samples) / sample_rate, max_seconds)
        return resample_float(samples, sample_rate, ASR_RATE)
    return _decode_container(data, max_seconds)


def _decode_container(data: bytes, max_seconds: float) -> np.ndarray:
    limit_samples = int(max_seconds * ASR_RATE)
    pieces: list[np.ndarray] = []
    total = 0
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            streams = container.streams.audio
            if not streams:
                raise AudioError("The file holds no audio stream.", code="audio_corrupt")
            stream = streams[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=ASR_RATE)
            # Headers can lie about duration, so the limit is enforced on decoded samples.
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1)
                    pieces.append(chunk)
                    total += len(chunk)
                if total > limit_samples:
                    raise _too_long(total / ASR_RATE, max_seconds)
            for out in resampler.resample(None):
                chunk = out.to_ndarray().reshape(-1)
                pieces.append(chunk)
                total += len(chunk)
    except AudioError:
        raise
    except (av.FFmpegError, ValueError, IndexError, EOFError) as exc:
        raise AudioError(f"The audio could not be decoded ({exc.__class__.__name__}).", code="audio_corrupt") from exc
    if total == 0:
        raise AudioError("The file holds no audio samples.", code="audio_corrupt")
    if total > limit_samples:
        raise _too_long(total / ASR_RATE, max_seconds)
    return np.concatenate(pieces).astype(np.float32, copy=False)


def resample_float(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    if src_rate == dst_rate or len(samples) == 0:
        return samples.astype(np.float32, copy=False)
    pcm = resample_pcm16(float_to_pcm16(samples), src_rate, dst_rate)
    return pcm16_to_float(pcm)


def resample_pcm16(pcm: bytes, src_rate: int, dst_rate: int) -> bytes:
    """Resample one whole piece of mono PCM16 (a clause of speech) with FFmpeg's resampler."""
    if src_rate == dst_rate or not pcm:
        return pcm
    samples = np.frombuffer(pcm, dtype="<i2").reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
    frame.sample_rate = src_rate
    resampler = av.AudioResampler(format="s16", layout="mono", rate=dst_rate)
    out = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    out += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(out).astype("<i2").tobytes() if out else b""


def wav_bytes(pcm: bytes, sample_rate: int | None = None) -> bytes:
    """Wrap mono PCM16 in a WAV header (for REST answers and stored files)."""
    rate = sample_rate or settings.TTS_SAMPLE_RATE
    header = b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    header += b"data" + struct.pack("<I", len(pcm))
    return header + pcm


def wav_seconds(fileobj) -> float | None:
    """The length of a stored WAV file, read from its header alone (None for anything else)."""
    try:
        with wave.open(fileobj, "rb") as w:
            return w.getnframes() / w.getframerate()
    except (wave.Error, EOFError, OSError, ZeroDivisionError):
        return None


def pcm16_rms(pcm: bytes) -> float:
    """Root mean square of PCM16 on a 0..1 scale (0 is silence)."""
    if len(pcm) < 2:
        return 0.0
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.float32) / 32768.0
    return float(np.sqrt(np.mean(samples**2)))


def decode_to_pcm16(data: bytes, sample_rate: int) -> bytes:
    """Decode a whole compressed clip (edge-tts MP3) to mono PCM16 at `sample_rate`."""
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioError("The audio holds no audio stream.", code="audio_corrupt")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=sample_rate)
            out = []
            for frame in container.decode(container.streams.audio[0]):
                out += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
            out += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    except AudioError:
        raise
    except (av.FFmpegError, ValueError, IndexError, EOFError) as exc:
        raise AudioError(f"The audio could not be decoded ({exc.__class__.__name__}).", code="audio_corrupt") from exc
    return np.concatenate(out).astype("<i2").tobytes() if out else b""


def parse_wav_pcm16(data: bytes) -> tuple[bytes, int]:
    """(PCM16 mono samples, rate) from a WAV whose sizes may be bogus (espeak-ng --stdout writes
    0xFFFFFFFF placeholders because it streams)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError("Not a WAV stream.", code="audio_corrupt")
    pos, rate, channels, bits = 12, None, 1, 16
    while pos + 8 <= len(data):
        chunk_id, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = pos + 8
        if chunk_id == b"fmt ":
            _fmt, channels, rate, _br, _align, bits = struct.unpack("<HHIIHH", data[body : body + 16])
        elif chunk_id == b"data":
            pcm = data[body:] if size > len(data) - body else data[body : body + size]
            if rate is None or bits != 16:
                raise AudioError("Unsupported WAV format.", code="audio_corrupt")
            pcm = pcm[: len(pcm) // (2 * channels) * 2 * channels]
            if channels > 1:
                pcm = np.frombuffer(pcm, dtype="<i2").reshape(-1, channels).mean(axis=1).astype("<i2").tobytes()
            return pcm, rate
        pos = body + size + (size & 1)
    raise AudioError("The WAV stream has no data.", code="audio_corrupt")
