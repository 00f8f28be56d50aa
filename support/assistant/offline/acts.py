"""What the offline brain does once it knows the request: call the tools and say the outcome.

Every act returns a `Say`: the text reply (which may carry detail: carrier, tracking number, the
whole policy) and, where it differs, what a voice says: the answer first, in at most about two
short sentences (~8 s), with an offer of more ("Shall I read the full policy?"). The offer is
remembered in the dialogue's memory, so a "yes" on the next turn gets the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Generator

from support.assistant.brain import BrainEvent, ToolCalled, ToolRunner, TurnContext

from . import replies as r
from .catalog_words import PRODUCT_WORDS
from .nlu import ORDER_INTENTS, Parse, tool_plan

MAX_SLOT_TRIES = 2
ORDER_TOOLS = {"track_order": "track_order", "order_details": "get_order_details", "cancel_order": "cancel_order",
               "initiate_return": "initiate_return"}
# About 8 s of speech: Piper (en) and espeak-ng (hi/bn/mr) say 10-12 characters a second here.
SPOKEN_SENTENCE_CHARS = 100


@dataclass
class Say:
    text: list[str]
    spoken: list[str] | None = None  # None: say the text

    @property
    def speech(self) -> list[str]:
        return self.text if self.spoken is None else self.spoken

    def then(self, other: "Say") -> "Say":
        spoken = None if self.spoken is None and other.spoken is None else self.speech + other.speech
        return Say(self.text + other.text, spoken)


Steps = Generator[BrainEvent, None, Say]


@dataclass
class Acts:
    """The tool side of a turn; the dialogue (dialogue._DialogueTurn) decides which act runs."""

    ctx: TurnContext
    tools: ToolRunner
    lang: str
    memory: dict[str, Any] = field(default_factory=dict)

    def say(self, key: str, **kwargs) -> str:
        return r.render(key, self.lang, **kwargs)

    def line(self, key: str, **kwargs) -> Say:
        return Say([self.say(key, **kwargs)])

    def call(self, name: str, args: dict[str, Any]) -> ToolCalled:
        return self.tools.call(name, args, self.ctx)

    def wait_for(self, intent: str, slots: dict[str, Any], awaiting: str, tries: int = 0, gave: str = "") -> None:
        self.memory["pending"] = {"intent": intent, "slots": _storable(slots), "awaiting": awaiting, "tries": tries,
                                  "gave": gave}

    def ask_phone(self, order: str, again: bool = False) -> Say:
        """The phone question; by voice without the order number read out again (it was just said)."""
        return Say([self.say("ask_phone_again" if again else "ask_phone", order=order)], [self.say("ask_phone_spoken")])

    def offer(self, kind: str, **data) -> None:
        self.memory["offer"] = {"kind": kind, **data}

    # --- orders -----------------------------------------------------------------------------

    def act(self, intent: str, slots: dict[str, Any], text: str, tries: int = 0, parse_: Parse | None = None) -> Steps:
        if intent in ORDER_INTENTS:
            return (yield from self.order(intent, slots, tries))
        if intent == "return_status":
            return (yield from self.return_status(slots, tries))
        if intent == "search_products":
            return (yield from self.search(slots))
        if intent == "product_details":
            return (yield from self.product(slots))
        if intent == "faq":
            return (yield from self.faq(slots.get("faq_query") or text))
        if intent == "policy":
            return (yield from self.policy(slots))
        if intent in ("complaint", "handoff"):
            name, args = tool_plan(parse_ or Parse(self.lang, intent, slots))
            key = "reason" if intent == "handoff" else "summary"
            called = self.call(name, {**args, key: _summary(text)})
            yield called
            if not called.result.ok:
                return self.line("tool_error")
            return self.line("handoff" if intent == "handoff" else "ticket_created", id=called.result.data.get("crm_record_id", ""))
        return self.line("off_topic")

    def order(self, intent: str, slots: dict[str, Any], tries: int = 0) -> Steps:
        order = slots.get("order_number")
        if not order:
            self.wait_for(intent, slots, "order_number")
            return self.line("ask_order_number")
        self.ctx.state["order_in_focus"] = order
        phone = slots.get("phone") or slots.get("last4")
        verified = self.ctx.state.get("verified_orders") or []
        if not phone and self.ctx.customer_id is None and order not in verified:
            self.wait_for(intent, slots, "phone", gave="order_number")
            return self.ask_phone(order)
        args: dict[str, Any] = {"order_number": order}
        if phone:
            args["phone"] = phone
        if intent == "initiate_return" and slots.get("reason"):
            args["reason"] = slots["reason"]
        called = self.call(ORDER_TOOLS[intent], args)
        yield called
        result = called.result
        if not result.ok:
            return self.order_failed(intent, slots, result.code, tries, result.data)
        data = result.data
        self.memory["last_action"] = {"intent": intent, "order_number": data.get("order_number") or order}
        if data.get("needs_confirmation"):
            self.wait_for(intent, {k: v for k, v in args.items() if k != "phone"}, "confirm")
            return self.line("confirm_cancel" if intent == "cancel_order" else "confirm_return", order=order)
        if intent == "track_order":
            return self.tracking(data, order)
        if intent == "order_details":
            return self.details(data, order)
        return self.done(intent, data, order)

    def confirmed(self, intent: str, slots: dict[str, Any]) -> Steps:
        args = {**{k: v for k, v in slots.items() if k in ("order_number", "reason")}, "confirmed": True}
        called = self.call(ORDER_TOOLS.get(intent, "cancel_order"), args)
        yield called
        if not called.result.ok:
            if called.result.code == "confirmation_declined":
                return self.kept(intent, slots)
            return self.order_failed(intent, slots, called.result.code, MAX_SLOT_TRIES, called.result.data)
        return self.done(intent, called.result.data, slots.get("order_number", ""))

    def kept(self, intent: str, slots: dict[str, Any]) -> Say:
        self.ctx.state.pop("pending_confirmation", None)
        return self.line("cancel_kept" if intent == "cancel_order" else "return_kept", order=slots.get("order_number", ""))

    def done(self, intent: str, data: dict[str, Any], order: str) -> Say:
        order = data.get("order_number") or order
        if intent == "cancel_order" and data.get("cancelled"):
            out = self.line("cancelled", order=order)
            if r.positive(data.get("refund_amount")):
                out = out.then(self.line("cancelled_refund", amount=r.inr(data["refund_amount"])))
            return out
        if intent == "initiate_return" and data.get("return_number"):
            return self.line("return_created", ret=data["return_number"], order=order)
        return self.line("tool_error")

    def order_failed(self, intent: str, slots: dict[str, Any], code: str, tries: int, details: dict | None = None) -> Say:
        details = details or {}
        subject = slots.get("order_number") or slots.get("return_number", "")
        slots = {k: v for k, v in slots.items() if k not in ("phone", "last4")}
        if code == "verification_required":
            self.wait_for(intent, slots, "phone", gave="order_number")
            return self.ask_phone(subject)
        if code == "verification_failed":
            if tries + 1 >= MAX_SLOT_TRIES:
                return self.line("verification_locked")
            self.wait_for(intent, slots, "phone", tries + 1, gave="phone")
            return self.line("verification_failed")
        if code == "verification_locked":
            return self.line("verification_locked")
        if code in ("order_not_found", "return_not_found"):
            self.ctx.state.pop("order_in_focus", None)
            slot = "order_number" if code == "order_not_found" else "return_number"
            if tries + 1 < MAX_SLOT_TRIES:
                self.wait_for(intent, {k: v for k, v in slots.items() if k != slot}, slot, tries + 1)
            return self.line(code, order=subject, ret=subject)
        if code == "return_window_expired" and details.get("window_days"):
            return self.line("return_window_days", order=subject, days=details["window_days"])
        if code == "return_quantity_exceeded" and details.get("returns"):
            return self.line("return_already_requested", order=subject, ret=", ".join(details["returns"]))
        if code == "order_already_returned":
            return self.line("order_already_returned", order=subject)
        if code == "order_already_cancelled":
            out = self.line("order_already_cancelled", order=subject)
            if r.positive(details.get("refund_amount")):
                out = out.then(self.line("order_refund", amount=r.inr(details["refund_amount"]),
                                         method=details.get("payment_method", "")))
            return out
        messages = {"order_not_cancellable": "not_cancellable", "return_order_not_delivered": "return_not_delivered",
                    "return_window_expired": "return_window_expired", "confirmation_required": "confirmation_expired",
                    "return_quantity_exceeded": "return_nothing_left"}
        return self.line(messages.get(code, "tool_error"), order=subject, ret="", days="")

    def tracking(self, data: dict[str, Any], order: str) -> Say:
        order = data.get("order_number") or order
        status = r.order_status(data.get("status", ""), self.lang, data.get("status_label", ""))
        head = self.say("track_status", order=order, status=status)
        moving = data.get("status") not in ("delivered", "cancelled", "returned")
        extra = []
        if data.get("carrier") and moving:
            extra.append(self.say("track_carrier", carrier=data["carrier"], tracking=data.get("tracking_number") or "-"))
        eta = data.get("expected_delivery") if moving else None
        if eta:
            extra.append(self.say("track_expected", date=r.date(eta, self.lang)))
        event = data.get("last_event") or {}
        if event.get("description"):
            location = event.get("location") or ""
            # Carriers often name the place in the description already ("arrived at Pune hub").
            where = (f"{event['description']}, {location}"
                     if location and location.lower() not in event["description"].lower() else event["description"])
            extra.append(self.say("track_last_event", event=where))
        refund = []
        if r.positive(data.get("refund_amount")):
            refund = [self.say("order_refund", amount=r.inr(data["refund_amount"]), method=data.get("payment_method", ""))]
        text = [head, *refund] + ([" ".join(extra)] if extra else [])
        spoken = [head, *refund]
        if eta:
            spoken.append(self.say("track_eta_spoken", date=r.date(eta, self.lang)))
        if extra:
            spoken.append(self.say("offer_tracking"))
            self.offer("tracking", text=" ".join(extra))
        return Say(text, spoken)

    def details(self, data: dict[str, Any], order: str) -> Say:
        items = data.get("items") or []
        status = r.order_status(data.get("status", ""), self.lang, data.get("status_label", ""))
        order = data.get("order_number") or order
        full = [f"{i.get('quantity', 1)} × {i.get('name', '')}" for i in items]
        text = [self.say("order_details", order=order, date=r.date(data.get("placed_at", ""), self.lang),
                         items=r.join(full, self.lang), total=r.inr(data.get("total", "0")), status=status)]
        spoken = [self.say("details_spoken", order=order, items=r.join([r.short_name(i.get("name", "")) for i in items], self.lang),
                           total=r.inr(data.get("total", "0")), status=status)]
        if r.positive(data.get("refund_amount")):
            refund = self.say("order_refund", amount=r.inr(data["refund_amount"]), method=data.get("payment_method", ""))
            text.append(refund)
            spoken.append(refund)
        return Say(text, spoken)

    def return_status(self, slots: dict[str, Any], tries: int) -> Steps:
        ret = slots.get("return_number")
        if not ret:
            self.wait_for("return_status", slots, "return_number")
            return self.line("ask_return_number")
        args = {"return_number": ret}
        if phone := slots.get("phone") or slots.get("last4"):
            args["phone"] = phone
        called = self.call("get_return_status", args)
        yield called
        if not called.result.ok:
            return self.order_failed("return_status", slots, called.result.code, tries, called.result.data)
        data = called.result.data
        status = r.return_status(data.get("status", ""), self.lang, data.get("status_label", ""))
        out = self.line("return_status", ret=data.get("return_number") or ret, order=data.get("order_number", ""), status=status)
        if r.positive(data.get("refund_amount")):
            out = out.then(self.line("return_refund", amount=r.inr(data["refund_amount"])))
        return out

    # --- products ---------------------------------------------------------------------------

    def search(self, slots: dict[str, Any]) -> Steps:
        query = (slots.get("query") or "").strip()
        if not query and "max_price" not in slots and "min_price" not in slots:
            self.wait_for("search_products", slots, "query")
            return self.line("ask_query")
        args: dict[str, Any] = {"query": query}
        args.update({k: slots[k] for k in ("min_price", "max_price") if k in slots})
        called = self.call("search_products", args)
        yield called
        products = (called.result.data.get("products") or []) if called.result.ok else []
        nouns = [w for w in query.split() if w in PRODUCT_WORDS]
        if called.result.ok and not products and nouns and nouns != query.split():
            # "noise cancelling earbuds" found nothing: the earbuds themselves may still be there.
            called = self.call("search_products", {**args, "query": " ".join(nouns)})
            yield called
            products = (called.result.data.get("products") or []) if called.result.ok else []
        if not called.result.ok:
            return self.line("tool_error")
        if not products:
            return self.line("search_none", query=query or r.inr(slots.get("max_price") or slots.get("min_price")))
        self.memory["last_products"] = [{"sku": p.get("sku"), "price": p.get("price")} for p in products[:5] if p.get("sku")]
        data = called.result.data
        count, complete = data.get("count") or len(products), data.get("complete", True)
        # The text names the best three with price and stock; the voice the best two, by short name.
        return Say(r.search_results(products, count, self.lang, complete=complete),
                   r.search_results(products, count, self.lang, spoken=True, complete=complete))

    def pick(self, ordinal: int | None, cheaper: bool, costlier: bool) -> str | None:
        """The SKU a shopper points at in the last list: "the second one", "the cheaper one"."""
        listed = [p for p in self.memory.get("last_products") or [] if isinstance(p, dict) and p.get("sku")]
        if ordinal and 0 < ordinal <= len(listed):
            return listed[ordinal - 1]["sku"]
        priced = [p for p in listed[:3] if _price(p) is not None]
        if priced and cheaper:
            return min(priced, key=_price)["sku"]
        if priced and costlier:
            return max(priced, key=_price)["sku"]
        return None

    def product(self, slots: dict[str, Any]) -> Steps:
        sku = slots.get("sku")
        if not sku and slots.get("ordinal"):
            sku = self.pick(slots["ordinal"], False, False)
        if not sku and slots.get("query"):
            found = self.call("search_products", {"query": slots["query"]})
            yield found
            products = found.result.data.get("products") or [] if found.result.ok else []
            if not products:
                return self.line("search_none", query=slots["query"])
            sku = products[0].get("sku")
        if not sku:
            return self.line("pick_product")
        called = self.call("get_product_details", {"sku": sku})
        yield called
        if not called.result.ok:
            return self.line("product_not_found" if called.result.code in ("product_not_found", "not_found") else "tool_error")
        p = called.result.data.get("product") or {}
        stock = self.say("product_in_stock" if p.get("in_stock") else "product_out_of_stock")
        text = [self.say("product_details", name=p.get("name", ""), brand=p.get("brand", ""), price=r.inr(p.get("price", ""))), stock]
        spoken = [self.say("product_details", name=r.short_name(p.get("name", "")), brand=p.get("brand", ""),
                           price=r.inr(p.get("price", ""))), stock]
        return Say(text, spoken)

    # --- the shop's words -------------------------------------------------------------------

    def faq(self, query: str, more: bool = False) -> Steps:
        called = self.call("search_faqs", {"query": query[:200]})
        yield called
        faqs = called.result.data.get("faqs") or [] if called.result.ok else []
        if not faqs:
            return self.line("faq_none")
        sentences = r.sentences(faqs[0].get("answer", ""))
        if more:
            return Say(sentences[1:] or sentences)
        spoken = first_answer(sentences, self.lang)
        if len(sentences) > len(spoken):
            self.offer("faq", query=query[:200])
            spoken = [*spoken, self.say("offer_more")]
        return Say(sentences, spoken)

    def policy(self, slots: dict[str, Any], more: bool = False) -> Steps:
        kind = slots.get("policy_kind")
        if not kind:
            self.wait_for("policy", slots, "policy_kind")
            return self.line("ask_policy_kind")
        called = self.call("get_policy", {"kind": kind})
        yield called
        if not called.result.ok:
            return self.line("policy_none")
        data = called.result.data
        sentences = r.sentences(data.get("text", "")) or [self.say("policy_none")]
        if more:
            return Say(sentences[1:] or sentences)
        spoken = first_answer(sentences, self.lang)
        if len(sentences) > len(spoken):
            self.offer("policy", policy_kind=kind)
            spoken = [*spoken, self.say("offer_policy")]
        if data.get("title"):
            sentences = [f"{data['title']}: {sentences[0]}", *sentences[1:]]
        return Say(sentences, spoken)


def first_answer(sentences: list[str], language: str) -> list[str]:
    """The answer first: the first sentence, cut at a clause boundary if it is too long to say."""
    if not sentences:
        return []
    first = sentences[0]
    if len(first) > SPOKEN_SENTENCE_CHARS:
        cut = max(first.rfind(sep, 0, SPOKEN_SENTENCE_CHARS + 20) for sep in ("; ", ": ", ", "))
        if cut > 40:
            first = first[:cut].rstrip(",;: ") + ("।" if language in ("hi", "bn") else ".")
    return [first]


def _price(product: dict[str, Any]) -> float | None:
    try:
        return float(product.get("price"))
    except (TypeError, ValueError):
        return None


def _storable(slots: dict[str, Any]) -> dict[str, Any]:
    """What may be saved on the conversation: never a phone number."""
    return {k: v for k, v in slots.items() if k not in ("phone", "last4") and isinstance(v, (str, int, float, bool))}


def _summary(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:300] or "-"
