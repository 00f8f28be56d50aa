"""Which voice turn a lost connection or a dead process cut off (support.conversations.services.resume), and answering
its stored question once (conversation_turn's `answering`), with the offline brain."""

import threading

import pytest
from django.db import connection

from catalog.tests.factories import PolicyFactory
from support.assistant.offline.dialogue import OfflineBrain
from support.conversations.services.lifecycle import conversation_create
from support.conversations.services.resume import CUT_OFF, pending_turn_get
from support.conversations.services.turns import conversation_turn
from support.models import Conversation, Message

pytestmark = pytest.mark.django_db

QUESTION = "What is your return policy?"


@pytest.fixture(autouse=True)
def shop_data(db):
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
    conv, _ = voice_conversation()
    question = said(conv, Message.Role.USER, QUESTION)
    result = conversation_turn(conversation=conv, text=question.text, language="en", answering=question)
    assert result.user_message.pk == question.pk and "7 days" in result.reply
    assert list(conv.messages.values_list("role", "text")) == [("user", QUESTION), ("assistant", result.reply)]


def test_a_reply_the_old_process_stored_meanwhile_is_kept_instead_of_a_second():
    conv, _ = voice_conversation()
    question = said(conv, Message.Role.USER, QUESTION)
    # A dropped socket, not a dead process: the first brain finished and stored its reply while
    # the resumed connection was answering the same question.
    earlier = said(conv, Message.Role.ASSISTANT, "Returns are accepted within 7 days.")
    result = conversation_turn(conversation=conv, text=question.text, language="en", answering=question)
    assert result.assistant_message.pk == earlier.pk and result.reply == earlier.text
    assert conv.messages.count() == 2


def test_the_old_process_storing_after_the_resumed_answer_keeps_that_one_instead_of_a_second():
    """The other order: the process lost its socket but lived; while its brain was still thinking,
    the resumed connection answered the same question and stored that answer first."""
    conv, _ = voice_conversation()

    class ResumedMeanwhile(OfflineBrain):
        def stream(self, text, ctx, tools):
            question = conv.messages.get(role=Message.Role.USER)
            conversation_turn(conversation=conv, text=question.text, language="en", answering=question)
            yield from super().stream(text, ctx, tools)

    old = conversation_turn(conversation=conv, text=QUESTION, language="en", brains=[ResumedMeanwhile()])
    roles = list(conv.messages.values_list("role", flat=True))
    assert roles == ["user", "assistant"]  # one question, one answer
    assert old.assistant_message.pk == conv.messages.get(role=Message.Role.ASSISTANT).pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_storing_an_answer_at_the_same_instant_keep_one():
    """The old process lived and the resumed connection answered too, and both brains finished
    together: the conversation's row lock lets one store, the other then keeps that reply."""
    conv, _ = voice_conversation()
    question = said(conv, Message.Role.USER, QUESTION)
    barrier = threading.Barrier(2)
    replies = []

    class FinishesInStep(OfflineBrain):
        def stream(self, text, ctx, tools):
            yield from super().stream(text, ctx, tools)
            barrier.wait(timeout=10)  # both stores start together

    def answer():
        try:
            mine = Conversation.objects.get(pk=conv.pk)
            result = conversation_turn(conversation=mine, text=QUESTION, language="en",
                                       answering=Message.objects.get(pk=question.pk), brains=[FinishesInStep()])
            replies.append(result.assistant_message.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    stored = list(conv.messages.filter(role=Message.Role.ASSISTANT).values_list("pk", flat=True))
    assert len(stored) == 1
    assert replies == stored * 2  # both turns answered with the one stored reply
