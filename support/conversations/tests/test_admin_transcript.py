"""The conversation pages in the admin: the changelist's columns, filters and search, and the change
page as a chat transcript, with query counts that do not grow with the length of a conversation."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from crm.tests.factories import CRMRecordFactory, CustomerFactory
from support.models import Conversation, Message
from support.speech.audio import wav_bytes
from support.conversations.tests.factories import ConversationFactory, MessageFactory, ModelCallFactory, ToolCallFactory
from voxsite.core.services import audit_record

pytestmark = pytest.mark.django_db


def url(view="changelist", *args):
    return reverse(f"admin:support_conversation_{view}", args=args)


def build_conversation(turns: int, *, customer=None, **fields) -> Conversation:
    """A voice conversation of `turns` shopper/assistant exchanges, each with recorded audio, ASR,
    LLM and TTS calls and one tool call, as the pipeline stores them."""
    conv = ConversationFactory(channel="web-voice", customer=customer or CustomerFactory(), **fields)
    for n in range(turns):
        user = MessageFactory(
            conversation=conv, role="user", text=f"Where is order ORD-{2000 + n}?", asr_confidence=0.91,
            audio=f"audio/test/user-{n}.wav", audio_mime="audio/wav",
            timings={"asr_ms": 180.0, "eos_to_transcript_ms": 240.0},
        )
        ModelCallFactory(conversation=conv, message=user, stage="asr", provider="faster-whisper", model="tiny.en",
                         latency_ms=180.0)
        reply = MessageFactory(
            conversation=conv, role="assistant", text=f"ORD-{2000 + n} is out for delivery.",
            audio=f"audio/test/reply-{n}.wav", audio_mime="audio/wav",
            timings={"brain_ms": 40.0 + n, "eos_to_first_token_ms": 300.0, "eos_to_first_audio_ms": 600.0 + n},
        )
        ToolCallFactory(conversation=conv, message=reply, name="track_order",
                        arguments={"order_number": f"ORD-{2000 + n}"}, result={"status": "out_for_delivery"})
        ModelCallFactory(conversation=conv, message=reply, stage="llm", provider="offline", model="rules-v1")
        ModelCallFactory(conversation=conv, message=reply, stage="tts", provider="piper", model="joe",
                         latency_ms=95.0, first_byte_ms=60.0)
    CRMRecordFactory(conversation=conv, customer=conv.customer, scenario="order_issue")
    audit_record(actor="staff:meera", action="conversation.takeover", obj=conv, details={"note": "angry shopper"})
    return conv


# ---------------------------------------------------------------------------
# Query counts


def test_change_page_query_count_does_not_grow_with_turns(admin_client, django_assert_num_queries):
    short, long = build_conversation(10), build_conversation(50)
    admin_client.get(url("change", short.pk))  # warm per-process caches (content types)

    # session, user, conversation (customer, taken over by and API key joined), messages, tool calls,
    # model calls, CRM records, audit rows, the customer raw-id widget's label
    for conv, turns in ((short, 10), (long, 50)):
        with django_assert_num_queries(9):
            response = admin_client.get(url("change", conv.pk))
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count('class="vx-bubble vx-user') == turns
        assert html.count('class="vx-bubble vx-assistant') == turns
        assert html.count("<audio ") == 2 * turns
        assert html.count('<details class="vx-tool') == turns


def test_changelist_query_count_does_not_grow_with_turns_or_rows(admin_client, django_assert_num_queries):
    build_conversation(10)
    path = url()
    admin_client.get(path)
    # session, user, count, total count, rows (turns, slowest turn and duration as subqueries /
    # expressions; customer and taken-over-by joined), date hierarchy min/max + dates
    with django_assert_num_queries(7):
        first = admin_client.get(path)
    build_conversation(50)
    ConversationFactory.create_batch(3, taken_over_by=None)
    with django_assert_num_queries(7):
        second = admin_client.get(path)
    assert first.context["cl"].result_count == 1
    assert second.context["cl"].result_count == 5


# ---------------------------------------------------------------------------
# Changelist columns, filters, search


def test_changelist_columns(admin_client, django_user_model):
    meera = django_user_model.objects.create_user("meera", is_staff=True)
    started = timezone.now() - timedelta(minutes=5)
    conv = build_conversation(3, handoff_requested_at=timezone.now(), taken_over_by=meera)
    Conversation.objects.filter(pk=conv.pk).update(started_at=started, last_activity_at=started + timedelta(seconds=95))
    typed = ConversationFactory(channel="web-text")  # no audio clock: the brain's time is the turn's time
    MessageFactory(conversation=typed, role="user", text="hi")
    MessageFactory(conversation=typed, role="assistant", text="hello", timings={"brain_ms": 12.4})
    MessageFactory(conversation=typed, role="assistant", text="anything else?", timings={"brain_ms": 30.6})
    MessageFactory(conversation=typed, role="staff", text="Hi, Meera here.", author="meera")
    empty = ConversationFactory()

    response = admin_client.get(url())

    rows = {c.pk: c for c in response.context["cl"].result_list}
    assert (rows[conv.pk].turn_count, rows[typed.pk].turn_count, rows[empty.pk].turn_count) == (3, 1, 0)
    assert rows[conv.pk].slowest_ms == 602.0  # eos_to_first_audio_ms of the slowest voice turn
    assert rows[typed.pk].slowest_ms == 30.6  # brain_ms where there is no audio
    assert rows[empty.pk].slowest_ms is None
    assert rows[conv.pk].duration_value == timedelta(seconds=95)
    html = response.content.decode()
    assert "1:35" in html and "602 ms" in html and "31 ms" in html
    row_html = html[html.index(str(conv.pk)[:8]):]
    row_html = row_html[:row_html.index("</tr>")]
    assert "meera" in row_html and 'alt="True"' in row_html  # taken over by; handoff flag


def test_changelist_orders_by_slowest_turn(admin_client):
    fast, slow = ConversationFactory(), ConversationFactory()
    MessageFactory(conversation=fast, role="assistant", timings={"eos_to_first_audio_ms": 500.0})
    MessageFactory(conversation=slow, role="assistant", timings={"eos_to_first_audio_ms": 1500.0})

    column = ConversationAdminColumns.index("slowest_turn") + 1
    found = admin_client.get(url(), {"o": f"-{column}"}).context["cl"].result_list

    assert [c.pk for c in found] == [slow.pk, fast.pk]


ConversationAdminColumns = [
    "short_id", "channel", "language", "customer", "status", "turns", "duration", "handoff", "slowest_turn",
    "taken_over_by", "started_at",
]


def test_list_display_is_as_documented():
    from django.contrib import admin

    assert admin.site._registry[Conversation].list_display == ConversationAdminColumns


@pytest.mark.parametrize("params, expected", [
    ({"handoff": "yes"}, {"handoff"}),
    ({"handoff": "no"}, {"plain", "taken"}),
    ({"taken_over": "yes"}, {"taken"}),
    ({"taken_over": "no"}, {"plain", "handoff"}),
    ({"channel__exact": "phone"}, {"taken"}),
    ({"language__exact": "mr"}, {"handoff"}),
    ({"status__exact": "handed_off"}, {"handoff"}),
])
def test_changelist_filters(admin_client, django_user_model, params, expected):
    meera = django_user_model.objects.create_user("meera", is_staff=True)
    convs = {
        "plain": ConversationFactory(),
        "handoff": ConversationFactory(language="mr", status="handed_off", handoff_requested_at=timezone.now()),
        "taken": ConversationFactory(channel="phone", taken_over_by=meera, taken_over_at=timezone.now()),
    }
    names = {c.pk: name for name, c in convs.items()}

    response = admin_client.get(url(), params)

    assert response.status_code == 200
    assert {names[c.pk] for c in response.context["cl"].result_list} == expected


def test_changelist_date_filter(admin_client):
    old = ConversationFactory()
    Conversation.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(days=40))
    today = ConversationFactory()
    # The "Today" link of the date filter, as the admin renders it.
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)

    found = admin_client.get(url(), {
        "started_at__gte": str(midnight), "started_at__lt": str(midnight + timedelta(days=1)),
    }).context["cl"].result_list

    assert [c.pk for c in found] == [today.pk]


def test_search_by_order_number_in_messages_or_tool_calls(admin_client):
    said = ConversationFactory()
    MessageFactory(conversation=said, text="मेरा ऑर्डर ORD-1042 कहाँ है?")
    MessageFactory(conversation=said, text="ORD-1042 again")  # two mentions, still one row
    called = ConversationFactory()
    ToolCallFactory(conversation=called, arguments={"order_number": "ORD-1042"})
    longer = ConversationFactory()
    MessageFactory(conversation=longer, text="It is ORD-10421")
    ToolCallFactory(conversation=longer, arguments={"order_number": "ORD-10420"})
    ConversationFactory()

    for term in ("ORD-1042", "ord-1042", " ORD 1042 ", "ORD1042"):
        found = admin_client.get(url(), {"q": term}).context["cl"].result_list
        assert sorted(c.pk for c in found) == sorted([said.pk, called.pk]), term


def test_search_by_phone_as_typed_and_by_words_said(admin_client):
    customer = CustomerFactory(phone="+919876012345", name="Kavya Rao")
    mine = ConversationFactory(customer=customer)
    refund = ConversationFactory()
    MessageFactory(conversation=refund, text="I want a refund for my last bill")
    ConversationFactory()

    for term, expected in (
        ("+919876012345", mine), ("98760 12345", mine), ("098760-12345", mine), ("Kavya", mine),
        ("refund for my", refund), (str(mine.pk), mine),
    ):
        found = admin_client.get(url(), {"q": term}).context["cl"].result_list
        assert [c.pk for c in found] == [expected.pk], term


# ---------------------------------------------------------------------------
# The transcript


def test_transcript_shows_each_message_with_its_calls_and_timings(admin_client):
    conv = ConversationFactory(language="hi", channel="web-voice")
    user = MessageFactory(conversation=conv, role="user", text="मेरा ऑर्डर ORD-1042 कहाँ है?", language="hi",
                          asr_confidence=0.87, audio="audio/2026/11/22/q.wav", audio_mime="audio/wav",
                          timings={"asr_ms": 212.4, "eos_to_transcript_ms": 260.0})
    reply = MessageFactory(conversation=conv, role="assistant", text="आपका ऑर्डर भेज दिया गया है।", language="hi",
                           interrupted=True, audio="audio/2026/11/22/a.wav",
                           timings={"eos_to_first_audio_ms": 812.0, "brain_ms": 41.0, "tts_ms": 95.0})
    ToolCallFactory(conversation=conv, message=reply, name="track_order",
                    arguments={"order_number": "ORD-1042", "phone_last4": "2345"},
                    result={"status": "शिप किया गया", "carrier": "Delhivery"})
    ToolCallFactory(conversation=conv, message=reply, name="cancel_order", ok=False, error="order_not_cancellable",
                    arguments={"order_number": "ORD-1042"}, result={"ok": False})
    ModelCallFactory(conversation=conv, message=user, stage="asr", provider="faster-whisper", model="base",
                     latency_ms=212.4)
    ModelCallFactory(conversation=conv, message=reply, stage="tts", provider="edge-tts", model="hi-IN-SwaraNeural",
                     ok=False, error="timeout after 3.0s", latency_ms=3000.0, first_byte_ms=None)
    ModelCallFactory(conversation=conv, message=reply, stage="tts", provider="espeak-ng", model="hi",
                     latency_ms=70.0, first_byte_ms=35.0)
    MessageFactory(conversation=conv, role="staff", text="Namaste, this is Meera from support.", author="meera")
    ToolCallFactory(conversation=conv, message=None, name="mcp.create_crm_record", arguments={"scenario": "billing"})
    record = CRMRecordFactory(conversation=conv, scenario="order_issue")
    audit_record(actor="staff:meera", action="conversation.takeover", obj=conv, details={"reason": "asked for a human"})
    audit_record(actor="staff:meera", action="conversation.takeover", obj=ConversationFactory())  # another's

    # The shopper's recording exists (2.5 s at 16 kHz); the reply's file was purged.
    default_storage.save("audio/2026/11/22/q.wav", ContentFile(wav_bytes(b"\0\0" * 40000, 16000)))

    response = admin_client.get(url("change", conv.pk))

    assert response.status_code == 200
    html = response.content.decode()
    user_at = html.rindex("<li", 0, html.index(f'id="message-{user.pk}"'))
    reply_at = html.rindex("<li", 0, html.index(f'id="message-{reply.pk}"'))
    staff_at = html.index("Namaste, this is Meera")
    assert user_at < reply_at < staff_at
    user_html, reply_html = html[user_at:reply_at], html[reply_at:staff_at]
    # The shopper's bubble: language, ASR confidence, audio player, its ASR call and timings.
    assert 'class="vx-bubble vx-user"' in user_html
    assert "मेरा ऑर्डर ORD-1042 कहाँ है?" in user_html
    assert "ASR confidence 0.87" in user_html and " · hi" in user_html
    assert '<audio class="vx-audio" controls preload="metadata" src="/media/audio/2026/11/22/q.wav"' in user_html
    assert '<span class="vx-audio-length">2.5 s</span>' in user_html  # its length, before it is played
    assert "faster-whisper" in user_html and "end of speech → transcript</dt><dd>260 ms" in user_html
    # The assistant's bubble: interrupted, tool calls under it with collapsible pretty JSON, model calls.
    assert "vx-audio-length" not in reply_html  # no file, no length
    assert 'class="vx-bubble vx-assistant vx-interrupted"' in reply_html and ">interrupted<" in reply_html
    assert "end of speech → first audio</dt><dd>812 ms" in reply_html
    assert "brain</dt><dd>41 ms" in reply_html and "TTS</dt><dd>95 ms" in reply_html
    assert re.search(r'<details class="vx-tool">\s*<summary>tool <code>track_order</code>', reply_html)
    assert "&quot;order_number&quot;: &quot;ORD-1042&quot;,\n  &quot;phone_last4&quot;" in reply_html  # indented
    assert "शिप किया गया" in reply_html  # not \u-escaped
    assert '<details class="vx-tool vx-failed">' in reply_html
    assert '<span class="vx-error">error: order_not_cancellable</span>' in reply_html
    assert '<tr class="vx-failed">' in reply_html and "error: timeout after 3.0s" in reply_html
    assert "espeak-ng" in reply_html and "35 ms" in reply_html
    # Staff bubble, calls tied to no message, CRM records, audit rows, export.
    assert 'class="vx-bubble vx-staff"' in html and "Staff · meera" in html
    after = html[staff_at:]
    assert "Calls outside a message" in after and "mcp.create_crm_record" in after
    assert reverse("admin:crm_crmrecord_change", args=[record.pk]) in after and "order_issue" in after
    assert "conversation.takeover" in after and "asked for a human" in after
    assert after.count("conversation.takeover") == 1
    assert reverse("admin:support_conversation_markdown", args=[conv.pk]) in html
    assert "support/admin/transcript.css" in html


def test_transcript_escapes_what_shoppers_say(admin_client):
    conv = ConversationFactory()
    MessageFactory(conversation=conv, text='<script>alert("x")</script>')
    ToolCallFactory(conversation=conv, arguments={"q": "<img src=x onerror=alert(1)>"})

    html = admin_client.get(url("change", conv.pk)).content.decode()

    assert '<script>alert("x")</script>' not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html


def test_change_page_still_saves_notes_and_keeps_log_rows(admin_client):
    from voxsite.core.tests.test_admin import changeform_data

    conv = build_conversation(2)
    page = admin_client.get(url("change", conv.pk))
    data = changeform_data(page)
    data["summary"] = "Asked about ORD-2000; resolved."
    data["taken_over_by"] = "999"  # read-only: ignored

    response = admin_client.post(url("change", conv.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    conv.refresh_from_db()
    assert conv.summary == "Asked about ORD-2000; resolved."
    assert conv.taken_over_by is None
    assert conv.messages.count() == 4
    assert set(Message.objects.filter(conversation=conv).values_list("role", flat=True)) == {"user", "assistant"}


def test_missing_conversation_redirects_like_the_admin_does(admin_client):
    import uuid

    response = admin_client.get(url("change", uuid.uuid4()))
    assert response.status_code == 302  # the admin's "doesn't exist" redirect to the index
