"""support.desk.live: publishing from request threads through the server's loop, in order; the
Redis presence check; the watched conversation replayed once after a staff socket joins."""

import asyncio
import uuid

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from support.models import Conversation, Message
from support.desk import live
from support.desk.testing import staff_user_create

# _empty_layer: the consumer tests' autouse fixture (a flushed channel layer), used here too.
from .test_staff_consumer import _empty_layer, staff_connected  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True)]


async def test_request_threads_publish_through_the_server_loop_in_order(monkeypatch):
    """In a server process a request thread only queues its events; one task on the loop sends
    them, in the order they were published."""
    import voxsite.asgi_http as asgi_http

    monkeypatch.setattr(asgi_http, "_loop", asyncio.get_running_loop())
    monkeypatch.setattr(live, "_pending", None)
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(live.LIVE_GROUP, channel)
    calls = []
    original = live.async_to_sync

    def no_blocking_publish(fn):
        calls.append(fn)
        return original(fn)

    monkeypatch.setattr(live, "async_to_sync", no_blocking_publish)

    def publish_many():
        return [live.live_publish(session_id="s", event={"type": "n", "n": n}) for n in range(20)]

    assert await sync_to_async(publish_many, thread_sensitive=False)() == [True] * 20
    received = [(await asyncio.wait_for(layer.receive(channel), 5))["event"]["n"] for _ in range(20)]
    assert received == list(range(20))
    assert calls == []  # nothing waited on the loop from the request thread
    await layer.group_discard(live.LIVE_GROUP, channel)


def test_outside_a_server_publishing_is_inline(monkeypatch):
    import voxsite.asgi_http as asgi_http

    monkeypatch.setattr(asgi_http, "_loop", None)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(live.LIVE_GROUP, channel)
    assert live.live_publish(session_id="s", event={"type": "inline"}) is True
    assert async_to_sync(layer.receive)(channel)["event"] == {"type": "inline"}


async def test_watched_conversation_is_replayed_once_after_joining(monkeypatch):
    """What other processes stored before they saw the new watcher reaches the page anyway."""
    monkeypatch.setattr(live, "LIVE_PRESENCE_TTL_S", 0.05)
    user = await sync_to_async(staff_user_create)(username="meera")
    conv = await sync_to_async(Conversation.objects.create)()
    first = await sync_to_async(Message.objects.create)(conversation=conv, role="user", text="first")
    comm, _ = await staff_connected(user)
    await comm.send_json_to({"action": "watch", "session_id": str(conv.pk), "after_id": first.pk})
    assert (await comm.receive_json_from(timeout=10))["type"] == "ok"
    # Stored by "another process" that skipped publishing: no live event for it.
    late = await sync_to_async(Message.objects.create)(conversation=conv, role="assistant", text="while unseen")
    replayed = await comm.receive_json_from(timeout=10)
    assert replayed["type"] == "event" and replayed["event"]["id"] == late.pk
    assert replayed["event"]["text"] == "while unseen"
    assert await comm.receive_nothing(timeout=0.5)
    await comm.disconnect()


@pytest.mark.redis
async def test_presence_in_redis_follows_the_group(monkeypatch):
    from channels_redis.core import RedisChannelLayer

    layer = get_channel_layer()
    assert isinstance(layer, RedisChannelLayer)
    monkeypatch.setattr(live, "LIVE_PRESENCE_TTL_S", 0.0)
    group = f"test-presence-{uuid.uuid4().hex}"
    assert await live._watched(layer, group) is False
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    assert await live._watched(layer, group) is True
    await layer.group_discard(group, channel)
    assert await live._watched(layer, group) is False


@pytest.mark.redis
async def test_unwatched_live_events_are_not_sent_but_handoffs_are(monkeypatch):
    """Nobody watching: the drain task skips turn events (two Redis round trips each) but never a
    hand-off notification."""
    layer = get_channel_layer()
    sent = []
    original = layer.group_send

    async def recording(group, message):
        sent.append(message["type"])
        return await original(group, message)

    monkeypatch.setattr(layer, "group_send", recording)
    monkeypatch.setattr(live, "LIVE_PRESENCE_TTL_S", 0.0)
    queue = asyncio.Queue()
    drain = asyncio.create_task(live._drain(queue))
    group = f"test-unwatched-{uuid.uuid4().hex}"
    queue.put_nowait((layer, group, {"type": "live.event", "session_id": "s", "event": {}}))
    queue.put_nowait((layer, group, {"type": "live.handoff", "session_id": "s"}))
    for _ in range(100):
        if sent:
            break
        await asyncio.sleep(0.02)
    drain.cancel()
    assert sent == ["live.handoff"]
