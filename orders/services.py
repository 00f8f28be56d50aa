"""Order and return writes. Every status change goes through `_transition`: an allowed-transitions
table, a row lock (select_for_update), and an event row per change."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone

from catalog.models import Policy
from voxsite.core.errors import InvalidTransition, RuleViolation

from .models import Order, OrderEvent, Return, ReturnEvent, ReturnItem

S = Order.Status
R = Return.Status

ORDER_TRANSITIONS: dict[str, set[str]] = {
    S.PLACED: {S.CONFIRMED, S.CANCELLED},
    S.CONFIRMED: {S.PACKED, S.CANCELLED},
    S.PACKED: {S.SHIPPED, S.CANCELLED},
    S.SHIPPED: {S.OUT_FOR_DELIVERY, S.DELIVERED},
    S.OUT_FOR_DELIVERY: {S.DELIVERED},
    S.DELIVERED: {S.RETURNED},
    S.CANCELLED: set(),
    S.RETURNED: set(),
}
CANCELLABLE = frozenset(s for s, targets in ORDER_TRANSITIONS.items() if S.CANCELLED in targets)

RETURN_TRANSITIONS: dict[str, set[str]] = {
    R.REQUESTED: {R.APPROVED, R.REJECTED, R.CANCELLED},
    R.APPROVED: {R.PICKED_UP, R.REFUNDED, R.CANCELLED},
    R.PICKED_UP: {R.REFUNDED},
    R.REJECTED: set(),
    R.REFUNDED: set(),
    R.CANCELLED: set(),
}
OPEN_RETURN_STATUSES = (R.REQUESTED, R.APPROVED, R.PICKED_UP)
DEFAULT_RETURN_WINDOW_DAYS = 7


def _locked_order(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _locked_return(ret: Return) -> Return:
    return Return.objects.select_for_update().get(pk=ret.pk)


def _transition(order: Order, to_status: str, *, actor: str, reason: str = "") -> Order:
    """Change status on a row already locked by the caller; writes the event row."""
    if to_status not in ORDER_TRANSITIONS[order.status]:
        raise InvalidTransition(
            f"Order {order.number} cannot go from {order.status} to {to_status}.",
            code="order_invalid_transition", from_status=order.status, to_status=to_status,
        )
    from_status = order.status
    order.status = to_status
    if to_status == S.DELIVERED and order.delivered_at is None:
        order.delivered_at = timezone.now()
    order.full_clean()
    order.save()
    OrderEvent.objects.create(order=order, from_status=from_status, to_status=to_status, actor=actor, reason=reason[:300])
    return order


@transaction.atomic
def order_transition(*, order: Order, to_status: str, actor: str, reason: str = "") -> Order:
    return _transition(_locked_order(order), to_status, actor=actor, reason=reason)


@transaction.atomic
def order_cancel(*, order: Order, actor: str, reason: str = "") -> Order:
    """Cancel before shipping only. The lock makes two concurrent cancels serialise: one wins,
    the other sees `cancelled` and is refused."""
    locked = _locked_order(order)
    if locked.status not in CANCELLABLE:
        code = "order_already_cancelled" if locked.status == S.CANCELLED else "order_not_cancellable"
        raise InvalidTransition(
            f"Order {locked.number} is {locked.get_status_display().lower()} and can no longer be cancelled; "
            "orders can be cancelled only before they ship.",
            code=code, status=locked.status,
        )
    _transition(locked, S.CANCELLED, actor=actor, reason=reason or "cancelled")
    if locked.amount_paid > locked.amount_refunded:
        # A prepaid cancelled order is refunded in full.
        locked.amount_refunded = locked.amount_paid
        locked.full_clean()
        locked.save(update_fields=["amount_refunded", "updated_at"])
    return locked


def return_window_days(*, language: str = "en") -> int:
    """The returns policy's window: the policy in `language` if it has one, else English, else any."""
    windows = dict(
        Policy.objects.filter(kind=Policy.Kind.RETURNS, return_window_days__isnull=False)
        .values_list("language", "return_window_days")
    )
    for lang in (language, "en"):
        if lang in windows:
            return windows[lang]
    return min(windows.values(), default=DEFAULT_RETURN_WINDOW_DAYS)


