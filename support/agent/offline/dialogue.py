"""The offline brain: rules in, tools called, template replies out, in the shopper's language.

Memory between turns lives only in ctx.state (saved on the Conversation):
- ctx.state["offline"]["pending"]: the request being completed, e.g.
  {"intent": "track_order", "slots": {"order_number": "ORD-1042"}, "awaiting": "phone", "tries": 0};
  awaiting is one of order_number, phone, return_number, query, policy_kind, confirm.
- ctx.state["offline"]["last_products"]: SKUs of the last search, for "tell me about the first one".
- ctx.state["order_in_focus"]: the order the shopper last named (the tools set it too), so
  "cancel it" after a tracking answer means that order.
Phone numbers are never stored: a phone is used only in the turn the shopper said it, so every
phone a tool sees came from the shopper's own words in that turn.
Verification itself is the tools' job (support.agent.tools): this brain only decides what to ask.
"""

from __future__ import annotations

import re
import time
from typing import Any, Generator, Iterator

from support.agent.base import BrainEvent, Intent, ModelCalled, TextDelta, ToolCalled, ToolRunner, TurnContext

from . import replies as r
from .nlu import ORDER_INTENTS, Parse, parse, policy_kind_mentioned, tool_plan

LANGUAGES = ("en", "hi", "bn", "mr")
MAX_SLOT_TRIES = 2
ORDER_TOOLS = {"track_order": "track_order", "order_details": "get_order_details", "cancel_order": "cancel_order",
               "initiate_return": "initiate_return"}
SIMPLE_REPLIES = {"greet": "greet", "goodbye": "goodbye", "thanks": "thanks", "smalltalk": "smalltalk",
                  "off_topic": "off_topic", "affirm": "affirm_nothing", "deny": "deny_nothing"}

Steps = Generator[BrainEvent, None, list[str]]


MODEL_NAME = "rules-v1"


class OfflineBrain:
    name = "offline"

    def stream(self, text: str, ctx: TurnContext, tools: ToolRunner) -> Iterator[BrainEvent]:
        started = time.perf_counter()
        turn = _Turn(ctx, tools)
        if not (text or "").strip():
            yield Intent("off_topic", {"empty": True})
            sentences = [turn.say("reprompt")]
        else:
            p = parse(text, turn.lang, expecting=turn.awaiting)
            yield Intent(p.intent, dict(p.entities))
            sentences = yield from turn.respond(p, text)
        # The offline brain is a provider like any other: its turn is a model call on the record
        # (stage llm), so dashboards and transcripts show which brain answered and how fast.
        elapsed = (time.perf_counter() - started) * 1000
        yield ModelCalled(provider="offline", model=MODEL_NAME, ok=True, latency_ms=elapsed, first_token_ms=elapsed)
        yield from _deltas(sentences)


def _deltas(sentences: list[str]) -> Iterator[TextDelta]:
    """At most three deltas, so the first clause can be spoken while the rest is rendered."""
    sentences = [s for s in sentences if s]
    if len(sentences) > 3:
        sentences = sentences[:2] + [" ".join(sentences[2:])]
    for i, sentence in enumerate(sentences):
        yield TextDelta(sentence if i == 0 else " " + sentence)


