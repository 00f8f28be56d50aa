"""Speech benchmark: ASR latency and WER (padded transcribe() vs trimmed window) per language on
real recordings, TTS time to first chunk and real-time factor per provider and language, and a
round trip: each TTS provider speaks 20 of the assistant's own replies per language and the best
recogniser available transcribes them back (CER per provider and language).

    .venv/bin/python bench/bench_speech.py [--repeat N] [--only asr|tts|rest|round-trip]
    VOXSITE_SPEECH_DIR=/path/to/speech .venv/bin/python bench/bench_speech.py   # a larger set

The clips are the project's bundled samples (support/speech/samples) unless VOXSITE_SPEECH_DIR
names a folder laid out the same way (MANIFEST.tsv beside the audio).

Latency is wall time of the engine call with the model already loaded; WER is on lowercased text
without punctuation. Numbers depend on what else the machine is doing: say so when quoting them.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voxsite.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from support.speech import audio  # noqa: E402
from support.speech.asr import FasterWhisperASR  # noqa: E402
from support.speech.evaluation import SPEECH_DIR, char_errors, clips, word_errors  # noqa: E402
from support.speech.speak import normalise  # noqa: E402
from support.speech.tts import EdgeTTS, EspeakTTS, FestivalTTS, PiperTTS, TTSChain  # noqa: E402
from support.voice.factory import providers  # noqa: E402


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    print(line(headers))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))
    print()


def bench_asr(engine: FasterWhisperASR, repeat: int):
    rows = []
    for language in ("en", "hi", "bn", "mr"):
        items = [c for c in clips(language, folder=SPEECH_DIR) if c.transcript]
        if not items:
            continue
        decoded = [(c, audio.decode(c.path.read_bytes())) for c in items]
        # English is the session language for tiny.en; the others go through the multilingual
        # model with the language named (as a session in that language would).
        modes = [("padded transcribe()", False), ("trimmed window", True)] if language == "en" else [("trimmed window", True)]
        engine.transcribe(decoded[0][1], language=language)  # load + warm
        for label, trimmed in modes:
            times, edits, words = [], 0, 0
            for clip, samples in decoded:
                for i in range(repeat):
                    start = time.perf_counter()
                    result = engine.transcribe(samples, language=language, trimmed=trimmed)
                    times.append((time.perf_counter() - start) * 1000)
                e, n = word_errors(clip.transcript, result.text)
                edits, words = edits + e, words + n
            rows.append(
                [language, engine.model_name(language), label, len(decoded), f"{statistics.median(times):.0f}",
                 f"{pct(times, 95):.0f}", f"{100 * edits / words:.1f}%"]
            )
    print(f"## ASR: latency per clip (ms) and WER on {SPEECH_DIR}")
    table(["lang", "model", "mode", "clips", "median ms", "p95 ms", "WER"], rows)


def bench_five_seconds(engine: FasterWhisperASR, repeat: int):
    samples = audio.decode(next(c for c in clips("en") if c.file.startswith("en_fw_stereo_left.")).path.read_bytes())
    samples = samples[: 5 * 16000]
    rows = []
    for label, trimmed in (("padded transcribe()", False), ("trimmed window", True)):
        times = []
        for _ in range(max(5, repeat * 5)):
            start = time.perf_counter()
            engine.transcribe(samples, language="en", trimmed=trimmed)
            times.append((time.perf_counter() - start) * 1000)
        rows.append([label, len(times), f"{statistics.median(times):.0f}", f"{pct(times, 95):.0f}"])
    print("## ASR: one 5 s English utterance with tiny.en (target: trimmed median <= 200 ms)")
    table(["mode", "runs", "median ms", "p95 ms"], rows)


SENTENCES = {
    "en": "Your order one zero four two has been shipped and will reach you by Friday.",
    "hi": "आपका ऑर्डर भेज दिया गया है और शुक्रवार तक पहुँच जाएगा।",
    "bn": "আপনার অর্ডার পাঠানো হয়েছে এবং শুক্রবারের মধ্যে পৌঁছে যাবে।",
    "mr": "तुमची ऑर्डर पाठवली आहे आणि शुक्रवारपर्यंत पोहोचेल.",
}


async def bench_tts(repeat: int):
    rate = settings.TTS_SAMPLE_RATE
    cases = [(PiperTTS(), "en")] + [(EspeakTTS(), lang) for lang in ("en", "hi", "bn", "mr")] + [
        (FestivalTTS(), lang) for lang in ("hi", "mr")]
    rows = []
    for engine, language in cases:
        await engine.synthesize(SENTENCES[language], language)  # load / warm
        firsts, rtfs = [], []
        for _ in range(max(3, repeat * 3)):
            start = time.perf_counter()
            result = await engine.synthesize(SENTENCES[language], language)
            elapsed = time.perf_counter() - start
            firsts.append(result.first_byte_ms or elapsed * 1000)
            rtfs.append(elapsed / (len(result.pcm) / 2 / rate))
        rows.append(
            [engine.name, language, f"{statistics.median(firsts):.0f}", f"{statistics.median(rtfs):.3f}"]
        )
    print(f"## TTS: one sentence per language (output PCM16 mono {rate} Hz)")
    table(["provider", "lang", "first chunk ms (median)", "real-time factor (median)"], rows)


# 20 of the assistant's own replies per language (support.assistant.offline.replies), with the
# amounts, dates and order numbers a real reply carries, so the normaliser is measured too.
ROUND_TRIP_KEYS = (
    "greet", "goodbye", "thanks", "off_topic", "reprompt", "ask_order_number", "ask_phone", "track_status",
    "track_expected", "confirm_cancel", "cancelled", "cancelled_refund", "cancel_kept", "not_cancellable",
    "confirm_return", "return_created", "return_window_expired", "product_details", "faq_none", "handoff",
)


def shop_sentences(language: str) -> list[str]:
    from support.assistant.offline import replies

    values = {
        "order": "ORD-1042", "ret": "RET-2007", "id": "TKT-3001", "amount": replies.inr(1299), "total": replies.inr(24999),
        "price": replies.inr(1899), "date": replies.date("2026-11-25", language), "count": 3,
        "status": replies.order_status("shipped", language), "carrier": "Delhivery", "tracking": "DL4471029",
        "brand": "Bata", "name": "Bata Formal Shoes", "items": "Bata Formal Shoes", "query": "kurta",
        "event": replies.order_status("shipped", language),
    }
    return [replies.render(key, language, **values) for key in ROUND_TRIP_KEYS]


def round_trip_providers(online: bool) -> list[tuple[object, str]]:
    cases = [(PiperTTS(), "en"), (EspeakTTS(), "en"), (FestivalTTS(), "hi"), (EspeakTTS(), "hi"),
             (EspeakTTS(), "bn"), (FestivalTTS(), "mr"), (EspeakTTS(), "mr")]
    if online:
        cases += [(EdgeTTS(), lang) for lang in ("en", "hi", "bn", "mr")]
    return cases


def _number_words(language: str) -> frozenset[str]:
    from support.speech import numwords

    words = set(numwords.BELOW_HUNDRED[language]) | {w for _, w in numwords.SCALES[language]}
    words |= {numwords.cardinal(h * 100, language).split()[-1] for h in range(1, 10)}  # सौ, दोनशे, দুশো ...
    words |= {numwords.day_of_month(d, language) for d in range(1, 32)} | {"hundred", "एकशे"}
    return frozenset(part for w in words for part in w.split("-"))


def without_numbers(text: str, language: str) -> str:
    """Recognisers write numbers as digits ("1,299", "25th") where the voice said words, so the
    round trip's CER is over the other words: digits and number words are dropped on both sides."""
    from support.speech.evaluation import normalise_for_wer

    numbers = _number_words(language)
    kept = [w for w in normalise_for_wer(text.replace("-", " "))
            if not any(c.isdigit() for c in w) and w not in numbers and not w.rstrip("thsndr").isdigit()]
    return " ".join(kept)


