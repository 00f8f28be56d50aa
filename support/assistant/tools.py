"""The agent's tools: one registry, each tool a typed function with a JSON schema.

Identity, eligibility and confirmation are enforced HERE, not in the brains, so that no phrasing
that gets past a language model (or the offline rules) can reveal or change another customer's
order (tau-bench's retail rules):
- every order/return tool first resolves the order through `_authorise_order`;
- a write is checked for eligibility (status, return window, already returned) BEFORE the
  shopper is asked to confirm it, so nobody is asked to confirm something that will be refused;
- cancel/return act only when the same action on the same order was put to the shopper on an
  earlier turn (at most CONFIRMATION_TURNS ago) and the shopper's words this turn say yes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from django.db import transaction

from catalog.models import FAQ
from catalog.selectors import faq_search, policy_get, product_get, product_search
from crm.services import crm_record_create
from orders.selectors import order_tracking, return_get
from orders.services import CANCELLABLE, order_cancel, return_check_allowed, return_create
from support.conversations.models import Conversation
from support.conversations.services.lifecycle import conversation_handoff
from voxsite.core.errors import DomainError

from .brain import ToolCalled, ToolResult, TurnContext
from .rules import CONFIRMATION_TURNS, MAX_VERIFY_FAILURES, ToolError, authorise_order, require_confirmation  # noqa: F401


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    func: Callable[[TurnContext, dict[str, Any]], dict[str, Any]]
    # Tools that change the shop's data run in a transaction of their own; readers do not, so a
    # lookup never takes the database's write lock (SQLite's BEGIN IMMEDIATE takes it at once).
    writes: bool = False

    def spec(self) -> dict[str, Any]:
        return {"type": "function", "function": {"name": self.name, "description": self.description, "parameters": self.parameters}}


def _schema(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


STR = {"type": "string", "maxLength": 200}
PHONE = {"type": "string", "maxLength": 20, "description": "The phone number on the order, or its last 4 digits, as the shopper said it."}
ORDER_NO = {"type": "string", "maxLength": 20, "description": "Order number, e.g. ORD-1042."}
CONFIRMED = {"type": "boolean", "description": "true only after the shopper explicitly said yes to the confirmation question."}


def validate_arguments(schema: dict[str, Any], args: Any) -> dict[str, Any]:
    """A small JSON-schema subset (object of scalars): types, enum, required, maxLength, no extras.
    Numeric strings are accepted for numbers because models often send "2000"."""
    if not isinstance(args, dict):
        raise ToolError("invalid_arguments", "Arguments must be a JSON object.")
    props = schema.get("properties", {})
    extra = set(args) - set(props)
    if extra:
        raise ToolError("invalid_arguments", f"Unknown argument(s): {', '.join(sorted(extra))}.")
    missing = [name for name in schema.get("required", []) if args.get(name) in (None, "")]
    if missing:
        raise ToolError("invalid_arguments", f"Missing required argument(s): {', '.join(missing)}.")
    clean: dict[str, Any] = {}
    for name, value in args.items():
        if value is None:
            continue
        rule = props[name]
        kind = rule.get("type")
        if kind == "string":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str):
                raise ToolError("invalid_arguments", f"{name} must be a string.")
            value = value.strip()
            if len(value) > rule.get("maxLength", 1000):
                raise ToolError("invalid_arguments", f"{name} is too long.")
        elif kind == "number":
            try:
                value = Decimal(str(value).replace(",", "").replace("₹", "").strip())
            except InvalidOperation:
                raise ToolError("invalid_arguments", f"{name} must be a number.")
            if not value.is_finite() or value < 0:
                raise ToolError("invalid_arguments", f"{name} must be a non-negative number.")
        elif kind == "boolean":
            if isinstance(value, str) and value.lower() in ("true", "false"):
                value = value.lower() == "true"
            if not isinstance(value, bool):
                raise ToolError("invalid_arguments", f"{name} must be true or false.")
        if "enum" in rule and value not in rule["enum"]:
            raise ToolError("invalid_arguments", f"{name} must be one of: {', '.join(rule['enum'])}.")
        clean[name] = value
    return clean


def _money(value) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


# ---------------------------------------------------------------------------
# Tools


SEARCH_LISTED = 5


def search_products(ctx: TurnContext, args: dict) -> dict:
    results = product_search(
        query=args.get("query", ""), category=args.get("category"), min_price=args.get("min_price"),
        max_price=args.get("max_price"), in_stock=args.get("in_stock"),
    )
    products = list(results[:SEARCH_LISTED])
    complete = results.complete
    out: dict[str, Any] = {
        # Products matching every searched word; when none does, the closest ones.
        "count": complete or results.count(),
        "complete": bool(complete) or not products,
        "products": [
            {"sku": p.sku, "name": p.name, "brand": p.brand, "price": _money(p.price), "in_stock": p.in_stock,
             "category": p.category.name, "matched": getattr(p, "search_matches", [])}
            for p in products
        ],
    }
    outcome = results.outcome
    if outcome is not None:
        # What the shopper's words meant beyond the product: the filters read from them.
        said = {"min_price": _money(outcome.parsed.min_price), "max_price": _money(outcome.parsed.max_price),
                "in_stock": outcome.parsed.in_stock, "cheapest_first": outcome.parsed.cheap or None}
        if understood := {k: v for k, v in said.items() if v is not None}:
            out["understood"] = understood
        if results.ignored:
            out["not_in_catalog"] = results.ignored
    return out


def get_product_details(ctx: TurnContext, args: dict) -> dict:
    p = product_get(sku=args["sku"])
    return {
        "product": {
            "sku": p.sku, "name": p.name, "brand": p.brand, "price": _money(p.price), "stock": p.stock,
            "in_stock": p.in_stock, "attributes": p.attributes, "description": p.description[:300],
            "category": p.category.name,
        }
    }


def _refund_facts(order) -> dict:
    """What was refunded on an order (cancelled or returned), so "where is my refund for ORD-1020?"
    has an answer without a return number."""
    if not order.amount_refunded:
        return {}
    return {"refund_amount": _money(order.amount_refunded), "payment_method": order.get_payment_method_display()}


def track_order(ctx: TurnContext, args: dict) -> dict:
    order = authorise_order(ctx, args["order_number"], args.get("phone"))
    events = order_tracking(order=order)
    last = events[-1] if events else None
    ctx.state["order_in_focus"] = order.number
    return {
        "order_number": order.number, "status": order.status, "status_label": order.get_status_display(),
        "carrier": order.carrier, "tracking_number": order.tracking_number,
        "expected_delivery": order.expected_delivery.isoformat() if order.expected_delivery else None,
        "last_event": (
            {"description": last.description, "location": last.location, "time": last.occurred_at.isoformat()}
            if last else None
        ),
        **_refund_facts(order),
    }


def get_order_details(ctx: TurnContext, args: dict) -> dict:
    order = authorise_order(ctx, args["order_number"], args.get("phone"))
    ctx.state["order_in_focus"] = order.number
    return {
        "order_number": order.number, "status": order.status, "status_label": order.get_status_display(),
        "placed_at": order.placed_at.date().isoformat(),
        "items": [{"name": i.name, "quantity": i.quantity, "unit_price": _money(i.unit_price)} for i in order.items.all()],
        "total": _money(order.total), "payment_method": order.get_payment_method_display(), "city": order.shipping_city,
        **_refund_facts(order),
    }


def cancel_order(ctx: TurnContext, args: dict) -> dict:
    order = authorise_order(ctx, args["order_number"], args.get("phone"))
    if order.status == order.Status.CANCELLED:
        raise ToolError("order_already_cancelled", f"Order {order.number} is already cancelled.", order_number=order.number,
                        **_refund_facts(order))
    if order.status not in CANCELLABLE:
        raise ToolError(
            "order_not_cancellable",
            f"Order {order.number} is {order.get_status_display().lower()}; only orders that have not shipped can be cancelled.",
            order_number=order.number, status=order.status,
        )
    ask = require_confirmation(
        ctx, "cancel_order", order.number, bool(args.get("confirmed")),
        f"Cancel order {order.number} ({order.items.count()} item(s), total ₹{order.total})",
    )
    if ask is not None:
        return {**ask, "order_number": order.number}
    order = order_cancel(order=order, actor=f"agent:{ctx.conversation_id}", reason=args.get("reason") or "cancelled by shopper via assistant")
    return {"cancelled": True, "order_number": order.number, "status": order.status, "refund_amount": _money(order.amount_refunded)}


def initiate_return(ctx: TurnContext, args: dict) -> dict:
    order = authorise_order(ctx, args["order_number"], args.get("phone"))
    if order.status == order.Status.RETURNED:
        raise ToolError("order_already_returned", f"Order {order.number} has already been returned.",
                        order_number=order.number, **_refund_facts(order))
    try:
        # Before the question: nobody is asked to confirm a return that would be refused.
        return_check_allowed(order=order)
    except DomainError as exc:
        raise ToolError(exc.code, exc.message, order_number=order.number, **_details(exc.extra)) from None
    reason = args.get("reason") or "other"
    ask = require_confirmation(
        ctx, "initiate_return", order.number, bool(args.get("confirmed")),
        f"Start a return for order {order.number} (reason: {reason.replace('_', ' ')})",
    )
    if ask is not None:
        return {**ask, "order_number": order.number}
    ret = return_create(order=order, reason=reason, actor=f"agent:{ctx.conversation_id}", reason_detail="requested via assistant")
    return {"return_number": ret.number, "status": ret.status, "order_number": order.number}


def _details(extra: dict) -> dict:
    """A domain error's details as the model may see them (JSON scalars and lists of them)."""
    return {k: v for k, v in extra.items() if isinstance(v, (str, int, float, bool, list)) and k != "allowed"}


