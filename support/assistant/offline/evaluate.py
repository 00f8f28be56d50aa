"""Scores the offline NLU against the labelled utterance fixture (shared by the accuracy test
and bench/nlu_accuracy.py). Pure Python: no Django needed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .lang import detect_language
from .nlu import parse, tool_plan

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "nlu_utterances.jsonl"
LANGUAGES = ("en", "hi", "bn", "mr")


@dataclass
class UtteranceOutcome:
    row: dict[str, Any]
    intent: str
    tool: str | None
    args: dict[str, Any]
    language_ok: bool

    @property
    def ok(self) -> bool:
        """Intent, tool and every expected argument right. For turns that call no tool (a bare
        order number, a phone) the expected arguments are the parsed entities."""
        row = self.row
        return self.intent == row["intent"] and self.tool == row["tool"] and all(
            _same(self.args.get(k), v) for k, v in row["args"].items()
        )


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        try:
            return float(got) == float(want)
        except (TypeError, ValueError):
            return False
    return got == want


def utterances_load(path: Path = FIXTURE) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def evaluate(rows: list[dict[str, Any]]) -> list[UtteranceOutcome]:
    """The conversation's language is known to the caller (it is passed to parse); language
    detection is scored separately, with that language as the default for ambiguous text."""
    outcomes = []
    for row in rows:
        p = parse(row["text"], row["language"])
        tool, args = tool_plan(p)
        outcomes.append(UtteranceOutcome(
            row=row, intent=p.intent, tool=tool, args=args if row["tool"] else p.entities,
            language_ok=detect_language(row["text"], default=row["language"]) == row["language"],
        ))
    return outcomes


def by_language(outcomes: list[UtteranceOutcome]) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for lang in (*LANGUAGES, "all"):
        group = [o for o in outcomes if lang == "all" or o.row["language"] == lang]
        if not group:
            continue
        table[lang] = {
            "n": len(group),
            "accuracy": sum(o.ok for o in group) / len(group),
            "intent": sum(o.intent == o.row["intent"] for o in group) / len(group),
            "language_id": sum(o.language_ok for o in group) / len(group),
        }
    return table


def format_table(table: dict[str, dict[str, float]]) -> str:
    lines = ["language      n  accuracy  intent  language-id", "-" * 46]
    for lang, s in table.items():
        lines.append(f"{lang:<8} {int(s['n']):>6}  {s['accuracy']:>8.1%}  {s['intent']:>6.1%}  {s['language_id']:>11.1%}")
    return "\n".join(lines)


def failures(outcomes: list[UtteranceOutcome]) -> list[str]:
    return [
        f"[{o.row['language']}] {o.row['text']!r}: want {o.row['intent']}/{o.row['tool']} {o.row['args']}, "
        f"got {o.intent}/{o.tool} {o.args}"
        for o in outcomes if not o.ok
    ]
