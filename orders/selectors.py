"""Order and return reads. Numbers are accepted the way people say or type them
("ORD-1042", "ord 1042", "#1042", "1042"); phones in any format crm.phones understands."""

import re
import unicodedata

from django.db.models import Prefetch, Q, QuerySet

from crm.models import Customer
from crm.phones import phone_normalize
from voxsite.core.errors import NotFound

from .models import Order, Return, ReturnItem, TrackingEvent

_NUMBER = re.compile(r"^\s*#?\s*(?P<prefix>[a-z]{3})?[\s\-_#:]*(?P<digits>\d{1,12})\s*$", re.IGNORECASE)


def public_number(raw: str, prefix: str) -> str | None:
    """'ord 1042' -> 'ORD-1042'; None when it cannot be one of ours (other prefix, no digits)."""
    match = _NUMBER.match(raw or "")
    if not match:
        return None
    if match["prefix"] and match["prefix"].upper() != prefix:
        return None
    return f"{prefix}-{int(match['digits'])}"


def _phone_filter(phone: str, *, field: str = "") -> Q:
    """Orders whose customer phone or shipping phone is this phone. Raises ValueError (from
    phone_normalize) for something that is not a phone number."""
    e164 = phone_normalize(phone)
    return Q(**{f"{field}customer__phone": e164}) | Q(**{f"{field}shipping_phone": e164})


def order_list(
    *, customer_phone: str | None = None, status: str | None = None, customer: Customer | int | None = None,
    customer_id: str | None = None,
) -> QuerySet[Order]:
    """Newest first, with the customer joined and the items prefetched. `customer` is a Customer
    (or its pk); `customer_id` is the integrator's public id (cust_123). An unparseable phone
    raises ValueError."""
    qs = Order.objects.select_related("customer").prefetch_related("items")
    if customer_phone:
        qs = qs.filter(_phone_filter(customer_phone))
    if status:
        qs = qs.filter(status=status)
    if customer is not None:
        qs = qs.filter(customer=customer)
    if customer_id:
        qs = qs.filter(customer__customer_id=customer_id)
    return qs.order_by("-placed_at", "-id")


def order_get(*, number: str, with_history: bool = False) -> Order:
    """One order by its public number, customer joined and items prefetched. `with_history` also
    prefetches tracking events, status events and returns with their items (the detail page)."""
    public = public_number(number, "ORD")
    prefetch: list = ["items"]
    if with_history:
        prefetch += [
            "tracking_events",
            "events",
            Prefetch("returns", queryset=Return.objects.prefetch_related(
                Prefetch("items", queryset=ReturnItem.objects.select_related("order_item").order_by("id"))
            )),
        ]
    try:
        if public is None:
            raise Order.DoesNotExist
        return Order.objects.select_related("customer").prefetch_related(*prefetch).get(number=public)
    except Order.DoesNotExist:
        raise NotFound(f"No order {str(number).strip()[:40]}.", code="order_not_found") from None


def _digits(value: str) -> str:
    # Devanagari or Bengali digits from a voice transcript count as digits too.
    return "".join(str(unicodedata.decimal(ch)) for ch in value or "" if ch.isdecimal())


def order_verify_contact(*, order: Order, phone: str) -> bool:
    """Does the caller know the order's phone? The full number in any format, or exactly its last
    4 digits, matched against the customer's phone and the shipping phone."""
    known = [p for p in (order.customer.phone, order.shipping_phone) if p]
    given = (phone or "").strip()
    if not given or not known:
        return False
    given_digits = _digits(given)
    if len(given_digits) == 4 and re.fullmatch(r"[\d\s\-]+", given):
        return any(_digits(p)[-4:] == given_digits for p in known)
    try:
        e164 = phone_normalize(given)
    except ValueError:
        return False
    for p in known:
        try:
            if phone_normalize(p) == e164:
                return True
        except ValueError:
            continue
    return False


def order_tracking(*, order: Order) -> list[TrackingEvent]:
    """The carrier's events, oldest first (uses the prefetch when the order has one)."""
    return list(order.tracking_events.all())


def _returns_base() -> QuerySet[Return]:
    return Return.objects.select_related("order", "order__customer").prefetch_related(
        Prefetch("items", queryset=ReturnItem.objects.select_related("order_item").order_by("id"))
    )


def return_get(*, number: str, with_history: bool = False) -> Return:
    """One return by its public number (RET-2001, "ret 2001", "2001"), order and items loaded;
    `with_history` also prefetches its status events."""
    public = public_number(number, "RET")
    qs = _returns_base()
    if with_history:
        qs = qs.prefetch_related("events")
    try:
        if public is None:
            raise Return.DoesNotExist
        return qs.get(number=public)
    except Return.DoesNotExist:
        raise NotFound(f"No return {str(number).strip()[:40]}.", code="return_not_found") from None


def return_list(
    *, order: Order | str | None = None, status: str | None = None, customer_phone: str | None = None,
) -> QuerySet[Return]:
    """Newest first. `order` is an Order or an order number in any accepted form (an unknown or
    malformed number matches nothing). An unparseable phone raises ValueError."""
    qs = _returns_base()
    if isinstance(order, Order):
        qs = qs.filter(order=order)
    elif order:
        public = public_number(order, "ORD")
        qs = qs.filter(order__number=public) if public else qs.none()
    if status:
        qs = qs.filter(status=status)
    if customer_phone:
        qs = qs.filter(_phone_filter(customer_phone, field="order__"))
    return qs.order_by("-requested_at", "-id")

