"""Takeover, hand-back and staff replies (support.desk.services), the assistant staying silent while a
staff member answers (support.conversations.services.turns), and what reaches the staff live group."""

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from support.models import Conversation, Message, ModelCall, ToolCall
from support.conversations.services.lifecycle import conversation_end, conversation_handoff
from support.conversations.services.turns import TextEmpty, conversation_turn
from support.desk.live import LIVE_GROUP, conversation_group
from support.desk.selectors import handoff_queue, live_conversations
from support.desk.services import (
    AlreadyTakenOver,
    ConversationClosed,
    NotTakenOver,
    conversation_handback,
    conversation_takeover,
    staff_reply,
)
from support.desk.testing import staff_user_create
from voxsite.core.models import AuditLog

from support.conversations.tests.factories import ConversationFactory, MessageFactory


@pytest.fixture
def asha(db):
    return staff_user_create(username="asha")


@pytest.fixture
def ravi(db):
    return staff_user_create(username="ravi")


@pytest.fixture
def shop(db):
    from catalog.tests.factories import PolicyFactory

    PolicyFactory(kind="returns", text="You can return most items within 7 days of delivery.")


@pytest.fixture(autouse=True)
def _empty_layer():
    """The Redis layer outlives a test: start each from nothing."""
    from asgiref.sync import async_to_sync

    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        async_to_sync(layer.flush)()


# ---------------------------------------------------------------------------
# takeover and hand-back


def test_takeover_pauses_the_assistant_and_is_audited(asha):
    conv = ConversationFactory()
    conversation_takeover(conversation=conv, user=asha)
    conv.refresh_from_db()
    assert conv.taken_over_by == asha and conv.taken_over_at is not None
    row = AuditLog.objects.get()
    assert (row.action, row.actor, row.actor_label, row.object_type, row.object_id) == (
        "conversation.takeover", asha, "asha", "conversation", str(conv.pk))
    # Taking over one's own conversation again changes nothing and writes no second row.
    conversation_takeover(conversation=conv, user=asha)
    assert AuditLog.objects.count() == 1


def test_someone_elses_conversation_cannot_be_taken_over(asha, ravi):
    conv = ConversationFactory()
    conversation_takeover(conversation=conv, user=asha)
    with pytest.raises(AlreadyTakenOver) as exc:
        conversation_takeover(conversation=conv, user=ravi)
    assert exc.value.code == "already_taken_over" and "asha" in exc.value.message
    conv.refresh_from_db()
    assert conv.taken_over_by == asha


def test_an_ended_conversation_cannot_be_taken_over(asha):
    conv = ConversationFactory()
    conversation_end(conversation=conv)
    with pytest.raises(ConversationClosed):
        conversation_takeover(conversation=conv, user=asha)
    assert not AuditLog.objects.exists()


def test_handback_resumes_the_assistant_and_names_both_staff(asha, ravi):
    conv = ConversationFactory()
    conversation_takeover(conversation=conv, user=asha)
    conversation_handback(conversation=conv, user=ravi)  # a colleague releases it
    conv.refresh_from_db()
    assert conv.taken_over_by is None
    assert conv.taken_over_at is not None  # staff answered: it stays out of the handoff queue
    row = AuditLog.objects.get(action="conversation.handback")
    assert row.actor == ravi and row.details == {"taken_over_by": "asha"}
    with pytest.raises(NotTakenOver):
        conversation_handback(conversation=conv, user=ravi)


def test_staff_reply_needs_the_takeover_and_some_text(asha, ravi):
    conv = ConversationFactory()
    with pytest.raises(NotTakenOver):
        staff_reply(conversation=conv, user=asha, text="Hello")
    conversation_takeover(conversation=conv, user=asha)
    with pytest.raises(NotTakenOver):
        staff_reply(conversation=conv, user=ravi, text="Hello")  # only the one who took it over
    with pytest.raises(TextEmpty):
        staff_reply(conversation=conv, user=asha, text="   ")
    message = staff_reply(conversation=conv, user=asha, text="Hello, this is Asha. Let me check that for you.")
    message.refresh_from_db()
    assert (message.role, message.author, message.language) == (Message.Role.STAFF, "asha", "en")
    conv.refresh_from_db()
    assert conv.last_activity_at == message.created_at


def test_staff_reply_is_stored_in_the_shoppers_language(asha):
    conv = ConversationFactory(language="hi")
    conversation_takeover(conversation=conv, user=asha)
    message = staff_reply(conversation=conv, user=asha, text="नमस्ते, मैं आशा हूँ। मैं आपका ऑर्डर देख रही हूँ।")
    assert message.language == "hi"


# ---------------------------------------------------------------------------
# turns while taken over


def test_a_taken_over_turn_stores_the_shoppers_words_and_no_reply(asha, shop):
    conv = ConversationFactory()
    conversation_takeover(conversation=conv, user=asha)
    result = conversation_turn(conversation=Conversation.objects.get(pk=conv.pk), text="What is your return policy?")
    assert result.taken_over and result.reply == "" and result.intent == "taken_over"
    assert result.assistant_message.pk is None
    assert result.user_message.pk and result.user_message.text == "What is your return policy?"
    assert list(conv.messages.values_list("role", flat=True)) == ["user"]
    assert not ModelCall.objects.exists() and not ToolCall.objects.exists()  # the brain never ran
    conv.refresh_from_db()
    assert conv.last_activity_at == result.user_message.created_at

    conversation_handback(conversation=conv, user=asha)
    again = conversation_turn(conversation=Conversation.objects.get(pk=conv.pk), text="What is your return policy?")
    assert not again.taken_over and "7 days" in again.reply
    assert again.assistant_message.pk is not None


