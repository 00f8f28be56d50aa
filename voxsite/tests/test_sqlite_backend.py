"""voxsite.sqlite_backend: write transactions queue on `<db>.lock` instead of SQLite's polling."""

import threading
import time

import pytest
from django.db import connections

from voxsite.sqlite_backend.base import DatabaseWrapper

pytestmark = pytest.mark.django_db


def wrapper(path) -> DatabaseWrapper:
    settings = {**connections["default"].settings_dict, "NAME": str(path)}
    settings.setdefault("OPTIONS", {})
    settings["OPTIONS"] = {**settings["OPTIONS"], "transaction_mode": "IMMEDIATE", "timeout": 5}
    settings["TEST"] = {}
    return DatabaseWrapper(settings, alias="locktest")


@pytest.fixture
def db_file(tmp_path):
    path = tmp_path / "shop.sqlite3"
    w = wrapper(path)
    with w.cursor() as cur:
        cur.execute("CREATE TABLE t (n INTEGER)")
    w.close()
    return path


def test_the_default_database_uses_this_backend():
    assert connections["default"].settings_dict["ENGINE"] in ("voxsite.sqlite_backend", "django.db.backends.postgresql")


def test_a_second_writer_waits_for_the_first_to_commit(db_file):
    first = wrapper(db_file)
    first.ensure_connection()
    first._start_transaction_under_autocommit()
    with first.cursor() as cur:
        cur.execute("INSERT INTO t VALUES (1)")
    assert (db_file.parent / "shop.sqlite3.lock").exists()
    order = []

    def second_writer():
        w = wrapper(db_file)
        w.ensure_connection()
        w._start_transaction_under_autocommit()  # blocks on the lock file
        order.append("second began")
        with w.cursor() as cur:
            cur.execute("INSERT INTO t VALUES (2)")
        w.commit()
        w.close()

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.3)
    assert order == []  # still waiting, not failing with "database is locked"
    order.append("first commits")
    first.commit()
    thread.join(timeout=10)
    assert order == ["first commits", "second began"]
    with first.cursor() as cur:
        cur.execute("SELECT n FROM t ORDER BY n")
        assert [r[0] for r in cur.fetchall()] == [1, 2]
    first.close()


@pytest.mark.parametrize("finish", ["rollback", "close"])
def test_rollback_and_close_release_the_lock(db_file, finish):
    first = wrapper(db_file)
    first.ensure_connection()
    first._start_transaction_under_autocommit()
    getattr(first, finish)()
    second = wrapper(db_file)
    second.ensure_connection()
    done = threading.Event()

    def take():
        second._start_transaction_under_autocommit()
        second.commit()
        done.set()

    second.inc_thread_sharing()
    threading.Thread(target=take).start()
    assert done.wait(5), f"the lock was still held after {finish}"
    second.dec_thread_sharing()
    second.close()
    first.close()


def test_in_memory_databases_take_no_lock():
    w = wrapper(":memory:")
    w.ensure_connection()
    w._start_transaction_under_autocommit()
    assert w._lock_fd is None and not w._lock_held
    w.commit()
    w.close()
