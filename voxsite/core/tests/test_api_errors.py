"""Under /api/ every error is JSON with a `code`, in any DEBUG mode: unknown paths, Django's own
checks (CSRF, Host, body size), bodies of the wrong JSON types, and bugs (voxsite.core.api)."""

import base64
import http.client
import io
import json
import struct

import pytest
from django.test import Client
from rest_framework.test import APIClient

from crm.models import CRMRecord
from orders.models import Return
from orders.tests.factories import DeliveredOrderFactory, ReturnFactory
from support.models import Conversation, Message
from support.conversations.tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[False, True], ids=["DEBUG=false", "DEBUG=true"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def assert_json_error(response, status, code):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json", response.content[:500]
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    assert b"<html" not in response.content.lower() and b"traceback" not in response.content.lower()
    return body


@pytest.mark.parametrize("path", ["/api/nope", "/api/v1/nope", "/api/v1/faqs/not-a-number", "/api", "/api/v1/products/"])
def test_unknown_api_paths_are_json_404(debug, path):
    body = assert_json_error(Client().get(path), 404, "not_found")
    assert path in body["detail"]


def test_pages_outside_the_api_keep_their_html_404(debug):
    response = Client().get("/no-such-page")
    assert response.status_code == 404
    assert "application/json" not in response["Content-Type"]


def test_method_not_allowed_is_json_with_allow(debug):
    plain = Client().post("/api/health")  # a plain Django view (require_GET)
    assert_json_error(plain, 405, "method_not_allowed")
    assert plain["Allow"] == "GET"
    drf = APIClient().put("/api/conversation/message", {}, format="json")
    assert_json_error(drf, 405, "method_not_allowed")


def test_csrf_failure_is_json(debug, admin_user):
    # A plain view: Django's CSRF middleware refuses it.
    client = Client(enforce_csrf_checks=True)
    assert_json_error(client.post("/api/health"), 403, "csrf_failed")
    # A DRF view with a staff session and no CSRF token: DRF's session authentication refuses it.
    client.force_login(admin_user)
    response = client.post("/api/v1/crm-records", {"scenario": "billing"}, content_type="application/json")
    assert_json_error(response, 403, "csrf_failed")
    assert CRMRecord.objects.count() == 0


def test_disallowed_host_is_json_and_names_the_setting(debug, settings):
    settings.ALLOWED_HOSTS = ["shop.example"]
    body = assert_json_error(Client().get("/api/health", HTTP_HOST="evil.example"), 400, "disallowed_host")
    assert "ALLOWED_HOSTS" in body["detail"]
    assert Client().get("/api/health", HTTP_HOST="shop.example").status_code == 200


@pytest.mark.urls("voxsite.core.tests.error_urls")
@pytest.mark.parametrize("path", ["/api/test/plain-failure", "/api/test/drf-failure"])
def test_a_bug_is_a_json_500_and_is_logged(debug, path, caplog):
    response = Client(raise_request_exception=False).get(path)
    body = assert_json_error(response, 500, "server_error")
    assert "bug" not in body["detail"]  # nothing about the code leaks
    assert any(r.name == "django.request" and r.levelname == "ERROR" for r in caplog.records)


def test_malformed_json_is_400_in_the_error_shape(debug):
    response = Client().post("/api/v1/sessions/x/messages", "{not json", content_type="application/json")
    assert_json_error(response, 400, "malformed_request")


# --- body size


def test_a_json_body_over_the_limit_is_413_and_names_the_setting(debug, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    body = json.dumps({"text": "x" * 3000, "language": "en"})
    for path in ("/api/conversation/message", "/api/health"):  # a DRF view and a plain one
        error = assert_json_error(Client().post(path, body, content_type="application/json"), 413, "request_too_large")
        assert error["limit"] == 2000
        assert "DATA_UPLOAD_MAX_MEMORY_SIZE" in error["detail"] and str(len(body)) in error["detail"]
    assert Conversation.objects.count() == 0


def test_form_fields_over_the_limit_are_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    response = APIClient().post("/api/voice/process", {"file": io.BytesIO(b"RIFF"), "mime": "x" * 3000},
                                format="multipart")
    error = assert_json_error(response, 413, "request_too_large")
    assert error["limit"] == 2000


def _wav_of_size(total_bytes: int) -> bytes:
    """A 16 kHz mono 16-bit WAV file of exactly `total_bytes` bytes (silence)."""
    data = total_bytes - 44
    header = (b"RIFF" + struct.pack("<I", 36 + data) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
              + b"data" + struct.pack("<I", data))
    return header + b"\x00" * data


def test_the_default_limit_admits_the_largest_audio_as_base64(settings):
    # AUDIO_MAX_BYTES of audio in JSON is ~13.4 MB: it must reach the audio checks, not stop at 413.
    audio = _wav_of_size(settings.AUDIO_MAX_BYTES)
    body = json.dumps({"audio_base64": base64.b64encode(audio).decode(), "mime": "audio/wav"})
    assert len(body) > 13_900_000
    response = Client().post("/api/voice/process", body, content_type="application/json")
    assert_json_error(response, 422, "audio_too_long")  # 327 s of audio; AUDIO_MAX_SECONDS is 60
    # One byte more than the limit is refused before anything reads it.
    too_large = json.dumps({"text": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    assert_json_error(Client().post("/api/conversation/message", too_large, content_type="application/json"),
                      413, "request_too_large")


# --- wrong JSON types: refused, never coerced


@pytest.fixture
def shop(db):
    conversation = ConversationFactory()
    order = DeliveredOrderFactory(number="ORD-1001")
    ret = ReturnFactory(order=DeliveredOrderFactory(number="ORD-1002"), status=Return.Status.APPROVED)
    return {"sid": str(conversation.pk), "order": order.number, "return": ret.number}


WRONG_TYPES = [
    # The prototypes' endpoints (DESIGN.md, compatibility).
    ("/api/conversation/message", {"text": 123}, ["text"]),
    ("/api/conversation/message", {"text": "hi", "language": 5}, ["language"]),
    ("/api/conversation/message", {"text": ["hi"]}, ["text"]),
    ("/api/voice/text", {"text": 123}, ["text"]),
    ("/api/voice/text", {"text": True}, ["text"]),
    ("/api/voice/process", {"audio_base64": 123, "mime": "audio/wav"}, ["audio_base64"]),
    ("/api/voice/process", {"audio_base64": "AAAA", "async": "true"}, ["async"]),
    ("/api/voice/process", {"audio_base64": "AAAA", "sample_rate": "16000"}, ["sample_rate"]),
    ("/api/v1/sessions", {"customer_id": 123}, ["customer_id"]),
    ("/api/v1/sessions", {"language": 1, "persona": False}, ["language", "persona"]),
    ("/api/v1/sessions/{sid}/messages", {"type": "text", "text": 123}, ["text"]),
    ("/api/v1/sessions/{sid}/messages", {"text": {"en": "hi"}}, ["text"]),
    ("/api/v1/sessions/{sid}/messages", {"type": "audio", "audio_base64": 5}, ["audio_base64"]),
    ("/api/v1/tools/mcp", {"scenario": "general", "crm_record": {"query": 123}}, ["crm_record"]),
    ("/api/v1/tools/mcp", {"scenario": "general", "crm_record": "help"}, ["crm_record"]),
    # The integrator API.
    ("/api/v1/crm-records", {"scenario": 5}, ["scenario"]),
    ("/api/v1/crm-records", {"scenario": "billing", "payload": [1]}, ["payload"]),
    ("/api/v1/returns", {"order": 1001, "reason": "damaged"}, ["order"]),
    ("/api/v1/returns", {"order": "ORD-1001", "reason": "damaged",
                         "items": [{"order_item_id": "1", "quantity": 1}]}, ["items"]),
    ("/api/v1/orders/{order}/cancel", {"reason": 5}, ["reason"]),
    ("/api/v1/returns/{return}/approve", {"note": True}, ["note"]),
    ("/api/v1/returns/{return}/refund", {"amount": 100}, ["amount"]),
]


@pytest.mark.parametrize("path, body, fields", WRONG_TYPES)
def test_wrong_json_types_are_400_per_field(api_client, shop, path, body, fields):
    stored = (Conversation.objects.count(), Message.objects.count(), CRMRecord.objects.count(), Return.objects.count())
    response = api_client.post(path.format(**shop), body, format="json")
    error = assert_json_error(response, 400, "invalid")
    assert sorted(error["errors"]) == fields
    assert (Conversation.objects.count(), Message.objects.count(), CRMRecord.objects.count(),
            Return.objects.count()) == stored


def test_a_nested_wrong_type_is_reported_where_it_is(api_client, shop):
    response = api_client.post("/api/v1/tools/mcp", {"scenario": "general", "crm_record": {"query": 123}}, format="json")
    assert response.json()["errors"] == {"crm_record": {"query": ["Expected a string, got a number."]}}
    items = api_client.post("/api/v1/returns", {"order": "ORD-1001", "reason": "damaged", "items": [
        {"order_item_id": 1, "quantity": 1}, {"order_item_id": 1, "quantity": "2"}]}, format="json")
    assert items.json()["errors"] == {"items": [{}, {"quantity": ["Expected an integer, got a string."]}]}


def test_a_shopper_without_a_key_gets_the_same_400(shop):
    response = APIClient().post("/api/conversation/message", {"text": 123}, format="json")
    assert assert_json_error(response, 400, "invalid")["errors"] == {"text": ["Expected a string, got a number."]}


@pytest.mark.parametrize("query, field", [
    ("/api/v1/products?in_stock=yes", "in_stock"),
    ("/api/v1/products?in_stock=", "in_stock"),  # empty is not a boolean: leave it out for "any"
    ("/api/v1/products?min_price=1e3", "min_price"),
    ("/api/v1/products?max_price=-5", "max_price"),
    ("/api/v1/products?page_size=abc", "page_size"),
    ("/api/v1/products?page_size=0", "page_size"),
    ("/api/v1/products?page_size=101", "page_size"),
    ("/api/v1/categories?page=1.0", "page"),
    ("/api/v1/orders?status=", "status"),
    ("/api/v1/returns?order=%D9%A1%D9%A0%D9%A4%D9%A2", "order"),  # Arabic-Indic digits: the schema says 0-9
    ("/api/v1/customers?phone=12345", "phone"),
    ("/api/v1/sessions?status=bogus", "status"),
    ("/api/conversation/history/6f1c3f4e-1111-4e2a-9a55-0123456789ab?export=pdf", "export"),
])
def test_query_parameters_are_read_as_the_schema_says(api_client, query, field):
    error = assert_json_error(api_client.get(query), 400, "invalid")
    assert list(error["errors"]) == [field]


@pytest.mark.parametrize("query", ["/api/v1/products?in_stock=true&min_price=0.50&page_size=100",
                                   "/api/v1/products?q=&category=", "/api/v1/returns?order=ord%201042",
                                   "/api/v1/customers?phone=%2B91-98765-43210"])
def test_what_the_schema_allows_in_a_query_is_accepted(api_client, query):
    assert api_client.get(query).status_code == 200


# --- through the real server (Daphne, DEBUG=false)


def _raw_post(server, path, body: bytes, content_type: str):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": content_type})
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.embedded_server
def test_the_live_server_answers_every_error_in_json(demo_server):
    # A multipart body Twisted cannot parse: Daphne's Twisted used to answer an empty 400 itself.
    status, content_type, body = _raw_post(demo_server, "/api/voice/process", b"--b--\r\n",
                                           "multipart/form-data; boundary=b")
    assert (status, content_type) == (400, "application/json") and json.loads(body)["code"] == "invalid"
    status, content_type, body = _raw_post(demo_server, "/api/conversation/message", b"x" * 15_000_000,
                                           "application/json")
    assert (status, content_type) == (413, "application/json") and json.loads(body)["code"] == "request_too_large"
    status, body = demo_server.get("/api/v1/no-such-thing")
    assert status == 404 and json.loads(body)["code"] == "not_found"
