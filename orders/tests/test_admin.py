from decimal import Decimal

import pytest
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.urls import reverse

from catalog.tests.factories import ProductFactory
from crm.tests.factories import CustomerFactory
from orders import services
from orders.models import Order, OrderEvent, OrderItem, Return, ReturnEvent, ReturnItem, TrackingEvent
from orders.tests.factories import DeliveredOrderFactory, OrderFactory, ReturnFactory, TrackingEventFactory
from voxsite.core.models import AuditLog
from voxsite.core.tests.test_admin import changeform_data, pinned_changelist

pytestmark = pytest.mark.django_db

S = Order.Status
R = Return.Status


def url(model, view="changelist", *args):
    return reverse(f"admin:orders_{model}_{view}", args=args)


def run_action(client, model, action, objs):
    response = client.post(url(model), {"action": action, "_selected_action": [o.pk for o in objs]}, follow=True)
    assert response.status_code == 200
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


# ---------------------------------------------------------------------------
# Order changelist


def test_order_changelist_shows_rupees(admin_client):
    OrderFactory(number="ORD-1042", total=Decimal("104999.00"), amount_paid=Decimal("104999.00"), carrier="Delhivery")

    response = admin_client.get(url("order"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "ORD-1042" in html and "₹1,04,999.00" in html


@pytest.mark.parametrize("term", ["ORD-1042", "ord-1042", "+919876500042", "Kavya"])
def test_order_search_by_number_and_customer(admin_client, term):
    kavya = CustomerFactory(name="Kavya Reddy", phone="+919876500042")
    order = OrderFactory(number="ORD-1042", customer=kavya)
    OrderFactory(number="ORD-1043")

    response = admin_client.get(url("order"), {"q": term})

    assert [o.pk for o in response.context["cl"].result_list] == [order.pk]


def test_order_filters(admin_client):
    cod = OrderFactory(status=S.SHIPPED, payment_method="cod", carrier="Ekart")
    OrderFactory(status=S.PLACED, payment_method="upi", carrier="Delhivery")

    for params in ({"status__exact": "shipped"}, {"payment_method__exact": "cod"}, {"carrier": "Ekart"}):
        found = admin_client.get(url("order"), params).context["cl"].result_list
        assert [o.pk for o in found] == [cod.pk], params


def test_order_changelist_query_count(admin_client, django_assert_num_queries):
    OrderFactory.create_batch(3, carrier="Delhivery")
    # session, user, count, total count, rows (customer joined), carrier filter values,
    # date hierarchy min/max + dates
    pinned_changelist(
        admin_client, django_assert_num_queries, url("order"), 8,
        lambda: OrderFactory.create_batch(4, carrier="Blue Dart"),
    )


# ---------------------------------------------------------------------------
# Order change page


def test_order_change_page_renders_all_inlines(admin_client):
    order = DeliveredOrderFactory(number="ORD-2001")
    TrackingEventFactory(order=order, status=S.SHIPPED, location="Bhiwandi")
    ret = ReturnFactory(order=order, number="RET-2001")
    services.order_transition(order=OrderFactory(), to_status=S.CONFIRMED, actor="system")
    OrderEvent.objects.create(order=order, from_status=S.SHIPPED, to_status=S.DELIVERED, actor="system")

    response = admin_client.get(url("order", "change", order.pk))

    assert response.status_code == 200
    inlines = {type(i.opts).__name__: i.formset for i in response.context["inline_admin_formsets"]}
    assert set(inlines) == {"OrderItemInline", "TrackingEventInline", "ReturnInline", "OrderEventInline"}
    assert len(inlines["OrderItemInline"].forms) == 1
    assert [f.instance.location for f in inlines["TrackingEventInline"].forms] == ["Bhiwandi"]
    assert [f.instance.number for f in inlines["ReturnInline"].forms] == ["RET-2001"]
    assert [f.instance.to_status for f in inlines["OrderEventInline"].forms] == [S.DELIVERED]
    html = response.content.decode()
    assert reverse("admin:orders_return_change", args=[ret.pk]) in html  # link to the return
    assert "status" not in response.context["adminform"].form.fields


def test_order_status_cannot_be_changed_through_the_form(admin_client):
    order = OrderFactory(status=S.PLACED, carrier="")
    page = admin_client.get(url("order", "change", order.pk))
    data = changeform_data(page)
    data.update(status=S.DELIVERED, amount_refunded="2598.00", carrier="Blue Dart")

    response = admin_client.post(url("order", "change", order.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    order.refresh_from_db()
    assert order.carrier == "Blue Dart"  # the editable field saved...
    assert (order.status, order.amount_refunded) == (S.PLACED, Decimal("0.00"))  # ...the read-only ones did not
    assert not order.events.exists()


def test_order_item_inline_defaults_from_product(admin_client):
    order = OrderFactory(with_item=False)
    product = ProductFactory(sku="HOME-0311", name="Prestige Pressure Cooker 5L", price=Decimal("2199.00"))
    data = changeform_data(admin_client.get(url("order", "change", order.pk)))
    data.update({"items-TOTAL_FORMS": "1", "items-0-order": str(order.pk), "items-0-product": str(product.pk),
                 "items-0-quantity": "2"})

    response = admin_client.post(url("order", "change", order.pk), data)

    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    item = order.items.get()
    assert (item.sku, item.name, item.unit_price, item.quantity) == (
        "HOME-0311", "Prestige Pressure Cooker 5L", Decimal("2199.00"), 2,
    )


def test_tracking_events_stay_editable_on_the_order(admin_client):
    order = OrderFactory(status=S.SHIPPED)
    event = TrackingEventFactory(order=order, location="Bhiwandi")
    data = changeform_data(admin_client.get(url("order", "change", order.pk)))
    data["tracking_events-0-location"] = "Bhiwandi hub, Thane"

    response = admin_client.post(url("order", "change", order.pk), data)

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.location == "Bhiwandi hub, Thane"


def test_orders_cannot_be_deleted(admin_client):
    order = OrderFactory()
    assert admin_client.post(url("order", "delete", order.pk), {"post": "yes"}).status_code == 403
    assert Order.objects.filter(pk=order.pk).exists()


# ---------------------------------------------------------------------------
# Order actions


def test_cancel_action_cancels_placed_and_refuses_shipped(admin_client):
    placed = OrderFactory(number="ORD-3001", status=S.PLACED)
    shipped = OrderFactory(number="ORD-3002", status=S.SHIPPED)

    messages = run_action(admin_client, "order", "cancel_orders", [placed, shipped])

    placed.refresh_from_db()
    shipped.refresh_from_db()
    assert placed.status == S.CANCELLED
    assert placed.amount_refunded == placed.amount_paid  # prepaid: refunded in full by the service
    event = placed.events.get()
    assert (event.actor, event.reason) == ("staff:admin", "cancelled by staff")
    assert shipped.status == S.SHIPPED  # refused: nothing changed
    assert shipped.amount_refunded == Decimal("0.00")
    assert not shipped.events.exists()
    assert (SUCCESS, "ORD-3001: cancelled.") in messages
    errors = [text for level, text in messages if level == ERROR]
    assert len(errors) == 1
    assert errors[0].startswith("ORD-3002: ") and "[order_not_cancellable]" in errors[0]
    assert "can no longer be cancelled" in errors[0]


def test_cancel_action_on_cancelled_order_reports_already_cancelled(admin_client):
    order = OrderFactory(status=S.CANCELLED)
    messages = run_action(admin_client, "order", "cancel_orders", [order])
    assert [level for level, _ in messages] == [ERROR]
    assert "[order_already_cancelled]" in messages[0][1]


def test_advance_action_moves_one_step_and_refuses_final_states(admin_client):
    packed = OrderFactory(number="ORD-3101", status=S.PACKED)
    delivered = DeliveredOrderFactory(number="ORD-3102")

    messages = run_action(admin_client, "order", "advance_orders", [packed, delivered])

    packed.refresh_from_db()
    delivered.refresh_from_db()
    assert packed.status == S.SHIPPED
    assert packed.events.get().actor == "staff:admin"
    assert delivered.status == S.DELIVERED
    assert (SUCCESS, "ORD-3101: now shipped.") in messages
    assert any(level == ERROR and "[order_no_next_status]" in text for level, text in messages)


def test_start_return_action(admin_client):
    delivered = DeliveredOrderFactory(number="ORD-3201")
    placed = OrderFactory(number="ORD-3202")

    messages = run_action(admin_client, "order", "start_returns", [delivered, placed])

    ret = delivered.returns.get()
    assert ret.status == R.REQUESTED
    assert ret.items.get().quantity == 2  # all items
    assert ret.events.get().actor == "staff:admin"
    assert (SUCCESS, f"ORD-3201: return {ret.number} requested.") in messages
    assert not placed.returns.exists()
    assert any(level == ERROR and "[return_order_not_delivered]" in text for level, text in messages)


# ---------------------------------------------------------------------------
# Returns


def test_return_changelist_search_and_query_count(admin_client, django_assert_num_queries):
    sunita = CustomerFactory(name="Sunita Joshi", phone="+919822012345")
    ret = ReturnFactory(number="RET-2042", order=DeliveredOrderFactory(customer=sunita))
    ReturnFactory()

    for term in ("RET-2042", ret.order.number, "+919822012345", "Sunita"):
        found = admin_client.get(url("return"), {"q": term}).context["cl"].result_list
        assert [r.pk for r in found] == [ret.pk], term
    assert admin_client.get(url("return"), {"status__exact": "requested"}).context["cl"].result_count == 2

    # session, user, count, total count, rows (order and customer joined), date hierarchy min/max + dates
    pinned_changelist(
        admin_client, django_assert_num_queries, url("return"), 7, lambda: ReturnFactory.create_batch(3)
    )


def test_return_change_page_is_read_only_for_status_and_money(admin_client):
    ret = ReturnFactory()
    services.return_approve(ret=ret, actor="system")

    response = admin_client.get(url("return", "change", ret.pk))

    assert response.status_code == 200
    assert set(response.context["adminform"].form.fields) == {"reason", "reason_detail"}
    inlines = {type(i.opts).__name__: i.formset for i in response.context["inline_admin_formsets"]}
    assert [f.instance.quantity for f in inlines["ReturnItemInline"].forms] == [1]
    assert [f.instance.to_status for f in inlines["ReturnEventInline"].forms] == [R.APPROVED]
    assert "₹1,299.00" in response.content.decode()  # value of the returned item


def test_returns_are_not_added_in_the_admin(admin_client):
    order = DeliveredOrderFactory()
    assert admin_client.get(url("return", "add")).status_code == 403
    response = admin_client.post(url("return", "add"), {"number": "RET-9999", "order": order.pk, "reason": "other"})
    assert response.status_code == 403
    assert not Return.objects.exists()


def test_return_approve_then_refund(admin_client):
    ret = ReturnFactory(number="RET-2101")  # 1 of 2 units at ₹1,299, order paid ₹2,598

    approve = run_action(admin_client, "return", "approve_returns", [ret])
    refund = run_action(admin_client, "return", "refund_returns", [ret])

    ret.refresh_from_db()
    ret.order.refresh_from_db()
    assert approve == [(SUCCESS, "RET-2101: approved.")]
    assert refund == [(SUCCESS, "RET-2101: refunded ₹1,299.00.")]
    assert (ret.status, ret.refund_amount) == (R.REFUNDED, Decimal("1299.00"))
    assert ret.order.amount_refunded == Decimal("1299.00")
    assert ret.order.status == S.DELIVERED  # one unit is still with the customer
    assert [(e.from_status, e.to_status, e.actor) for e in ret.events.all()] == [
        (R.REQUESTED, R.APPROVED, "staff:admin"), (R.APPROVED, R.REFUNDED, "staff:admin"),
    ]


def test_refund_beyond_paid_is_refused_and_nothing_changes(admin_client):
    order = DeliveredOrderFactory(amount_paid=Decimal("1000.00"))
    ret = ReturnFactory(number="RET-2102", order=order)  # items worth ₹1,299
    services.return_approve(ret=ret, actor="system")

    messages = run_action(admin_client, "return", "refund_returns", [ret])

    assert len(messages) == 1
    level, text = messages[0]
    assert level == ERROR
    assert text.startswith("RET-2102: ") and "[refund_exceeds_paid]" in text
    ret.refresh_from_db()
    order.refresh_from_db()
    assert (ret.status, ret.refund_amount) == (R.APPROVED, None)
    assert order.amount_refunded == Decimal("0.00")
    assert ret.events.filter(to_status=R.REFUNDED).count() == 0


def test_reject_and_refund_of_unapproved_return(admin_client):
    rejected = ReturnFactory(number="RET-2103")
    requested = ReturnFactory(number="RET-2104")

    assert run_action(admin_client, "return", "reject_returns", [rejected]) == [(SUCCESS, "RET-2103: rejected.")]
    messages = run_action(admin_client, "return", "refund_returns", [rejected])
    assert messages[0][0] == ERROR and "[return_invalid_transition]" in messages[0][1]
    messages = run_action(admin_client, "return", "approve_returns", [rejected])
    assert messages[0][0] == ERROR and "[return_invalid_transition]" in messages[0][1]

    picked = run_action(admin_client, "return", "mark_picked_up", [requested])
    assert picked[0][0] == ERROR  # must be approved first
    rejected.refresh_from_db()
    requested.refresh_from_db()
    assert (rejected.status, requested.status) == (R.REJECTED, R.REQUESTED)


# ---------------------------------------------------------------------------
# Log rows and standalone lists


@pytest.mark.parametrize("model", ["orderevent", "returnevent", "orderitem", "returnitem"])
def test_log_rows_cannot_be_added(admin_client, model):
    assert admin_client.post(url(model, "add"), {}).status_code == 403


def test_log_rows_cannot_be_changed_or_deleted(admin_client):
    order = OrderFactory()
    services.order_cancel(order=order, actor="system", reason="test")
    event = order.events.get()
    ret = ReturnFactory()
    ret_event = ReturnEvent.objects.create(ret=ret, to_status=R.REQUESTED, actor="system")

    for model, obj in (("orderevent", event), ("returnevent", ret_event), ("orderitem", order.items.get()),
                       ("returnitem", ret.items.get())):
        assert admin_client.get(url(model, "change", obj.pk)).status_code == 200  # viewable
        assert admin_client.post(url(model, "change", obj.pk), {"actor": "forged"}).status_code == 403
        assert admin_client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.actor == "system"
    assert OrderItem.objects.filter(order=order).exists() and ReturnItem.objects.filter(ret=ret).exists()


def test_log_changelists_and_query_counts(admin_client, django_assert_num_queries):
    def more_events():
        for order in OrderFactory.create_batch(2, with_item=False):
            services.order_cancel(order=order, actor="system")

    more_events()
    found = admin_client.get(url("orderevent"), {"q": "system"}).context["cl"]
    assert found.result_count == 2
    # session, user, count, total count, rows (order joined), date hierarchy min/max + dates
    pinned_changelist(admin_client, django_assert_num_queries, url("orderevent"), 7, more_events)


def test_tracking_event_changelist(admin_client, django_assert_num_queries):
    TrackingEventFactory(location="Gurugram hub")
    found = admin_client.get(url("trackingevent"), {"q": "Gurugram"}).context["cl"].result_list
    assert [e.location for e in found] == ["Gurugram hub"]
    # session, user, count, total count, rows (order joined), carrier filter values, date hierarchy x2
    pinned_changelist(
        admin_client, django_assert_num_queries, url("trackingevent"), 8,
        lambda: TrackingEventFactory.create_batch(3),
    )
    assert TrackingEvent.objects.count() == 4


# ---------------------------------------------------------------------------
# Audit rows from the order and return admin


def orders_action(admin_client, model, action, objs):
    return admin_client.post(
        reverse(f"admin:orders_{model}_changelist"), {"action": action, "_selected_action": [o.pk for o in objs]},
        follow=True,
    )


def test_cancel_writes_an_audit_row_for_each_order_refused_ones_included(admin_client, admin_user):
    placed = OrderFactory(number="ORD-1042", status=Order.Status.PLACED)
    delivered = DeliveredOrderFactory(number="ORD-1043")

    orders_action(admin_client, "order", "cancel_orders", [placed, delivered])

    rows = {r.object_id: r for r in AuditLog.objects.filter(action="order.cancel")}
    assert set(rows) == {"ORD-1042", "ORD-1043"}
    ok, refused = rows["ORD-1042"], rows["ORD-1043"]
    assert (ok.actor, ok.actor_label, ok.object_type) == (admin_user, "admin", "order")
    assert ok.details == {"reason": "cancelled by staff", "result": "ok", "status": "cancelled"}
    assert refused.details == {"reason": "cancelled by staff", "result": "refused", "code": "order_not_cancellable"}
    delivered.refresh_from_db()
    assert delivered.status == Order.Status.DELIVERED


def test_advance_and_return_start_are_audited(admin_client):
    order = OrderFactory(number="ORD-2001", status=Order.Status.PACKED)
    delivered = DeliveredOrderFactory(number="ORD-2002")
    cancelled = OrderFactory(number="ORD-2003", status=Order.Status.CANCELLED)

    orders_action(admin_client, "order", "advance_orders", [order, cancelled])
    orders_action(admin_client, "order", "start_returns", [delivered])

    advance = {r.object_id: r.details for r in AuditLog.objects.filter(action="order.advance")}
    assert advance["ORD-2001"] == {"reason": "advanced by staff", "from_status": "packed", "to_status": "shipped",
                                   "result": "ok", "status": "shipped"}
    assert advance["ORD-2003"]["result"] == "refused" and advance["ORD-2003"]["code"] == "order_no_next_status"
    started = AuditLog.objects.get(action="order.return_start")
    ret = Return.objects.get(order=delivered)
    assert (started.object_id, started.details["return"], started.details["result"]) == ("ORD-2002", ret.number, "ok")


def test_return_actions_are_audited(admin_client):
    ret = ReturnFactory(number="RET-3001")
    rejected = ReturnFactory(number="RET-3002", status=Return.Status.REJECTED)

    orders_action(admin_client, "return", "approve_returns", [ret, rejected])
    orders_action(admin_client, "return", "refund_returns", [ret])

    rows = [(r.action, r.object_type, r.object_id, r.details["result"]) for r in AuditLog.objects.order_by("id")]
    assert sorted(rows[:2]) == [("return.approve", "return", "RET-3001", "ok"),
                                ("return.approve", "return", "RET-3002", "refused")]
    assert rows[2] == ("return.refund", "return", "RET-3001", "ok")
    refund = AuditLog.objects.get(action="return.refund")
    ret.refresh_from_db()
    assert refund.details["refund_amount"] == str(ret.refund_amount) and ret.refund_amount > 0


def test_editing_an_order_in_its_form_is_audited(admin_client):
    order = OrderFactory(number="ORD-4001")
    data = changeform_data(admin_client.get(reverse("admin:orders_order_change", args=[order.pk])))
    data["shipping_city"] = "Nagpur"

    response = admin_client.post(reverse("admin:orders_order_change", args=[order.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    # Saving an unchanged form is not a change.
    admin_client.post(reverse("admin:orders_order_change", args=[order.pk]),
                      changeform_data(admin_client.get(reverse("admin:orders_order_change", args=[order.pk]))))

    row = AuditLog.objects.get()
    assert (row.action, row.object_id, row.details) == ("order.change", "ORD-4001",
                                                        {"fields": ["shipping_city"], "inlines": [], "result": "ok"})