def get_return_status(ctx: TurnContext, args: dict) -> dict:
    try:
        ret = return_get(number=args["return_number"])
    except DomainError:
        ret = None
    if ret is None:
        # Same answer as a mismatch for anonymous shoppers: no existence leak.
        if ctx.customer_id is None and not args.get("phone"):
            raise ToolError("verification_required", "Ask for the phone number on the order first.")
        raise ToolError("return_not_found", f"No return {args['return_number']} matches.")
    authorise_order(ctx, ret.order.number, args.get("phone"))
    return {
        "return_number": ret.number, "status": ret.status, "status_label": ret.get_status_display(),
        "order_number": ret.order.number, "refund_amount": _money(ret.refund_amount),
    }


def search_faqs(ctx: TurnContext, args: dict) -> dict:
    faqs = list(faq_search(query=args["query"], language=ctx.language, limit=3))[:3]
    # The match may come from another language's wording (an English query in a Hindi chat):
    # answer with the same FAQ's translation in the conversation's language when there is one.
    foreign = {f.key for f in faqs if f.language != ctx.language}
    translated = {f.key: f for f in FAQ.objects.filter(key__in=foreign, language=ctx.language, active=True)} if foreign else {}
    faqs = [translated.get(f.key, f) for f in faqs]
    return {"faqs": [{"question": f.question, "answer": f.answer} for f in faqs]}


