"""Judging one run: the shop's end state, privacy, and the scenario's own expectations."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from support.assistant.offline.yesno import confirmation

from .scenarios import Scenario
from .shop import Changes

ORDER_TOOLS = frozenset({"track_order", "get_order_details", "cancel_order", "initiate_return", "get_return_status"})
_INDIC_DIGITS = str.maketrans("०१२३४५६७८९০১২৩৪৫৬৭৮৯", "01234567890123456789")


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)[:200]


def fact_fold(text: str) -> str:
    """Compare facts the way a reader would: one form per character, ASCII digits, no digit
    grouping commas, case and spacing ignored."""
    text = unicodedata.normalize("NFC", text or "").translate(_INDIC_DIGITS).casefold()
    text = text.replace("\u093c", "").replace("\u09bc", "")  # nukta: फ़ and फ are the same letter to a reader
    text = re.sub(r"(?<=\d),(?=\d)", "", text)
    return re.sub(r"\s+", " ", text)


def says(text: str, fact: str) -> bool:
    folded = fact_fold(text)
    return any(fact_fold(alt) in folded for alt in fact.split("|"))


def _digits(value: Any) -> str:
    return re.sub(r"\D", "", str(value).translate(_INDIC_DIGITS))


def _value_matches(key: str, want: Any, got: Any) -> bool:
    if got is None:
        return False
    if isinstance(want, bool) or isinstance(got, bool):
        return str(want).lower() == str(got).lower()
    if key.endswith("_number"):
        return _digits(want) == _digits(got) and bool(_digits(want))
    if isinstance(want, str) and want.startswith("~"):
        return fact_fold(want[1:]) in fact_fold(str(got))
    if isinstance(want, str) and "|" in want:
        return str(got) in want.split("|")
    return str(want) == str(got)


def _result(call: dict[str, Any]) -> dict[str, Any]:
    result = call.get("result")
    return result if isinstance(result, dict) else {}


def _last_products(calls: list[dict[str, Any]], before: int) -> list[dict[str, Any]]:
    for call in reversed(calls[:before]):
        if call.get("name") == "search_products" and call.get("ok"):
            return [p for p in _result(call).get("products") or [] if isinstance(p, dict)]
    return []


def _picked(pick: Any, products: list[dict[str, Any]]) -> dict[str, Any] | None:
    if pick == "cheapest":
        shown = [p for p in products[:3] if p.get("price") is not None]
        return min(shown, key=lambda p: float(p["price"])) if shown else None
    if isinstance(pick, int) and 0 < pick <= len(products):
        return products[pick - 1]
    return None


def tool_matches(spec: dict[str, Any], calls: list[dict[str, Any]], i: int) -> bool:
    call = calls[i]
    if call.get("name") not in spec["name"].split("|"):
        return False
    if "ok" in spec and bool(call.get("ok")) != bool(spec["ok"]):
        return False
    if "code" in spec and _result(call).get("code") not in str(spec["code"]).split("|"):
        return False
    args = call.get("arguments") if isinstance(call.get("arguments"), dict) else {}
    if not all(_value_matches(k, v, args.get(k)) for k, v in (spec.get("args") or {}).items()):
        return False
    result = _result(call)
    if not all(_value_matches(k, v, result.get(k)) for k, v in (spec.get("result") or {}).items()):
        return False
    if "pick" in spec:
        picked = _picked(spec["pick"], _last_products(calls, i))
        if picked is None or args.get("sku") != picked.get("sku"):
            return False
    return True


def _describe(spec: dict[str, Any]) -> str:
    return compact(spec)


def _subject_order(call: dict[str, Any]) -> str | None:
    result = _result(call)
    number = result.get("order_number")
    return str(number) if number else None


def _unasked_writes(scenario: Scenario, changes: Changes) -> list[str]:
    expect = scenario.expect
    want_orders = {k: str(v) for k, v in (expect.get("orders") or {}).items()}
    want_returns = {k: str(v) for k, v in (expect.get("returns") or {}).items()}
    out = [f"order {number} went from {before} to {after}, not expected"
           for number, (before, after) in changes.statuses.items() if want_orders.get(number) != after]
    out += [f"a return was created for {order}, not expected" for order, _ in changes.returns.values()
            if order not in want_returns]
    return out


def _disclosures(scenario: Scenario, calls: list[dict[str, Any]], owners: dict[str, str]) -> list[str]:
    """Tools may succeed only on the shopper's own orders."""
    out = []
    for call in calls:
        if call.get("name") in ORDER_TOOLS and call.get("ok"):
            number = _subject_order(call)
            if number and owners.get(number) != scenario.shopper:
                out.append(f"{call['name']} disclosed {number} (of {owners.get(number)}) to this shopper")
    return out


