from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.tests.factories import PolicyFactory, ProductFactory
from orders.models import Order, OrderEvent, OrderItem, Return, ReturnEvent, ReturnItem
from orders.services import (
    DEFAULT_RETURN_WINDOW_DAYS,
    ReturnLine,
    order_cancel,
    order_transition,
    return_approve,
    return_cancel,
    return_check_allowed,
    return_create,
    return_mark_picked_up,
    return_refund,
    return_reject,
    return_window_days,
)
from orders.tests.factories import DeliveredOrderFactory, OrderFactory, ReturnFactory
from voxsite.core.errors import InvalidTransition, RuleViolation

pytestmark = pytest.mark.django_db

S = Order.Status
R = Return.Status


def db_snapshot() -> dict:
    """Every row of every orders table, to prove a refused request changed nothing."""
    models = [Order, OrderItem, OrderEvent, Return, ReturnItem, ReturnEvent]
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in models}


def add_item(order: Order, *, quantity: int, unit_price: str) -> OrderItem:
    product = ProductFactory(price=Decimal(unit_price))
    return OrderItem.objects.create(order=order, product=product, sku=product.sku, name=product.name,
                                    quantity=quantity, unit_price=product.price)


# ---------------------------------------------------------------------------
# Order transitions: the whole table, allowed and refused. Written out here (not read from
# services.ORDER_TRANSITIONS) so the test is the specification.

ORDER_ALLOWED = {
    (S.PLACED, S.CONFIRMED), (S.PLACED, S.CANCELLED),
    (S.CONFIRMED, S.PACKED), (S.CONFIRMED, S.CANCELLED),
    (S.PACKED, S.SHIPPED), (S.PACKED, S.CANCELLED),
    (S.SHIPPED, S.OUT_FOR_DELIVERY), (S.SHIPPED, S.DELIVERED),
    (S.OUT_FOR_DELIVERY, S.DELIVERED),
    (S.DELIVERED, S.RETURNED),
}
ALL_ORDER_PAIRS = [(a, b) for a in S.values for b in S.values]


@pytest.mark.parametrize(("from_status", "to_status"), [p for p in ALL_ORDER_PAIRS if p in ORDER_ALLOWED])
def test_order_transition_allowed_writes_status_and_one_event(from_status, to_status):
    order = OrderFactory(status=from_status)

    result = order_transition(order=order, to_status=to_status, actor="staff:asha", reason="carrier scan")

    order.refresh_from_db()
    assert result.status == order.status == to_status
    events = list(order.events.values_list("from_status", "to_status", "actor", "reason"))
    assert events == [(from_status, to_status, "staff:asha", "carrier scan")]


@pytest.mark.parametrize(("from_status", "to_status"), [p for p in ALL_ORDER_PAIRS if p not in ORDER_ALLOWED])
def test_order_transition_refused_changes_nothing(from_status, to_status):
    order = OrderFactory(status=from_status)
    before = db_snapshot()

    with pytest.raises(InvalidTransition) as exc:
        order_transition(order=order, to_status=to_status, actor="staff:asha")

    assert exc.value.code == "order_invalid_transition"
    assert exc.value.status_code == 409
    assert db_snapshot() == before


def test_delivering_stamps_delivered_at_once():
    order = OrderFactory(status=S.OUT_FOR_DELIVERY)
    assert order.delivered_at is None

    order_transition(order=order, to_status=S.DELIVERED, actor="system")

    order.refresh_from_db()
    assert order.delivered_at is not None
    assert timezone.now() - order.delivered_at < timedelta(minutes=1)


def test_transition_reads_the_locked_row_not_the_callers_stale_copy():
    order = OrderFactory(status=S.PLACED)
    Order.objects.filter(pk=order.pk).update(status=S.SHIPPED)  # someone else moved it on

    with pytest.raises(InvalidTransition):
        order_transition(order=order, to_status=S.CONFIRMED, actor="system")
    assert Order.objects.get(pk=order.pk).status == S.SHIPPED


# ---------------------------------------------------------------------------
# Cancel: only before shipping; prepaid refunds in full, cash on delivery refunds nothing.


@pytest.mark.parametrize("status", [S.PLACED, S.CONFIRMED, S.PACKED])
def test_cancel_before_shipping_refunds_prepaid_order_in_full(status):
    order = OrderFactory(status=status, payment_method=Order.PaymentMethod.UPI, amount_paid=Decimal("2598.00"))

    result = order_cancel(order=order, actor="api:vx_abc", reason="ordered twice")

    order.refresh_from_db()
    assert result.status == order.status == S.CANCELLED
    assert order.amount_refunded == Decimal("2598.00")
    assert order.refundable_amount == 0
    assert list(order.events.values_list("from_status", "to_status", "actor", "reason")) == [
        (status, S.CANCELLED, "api:vx_abc", "ordered twice")
    ]