def _next_number(model, prefix: str, start: int) -> str:
    """Next PREFIX-<n>: the numerically largest existing number plus one (longest first, so
    RET-10000 sorts above RET-9999 without casting)."""
    last = (
        model.objects.filter(number__regex=rf"^{prefix}-[0-9]+$")
        .annotate(number_length=Length("number"))
        .order_by("-number_length", "-number")
        .values_list("number", flat=True)
        .first()
    )
    current = int(last.split("-", 1)[1]) if last else start - 1
    return f"{prefix}-{current + 1}"


def _save_with_next_number(obj, prefix: str, start: int, attempts: int = 5) -> None:
    """Two concurrent creates can compute the same number; the unique constraint refuses the
    second, which then retries with a fresh number inside a savepoint."""
    for attempt in range(attempts):
        obj.number = _next_number(type(obj), prefix, start)
        try:
            with transaction.atomic():
                obj.save()
            return
        except IntegrityError:
            if attempt == attempts - 1:
                raise


@dataclass(frozen=True)
class ReturnLine:
    order_item_id: int
    quantity: int


def _units_in_returns(order: Order) -> dict[int, int]:
    """Units of each order item already in a return that is open or done (rejected and cancelled
    returns give their units back)."""
    already: dict[int, int] = {}
    for ri in ReturnItem.objects.filter(ret__order=order).exclude(ret__status__in=[R.REJECTED, R.CANCELLED]):
        already[ri.order_item_id] = already.get(ri.order_item_id, 0) + ri.quantity
    return already


def return_check_allowed(*, order: Order, now=None, already: dict[int, int] | None = None) -> None:
    """Raise the RuleViolation a whole-order return would meet, without writing anything: the order
    must be delivered, inside the returns policy's window, and have units not already in a return.
    The assistant checks this BEFORE asking the shopper to confirm a return."""
    now = now or timezone.now()
    if order.status != S.DELIVERED:
        raise RuleViolation(
            f"Order {order.number} is {order.get_status_display().lower()}; only delivered orders can be returned.",
            code="return_order_not_delivered", status=order.status,
        )
    window = return_window_days()
    delivered_at = order.delivered_at or order.updated_at
    if now - delivered_at > timedelta(days=window):
        raise RuleViolation(
            f"Order {order.number} was delivered on {delivered_at:%d %b %Y}; returns are accepted within {window} days of delivery.",
            code="return_window_expired", window_days=window, delivered_on=delivered_at.date().isoformat(),
        )
    already = _units_in_returns(order) if already is None else already
    if all(already.get(item.pk, 0) >= item.quantity for item in order.items.all()):
        open_returns = list(order.returns.exclude(status__in=[R.REJECTED, R.CANCELLED]).order_by("number")
                            .values_list("number", flat=True))
        raise RuleViolation(f"Every item on order {order.number} is already in a return.",
                            code="return_quantity_exceeded", available=0, returns=open_returns)


@transaction.atomic
def return_create(
    *, order: Order, reason: str, actor: str, lines: list[ReturnLine] | None = None, reason_detail: str = "",
    now=None,
) -> Return:
    """Start a return: only for a delivered order, inside the returns policy's window, and not
    for more units than were bought minus those already in an open or finished return."""
    locked = _locked_order(order)
    now = now or timezone.now()
    already = _units_in_returns(locked)
    # Explicit lines are checked unit by unit below; a whole-order return needs a unit left to return.
    return_check_allowed(order=locked, now=now, already={} if lines else already)
    if reason not in Return.Reason.values:
        raise RuleViolation(f"Unknown return reason {reason!r}.", code="return_invalid_reason", allowed=Return.Reason.values)

    items = {i.pk: i for i in locked.items.all()}
    if lines:
        # The same item listed twice counts once, with the quantities added, so a split list
        # cannot return more than was bought.
        wanted: dict[int, int] = {}
        for line in lines:
            if line.quantity < 1:
                raise RuleViolation("Each returned quantity must be at least 1.", code="return_quantity_invalid",
                                    order_item_id=line.order_item_id)
            wanted[line.order_item_id] = wanted.get(line.order_item_id, 0) + line.quantity
    else:
        wanted = {pk: i.quantity - already.get(pk, 0) for pk, i in items.items() if i.quantity > already.get(pk, 0)}
    for item_id, quantity in wanted.items():
        item = items.get(item_id)
        if item is None:
            raise RuleViolation(f"Item {item_id} is not on order {locked.number}.", code="return_item_not_on_order",
                                order_item_id=item_id)
        available = item.quantity - already.get(item.pk, 0)
        if quantity > available:
            raise RuleViolation(
                f"Only {available} of {item.name} can still be returned.", code="return_quantity_exceeded",
                order_item_id=item.pk, available=available,
            )

    ret = Return(
        number="", order=locked, reason=reason, reason_detail=reason_detail[:300],
        status=R.REQUESTED, requested_at=now,
    )
    ret.full_clean(exclude=["number"], validate_unique=False)
    _save_with_next_number(ret, "RET", 2001)
    ReturnItem.objects.bulk_create([ReturnItem(ret=ret, order_item_id=pk, quantity=q) for pk, q in wanted.items()])
    ReturnEvent.objects.create(ret=ret, from_status="", to_status=R.REQUESTED, actor=actor, note=reason_detail[:300])
    return ret


