"""Publishing to the staff live view (the channel-layer group `support.live`).

Services call these from synchronous code (request threads, the brain's worker thread), always
after commit, so staff never see a row that a rollback later removes. A full or unreachable
layer is logged and swallowed: a shopper's turn never fails because nobody could be told.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

# The same names the voice consumer uses (support.voice.consumer); kept here so that services and
# the WSGI side never import the real-time pipeline just to publish.
LIVE_GROUP = "support.live"


def conversation_group(session_id) -> str:
    return f"conversation.{session_id}"


def group_send(group: str, message: dict[str, Any]) -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    if isinstance(layer, InMemoryChannelLayer) and not layer.groups.get(group):
        # The in-process layer knows its listeners: with nobody in the group (no staff page open)
        # skip the sync-to-async hop, ~1.4 ms of CPU per publish, two per turn.
        return True
    if _queue_on_server_loop(layer, group, message):
        return True
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # noqa: BLE001 - see the module docstring
        log.warning("could not publish to %s", group, exc_info=True)
        return False
    return True


# In a server process, a request thread hands its publishes to the server's event loop and goes
# on: waiting for Redis from the request thread (async_to_sync) was ~40% of a text turn's time
# with two workers (bench/bench_text.py). One queue per process, drained by one task, keeps
# each process's events in the order they were published.
_pending: "asyncio.Queue | None" = None


def _queue_on_server_loop(layer, group: str, message: dict[str, Any]) -> bool:
    # Imported when used: an import up into the composition (test_layers EXCEPTIONS, issue 14
    # item 5), kept out of loading this module in processes with no HTTP server (Celery, commands).
    from voxsite.asgi_http import server_loop

    loop = server_loop()
    if loop is None or loop.is_closed():
        return False  # not in a server (tests' Client, Celery, management commands): publish inline
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        return False  # on the loop itself there is no thread to spare: callers there await directly
    try:
        loop.call_soon_threadsafe(_enqueue, layer, group, message)
    except RuntimeError:  # the loop is shutting down
        return False
    return True


def _enqueue(layer, group: str, message: dict[str, Any]) -> None:
    global _pending
    if _pending is None:
        _pending = asyncio.Queue()
        asyncio.get_running_loop().create_task(_drain(_pending))
    _pending.put_nowait((layer, group, message))


async def _drain(queue: "asyncio.Queue") -> None:
    while True:
        layer, group, message = await queue.get()
        try:
            if message.get("type") == "live.event" and not await _watched(layer, group):
                continue
            await layer.group_send(group, message)
        except Exception:  # noqa: BLE001 - see the module docstring
            log.warning("could not publish to %s", group, exc_info=True)


# Whether any staff socket is in a group, as the Redis layer stores it, re-read at most every
# LIVE_PRESENCE_TTL_S: with nobody watching, a turn's two events cost nothing (group_send itself
# is two Redis round trips before it finds the group empty). A staff socket that joins may miss
# events for up to this long; StaffLiveConsumer replays the watched conversation after it.
LIVE_PRESENCE_TTL_S = 1.0
_presence: dict[str, tuple[float, bool]] = {}


async def _watched(layer, group: str) -> bool:
    if not hasattr(layer, "_group_key") or len(getattr(layer, "hosts", ())) != 1:
        return True  # not the (single-host) Redis layer: ask nobody, publish
    now = time.monotonic()
    cached = _presence.get(group)
    if cached is not None and cached[0] > now:
        return cached[1]
    connection = layer.connection(layer.consistent_hash(group))
    watched = bool(await connection.zcard(layer._group_key(group)))
    _presence[group] = (now + LIVE_PRESENCE_TTL_S, watched)
    return watched


def live_publish(*, session_id, event: dict[str, Any]) -> bool:
    """One event for staff watching live: relayed by the staff consumer as
    `{"type": "event", "session_id", "event"}` (the shape VoiceConsumer publishes too)."""
    return group_send(LIVE_GROUP, {"type": "live.event", "session_id": str(session_id), "event": event})


def live_publish_on_commit(*, session_id, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: live_publish(session_id=session_id, event=event))


def handoff_publish(*, session_id, reason: str, language: str, requested_at, customer: str = "", channel: str = "") -> bool:
    """A shopper asked for a human: every staff socket gets `{"type": "handoff", ...}`."""
    return group_send(LIVE_GROUP, {
        "type": "live.handoff", "session_id": str(session_id), "reason": reason[:300], "language": language,
        "requested_at": requested_at.isoformat() if requested_at else None, "customer": customer, "channel": channel,
    })


def message_event(message, **extra) -> dict[str, Any]:
    """A stored message as a live event: the staff transcript is built from these (by id, so a
    page that already rendered the message skips it)."""
    return {"type": "message", "id": message.pk, "role": message.role, "text": message.text,
            "language": message.language, "author": message.author,
            "at": message.created_at.isoformat() if message.created_at else None, **extra}
