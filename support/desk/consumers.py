"""`WS /ws/staff/live`: the staff side of live conversations.

Staff only (session cookie, `is_staff` and the conversation view permission); anyone else is
refused at the handshake. The socket joins the group `support.live`, where the voice consumer
and the services publish, and relays what arrives:

    server -> staff  {"type": "hello", "user", "can_take_over"}
                     {"type": "event", "session_id", "event": {...}}    a turn event or a stored message
                     {"type": "handoff", "session_id", "reason", "language", "requested_at", "customer"}
                     {"type": "ok", "action", "session_id", ...}         an action succeeded
                     {"type": "error", "code", "detail", "action"?}
    staff -> server  {"action": "watch", "session_id", "after_id"?}    only this conversation's events from now
                                                                        on (plus messages after `after_id`)
                     {"action": "watch_all"}                            every conversation again (the default)
                     {"action": "takeover" | "handback", "session_id"}
                     {"action": "reply", "session_id", "text"}
                     {"action": "ping"}

Handoff notifications are sent whatever is watched: a shopper waiting for a human must be seen.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from voxsite.core.errors import DomainError

from ..models import Conversation
from . import live
from .live import LIVE_GROUP, message_event
from .permissions import staff_can_take_over, staff_can_watch
from .selectors import messages_after
from .services import conversation_handback, conversation_takeover, staff_reply

log = logging.getLogger(__name__)

ACTIONS = ("watch", "watch_all", "takeover", "handback", "reply", "ping")


@database_sync_to_async
def _permissions(user) -> tuple[bool, bool]:
    return staff_can_watch(user), staff_can_take_over(user)


@database_sync_to_async
def _act(action: str, session_id: str, user, text: str = "") -> dict:
    conv = Conversation.objects.filter(pk=session_id).first()
    if conv is None:
        raise DomainError("No such conversation.", code="session_not_found", status_code=404)
    if action == "takeover":
        conversation_takeover(conversation=conv, user=user)
        return {"taken_over_by": user.get_username()}
    if action == "handback":
        conversation_handback(conversation=conv, user=user)
        return {"taken_over_by": None}
    message = staff_reply(conversation=conv, user=user, text=text)
    return {"message": message_event(message)}


@database_sync_to_async
def _missed(session_id: str, after_id: int) -> list[dict]:
    return [message_event(m) for m in messages_after(session_id=session_id, after_id=after_id)]


class StaffLiveConsumer(AsyncJsonWebsocketConsumer):
    watching: str | None = None
    joined = False
    catch_up: asyncio.Task | None = None

    async def connect(self):
        user = self.scope.get("user")
        can_watch, can_take_over = await _permissions(user)
        if not can_watch:
            # Refused before accept: the handshake fails (HTTP 403) and nothing is relayed.
            await self.close(code=4403)
            return
        self.user = user
        self.can_take_over = can_take_over
        await self.channel_layer.group_add(LIVE_GROUP, self.channel_name)
        self.joined = True
        await self.accept()
        await self.send_json({"type": "hello", "user": user.get_username(), "can_take_over": can_take_over})

    async def disconnect(self, code):
        if self.catch_up is not None:
            self.catch_up.cancel()
        if self.joined:
            await self.channel_layer.group_discard(LIVE_GROUP, self.channel_name)

    # -- staff -> server ------------------------------------------------------
    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict) or content.get("action") not in ACTIONS:
            return await self._error("unknown_action", f"Send an object with an action: one of {', '.join(ACTIONS)}.")
        action = content["action"]
        if action == "ping":
            return await self.send_json({"type": "pong", "t": content.get("t")})
        if action == "watch_all":
            self.watching = None
            return await self.send_json({"type": "ok", "action": action})
        session_id = self._session_id(content.get("session_id"))
        if session_id is None:
            return await self._error("bad_session_id", "session_id must be a conversation id.", action)
        if action == "watch":
            return await self._watch(session_id, content.get("after_id"))
        if not self.can_take_over:
            return await self._error("forbidden", "You may watch conversations but not take them over.", action)
        text = content.get("text") if action == "reply" else ""
        try:
            result = await _act(action, session_id, self.user, text)
        except DomainError as exc:
            return await self._error(exc.code, exc.message, action)
        await self.send_json({"type": "ok", "action": action, "session_id": session_id, **result})

    async def _watch(self, session_id: str, after_id):
        self.watching = session_id
        await self.send_json({"type": "ok", "action": "watch", "session_id": session_id})
        if isinstance(after_id, int) and not isinstance(after_id, bool) and after_id >= 0:
            await self._replay(session_id, after_id)
            # Other server processes learn that someone watches within LIVE_PRESENCE_TTL_S
            # (support.desk.live); what they stored meanwhile is replayed once more (the page
            # skips messages it already shows).
            if self.catch_up is not None:
                self.catch_up.cancel()
            self.catch_up = asyncio.create_task(self._replay_later(session_id, after_id))

    async def _replay(self, session_id: str, after_id: int):
        for event in await _missed(session_id, after_id):
            await self.send_json({"type": "event", "session_id": session_id, "event": event})

    async def _replay_later(self, session_id: str, after_id: int):
        await asyncio.sleep(live.LIVE_PRESENCE_TTL_S + 0.25)
        if self.watching == session_id:
            await self._replay(session_id, after_id)

    @staticmethod
    def _session_id(value) -> str | None:
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            return None

    async def _error(self, code: str, detail: str, action: str | None = None):
        event = {"type": "error", "code": code, "detail": detail}
        if action:
            event["action"] = action
        await self.send_json(event)

    # -- channel layer -> staff ---------------------------------------------------
    async def live_event(self, message):
        if self.watching is not None and message.get("session_id") != self.watching:
            return
        await self.send_json({"type": "event", "session_id": message.get("session_id"), "event": message.get("event")})

    async def live_handoff(self, message):
        await self.send_json({k: v for k, v in message.items() if k != "type"} | {"type": "handoff"})