def _check_return_transition(ret: Return, to_status: str) -> None:
    if to_status not in RETURN_TRANSITIONS[ret.status]:
        raise InvalidTransition(
            f"Return {ret.number} cannot go from {ret.status} to {to_status}.",
            code="return_invalid_transition", from_status=ret.status, to_status=to_status,
        )


def _return_transition(ret: Return, to_status: str, *, actor: str, note: str = "") -> Return:
    _check_return_transition(ret, to_status)
    from_status = ret.status
    ret.status = to_status
    ret.full_clean()
    ret.save()
    ReturnEvent.objects.create(ret=ret, from_status=from_status, to_status=to_status, actor=actor, note=note[:300])
    return ret


def return_items_value(*, ret: Return) -> Decimal:
    return sum((ri.order_item.unit_price * ri.quantity for ri in ret.items.select_related("order_item")), Decimal("0.00"))


@transaction.atomic
def return_approve(*, ret: Return, actor: str, note: str = "") -> Return:
    return _return_transition(_locked_return(ret), R.APPROVED, actor=actor, note=note)


@transaction.atomic
def return_reject(*, ret: Return, actor: str, note: str = "") -> Return:
    return _return_transition(_locked_return(ret), R.REJECTED, actor=actor, note=note)


@transaction.atomic
def return_mark_picked_up(*, ret: Return, actor: str, note: str = "") -> Return:
    return _return_transition(_locked_return(ret), R.PICKED_UP, actor=actor, note=note)


@transaction.atomic
def return_cancel(*, ret: Return, actor: str, note: str = "") -> Return:
    return _return_transition(_locked_return(ret), R.CANCELLED, actor=actor, note=note)


@transaction.atomic
def return_refund(*, ret: Return, actor: str, amount: Decimal | None = None, note: str = "") -> Return:
    """Refund a return. The amount defaults to the value of the returned items and never exceeds
    what is still refundable on the order (paid minus already refunded)."""
    # Lock the order before the return, as return_create does, so the two never deadlock.
    order = Order.objects.select_for_update().get(pk=ret.order_id)
    locked_ret = _locked_return(ret)
    # A refused transition answers before the amount is looked at: a rejected return is 409
    # whatever amount was asked for.
    _check_return_transition(locked_ret, R.REFUNDED)
    value = return_items_value(ret=locked_ret)
    amount = Decimal(value if amount is None else amount).quantize(Decimal("0.01"))
    if amount <= 0:
        raise RuleViolation("A refund must be more than zero.", code="refund_not_positive")
    if amount > order.refundable_amount:
        raise RuleViolation(
            f"Refund of ₹{amount} exceeds the ₹{order.refundable_amount} still refundable on {order.number} "
            f"(paid ₹{order.amount_paid}, already refunded ₹{order.amount_refunded}).",
            code="refund_exceeds_paid", refundable=str(order.refundable_amount),
        )
    _return_transition(locked_ret, R.REFUNDED, actor=actor, note=note)
    locked_ret.refund_amount = amount
    locked_ret.save(update_fields=["refund_amount", "updated_at"])
    order.amount_refunded += amount
    order.full_clean()
    order.save(update_fields=["amount_refunded", "updated_at"])
    fully_returned = all(
        ri.quantity <= sum(x.quantity for x in ri.return_items.all() if x.ret.status == R.REFUNDED)
        for ri in order.items.prefetch_related("return_items__ret")
    )
    if fully_returned and order.status == S.DELIVERED:
        _transition(order, S.RETURNED, actor=actor, reason=f"all items refunded ({locked_ret.number})")
    return locked_ret
