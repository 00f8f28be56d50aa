"""Task success: scripted shopper scenarios in en/hi/bn/mr against the real API on a freshly seeded shop.

    .venv/bin/python bench/task_eval.py [--lang en,hi] [--only ID ...] [--voice-phrasings 1]
                                        [--failures] [--held-out-failures] [--json results.json]

A Daphne server on 127.0.0.1 with its own migrated and seeded SQLite database (bench/common.Server)
serves every request; this process talks to it over HTTP with an API key, and reads the database
directly only to compare the shop before and after each run and to put changed orders back.

Scenarios live in support/evals/scenarios/*.yaml (four phrasings each; see support/evals/scenarios.py).
pass^1 is the share of runs (scenario x phrasing) that got the task done; pass^4 the share of
scenarios done in all four phrasings (tau-bench's pass^k). The held-out quarter is reported on its
own; `--failures` prints only the tuning set's failures, `--held-out-failures` the held-out ones.

Spoken seconds: the first `--voice-phrasings` phrasings of every scenario (default 1) go through
`POST /api/voice/text`, which answers with the reply's audio; its length is what a shopper hears.
The others use `POST /api/v1/sessions/{id}/messages`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import HOST, Server, machine_note  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lang", default="en,hi,bn,mr", help="comma-separated languages (default: all four)")
    p.add_argument("--only", nargs="*", default=None, help="scenario ids to run (default: all)")
    p.add_argument("--scenarios", type=Path, default=None,
                   help="a folder of scenario files to run instead of support/evals/scenarios (same format)")
    p.add_argument("--voice-phrasings", type=int, default=1,
                   help="phrasings per scenario sent to /api/voice/text to measure spoken seconds (0-4, default 1)")
    p.add_argument("--failures", action="store_true", help="print the tuning set's failed runs with transcripts")
    p.add_argument("--topics", action="store_true", help="print pass^1 per topic (tuning set only)")
    p.add_argument("--held-out-failures", action="store_true", help="print the held-out quarter's failed runs")
    p.add_argument("--json", type=Path, help="write every run (transcript, checks) to this file")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    languages = tuple(x.strip() for x in args.lang.split(",") if x.strip())
    with Server() as srv:
        os.environ.update(srv.env)
        import django

        django.setup()
        from support.evals import scenarios as sc
        from support.evals.runner import HttpTransport, failure_report, format_rows, run_all, summarise, topic_rows
        from support.evals.shop import Shop
        from voxsite.services import api_key_create

        loaded = sc.load(languages) if args.scenarios is None else sc.load(languages, directory=args.scenarios)
        chosen = [s for s in loaded if args.only is None or s.id in args.only]
        if not chosen:
            print("no scenario matched", file=sys.stderr)
            return 2
        _, key = api_key_create(name="task-eval", scopes=["read", "write"])
        transport = HttpTransport(HOST, srv.port, key)
        shop = Shop()
        total = sum(len(s.phrasings) for s in chosen)
        done = [0]
        t0 = time.perf_counter()

        def progress(run):
            done[0] += 1
            sys.stderr.write("." if run.ok else "x")
            if done[0] % 80 == 0 or done[0] == total:
                sys.stderr.write(f" {done[0]}/{total} ({time.perf_counter() - t0:.0f} s)\n")
            sys.stderr.flush()

        runs = run_all(chosen, transport, shop, voice_phrasings=args.voice_phrasings, progress=progress)
        transport.close()

    print(f"\nTask success: {len(chosen)} scenarios x 4 phrasings, offline brain, {machine_note()}\n")
    print(format_rows(summarise(runs)))
    if args.topics:
        print("\n" + topic_rows(runs))
    if args.failures:
        print("\nFailed runs (tuning set):\n" + (failure_report(runs, held_out=False) or "none"))
    if args.held_out_failures:
        print("\nFailed runs (held-out quarter):\n" + (failure_report(runs, held_out=True) or "none"))
    if args.json:
        args.json.write_text(json.dumps([{
            "scenario": r.scenario.id, "phrasing": r.phrasing + 1, "held_out": r.scenario.held_out, "voice": r.voice,
            "ok": r.ok, "failures": r.failures,
            "turns": [{"text": t.text, "status": t.http_status, "reply": t.reply, "spoken_s": t.spoken_s,
                       "tool_calls": t.tool_calls} for t in r.turns],
        } for r in runs], ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
