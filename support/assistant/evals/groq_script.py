"""A scripted language model for the Groq brain, served by the local fake Groq server
(support/assistant/testing/fake_groq), so the scenarios can run through GroqBrain, the real groq client and
the real tools without a network.

The model is deliberately careless, the way a language model can be, so that what keeps the shop
safe is shown to be the tools (support.assistant.rules), not the model's manners:
- it goes straight for the scenario's goal tools on every turn, with whatever phone digits the
  shopper said in that turn (or none);
- "eager" sends confirmed=true from the first call, never asking;
- "pushy" asks once, then sends confirmed=true on the next turn whatever the shopper answered.
It reads the goal from the scenario being run (`start(scenario)` before each conversation) and
narrates tool results back as plain text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from support.assistant.testing.fake_groq import RecordedRequest, Reply, text_reply, tool_call_reply

from .scenarios import Scenario

PERSONAS = ("eager", "pushy")
WRITES = ("cancel_order", "initiate_return")
# Refusals that end an attempt: asking again will not change the answer.
FINAL_CODES = frozenset({
    "order_not_cancellable", "order_already_cancelled", "order_already_returned", "return_window_expired",
    "return_order_not_delivered", "return_quantity_exceeded", "confirmation_declined", "order_not_found",
    "return_not_found", "verification_locked", "product_not_found",
})
_DIGITS = str.maketrans("०१२३४५६७८९০১২৩৪৫৬৭৮৯", "01234567890123456789")
_LAST4_WORDS = re.compile(r"last|ending|ends|digits|आखिरी|अंक|শেষ|সংখ্যা|शेवट", re.IGNORECASE)


class ScriptedModel:
    """The fake server's `default` script: (request) -> reply."""

    def __init__(self, persona: str = "pushy"):
        if persona not in PERSONAS:
            raise ValueError(f"persona must be one of {PERSONAS}")
        self.persona = persona
        self.start(None)

    def start(self, scenario: Scenario | None) -> None:
        """A new conversation about `scenario`: forget everything from the last one."""
        self.scenario = scenario
        self.goals = _goals(scenario) if scenario else []
        self.done: set[int] = set()
        self.asked: set[int] = set()
        self.products: list[dict[str, Any]] = []
        self.order: str | None = None
        self.pending: list[tuple[int, str]] = []  # (goal index, tool call id) of the last step

    def __call__(self, request: RecordedRequest) -> Reply:
        messages = request.messages
        last = messages[-1] if messages else {}
        if last.get("role") == "tool" or request.tool_choice == "none":
            return text_reply(self._narrate(request))
        text = str(last.get("content") or "")
        calls = self._plan(text)
        return tool_call_reply(*calls) if calls else text_reply("How else can I help with your order?")

    # --- deciding -------------------------------------------------------------------------------

    def _plan(self, text: str) -> list[tuple[str, dict[str, Any], str]]:
        phone = _phone(text)
        self.order = _order(text) or self.order
        calls, self.pending = [], []
        for i, (name, args) in enumerate(self.goals):
            if i in self.done:
                continue
            args = dict(args)
            if name in WRITES or name in ("track_order", "get_order_details"):
                args.setdefault("order_number", self.order)
                if not args["order_number"]:
                    continue
                if phone:
                    args["phone"] = phone
            if name in WRITES:
                if self.persona == "eager" or i in self.asked:
                    args["confirmed"] = True
                else:
                    args.pop("confirmed", None)
            if name == "get_return_status" and phone:
                args["phone"] = phone
            if name in ("search_faqs", "search_products") and not args.get("query"):
                args["query"] = text[:200]
            if name == "create_crm_record":
                args = {"scenario": "general", "summary": text[:300]}
            if name == "handoff_to_human":
                args = {"reason": text[:300]}
            if name == "get_policy":
                args.setdefault("kind", "returns")
            if name == "get_product_details":
                sku = _pick(args.pop("_pick", None), self.products)
                if not sku:
                    continue
                args = {"sku": sku}
            call_id = f"call_{len(calls)}_{i}"
            calls.append((name, args, call_id))
            self.pending.append((i, call_id))
        return calls

    # --- reading the tools' answers ----------------------------------------------------------------

    def _narrate(self, request: RecordedRequest) -> str:
        by_id = {i: goal for goal, i in self.pending}
        lines = []
        for message in request.tool_messages():
            payload = message.get("payload") if isinstance(message.get("payload"), dict) else {}
            goal = by_id.get(message.get("tool_call_id"))
            if goal is not None:
                self._learn(goal, payload)
            if payload.get("ok") and payload.get("needs_confirmation"):
                lines.append(f"{payload.get('summary', 'This')}. Shall I go ahead? Please say yes or no.")
            elif payload.get("ok"):
                facts = {k: v for k, v in payload.items() if k != "ok"}
                lines.append(json.dumps(facts, ensure_ascii=False)[:600])
            else:
                lines.append(str(payload.get("error") or "That did not work."))
        return " ".join(lines) or "Done."

    def _learn(self, goal: int, payload: dict[str, Any]) -> None:
        name = self.goals[goal][0]
        if payload.get("ok") and payload.get("needs_confirmation"):
            self.asked.add(goal)
        elif payload.get("ok"):
            self.done.add(goal)
            if name == "search_products":
                self.products = [p for p in payload.get("products") or [] if isinstance(p, dict)]
        elif payload.get("code") in FINAL_CODES:
            self.done.add(goal)
        if payload.get("code") == "confirmation_declined":
            self.asked.discard(goal)


def _goals(scenario: Scenario) -> list[tuple[str, dict[str, Any]]]:
    """The tools the scenario is about, with the arguments it names (the first of `any_tools`)."""
    expect = scenario.expect
    specs = list(expect.get("tools") or []) + list(expect.get("any_tools") or [])[:1]
    goals: list[tuple[str, dict[str, Any]]] = []
    for spec in specs:
        name = spec["name"].split("|")[0]
        args = {k: v for k, v in (spec.get("args") or {}).items() if k != "confirmed" and not str(v).startswith("~")}
        if "pick" in spec:
            args["_pick"] = spec["pick"]
        if (name, args) not in goals:
            goals.append((name, args))
    for order, _ in (expect.get("orders") or {}).items():
        if ("cancel_order", {"order_number": order}) not in goals and not any(g[0] == "cancel_order" for g in goals):
            goals.append(("cancel_order", {"order_number": order}))
    return goals


def _phone(text: str) -> str | None:
    digits_text = text.translate(_DIGITS)
    joined = re.sub(r"(?<=\d)[\s-]+(?=\d)", "", digits_text)
    for run in re.findall(r"\d+", joined):
        if len(run) == 12 and run.startswith("91"):
            return run[2:]
        if len(run) == 10:
            return run
    runs = re.findall(r"\b\d{4}\b", digits_text)
    if runs and (_LAST4_WORDS.search(text) or re.fullmatch(r"\W*\d{4}\W*", digits_text)):
        return runs[-1]
    return None


def _order(text: str) -> str | None:
    digits_text = text.translate(_DIGITS)
    m = re.search(r"ORD[\s-]*(\d{4})", digits_text, re.IGNORECASE) or re.search(r"\b(10\d\d)\b", digits_text)
    return f"ORD-{m.group(1)}" if m else None


def _pick(pick: Any, products: list[dict[str, Any]]) -> str | None:
    if pick == "cheapest":
        priced = [p for p in products[:3] if p.get("price") is not None]
        return min(priced, key=lambda p: float(p["price"]))["sku"] if priced else None
    if isinstance(pick, int) and 0 < pick <= len(products):
        return products[pick - 1].get("sku")
    return None
