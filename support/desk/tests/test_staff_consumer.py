"""`WS /ws/staff/live` over the real ASGI application (origin check, session-cookie auth):
who may open it, handoff notifications, and a whole takeover round trip with a shopper's voice socket."""

import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model

from support.models import Conversation, Message
from support.desk.testing import session_cookie, staff_user_create
from voxsite.asgi import application
from voxsite.core.models import AuditLog

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _empty_layer():
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        async_to_sync(layer.flush)()


@pytest.fixture
def shop(db):
    from catalog.tests.factories import PolicyFactory

    PolicyFactory(kind="returns", text="You can return most items within 7 days of delivery.")


async def staff_socket(user=None, *, cookie: bytes | None = None):
    headers = [(b"host", b"testserver")]
    if user is not None:
        cookie = await sync_to_async(session_cookie)(user)
    if cookie:
        headers.append((b"cookie", cookie))
    comm = WebsocketCommunicator(application, "/ws/staff/live", headers=headers)
    connected, code = await comm.connect(timeout=10)
    return comm, connected, code


async def staff_connected(user):
    comm, connected, _ = await staff_socket(user)
    assert connected
    hello = await comm.receive_json_from(timeout=10)
    assert hello["type"] == "hello" and hello["user"] == user.get_username()
    return comm, hello


async def next_of(comm, predicate, timeout=30):
    """Skip staff messages until one matches."""
    while True:
        msg = await comm.receive_json_from(timeout=timeout)
        if predicate(msg):
            return msg


async def all_of(comm, *predicates, timeout=30):
    """Wait until each predicate has matched a message, in any order."""
    pending = list(predicates)
    while pending:
        msg = await comm.receive_json_from(timeout=timeout)
        pending = [p for p in pending if not p(msg)]


def live(msg, session_id, kind, **fields):
    event = msg.get("event") or {}
    return (msg["type"] == "event" and msg["session_id"] == session_id and event.get("type") == kind
            and all(event.get(k) == v for k, v in fields.items()))


# ---------------------------------------------------------------------------
# (c) permissions


async def test_only_staff_with_the_view_permission_may_connect():
    comm, connected, code = await staff_socket()
    assert not connected and code == 4403  # anonymous
    shopper = await sync_to_async(get_user_model().objects.create_user)(username="shopper", password="x")
    assert not (await staff_socket(shopper))[1]
    not_staff = await sync_to_async(staff_user_create)(username="nostaff", is_staff=False)
    assert not (await staff_socket(not_staff))[1]  # permissions alone are not enough
    clerk = await sync_to_async(staff_user_create)(username="clerk", can_watch=False, can_take_over=False)
    assert not (await staff_socket(clerk))[1]
    comm, connected, _ = await staff_socket(cookie=b"sessionid=forged")
    assert not connected


async def test_a_foreign_page_cannot_open_the_staff_socket():
    user = await sync_to_async(staff_user_create)(username="asha")
    cookie = await sync_to_async(session_cookie)(user)
    comm = WebsocketCommunicator(application, "/ws/staff/live", headers=[
        (b"host", b"testserver"), (b"origin", b"https://evil.example"), (b"cookie", cookie)])
    connected, _ = await comm.connect(timeout=10)
    assert not connected


async def test_watchers_may_watch_but_not_act():
    viewer = await sync_to_async(staff_user_create)(username="viewer", can_take_over=False)
    conv = await sync_to_async(Conversation.objects.create)()
    comm, hello = await staff_connected(viewer)
    assert hello["can_take_over"] is False
    for action in ("takeover", "handback", "reply"):
        await comm.send_json_to({"action": action, "session_id": str(conv.pk), "text": "hi"})
        error = await comm.receive_json_from(timeout=10)
        assert error == {"type": "error", "code": "forbidden", "detail": error["detail"], "action": action}
    assert not await sync_to_async(AuditLog.objects.exists)()
    await comm.disconnect()


