from orders.services import order_cancel
from orders.tests.factories import OrderFactory


def test_cancel_placed_order(db):
    order = OrderFactory()
    order_cancel(order=order, actor="test", reason="changed mind")
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.amount_refunded == order.amount_paid
    assert order.events.get().to_status == "cancelled"
