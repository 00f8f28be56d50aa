from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.tests.factories import PolicyFactory
from crm.tests.factories import CustomerFactory
from orders.models import Order, OrderEvent, Return, ReturnEvent
from orders.services import ReturnLine, return_approve, return_create
from orders.tests.factories import DeliveredOrderFactory, OrderFactory, ReturnFactory, TrackingEventFactory
from orders.tests.test_services import add_item, db_snapshot
from voxsite.core.models import APIKey

pytestmark = pytest.mark.django_db

S = Order.Status
R = Return.Status


@pytest.fixture
def key_and_client(api_key_factory):
    key, raw = api_key_factory(scopes=("read", "write"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return key, client


@pytest.fixture
def client(key_and_client):
    return key_and_client[1]


@pytest.fixture
def read_only_client(api_key_factory):
    _, raw = api_key_factory(scopes=("read",), name="read only")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def post_json(client, url, body=None):
    return client.post(url, body if body is not None else {}, format="json")


# ---------------------------------------------------------------------------
# Authentication and scopes


@pytest.mark.parametrize("url", ["/api/v1/orders", "/api/v1/orders/ORD-1001", "/api/v1/returns", "/api/v1/returns/RET-2001"])
def test_reads_need_an_api_key(url):
    response = APIClient().get(url)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_wrong_key_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer vx_not-a-real-key")

    response = client.get("/api/v1/orders")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/orders/ORD-1001/cancel", {}),
        ("/api/v1/returns", {"order": "ORD-1001", "reason": "damaged"}),
        ("/api/v1/returns/RET-2001/approve", {}),
        ("/api/v1/returns/RET-2001/reject", {}),
        ("/api/v1/returns/RET-2001/refund", {}),
    ],
)
def test_writes_need_the_write_scope_and_change_nothing_without_it(read_only_client, url, body):
    order = DeliveredOrderFactory(number="ORD-1001")
    ReturnFactory(number="RET-2001", order=order)
    before = db_snapshot()

    response = post_json(read_only_client, url, body)

    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    assert db_snapshot() == before


def test_read_only_key_can_read(read_only_client):
    OrderFactory(number="ORD-1001")

    assert read_only_client.get("/api/v1/orders").status_code == 200
    assert read_only_client.get("/api/v1/orders/ORD-1001").status_code == 200


# ---------------------------------------------------------------------------
# Orders: list and detail


def test_order_list_is_paginated_newest_first(client):
    now = timezone.now()
    old = OrderFactory(placed_at=now - timedelta(days=2))
    new = OrderFactory(placed_at=now - timedelta(days=1))

    body = client.get("/api/v1/orders").json()

    assert body["count"] == 2
    assert [o["number"] for o in body["results"]] == [new.number, old.number]
    first = body["results"][0]
    assert first["customer"] == {"customer_id": new.customer.customer_id, "name": new.customer.name,
                                 "phone": new.customer.phone}
    assert first["items"][0]["quantity"] == 2
    assert first["items"][0]["unit_price"] == "1299.00"
    assert first["items"][0]["line_total"] == "2598.00"
    assert first["total"] == "2598.00"


def test_order_list_page_size(client):
    for _ in range(3):
        OrderFactory()

    body = client.get("/api/v1/orders?page_size=2").json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None


def test_order_list_filters(client):
    priya = CustomerFactory(phone="+919876543210", customer_id="cust_123")
    shipped = OrderFactory(customer=priya, status=S.SHIPPED)
    placed = OrderFactory(customer=priya, status=S.PLACED)
    OrderFactory(status=S.SHIPPED)

    def numbers(query):
        response = client.get("/api/v1/orders", query)
        assert response.status_code == 200, response.json()
        return {o["number"] for o in response.json()["results"]}

    assert numbers({"customer_phone": "98765 43210"}) == {shipped.number, placed.number}
    assert numbers({"customer_phone": "+91-98765-43210", "status": "shipped"}) == {shipped.number}
    assert numbers({"customer_id": "cust_123", "status": "placed"}) == {placed.number}
    assert numbers({"customer_id": "cust_999"}) == set()


