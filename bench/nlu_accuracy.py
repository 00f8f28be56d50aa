"""Offline NLU accuracy on the labelled shopper utterances, per language.

    .venv/bin/python bench/nlu_accuracy.py [--failures]

accuracy: intent, tool and expected tool arguments all right; intent: intent alone;
language-id: detect_language() with the conversation's language as the default for ambiguous
text. Also prints the parse rate. Pure Python: no Django settings needed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.agent.offline.evaluate import by_language, evaluate, failures, format_table, load  # noqa: E402


def main() -> None:
    rows = load()
    start = time.perf_counter()
    outcomes = evaluate(rows)
    elapsed = time.perf_counter() - start
    print(f"{len(rows)} utterances from support/tests/fixtures/nlu_utterances.jsonl\n")
    print(format_table(by_language(outcomes)))
    print(f"\nparse + plan + language id: {elapsed / len(rows) * 1000:.2f} ms per utterance")
    if "--failures" in sys.argv:
        for line in failures(outcomes):
            print(line)


if __name__ == "__main__":
    main()
