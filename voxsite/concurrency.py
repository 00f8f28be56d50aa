"""How many requests of one process run Python at the same time.

A server process runs Python on one core at a time (the GIL). Letting several request threads
interleave buys no throughput for CPU work and costs a lot with SQLite: a thread that holds the
database's write lock loses the GIL at every SQL call and may wait up to the 5 ms switch
interval for it to come back, while the other processes' writers sleep in SQLite's busy backoff
(bench/README.md: 8 clients, 2 processes: 60 turns/s with 16 interleaving threads, 99 with one).

So a request holds one of HTTP_CPU_CONCURRENCY slots while it runs, and gives its slot up
while it waits on something outside Python (a Groq call, a speech model in native threads):
`with blocking(): ...`. Outside a request thread `blocking()` does nothing.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

_local = threading.local()
_gates: dict[int, threading.Semaphore] = {}
_lock = threading.Lock()


def _gate(slots: int) -> threading.Semaphore:
    with _lock:
        gate = _gates.get(slots)
        if gate is None:
            gate = _gates[slots] = threading.Semaphore(slots)
        return gate


@contextmanager
def cpu_slot(slots: int) -> Iterator[None]:
    """Hold one of `slots` for the duration (a request's whole run)."""
    gate = _gate(slots)
    gate.acquire()
    _local.gate = gate
    try:
        yield
    finally:
        _local.gate = None
        gate.release()


@contextmanager
def blocking() -> Iterator[None]:
    """Let other requests of this process run while this thread waits outside Python."""
    gate = getattr(_local, "gate", None)
    if gate is None:
        yield
        return
    _local.gate = None
    gate.release()
    try:
        yield
    finally:
        gate.acquire()
        _local.gate = gate
