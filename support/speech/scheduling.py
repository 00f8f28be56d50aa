"""Who gets the CPU next: the speech engines' work queue, earliest deadline first.

A process serves many shoppers on a few cores, and each local engine (Whisper, Piper) runs one job
at a time. First come, first served lets one long reply (six clauses queued at once) or a pile of
speculative transcriptions hold up another shopper's first word. Instead every job carries the
moment its result is needed (`deadline`, a `time.perf_counter()` value): a turn's final transcript
and first clause are needed at once (the end of the shopper's speech, so the oldest turn goes
first), a later clause only when the audio before it has played. The caller says so around its
call:

    with deadline(turn.eos):
        pcm = await engine.synthesize(text, language)

`DeadlineExecutor` is a `concurrent.futures.Executor`, so `loop.run_in_executor` works unchanged.
A job cancelled before it starts (a barge-in, a discarded speculation) never runs. The queue is
bounded: past `max_queued` waiting jobs, `submit` raises `Overloaded` at once, and the caller hands
the job to a cheaper provider instead of letting every shopper's wait grow without limit.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

_deadline: ContextVar[float | None] = ContextVar("speech_deadline", default=None)


class Overloaded(RuntimeError):
    """The engine's queue is full."""


@contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Jobs submitted inside this block are needed by `at` (perf_counter seconds; None: now)."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def current_deadline() -> float:
    at = _deadline.get()
    return time.perf_counter() if at is None else at


class DeadlineExecutor(Executor):
    def __init__(self, max_workers: int = 1, *, thread_name_prefix: str = "speech", max_queued: int | None = None):
        self.max_workers = max(1, max_workers)
        self.max_queued = max_queued
        self.prefix = thread_name_prefix
        self._heap: list[tuple[float, int, Future, Callable, tuple, dict]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._shutdown = False

    @property
    def queued(self) -> int:
        with self._cond:
            return sum(not item[2].cancelled() for item in self._heap)

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        with self._cond:
            if self._shutdown:
                raise RuntimeError("cannot schedule new jobs after shutdown")
            if self.max_queued is not None and self.queued >= self.max_queued:
                raise Overloaded(f"{self.prefix}: queue full ({self.max_queued} waiting)")
            heapq.heappush(self._heap, (current_deadline(), next(self._order), future, fn, args, kwargs))
            if len(self._threads) < self.max_workers:
                thread = threading.Thread(target=self._work, name=f"{self.prefix}_{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
            self._cond.notify()
        return future

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._heap and not self._shutdown:
                    self._cond.wait()
                if not self._heap:
                    return
                _, _, future, fn, args, kwargs = heapq.heappop(self._heap)
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._cond:
            self._shutdown = True
            if cancel_futures:
                for item in self._heap:
                    item[2].cancel()
                self._heap.clear()
            self._cond.notify_all()
        if wait:
            for thread in self._threads:
                thread.join()
