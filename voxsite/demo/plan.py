"""Plan the demo orders and returns in memory, before anything touches the database.

The plan is a pure function of the date it is made for: one fixed random.Random(SEED) draws
items, times, carriers and tracking numbers in a fixed order, so every machine gets the same
orders. Times are offsets from local midnight at the start of `today` and always lie before it.
They cannot hang off one fixed calendar date: whether an order may still be returned depends on
how long ago it was delivered, so "delivered 2 days ago" must mean two days before the seeding.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from .catalog_data import PRODUCTS
from .customers import CITIES, CUSTOMERS, WAREHOUSES
from .order_specs import ORDER_SPECS
from .policies import FREE_SHIPPING_FROM, RETURN_WINDOW_DAYS, SHIPPING_FEE

SEED = 1001
FIRST_ORDER, FIRST_RETURN = 1001, 2001
EXAMPLE_ORDER = 1042  # the examples track ORD-1042, so it must be in transit
CARRIERS = ["Delhivery", "Blue Dart", "Ekart", "Xpressbees", "India Post"]
PATH = ["placed", "confirmed", "packed", "shipped", "out_for_delivery", "delivered"]
RETURN_PATHS = {
    "requested": ["requested"],
    "approved": ["requested", "approved"],
    "rejected": ["requested", "rejected"],
    "picked_up": ["requested", "approved", "picked_up"],
    "refunded": ["requested", "approved", "picked_up", "refunded"],
    "cancelled": ["requested", "cancelled"],
}
PAYMENT_NAMES = {"upi": "UPI", "card": "card", "netbanking": "net banking", "wallet": "wallet",
                 "cod": "bank account (cash on delivery order)"}
CENT = Decimal("0.01")
CUSTOMERS_BY_ID = {c["customer_id"]: c for c in CUSTOMERS}


@dataclass
class Track:
    status: str
    description: str
    location: str
    carrier: str
    at: datetime


@dataclass
class Event:
    from_status: str
    to_status: str
    note: str
    at: datetime


@dataclass
class Item:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


@dataclass
class OrderPlan:
    number: str
    customer_id: str
    status: str
    placed_at: datetime
    delivered_at: datetime | None
    expected_delivery: date | None
    carrier: str
    tracking_number: str
    shipping: dict
    payment_method: str
    subtotal: Decimal
    shipping_fee: Decimal
    discount: Decimal
    total: Decimal
    amount_paid: Decimal
    amount_refunded: Decimal
    items: list[Item]
    tracking: list[Track]
    events: list[Event]
    hint: str = ""


@dataclass
class ReturnPlan:
    number: str
    order_number: str
    reason: str
    reason_detail: str
    status: str
    refund_amount: Decimal | None
    requested_at: datetime
    items: list[tuple[str, int]]  # (sku, quantity)
    events: list[Event]


@dataclass
class DemoPlan:
    today: date
    orders: list[OrderPlan] = field(default_factory=list)
    returns: list[ReturnPlan] = field(default_factory=list)


def _tracking_number(rng: random.Random, carrier: str) -> str:
    if carrier == "Delhivery":
        return str(rng.randint(10**12, 10**13 - 1))
    if carrier == "Blue Dart":
        return str(rng.randint(10**10, 10**11 - 1))
    if carrier == "Ekart":
        return f"FMPC{rng.randint(10**9, 10**10 - 1)}"
    if carrier == "Xpressbees":
        return f"14{rng.randint(10**12, 10**13 - 1)}"
    return f"EK{rng.randint(10**8, 10**9 - 1)}IN"


def _hours(h: float) -> timedelta:
    # Whole minutes keep the stored values identical on every database backend.
    return timedelta(minutes=round(h * 60))


def _items(rng, spec, products, skus) -> list[Item]:
    chosen = spec.get("skus") or rng.sample(skus, rng.choice([1, 1, 1, 2, 2, 3]))
    items = []
    for sku in chosen:
        p = products[sku]
        quantity = 2 if not spec.get("skus") and p["price"] < 600 and rng.random() < 0.4 else 1
        items.append(Item(sku=sku, name=p["name"], quantity=quantity, unit_price=p["price"]))
    return items


def _plan_order(rng, number, spec, anchor, products, skus) -> tuple[OrderPlan, dict | None]:
    customer = CUSTOMERS_BY_ID[spec["customer"]]
    state, pincode, region, sorting_centre, delivery_hub = CITIES[customer["city"]]
    items = _items(rng, spec, products, skus)
    subtotal = sum((i.unit_price * i.quantity for i in items), Decimal("0")).quantize(CENT)
    fee = Decimal(0 if subtotal >= FREE_SHIPPING_FROM else SHIPPING_FEE).quantize(CENT)
    discount = Decimal("0.00")
    if subtotal >= 999 and rng.random() < 0.3:  # a 10% coupon, capped at ₹250
        discount = min((subtotal / 10).quantize(Decimal("1")), Decimal(250)).quantize(CENT)
    total = subtotal + fee - discount

    carrier = rng.choice(CARRIERS)
    tracking_number = _tracking_number(rng, carrier)
    origin_region = region if rng.random() < 0.75 else rng.choice(sorted(set(WAREHOUSES) - {region}))
    warehouse, origin_hub = WAREHOUSES[origin_region]

    # Hours from placing the order to each milestone; all drawn whatever the status, so that one
    # order's status never shifts the random numbers of the orders after it.
    rel = {"placed": 0.0}
    rel["confirmed"] = rel["placed"] + rng.uniform(0.3, 2)
    rel["packed"] = rel["confirmed"] + rng.uniform(6, 14)
    rel["shipped"] = rel["packed"] + rng.uniform(8, 16)
    rel["sorting"] = rel["shipped"] + rng.uniform(8, 14)
    rel["hub"] = rel["sorting"] + rng.uniform(10, 20)
    rel["out_for_delivery"] = rel["hub"] + rng.uniform(6, 12)
    rel["delivered"] = rel["out_for_delivery"] + rng.uniform(2, 7)
    day_hour, evening_hour, late_hour = rng.uniform(11, 19), rng.uniform(17, 20), rng.uniform(1, 9)
    cancel_gap = rng.uniform(1, 6)

    status, days = spec["status"], spec["days"]
    day_start = anchor - timedelta(days=days or 0)
    if status in ("delivered", "returned"):
        reached, placed_at = "delivered", day_start + _hours(day_hour) - _hours(rel["delivered"])
    elif status == "cancelled":
        reached = spec["cancel_from"]
        placed_at = day_start + _hours(day_hour) - _hours(cancel_gap + rel[reached])
    elif status == "out_for_delivery":
        reached = status  # out for delivery yesterday morning; the attempt failed in the evening
        placed_at = anchor - timedelta(days=1) + _hours(9 + late_hour / 10) - _hours(rel[status])
    elif status == "shipped":
        reached, placed_at = status, anchor - _hours(2 + late_hour) - _hours(rel["sorting"])
    else:
        reached, placed_at = status, anchor - _hours(late_hour) - _hours(rel[status])
    at = {k: placed_at + _hours(v) for k, v in rel.items()}

    first = customer["name"].split()[0]
    steps = {
        "placed": Track("placed", "Order placed", "", "", at["placed"]),
        "confirmed": Track("confirmed", "Order confirmed by the seller", warehouse, "", at["confirmed"]),
        "packed": Track("packed", f"Packed; {carrier} shipping label generated", warehouse, carrier, at["packed"]),
        "shipped": Track("shipped", f"Picked up by {carrier}", origin_hub, carrier, at["shipped"]),
        "out_for_delivery": Track("out_for_delivery", "Out for delivery", delivery_hub, carrier,
                                  at["out_for_delivery"]),
        "delivered": Track("delivered", f"Delivered to {first}" + (", cash collected" if spec["payment"] == "cod" else ""),
                           customer["city"], carrier, at["delivered"]),
    }
    tracking, events = [], []
    for i, step in enumerate(PATH[: PATH.index(reached) + 1]):
        tracking.append(steps[step])
        if step == "shipped":
            tracking.append(Track("shipped", f"In transit: arrived at {sorting_centre}", sorting_centre, carrier,
                                  at["sorting"]))
            if reached != "shipped":
                tracking.append(Track("shipped", f"Arrived at {delivery_hub}", delivery_hub, carrier, at["hub"]))
        if i:
            events.append(Event(PATH[i - 1], step, "", steps[step].at))
    if status == "out_for_delivery":
        tracking.append(Track("out_for_delivery", "Delivery attempted: customer not reachable; will reattempt today",
                              delivery_hub, carrier, anchor - timedelta(days=1) + _hours(evening_hour)))
    if status == "cancelled":
        cancelled_at = at[reached] + _hours(cancel_gap)
        tracking.append(Track("cancelled", f"Order cancelled: {spec['cancel_reason']}", "",
                              carrier if reached == "packed" else "", cancelled_at))
        events.append(Event(reached, "cancelled", spec["cancel_reason"], cancelled_at))

    labelled = PATH.index(reached) >= PATH.index("packed")  # the carrier's label exists from packing on
    paid = total if spec["payment"] != "cod" or reached == "delivered" else Decimal("0.00")
    today = anchor.date()
    placed_day = placed_at.astimezone(anchor.tzinfo).date()
    if reached == "delivered":
        expected = at["delivered"].astimezone(anchor.tzinfo).date()
    elif status == "cancelled":
        expected = None
    elif status == "out_for_delivery":
        expected = today
    else:
        expected = max(placed_day + timedelta(days=4), today + timedelta(days=1 if status == "shipped" else 2))
    plan = OrderPlan(
        number=number, customer_id=customer["customer_id"], status=status if status != "returned" else "delivered",
        placed_at=placed_at, delivered_at=at["delivered"] if reached == "delivered" else None,
        expected_delivery=expected, carrier=carrier if labelled else "",
        tracking_number=tracking_number if labelled else "",
        shipping={"shipping_name": customer["name"], "shipping_phone": customer["phone"],
                  "shipping_address": customer["address"], "shipping_city": customer["city"],
                  "shipping_state": state, "shipping_pincode": pincode},
        payment_method=spec["payment"], subtotal=subtotal, shipping_fee=fee, discount=discount, total=total,
        amount_paid=paid, amount_refunded=paid if status == "cancelled" else Decimal("0.00"),
        items=items, tracking=tracking, events=events, hint=spec.get("hint", ""),
    )
    return plan, spec.get("ret")


def _plan_return(rng, order: OrderPlan, spec: dict, target: str) -> ReturnPlan:
    """A return's history after the order's delivery; `target` is the order's final status."""
    after = spec.get("after_days")
    gaps = {
        "requested": after * 24 + rng.uniform(1, 5) if after else rng.uniform(18, 36),
        "approved": rng.uniform(3, 20), "rejected": rng.uniform(4, 24), "cancelled": rng.uniform(3, 20),
        "picked_up": rng.uniform(18, 40), "refunded": rng.uniform(20, 60),
    }
    lines = order.items[:1] if spec.get("partial") else order.items
    value = sum((i.unit_price * i.quantity for i in lines), Decimal("0")).quantize(CENT)
    refund = min(value, order.amount_paid - order.amount_refunded) if spec["status"] == "refunded" else None
    notes = {
        "requested": spec["detail"], "approved": f"Pickup scheduled with {order.carrier}",
        "picked_up": "Picked up from the customer", "rejected": spec.get("note", ""),
        "cancelled": spec.get("note", ""),
        "refunded": f"₹{refund} refunded to {PAYMENT_NAMES[order.payment_method]}",
    }
    at, previous, events = order.delivered_at, "", []
    for step in RETURN_PATHS[spec["status"]]:
        at = at + _hours(gaps[step])
        events.append(Event(previous, step, notes[step], at))
        previous = step
    if events[0].at - order.delivered_at > timedelta(days=RETURN_WINDOW_DAYS):
        raise ValueError(f"demo return on {order.number} requested outside the return window")
    if refund is not None:
        order.amount_refunded += refund
        if target == "returned":
            order.status = "returned"
            order.events.append(Event("delivered", "returned", "all items refunded ({ret})", at))
            order.tracking.append(Track("returned", "Return received at the fulfilment centre; refund issued", "",
                                        order.carrier, at))
    return ReturnPlan(
        number="", order_number=order.number, reason=spec["reason"], reason_detail=spec["detail"],
        status=spec["status"], refund_amount=refund, requested_at=events[0].at,
        items=[(i.sku, i.quantity) for i in lines], events=events,
    )


