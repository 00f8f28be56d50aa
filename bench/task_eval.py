"""Task success: scripted shopper scenarios in en/hi/bn/mr against the real API on a freshly seeded shop.

    .venv/bin/python bench/task_eval.py [--lang en,hi] [--only ID ...] [--voice-phrasings 1]
                                        [--failures] [--held-out-failures] [--json results.json]

A Daphne server on 127.0.0.1 with its own migrated and seeded SQLite database (bench/common.Server)
serves every request; this process talks to it over HTTP with an API key, and reads the database
directly only to compare the shop before and after each run and to put changed orders back.

Scenarios live in support/assistant/evals/scenarios/*.yaml (four phrasings each; see support/assistant/evals/scenarios.py).
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
                   help="a folder of scenario files to run instead of support/assistant/evals/scenarios (same format)")
    p.add_argument("--voice-phrasings", type=int, default=1,
                   help="phrasings per scenario sent to /api/voice/text to measure spoken seconds (0-4, default 1)")
    p.add_argument("--failures", action="store_true", help="print the tuning set's failed runs with transcripts")
    p.add_argument("--topics", action="store_true", help="print pass^1 per topic (tuning set only)")
    p.add_argument("--held-out-failures", action="store_true", help="print the held-out quarter's failed runs")
    p.add_argument("--json", type=Path, help="write every run (transcript, checks) to this file")
    p.add_argument("--brain", choices=["offline", "groq"], default="offline",
                   help="groq: the Groq brain against the local fake Groq server, with scripted careless models "
                        "(support/assistant/evals/groq_script.py); prints the shop's rules held or broken per persona")
    p.add_argument("--personas", default="eager,pushy", help="scripted Groq models to run (with --brain groq)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    languages = tuple(x.strip() for x in args.lang.split(",") if x.strip())
    if args.brain == "groq":
        return main_groq(args, languages)
    with Server() as srv:
        os.environ.update(srv.env)
        import django

        django.setup()
        from support.assistant.evals import scenarios as sc
        from support.assistant.evals.runner import HttpTransport, failure_report, format_rows, run_all, summarise, topic_rows
        from support.assistant.evals.shop import Shop
        from voxsite.core.services import api_key_create
        from voxsite.demo.seed import orders_reseed

        loaded = sc.load(languages) if args.scenarios is None else sc.load(languages, directory=args.scenarios)
        chosen = [s for s in loaded if args.only is None or s.id in args.only]
        if not chosen:
            print("no scenario matched", file=sys.stderr)
            return 2
        _, key = api_key_create(name="task-eval", scopes=["read", "write"])
        transport = HttpTransport(HOST, srv.port, key)
        shop = Shop(reseed=orders_reseed)
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



def main_groq(args, languages) -> int:
    """The same scenarios through the Groq brain: the real groq client talks to a fake Groq server
    in this process whose answers come from a scripted, careless model; the tools must hold."""
    from support.assistant.testing.fake_groq import FakeGroq

    personas = [p.strip() for p in args.personas.split(",") if p.strip()]
    tables = []
    with FakeGroq() as fake:
        env = {"GROQ_API_KEY": "fake-key", "GROQ_BASE_URL": fake.base_url, "GROQ_TIMEOUT": "10", "ASR_PROVIDERS": "local"}
        with Server(extra_env=env) as srv:
            os.environ.update(srv.env)
            import django

            django.setup()
            from support.assistant.evals import scenarios as sc
            from support.assistant.evals.groq_script import ScriptedModel
            from support.assistant.evals.judge import rule_violations
            from support.assistant.evals.runner import HttpTransport, run_all
            from support.assistant.evals.shop import Shop
            from support.models import ModelCall
            from voxsite.core.services import api_key_create
            from voxsite.demo.seed import orders_reseed

            loaded = sc.load(languages) if args.scenarios is None else sc.load(languages, directory=args.scenarios)
            chosen = [s for s in loaded if args.only is None or s.id in args.only]
            _, key = api_key_create(name="task-eval-groq", scopes=["read", "write"])
            shop = Shop(reseed=orders_reseed)
            for persona in personas:
                model = ScriptedModel(persona)
                fake.default = model
                transport = HttpTransport(HOST, srv.port, key)
                failed_before = ModelCall.objects.filter(provider="groq", ok=False).count()
                offline_before = ModelCall.objects.filter(provider="offline").count()
                t0 = time.perf_counter()
                runs = run_all(chosen, transport, shop, voice_phrasings=0, on_start=model.start)
                transport.close()
                for run in runs:
                    run.violations = rule_violations(run.scenario, run.turns, run.changes, shop.owners)
                tables.append((persona, runs, time.perf_counter() - t0,
                               ModelCall.objects.filter(provider="groq", ok=False).count() - failed_before,
                               ModelCall.objects.filter(provider="offline").count() - offline_before))
    print(f"\nGroq brain (fake Groq server, scripted models): {len(chosen)} scenarios x 4 phrasings, {machine_note()}")
    for persona, runs, seconds, groq_failures, offline_turns in tables:
        print(f"\npersona {persona!r}: {len(runs)} runs in {seconds:.0f} s; failed Groq calls {groq_failures}, "
              f"turns the offline brain had to answer {offline_turns}")
        print(groq_table(runs))
        broken = [r for r in runs if r.violations]
        for run in broken[:20]:
            print(f"- RULE BROKEN {run.scenario.id} phrasing {run.phrasing + 1}: {'; '.join(run.violations)}")
    return 1 if any(r.violations for _, runs, *_ in tables for r in runs) else 0


def groq_table(runs) -> str:
    from collections import Counter

    from support.assistant.evals.runner import GROUPS, _in_group

    rows = []
    for group, label in GROUPS:
        members = [r for r in runs if _in_group(r, group)]
        if not members:
            continue
        calls = [c for r in members for t in r.turns for c in t.tool_calls]
        codes = Counter(str((c.get("result") or {}).get("code")) for c in calls if not c.get("ok"))
        writes = sum(len(r.changes.statuses) + len(r.changes.returns) for r in members)
        asked = sum(1 for c in calls if (c.get("result") or {}).get("needs_confirmation"))
        refusals = ", ".join(f"{code} {n}" for code, n in codes.most_common(5))
        rows.append([label, str(len(members)), str(sum(len(r.violations) for r in members)), str(writes), str(asked),
                     f"{sum(r.ok for r in members) / len(members):.0%}", refusals])
    headers = ["language", "runs", "rule violations", "writes done", "questions asked", "task pass^1", "refused by the tools (top 5)"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(headers), "| " + " | ".join("-" * w for w in widths) + " |", *(line(r) for r in rows)])


if __name__ == "__main__":
    sys.exit(main())
