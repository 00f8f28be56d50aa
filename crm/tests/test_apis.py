import pytest

from crm.models import CRMRecord
from crm.tests.factories import CRMRecordFactory, CustomerFactory
from support.conversations.tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api_client):
    # The key's first request stamps last_used_at; warming up keeps query counts about the endpoint.
    api_client.get("/api/v1/customers")
    return api_client


@pytest.fixture
def customers():
    made = [CustomerFactory(name=f"Rahul Verma {i}", email=f"rahul{i}@example.in") for i in range(4)]
    made.append(CustomerFactory(customer_id="cust_priya", name="Priya Sharma", phone="+919876543210",
                                email="priya@example.in", preferred_language="hi"))
    return made


def test_customer_list_query_count(client, customers, django_assert_num_queries):
    # key lookup, COUNT, page
    with django_assert_num_queries(3):
        resp = client.get("/api/v1/customers")
    body = resp.json()
    assert body["count"] == 5
    assert body["results"][0]["name"] == "Priya Sharma"


@pytest.mark.parametrize("phone", ["98765 43210", "+91-98765-43210", "09876543210", "919876543210"])
def test_customer_by_phone_any_format(client, customers, phone):
    results = client.get("/api/v1/customers", {"phone": phone}).json()["results"]
    assert [c["customer_id"] for c in results] == ["cust_priya"]


def test_customer_search_text(client, customers):
    results = client.get("/api/v1/customers?q=rahul2").json()["results"]
    assert [c["email"] for c in results] == ["rahul2@example.in"]


def test_customer_invalid_phone(client, customers):
    resp = client.get("/api/v1/customers?phone=call+me")
    assert resp.status_code == 400
    assert resp.json()["code"] == "invalid"
    assert list(resp.json()["errors"]) == ["phone"]


def test_customer_detail(client, customers):
    body = client.get("/api/v1/customers/cust_priya").json()
    assert body["phone"] == "+919876543210"
    assert body["preferred_language"] == "hi"
    assert set(body) == {"customer_id", "name", "phone", "email", "preferred_language", "created_at"}


def test_customer_detail_unknown(client, customers):
    resp = client.get("/api/v1/customers/cust_nope")
    assert resp.status_code == 404
    assert resp.json() == {"code": "customer_not_found", "detail": "No customer 'cust_nope'."}


# --- CRM records


@pytest.fixture
def records(customers):
    priya = customers[-1]
    made = [CRMRecordFactory(customer=c, scenario="billing") for c in customers[:4]]
    made.append(CRMRecordFactory(customer=priya, scenario="return", status=CRMRecord.Status.RESOLVED))
    made.append(CRMRecordFactory(customer=None, scenario="handoff"))
    return made


def test_crm_record_list_query_count(client, records, django_assert_num_queries):
    # key lookup, COUNT, page joined with customers
    with django_assert_num_queries(3):
        resp = client.get("/api/v1/crm-records")
    body = resp.json()
    assert body["count"] == 6
    assert {r["customer_id"] for r in body["results"]} == {c.customer.customer_id for c in records[:5]} | {None}


@pytest.mark.parametrize(
    "query, count",
    [("status=resolved", 1), ("status=open", 5), ("scenario=billing", 4), ("customer_id=cust_priya", 1),
     ("customer_id=cust_priya&status=open", 0), ("scenario=", 6)],
)
def test_crm_record_filters(client, records, query, count):
    assert client.get(f"/api/v1/crm-records?{query}").json()["count"] == count


def test_crm_record_invalid_status(client, records):
    resp = client.get("/api/v1/crm-records?status=closed")
    assert resp.status_code == 400
    assert list(resp.json()["errors"]) == ["status"]


def test_crm_record_detail(client, records):
    record = records[-2]
    body = client.get(f"/api/v1/crm-records/{record.pk}").json()
    assert body["id"] == record.pk
    assert body["customer_id"] == "cust_priya"
    assert body["status"] == "resolved"
    assert body["conversation_id"] is None
    resp = client.get("/api/v1/crm-records/999999")
    assert resp.status_code == 404
    assert resp.json()["code"] == "crm_record_not_found"