async def _first_chunk(engine, text: str, language: str) -> tuple[float, bytes]:
    """Time to the first clause's audio through the streaming chain, and the whole reply's audio."""
    chain = TTSChain({language: [engine]})
    started, first, chunks = time.perf_counter(), None, []
    async for chunk in chain.stream(text, language):
        if first is None:
            first = (time.perf_counter() - started) * 1000
        chunks.append(chunk)
    return first, b"".join(chunks)


def bench_round_trip(online: bool):
    """Each provider speaks the 20 replies; the recogniser a shopper's speech would get (Groq with
    GROQ_API_KEY, else the local engine with the language forced) writes them back."""
    rate = settings.TTS_SAMPLE_RATE
    asr = providers().asr
    rows = []
    for engine, language in round_trip_providers(online):
        firsts, edits, chars, trusted, failed = [], 0, 0, 0, 0
        recogniser = ""
        for text in shop_sentences(language):
            try:
                first, pcm = asyncio.run(_first_chunk(engine, text, language))
            except Exception as exc:  # an online provider that cannot be reached is reported, not fatal
                failed += 1
                print(f"[round trip] {engine.name}/{language}: {exc.__class__.__name__}: {exc}", file=sys.stderr)
                continue
            firsts.append(first)
            samples = audio.resample_float(audio.pcm16_to_float(pcm), rate, 16000)
            result = asr.transcribe(samples, language=language)
            recogniser = f"{result.provider}:{result.model}"
            e, n = char_errors(without_numbers(normalise(text, language), language), without_numbers(result.text, language))
            edits, chars = edits + e, chars + n
            trusted += result.trusted
        said = len(firsts)
        rows.append([
            language, engine.name, engine.model_name(language), said, recogniser or "-",
            "-" if not chars else f"{edits / chars:.2f}", f"{trusted}/{said}",
            "-" if not firsts else f"{statistics.median(firsts):.0f}", "-" if not firsts else f"{pct(firsts, 95):.0f}",
            failed,
        ])
    print("## TTS round trip: 20 replies per language spoken, then transcribed back (CER against the spoken words, "
          "numbers left out: recognisers write them as digits)")
    table(["lang", "provider", "voice", "said", "recogniser", "CER", "trusted", "first chunk ms (median)", "p95 ms",
           "failed"], rows)


