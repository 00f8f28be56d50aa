"""A voice turn cut off mid-reply is answered when the conversation resumes (services.resume), over
the real ASGI application with the offline brain and real synthesis."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import OperationalError

from support.models import Conversation, Message, ModelCall
from support.services.conversations import conversation_create
from support.services.resume import CUT_OFF, pending_turn_get
from voxsite.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]

QUESTION = "What is your return policy?"


@pytest.fixture(autouse=True)
def shop_data(db):
    from catalog.tests.factories import PolicyFactory

    PolicyFactory(kind="returns", text="You can return most items within 7 days of delivery. Refunds reach your "
                                       "account within five working days of the pickup. Groceries, innerwear and "
                                       "opened beauty products cannot be returned unless they arrived damaged.")


def voice_conversation(channel=Conversation.Channel.WEB_VOICE):
    return conversation_create(channel=channel, language="en")


def said(conv, role, text, **fields):
    return Message.objects.create(conversation=conv, role=role, text=text, language="en", **fields)


# -- which turn is pending ------------------------------------------------------------------


def test_nothing_pending_in_a_new_or_answered_conversation():
    conv, _ = voice_conversation()
    assert pending_turn_get(session_id=str(conv.pk)) is None
    said(conv, Message.Role.USER, QUESTION)
    said(conv, Message.Role.ASSISTANT, "Within 7 days.", timings={"brain_ms": 3, "eos_to_first_token_ms": 40})
    assert pending_turn_get(session_id=str(conv.pk)) is None


def test_a_question_without_a_stored_reply_is_answered_again():
    conv, _ = voice_conversation()
    said(conv, Message.Role.USER, "Hello")
    said(conv, Message.Role.ASSISTANT, "Hi!", timings={"eos_to_first_token_ms": 40})
    question = said(conv, Message.Role.USER, QUESTION)
    pending = pending_turn_get(session_id=str(conv.pk))
    assert pending == {"answer": "again", "message_id": question.pk, "text": QUESTION, "language": "en",
                       "reply_id": None, "reply": "", "notice": CUT_OFF["en"], "status": "active"}


def test_a_stored_reply_never_spoken_to_the_end_is_repeated():
    conv, _ = voice_conversation()
    question = said(conv, Message.Role.USER, QUESTION)
    reply = said(conv, Message.Role.ASSISTANT, "Within 7 days.", timings={"brain_ms": 3, "first_token_ms": 1})
    pending = pending_turn_get(session_id=str(conv.pk))
    assert (pending["answer"], pending["message_id"], pending["reply_id"], pending["reply"]) == (
        "repeat", question.pk, reply.pk, "Within 7 days.")


@pytest.mark.parametrize("case", ["interrupted", "staff", "taken_over", "rest_text", "rest_voice"])
def test_nothing_pending_when_the_shopper_or_staff_ended_the_turn(case, django_user_model):
    conv, _ = voice_conversation(Conversation.Channel.WEB_TEXT if case == "rest_text" else Conversation.Channel.WEB_VOICE)
    said(conv, Message.Role.USER, QUESTION)
    if case == "interrupted":
        said(conv, Message.Role.ASSISTANT, "Within", interrupted=True)
    elif case == "staff":
        said(conv, Message.Role.STAFF, "Let me check.", author="asha")
    elif case == "taken_over":
        conv.taken_over_by = django_user_model.objects.create_user("asha", is_staff=True)
        conv.save()
    elif case == "rest_text":
        said(conv, Message.Role.ASSISTANT, "Within 7 days.", timings={"brain_ms": 3})
    else:  # the REST voice endpoint answered in its response
        said(conv, Message.Role.ASSISTANT, "Within 7 days.", timings={"brain_ms": 3, "tts_ms": 80})
    assert pending_turn_get(session_id=str(conv.pk)) is None


def test_answering_a_stored_question_stores_the_reply_once():
    from support.services.turns import conversation_turn

    conv, _ = voice_conversation()
    question = said(conv, Message.Role.USER, QUESTION)
    result = conversation_turn(conversation=conv, text=question.text, language="en", answering=question)
    assert result.user_message.pk == question.pk and "7 days" in result.reply
    assert list(conv.messages.values_list("role", "text")) == [("user", QUESTION), ("assistant", result.reply)]


def test_a_reply_the_old_process_stored_meanwhile_is_kept_instead_of_a_second():
    from support.services.turns import conversation_turn

    conv, _ = voice_conversation()
    question = said(conv, Message.Role.USER, QUESTION)
    # A dropped socket, not a dead process: the first brain finished and stored its reply while
    # the resumed connection was answering the same question.
    earlier = said(conv, Message.Role.ASSISTANT, "Returns are accepted within 7 days.")
    result = conversation_turn(conversation=conv, text=question.text, language="en", answering=question)
    assert result.assistant_message.pk == earlier.pk and result.reply == earlier.text
    assert conv.messages.count() == 2


# -- over the socket -----------------------------------------------------------------------


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
    settings.TTS_CACHE_SIZE = 0
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