def test_crm_record_create(client, customers):
    conversation = ConversationFactory(customer=customers[-1])
    resp = client.post(
        "/api/v1/crm-records",
        {"scenario": "billing", "intent": "refund_request", "priority": "high", "summary": "Charged twice",
         "payload": {"amount_inr": 499, "upi_ref": "UPI123", "lines": [1, 2]}, "customer_id": "cust_priya",
         "conversation_id": str(conversation.pk)},
        format="json",
    )
    assert resp.status_code == 201
    body = resp.json()
    record = CRMRecord.objects.get(pk=body["id"])
    assert record.customer.customer_id == "cust_priya"
    assert record.conversation == conversation
    assert record.payload == {"amount_inr": 499, "upi_ref": "UPI123", "lines": [1, 2]}
    assert (body["priority"], body["status"], body["conversation_id"]) == ("high", "open", str(conversation.pk))


def test_crm_record_create_minimal(client):
    resp = client.post("/api/v1/crm-records", {"scenario": "general"}, format="json")
    assert resp.status_code == 201
    body = resp.json()
    assert (body["priority"], body["payload"], body["customer_id"], body["intent"]) == ("medium", {}, None, "")


@pytest.mark.parametrize(
    "data, fields",
    [
        ({}, ["scenario"]),
        ({"scenario": "billing", "priority": "sky-high"}, ["priority"]),
        ({"scenario": "x" * 51}, ["scenario"]),
        ({"scenario": "billing", "payload": "text"}, ["payload"]),
        ({"scenario": "billing", "payload": {"note": "a\x00b"}}, ["payload"]),
        ({"scenario": "billing", "payload": {"blob": "x" * 20_000}}, ["payload"]),
        ({"scenario": "billing", "conversation_id": "not-a-uuid"}, ["conversation_id"]),
        ({"scenario": 7, "customer_id": "cust_nope"}, ["scenario"]),
    ],
)
def test_crm_record_create_invalid(client, customers, data, fields):
    resp = client.post("/api/v1/crm-records", data, format="json")
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "invalid"
    assert sorted(body["errors"]) == fields
    assert CRMRecord.objects.count() == 0


@pytest.mark.parametrize(
    "data, code",
    [
        ({"scenario": "billing", "customer_id": "cust_nope"}, "customer_not_found"),
        ({"scenario": "billing", "conversation_id": "00000000-0000-0000-0000-000000000000"}, "conversation_not_found"),
    ],
)
def test_crm_record_create_for_something_that_does_not_exist_is_404(client, customers, data, code):
    # Well-formed ids of nothing, like an unknown order number on POST /returns.
    resp = client.post("/api/v1/crm-records", data, format="json")
    assert resp.status_code == 404
    assert resp.json()["code"] == code
    assert CRMRecord.objects.count() == 0


def test_crm_record_create_lone_surrogate_in_payload(client):
    # Valid JSON, but not storable text (PostgreSQL's jsonb would refuse it with a 500).
    resp = client.post("/api/v1/crm-records", b'{"scenario": "billing", "payload": {"x": "\\ud800"}}',
                       content_type="application/json")
    assert resp.status_code == 400
    assert list(resp.json()["errors"]) == ["payload"]


def test_crm_record_create_malformed_json(client):
    resp = client.post("/api/v1/crm-records", b'{"scenario": ', content_type="application/json")
    assert resp.status_code == 400
    assert resp.json()["code"] == "malformed_request"
    assert CRMRecord.objects.count() == 0


@pytest.mark.parametrize("url", ["/api/v1/customers", "/api/v1/customers/cust_priya", "/api/v1/crm-records",
                                 "/api/v1/crm-records/1"])
def test_crm_needs_a_key(url, db):
    from rest_framework.test import APIClient

    resp = APIClient().get(url)
    assert resp.status_code == 401
    assert resp.json()["code"] == "not_authenticated"