@pytest.mark.parametrize(
    ("query", "field"),
    [({"status": "lost"}, "status"), ({"customer_phone": "not a phone"}, "customer_phone"),
     ({"customer_phone": "12345"}, "customer_phone")],
)
def test_order_list_bad_filters_are_400_per_field(client, query, field):
    response = client.get("/api/v1/orders", query)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]


def test_order_detail_has_items_tracking_returns_and_events(client):
    order = DeliveredOrderFactory(number="ORD-1001")
    add_item(order, quantity=1, unit_price="499.00")
    TrackingEventFactory(order=order, status=S.SHIPPED, description="Shipped from Bhiwandi",
                         occurred_at=timezone.now() - timedelta(days=3))
    TrackingEventFactory(order=order, status=S.DELIVERED, description="Delivered", location="Pune")
    OrderEvent.objects.create(order=order, from_status=S.SHIPPED, to_status=S.DELIVERED, actor="system")
    ret = return_create(order=order, reason=Return.Reason.DAMAGED, actor="system",
                        lines=[ReturnLine(order_item_id=order.items.first().pk, quantity=1)])

    response = client.get("/api/v1/orders/ord-1001")

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == "ORD-1001"
    assert body["status"] == "delivered"
    assert [i["quantity"] for i in body["items"]] == [2, 1]
    assert [e["description"] for e in body["tracking_events"]] == ["Shipped from Bhiwandi", "Delivered"]
    assert body["returns"][0]["number"] == ret.number
    assert body["returns"][0]["items"][0]["quantity"] == 1
    assert body["events"] == [
        {"from_status": "shipped", "to_status": "delivered", "actor": "system", "reason": "",
         "created_at": body["events"][0]["created_at"]}
    ]
    assert body["shipping_city"] == "Pune"


@pytest.mark.parametrize("number", ["ORD-9999", "RET-1001", "nonsense"])
def test_unknown_order_is_404(client, number):
    OrderFactory(number="ORD-1001")

    response = client.get(f"/api/v1/orders/{number}")

    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"


# ---------------------------------------------------------------------------
# Cancel


@pytest.mark.parametrize("status", [S.PLACED, S.CONFIRMED, S.PACKED])
def test_cancel_with_an_api_key(key_and_client, status):
    key, client = key_and_client
    OrderFactory(number="ORD-1001", status=status, amount_paid=Decimal("2598.00"))

    response = post_json(client, "/api/v1/orders/ORD-1001/cancel", {"reason": "ordered twice"})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["amount_refunded"] == "2598.00"
    assert body["events"][-1]["actor"] == f"api:{key.prefix}"
    assert body["events"][-1]["reason"] == "ordered twice"
    order = Order.objects.get(number="ORD-1001")
    assert order.status == S.CANCELLED
    assert order.events.get().actor == f"api:{key.prefix}"


def test_cancel_without_a_body_uses_a_default_reason(client):
    OrderFactory(number="ORD-1001", payment_method=Order.PaymentMethod.COD, amount_paid=Decimal("0.00"))

    response = client.post("/api/v1/orders/ORD-1001/cancel")

    assert response.status_code == 200
    assert response.json()["amount_refunded"] == "0.00"
    assert Order.objects.get(number="ORD-1001").events.get().reason == "cancelled"


def test_cancel_by_a_staff_session_names_the_staff_user():
    staff = get_user_model().objects.create_user("asha", password="x", is_staff=True)
    client = APIClient()
    client.force_login(staff)
    OrderFactory(number="ORD-1001")

    response = post_json(client, "/api/v1/orders/ORD-1001/cancel", {"reason": "customer called"})

    assert response.status_code == 200
    assert Order.objects.get(number="ORD-1001").events.get().actor == "staff:asha"


