"""Offline NLU accuracy on the labelled shopper utterances, per language, and parse time.

    .venv/bin/python bench/nlu_accuracy.py [--failures]

accuracy: intent, tool and expected tool arguments all right; intent: intent alone;
language-id: detect_language() with the conversation's language as the default for ambiguous
text. Parse time: language id + parse + tool plan for every utterance of the fixture and every
shopper turn of the task scenarios (support/assistant/evals/scenarios), each timed on its own, several
rounds; the target is under 5 ms per utterance. Pure Python: no Django settings needed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine_note, percentile, table  # noqa: E402
from support.assistant.offline.evaluate import by_language, evaluate, failures, format_table, utterances_load  # noqa: E402
from support.assistant.offline.lang import detect_language  # noqa: E402
from support.assistant.offline.nlu import parse, tool_plan  # noqa: E402
from support.assistant.evals.scenarios import load as load_scenarios  # noqa: E402

ROUNDS = 5


def parse_times(utterances: list[tuple[str, str]]) -> dict[str, list[float]]:
    """Milliseconds per utterance, per language, over ROUNDS rounds (the first round warms caches)."""
    times: dict[str, list[float]] = {}
    for round_ in range(ROUNDS + 1):
        for language, text in utterances:
            t0 = time.perf_counter()
            lang = detect_language(text, default=language)
            tool_plan(parse(text, lang))
            elapsed = (time.perf_counter() - t0) * 1000
            if round_:
                times.setdefault(language, []).append(elapsed)
    return times


def main() -> None:
    rows = utterances_load()
    start = time.perf_counter()
    outcomes = evaluate(rows)
    elapsed = time.perf_counter() - start
    print(f"{len(rows)} utterances from support/assistant/tests/fixtures/nlu_utterances.jsonl\n")
    print(format_table(by_language(outcomes)))
    print(f"\nparse + plan + language id: {elapsed / len(rows) * 1000:.2f} ms per utterance")
    if "--failures" in sys.argv:
        for line in failures(outcomes):
            print(line)
    utterances = [(r["language"], r["text"]) for r in rows]
    utterances += [(s.language, turn) for s in load_scenarios() for turns in s.phrasings for turn in turns]
    times = parse_times(utterances)
    everything = [t for ts in times.values() for t in ts]
    print(f"\nParse time per utterance (language id + parse + tool plan), {len(utterances)} utterances "
          f"(fixture + task-scenario turns) x {ROUNDS} rounds; target < 5 ms. {machine_note()}\n")
    print(table(["language", "utterances", "p50 ms", "p95 ms", "p99 ms", "max ms"], [
        [lang, len(ts) // ROUNDS, percentile(ts, 50), percentile(ts, 95), percentile(ts, 99), max(ts)]
        for lang, ts in [*sorted(times.items()), ("all", everything)]
    ]))


if __name__ == "__main__":
    main()
