"""What each part of a voice turn costs in CPU, in this process, on the bench's 20 utterances.

    .venv/bin/python bench/bench_voice_cost.py
    OPENBLAS_NUM_THREADS=2 WHISPER_CPU_THREADS=2 .venv/bin/python bench/bench_voice_cost.py   # the old defaults

Per part: CPU seconds of the whole process (every thread, from `time.process_time()`) and wall time,
per call, averaged over the utterances (or, for TTS, per second of audio over the replies the
offline brain gives them). Run one setting at a time on a quiet machine; the CPU column is what
`bench_voice.py`'s CPU s/turn is made of:

- VAD: Silero, frame by frame, over the utterance's audio (silence frames under -60 dBFS skip the model);
- ASR: one trimmed-window tiny.en pass over the whole utterance (`FasterWhisperASR.transcribe`);
- Smart Turn: one end-of-turn check (features + inference);
- TTS: Piper over the replies, per second of audio produced.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voxsite.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402

from bench.common import machine_note, table  # noqa: E402
from bench.utterances import load  # noqa: E402
from support.speech.asr.local import FasterWhisperASR  # noqa: E402
from support.speech.endpointing import smart_turn  # noqa: E402
from support.speech.tts.piper import PiperTTS  # noqa: E402
from support.voice.vad import StreamingVAD  # noqa: E402

# Replies the offline brain gave to the bench's utterances (a bench_voice run, 2026-12-04), as text.
REPLIES = [
    "To keep your account safe, please tell me the phone number on order ORD-1042, or just its last four digits.",
    "I found 1 option: Puma Unisex Smashic Sneakers at ₹2,799, out of stock. Would you like more details about it?",
    "Yes, on orders up to ₹50,000 in serviceable pincodes. You can pay the delivery agent in cash or by scanning "
    "their UPI QR code.",
    "Shall I cancel ORD-1055? Please say yes or no.",
    "Okay, I won't cancel it. Order ORD-1055 stays as it is.",
    "Enter your pincode on any product page to see the delivery date and whether cash on delivery is available there.",
    "You're welcome! Is there anything else I can help with?",
    "I'm connecting you to a colleague now. Your reference number is 1, and they'll see this conversation.",
]


def measure(label: str, calls, run) -> list:
    cpu, wall = time.process_time(), time.perf_counter()
    for item in calls:
        run(item)
    n = len(calls)
    return [label, f"{(time.process_time() - cpu) / n * 1000:.0f}", f"{(time.perf_counter() - wall) / n * 1000:.0f}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--utterances", type=int, default=20, help="utterances to measure (at most 20)")
    args = parser.parse_args(argv)
    utterances = load(min(20, max(1, args.utterances)))
    audio = [np.frombuffer(u.pcm, "<i2").astype(np.float32) / 32768 for u in utterances]
    asr, turn_model, piper = FasterWhisperASR(), smart_turn(), PiperTTS()
    print("[bench] warming up (models load once, first runs allocate)", file=sys.stderr)
    asr.transcribe(audio[0], language="en")
    piper.synthesize_sync("Warm up.")
    rows = []

    def vad(samples):
        v = StreamingVAD()
        for i in range(0, len(samples), 320):
            v.feed(samples[i:i + 320])

    rows.append(measure("VAD, per utterance", audio, vad))
    rows.append(measure("ASR (tiny.en), per pass", audio, lambda a: asr.transcribe(a, language="en")))
    if turn_model is not None:
        turn_model.probability(audio[0])
        rows.append(measure("Smart Turn, per check", audio, turn_model.probability))
    seconds = 0.0
    cpu, wall = time.process_time(), time.perf_counter()
    for text in REPLIES:
        seconds += len(piper.synthesize_sync(text)) / 2 / settings.TTS_SAMPLE_RATE
    rows.append(["TTS (Piper), per second of audio", f"{(time.process_time() - cpu) / seconds * 1000:.0f}",
                 f"{(time.perf_counter() - wall) / seconds * 1000:.0f}"])
    print(f"\nCPU per part of a voice turn ({machine_note()}); OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS')}, WHISPER_CPU_THREADS={settings.WHISPER_CPU_THREADS}; "
          f"utterances: {len(audio)}, {sum(len(a) for a in audio) / 16000 / len(audio):.2f} s each on average\n")
    print(table(["part", "CPU ms", "wall ms"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
