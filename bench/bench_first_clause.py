"""The first clause of each reply: what the shopper waits for after the transcript, in one process.

    .venv/bin/python bench/bench_first_clause.py [--sets bench,held-out] [--json out.json]

The offline brain answers two sets of English utterances on a freshly seeded database (the demo
shop), and each reply is cut into clauses exactly as the voice pipeline cuts it
(`support.voice.processors.clauses`: the brain's version for the ear when it gives one). The
process is warmed up as a server is (`support.voice.warmup`: models loaded, the clause cache
filled with what warm-up puts there), then the replies are spoken in order through the real TTS
chain with its clause cache, so a clause heard before is a hit, as in a long-running server.

- `bench`: the 20 utterances of the voice bench (`bench/utterances.py`), as one conversation;
- `held-out`: the English utterances of the NLU fixture
  (`support/assistant/tests/fixtures/nlu_utterances.jsonl`), each its own conversation. Nothing
  in the chunker or the warm-up is tuned on them: they are the check that a change to either
  helps replies it was not written for.

Per set: replies; first clause characters p50/p95; the share of first clauses already in the
cache; synthesis wall ms of the first clause p50/p95 (a hit costs ~0); and the TTS CPU seconds
and audio seconds per reply over all its clauses.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, machine_note, percentile, server_env, table  # noqa: E402

WORKDIR = Path(tempfile.mkdtemp(prefix="voxsite-first-clause-"))
atexit.register(shutil.rmtree, WORKDIR, ignore_errors=True)
os.environ.update(server_env(WORKDIR, {"LOG_LEVEL": "ERROR"}))

import django  # noqa: E402

django.setup()

from asgiref.sync import async_to_sync  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bench.utterances import UTTERANCES  # noqa: E402
from support.conversations.services.lifecycle import conversation_create  # noqa: E402
from support.conversations.services.turns import conversation_turn  # noqa: E402
from support.models import Conversation  # noqa: E402
from support.speech.speak import normalise  # noqa: E402
from support.voice import warmup  # noqa: E402
from support.voice.factory import providers  # noqa: E402
from support.voice.processors.clauses import FIRST_CLAUSE_MIN_CHARS, chunker  # noqa: E402

NLU_FIXTURE = ROOT / "support" / "assistant" / "tests" / "fixtures" / "nlu_utterances.jsonl"


def held_out() -> list[str]:
    rows = [json.loads(line) for line in NLU_FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows if r["language"] == "en"]


def replies(texts: list[str], *, one_conversation: bool) -> list[str]:
    """What the voice pipeline would speak for each utterance: the version for the ear, else the text."""
    out, conversation = [], None
    for text in texts:
        if conversation is None or not one_conversation:
            conversation, _ = conversation_create(channel=Conversation.Channel.WEB_VOICE, language="en")
        result = conversation_turn(conversation=conversation, text=text, language="en")
        out.append(result.spoken or result.reply)
    return out


def clauses(reply: str) -> list[str]:
    cut = chunker()
    return cut.feed(reply) + cut.flush()


def speak(set_name: str, texts: list[str]) -> dict:
    tts = providers().tts
    engine = tts.engines_for("en")[0]
    rows = []
    for i, reply in enumerate(texts, 1):
        print(f"\r[bench] {set_name}: reply {i}/{len(texts)}", end="", file=sys.stderr, flush=True)
        parts = clauses(reply)
        key = tts.cache.key(provider=engine.name, voice=engine.model_name("en"), language="en",
                            text=normalise(parts[0], "en"))
        hit = tts.cache.get(key) is not None
        cpu, wall = time.process_time(), time.perf_counter()
        pcm = async_to_sync(tts.synthesize_clause)(parts[0], "en")
        first_ms = (time.perf_counter() - wall) * 1000
        audio = len(pcm)
        for part in parts[1:]:
            audio += len(async_to_sync(tts.synthesize_clause)(part, "en"))
        rows.append({"reply": reply, "first": parts[0], "hit": hit, "first_ms": first_ms,
                     "cpu_s": time.process_time() - cpu, "audio_s": audio / 2 / settings.TTS_SAMPLE_RATE})
    print(file=sys.stderr)
    n = len(rows)
    return {
        "set": set_name, "replies": n,
        "chars_p50": percentile([len(r["first"]) for r in rows], 50),
        "chars_p95": percentile([len(r["first"]) for r in rows], 95),
        "hit_share": sum(r["hit"] for r in rows) / n,
        "first_ms_p50": percentile([r["first_ms"] for r in rows], 50),
        "first_ms_p95": percentile([r["first_ms"] for r in rows], 95),
        "cpu_s_per_reply": sum(r["cpu_s"] for r in rows) / n,
        "audio_s_per_reply": sum(r["audio_s"] for r in rows) / n,
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="bench,held-out", help="bench, held-out or both (comma-separated)")
    parser.add_argument("--json", help="write every reply's first clause and timings here")
    args = parser.parse_args(argv)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = set(sets) - {"bench", "held-out"}
    if unknown:
        parser.error(f"unknown set(s): {', '.join(sorted(unknown))} (bench, held-out)")

    print(f"[bench] seeding a database in {WORKDIR}", file=sys.stderr)
    call_command("migrate", "--noinput", verbosity=0)
    call_command("seed_demo", "--quiet", stdout=open(os.devnull, "w"))
    results = []
    for name in sets:
        texts = replies(list(UTTERANCES), one_conversation=True) if name == "bench" else \
            replies(held_out(), one_conversation=False)
        providers().tts.cache.clear()  # each set starts from a server's state after warm-up
        print("[bench] warming up as a server does", file=sys.stderr)
        warmup.load_models()
        warmup.run_models_once()
        results.append(speak(name, texts))

    print(f"\nFirst clause of each reply, offline brain, Piper with the clause cache ({machine_note()}); "
          f"FIRST_CLAUSE_MIN_CHARS={FIRST_CLAUSE_MIN_CHARS}\n")
    print(table(
        ["set", "replies", "first clause chars p50 / p95", "first clause cached", "first clause ms p50 / p95",
         "TTS CPU s per reply", "audio s per reply"],
        [[r["set"], r["replies"], f"{r['chars_p50']:.0f} / {r['chars_p95']:.0f}", f"{r['hit_share']:.0%}",
          f"{r['first_ms_p50']:.0f} / {r['first_ms_p95']:.0f}", f"{r['cpu_s_per_reply']:.2f}",
          f"{r['audio_s_per_reply']:.1f}"] for r in results],
    ))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