def get_policy(ctx: TurnContext, args: dict) -> dict:
    p = policy_get(kind=args["kind"], language=ctx.language)
    return {"kind": p.kind, "title": p.title, "text": p.text, "return_window_days": p.return_window_days}


def _conversation_and_customer(ctx: TurnContext):
    conv = Conversation.objects.filter(pk=ctx.conversation_id).select_related("customer").first()
    return conv, (conv.customer if conv else None)


def create_crm_record(ctx: TurnContext, args: dict) -> dict:
    conv, customer = _conversation_and_customer(ctx)
    record = crm_record_create(
        scenario=args["scenario"], intent=args.get("intent", ""), priority=args.get("priority", "medium"),
        summary=args.get("summary", "")[:300], payload={"source": "assistant", "language": ctx.language, **args},
        customer=customer, conversation=conv,
    )
    return {"crm_record_id": record.pk}


def handoff_to_human(ctx: TurnContext, args: dict) -> dict:
    conv, _ = _conversation_and_customer(ctx)
    if conv is None:
        raise ToolError("conversation_not_found", "This conversation is not stored; cannot hand off.")
    record = conversation_handoff(conversation=conv, reason=args["reason"], language=ctx.language)
    ctx.state["handed_off"] = True
    return {"crm_record_id": record.pk, "status": "handed_off"}


REASONS = ["damaged", "wrong_item", "size_fit", "not_as_described", "changed_mind", "other"]
POLICY_KINDS = ["returns", "refunds", "shipping", "cancellation", "warranty", "privacy"]