def test_a_logged_in_non_staff_user_cannot_cancel():
    user = get_user_model().objects.create_user("shopper", password="x")
    client = APIClient()
    client.force_login(user)
    OrderFactory(number="ORD-1001")
    before = db_snapshot()

    response = post_json(client, "/api/v1/orders/ORD-1001/cancel")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("status", "code"),
    [(S.SHIPPED, "order_not_cancellable"), (S.OUT_FOR_DELIVERY, "order_not_cancellable"),
     (S.DELIVERED, "order_not_cancellable"), (S.RETURNED, "order_not_cancellable"),
     (S.CANCELLED, "order_already_cancelled")],
)
def test_cancel_refused_is_409_naming_the_rule_and_changes_nothing(client, status, code):
    OrderFactory(number="ORD-1001", status=status)
    before = db_snapshot()

    response = post_json(client, "/api/v1/orders/ORD-1001/cancel", {"reason": "changed my mind"})

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == code
    assert body["detail"]
    assert db_snapshot() == before


def test_cancel_unknown_order_is_404(client):
    response = post_json(client, "/api/v1/orders/ORD-4040/cancel")

    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"


def test_cancel_with_malformed_json_is_400_and_changes_nothing(client):
    OrderFactory(number="ORD-1001")
    before = db_snapshot()

    response = client.post("/api/v1/orders/ORD-1001/cancel", '{"reason": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert db_snapshot() == before


@pytest.mark.parametrize("body", [{"reason": "x" * 301}, {"reason": ["a"]}, ["reason"]])
def test_cancel_with_invalid_fields_is_400_and_changes_nothing(client, body):
    OrderFactory(number="ORD-1001")
    before = db_snapshot()

    response = post_json(client, "/api/v1/orders/ORD-1001/cancel", body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"]
    assert db_snapshot() == before


def test_cancel_with_a_form_body_is_415(client):
    OrderFactory(number="ORD-1001")

    response = client.post("/api/v1/orders/ORD-1001/cancel", {"reason": "x"})  # multipart

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert Order.objects.get(number="ORD-1001").status == S.PLACED


# ---------------------------------------------------------------------------
# Returns: list, detail, create


def test_return_list_and_filters(client):
    order = DeliveredOrderFactory(number="ORD-1001")
    now = timezone.now()
    approved = ReturnFactory(order=order, status=R.APPROVED, requested_at=now - timedelta(hours=1))
    requested = ReturnFactory(order=order, status=R.REQUESTED, requested_at=now)
    other = ReturnFactory(status=R.APPROVED, requested_at=now - timedelta(days=1))

    def numbers(query):
        response = client.get("/api/v1/returns", query)
        assert response.status_code == 200, response.json()
        return [r["number"] for r in response.json()["results"]]

    assert numbers({}) == [requested.number, approved.number, other.number]
    assert numbers({"order": "ORD-1001"}) == [requested.number, approved.number]
    assert numbers({"order": "1001", "status": "approved"}) == [approved.number]
    assert numbers({"status": "approved"}) == [approved.number, other.number]
    first = client.get("/api/v1/returns").json()["results"][0]
    assert first["order"] == "ORD-1001"
    assert first["items"][0]["sku"] == order.items.get().sku


@pytest.mark.parametrize(("query", "field"), [({"status": "lost"}, "status"), ({"order": "RET-5"}, "order")])
def test_return_list_bad_filters_are_400(client, query, field):
    response = client.get("/api/v1/returns", query)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_return_detail(client):
    ret = ReturnFactory(number="RET-2001")
    return_approve(ret=ret, actor="staff:asha", note="photos ok")

    body = client.get("/api/v1/returns/2001").json()

    assert body["number"] == "RET-2001"
    assert body["status"] == "approved"
    assert body["order"] == ret.order.number
    assert [(e["from_status"], e["to_status"], e["note"]) for e in body["events"]] == [("requested", "approved", "photos ok")]


def test_unknown_return_is_404(client):
    response = client.get("/api/v1/returns/RET-9999")

    assert response.status_code == 404
    assert response.json()["code"] == "return_not_found"


def test_create_return_for_some_items(key_and_client):
    key, client = key_and_client
    order = DeliveredOrderFactory(number="ORD-1001")
    item = order.items.get()

    response = post_json(client, "/api/v1/returns", {
        "order": "ORD-1001", "reason": "size_fit", "reason_detail": "too small",
        "items": [{"order_item_id": item.pk, "quantity": 1}],
    })

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "RET-2001"
    assert body["status"] == "requested"
    assert body["reason_detail"] == "too small"
    assert [(i["order_item_id"], i["quantity"]) for i in body["items"]] == [(item.pk, 1)]
    assert body["events"][0]["actor"] == f"api:{key.prefix}"
    assert Return.objects.get(number="RET-2001").order == order


def test_create_return_without_items_returns_everything(client):
    order = DeliveredOrderFactory(number="ORD-1001")

    response = post_json(client, "/api/v1/returns", {"order": "ord 1001", "reason": "damaged"})

    assert response.status_code == 201
    assert [i["quantity"] for i in response.json()["items"]] == [2]
    assert order.returns.count() == 1


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("undelivered", "return_order_not_delivered"),
        ("out_of_window", "return_window_expired"),
        ("too_many", "return_quantity_exceeded"),
        ("foreign_item", "return_item_not_on_order"),
        ("already_returned", "return_quantity_exceeded"),
    ],
)
def test_create_return_refused_is_422_naming_the_rule_and_changes_nothing(client, setup, code):
    PolicyFactory(return_window_days=7)
    order = DeliveredOrderFactory(number="ORD-1001")
    item_id, quantity = order.items.get().pk, 1
    if setup == "undelivered":
        Order.objects.filter(pk=order.pk).update(status=S.SHIPPED)
    elif setup == "out_of_window":
        Order.objects.filter(pk=order.pk).update(delivered_at=timezone.now() - timedelta(days=8))
    elif setup == "too_many":
        quantity = 3
    elif setup == "foreign_item":
        item_id = DeliveredOrderFactory().items.get().pk
    elif setup == "already_returned":
        return_create(order=order, reason=Return.Reason.DAMAGED, actor="system")
    before = db_snapshot()

    response = post_json(client, "/api/v1/returns", {
        "order": "ORD-1001", "reason": "damaged", "items": [{"order_item_id": item_id, "quantity": quantity}],
    })

    assert response.status_code == 422
    assert response.json()["code"] == code
    assert db_snapshot() == before