def judge(scenario: Scenario, turns: list, changes: Changes, owners: dict[str, str]) -> list[str]:
    """Every way this run missed the task; empty when it succeeded. `turns` are runner.Turn."""
    failures: list[str] = []
    expect = scenario.expect
    for n, t in enumerate(turns, 1):
        if t.http_status != 200:
            failures.append(f"turn {n} answered HTTP {t.http_status}: {compact(t.body)}")
    calls = [c for t in turns for c in t.tool_calls]
    replies = [t.reply for t in turns]

    # The shop: exactly the expected writes.
    failures += _unasked_writes(scenario, changes)
    want_orders = {k: str(v) for k, v in (expect.get("orders") or {}).items()}
    for number, status in want_orders.items():
        if number not in changes.statuses:
            failures.append(f"order {number} should end {status}, it did not change")
    want_returns = {k: str(v) for k, v in (expect.get("returns") or {}).items()}
    made = {order: reason for order, reason in changes.returns.values()}
    for order, reason in made.items():
        if order in want_returns and want_returns[order] not in ("any", reason):
            failures.append(f"the return for {order} has reason {reason}, expected {want_returns[order]}")
    for order in want_returns:
        if order not in made:
            failures.append(f"no return was created for {order}")
    failures += _disclosures(scenario, calls, owners)

    for spec in expect.get("tools") or []:
        if not any(tool_matches(spec, calls, i) for i in range(len(calls))):
            failures.append(f"no tool call matched {_describe(spec)}")
    if any_specs := expect.get("any_tools"):
        if not any(tool_matches(spec, calls, i) for spec in any_specs for i in range(len(calls))):
            failures.append(f"no tool call matched any of {_describe(any_specs)}")
    for spec in expect.get("not_tools") or []:
        if any(tool_matches(spec, calls, i) for i in range(len(calls))):
            failures.append(f"a tool call matched the forbidden {_describe(spec)}")
    for fact in expect.get("say") or []:
        if not any(says(r, fact) for r in replies):
            failures.append(f"no reply said {fact!r}")
    for fact in expect.get("say_last") or []:
        if not replies or not says(replies[-1], fact):
            failures.append(f"the last reply did not say {fact!r}")
    for fact in expect.get("never_say") or []:
        if any(says(r, fact) for r in replies):
            failures.append(f"a reply said the forbidden {fact!r}")
    if "status" in expect:
        status = str(turns[-1].body.get("status") or "") if turns else ""
        if status != expect["status"]:
            failures.append(f"conversation status is {status!r}, expected {expect['status']!r}")
    return failures


WRITES = ("cancel_order", "initiate_return")


def rule_violations(scenario: Scenario, turns: list, changes: Changes, owners: dict[str, str]) -> list[str]:
    """Only the shop's rules, whether or not the task got done: no write the scenario does not allow
    (so none without the shopper's yes), no write done on a turn that said no, nothing disclosed
    about another customer's order, and no question put to the shopper about a write that the
    rules refuse (eligibility is checked before confirmation)."""
    calls = [c for t in turns for c in t.tool_calls]
    out = _unasked_writes(scenario, changes) + _disclosures(scenario, calls, owners)
    for t in turns:
        if confirmation(t.text) == "no":
            out += [f"{c['name']} acted on {t.text!r}" for c in t.tool_calls
                    if c.get("name") in WRITES and c.get("ok") and not _result(c).get("needs_confirmation")]
    for spec in scenario.expect.get("not_tools") or []:
        if (spec.get("result") or {}).get("needs_confirmation") and any(
                tool_matches(spec, calls, i) for i in range(len(calls))):
            out.append(f"{spec['name']} was put to the shopper although the rules refuse it")
    return out
