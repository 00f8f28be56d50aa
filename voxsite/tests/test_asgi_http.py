"""voxsite.asgi_http: HTTP through Django's own ASGIHandler, the serving loop remembered."""

import asyncio

import pytest
from channels.testing import HttpCommunicator
from django.core import signals
from django.db import connection

from voxsite import asgi_http
from voxsite.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("voxsite.tests.asgi_urls")]


async def get(path: str) -> dict:
    """The response, after the application has returned (Django closes the response, which sends
    request_finished, only after the last byte is out)."""
    comm = HttpCommunicator(application, "GET", path, headers=[(b"host", b"testserver")])
    await comm.send_input({"type": "http.request", "body": b""})
    start = await comm.receive_output(timeout=10)
    assert start["type"] == "http.response.start"
    body = b""
    while True:  # the last message may carry no body at all (ASGI: it defaults to b"")
        chunk = await comm.receive_output(timeout=10)
        body += chunk.get("body", b"")
        if not chunk.get("more_body", False):
            break
    await comm.wait(timeout=10)
    return {"status": start["status"], "body": body}


def test_http_goes_through_djangos_own_handler():
    from django.core.handlers.asgi import ASGIHandler

    assert isinstance(asgi_http.get_asgi_application(), ASGIHandler)


async def test_a_request_sends_its_signals_and_remembers_the_serving_loop(monkeypatch):
    monkeypatch.setattr(asgi_http, "_loop", None)
    seen = []

    def started(**kwargs):
        seen.append("started")

    def finished(**kwargs):
        seen.append("finished")

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        resp = await get("/ok")
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    assert resp["status"] == 200 and resp["body"] == b"ok"
    assert seen == ["started", "finished"]
    assert asgi_http.server_loop() is asyncio.get_running_loop()


def test_outside_a_server_there_is_no_serving_loop(monkeypatch):
    monkeypatch.setattr(asgi_http, "_loop", None)
    assert asgi_http.server_loop() is None


async def test_a_file_download_arrives_whole(tmp_path):
    data = bytes(range(256)) * 1000
    (tmp_path / "clip.bin").write_bytes(data)
    with pytest.warns(Warning, match="synchronous iterators"):  # Django reads a sync file response in a thread
        resp = await get(f"/download?path={tmp_path / 'clip.bin'}")
    assert resp["status"] == 200 and resp["body"] == data


async def test_unknown_paths_are_404s():
    assert (await get("/nowhere"))["status"] == 404


@pytest.mark.postgres
async def test_requests_borrow_pooled_postgres_connections():
    """Each request runs in a thread of its own and closes its connection at the end: with the
    pool (settings: DATABASE_POOL=true; off by default) that hands it back, and the next request's thread
    gets the same server connection instead of opening one."""
    if not connection.settings_dict["OPTIONS"].get("pool"):
        pytest.skip("needs DATABASE_POOL=true (off by default; test_settings.py checks the pool options)")
    pool = connection.pool
    requests_before = pool.get_stats().get("requests_num", 0)
    pids = []
    for _ in range(6):
        resp = await get("/backend-pid")
        assert resp["status"] == 200
        pids.append(int(resp["body"]))
    assert pool.get_stats()["requests_num"] - requests_before >= 6
    assert len(set(pids)) <= pool.max_size
    assert len(set(pids)) < len(pids), pids  # without the pool: six connections, six server processes
