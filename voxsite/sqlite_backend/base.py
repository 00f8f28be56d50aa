"""Django's SQLite backend with write transactions queued on a lock file.

SQLite lets one writer in at a time. A connection that finds the database locked polls: its
busy handler sleeps 1, 2, 5, 10 ... 100 ms between tries, and the lock is often free long before
it wakes. With two server processes that left ~30% of the CPU idle in bench/bench_text.py
(`strace`: one `clock_nanosleep` per turn), and waiters were served in no order.

Here every write transaction (Django's BEGIN IMMEDIATE) first takes an exclusive `flock` on
`<database file>.lock`: a waiter sleeps in the kernel and wakes the moment the holder commits or
rolls back, and the lock dies with its process, so a crash cannot leave it held. Writes outside a
transaction (autocommit) still meet SQLite's own lock and busy timeout, as before. In-memory
databases (the tests' default) need no lock file and take none.
"""

from __future__ import annotations

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_fd: int | None = None
    _lock_held = False

    def _lock_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or not name:
            return None
        return name + ".lock"

    def _acquire_write_lock(self) -> None:
        if self._lock_held:
            return
        if self._lock_fd is None:
            path = self._lock_path()
            if path is None:
                return
            self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)  # releases the GIL while it waits
        self._lock_held = True

    def _release_write_lock(self) -> None:
        if self._lock_held:
            self._lock_held = False
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self):
        self._acquire_write_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