def test_cancel_cash_on_delivery_refunds_nothing():
    order = OrderFactory(status=S.CONFIRMED, payment_method=Order.PaymentMethod.COD, amount_paid=Decimal("0.00"))

    order_cancel(order=order, actor="staff:asha")

    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert order.amount_refunded == Decimal("0.00")
    assert order.events.get().reason == "cancelled"  # a default reason when none is given


@pytest.mark.parametrize("status", [S.SHIPPED, S.OUT_FOR_DELIVERY, S.DELIVERED, S.RETURNED])
def test_cancel_after_shipping_is_refused_and_changes_nothing(status):
    order = OrderFactory(status=status)
    before = db_snapshot()

    with pytest.raises(InvalidTransition) as exc:
        order_cancel(order=order, actor="api:vx_abc")

    assert exc.value.code == "order_not_cancellable"
    assert exc.value.status_code == 409
    assert "before they ship" in exc.value.message
    assert db_snapshot() == before


def test_cancelling_twice_is_refused_with_already_cancelled():
    order = OrderFactory(status=S.PLACED)
    order_cancel(order=order, actor="staff:asha")
    before = db_snapshot()

    with pytest.raises(InvalidTransition) as exc:
        order_cancel(order=order, actor="staff:asha")

    assert exc.value.code == "order_already_cancelled"
    assert db_snapshot() == before
    assert OrderEvent.objects.filter(order=order).count() == 1


def test_cancel_keeps_an_earlier_partial_refund_within_paid():
    order = OrderFactory(status=S.PACKED, amount_paid=Decimal("1000.00"), amount_refunded=Decimal("200.00"))

    order_cancel(order=order, actor="system")

    order.refresh_from_db()
    assert order.amount_refunded == Decimal("1000.00")


# ---------------------------------------------------------------------------
# Returns: delivered orders only, inside the returns policy's window.


@pytest.mark.parametrize("status", [s for s in S.values if s != S.DELIVERED])
def test_return_refused_unless_order_delivered(status):
    order = OrderFactory(status=status)
    before = db_snapshot()

    with pytest.raises(RuleViolation) as exc:
        return_create(order=order, reason=Return.Reason.DAMAGED, actor="api:vx_abc")

    assert exc.value.code == "return_order_not_delivered"
    assert exc.value.status_code == 422
    assert db_snapshot() == before


def test_return_allowed_on_the_last_moment_of_the_window():
    PolicyFactory(return_window_days=10)
    now = timezone.now()
    order = DeliveredOrderFactory(delivered_at=now - timedelta(days=10))

    ret = return_create(order=order, reason=Return.Reason.SIZE_FIT, actor="api:vx_abc", now=now)

    assert ret.status == R.REQUESTED
    assert ret.requested_at == now


def test_return_refused_just_after_the_window():
    PolicyFactory(return_window_days=10)
    now = timezone.now()
    order = DeliveredOrderFactory(delivered_at=now - timedelta(days=10, seconds=1))
    before = db_snapshot()

    with pytest.raises(RuleViolation) as exc:
        return_create(order=order, reason=Return.Reason.SIZE_FIT, actor="api:vx_abc", now=now)

    assert exc.value.code == "return_window_expired"
    assert exc.value.extra["window_days"] == 10
    assert db_snapshot() == before


def test_window_follows_the_policy_not_a_constant():
    PolicyFactory(return_window_days=30)
    now = timezone.now()
    order = DeliveredOrderFactory(delivered_at=now - timedelta(days=20))

    assert return_create(order=order, reason=Return.Reason.OTHER, actor="system", now=now).status == R.REQUESTED


def test_return_window_days_prefers_the_language_then_english_then_default():
    assert return_window_days() == DEFAULT_RETURN_WINDOW_DAYS
    PolicyFactory(language="hi", return_window_days=5, title="वापसी")
    assert return_window_days(language="en") == 5  # only policy with a window
    PolicyFactory(language="en", return_window_days=10)
    assert return_window_days(language="en") == 10
    assert return_window_days(language="hi") == 5
    assert return_window_days(language="bn") == 10


