import io

import av
import numpy as np
import pytest

from support.speech import audio
from support.tests.speech_helpers import sample_wav

CLIP_WAV = sample_wav("en_fw_stereo_right")  # 5.0 s of real speech


@pytest.fixture(scope="module")
def clip_samples():
    return audio.decode(CLIP_WAV)


def _encode(samples: np.ndarray, *, fmt: str, codec: str, rate: int, channels: int = 1) -> bytes:
    """Encode 16 kHz float samples with PyAV the way a browser or phone would send them."""
    resampled = audio.resample_float(samples, audio.ASR_RATE, rate)
    pcm = (resampled * 32767).astype("<i2")
    if channels == 2:
        pcm = np.stack([pcm, pcm], axis=1).reshape(1, -1)  # packed s16: L R L R ...
    else:
        pcm = pcm.reshape(1, -1)
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = "stereo" if channels == 2 else "mono"
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout=stream.layout.name)
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buf.getvalue()


def test_wav_decodes_to_16k_mono_float(clip_samples):
    assert clip_samples.dtype == np.float32
    assert len(clip_samples) == pytest.approx(5.0 * 16000, rel=0.01)
    assert 0.01 < float(np.sqrt(np.mean(clip_samples**2))) < 1.0


@pytest.mark.parametrize(
    "fmt,codec,rate,channels",
    [
        ("mp3", "libmp3lame", 44100, 1),
        ("ogg", "libopus", 48000, 1),
        ("webm", "libopus", 48000, 2),  # what MediaRecorder makes
        ("flac", "flac", 22050, 1),
        ("wav", "pcm_s16le", 8000, 2),
    ],
)
def test_each_container_format_decodes_to_the_same_speech(clip_samples, fmt, codec, rate, channels):
    data = _encode(clip_samples, fmt=fmt, codec=codec, rate=rate, channels=channels)
    decoded = audio.decode(data, mime=f"audio/{fmt}")
    assert decoded.dtype == np.float32 and decoded.ndim == 1
    # Codecs add priming samples; the length stays within a few frames of 5 s.
    assert len(decoded) == pytest.approx(len(clip_samples), rel=0.03)
    n = min(len(decoded), len(clip_samples))
    # Same speech envelope: energy per 100 ms correlates strongly with the original.
    frames = n // 1600
    env_a = np.sqrt((clip_samples[: frames * 1600].reshape(frames, -1) ** 2).mean(axis=1))
    env_b = np.sqrt((decoded[: frames * 1600].reshape(frames, -1) ** 2).mean(axis=1))
    assert np.corrcoef(env_a, env_b)[0, 1] > 0.9


def test_raw_pcm16_is_resampled(clip_samples):
    pcm8k = audio.float_to_pcm16(audio.resample_float(clip_samples, 16000, 8000))
    decoded = audio.decode(pcm8k, mime="audio/pcm", sample_rate=8000)
    assert len(decoded) == pytest.approx(len(clip_samples), rel=0.01)


def test_raw_pcm16_at_16k_round_trips(clip_samples):
    decoded = audio.decode(audio.float_to_pcm16(clip_samples), mime="audio/L16; rate=16000")
    assert np.max(np.abs(decoded - clip_samples)) < 1e-3


def _error(data, **kwargs) -> audio.AudioError:
    with pytest.raises(audio.AudioError) as info:
        audio.decode(data, **kwargs)
    return info.value


def test_corrupt_bytes_are_audio_corrupt():
    err = _error(b"this is not audio at all" * 50, mime="audio/webm")
    assert (err.code, err.status_code) == ("audio_corrupt", 422)


def test_truncated_mp3_header_garbage_is_audio_corrupt(clip_samples):
    data = _encode(clip_samples, fmt="mp3", codec="libmp3lame", rate=44100)
    err = _error(bytes(b ^ 0x5A for b in data[:3000]))
    assert err.code == "audio_corrupt"


def test_odd_length_raw_pcm_is_audio_corrupt():
    assert _error(b"\x00\x01\x02", mime="audio/pcm").code == "audio_corrupt"


def test_empty_audio():
    err = _error(b"")
    assert (err.code, err.status_code) == ("audio_empty", 422)


def test_too_large_is_413(settings):
    settings.AUDIO_MAX_BYTES = 1000
    err = _error(CLIP_WAV)
    assert (err.code, err.status_code) == ("audio_too_large", 413)


def test_too_long_container_and_raw(settings, clip_samples):
    settings.AUDIO_MAX_SECONDS = 2.0
    assert _error(CLIP_WAV).code == "audio_too_long"
    err = _error(audio.float_to_pcm16(clip_samples), mime="audio/pcm")
    assert (err.code, err.status_code) == ("audio_too_long", 422)


def test_wav_bytes_and_streaming_wav_parse():
    pcm = (np.sin(np.arange(2205) / 3) * 10000).astype("<i2").tobytes()
    wav = audio.wav_bytes(pcm, 22050)
    assert audio.parse_wav_pcm16(wav) == (pcm, 22050)
    # espeak-ng --stdout writes placeholder sizes because it streams.
    streamed = wav[:4] + b"\xff\xff\xff\x7f" + wav[8:40] + b"\xff\xff\xff\x7f" + wav[44:]
    assert audio.parse_wav_pcm16(streamed) == (pcm, 22050)
    with pytest.raises(audio.AudioError):
        audio.parse_wav_pcm16(b"RIFFxxxxWAVE")


def test_resample_pcm16_changes_rate_not_duration():
    pcm = (np.sin(np.arange(24000) / 5) * 8000).astype("<i2").tobytes()
    out = audio.resample_pcm16(pcm, 24000, 22050)
    assert len(out) // 2 == pytest.approx(22050, abs=64)
    assert audio.pcm16_rms(out) == pytest.approx(audio.pcm16_rms(pcm), rel=0.05)
