"""The live view across processes, through the real Redis: a shopper talks to a Daphne server in
another process; the staff socket here (same Redis channel layer, same PostgreSQL database) sees the
turn as it happens, and a staff reply typed here is spoken by the other process's voice socket."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection

from support.models import Message
from support.desk.testing import session_cookie, staff_user_create
from voxsite.asgi import application

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict  # the test database by now
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def daphne(transactional_db, tmp_path):
    """A real server in another process, on the test database and the same Redis."""
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": settings.REDIS_URL, "VOICE_WARMUP": "false",
           "CELERY_TASK_ALWAYS_EAGER": "true", "MEDIA_ROOT": str(tmp_path / "media"), "PYTHONPATH": str(ROOT)}
    log_path = tmp_path / "daphne.log"
    log = open(log_path, "w")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port),
                             "voxsite.asgi:application"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("daphne did not start: " + log_path.read_text()[-2000:])
    if proc.poll() is not None:
        pytest.fail("daphne exited: " + log_path.read_text()[-2000:])
    yield port
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    log.close()


@pytest.fixture(autouse=True)
def _empty_layer():
    async_to_sync(get_channel_layer().flush)()


@pytest.fixture
def shop(transactional_db):
    from catalog.tests.factories import PolicyFactory

    PolicyFactory(kind="returns", text="You can return most items within 7 days of delivery.")


async def shopper_turn(ws, timeout=60):
    """The other process's events and audio bytes until `end`."""
    import aiohttp

    events, audio = [], b""
    while True:
        msg = await ws.receive(timeout=timeout)
        if msg.type == aiohttp.WSMsgType.BINARY:
            audio += msg.data
            continue
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        event = json.loads(msg.data)
        events.append(event)
        if event["type"] == "end":
            return events, audio


async def until(comm, *predicates, timeout=30):
    """Staff messages until each predicate has matched one (in any order); returns the matches."""
    pending, matched = list(predicates), []
    while pending:
        msg = await comm.receive_json_from(timeout=timeout)
        hits = [p for p in pending if p(msg)]
        if hits:
            matched.append(msg)
            pending = [p for p in pending if p not in hits]
    return matched


def live(session_id, kind, **fields):
    def match(msg):
        event = msg.get("event") or {}
        return (msg["type"] == "event" and msg["session_id"] == session_id and event.get("type") == kind
                and all(event.get(k) == v for k, v in fields.items()))

    return match


async def test_the_live_view_follows_a_conversation_served_by_another_process(daphne, shop):
    import aiohttp

    user = await sync_to_async(staff_user_create)(username="asha")
    cookie = await sync_to_async(session_cookie)(user)
    staff = WebsocketCommunicator(application, "/ws/staff/live", headers=[(b"host", b"testserver"), (b"cookie", cookie)])
    assert (await staff.connect(timeout=10))[0]
    assert (await staff.receive_json_from(timeout=10))["type"] == "hello"

    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(f"ws://127.0.0.1:{daphne}/api/voice/stream?language=en&mode=ptt") as ws:
            session = json.loads((await ws.receive(timeout=30)).data)
            assert session["type"] == "session"
            sid = session["session_id"]
            await until(staff, live(sid, "session", resumed=False))

            # A typed turn in the other process: staff see the shopper's words, the tool and the reply.
            await ws.send_json({"type": "text", "text": "What is your return policy?"})
            events, audio = await shopper_turn(ws)
            reply = [e for e in events if e["type"] == "reply"][0]
            assert "7 days" in reply["text"] and audio
            await until(
                staff,
                live(sid, "message", role="user", text="What is your return policy?"),
                live(sid, "tool_call", name="get_policy", ok=True),
                live(sid, "reply", text=reply["text"]),
                live(sid, "message", role="assistant", text=reply["text"]),
            )

            # Staff here take over and answer; the other process speaks it to the shopper.
            await staff.send_json_to({"action": "takeover", "session_id": sid})
            await until(staff, lambda m: m["type"] == "ok" and m["action"] == "takeover")
            await staff.send_json_to({"action": "reply", "session_id": sid, "text": "Hello, this is Asha from support."})
            await until(staff, lambda m: m["type"] == "ok" and m["action"] == "reply")
            events, audio = await shopper_turn(ws)
            assert [e["text"] for e in events if e["type"] == "staff_message"] == ["Hello, this is Asha from support."]
            assert len(audio) > 8000
            await until(staff, live(sid, "staff_message", text="Hello, this is Asha from support."))

            # The shopper's next words, handled by the other process, get no assistant reply but reach staff.
            await ws.send_json({"type": "text", "text": "Thank you, Asha."})
            events, audio = await shopper_turn(ws)
            assert not [e for e in events if e["type"] in ("reply", "error")] and audio == b""
            await until(staff, live(sid, "message", role="user", text="Thank you, Asha."))

    await until(staff, live(sid, "disconnected"))
    roles = await sync_to_async(lambda: list(Message.objects.filter(conversation_id=sid).values_list("role", flat=True)))()
    assert roles == ["user", "assistant", "staff", "user"]
    await staff.disconnect()
