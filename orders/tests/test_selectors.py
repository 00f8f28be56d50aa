from datetime import timedelta

import pytest
from django.utils import timezone

from crm.tests.factories import CustomerFactory
from orders.models import Order, Return
from orders.selectors import (
    order_get,
    order_list,
    order_tracking,
    order_verify_contact,
    public_number,
    return_get,
    return_list,
)
from orders.tests.factories import DeliveredOrderFactory, OrderFactory, ReturnFactory, TrackingEventFactory
from voxsite.core.errors import NotFound

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "prefix", "expected"),
    [
        ("ORD-1042", "ORD", "ORD-1042"), ("ord-1042", "ORD", "ORD-1042"), ("ORD 1042", "ORD", "ORD-1042"),
        ("1042", "ORD", "ORD-1042"), ("  #1042 ", "ORD", "ORD-1042"), ("ORD1042", "ORD", "ORD-1042"),
        ("१०४२", "ORD", "ORD-1042"),  # Devanagari digits from a Hindi transcript
        ("RET-2001", "RET", "RET-2001"), ("2001", "RET", "RET-2001"),
        ("RET-2001", "ORD", None), ("ORD-", "ORD", None), ("", "ORD", None), ("ORD-10a", "ORD", None),
        ("drop table", "ORD", None),
    ],
)
def test_public_number(raw, prefix, expected):
    assert public_number(raw, prefix) == expected


@pytest.mark.parametrize("spoken", ["ORD-1042", "ord-1042", "ORD 1042", "1042"])
def test_order_get_accepts_the_ways_people_say_a_number(spoken):
    order = OrderFactory(number="ORD-1042")

    assert order_get(number=spoken) == order


@pytest.mark.parametrize("missing", ["ORD-9999", "RET-1042", "hello", ""])
def test_order_get_unknown_is_not_found(missing):
    OrderFactory(number="ORD-1042")

    with pytest.raises(NotFound) as exc:
        order_get(number=missing)

    assert exc.value.code == "order_not_found"
    assert exc.value.status_code == 404


def test_order_get_loads_customer_and_items_in_two_queries(django_assert_num_queries):
    OrderFactory(number="ORD-1042")

    with django_assert_num_queries(2):  # order + customer joined, items prefetched
        order = order_get(number="1042")
    with django_assert_num_queries(0):
        assert order.customer.phone
        assert [i.quantity for i in order.items.all()] == [2]


def test_order_get_with_history_prefetches_everything_the_detail_shows(django_assert_num_queries):
    order = DeliveredOrderFactory(number="ORD-1042")
    TrackingEventFactory(order=order)
    ReturnFactory(order=order)

    with django_assert_num_queries(6):
        got = order_get(number="ORD-1042", with_history=True)
    with django_assert_num_queries(0):
        order_tracking(order=got)
        list(got.events.all())
        assert [ri.order_item.sku for r in got.returns.all() for ri in r.items.all()]


def test_order_list_filters_by_phone_in_any_format_customer_or_shipping():
    priya = CustomerFactory(phone="+919876543210")
    own = OrderFactory(customer=priya)
    gift = OrderFactory(shipping_phone="+919876543210")  # someone else's order shipped to Priya
    OrderFactory()

    for raw in ["+919876543210", "98765 43210", "+91-98765-43210", "09876543210"]:
        assert set(order_list(customer_phone=raw)) == {own, gift}


def test_order_list_with_a_non_phone_raises_value_error():
    with pytest.raises(ValueError):
        order_list(customer_phone="not a phone")


