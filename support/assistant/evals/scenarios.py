"""Scenario files: what a shopper says (four phrasings of one task) and the end state that counts as
the task done. One YAML file per language in `scenarios/`; `load()` validates them, so a typo in a
file fails loudly instead of silently passing a check.

    language: en
    scenarios:
      - id: en-cancel-confirmed
        topic: cancel                      # one of TOPICS
        held_out: false                    # a quarter per language is never used for tuning
        shopper: cust_123                  # whose orders the shopper may learn about (none: no order at all)
        customer: cust_123                 # optional: the session is bound to this customer (integrator)
        script: latn                       # optional: romanised text (Hinglish); default the language's script
        phrasings:                         # exactly four; each a list of shopper turns
          - ["Cancel my order ORD-1055", "9876543123", "yes please"]
          - ...
        expect:
          orders: {ORD-1055: cancelled}    # end statuses; every other order must be unchanged
          returns: {ORD-1026: damaged}     # returns created, by order (a reason or "any"); none elsewhere
          tools:     [{name: cancel_order, ok: true, args: {confirmed: true}}]   # each must match a call
          any_tools: [{name: get_policy}, {name: search_faqs}]                   # at least one must match
          not_tools: [{name: cancel_order, ok: true, args: {confirmed: true}}]   # none may match
          say: ["1055", "16,999"]          # each in some reply; "a|b" means either
          say_last: [...]                  # each in the last reply
          never_say: [...]                 # in no reply
          status: handed_off               # the conversation's status at the end

A tool spec matches a call by `name` ("a|b": either tool) and, when given, `ok`, `code` ("a|b"), `args` and `result`
(subsets; strings starting with "~" match as substrings; *_number values match by digits), and
`pick` (get_product_details only): the SKU at that 1-based position of the latest search, or
"cheapest" among the first three.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DIR = Path(__file__).resolve().parent / "scenarios"
LANGUAGES = ("en", "hi", "bn", "mr")
PHRASINGS = 4
TOPICS = frozenset("""
tracking order_details cancel cancel_declined cancel_refused return return_declined return_refused return_status
refund_status refund_time search search_follow_up faq policy handoff complaint correction wrong_phone numbers
topic_switch privacy
""".split())
EXPECT_KEYS = frozenset({"orders", "returns", "tools", "any_tools", "not_tools", "say", "say_last", "never_say", "status"})
TOOL_KEYS = frozenset({"name", "ok", "code", "args", "result", "pick"})
SCENARIO_KEYS = frozenset({"id", "topic", "held_out", "shopper", "customer", "script", "phrasings", "expect"})


class ScenarioError(ValueError):
    pass


@dataclass(frozen=True)
class Scenario:
    id: str
    language: str
    topic: str
    held_out: bool
    phrasings: tuple[tuple[str, ...], ...]
    expect: dict[str, Any] = field(default_factory=dict)
    shopper: str | None = None
    customer: str | None = None
    script: str = ""

    @property
    def group(self) -> str:
        """The row of the results table: the language, with romanised Hindi on its own row."""
        return f"{self.language}-{self.script}" if self.script == "latn" else self.language


def _fail(path: Path, sid: str, message: str) -> ScenarioError:
    return ScenarioError(f"{path.name}: {sid or '?'}: {message}")


def _tool_specs(path: Path, sid: str, key: str, specs: Any) -> list[dict[str, Any]]:
    if not isinstance(specs, list) or not specs:
        raise _fail(path, sid, f"expect.{key} must be a non-empty list")
    for spec in specs:
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise _fail(path, sid, f"expect.{key}: every entry needs a tool name: {spec!r}")
        if extra := set(spec) - TOOL_KEYS:
            raise _fail(path, sid, f"expect.{key}: unknown key(s) {sorted(extra)}")
    return specs


def _scenario(path: Path, language: str, raw: Any) -> Scenario:
    if not isinstance(raw, dict):
        raise _fail(path, "", f"a scenario must be a mapping, got {raw!r}")
    sid = str(raw.get("id") or "")
    if not sid.startswith(f"{language}-"):
        raise _fail(path, sid, f"ids start with the language: {language}-...")
    if extra := set(raw) - SCENARIO_KEYS:
        raise _fail(path, sid, f"unknown key(s) {sorted(extra)}")
    if raw.get("topic") not in TOPICS:
        raise _fail(path, sid, f"topic must be one of {sorted(TOPICS)}")
    phrasings = raw.get("phrasings")
    if not isinstance(phrasings, list) or len(phrasings) != PHRASINGS:
        raise _fail(path, sid, f"needs exactly {PHRASINGS} phrasings")
    for turns in phrasings:
        if not isinstance(turns, list) or not turns or not all(isinstance(t, str) and t.strip() for t in turns):
            raise _fail(path, sid, f"a phrasing is a non-empty list of shopper turns: {turns!r}")
    expect = raw.get("expect") or {}
    if not isinstance(expect, dict) or not expect:
        raise _fail(path, sid, "expect is required: a scenario without checks passes anything")
    if extra := set(expect) - EXPECT_KEYS:
        raise _fail(path, sid, f"unknown expect key(s) {sorted(extra)}")
    for key in ("tools", "any_tools", "not_tools"):
        if key in expect:
            _tool_specs(path, sid, key, expect[key])
    for key in ("say", "say_last", "never_say"):
        if key in expect and (not isinstance(expect[key], list) or not all(isinstance(s, str) and s for s in expect[key])):
            raise _fail(path, sid, f"expect.{key} must be a list of strings")
    for key in ("orders", "returns"):
        if key in expect and not isinstance(expect[key], dict):
            raise _fail(path, sid, f"expect.{key} must map order numbers to a status/reason")
    if not isinstance(raw.get("held_out"), bool):
        raise _fail(path, sid, "held_out must be true or false")
    return Scenario(
        id=sid, language=language, topic=raw["topic"], held_out=raw["held_out"],
        phrasings=tuple(tuple(t.strip() for t in turns) for turns in phrasings), expect=expect,
        shopper=raw.get("shopper"), customer=raw.get("customer"), script=raw.get("script") or "",
    )


def load_file(path: Path) -> list[Scenario]:
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict) or data.get("language") not in LANGUAGES:
        raise ScenarioError(f"{path.name}: top level needs language: one of {LANGUAGES}")
    return [_scenario(path, data["language"], raw) for raw in data.get("scenarios") or []]


def load(languages: tuple[str, ...] | None = None, directory: Path = DIR) -> list[Scenario]:
    """Every scenario of the given languages (all by default), ids unique across files."""
    scenarios: list[Scenario] = []
    for path in sorted(directory.glob("*.yaml")):
        scenarios += [s for s in load_file(path) if languages is None or s.language in languages]
    seen: set[str] = set()
    for s in scenarios:
        if s.id in seen:
            raise ScenarioError(f"duplicate scenario id {s.id}")
        seen.add(s.id)
    return scenarios
