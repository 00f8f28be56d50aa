"""The cache-counter throttles: shoppers per address, integrators per key, one cache round trip."""

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from voxsite.core.throttling import cache_count

pytestmark = pytest.mark.django_db

MESSAGE_URL = "/api/conversation/message"


@pytest.fixture
def shopper_rate(settings):
    def set_rate(rate):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "shopper": rate},
        }
        caches["default"].clear()

    yield set_rate
    caches["default"].clear()


def _say(client, text="Hello", **extra):
    return client.post(MESSAGE_URL, {"text": text, "language": "en"}, format="json", **extra)


def test_shopper_over_the_rate_gets_429_with_retry_after(shopper_rate):
    shopper_rate("3/min")
    client = APIClient()
    assert [_say(client).status_code for _ in range(3)] == [200, 200, 200]
    resp = _say(client)
    assert resp.status_code == 429
    body = resp.json()
    assert body["code"] == "throttled"
    assert 0 < body["retry_after_s"] <= 60
    assert 0 < int(resp["Retry-After"]) <= 60


def test_shoppers_are_counted_per_address(shopper_rate):
    shopper_rate("2/min")
    client = APIClient()
    assert [_say(client, REMOTE_ADDR="10.0.0.1").status_code for _ in range(3)] == [200, 200, 429]
    assert _say(client, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_a_throttled_turn_stores_nothing(shopper_rate):
    from support.models import Message

    shopper_rate("1/min")
    client = APIClient()
    assert _say(client).status_code == 200
    before = Message.objects.count()
    assert _say(client, text="Where is my order?").status_code == 429
    assert Message.objects.count() == before


def test_integrator_keys_are_not_counted_as_shoppers(shopper_rate, api_key_factory):
    shopper_rate("1/min")
    _, raw = api_key_factory(name="integrator")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert [_say(client).status_code for _ in range(3)] == [200, 200, 200]


def test_no_rate_means_no_limit(shopper_rate):
    shopper_rate(None)
    client = APIClient()
    assert [_say(client).status_code for _ in range(5)] == [200] * 5


def test_cache_count_counts_and_starts_again_after_expiry():
    caches["default"].clear()
    assert [cache_count("t:count", 60) for _ in range(3)] == [1, 2, 3]
    caches["default"].delete("t:count")
    assert cache_count("t:count", 60) == 1


@pytest.mark.redis
def test_cache_count_in_redis_is_one_pipelined_round_trip(settings):
    """With Redis the counter is INCR + EXPIRE in one pipeline, shared by every process."""
    from voxsite.core.cache import SharedPoolRedisCache

    backend = caches["default"]
    assert isinstance(backend, SharedPoolRedisCache)
    key = "t:redis-count"
    backend.delete(key)
    assert [cache_count(key, 30) for _ in range(3)] == [1, 2, 3]
    raw = backend._cache.get_client(backend.make_and_validate_key(key))
    assert 0 < raw.ttl(backend.make_and_validate_key(key)) <= 30
    backend.delete(key)