def test_create_return_for_an_unknown_order_is_404(client):
    response = post_json(client, "/api/v1/returns", {"order": "ORD-4040", "reason": "damaged"})

    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"order", "reason"}),
        ({"order": "ORD-1001", "reason": "bored"}, {"reason"}),
        ({"order": "hello", "reason": "damaged"}, {"order"}),
        ({"order": "ORD-1001", "reason": "damaged", "items": []}, {"items"}),
        ({"order": "ORD-1001", "reason": "damaged", "items": [{"order_item_id": 1}]}, {"items"}),
        ({"order": "ORD-1001", "reason": "damaged", "items": [{"order_item_id": 1, "quantity": 0}]}, {"items"}),
        ({"order": "ORD-1001", "reason": "damaged", "items": "all"}, {"items"}),
        ({"order": "ORD-1001", "reason": "damaged", "items": [{"order_item_id": 1, "quantity": 1}] * 101}, {"items"}),
        ({"order": "ORD-1001", "reason": "damaged", "reason_detail": "x" * 301}, {"reason_detail"}),
        ({"order": 1001.5, "reason": None}, {"order", "reason"}),
    ],
)
def test_create_return_with_invalid_fields_is_400_per_field(client, body, fields):
    DeliveredOrderFactory(number="ORD-1001")
    before = db_snapshot()

    response = post_json(client, "/api/v1/returns", body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["errors"]) == fields
    assert db_snapshot() == before


