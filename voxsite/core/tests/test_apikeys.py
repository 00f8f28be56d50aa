"""Integrator API keys end to end, through a real endpoint: authentication, scopes, storage, throttling."""

import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from crm.models import CRMRecord
from voxsite.core.models import APIKey

pytestmark = pytest.mark.django_db

READ_URL = "/api/v1/categories"
WRITE_URL = "/api/v1/crm-records"


def client_with(raw=None, header=None):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    elif raw is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_missing_key_is_401():
    resp = client_with().get(READ_URL)
    assert resp.status_code == 401
    assert resp.json()["code"] == "not_authenticated"
    assert resp["WWW-Authenticate"] == "Bearer"


def test_wrong_key_is_401(api_key_factory):
    api_key_factory()
    resp = client_with("vx_not-a-real-key").get(READ_URL)
    assert resp.status_code == 401
    assert resp.json()["code"] == "invalid_api_key"


@pytest.mark.parametrize("header", ["Token abc", "Bearer", "Bearer two parts", "vx_rawkeyonly"])
def test_malformed_authorization_header_is_401(header):
    resp = client_with(header=header).get(READ_URL)
    assert resp.status_code == 401
    assert resp.json()["code"] == "invalid_authorization_header"


def test_read_key_reads_but_cannot_write(api_key_factory):
    _, raw = api_key_factory(scopes=["read"])
    client = client_with(raw)
    assert client.get(READ_URL).status_code == 200
    resp = client.post(WRITE_URL, {"scenario": "billing"}, format="json")
    assert resp.status_code == 403
    assert resp.json()["code"] == "missing_scope"
    assert CRMRecord.objects.count() == 0


def test_write_only_key_cannot_read(api_key_factory):
    _, raw = api_key_factory(scopes=["write"])
    client = client_with(raw)
    assert client.get(READ_URL).json()["code"] == "missing_scope"
    assert client.post(WRITE_URL, {"scenario": "billing"}, format="json").status_code == 201


def test_revoked_key_is_401(api_key_factory):
    key, raw = api_key_factory()
    client = client_with(raw)
    assert client.get(READ_URL).status_code == 200
    key.active = False
    key.save()
    resp = client.get(READ_URL)
    assert resp.status_code == 401
    assert resp.json()["code"] == "invalid_api_key"


def test_only_a_hash_of_the_key_is_stored(api_key_factory):
    key, raw = api_key_factory()
    stored = APIKey.objects.values().get(pk=key.pk)
    assert stored["hashed_key"] == hashlib.sha256(raw.encode()).hexdigest()
    assert all(raw not in str(value) for value in stored.values())
    assert raw.startswith(stored["prefix"]) and len(stored["prefix"]) < len(raw) // 2


def test_use_is_stamped(api_key_factory):
    key, raw = api_key_factory()
    assert key.last_used_at is None
    client_with(raw).get(READ_URL)
    key.refresh_from_db()
    assert key.last_used_at is not None


@pytest.fixture
def three_per_minute(settings):
    from django.core.cache import cache

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api_key": "3/min"},
    }
    # The throttles read the rates per request (voxsite.core.throttling), so the override reaches them.
    cache.clear()
    yield
    cache.clear()


def test_throttled_per_key(api_key_factory, three_per_minute):
    _, first = api_key_factory(name="first")
    _, second = api_key_factory(name="second")
    busy = client_with(first)
    assert [busy.get(READ_URL).status_code for _ in range(3)] == [200, 200, 200]
    resp = busy.get(READ_URL)
    assert resp.status_code == 429
    assert resp.json()["code"] == "throttled"
    assert 0 < resp.json()["retry_after_s"] <= 60
    assert int(resp["Retry-After"]) > 0
    # Writes count against the same key.
    assert busy.post(WRITE_URL, {"scenario": "billing"}, format="json").status_code == 429
    # Another key has its own budget.
    assert [client_with(second).get(READ_URL).status_code for _ in range(3)] == [200, 200, 200]


def test_the_command_prints_a_working_key_once(db):
    out = io.StringIO()
    call_command("api_key_create", "--name", "shop integration", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    key = APIKey.objects.get(name="shop integration")
    assert key.scopes == ["read", "write"] and key.hashed_key == APIKey.hash(raw)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.post("/api/v1/sessions", {"language": "en"}, format="json").status_code == 201


@pytest.mark.parametrize("scopes", ["", "read,admin", " , "])
def test_the_command_refuses_unknown_scopes(db, scopes):
    with pytest.raises(CommandError, match="--scopes"):
        call_command("api_key_create", "--name", "x", "--scopes", scopes, stdout=io.StringIO())
    assert not APIKey.objects.exists()