TOOLS: list[Tool] = [
    Tool("search_products", "Search the shop's catalog. Use for any product question. Results are ranked, each "
         "with why it matched; name the two or three best with price and stock.", _schema({
        "query": {**STR, "description": "What the shopper is looking for, in their own words and language, e.g. "
                                        "'cotton kurta', 'सस्ता फोन', 'কম দামে জুতো'; price and stock words work "
                                        "as filters."},
        "category": STR, "min_price": {"type": "number"}, "max_price": {"type": "number", "description": "Price limit in INR."},
        "in_stock": {"type": "boolean"},
    }, ("query",)), search_products),
    Tool("get_product_details", "Full details of one product by SKU.", _schema({"sku": STR}, ("sku",)), get_product_details),
    Tool("track_order", "Where an order is: status, carrier and latest tracking event. Needs the phone on the order unless already verified.",
         _schema({"order_number": ORDER_NO, "phone": PHONE}, ("order_number",)), track_order),
    Tool("get_order_details", "Items, total and payment of an order. Needs verification like track_order.",
         _schema({"order_number": ORDER_NO, "phone": PHONE}, ("order_number",)), get_order_details),
    Tool("cancel_order", "Cancel an order that has not shipped. First call without confirmed to get the confirmation question; "
         "call again with confirmed=true only after the shopper says yes in a later message.",
         _schema({"order_number": ORDER_NO, "phone": PHONE, "confirmed": CONFIRMED, "reason": STR}, ("order_number",)), cancel_order, writes=True),
    Tool("search_faqs", "Search frequently asked questions (payments, delivery, account, offers...).",
         _schema({"query": STR}, ("query",)), search_faqs),
    Tool("initiate_return", "Start a return for a delivered order inside the return window (checked before the confirmation "
         "question: a refusal says why). Confirmation works like cancel_order.",
         _schema({"order_number": ORDER_NO, "phone": PHONE, "reason": {"type": "string", "enum": REASONS}, "confirmed": CONFIRMED},
                 ("order_number",)), initiate_return, writes=True),
    Tool("get_return_status", "Status of a return by its number (e.g. RET-2001). Needs verification of its order.",
         _schema({"return_number": {"type": "string", "maxLength": 20}, "phone": PHONE}, ("return_number",)), get_return_status),
    Tool("get_policy", "The shop's policy text (returns, refunds, shipping, cancellation, warranty, privacy).",
         _schema({"kind": {"type": "string", "enum": POLICY_KINDS}}, ("kind",)), get_policy),
    Tool("create_crm_record", "Record a support ticket (complaint, billing problem, request) for the support team.",
         _schema({"scenario": {**STR, "description": "e.g. billing, order_issue, product_issue, delivery, general"},
                  "intent": STR, "summary": {"type": "string", "maxLength": 300},
                  "priority": {"type": "string", "enum": ["low", "medium", "high", "urgent"]}}, ("scenario", "summary")),
         create_crm_record, writes=True),
    Tool("handoff_to_human", "Hand the conversation to a human agent when the shopper asks for one or you cannot help.",
         _schema({"reason": {"type": "string", "maxLength": 300}}, ("reason",)), handoff_to_human, writes=True),
]


class ToolRegistry:
    def __init__(self, tools: list[Tool]):
        self._tools = {t.name: t for t in tools}

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def writes(self, name: str) -> bool:
        tool = self._tools.get(name)
        return tool is not None and tool.writes

    def specs(self) -> list[dict[str, Any]]:
        return [t.spec() for t in self._tools.values()]

    def call(self, name: str, arguments: Any, ctx: TurnContext) -> ToolCalled:
        start = time.perf_counter()
        args = arguments if isinstance(arguments, dict) else {"_raw": arguments}
        tool = self._tools.get(name)
        try:
            if tool is None:
                raise ToolError("unknown_tool", f"There is no tool named {name!r}.")
            clean = validate_arguments(tool.parameters, arguments)
            if tool.writes:
                # A failure leaves nothing half-written.
                with transaction.atomic():
                    data = tool.func(ctx, clean)
            else:
                data = tool.func(ctx, clean)
            result = ToolResult(ok=True, data=data)
        except ToolError as exc:
            result = ToolResult(ok=False, data=exc.details, error=exc.message, code=exc.code)
        except DomainError as exc:
            result = ToolResult(ok=False, data=_details(exc.extra), error=exc.message, code=exc.code)
        return ToolCalled(name=name, arguments=args, result=result, latency_ms=(time.perf_counter() - start) * 1000)


def default_tools() -> ToolRegistry:
    return ToolRegistry(TOOLS)