def build_plan(*, today: date, tz: str) -> DemoPlan:
    rng = random.Random(SEED)
    anchor = datetime.combine(today, time.min, tzinfo=ZoneInfo(tz))
    products = {p["sku"]: p for p in PRODUCTS}
    skus = sorted(p["sku"] for p in PRODUCTS if p["active"] and p["stock"] > 0)
    plan = DemoPlan(today=today)
    pending = []
    for i, spec in enumerate(ORDER_SPECS):
        order, ret_spec = _plan_order(rng, f"#{i}", spec, anchor, products, skus)
        plan.orders.append(order)
        if ret_spec:
            pending.append((order, _plan_return(rng, order, ret_spec, spec["status"])))
        elif spec["status"] == "returned":
            raise ValueError(f"demo order row {i} is returned but has no return")
    # Order numbers follow placing time, as a live shop's would.
    plan.orders.sort(key=lambda o: (o.placed_at, o.number))
    for n, order in enumerate(plan.orders):
        order.number = f"ORD-{FIRST_ORDER + n}"
    if plan.orders[EXAMPLE_ORDER - FIRST_ORDER].status != "shipped":
        raise ValueError(f"ORD-{EXAMPLE_ORDER} must be a shipped order; adjust ORDER_SPECS")
    # Return numbers follow the order in which the returns were requested, as they would live.
    pending.sort(key=lambda pair: (pair[1].requested_at, pair[0].number))
    returns_by_order = {}
    for n, (order, ret) in enumerate(pending):
        ret.number, ret.order_number = f"RET-{FIRST_RETURN + n}", order.number
        returns_by_order[order.number] = ret.number
        for event in order.events:
            event.note = event.note.format(ret=ret.number)
        plan.returns.append(ret)
    for order in plan.orders:
        order.hint = order.hint.format(number=order.number, ret=returns_by_order.get(order.number, ""))
        latest = max([t.at for t in order.tracking] + [e.at for r in plan.returns if r.order_number == order.number
                                                        for e in r.events])
        if latest >= anchor:
            raise ValueError(f"demo order {order.number} has an event after the start of {today}")
    return plan
