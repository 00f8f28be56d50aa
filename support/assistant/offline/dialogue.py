"""The offline brain: rules in, tools called, template replies out, in the shopper's language.

Memory between turns lives only in ctx.state (saved on the Conversation):
- ctx.state["offline"]["pending"]: the request being completed, e.g.
  {"intent": "track_order", "slots": {"order_number": "ORD-1042"}, "awaiting": "phone", "tries": 0,
   "gave": "order_number"}; awaiting is one of order_number, phone, return_number, query, policy_kind,
  confirm; `gave` is what the shopper said last (a corrected number means that slot).
- ctx.state["offline"]["offer"]: what "yes" gets next turn after "Shall I read the full policy?".
- ctx.state["offline"]["last_products"]: SKUs and prices of the last search, for "the second one"
  and "the cheaper one"; ["last_action"]: the last order act, for "no, I meant ORD-1055".
- ctx.state["order_in_focus"]: the order the shopper last named (the tools set it too), so
  "cancel it" after a tracking answer means that order.
Phone numbers are never stored: a phone is used only in the turn the shopper said it, so every
phone a tool sees came from the shopper's own words in that turn.
Verification, eligibility and the confirmation rule are the tools' job (support.assistant.tools): this
brain only decides what to ask and what to say.
"""

from __future__ import annotations

import re
import time
from typing import Any, Generator, Iterator

from support.assistant.brain import BrainEvent, Intent, ModelCalled, Spoken, TextDelta, ToolRunner, TurnContext

from .acts import MAX_SLOT_TRIES, Acts, Say, Steps
from .nlu import ORDER_INTENTS, Parse, parse, policy_kind_mentioned

LANGUAGES = ("en", "hi", "bn", "mr")
SIMPLE_REPLIES = {"greet": "greet", "goodbye": "goodbye", "thanks": "thanks", "smalltalk": "smalltalk",
                  "off_topic": "off_topic", "affirm": "affirm_nothing", "deny": "deny_nothing"}
# Questions answered in passing while a request waits for its next piece (the request stays open).
ASIDES = ("faq", "policy")
MODEL_NAME = "rules-v2"

Maybe = Generator[BrainEvent, None, Say | None]


class OfflineBrain:
    name = "offline"

    def stream(self, text: str, ctx: TurnContext, tools: ToolRunner) -> Iterator[BrainEvent]:
        started = time.perf_counter()
        turn = _DialogueTurn(ctx, tools)
        if not (text or "").strip():
            yield Intent("off_topic", {"empty": True})
            said = turn.line("reprompt")
        else:
            p = parse(text, turn.lang, expecting=turn.awaiting)
            yield Intent(p.intent, dict(p.entities))
            said = yield from turn.respond(p, text)
        # The offline brain is a provider like any other: its turn is a model call on the record
        # (stage llm), so dashboards and transcripts show which brain answered and how fast.
        elapsed = (time.perf_counter() - started) * 1000
        yield ModelCalled(provider="offline", model=MODEL_NAME, ok=True, latency_ms=elapsed, first_token_ms=elapsed)
        if said.spoken is not None:
            yield Spoken(" ".join(s for s in said.spoken if s))
        yield from _deltas(said.text)


def _deltas(sentences: list[str]) -> Iterator[TextDelta]:
    """At most three deltas, so the first clause can be spoken while the rest is rendered."""
    sentences = [s for s in sentences if s]
    if len(sentences) > 3:
        sentences = sentences[:2] + [" ".join(sentences[2:])]
    for i, sentence in enumerate(sentences):
        yield TextDelta(sentence if i == 0 else " " + sentence)


NUMBER_SLOTS = ("order_number", "phone", "return_number")


def awaits_number(state: dict | None) -> bool:
    """Whether the conversation's last reply asked for an order, return or phone number (the voice's
    end of turn then takes a whole number as a complete answer)."""
    memory = (state or {}).get("offline")
    pending = memory.get("pending") if isinstance(memory, dict) else None
    return isinstance(pending, dict) and pending.get("awaiting") in NUMBER_SLOTS


