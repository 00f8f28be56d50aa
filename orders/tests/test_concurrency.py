"""Races that only a real database with row locks can show: run on PostgreSQL
(DATABASE_URL=postgres://...); skipped on SQLite, which serialises writers anyway."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from orders.models import Order, OrderEvent, Return
from orders.services import order_cancel, return_create
from orders.tests.factories import DeliveredOrderFactory, OrderFactory
from voxsite.core.errors import InvalidTransition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(n: int, work) -> list:
    """Run work(i) in n threads released together by a barrier; return each outcome (the result
    or the exception raised). Each thread closes its own connection."""
    barrier = threading.Barrier(n)
    outcomes: list = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=10)
            outcomes[i] = work(i)
        except Exception as exc:  # the outcome under test, inspected by the caller
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return outcomes


def test_two_concurrent_cancels_exactly_one_wins():
    order = OrderFactory(status=Order.Status.CONFIRMED, amount_paid=Decimal("2598.00"))
    # Each thread holds its own stale copy that still says `confirmed`.
    copies = [Order.objects.get(pk=order.pk), Order.objects.get(pk=order.pk)]

    outcomes = race(2, lambda i: order_cancel(order=copies[i], actor=f"api:thread{i}", reason="race"))

    wins = [o for o in outcomes if isinstance(o, Order)]
    refusals = [o for o in outcomes if isinstance(o, InvalidTransition)]
    assert len(wins) == 1, outcomes
    assert len(refusals) == 1, outcomes
    assert refusals[0].code == "order_already_cancelled"
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.amount_refunded == Decimal("2598.00")  # refunded once, not twice
    assert OrderEvent.objects.filter(order=order).count() == 1
    assert OrderEvent.objects.get(order=order).actor == wins[0].events.get().actor


def test_concurrent_returns_on_different_orders_get_distinct_numbers():
    orders = [DeliveredOrderFactory() for _ in range(4)]

    outcomes = race(4, lambda i: return_create(order=orders[i], reason=Return.Reason.DAMAGED, actor="system"))

    assert all(isinstance(o, Return) for o in outcomes), outcomes
    assert sorted(o.number for o in outcomes) == ["RET-2001", "RET-2002", "RET-2003", "RET-2004"]


def test_concurrent_returns_on_the_same_order_cannot_exceed_what_was_bought():
    order = DeliveredOrderFactory()  # one item, quantity 2

    outcomes = race(2, lambda i: return_create(order=order, reason=Return.Reason.DAMAGED, actor="system"))

    created = [o for o in outcomes if isinstance(o, Return)]
    assert len(created) == 1, outcomes
    assert getattr(next(o for o in outcomes if not isinstance(o, Return)), "code", None) == "return_quantity_exceeded"
    assert sum(ri.quantity for ri in created[0].items.all()) == 2
