"""Shopper speech for tests, spoken by the product's English Piper voice."""

from __future__ import annotations

import io

import av


def steady_speech(text: str, rate: int = 16000) -> bytes:
    """`text` spoken by Piper without its noise, as mono PCM16 at `rate`.

    Piper's default noise is seeded per process, so every test run heard a different rendering,
    and 1 in many was one tiny.en misheard (a dropped "Hi", "order" heard as "water"): failures
    that said nothing about the code under test. Without noise the audio is the same every run."""
    from piper import SynthesisConfig

    from support.speech.audio import resample_pcm16
    from support.speech.models import piper_voice

    chunks = list(piper_voice().synthesize(text, syn_config=SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)))
    return resample_pcm16(b"".join(c.audio_int16_bytes for c in chunks), chunks[0].sample_rate, rate)


def sample_samples(stem: str):
    """A bundled real recording (support/speech/samples/<stem>.flac) as 16 kHz float samples."""
    from support.speech import audio
    from support.speech.evaluation import SAMPLES_DIR

    return audio.decode((SAMPLES_DIR / f"{stem}.flac").read_bytes())


def sample_wav(stem: str) -> bytes:
    """A bundled real recording as the bytes of a 16 kHz 16-bit WAV file, as a client would upload it."""
    from support.speech import audio

    return audio.wav_bytes(audio.float_to_pcm16(sample_samples(stem)), 16000)


def to_mp3(wav_bytes: bytes) -> bytes:
    """Re-encode with PyAV, the way another client's recorder would hand us MP3."""
    src = av.open(io.BytesIO(wav_bytes))
    out_buf = io.BytesIO()
    out = av.open(out_buf, "w", format="mp3")
    stream = out.add_stream("mp3", rate=16000)
    for frame in src.decode(audio=0):
        frame.pts = None
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()
    return out_buf.getvalue()