class _Turn:
    def __init__(self, ctx: TurnContext, tools: ToolRunner):
        self.ctx, self.tools = ctx, tools
        self.lang = ctx.language if ctx.language in LANGUAGES else "en"
        memory = ctx.state.get("offline")
        if not isinstance(memory, dict):
            memory = ctx.state["offline"] = {}
        self.memory = memory
        pending = memory.get("pending")
        self.pending: dict[str, Any] | None = pending if isinstance(pending, dict) else None

    @property
    def awaiting(self) -> str | None:
        return self.pending.get("awaiting") if self.pending else None

    def say(self, key: str, **kwargs) -> str:
        return r.render(key, self.lang, **kwargs)

    def call(self, name: str, args: dict[str, Any]) -> ToolCalled:
        return self.tools.call(name, args, self.ctx)

    def wait_for(self, intent: str, slots: dict[str, Any], awaiting: str, tries: int = 0) -> None:
        self.memory["pending"] = {"intent": intent, "slots": _storable(slots), "awaiting": awaiting, "tries": tries}

    def clear(self) -> None:
        self.memory.pop("pending", None)

    # --- routing ---------------------------------------------------------------------------

    def respond(self, p: Parse, text: str) -> Steps:
        pending, self.pending = self.pending, None
        self.clear()
        if pending:
            handled = yield from self._continue(pending, p, text)
            if handled is not None:
                return handled
        return (yield from self._new(p, text))

    def _continue(self, pending: dict[str, Any], p: Parse, text: str) -> Generator[BrainEvent, None, list[str] | None]:
        intent, slots, awaiting = pending.get("intent"), dict(pending.get("slots") or {}), pending.get("awaiting")
        e = p.entities
        if awaiting == "confirm":
            if p.intent == "affirm":
                return (yield from self._confirmed(intent, slots))
            tries = int(pending.get("tries", 0)) + 1
            if p.intent == "off_topic" and tries <= MAX_SLOT_TRIES:
                self.wait_for(intent, slots, "confirm", tries)
                key = "confirm_cancel" if intent == "cancel_order" else "confirm_return"
                return [self.say("reprompt"), self.say(key, order=slots.get("order_number", ""))]
            self.ctx.state.pop("pending_confirmation", None)
            if p.intent in ("deny", "off_topic"):
                key = "cancel_kept" if intent == "cancel_order" else "return_kept"
                return [self.say(key, order=slots.get("order_number", ""))]
            return None  # the shopper moved on: the unconfirmed action is dropped
        gave = {k: e[k] for k in ("order_number", "return_number", "phone", "last4") if k in e}
        if awaiting == "query" and p.intent in ("search_products", "off_topic", "provide_info"):
            slots.update({k: e[k] for k in ("query", "min_price", "max_price") if k in e})
            slots["query"] = slots.get("query") or re.sub(r"[^\w\s-]", " ", text).strip()
            return (yield from self._act(intent, slots, text))
        if awaiting == "policy_kind" and (kind := e.get("policy_kind") or policy_kind_mentioned(text)):
            return (yield from self._act("policy", {"policy_kind": kind}, text))
        if gave and (p.intent == "provide_info" or p.intent == intent):
            if "last4" in gave:
                gave["phone"] = gave.pop("last4")
            slots.update(gave)
            if intent in ORDER_INTENTS and "order_number" in gave and "phone" not in gave:
                slots.pop("phone", None)  # a new order needs its own phone
            if "reason" in e:
                slots["reason"] = e["reason"]
            return (yield from self._act(intent, slots, text, tries=int(pending.get("tries", 0))))
        if p.intent == "deny" and awaiting in ("order_number", "return_number", "phone"):
            return [self.say("dont_know_number")]
        if p.intent in ("affirm", "off_topic", "provide_info") or p.intent == intent:
            tries = int(pending.get("tries", 0)) + 1
            if tries > MAX_SLOT_TRIES:
                return [self.say("deny_nothing")]
            self.wait_for(intent, slots, awaiting, tries)
            return [self._ask(awaiting, slots, again=True)]
        return None

    def _ask(self, awaiting: str, slots: dict[str, Any], again: bool = False) -> str:
        if awaiting == "order_number":
            return self.say("ask_order_number_again" if again else "ask_order_number")
        if awaiting == "phone":
            subject = slots.get("order_number") or slots.get("return_number", "")
            return self.say("ask_phone_again" if again else "ask_phone", order=subject)
        if awaiting == "return_number":
            return self.say("ask_return_number")
        if awaiting == "policy_kind":
            return self.say("ask_policy_kind")
        return self.say("ask_query")

    def _new(self, p: Parse, text: str) -> Steps:
        e = dict(p.entities)
        if p.intent in SIMPLE_REPLIES:
            return [self.say(SIMPLE_REPLIES[p.intent])]
        if p.intent == "provide_info":
            if "order_number" in e:
                return (yield from self._act("track_order", _slots(e), text))
            if "return_number" in e:
                return (yield from self._act("return_status", _slots(e), text))
            return [self.say("phone_noted")]
        slots = _slots(e)
        if p.intent in ORDER_INTENTS and "order_number" not in slots:
            focus = self.ctx.state.get("order_in_focus")
            if isinstance(focus, str) and focus:
                slots["order_number"] = focus
        return (yield from self._act(p.intent, slots, text, parse_=p))

    # --- acting ----------------------------------------------------------------------------

    def _act(self, intent: str, slots: dict[str, Any], text: str, tries: int = 0, parse_: Parse | None = None) -> Steps:
        if intent in ORDER_INTENTS:
            return (yield from self._order(intent, slots, tries))
        if intent == "return_status":
            return (yield from self._return_status(slots, tries))
        if intent == "search_products":
            return (yield from self._search(slots))
        if intent == "product_details":
            return (yield from self._product(slots))
        if intent == "faq":
            return (yield from self._faq(slots.get("faq_query") or text))
        if intent == "policy":
            return (yield from self._policy(slots))
        if intent in ("complaint", "handoff"):
            name, args = tool_plan(parse_ or Parse(self.lang, intent, slots))
            key = "reason" if intent == "handoff" else "summary"
            called = self.call(name, {**args, key: _summary(text)})
            yield called
            if not called.result.ok:
                return [self.say("tool_error")]
            reply = "handoff" if intent == "handoff" else "ticket_created"
            return [self.say(reply, id=called.result.data.get("crm_record_id", ""))]
        return [self.say("off_topic")]

    def _order(self, intent: str, slots: dict[str, Any], tries: int = 0) -> Steps:
        order = slots.get("order_number")
        if not order:
            self.wait_for(intent, slots, "order_number")
            return [self.say("ask_order_number")]
        self.ctx.state["order_in_focus"] = order
        phone = slots.get("phone") or slots.get("last4")
        verified = self.ctx.state.get("verified_orders") or []
        if not phone and self.ctx.customer_id is None and order not in verified:
            self.wait_for(intent, slots, "phone")
            return [self.say("ask_phone", order=order)]
        args: dict[str, Any] = {"order_number": order}
        if phone:
            args["phone"] = phone
        if intent == "initiate_return" and slots.get("reason"):
            args["reason"] = slots["reason"]
        called = self.call(ORDER_TOOLS[intent], args)
        yield called
        result = called.result
        if not result.ok:
            return self._order_failed(intent, slots, result.code, tries)
        data = result.data
        if data.get("needs_confirmation"):
            keep = {k: v for k, v in args.items() if k != "phone"}
            self.wait_for(intent, keep, "confirm")
            return [self.say("confirm_cancel" if intent == "cancel_order" else "confirm_return", order=order)]
        if intent == "track_order":
            return self._tracking(data, order)
        if intent == "order_details":
            return self._details(data, order)
        return self._done(intent, data, order)

    def _confirmed(self, intent: str, slots: dict[str, Any]) -> Steps:
        args = {**{k: v for k, v in slots.items() if k in ("order_number", "reason")}, "confirmed": True}
        called = self.call(ORDER_TOOLS.get(intent, "cancel_order"), args)
        yield called
        if not called.result.ok:
            return self._order_failed(intent, slots, called.result.code, MAX_SLOT_TRIES)
        return self._done(intent, called.result.data, slots.get("order_number", ""))

    def _done(self, intent: str, data: dict[str, Any], order: str) -> list[str]:
        order = data.get("order_number") or order
        if intent == "cancel_order" and data.get("cancelled"):
            out = [self.say("cancelled", order=order)]
            if r.positive(data.get("refund_amount")):
                out.append(self.say("cancelled_refund", amount=r.inr(data["refund_amount"])))
            return out
        if intent == "initiate_return" and data.get("return_number"):
            return [self.say("return_created", ret=data["return_number"], order=order)]
        return [self.say("tool_error")]

    def _order_failed(self, intent: str, slots: dict[str, Any], code: str, tries: int) -> list[str]:
        subject = slots.get("order_number") or slots.get("return_number", "")
        slots = {k: v for k, v in slots.items() if k not in ("phone", "last4")}
        if code == "verification_required":
            self.wait_for(intent, slots, "phone")
            return [self.say("ask_phone", order=subject)]
        if code == "verification_failed":
            if tries + 1 >= MAX_SLOT_TRIES:
                return [self.say("verification_locked")]
            self.wait_for(intent, slots, "phone", tries + 1)
            return [self.say("verification_failed")]
        if code == "verification_locked":
            return [self.say("verification_locked")]
        if code in ("order_not_found", "return_not_found"):
            self.ctx.state.pop("order_in_focus", None)
            slot = "order_number" if code == "order_not_found" else "return_number"
            if tries + 1 < MAX_SLOT_TRIES:
                self.wait_for(intent, {k: v for k, v in slots.items() if k != slot}, slot, tries + 1)
            return [self.say(code, order=subject, ret=subject)]
        messages = {"order_not_cancellable": "not_cancellable", "return_order_not_delivered": "return_not_delivered",
                    "return_window_expired": "return_window_expired", "confirmation_required": "confirmation_expired"}
        return [self.say(messages.get(code, "tool_error"), order=subject)]

    def _tracking(self, data: dict[str, Any], order: str) -> list[str]:
        order = data.get("order_number") or order
        status = r.order_status(data.get("status", ""), self.lang, data.get("status_label", ""))
        out = [self.say("track_status", order=order, status=status)]
        extra = []
        if data.get("carrier") and data.get("status") not in ("delivered", "cancelled", "returned"):
            extra.append(self.say("track_carrier", carrier=data["carrier"], tracking=data.get("tracking_number") or "-"))
        if data.get("expected_delivery") and data.get("status") not in ("delivered", "cancelled", "returned"):
            extra.append(self.say("track_expected", date=r.date(data["expected_delivery"], self.lang)))
        event = data.get("last_event") or {}
        if event.get("description"):
            location = event.get("location") or ""
            # Carriers often name the place in the description already ("arrived at Pune hub").
            where = (f"{event['description']}, {location}"
                     if location and location.lower() not in event["description"].lower() else event["description"])
            extra.append(self.say("track_last_event", event=where))
        return out + ([" ".join(extra)] if extra else [])

    def _details(self, data: dict[str, Any], order: str) -> list[str]:
        items = [f"{i.get('quantity', 1)} × {i.get('name', '')}" for i in data.get("items") or []]
        status = r.order_status(data.get("status", ""), self.lang, data.get("status_label", ""))
        return [self.say("order_details", order=data.get("order_number") or order,
                         date=r.date(data.get("placed_at", ""), self.lang), items=r.join(items, self.lang),
                         total=r.inr(data.get("total", "0")), status=status)]

    def _return_status(self, slots: dict[str, Any], tries: int) -> Steps:
        ret = slots.get("return_number")
        if not ret:
            self.wait_for("return_status", slots, "return_number")
            return [self.say("ask_return_number")]
        args = {"return_number": ret}
        if phone := slots.get("phone") or slots.get("last4"):
            args["phone"] = phone
        called = self.call("get_return_status", args)
        yield called
        if not called.result.ok:
            return self._order_failed("return_status", slots, called.result.code, tries)
        data = called.result.data
        status = r.return_status(data.get("status", ""), self.lang, data.get("status_label", ""))
        out = [self.say("return_status", ret=data.get("return_number") or ret, order=data.get("order_number", ""),
                        status=status)]
        if r.positive(data.get("refund_amount")):
            out.append(self.say("return_refund", amount=r.inr(data["refund_amount"])))
        return out

    def _search(self, slots: dict[str, Any]) -> Steps:
        query = (slots.get("query") or "").strip()
        if not query and "max_price" not in slots and "min_price" not in slots:
            self.wait_for("search_products", slots, "query")
            return [self.say("ask_query")]
        args: dict[str, Any] = {"query": query}
        args.update({k: slots[k] for k in ("min_price", "max_price") if k in slots})
        called = self.call("search_products", args)
        yield called
        if not called.result.ok:
            return [self.say("tool_error")]
        products = called.result.data.get("products") or []
        if not products:
            return [self.say("search_none", query=query or r.inr(slots.get("max_price") or slots.get("min_price")))]
        self.memory["last_products"] = [p.get("sku") for p in products[:5] if p.get("sku")]
        data = called.result.data
        # A voice reply names at most two products, by their short names.
        spoken = "voice" in self.ctx.channel or self.ctx.channel == "phone"
        return r.search_results(products, data.get("count") or len(products), self.lang, spoken=spoken,
                                complete=data.get("complete", True))

    def _product(self, slots: dict[str, Any]) -> Steps:
        sku = slots.get("sku")
        if not sku and slots.get("ordinal"):
            last = self.memory.get("last_products") or []
            if 0 < slots["ordinal"] <= len(last):
                sku = last[slots["ordinal"] - 1]
        if not sku and slots.get("query"):
            found = self.call("search_products", {"query": slots["query"]})
            yield found
            products = found.result.data.get("products") or [] if found.result.ok else []
            if not products:
                return [self.say("search_none", query=slots["query"])]
            sku = products[0].get("sku")
        if not sku:
            return [self.say("pick_product")]
        called = self.call("get_product_details", {"sku": sku})
        yield called
        if not called.result.ok:
            return [self.say("product_not_found" if called.result.code in ("product_not_found", "not_found") else "tool_error")]
        p = called.result.data.get("product") or {}
        return [self.say("product_details", name=p.get("name", ""), brand=p.get("brand", ""), price=r.inr(p.get("price", ""))),
                self.say("product_in_stock" if p.get("in_stock") else "product_out_of_stock")]

    def _faq(self, query: str) -> Steps:
        called = self.call("search_faqs", {"query": query[:200]})
        yield called
        faqs = called.result.data.get("faqs") or [] if called.result.ok else []
        if not faqs:
            return [self.say("faq_none")]
        return r.sentences(faqs[0].get("answer", ""))

    def _policy(self, slots: dict[str, Any]) -> Steps:
        kind = slots.get("policy_kind")
        if not kind:
            self.wait_for("policy", slots, "policy_kind")
            return [self.say("ask_policy_kind")]
        called = self.call("get_policy", {"kind": kind})
        yield called
        if not called.result.ok:
            return [self.say("policy_none")]
        data = called.result.data
        sentences = r.sentences(data.get("text", "")) or [self.say("policy_none")]
        if data.get("title"):
            sentences[0] = f"{data['title']}: {sentences[0]}"
        return sentences


def _slots(entities: dict[str, Any]) -> dict[str, Any]:
    slots = dict(entities)
    if "last4" in slots and "phone" not in slots:
        slots["phone"] = slots.pop("last4")
    return slots


def _storable(slots: dict[str, Any]) -> dict[str, Any]:
    """What may be saved on the conversation: never a phone number."""
    return {k: v for k, v in slots.items() if k not in ("phone", "last4") and isinstance(v, (str, int, float, bool))}


def _summary(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:300] or "-"
