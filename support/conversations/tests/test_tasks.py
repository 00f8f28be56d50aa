"""After-conversation summaries and the periodic jobs: the services on real conversations (the
offline brain and real tools), then the Celery tasks run eagerly."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from crm.models import CRMRecord
from crm.tests.factories import CustomerFactory
from orders.models import Order
from orders.tests.factories import OrderFactory
from support.voice import tasks
from support.conversations import tasks as conversation_tasks
from support.desk import tasks as desk_tasks
from support.models import BatchJob, Conversation, Message, ModelCall
from support.conversations.services.lifecycle import conversation_create, conversation_end, conversation_handoff
from support.conversations.services.retention import audio_purge, conversations_close_idle
from support.conversations.services.summary import conversation_intent_tags, conversation_summarise
from support.conversations.services.turns import conversation_turn
from support.conversations.tests.factories import ConversationFactory, MessageFactory, ToolCallFactory

pytestmark = pytest.mark.django_db


class ExplodingBrain:
    name = "exploding"

    def stream(self, text, ctx, tools):
        raise RuntimeError("model server on fire")
        yield  # pragma: no cover


def talk(conv, *texts, **kwargs):
    for text in texts:
        conversation_turn(conversation=conv, text=text, language=kwargs.get("language", "en"), brains=kwargs.get("brains"))
    return conv


def ended(conv):
    return conversation_end(conversation=conv)


def records(conv):
    return list(CRMRecord.objects.filter(conversation=conv, scenario="unresolved"))


# -- outcomes on real conversations ------------------------------------------------------------


def test_tracked_order_is_resolved_with_an_extractive_summary():
    order = OrderFactory(status=Order.Status.SHIPPED, carrier="Blue Dart")
    conv, _ = conversation_create(channel="web-text")
    talk(conv, f"Where is my order {order.number}?", order.customer.phone[3:])
    conv = conversation_summarise(conversation=ended(conv))
    assert conv.resolution == "resolved"
    assert conv.tags == ["track_order"]
    assert f'asked: "Where is my order {order.number}?"' in conv.summary
    assert "track_order ok (status shipped)" in conv.summary
    assert conv.summary.endswith("Resolved by the assistant.")
    assert records(conv) == []


def test_failed_verification_is_unresolved_and_opens_one_crm_record():
    customer = CustomerFactory()
    order = OrderFactory(status=Order.Status.SHIPPED, customer=customer)
    conv, _ = conversation_create(channel="web-text", customer=None)
    talk(conv, f"track {order.number} my phone is 9000000000")
    conv = conversation_summarise(conversation=ended(conv))
    assert conv.resolution == "unresolved"
    assert "track_order failed (verification_failed)" in conv.summary
    [record] = records(conv)
    assert record.payload["reason"].startswith(("tool_failed:verification_failed", "verification_failed"))
    assert record.intent == "track_order" and record.status == CRMRecord.Status.OPEN
    assert record.summary == conv.summary[:300]

    # Again, forced or not: the same outcome and still one record.
    conversation_summarise(conversation=conv)
    conversation_summarise(conversation=conv, force=True)
    assert len(records(conv)) == 1


def test_verification_failure_made_up_for_later_is_resolved():
    order = OrderFactory(status=Order.Status.SHIPPED)
    conv = ConversationFactory(status=Conversation.Status.ENDED)
    MessageFactory(conversation=conv, text=f"track {order.number}")
    ToolCallFactory(conversation=conv, ok=False, result={"ok": False, "code": "verification_failed"})
    ToolCallFactory(conversation=conv, ok=True, result={"ok": True, "status": "shipped"})
    MessageFactory(conversation=conv, role=Message.Role.ASSISTANT, text="It has shipped.")
    assert conversation_summarise(conversation=conv).resolution == "resolved"


def test_verification_failures_then_a_chat_turn_stay_unresolved():
    conv = ConversationFactory(status=Conversation.Status.ENDED)
    MessageFactory(conversation=conv, text="track ORD-1")
    ToolCallFactory(conversation=conv, ok=False, result={"ok": False, "code": "verification_failed"})
    MessageFactory(conversation=conv, role=Message.Role.ASSISTANT, text="That does not match.")
    MessageFactory(conversation=conv, text="thanks anyway")
    MessageFactory(conversation=conv, role=Message.Role.ASSISTANT, text="You're welcome.")
    conv = conversation_summarise(conversation=conv)
    assert conv.resolution == "unresolved"
    assert records(conv)[0].payload["reason"] == "tool_failed:verification_failed"


def test_the_apology_reply_is_unresolved():
    conv, _ = conversation_create(channel="web-text", language="hi")
    talk(conv, "मेरा ऑर्डर कहाँ है?", language="hi", brains=[ExplodingBrain()])
    conv = conversation_summarise(conversation=ended(conv))
    assert conv.resolution == "unresolved"
    assert records(conv)[0].payload["reason"] == "apology"
    assert "(Hindi) asked" in conv.summary and "apologised" in conv.summary


def test_an_unanswered_last_message_is_unresolved():
    conv = ConversationFactory(status=Conversation.Status.ENDED, customer=CustomerFactory())
    MessageFactory(conversation=conv, text="hello?")
    conv = conversation_summarise(conversation=conv)
    assert conv.resolution == "unresolved"
    [record] = records(conv)
    assert record.payload["reason"] == "unanswered"
    assert record.customer == conv.customer and record.conversation == conv


def test_a_handoff_is_handed_off_without_an_unresolved_record():
    conv, _ = conversation_create(channel="web-text")
    talk(conv, "I want to talk to a human")
    conv.refresh_from_db()
    assert conv.status == Conversation.Status.HANDED_OFF
    conv = conversation_summarise(conversation=ended(conv))
    assert conv.resolution == "handed_off"
    assert "handoff" in conv.tags
    assert records(conv) == []
    assert CRMRecord.objects.filter(conversation=conv, scenario="handoff").count() == 1


def test_a_failed_tool_after_a_handoff_request_is_still_handed_off():
    conv = ConversationFactory(status=Conversation.Status.ACTIVE)
    MessageFactory(conversation=conv, text="get me a person")
    conversation_handoff(conversation=conv, reason="asked for a person")
    ToolCallFactory(conversation=conv, ok=False, result={"ok": False, "code": "order_not_found"})
    conv = conversation_summarise(conversation=ended(conv))
    assert conv.resolution == "handed_off" and records(conv) == []


def test_an_empty_conversation_gets_no_resolution_and_no_record():
    conv = conversation_summarise(conversation=ended(ConversationFactory()))
    assert (conv.resolution, conv.summary) == ("", "The shopper said nothing.")
    assert records(conv) == []


def test_an_active_conversation_is_not_summarised():
    conv = ConversationFactory()
    MessageFactory(conversation=conv, text="hello?")
    conv = conversation_summarise(conversation=conv)
    assert (conv.summary, conv.resolution) == ("", "")
    assert records(conv) == []


def test_intent_tags_merge_both_brains_names_and_drop_dialogue_acts():
    conv = ConversationFactory(tags=["greet", "search_faqs", "faq", "track_order", "affirm", "get_policy"])
    calls = [ToolCallFactory(conversation=conv, name="cancel_order"), ToolCallFactory(conversation=conv, name="track_order")]
    assert conversation_intent_tags(conversation=conv, tool_calls=calls) == ["faq", "track_order", "policy", "cancel_order"]


# -- the LLM summary (real groq client, fake Groq server on 127.0.0.1) -----------------------


def llm_conversation():
    conv = ConversationFactory(status=Conversation.Status.ENDED, language="en")
    MessageFactory(conversation=conv, text="Where is ORD-1042? My phone ends 3123")
    ToolCallFactory(conversation=conv, name="track_order", ok=True, result={"ok": True, "status": "shipped"})
    MessageFactory(conversation=conv, role=Message.Role.ASSISTANT, text="ORD-1042 has shipped with Blue Dart.")
    return conv


def test_llm_summary_when_groq_is_configured(fake_groq):
    from support.assistant.testing.fake_groq import text_reply

    fake_groq.push(text_reply("The shopper asked where ORD-1042 was; it has shipped. Nothing is open."))
    conv = conversation_summarise(conversation=llm_conversation())
    assert conv.summary == "The shopper asked where ORD-1042 was; it has shipped. Nothing is open."
    assert conv.resolution == "resolved" and conv.tags == ["track_order"]
    [request] = fake_groq.chat_requests()
    assert not request.stream
    prompt = request.messages[-1]["content"]
    assert "Shopper: Where is ORD-1042?" in prompt and "[tool] track_order ok (status shipped)" in prompt
    assert "in English" in request.messages[0]["content"]
    call = ModelCall.objects.get(conversation=conv)
    assert (call.stage, call.provider, call.ok) == ("llm", "groq-summary", True)
    assert call.tokens_out and call.output_size == len(conv.summary)


def test_llm_summary_asks_for_the_conversation_language(fake_groq):
    from support.assistant.testing.fake_groq import text_reply

    fake_groq.push(text_reply("ग्राहक ने ऑर्डर के बारे में पूछा।"))
    conv = llm_conversation()
    Conversation.objects.filter(pk=conv.pk).update(language="hi")
    conv = conversation_summarise(conversation=conv)
    assert conv.summary == "ग्राहक ने ऑर्डर के बारे में पूछा।"
    assert "in Hindi" in fake_groq.chat_requests()[0].messages[0]["content"]


@pytest.mark.parametrize("failure", ["error", "empty", "hang"])
def test_llm_failure_falls_back_to_the_extractive_summary_after_one_attempt(fake_groq, settings, failure):
    from support.assistant.testing.fake_groq import error_reply, hang_reply, text_reply

    settings.SUMMARY_LLM_TIMEOUT = 0.5
    fake_groq.push({"error": error_reply(500, "upstream exploded"), "empty": text_reply(""), "hang": hang_reply(10)}[failure])
    conv = conversation_summarise(conversation=llm_conversation())
    assert conv.summary.startswith('The shopper (English) asked: "Where is ORD-1042?')
    assert len(fake_groq.chat_requests()) == 1  # no SDK retries: Celery owns retrying
    call = ModelCall.objects.get(conversation=conv)
    assert call.provider == "groq-summary" and not call.ok and call.error


# -- retention --------------------------------------------------------------------------------


def aged(model, obj, days):
    model.objects.filter(pk=obj.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_audio_purge_deletes_old_audio_and_keeps_recent_and_pending(settings):
    settings.AUDIO_RETENTION_DAYS = 30
    old = MessageFactory(audio=ContentFile(b"RIFF-old", name="old.wav"), audio_mime="audio/wav")
    recent = MessageFactory(audio=ContentFile(b"RIFF-new", name="new.wav"))
    done = BatchJob.objects.create(audio=ContentFile(b"x", name="done.wav"), status=BatchJob.Status.DONE)
    queued = BatchJob.objects.create(audio=ContentFile(b"x", name="queued.wav"))
    for model, obj in [(Message, old), (Message, recent), (BatchJob, done), (BatchJob, queued)]:
        aged(model, obj, 40 if obj is not recent else 29)
    paths = {o.pk: o.audio.path for o in (old, recent, done, queued)}

    assert audio_purge() == {"messages": 1, "batch_jobs": 1}
    old.refresh_from_db(), done.refresh_from_db()
    assert not old.audio and not done.audio and old.text  # the transcript stays
    from pathlib import Path

    assert not Path(paths[old.pk]).exists() and not Path(paths[done.pk]).exists()
    assert Path(paths[recent.pk]).exists() and Path(paths[queued.pk]).exists()
    assert audio_purge() == {"messages": 0, "batch_jobs": 0}  # idempotent


def test_audio_purge_clears_a_field_whose_file_is_already_gone():
    msg = MessageFactory(audio=ContentFile(b"x", name="gone.wav"))
    aged(Message, msg, 60)
    import os

    os.remove(msg.audio.path)
    assert audio_purge()["messages"] == 1
    msg.refresh_from_db()
    assert not msg.audio


def test_audio_purge_keeps_the_field_when_the_file_cannot_be_deleted(settings):
    msg = MessageFactory(audio=ContentFile(b"x", name="stuck.wav"))
    aged(Message, msg, 60)
    import os

    # A non-empty directory where the file was: the storage cannot delete it.
    path = msg.audio.path
    os.remove(path)
    os.makedirs(os.path.join(path, "child"))
    assert audio_purge()["messages"] == 0
    msg.refresh_from_db()
    assert msg.audio.name  # retried on the next run


def test_close_idle_ends_idle_active_conversations_and_summarises_them(settings, django_capture_on_commit_callbacks):
    settings.CONVERSATION_IDLE_MINUTES = 30
    now = timezone.now()
    idle = ConversationFactory(last_activity_at=now - timedelta(minutes=31))
    MessageFactory(conversation=idle, text="hello?")
    never_spoke = ConversationFactory()
    Conversation.objects.filter(pk=never_spoke.pk).update(updated_at=now - timedelta(hours=2))
    busy = ConversationFactory(last_activity_at=now - timedelta(minutes=5))
    taken = ConversationFactory(last_activity_at=now - timedelta(hours=3), taken_over_at=now)
    from django.contrib.auth import get_user_model

    Conversation.objects.filter(pk=taken.pk).update(taken_over_by=get_user_model().objects.create_user("agent"))
    handed = ConversationFactory(status=Conversation.Status.HANDED_OFF, last_activity_at=now - timedelta(hours=3))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ended_ids = conversations_close_idle()
    assert sorted(ended_ids) == sorted([str(idle.pk), str(never_spoke.pk)])
    assert len(callbacks) == 2  # one summary task each
    idle.refresh_from_db()
    assert idle.status == Conversation.Status.ENDED and idle.ended_at
    assert idle.resolution == "unresolved" and len(records(idle)) == 1  # the summary ran (eagerly)
    for conv in (busy, taken, handed):
        before = conv.status
        conv.refresh_from_db()
        assert conv.status == before and conv.ended_at is None
    assert conversations_close_idle() == []


# -- the tasks, run eagerly -------------------------------------------------------------------


def test_conversation_end_queues_the_summary_after_commit(django_capture_on_commit_callbacks):
    conv, _ = conversation_create(channel="web-text")
    talk(conv, "hello")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        conversation_end(conversation=conv)
    conv.refresh_from_db()
    assert conv.summary == ""  # nothing before the commit
    for callback in callbacks:
        callback()
    conv.refresh_from_db()
    assert conv.resolution == "resolved" and conv.summary


def test_summary_task_is_idempotent_and_skips_missing_conversations():
    conv = ConversationFactory(status=Conversation.Status.ENDED)
    MessageFactory(conversation=conv, text="anyone there?")
    first = conversation_tasks.conversation_summarise_task.apply(args=[str(conv.pk)]).get()
    second = conversation_tasks.conversation_summarise_task.apply(args=[str(conv.pk)]).get()
    assert first == second == {"conversation_id": str(conv.pk), "resolution": "unresolved", "tags": []}
    assert len(records(conv)) == 1
    missing = "00000000-0000-0000-0000-000000000000"
    assert conversation_tasks.conversation_summarise_task.apply(args=[missing]).get() == {"conversation_id": missing, "skipped": "not_found"}


def test_periodic_tasks_run_their_services(settings):
    msg = MessageFactory(audio=ContentFile(b"x", name="a.wav"))
    aged(Message, msg, 400)
    idle = ConversationFactory(last_activity_at=timezone.now() - timedelta(days=1))
    assert conversation_tasks.audio_purge_task.apply().get() == {"messages": 1, "batch_jobs": 0}
    assert conversation_tasks.conversations_close_idle_task.apply().get() == {"ended": [str(idle.pk)]}


def test_tasks_retry_transient_errors_with_backoff():
    from django.db import OperationalError

    for task in (conversation_tasks.conversation_summarise_task, conversation_tasks.audio_purge_task, conversation_tasks.conversations_close_idle_task,
                 desk_tasks.daily_metrics_rollup_task, tasks.batch_transcribe):
        assert OperationalError in task.autoretry_for
        assert task.retry_backoff is True and task.max_retries == 5


def test_beat_schedule_names_registered_tasks_at_the_configured_intervals(settings):
    from voxsite.celery import app, beat_schedule

    settings.IDLE_CLOSE_EVERY_MINUTES = 7
    schedule = beat_schedule()
    assert {e["task"] for e in schedule.values()} == {
        "support.audio_purge", "support.conversations_close_idle", "support.daily_metrics_rollup"}
    assert schedule["close-idle-conversations"]["schedule"] == timedelta(minutes=7)
    assert schedule["audio-purge"]["schedule"] == timedelta(minutes=settings.AUDIO_PURGE_EVERY_MINUTES)
    assert set(app.conf.beat_schedule) == set(schedule)
    for entry in schedule.values():
        assert entry["task"] in app.tasks


def test_management_commands_run_the_services_now():
    import io

    from django.core.management import call_command

    msg = MessageFactory(audio=ContentFile(b"x", name="a.wav"))
    aged(Message, msg, 10)
    idle = ConversationFactory(last_activity_at=timezone.now() - timedelta(minutes=20))
    out = io.StringIO()
    call_command("purge_audio", "--days", "5", stdout=out)
    call_command("close_idle_conversations", "--minutes", "10", stdout=out)
    assert out.getvalue().splitlines() == ["Purged audio of 1 messages and 0 batch jobs.", "Ended 1 idle conversations."]
    idle.refresh_from_db()
    assert idle.status == Conversation.Status.ENDED