def test_create_return_with_malformed_json_is_400(client):
    DeliveredOrderFactory(number="ORD-1001")
    before = db_snapshot()

    response = client.post("/api/v1/returns", "{order: ORD-1001", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert db_snapshot() == before


# ---------------------------------------------------------------------------
# Returns: approve, reject, refund


def test_approve_then_refund_in_full_makes_the_order_returned(key_and_client):
    key, client = key_and_client
    order = DeliveredOrderFactory(number="ORD-1001")
    ret = return_create(order=order, reason=Return.Reason.DAMAGED, actor="system")

    approved = post_json(client, f"/api/v1/returns/{ret.number}/approve", {"note": "photos ok"})
    refunded = post_json(client, f"/api/v1/returns/{ret.number}/refund")

    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert refunded.status_code == 200
    assert refunded.json()["status"] == "refunded"
    assert refunded.json()["refund_amount"] == "2598.00"
    order.refresh_from_db()
    assert order.status == S.RETURNED
    assert order.amount_refunded == Decimal("2598.00")
    assert list(ReturnEvent.objects.filter(ret=ret).values_list("to_status", "actor")) == [
        ("requested", "system"), ("approved", f"api:{key.prefix}"), ("refunded", f"api:{key.prefix}")
    ]


def test_reject(client):
    ret = ReturnFactory(number="RET-2001")

    response = post_json(client, "/api/v1/returns/RET-2001/reject", {"note": "outside policy"})

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert ret.events.get().note == "outside policy"


def test_partial_refund_then_over_refund_is_422_and_changes_nothing(client):
    order = DeliveredOrderFactory(number="ORD-1001")
    item = order.items.get()
    first = return_approve(ret=return_create(order=order, reason="damaged", actor="system",
                                             lines=[ReturnLine(order_item_id=item.pk, quantity=1)]), actor="system")
    second = return_approve(ret=return_create(order=order, reason="damaged", actor="system",
                                              lines=[ReturnLine(order_item_id=item.pk, quantity=1)]), actor="system")
    assert post_json(client, f"/api/v1/returns/{first.number}/refund", {"amount": "2000.00"}).status_code == 200
    before = db_snapshot()

    response = post_json(client, f"/api/v1/returns/{second.number}/refund", {"amount": "1000.00"})

    assert response.status_code == 422
    assert response.json()["code"] == "refund_exceeds_paid"
    assert response.json()["refundable"] == "598.00"
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("status", "action"),
    [(R.REJECTED, "approve"), (R.REFUNDED, "approve"), (R.APPROVED, "approve"), (R.APPROVED, "reject"),
     (R.CANCELLED, "reject"), (R.REQUESTED, "refund"), (R.REJECTED, "refund"), (R.REFUNDED, "refund")],
)
def test_invalid_return_transition_is_409_and_changes_nothing(client, status, action):
    ReturnFactory(number="RET-2001", status=status)
    before = db_snapshot()

    response = post_json(client, f"/api/v1/returns/RET-2001/{action}")

    assert response.status_code == 409
    assert response.json()["code"] == "return_invalid_transition"
    assert db_snapshot() == before


@pytest.mark.parametrize("amount", ["0", "-10", "abc", "1.234", "12345678901234"])
def test_refund_with_an_invalid_amount_is_400(client, amount):
    ReturnFactory(number="RET-2001", status=R.APPROVED)
    before = db_snapshot()

    response = post_json(client, "/api/v1/returns/RET-2001/refund", {"amount": amount})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["amount"]
    assert db_snapshot() == before


