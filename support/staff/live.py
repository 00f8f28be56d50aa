"""Publishing to the staff live view (the channel-layer group `support.live`).

Services call these from synchronous code (request threads, the brain's worker thread), always
after commit, so staff never see a row that a rollback later removes. A full or unreachable
layer is logged and swallowed: a shopper's turn never fails because nobody could be told.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

# The same names the voice consumer uses (support.consumers); kept here so that services and
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
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # noqa: BLE001 - see the module docstring
        log.warning("could not publish to %s", group, exc_info=True)
        return False
    return True


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
