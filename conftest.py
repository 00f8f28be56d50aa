import pytest
from django.conf import settings
from django.db import connection


def pytest_collection_modifyitems(config, items):
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://..."))
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://..."))
        if "embedded_server" in item.keywords and (on_postgres or settings.REDIS_URL):
            # Its server ignores DATABASE_URL/REDIS_URL: this pass would repeat the embedded one.
            item.add_marker(pytest.mark.skip(reason="starts its own embedded server: checked in the embedded pass"))


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def api_key_factory(db):
    from voxsite.core.services import api_key_create

    def make(scopes=("read", "write"), name="test key"):
        key, raw = api_key_create(name=name, scopes=list(scopes))
        return key, raw

    return make


@pytest.fixture
def api_client(api_key_factory):
    """A DRF client authenticated with a read+write key."""
    from rest_framework.test import APIClient

    _, raw = api_key_factory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture(scope="module")
def demo_server():
    """Daphne serving the seeded demo shop on 127.0.0.1, as `manage.py serve` runs it (bench.common.Server:
    its own SQLite file, DEBUG=false, no rate limits). One per test module: tests may change its data."""
    from bench.common import Server

    with Server(quiet=True) as server:
        yield server


@pytest.fixture
def fake_groq(settings):
    """A Groq-compatible server on 127.0.0.1, with the settings pointing the real client at it."""
    from support.assistant.testing.fake_groq import FakeGroq

    with FakeGroq() as fake:
        for key, value in fake.settings().items():
            setattr(settings, key, value)
        yield fake
