"""voxsite.concurrency: CPU slots held by requests, given up while waiting outside Python."""

import threading

from support.assistant.groq_brain import _released
from voxsite.concurrency import _gate, blocking, cpu_slot


def _free(gate) -> bool:
    """Could another request take the slot right now?"""
    taken = gate.acquire(blocking=False)
    if taken:
        gate.release()
    return taken


def test_blocking_gives_the_slot_up_and_takes_it_back():
    gate = _gate(1)
    with cpu_slot(1):
        assert not _free(gate)
        with blocking():
            assert _free(gate)
        assert not _free(gate)
    assert _free(gate)


def test_blocking_outside_a_request_does_nothing():
    gate = _gate(1)
    with blocking():
        assert _free(gate)


def test_the_slot_is_per_thread():
    gate = _gate(1)
    inside = []
    with cpu_slot(1):
        # blocking() in a thread that holds no slot must not release this one.
        t = threading.Thread(target=lambda: inside.append((blocking().__enter__(), _free(gate))))
        t.start()
        t.join()
    assert inside[0][1] is False


def test_groq_stream_chunks_are_awaited_without_the_slot():
    gate = _gate(1)
    seen = []

    def chunks():
        for i in range(3):
            seen.append(_free(gate))
            yield i

    with cpu_slot(1):
        assert list(_released(chunks())) == [0, 1, 2]
    assert seen == [True, True, True]