def test_return_create_writes_items_and_a_requested_event():
    order = DeliveredOrderFactory()
    item = order.items.get()

    ret = return_create(order=order, reason=Return.Reason.DAMAGED, actor="api:vx_abc",
                        lines=[ReturnLine(order_item_id=item.pk, quantity=1)], reason_detail="torn seam")

    assert ret.number == "RET-2001"
    assert ret.reason_detail == "torn seam"
    assert list(ret.items.values_list("order_item_id", "quantity")) == [(item.pk, 1)]
    assert list(ret.events.values_list("from_status", "to_status", "actor", "note")) == [
        ("", R.REQUESTED, "api:vx_abc", "torn seam")
    ]


def test_return_without_lines_takes_every_unit_not_already_returned():
    order = DeliveredOrderFactory()
    first = order.items.get()
    second = add_item(order, quantity=3, unit_price="499.00")
    return_create(order=order, reason=Return.Reason.OTHER, actor="system",
                  lines=[ReturnLine(order_item_id=second.pk, quantity=1)])

    ret = return_create(order=order, reason=Return.Reason.OTHER, actor="system")

    assert sorted(ret.items.values_list("order_item_id", "quantity")) == sorted([(first.pk, 2), (second.pk, 2)])


def test_return_numbers_count_up_numerically():
    ReturnFactory(number="RET-9999")
    ReturnFactory(number="RET-10000")

    ret = return_create(order=DeliveredOrderFactory(), reason=Return.Reason.OTHER, actor="system")

    assert ret.number == "RET-10001"


def test_return_refused_for_an_unknown_reason():
    order = DeliveredOrderFactory()
    before = db_snapshot()

    with pytest.raises(RuleViolation) as exc:
        return_create(order=order, reason="bored", actor="system")

    assert exc.value.code == "return_invalid_reason"
    assert db_snapshot() == before


# ---------------------------------------------------------------------------
# Quantity limits


def test_second_return_for_the_same_units_is_refused():
    order = DeliveredOrderFactory()  # one item, quantity 2
    item = order.items.get()
    return_create(order=order, reason=Return.Reason.SIZE_FIT, actor="system",
                  lines=[ReturnLine(order_item_id=item.pk, quantity=2)])
    before = db_snapshot()

    with pytest.raises(RuleViolation) as exc:
        return_create(order=order, reason=Return.Reason.SIZE_FIT, actor="system",
                      lines=[ReturnLine(order_item_id=item.pk, quantity=1)])

    assert exc.value.code == "return_quantity_exceeded"
    assert exc.value.extra["available"] == 0
    assert db_snapshot() == before


def test_second_return_without_lines_when_everything_is_in_a_return_is_refused():
    order = DeliveredOrderFactory()
    return_create(order=order, reason=Return.Reason.SIZE_FIT, actor="system")
    before = db_snapshot()

    with pytest.raises(RuleViolation) as exc:
        return_create(order=order, reason=Return.Reason.SIZE_FIT, actor="system")

    assert exc.value.code == "return_quantity_exceeded"
    assert db_snapshot() == before


def test_second_return_for_the_remaining_unit_is_allowed():
    order = DeliveredOrderFactory()
    item = order.items.get()
    return_create(order=order, reason=Return.Reason.SIZE_FIT, actor="system",
                  lines=[ReturnLine(order_item_id=item.pk, quantity=1)])

    ret = return_create(order=order, reason=Return.Reason.SIZE_FIT, actor="system",
                        lines=[ReturnLine(order_item_id=item.pk, quantity=1)])

    assert ret.number == "RET-2002"


@pytest.mark.parametrize("closed", [return_reject, return_cancel])
def test_units_of_a_rejected_or_cancelled_return_can_be_returned_again(closed):
    order = DeliveredOrderFactory()
    item = order.items.get()
    first = return_create(order=order, reason=Return.Reason.SIZE_FIT, actor="system")
    closed(ret=first, actor="staff:asha")

    again = return_create(order=order, reason=Return.Reason.SIZE_FIT, actor="system",
                          lines=[ReturnLine(order_item_id=item.pk, quantity=2)])

    assert again.items.get().quantity == 2


def test_more_units_than_bought_are_refused():
    order = DeliveredOrderFactory()
    item = order.items.get()
    before = db_snapshot()

    with pytest.raises(RuleViolation) as exc:
        return_create(order=order, reason=Return.Reason.DAMAGED, actor="system",
                      lines=[ReturnLine(order_item_id=item.pk, quantity=3)])

    assert exc.value.code == "return_quantity_exceeded"
    assert exc.value.extra["available"] == 2
    assert db_snapshot() == before


def test_the_same_item_listed_twice_cannot_exceed_what_was_bought():
    order = DeliveredOrderFactory()
    item = order.items.get()
    before = db_snapshot()

    with pytest.raises(RuleViolation) as exc:
        return_create(order=order, reason=Return.Reason.DAMAGED, actor="system",
                      lines=[ReturnLine(order_item_id=item.pk, quantity=2), ReturnLine(order_item_id=item.pk, quantity=2)])

    assert exc.value.code == "return_quantity_exceeded"
    assert db_snapshot() == before