async def test_bad_actions_get_errors_and_the_socket_stays_open():
    user = await sync_to_async(staff_user_create)(username="asha")
    comm, _ = await staff_connected(user)
    for payload, code in [
        ({"action": "dance"}, "unknown_action"),
        ({"nothing": 1}, "unknown_action"),
        ({"action": "takeover", "session_id": "nope"}, "bad_session_id"),
        ({"action": "takeover", "session_id": "6f1c3f4e-1111-4e2a-9a55-0123456789ab"}, "session_not_found"),
        ({"action": "handback", "session_id": "6f1c3f4e-1111-4e2a-9a55-0123456789ab"}, "session_not_found"),
    ]:
        await comm.send_json_to(payload)
        assert (await comm.receive_json_from(timeout=10))["code"] == code
    conv = await sync_to_async(Conversation.objects.create)()
    await comm.send_json_to({"action": "reply", "session_id": str(conv.pk), "text": "hello"})
    assert (await comm.receive_json_from(timeout=10))["code"] == "not_taken_over"
    await comm.send_json_to({"action": "ping", "t": 7})
    assert await comm.receive_json_from(timeout=10) == {"type": "pong", "t": 7}
    await comm.disconnect()


# ---------------------------------------------------------------------------
# (d) handoff notification


async def test_a_shoppers_handoff_request_reaches_the_staff_socket():
    from rest_framework.test import APIClient

    user = await sync_to_async(staff_user_create)(username="asha")
    comm, _ = await staff_connected(user)
    # Watching one conversation does not hide a handoff in another: nobody must be left waiting.
    other = await sync_to_async(Conversation.objects.create)()
    await comm.send_json_to({"action": "watch", "session_id": str(other.pk)})
    assert (await comm.receive_json_from(timeout=10))["type"] == "ok"

    def ask_for_a_human():
        return APIClient().post("/api/conversation/message", {"text": "I want to talk to a human", "language": "en"},
                                format="json").json()

    body = await sync_to_async(ask_for_a_human)()
    assert body["status"] == "handed_off"
    handoff = await next_of(comm, lambda m: m["type"] == "handoff")
    assert handoff["session_id"] == body["session_id"] and handoff["language"] == "en" and handoff["requested_at"]
    conv = await sync_to_async(Conversation.objects.get)(pk=body["session_id"])
    assert conv.handoff_requested_at.isoformat() == handoff["requested_at"]
    await comm.disconnect()


async def test_watch_catches_up_on_missed_messages_and_filters_events():
    from support.desk.live import live_publish

    user = await sync_to_async(staff_user_create)(username="asha")
    conv = await sync_to_async(Conversation.objects.create)()
    first = await sync_to_async(Message.objects.create)(conversation=conv, role="user", text="first")
    missed = await sync_to_async(Message.objects.create)(conversation=conv, role="assistant", text="missed")
    comm, _ = await staff_connected(user)
    await comm.send_json_to({"action": "watch", "session_id": str(conv.pk), "after_id": first.pk})
    assert (await comm.receive_json_from(timeout=10))["type"] == "ok"
    caught_up = await comm.receive_json_from(timeout=10)
    assert live(caught_up, str(conv.pk), "message", id=missed.pk, text="missed", role="assistant")
    # Another conversation's events are not relayed while watching this one...
    await sync_to_async(live_publish)(session_id="6f1c3f4e-1111-4e2a-9a55-0123456789ab", event={"type": "reply", "text": "x"})
    await sync_to_async(live_publish)(session_id=conv.pk, event={"type": "reply", "text": "mine"})
    assert live(await comm.receive_json_from(timeout=10), str(conv.pk), "reply", text="mine")
    # ...and are again after watch_all.
    await comm.send_json_to({"action": "watch_all"})
    assert (await comm.receive_json_from(timeout=10))["type"] == "ok"
    await sync_to_async(live_publish)(session_id="6f1c3f4e-1111-4e2a-9a55-0123456789ab", event={"type": "reply", "text": "x"})
    assert (await comm.receive_json_from(timeout=10))["session_id"] == "6f1c3f4e-1111-4e2a-9a55-0123456789ab"
    await comm.disconnect()