class _DialogueTurn(Acts):
    def __init__(self, ctx: TurnContext, tools: ToolRunner):
        memory = ctx.state.get("offline")
        if not isinstance(memory, dict):
            memory = ctx.state["offline"] = {}
        super().__init__(ctx=ctx, tools=tools, lang=ctx.language if ctx.language in LANGUAGES else "en", memory=memory)
        pending = memory.pop("pending", None)
        self.pending: dict[str, Any] | None = pending if isinstance(pending, dict) else None
        offered = memory.pop("offer", None)  # an offer of more is good for the next turn only
        self.offered: dict[str, Any] | None = offered if isinstance(offered, dict) else None

    @property
    def awaiting(self) -> str | None:
        return self.pending.get("awaiting") if self.pending else None

    # --- routing ---------------------------------------------------------------------------

    def respond(self, p: Parse, text: str) -> Steps:
        if self.pending:
            handled = yield from self._continue(self.pending, p, text)
            if handled is not None:
                return handled
        if self.offered and (p.intent in ("affirm", "deny") or (p.answer and not p.entities and not p.numbers)):
            handled = yield from self._offer_answered(self.offered, p)
            if handled is not None:
                return handled
        if sku := self._pointed_at(p):
            return (yield from self.product({"sku": sku}))
        if (redo := self._corrected(p)) is not None:
            return (yield from self.act(redo["intent"], {"order_number": redo["order_number"], **_phone(p.entities)}, text))
        return (yield from self._new(p, text))

    def _continue(self, pending: dict[str, Any], p: Parse, text: str) -> Maybe:
        intent, slots, awaiting = pending.get("intent"), dict(pending.get("slots") or {}), pending.get("awaiting")
        tries = int(pending.get("tries", 0))
        e = p.entities
        if awaiting == "confirm":
            return (yield from self._confirm_step(intent, slots, p, text, tries))
        if awaiting in ("phone", "order_number", "return_number"):
            return (yield from self._slot_step(pending, slots, p, text))
        if awaiting == "query" and p.intent in ("search_products", "off_topic", "provide_info"):
            slots.update({k: e[k] for k in ("query", "min_price", "max_price") if k in e})
            slots["query"] = slots.get("query") or re.sub(r"[^\w\s-]", " ", text).strip()
            return (yield from self.act(intent, slots, text))
        if awaiting == "policy_kind" and (kind := e.get("policy_kind") or policy_kind_mentioned(text)):
            return (yield from self.act("policy", {"policy_kind": kind}, text))
        return None

    def _confirm_step(self, intent: str, slots: dict[str, Any], p: Parse, text: str, tries: int) -> Maybe:
        order = slots.get("order_number", "")
        same_request = p.intent == intent and p.entities.get("order_number", order) == order
        question = self.line("confirm_cancel" if intent == "cancel_order" else "confirm_return", order=order)
        if p.intent in ASIDES and p.answer != "yes":
            # "Wait, what's your refund policy?": answered, and the question stays open (the tool's too).
            aside = yield from self._aside(p, text)
            self.wait_for(intent, slots, "confirm", tries)
            return aside.then(question)
        if p.answer == "yes" or p.intent == "affirm" or (p.answer is None and same_request):
            return (yield from self.confirmed(intent, slots))
        if p.answer == "no" or p.intent == "deny":
            return self.kept(intent, slots)
        if p.intent in ("off_topic", "smalltalk", "greet", "thanks") and tries < MAX_SLOT_TRIES:
            self.wait_for(intent, slots, "confirm", tries + 1)
            return self.line("reprompt").then(question)
        self.ctx.state.pop("pending_confirmation", None)
        if p.intent in ("off_topic", "smalltalk", "greet", "thanks"):
            return self.kept(intent, slots)
        return None  # the shopper moved on: the unconfirmed action is dropped

    def _slot_step(self, pending: dict[str, Any], slots: dict[str, Any], p: Parse, text: str) -> Maybe:
        intent, awaiting, tries = pending.get("intent"), pending.get("awaiting"), int(pending.get("tries", 0))
        if intent in ORDER_INTENTS and p.intent in ORDER_INTENTS and p.intent != intent:
            intent = p.intent  # "ok, cancel it, phone 98765...": the latest words say which action
        e = p.entities
        phone = e.get("phone") or e.get("last4")
        order = e.get("order_number")
        ret = e.get("return_number")
        numbers = list(p.numbers)
        if (awaiting == "phone" and phone and phone == e.get("last4") and phone in numbers and "correction" in p.cues
                and "phone_word" not in p.cues and pending.get("gave") != "phone"):
            phone, order = None, f"ORD-{phone}"  # "no no, 1055" right after an order number: that order
        if awaiting == "phone" and not phone and not order and numbers:
            last = numbers[-1]
            # "no no, 1055" right after an order number corrects the order; after a phone that did
            # not match, or with a phone word, four digits are the phone's last four.
            if len(last) == 4 and not ("correction" in p.cues and "phone_word" not in p.cues
                                       and pending.get("gave") != "phone"):
                phone = last
            elif "correction" in p.cues or "phone_word" not in p.cues:
                order = f"ORD-{last}"
        elif awaiting == "phone" and phone and not order and numbers and "correction" in p.cues:
            order = f"ORD-{numbers[-1]}"  # "I meant 1038, phone 9876543009"
        elif awaiting == "order_number" and not order and numbers and p.intent in ("provide_info", "off_topic", intent):
            order = f"ORD-{numbers[-1]}"
        elif awaiting == "return_number" and not ret and numbers:
            ret = f"RET-{numbers[-1]}"
        if intent == "return_status" and ret:
            slots["return_number"] = ret
            if phone:
                slots["phone"] = phone
            return (yield from self.act(intent, slots, text, tries=tries))
        if order and order != slots.get("order_number") and (intent in ORDER_INTENTS):
            slots = {**{k: v for k, v in slots.items() if k not in ("phone", "last4")}, "order_number": order}
            if phone:
                slots["phone"] = phone
            return (yield from self.act(intent, slots, text))
        if phone or (order and awaiting == "order_number"):
            if phone:
                slots["phone"] = phone
            if order:
                slots["order_number"] = order
            if "reason" in e:
                slots["reason"] = e["reason"]
            return (yield from self.act(intent, slots, text, tries=tries if pending.get("gave") == "phone" else 0))
        if p.intent in ASIDES:
            aside = yield from self._aside(p, text)
            self.wait_for(intent, slots, awaiting, tries, gave=pending.get("gave", ""))
            return aside.then(self._ask(awaiting, slots, again=True))
        if p.intent == "deny" or p.answer == "no":
            return self.line("dont_know_number")
        if p.intent in ("affirm", "off_topic", "provide_info") or p.intent == intent:
            if tries + 1 > MAX_SLOT_TRIES:
                return self.line("deny_nothing")
            self.wait_for(intent, slots, awaiting, tries + (p.intent != intent), gave=pending.get("gave", ""))
            return self._ask(awaiting, slots, again=p.intent != intent)
        return None

    def _aside(self, p: Parse, text: str) -> Steps:
        """Answer a side question while a request waits; its offer of more is dropped, because the
        next "yes" belongs to the waiting request."""
        said = yield from self.act(p.intent, _slots(p.entities), text, parse_=p)
        if self.memory.pop("offer", None) is not None and said.spoken:
            said = Say(said.text, said.spoken[:-1])
        return said

    def _offer_answered(self, offered: dict[str, Any], p: Parse) -> Maybe:
        if p.answer == "no" or p.intent == "deny":
            return self.line("deny_nothing")
        if p.answer != "yes" and p.intent != "affirm":
            return None
        kind = offered.get("kind")
        if kind == "tracking" and offered.get("text"):
            return Say([offered["text"]])
        if kind == "policy":
            return (yield from self.policy({"policy_kind": offered.get("policy_kind")}, more=True))
        if kind == "faq":
            return (yield from self.faq(offered.get("query", ""), more=True))
        return None

    def _pointed_at(self, p: Parse) -> str | None:
        """"the second one", "the cheaper one", "दूसरी वाली", "সস্তাটা" after a product list."""
        if not self.memory.get("last_products") or p.intent in ORDER_INTENTS + ("handoff", "complaint", "policy"):
            return None
        cheaper, costlier = "cheaper" in p.cues, "costlier" in p.cues
        if not (p.ordinal or cheaper or costlier):
            return None
        if p.intent == "search_products" and not p.ordinal and (p.entities.get("max_price") or p.entities.get("category")):
            return None  # "show me cheaper phones": a new search
        return self.pick(p.ordinal, cheaper, costlier)

    def _corrected(self, p: Parse) -> dict[str, Any] | None:
        """"No, I meant ORD-1055" after an answer about another order: the same act on the new one."""
        last = self.memory.get("last_action")
        if not isinstance(last, dict) or "correction" not in p.cues:
            return None
        if p.intent not in ("provide_info", "off_topic", "deny") and not (p.intent == "order_details" and "details" not in p.cues):
            return None
        number = p.entities.get("order_number") or (f"ORD-{p.numbers[-1]}" if p.numbers else None)
        if not number or number == last.get("order_number") or last.get("intent") not in ORDER_INTENTS:
            return None
        return {"intent": last["intent"], "order_number": number}

    def _ask(self, awaiting: str, slots: dict[str, Any], again: bool = False) -> Say:
        if awaiting == "order_number":
            return self.line("ask_order_number_again" if again else "ask_order_number")
        if awaiting == "phone":
            return self.ask_phone(slots.get("order_number") or slots.get("return_number", ""), again)
        if awaiting == "return_number":
            return self.line("ask_return_number")
        if awaiting == "policy_kind":
            return self.line("ask_policy_kind")
        return self.line("ask_query")

    def _new(self, p: Parse, text: str) -> Steps:
        e = dict(p.entities)
        if p.intent in SIMPLE_REPLIES:
            return self.line(SIMPLE_REPLIES[p.intent])
        if p.intent == "provide_info":
            if "order_number" in e:
                return (yield from self.act("track_order", _slots(e), text))
            if "return_number" in e:
                return (yield from self.act("return_status", _slots(e), text))
            return self.line("phone_noted")
        slots = _slots(e)
        if p.intent == "product_details" and p.ordinal and not slots.get("sku"):
            slots["ordinal"] = p.ordinal
        if p.intent in ORDER_INTENTS and "order_number" not in slots:
            focus = self.ctx.state.get("order_in_focus")
            if isinstance(focus, str) and focus:
                slots["order_number"] = focus
        return (yield from self.act(p.intent, slots, text, parse_=p))


def _slots(entities: dict[str, Any]) -> dict[str, Any]:
    slots = dict(entities)
    if "last4" in slots and "phone" not in slots:
        slots["phone"] = slots.pop("last4")
    return slots


def _phone(entities: dict[str, Any]) -> dict[str, Any]:
    phone = entities.get("phone") or entities.get("last4")
    return {"phone": phone} if phone else {}