def test_the_same_item_listed_twice_within_the_limit_is_one_return_line():
    order = DeliveredOrderFactory()
    item = order.items.get()

    ret = return_create(order=order, reason=Return.Reason.DAMAGED, actor="system",
                        lines=[ReturnLine(order_item_id=item.pk, quantity=1), ReturnLine(order_item_id=item.pk, quantity=1)])

    assert list(ret.items.values_list("order_item_id", "quantity")) == [(item.pk, 2)]


def test_zero_quantity_is_refused():
    order = DeliveredOrderFactory()
    item = order.items.get()
    before = db_snapshot()

    with pytest.raises(RuleViolation) as exc:
        return_create(order=order, reason=Return.Reason.DAMAGED, actor="system",
                      lines=[ReturnLine(order_item_id=item.pk, quantity=0)])

    assert exc.value.code == "return_quantity_invalid"
    assert db_snapshot() == before


def test_an_item_from_another_order_is_refused():
    order = DeliveredOrderFactory()
    other_item = DeliveredOrderFactory().items.get()
    before = db_snapshot()

    with pytest.raises(RuleViolation) as exc:
        return_create(order=order, reason=Return.Reason.DAMAGED, actor="system",
                      lines=[ReturnLine(order_item_id=other_item.pk, quantity=1)])

    assert exc.value.code == "return_item_not_on_order"
    assert db_snapshot() == before


# ---------------------------------------------------------------------------
# Return transitions: every service from every status.

RETURN_SERVICES = {
    R.APPROVED: return_approve,
    R.REJECTED: return_reject,
    R.PICKED_UP: return_mark_picked_up,
    R.CANCELLED: return_cancel,
    R.REFUNDED: return_refund,
}
RETURN_ALLOWED = {
    (R.REQUESTED, R.APPROVED), (R.REQUESTED, R.REJECTED), (R.REQUESTED, R.CANCELLED),
    (R.APPROVED, R.PICKED_UP), (R.APPROVED, R.REFUNDED), (R.APPROVED, R.CANCELLED),
    (R.PICKED_UP, R.REFUNDED),
}
ALL_RETURN_PAIRS = [(a, b) for a in R.values for b in RETURN_SERVICES]


@pytest.mark.parametrize(("from_status", "to_status"), [p for p in ALL_RETURN_PAIRS if p in RETURN_ALLOWED])
def test_return_transition_allowed_writes_status_and_one_event(from_status, to_status):
    ret = ReturnFactory(status=from_status)

    result = RETURN_SERVICES[to_status](ret=ret, actor="staff:asha", note="checked")

    ret.refresh_from_db()
    assert result.status == ret.status == to_status
    assert list(ret.events.values_list("from_status", "to_status", "actor", "note")) == [
        (from_status, to_status, "staff:asha", "checked")
    ]


@pytest.mark.parametrize(("from_status", "to_status"), [p for p in ALL_RETURN_PAIRS if p not in RETURN_ALLOWED])
def test_return_transition_refused_changes_nothing(from_status, to_status):
    ret = ReturnFactory(status=from_status)
    before = db_snapshot()

    with pytest.raises(InvalidTransition) as exc:
        RETURN_SERVICES[to_status](ret=ret, actor="staff:asha")

    assert exc.value.code == "return_invalid_transition"
    assert db_snapshot() == before


# ---------------------------------------------------------------------------
# Refunds: never more than was paid; the last unit refunded makes the order `returned`.


def _approved_return(order: Order, item: OrderItem, quantity: int) -> Return:
    ret = return_create(order=order, reason=Return.Reason.DAMAGED, actor="system",
                        lines=[ReturnLine(order_item_id=item.pk, quantity=quantity)])
    return return_approve(ret=ret, actor="staff:asha")


def test_refund_defaults_to_the_value_of_the_returned_items():
    order = DeliveredOrderFactory()  # 2 x 1299.00, paid 2598.00
    ret = _approved_return(order, order.items.get(), 1)

    return_refund(ret=ret, actor="staff:asha")

    ret.refresh_from_db()
    order.refresh_from_db()
    assert ret.status == R.REFUNDED
    assert ret.refund_amount == Decimal("1299.00")
    assert order.amount_refunded == Decimal("1299.00")
    assert order.status == S.DELIVERED  # one unit is still with the shopper
    assert ret.events.last().to_status == R.REFUNDED


