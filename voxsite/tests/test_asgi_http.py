"""voxsite.asgi_http: the whole request in one pool thread, CPU slots, streaming, signals."""

import asyncio

import pytest
from channels.testing import HttpCommunicator
from django.core import signals

from voxsite.asgi import application
from voxsite.tests import asgi_urls

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("voxsite.tests.asgi_urls")]


async def get(path: str):
    comm = HttpCommunicator(application, "GET", path, headers=[(b"host", b"testserver")])
    return await comm.get_response(timeout=10)


async def test_a_request_runs_in_one_request_thread_with_its_signals():
    seen = []

    def started(**kwargs):
        seen.append("started")

    def finished(**kwargs):
        seen.append("finished")

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        resp = await get("/where")
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    assert resp["status"] == 200
    import json

    assert json.loads(resp["body"])["thread"].startswith("http")
    assert seen == ["started", "finished"]


async def _pair(release: bool):
    asgi_urls.meet.clear()
    waiting = asyncio.create_task(get("/wait?release=1" if release else "/wait"))
    await asyncio.sleep(0.2)  # the waiter holds the process's one CPU slot first
    partner = asyncio.create_task(get("/partner"))
    first = await waiting
    await partner
    import json

    return json.loads(first["body"])["met"]


async def test_a_request_waiting_outside_python_lets_another_run(settings):
    settings.HTTP_CPU_CONCURRENCY = 1
    assert await _pair(release=True) is True


async def test_requests_holding_the_cpu_slot_run_one_at_a_time(settings):
    settings.HTTP_CPU_CONCURRENCY = 1
    assert await _pair(release=False) is False


async def test_more_slots_let_requests_interleave(settings):
    settings.HTTP_CPU_CONCURRENCY = 2
    assert await _pair(release=False) is True


async def _stream(path: str) -> list[bytes]:
    comm = HttpCommunicator(application, "GET", path, headers=[(b"host", b"testserver")])
    await comm.send_input({"type": "http.request", "body": b""})
    start = await comm.receive_output(timeout=10)
    assert start["type"] == "http.response.start" and start["status"] == 200
    bodies = []
    while True:  # the last message may carry no body at all (ASGI: it defaults to b"")
        chunk = await comm.receive_output(timeout=10)
        bodies.append(chunk.get("body", b""))
        if not chunk.get("more_body", False):
            return [b for b in bodies if b]


async def test_streaming_responses_are_sent_chunk_by_chunk_from_request_threads(recwarn):
    bodies = await _stream("/stream")
    assert [b.split()[:2] for b in bodies] == [[b"chunk", b"0"], [b"chunk", b"1"], [b"chunk", b"2"]]
    assert all(b.split()[2].startswith(b"http") for b in bodies)  # produced off the event loop
    assert not [w for w in recwarn if "StreamingHttpResponse" in str(w.message)]


async def test_a_file_download_is_sent_in_blocks(tmp_path):
    from voxsite.asgi_http import OneHopASGIHandler

    data = bytes(range(256)) * (OneHopASGIHandler.chunk_size * 3 // 256 + 7)
    (tmp_path / "big.bin").write_bytes(data)
    bodies = await _stream(f"/download?path={tmp_path / 'big.bin'}")
    assert b"".join(bodies) == data
    assert len(bodies) == 4 and max(map(len, bodies)) == OneHopASGIHandler.chunk_size


async def test_unknown_paths_are_404s():
    assert (await get("/nowhere"))["status"] == 404