@pytest.mark.parametrize("action", ["approve", "reject", "refund"])
def test_action_on_unknown_return_is_404(client, action):
    response = post_json(client, f"/api/v1/returns/RET-9999/{action}")

    assert response.status_code == 404
    assert response.json()["code"] == "return_not_found"


# ---------------------------------------------------------------------------
# Query counts: the same number of queries for 2 rows as for 6, each with 3 items.
# auth key lookup + count + rows + prefetches. The key's last_used_at is fresh so the
# once-a-minute UPDATE does not run.


def _orders_with_history(n: int) -> list[Order]:
    orders = []
    for _ in range(n):
        order = DeliveredOrderFactory()
        add_item(order, quantity=1, unit_price="499.00")
        add_item(order, quantity=3, unit_price="199.00")
        TrackingEventFactory(order=order, status=S.SHIPPED)
        TrackingEventFactory(order=order, status=S.DELIVERED)
        OrderEvent.objects.create(order=order, from_status=S.SHIPPED, to_status=S.DELIVERED, actor="system")
        ret = return_create(order=order, reason=Return.Reason.DAMAGED, actor="system")
        return_approve(ret=ret, actor="system")
        orders.append(order)
    return orders


@pytest.fixture
def fresh_key(key_and_client):
    APIKey.objects.update(last_used_at=timezone.now())
    return key_and_client[1]


@pytest.mark.parametrize("rows", [2, 6])
def test_order_list_query_count(fresh_key, django_assert_num_queries, rows):
    _orders_with_history(rows)

    with django_assert_num_queries(4):  # key, count, orders + customers, items
        response = fresh_key.get("/api/v1/orders")

    assert len(response.json()["results"]) == rows
    assert all(len(o["items"]) == 3 for o in response.json()["results"])


@pytest.mark.parametrize("rows", [2, 6])
def test_return_list_query_count(fresh_key, django_assert_num_queries, rows):
    _orders_with_history(rows)

    with django_assert_num_queries(4):  # key, count, returns + orders + customers, items + order items
        response = fresh_key.get("/api/v1/returns")

    assert len(response.json()["results"]) == rows
    assert all(len(r["items"]) == 3 for r in response.json()["results"])


def test_order_detail_query_count(fresh_key, django_assert_num_queries):
    order = _orders_with_history(2)[0]

    with django_assert_num_queries(7):  # key, order + customer, items, tracking, events, returns, return items
        response = fresh_key.get(f"/api/v1/orders/{order.number}")

    body = response.json()
    assert len(body["items"]) == 3
    assert len(body["tracking_events"]) == 2
    assert len(body["returns"][0]["items"]) == 3


def test_return_detail_query_count(fresh_key, django_assert_num_queries):
    ret = _orders_with_history(2)[0].returns.get()

    with django_assert_num_queries(4):  # key, return + order + customer, items + order items, events
        response = fresh_key.get(f"/api/v1/returns/{ret.number}")

    assert len(response.json()["items"]) == 3
    assert len(response.json()["events"]) == 2


# ---------------------------------------------------------------------------
# Schema


def test_schema_documents_the_orders_and_returns_api():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]

    orders_get = paths["/api/v1/orders"]["get"]
    assert {p["name"] for p in orders_get["parameters"]} >= {"customer_phone", "status", "customer_id", "page"}
    cancel = paths["/api/v1/orders/{number}/cancel"]["post"]
    assert {"200", "400", "404", "409"} <= set(cancel["responses"])
    assert "application/json" in cancel["requestBody"]["content"]
    create = paths["/api/v1/returns"]["post"]
    assert {"201", "400", "404", "422"} <= set(create["responses"])
    assert {"200", "409", "422"} <= set(paths["/api/v1/returns/{number}/refund"]["post"]["responses"])
    for path in ["/api/v1/returns/{number}", "/api/v1/returns/{number}/approve", "/api/v1/returns/{number}/reject"]:
        assert path in paths
