"""The shop's rules for any brain (tau-bench's retail policy), enforced inside the tools: verify
identity before disclosing or changing an order, and act on a write only after the shopper said yes
to it on an earlier turn. support.assistant.tools calls these; brains cannot get around them."""

from __future__ import annotations

from orders.selectors import order_get, order_verify_contact
from voxsite.core.errors import DomainError

from .brain import TurnContext
from .offline.yesno import confirmation, confirms

MAX_VERIFY_FAILURES = 5
# A question put to the shopper stays answerable for this many turns (a side question in between
# is fine; a "yes" ten turns later to something else is not an answer to it).
CONFIRMATION_TURNS = 3


class ToolError(Exception):
    def __init__(self, code: str, message: str, **details):
        super().__init__(message)
        self.code, self.message, self.details = code, message, details


def _state_list(ctx: TurnContext, key: str) -> list:
    value = ctx.state.get(key)
    if not isinstance(value, list):
        value = ctx.state[key] = []
    return value


def authorise_order(ctx: TurnContext, order_number: str, phone: str | None):
    """Return the order only if this shopper may see it; otherwise raise a ToolError that reveals
    nothing about the order (not even whether it exists)."""

    try:
        order = order_get(number=order_number)
    except DomainError:
        order = None

    if ctx.customer_id is not None:
        if order is None or order.customer_id != ctx.customer_id:
            raise ToolError("order_not_found", f"No order {order_number} on this customer's account.")
        return order

    if order is not None and order.number in _state_list(ctx, "verified_orders"):
        return order

    if int(ctx.state.get("verify_failures", 0)) >= MAX_VERIFY_FAILURES:
        raise ToolError("verification_locked", "Too many failed verification attempts in this conversation; offer a human agent.")
    if not phone:
        raise ToolError(
            "verification_required",
            "Ask the shopper for the phone number on the order (or its last 4 digits) before sharing anything about it.",
        )
    if order is None or not order_verify_contact(order=order, phone=phone):
        ctx.state["verify_failures"] = int(ctx.state.get("verify_failures", 0)) + 1
        raise ToolError("verification_failed", "The order number and phone number do not match our records.")
    _state_list(ctx, "verified_orders").append(order.number)
    ctx.state["order_in_focus"] = order.number
    return order


def require_confirmation(ctx: TurnContext, action: str, key: str, confirmed: bool, summary: str) -> dict | None:
    """First call: store a pending confirmation and return the question's data. A confirmed call
    proceeds only if the same action on the same object was put to the shopper on an EARLIER turn,
    not more than CONFIRMATION_TURNS ago, and the shopper's words this turn say yes to it."""
    pending = ctx.state.get("pending_confirmation") or {}
    turn = int(ctx.state.get("turn", 0))
    if confirmed:
        asked = int(pending.get("turn", turn))
        if not (pending.get("action") == action and pending.get("key") == key and turn - CONFIRMATION_TURNS <= asked < turn):
            raise ToolError(
                "confirmation_required",
                "The shopper has not confirmed this yet: call without confirmed, ask them, and call again after they say yes.",
            )
        if ctx.text is not None and confirmation(ctx.text) == "no":
            ctx.state.pop("pending_confirmation", None)
            raise ToolError("confirmation_declined", "The shopper said no: nothing was changed. Tell them so.")
        if ctx.text is not None and not confirms(ctx.text, action):
            raise ToolError("confirmation_required",
                            "The shopper's message is not a clear yes to this: ask again and act only after a yes.")
        ctx.state.pop("pending_confirmation", None)
        return None
    ctx.state["pending_confirmation"] = {"action": action, "key": key, "turn": turn}
    return {"needs_confirmation": True, "action": action, "summary": summary}
