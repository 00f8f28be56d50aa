"""SQLite under concurrent writers, as voxsite/settings.py configures it: Django's own backend
with BEGIN IMMEDIATE, WAL and a busy timeout. A second writer waits for the first instead of
failing with "database is locked" (bench/bench_text.py: 8 clients, no failed turn)."""

import threading
import time

import pytest
from django.conf import settings
from django.db import OperationalError
from django.db.backends.sqlite3.base import DatabaseWrapper

# pytest-django guards every connection; these wrappers are not the test database.
pytestmark = pytest.mark.django_db

WAL = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"


def wrapper(path, transaction_mode: str | None) -> DatabaseWrapper:
    options = {"timeout": 5, "init_command": WAL}
    if transaction_mode:
        options["transaction_mode"] = transaction_mode
    return DatabaseWrapper({
        "ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": options, "TEST": {},
        "ATOMIC_REQUESTS": False, "AUTOCOMMIT": True, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False,
        "TIME_ZONE": None, "USER": "", "PASSWORD": "", "HOST": "", "PORT": "",
    }, alias="writers")


@pytest.fixture
def db_file(tmp_path):
    path = tmp_path / "shop.sqlite3"
    w = wrapper(path, None)
    with w.cursor() as cur:
        cur.execute("CREATE TABLE t (n INTEGER)")
    w.close()
    return path


def begin_and_read(w: DatabaseWrapper) -> None:
    w.ensure_connection()
    w._start_transaction_under_autocommit()
    with w.cursor() as cur:
        cur.execute("SELECT count(*) FROM t")


def test_the_settings_use_djangos_backend_with_immediate_transactions():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("the suite runs on PostgreSQL")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 5


def test_a_second_writer_waits_for_the_first_to_commit(db_file):
    first = wrapper(db_file, "IMMEDIATE")
    begin_and_read(first)
    order = []

    def second_writer():
        w = wrapper(db_file, "IMMEDIATE")
        begin_and_read(w)  # BEGIN IMMEDIATE waits on the busy timeout
        order.append("second began")
        with w.cursor() as cur:
            cur.execute("INSERT INTO t VALUES (2)")
        w.commit()
        w.close()

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.3)
    assert order == []  # still waiting, not failing with "database is locked"
    with first.cursor() as cur:
        cur.execute("INSERT INTO t VALUES (1)")
    order.append("first commits")
    first.commit()
    thread.join(timeout=10)
    assert order == ["first commits", "second began"]
    with first.cursor() as cur:
        cur.execute("SELECT n FROM t ORDER BY n")
        assert [r[0] for r in cur.fetchall()] == [1, 2]
    first.close()


def test_without_immediate_a_read_that_turns_into_a_write_fails_at_once(db_file):
    # Why the settings ask for IMMEDIATE: a deferred transaction that read before another writer
    # committed cannot upgrade its stale snapshot, and SQLite fails it without waiting.
    first = wrapper(db_file, None)
    begin_and_read(first)
    other = wrapper(db_file, "IMMEDIATE")
    begin_and_read(other)
    with other.cursor() as cur:
        cur.execute("INSERT INTO t VALUES (2)")
    other.commit()
    other.close()
    with pytest.raises(OperationalError, match="locked"), first.cursor() as cur:
        cur.execute("INSERT INTO t VALUES (1)")
    first.rollback()
    first.close()