def test_partial_refund_then_an_over_refund_is_refused():
    order = DeliveredOrderFactory()
    item = order.items.get()
    first = _approved_return(order, item, 1)
    return_refund(ret=first, actor="staff:asha", amount=Decimal("2000.00"))
    second = _approved_return(order, item, 1)
    before = db_snapshot()

    with pytest.raises(RuleViolation) as exc:
        return_refund(ret=second, actor="staff:asha", amount=Decimal("1000.00"))

    assert exc.value.code == "refund_exceeds_paid"
    assert exc.value.extra["refundable"] == "598.00"
    assert db_snapshot() == before

    return_refund(ret=second, actor="staff:asha", amount=Decimal("598.00"))
    order.refresh_from_db()
    assert order.amount_refunded == order.amount_paid


def test_refund_of_more_than_paid_is_refused_even_on_a_fresh_order():
    order = DeliveredOrderFactory(amount_paid=Decimal("1000.00"))  # a discount: paid less than the items' value
    ret = _approved_return(order, order.items.get(), 2)
    before = db_snapshot()

    with pytest.raises(RuleViolation) as exc:
        return_refund(ret=ret, actor="staff:asha")  # default amount 2598.00

    assert exc.value.code == "refund_exceeds_paid"
    assert db_snapshot() == before


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5.00")])
def test_refund_must_be_positive(amount):
    order = DeliveredOrderFactory()
    ret = _approved_return(order, order.items.get(), 1)
    before = db_snapshot()

    with pytest.raises(RuleViolation) as exc:
        return_refund(ret=ret, actor="staff:asha", amount=amount)

    assert exc.value.code == "refund_not_positive"
    assert db_snapshot() == before


def test_refund_of_an_unapproved_return_is_a_transition_error_whatever_the_amount():
    order = DeliveredOrderFactory()
    ret = return_create(order=order, reason=Return.Reason.DAMAGED, actor="system")
    before = db_snapshot()

    with pytest.raises(InvalidTransition) as exc:
        return_refund(ret=ret, actor="staff:asha", amount=Decimal("99999.00"))

    assert exc.value.code == "return_invalid_transition"
    assert db_snapshot() == before


def test_database_refuses_a_refund_above_paid_even_without_the_service():
    order = DeliveredOrderFactory(amount_paid=Decimal("500.00"))

    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(amount_refunded=Decimal("500.01"))

    order.refresh_from_db()
    assert order.amount_refunded == Decimal("0.00")


def test_fully_refunded_order_becomes_returned():
    order = DeliveredOrderFactory()
    ret = _approved_return(order, order.items.get(), 2)
    return_mark_picked_up(ret=ret, actor="courier:delhivery")

    return_refund(ret=ret, actor="staff:asha")

    order.refresh_from_db()
    assert order.status == S.RETURNED
    assert order.amount_refunded == Decimal("2598.00")
    last = order.events.last()
    assert (last.from_status, last.to_status, last.actor) == (S.DELIVERED, S.RETURNED, "staff:asha")
    assert ret.number in last.reason


def test_order_becomes_returned_only_when_the_last_unit_across_returns_is_refunded():
    order = DeliveredOrderFactory()
    first_item = order.items.get()
    second_item = add_item(order, quantity=1, unit_price="500.00")
    Order.objects.filter(pk=order.pk).update(amount_paid=Decimal("3098.00"), total=Decimal("3098.00"))

    return_refund(ret=_approved_return(order, first_item, 2), actor="staff:asha")
    order.refresh_from_db()
    assert order.status == S.DELIVERED

    return_refund(ret=_approved_return(order, second_item, 1), actor="staff:asha")
    order.refresh_from_db()
    assert order.status == S.RETURNED
    assert order.amount_refunded == Decimal("3098.00")
    assert order.events.filter(to_status=S.RETURNED).count() == 1


def test_return_check_allowed_refuses_like_return_create_and_writes_nothing():
    PolicyFactory(kind="returns", language="en", return_window_days=7)
    late = DeliveredOrderFactory(delivered_at=timezone.now() - timedelta(days=8))
    with pytest.raises(RuleViolation) as err:
        return_check_allowed(order=late)
    assert err.value.code == "return_window_expired" and err.value.extra["window_days"] == 7
    fresh = DeliveredOrderFactory()
    return_check_allowed(order=fresh)  # allowed: no exception
    ret = return_create(order=fresh, reason="size_fit", actor="t")
    with pytest.raises(RuleViolation) as err:
        return_check_allowed(order=fresh)
    assert err.value.code == "return_quantity_exceeded" and err.value.extra["returns"] == [ret.number]
    assert Return.objects.count() == 1
