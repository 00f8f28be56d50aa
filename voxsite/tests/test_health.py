import uuid

import pytest

from voxsite.core.tests.test_metrics import parse_exposition, value_of

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


@pytest.mark.django_db
def test_liveness_is_ok_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_liveness_only_answers_get(client):
    assert client.post("/api/health").status_code == 405


@pytest.mark.django_db
def test_ready_checks_database_cache_and_channel_layer(client):
    response = client.get("/api/health/ready")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok", "channel_layer": "ok"}
    assert "failed" not in body


@pytest.mark.django_db
def test_ready_is_503_naming_an_unreachable_cache(client, settings):
    # A real failure: a Redis cache on a port nothing listens on.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": UNREACHABLE_REDIS}
    }
    response = client.get("/api/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["cache"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["channel_layer"] == "ok"
    assert body["checks"]["cache"].startswith("error: ConnectionError")


@pytest.mark.django_db
def test_ready_is_503_naming_an_unreachable_channel_layer(client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [UNREACHABLE_REDIS]}}
    }
    response = client.get("/api/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["channel_layer"]
    assert body["checks"]["channel_layer"].startswith("error: ")


@pytest.mark.django_db
def test_ready_is_503_naming_an_unusable_database(client, monkeypatch, tmp_path):
    # A real connection that fails: SQLite cannot create a file in a directory that does not exist.
    from django.db import connections
    from django.db.utils import ConnectionHandler

    import voxsite.health as health

    broken = dict(connections["default"].settings_dict)
    broken.update({"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "missing" / "db.sqlite3")})
    broken["OPTIONS"] = {}
    conn = ConnectionHandler({"default": broken})["default"]
    monkeypatch.setattr(health, "connection", conn)
    response = client.get("/api/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["database"]
    assert body["checks"]["database"].startswith("error: OperationalError")
    assert body["checks"]["cache"] == "ok"


def test_metrics_is_prometheus_text_with_route_counts_and_latency(client):
    route = "/api/health"
    for _ in range(3):
        client.get("/api/health")
    response = client.get("/api/health/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    types, samples = parse_exposition(response.content.decode())
    assert types["voxsite_http_requests_total"] == "counter"
    assert types["voxsite_http_request_duration_ms"] == "histogram"
    assert value_of(samples, "voxsite_http_requests_total", route=route, method="GET", status="200") >= 3
    count = value_of(samples, "voxsite_http_request_duration_ms_count", route=route, method="GET")
    assert count >= 3
    assert value_of(samples, "voxsite_http_request_duration_ms_bucket", route=route, method="GET", le="+Inf") == count
    assert value_of(samples, "voxsite_http_request_duration_ms_sum", route=route, method="GET") > 0


def test_metrics_counts_grow_between_scrapes(client):
    def scrape():
        _, samples = parse_exposition(client.get("/api/health/metrics").content.decode())
        return value_of(samples, "voxsite_http_requests_total", route="/api/health", method="GET", status="200") or 0

    first = scrape()
    client.get("/api/health")
    client.get(f"/api/health?probe={uuid.uuid4().hex}")
    assert scrape() == first + 2