def bench_rest_turn(repeat: int):
    """One full REST voice turn through a real server: a WAV question in, the reply's audio out
    (POST /api/voice/process answers with the whole reply, so first audio = the response)."""
    import json
    import urllib.request

    from bench.common import Server

    pcm = asyncio.run(PiperTTS().synthesize("What is your return policy?", "en")).pcm
    question = audio.wav_bytes(audio.float_to_pcm16(audio.resample_float(audio.pcm16_to_float(pcm),
                                                                            settings.TTS_SAMPLE_RATE, 16000)), 16000)
    body = json.dumps({"audio_base64": __import__("base64").b64encode(question).decode(), "mime": "audio/wav",
                       "language": "en"}).encode()
    totals, parts = [], []
    with Server(quiet=True, extra_env={"VOICE_WARMUP": "true"}) as srv:
        for i in range(1 + max(5, repeat * 5)):
            req = urllib.request.Request(srv.http_url + "/api/voice/process", data=body,
                                         headers={"Content-Type": "application/json"})
            start = time.perf_counter()
            with urllib.request.urlopen(req, timeout=120) as resp:
                answer = json.loads(resp.read())
            if i == 0:
                continue  # the first turn also waits for the server's model warm-up
            totals.append((time.perf_counter() - start) * 1000)
            parts.append(answer["timings"])
    rows = [["POST /api/voice/process (WAV in, WAV out)", len(totals), f"{statistics.median(totals):.0f}",
             " / ".join(f"{k.removesuffix('_ms')} {statistics.median(p[k] for p in parts):.0f}"
                        for k in ("decode_ms", "asr_ms", "brain_ms", "tts_ms"))]]
    print("## One full REST voice turn, offline (audio in to reply audio out, at the client)")
    table(["request", "runs", "median ms", "server stages, median ms"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per clip (default 1)")
    parser.add_argument("--only", choices=["asr", "tts", "rest", "round-trip"], help="one part only")
    parser.add_argument("--online", action="store_true", help="also round-trip edge-tts (needs the network)")
    args = parser.parse_args()
    print(f"cpu: {os.cpu_count()} cores, WHISPER_CPU_THREADS={settings.WHISPER_CPU_THREADS}, "
          f"compute={settings.WHISPER_COMPUTE_TYPE}\n")
    engine = FasterWhisperASR()
    if args.only in (None, "asr"):
        bench_asr(engine, args.repeat)
        bench_five_seconds(engine, args.repeat)
    if args.only in (None, "tts"):
        asyncio.run(bench_tts(args.repeat))
        print()
    if args.only in (None, "round-trip"):
        bench_round_trip(args.online)
    if args.only in (None, "rest"):
        bench_rest_turn(args.repeat)


if __name__ == "__main__":
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)
    main()
