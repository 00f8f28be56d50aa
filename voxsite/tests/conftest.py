import pytest


@pytest.fixture(scope="module")
def demo_server():
    """Daphne serving the seeded demo shop on 127.0.0.1, as `manage.py serve` runs it (bench.common.Server:
    its own SQLite file, DEBUG=false, no rate limits). One per test module: tests may change its data."""
    from bench.common import Server

    with Server(quiet=True) as server:
        yield server