def test_order_list_filters_by_status_and_customer_newest_first():
    priya = CustomerFactory(customer_id="cust_123")
    now = timezone.now()
    old = OrderFactory(customer=priya, status=Order.Status.SHIPPED, placed_at=now - timedelta(days=5))
    new = OrderFactory(customer=priya, status=Order.Status.SHIPPED, placed_at=now - timedelta(days=1))
    OrderFactory(customer=priya, status=Order.Status.PLACED)
    OrderFactory(status=Order.Status.SHIPPED)

    assert list(order_list(status=Order.Status.SHIPPED, customer=priya)) == [new, old]
    assert list(order_list(status=Order.Status.SHIPPED, customer=priya.pk)) == [new, old]
    assert list(order_list(status=Order.Status.SHIPPED, customer_id="cust_123")) == [new, old]
    assert order_list().count() == 4


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("+919876543210", True), ("98765 43210", True), ("+91 98765-43210", True), ("09876543210", True),
        ("3210", True), ("32 10", True), ("१२३४", False), ("5555", True),  # 5555: last 4 of the shipping phone
        ("1234", False), ("43210", False), ("210", False), ("+919876543211", False), ("", False),
        ("call me", False), ("+1 415 555 0100", False),
    ],
)
def test_order_verify_contact(given, expected):
    order = OrderFactory(customer=CustomerFactory(phone="+919876543210"), shipping_phone="+919812345555")

    assert order_verify_contact(order=order, phone=given) is expected


def test_verify_contact_understands_digits_from_an_indic_transcript():
    order = OrderFactory(customer=CustomerFactory(phone="+919876543210"))

    assert order_verify_contact(order=order, phone="३२१०") is True


def test_verify_contact_with_the_shipping_phone_in_full():
    order = OrderFactory(customer=CustomerFactory(phone="+919876543210"), shipping_phone="+919812345555")

    assert order_verify_contact(order=order, phone="98123 45555") is True


def test_verify_contact_ignores_a_blank_shipping_phone():
    order = OrderFactory(customer=CustomerFactory(phone="+919876543210"), shipping_phone="")

    assert order_verify_contact(order=order, phone="3210") is True
    assert order_verify_contact(order=order, phone="0000") is False


def test_order_tracking_is_oldest_first():
    order = OrderFactory(status=Order.Status.SHIPPED)
    now = timezone.now()
    later = TrackingEventFactory(order=order, occurred_at=now, description="Reached Pune hub")
    earlier = TrackingEventFactory(order=order, occurred_at=now - timedelta(hours=6), description="Picked up")

    assert order_tracking(order=order) == [earlier, later]


@pytest.mark.parametrize("spoken", ["RET-2001", "ret 2001", "2001"])
def test_return_get(spoken, django_assert_num_queries):
    ret = ReturnFactory(number="RET-2001")

    with django_assert_num_queries(2):  # return + order + customer joined, items with their order item
        got = return_get(number=spoken)
        assert got == ret
        assert got.order.number == ret.order.number
        assert [ri.order_item.sku for ri in got.items.all()]


@pytest.mark.parametrize("missing", ["RET-9999", "ORD-2001", "x"])
def test_return_get_unknown_is_not_found(missing):
    ReturnFactory(number="RET-2001")

    with pytest.raises(NotFound) as exc:
        return_get(number=missing)

    assert exc.value.code == "return_not_found"


def test_return_list_filters():
    priya = CustomerFactory(phone="+919876543210")
    order = DeliveredOrderFactory(number="ORD-1001", customer=priya)
    now = timezone.now()
    older = ReturnFactory(order=order, status=Return.Status.APPROVED, requested_at=now - timedelta(days=1))
    newer = ReturnFactory(order=order, status=Return.Status.REQUESTED, requested_at=now)
    other = ReturnFactory(status=Return.Status.APPROVED, requested_at=now + timedelta(minutes=1))

    assert list(return_list(order=order)) == [newer, older]
    assert list(return_list(order="ord 1001")) == [newer, older]
    assert list(return_list(order="ORD-4040")) == []
    assert list(return_list(order="garbage")) == []
    assert list(return_list(status=Return.Status.APPROVED)) == [other, older]
    assert list(return_list(customer_phone="98765 43210")) == [newer, older]
    assert return_list().count() == 3
