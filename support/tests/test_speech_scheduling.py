"""The speech engines' queue (support.speech.scheduling): earliest deadline first, cancelled jobs never
run, a full queue refuses at once; Piper's queue overflowing hands the clause to espeak-ng."""

import asyncio
import threading
import time

import pytest

from support.speech.scheduling import DeadlineExecutor, Overloaded, current_deadline, deadline
from support.speech.tts import piper
from support.voice.factory import providers


def blocked(executor: DeadlineExecutor) -> threading.Event:
    """Occupy the executor's one worker until the returned event is set."""
    release, started = threading.Event(), threading.Event()

    def hold():
        started.set()
        release.wait(10)

    executor.submit(hold)
    assert started.wait(5)
    return release


def test_the_job_needed_soonest_runs_first_whatever_the_order_it_came_in():
    executor = DeadlineExecutor(1)
    release = blocked(executor)
    ran = []
    now = time.perf_counter()
    futures = []
    for name, at in [("later clause", now + 3.0), ("speculation", now + 0.5), ("first word", now - 0.2), ("next", now + 1)]:
        with deadline(at):
            futures.append(executor.submit(ran.append, name))
    release.set()
    for f in futures:
        f.result(5)
    assert ran == ["first word", "speculation", "next", "later clause"]
    executor.shutdown()


def test_equal_deadlines_keep_their_order_and_no_deadline_means_now():
    executor = DeadlineExecutor(1)
    release = blocked(executor)
    ran = []
    with deadline(time.perf_counter() + 60):
        late = executor.submit(ran.append, "a minute from now")
    futures = [executor.submit(ran.append, n) for n in range(3)]
    release.set()
    for f in [late, *futures]:
        f.result(5)
    assert ran == [0, 1, 2, "a minute from now"]
    assert abs(current_deadline() - time.perf_counter()) < 0.5
    executor.shutdown()


def test_a_job_cancelled_before_it_starts_never_runs():
    executor = DeadlineExecutor(1)
    release = blocked(executor)
    ran = []
    dropped = executor.submit(ran.append, "barged in")
    kept = executor.submit(ran.append, "kept")
    assert dropped.cancel()
    release.set()
    kept.result(5)
    assert ran == ["kept"] and dropped.cancelled()
    executor.shutdown()


def test_a_full_queue_refuses_at_once_and_cancelled_jobs_do_not_count():
    executor = DeadlineExecutor(1, thread_name_prefix="tts-test", max_queued=2)
    release = blocked(executor)
    first, second = executor.submit(time.sleep, 0), executor.submit(time.sleep, 0)
    with pytest.raises(Overloaded, match=r"tts-test: queue full \(2 waiting\)"):
        executor.submit(time.sleep, 0)
    second.cancel()
    third = executor.submit(time.sleep, 0)
    release.set()
    assert first.result(5) is None and third.result(5) is None
    executor.shutdown()


def test_errors_reach_the_caller_and_asyncio_can_await_jobs():
    executor = DeadlineExecutor(2)

    def boom():
        raise ValueError("engine failed")

    async def run():
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(executor, sum, [1, 2, 3]) == 6
        with pytest.raises(ValueError, match="engine failed"):
            await loop.run_in_executor(executor, boom)

    asyncio.run(run())
    executor.shutdown()
    with pytest.raises(RuntimeError):
        executor.submit(sum, [1])


@pytest.mark.slow
def test_when_pipers_queue_is_full_espeak_speaks_the_clause_and_the_overload_is_recorded(settings):
    settings.TTS_PROVIDERS_EN = ["piper", "espeak"]
    settings.TTS_QUEUE_MAX = 1
    settings.TTS_CACHE_MAX_BYTES = 0
    release = blocked(piper.pool())
    try:
        waiting = piper.pool().submit(time.sleep, 0)  # the one place in the queue is taken
        calls = []
        pcm = asyncio.run(providers().tts.synthesize_clause("Your order is on its way.", "en", on_call=calls.append))
    finally:
        release.set()
    waiting.result(5)
    assert len(pcm) > 22050  # over half a second of speech, from espeak-ng
    assert [(c.provider, c.ok) for c in calls] == [("piper", False), ("espeak", True)]
    assert "queue full (1 waiting)" in calls[0].error