def test_rest_text_turns_while_taken_over(asha, shop):
    from rest_framework.test import APIClient

    client = APIClient()
    first = client.post("/api/conversation/message", {"text": "Hi there", "language": "en"}, format="json").json()
    conv = Conversation.objects.get(pk=first["session_id"])
    conversation_takeover(conversation=conv, user=asha)
    body = {"text": "What is your return policy?", "session_id": first["session_id"], "token": first["token"]}
    resp = client.post("/api/conversation/message", body, format="json")
    assert resp.status_code == 200
    assert resp.json()["reply"] == "" and resp.json()["message_id"] is None
    resp = client.post("/api/voice/text", body, format="json")
    assert resp.status_code == 200
    assert resp.json()["reply"] == "" and resp.json()["audio"] is None
    assert conv.messages.filter(role="user").count() == 3
    assert conv.messages.filter(role="assistant").count() == 1  # only the answer to "Hi there"


# ---------------------------------------------------------------------------
# what staff watching live receive


async def _listen(group: str) -> str:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return channel


async def _receive(channel: str, timeout: float = 10) -> dict:
    return await asyncio.wait_for(get_channel_layer().receive(channel), timeout)


@pytest.mark.django_db(transaction=True)
async def test_rest_turns_are_published_to_the_live_group(shop):
    from rest_framework.test import APIClient

    channel = await _listen(LIVE_GROUP)

    def post():
        return APIClient().post("/api/conversation/message", {"text": "What is your return policy?", "language": "en"},
                                format="json").json()

    body = await database_sync_to_async(post)()
    user = await _receive(channel)
    assert user["type"] == "live.event" and user["session_id"] == body["session_id"]
    assert user["event"]["type"] == "message" and user["event"]["role"] == "user"
    assert user["event"]["text"] == "What is your return policy?" and user["event"]["channel"] == "web-text"
    reply = await _receive(channel)
    assert reply["event"]["role"] == "assistant" and reply["event"]["id"] == body["message_id"]
    assert reply["event"]["text"] == body["reply"] and reply["event"]["tools"] == ["get_policy"]
    assert reply["event"]["intent"] == body["intent"] and reply["event"]["status"] == "active"


@pytest.mark.django_db(transaction=True)
async def test_takeover_reply_and_handback_reach_the_shoppers_group_and_the_live_group(asha):
    conv = await database_sync_to_async(ConversationFactory)()
    live = await _listen(LIVE_GROUP)
    shopper = await _listen(conversation_group(conv.pk))

    await database_sync_to_async(conversation_takeover)(conversation=conv, user=asha)
    event = (await _receive(live))["event"]
    assert event["type"] == "takeover" and event["by"] == "asha"

    message = await database_sync_to_async(staff_reply)(conversation=conv, user=asha, text="Hello, this is Asha.")
    say = await _receive(shopper)
    assert say == {"type": "conversation.say", "text": "Hello, this is Asha.", "language": "en"}
    event = (await _receive(live))["event"]
    assert (event["type"], event["role"], event["id"], event["author"]) == ("message", "staff", message.pk, "asha")

    await database_sync_to_async(conversation_handback)(conversation=conv, user=asha)
    event = (await _receive(live))["event"]
    assert event == {"type": "handback", "by": "asha"}


@pytest.mark.django_db(transaction=True)
async def test_a_handoff_is_announced_to_staff():
    live = await _listen(LIVE_GROUP)
    conv = await database_sync_to_async(ConversationFactory)(language="hi")
    await database_sync_to_async(conversation_handoff)(conversation=conv, reason="wants a refund", language="hi")
    message = await _receive(live)
    assert message["type"] == "live.handoff" and message["session_id"] == str(conv.pk)
    assert message["reason"] == "wants a refund" and message["language"] == "hi" and message["requested_at"]
    assert message["channel"] == "web-text"


@pytest.mark.django_db(transaction=True)
async def test_a_refused_reply_is_never_spoken(asha):
    """Nothing is stored, so nothing is said: the group hears only committed replies."""
    conv = await database_sync_to_async(ConversationFactory)()
    await database_sync_to_async(conversation_takeover)(conversation=conv, user=asha)
    shopper = await _listen(conversation_group(conv.pk))
    with pytest.raises(TextEmpty):
        await database_sync_to_async(staff_reply)(conversation=conv, user=asha, text="")
    with pytest.raises(asyncio.TimeoutError):
        await _receive(shopper, timeout=0.5)


# ---------------------------------------------------------------------------
# selectors


def test_live_conversations_are_recent_and_not_ended(asha):
    live = ConversationFactory()
    MessageFactory(conversation=live, role="user", text="first")
    MessageFactory(conversation=live, role="assistant", text="the latest reply")
    ended = ConversationFactory()
    conversation_end(conversation=ended)
    stale = ConversationFactory()
    Conversation.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - timedelta(days=1))
    rows = list(live_conversations())
    assert [r.pk for r in rows] == [live.pk]
    assert (rows[0].turns, rows[0].last_role, rows[0].last_text) == (1, "assistant", "the latest reply")


def test_handoff_queue_is_oldest_first_and_drops_answered_ones(asha):
    now = timezone.now()
    older, newer, answered, ended = (ConversationFactory() for _ in range(4))
    for conv in (older, newer, answered, ended):
        conversation_handoff(conversation=conv, reason="human please")
    Conversation.objects.filter(pk=older.pk).update(handoff_requested_at=now - timedelta(minutes=5))
    conversation_takeover(conversation=answered, user=asha)
    conversation_handback(conversation=answered, user=asha)  # answered once: not waiting any more
    Conversation.objects.filter(pk=ended.pk).update(ended_at=now)
    ConversationFactory()  # never asked
    assert [c.pk for c in handoff_queue()] == [older.pk, newer.pk]
