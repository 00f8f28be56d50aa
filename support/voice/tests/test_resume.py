"""A voice turn cut off mid-reply is answered when the conversation resumes
(support.conversations.services.resume, the Resume frame), over the real ASGI application with the
offline brain and real synthesis."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import OperationalError

from catalog.tests.factories import PolicyFactory
from support.conversations.services.lifecycle import conversation_create
from support.conversations.services.resume import pending_turn_get
from support.models import Conversation, Message, ModelCall
from voxsite.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]

QUESTION = "What is your return policy?"


@pytest.fixture(autouse=True)
def shop_data(db):
    PolicyFactory(kind="returns", text="You can return most items within 7 days of delivery. Refunds reach your "
                                       "account within five working days of the pickup. Groceries, innerwear and "
                                       "opened beauty products cannot be returned unless they arrived damaged.")


def voice_conversation():
    return conversation_create(channel=Conversation.Channel.WEB_VOICE, language="en")


def said(conv, role, text):
    return Message.objects.create(conversation=conv, role=role, text=text, language="en")

async def connect(query):
    comm = WebsocketCommunicator(application, f"/api/voice/stream?{query}")
    connected, _ = await comm.connect(timeout=30)
    assert connected
    session = await comm.receive_json_from(timeout=30)
    assert session["type"] == "session"
    return comm, session


async def until(comm, kind, timeout=60):
    events, audio = [], 0
    while True:
        out = await comm.receive_output(timeout=timeout)
        assert out["type"] != "websocket.close", out
        if out.get("bytes") is not None:
            audio += len(out["bytes"])
            continue
        events.append(json.loads(out["text"]))
        if events[-1]["type"] == kind:
            return events, audio


def messages(session_id):
    return list(Message.objects.filter(conversation_id=session_id).order_by("created_at", "id")
                .values_list("role", "text", "interrupted", "timings"))


async def test_resuming_answers_the_question_a_dead_process_left_unanswered():
    conv, token = await sync_to_async(voice_conversation)()
    await sync_to_async(said)(conv, Message.Role.USER, QUESTION)

    comm, session = await connect(f"language=en&mode=ptt&session_id={conv.pk}&token={token}")
    assert session["resumed"] and session["pending"]["answer"] == "again"
    assert session["pending"]["text"] == QUESTION
    events, audio = await until(comm, "end")
    await comm.disconnect()

    reply = next(e for e in events if e["type"] == "reply")
    assert reply["resumed"] is True and "7 days" in reply["text"]
    assert audio > 0
    rows = await sync_to_async(messages)(conv.pk)
    assert [(role, text) for role, text, *_ in rows] == [("user", QUESTION), ("assistant", reply["text"])]
    assert "eos_to_first_token_ms" in rows[1][3]  # spoken to the end: nothing pending any more
    assert await sync_to_async(pending_turn_get)(session_id=str(conv.pk)) is None


async def test_a_reply_cut_by_a_dropped_connection_is_kept_whole_and_said_again(settings):
    # Clauses an earlier test cached would all be sent before the drop: a chain of its own (the
    # chain is per provider list), caching nothing.
    settings.TTS_PROVIDERS_EN = ["piper"]
    settings.TTS_CACHE_MAX_BYTES = 0
    comm, session = await connect("language=en&mode=ptt")
    await comm.send_json_to({"type": "text", "text": QUESTION})
    await until(comm, "audio_start")
    await comm.disconnect()  # the socket drops while the reply is being spoken

    sid = session["session_id"]
    for _ in range(100):  # the cancelled turn's brain finishes and stores its reply on its own
        await asyncio.sleep(0.1)
        try:
            rows = await sync_to_async(messages)(sid)
            # Its speech calls are the turn's last write (SQLite's test database is locked meanwhile).
            if len(rows) == 2 and await sync_to_async(ModelCall.objects.filter(conversation_id=sid, stage="tts").exists)():
                break
        except OperationalError:
            continue
    (_, question, _, _), (_, stored, interrupted, timings) = rows
    assert question == QUESTION and "7 days" in stored and not interrupted
    assert "eos_to_first_token_ms" not in timings

    comm, again = await connect(f"language=en&mode=ptt&session_id={sid}&token={session['token']}")
    assert again["pending"]["answer"] == "repeat" and again["pending"]["reply"] == stored
    events, audio = await until(comm, "end")
    await comm.disconnect()
    reply = next(e for e in events if e["type"] == "reply")
    assert reply["resumed"] is True and reply["text"] == stored and audio > 0
    rows = await sync_to_async(messages)(sid)
    assert [(role, text, interrupted) for role, text, interrupted, _ in rows] == [
        ("user", QUESTION, False), ("assistant", stored, False)]
    assert "eos_to_first_token_ms" in rows[1][3]

    comm, third = await connect(f"language=en&mode=ptt&session_id={sid}&token={session['token']}")
    assert third["pending"] is None
    await comm.disconnect()