# ---------------------------------------------------------------------------
# (b) a takeover round trip: shopper socket + staff socket


async def shopper_turn(comm, timeout=60):
    events, audio = [], b""
    while True:
        out = await comm.receive_output(timeout=timeout)
        assert out["type"] != "websocket.close", out
        if out.get("bytes") is not None:
            audio += out["bytes"]
            continue
        event = json.loads(out["text"])
        events.append(event)
        if event["type"] == "end":
            return events, audio


def kinds(events):
    return [e["type"] for e in events]


@pytest.mark.slow
async def test_takeover_round_trip(shop):
    user = await sync_to_async(staff_user_create)(username="asha")
    shopper = WebsocketCommunicator(application, "/api/voice/stream?language=en&mode=ptt")
    assert (await shopper.connect(timeout=30))[0]
    session = await shopper.receive_json_from(timeout=30)
    sid = session["session_id"]
    staff, _ = await staff_connected(user)
    await staff.send_json_to({"action": "watch", "session_id": sid, "after_id": 0})
    assert (await staff.receive_json_from(timeout=10))["type"] == "ok"

    # Staff take over: the assistant pauses.
    await staff.send_json_to({"action": "takeover", "session_id": sid})
    ok = await next_of(staff, lambda m: m["type"] == "ok")
    assert ok == {"type": "ok", "action": "takeover", "session_id": sid, "taken_over_by": "asha"}
    await next_of(staff, lambda m: live(m, sid, "takeover", by="asha"))

    # The shopper's typed words reach staff; the assistant says nothing.
    await shopper.send_json_to({"type": "text", "text": "What is your return policy?"})
    events, audio = await shopper_turn(shopper)
    assert "reply" not in kinds(events) and "reply_delta" not in kinds(events) and "error" not in kinds(events)
    assert "audio_start" not in kinds(events) and audio == b""
    heard = await next_of(staff, lambda m: live(m, sid, "message", role="user"))
    assert heard["event"]["text"] == "What is your return policy?"

    # The staff member answers: stored as a staff message, spoken on the shopper's socket.
    await staff.send_json_to({"action": "reply", "session_id": sid, "text": "Hello, this is Asha from support."})
    ok = await next_of(staff, lambda m: m["type"] == "ok")
    assert ok["action"] == "reply" and ok["message"]["role"] == "staff" and ok["message"]["author"] == "asha"
    events, audio = await shopper_turn(shopper)
    staff_messages = [e for e in events if e["type"] == "staff_message"]
    assert staff_messages and staff_messages[0]["text"] == "Hello, this is Asha from support."
    assert "audio_start" in kinds(events) and len(audio) > 8000  # real speech, not a click
    stored = await sync_to_async(lambda: list(Message.objects.filter(conversation_id=sid).values_list("role", "author", "text")))()
    assert stored == [("user", "", "What is your return policy?"), ("staff", "asha", "Hello, this is Asha from support.")]
    # The shopper's socket tells the live view what it spoke, too.
    await next_of(staff, lambda m: live(m, sid, "staff_message"))

    # Hand back: the assistant answers again.
    await staff.send_json_to({"action": "handback", "session_id": sid})
    ok = await next_of(staff, lambda m: m["type"] == "ok")
    assert ok["action"] == "handback" and ok["taken_over_by"] is None
    await shopper.send_json_to({"type": "text", "text": "What is your return policy?"})
    events, audio = await shopper_turn(shopper)
    reply = [e for e in events if e["type"] == "reply"][0]
    assert "7 days" in reply["text"] and audio
    await all_of(staff, lambda m: live(m, sid, "reply"),
                 lambda m: live(m, sid, "message", role="assistant", text=reply["text"]))

    actions = await sync_to_async(lambda: list(AuditLog.objects.order_by("id").values_list("action", "actor_label", "object_id")))()
    assert actions == [("conversation.takeover", "asha", sid), ("conversation.handback", "asha", sid)]
    await shopper.disconnect()
    await staff.disconnect()
