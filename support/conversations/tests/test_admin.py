import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.tests.factories import CustomerFactory
from support.models import Conversation
from support.conversations.tests.factories import ConversationFactory, MessageFactory, ModelCallFactory, ToolCallFactory
from voxsite.core.tests.test_admin import changeform_data, pinned_changelist

pytestmark = pytest.mark.django_db


def url(model, view="changelist", *args):
    return reverse(f"admin:support_{model}_{view}", args=args)


def rows_query(queries, table):
    """The changelist's row query: the SELECT of the table's columns (not a COUNT, not a filter)."""
    return next(q["sql"] for q in queries if q["sql"].startswith(f'SELECT "{table}"."'))


# ---------------------------------------------------------------------------
# Conversations


def test_conversation_changelist_counts_messages(admin_client):
    busy = ConversationFactory()
    MessageFactory.create_batch(3, conversation=busy)
    ConversationFactory()

    response = admin_client.get(url("conversation"))

    assert response.status_code == 200
    assert {c.pk: c.turn_count for c in response.context["cl"].result_list}[busy.pk] == 3
    assert str(busy.pk)[:8] in response.content.decode()


def test_conversation_search_by_id_and_customer_phone(admin_client):
    customer = CustomerFactory(name="Arjun Singh", phone="+919876012345")
    mine = ConversationFactory(customer=customer)
    ConversationFactory()

    for term in (str(mine.pk), str(mine.pk)[:8], "+919876012345", "Arjun"):
        found = admin_client.get(url("conversation"), {"q": term}).context["cl"].result_list
        assert [c.pk for c in found] == [mine.pk], term


def test_conversation_filters(admin_client):
    voice_hi = ConversationFactory(channel="web-voice", language="hi", status="handed_off")
    ConversationFactory(channel="api", language="en", status="active")

    for params in ({"channel__exact": "web-voice"}, {"language__exact": "hi"}, {"status__exact": "handed_off"}):
        found = admin_client.get(url("conversation"), params).context["cl"].result_list
        assert [c.pk for c in found] == [voice_hi.pk], params


def test_conversation_changelist_query_count_and_deferred_state(admin_client, django_assert_num_queries):
    for c in ConversationFactory.create_batch(3, customer=CustomerFactory()):
        MessageFactory(conversation=c)
    # session, user, count, total count, rows (customer joined, message count as a subquery),
    # date hierarchy min/max + dates
    pinned_changelist(
        admin_client, django_assert_num_queries, url("conversation"), 7,
        lambda: ConversationFactory.create_batch(4),
    )
    with CaptureQueriesContext(connection) as ctx:
        admin_client.get(url("conversation"))
    rows = rows_query(ctx.captured_queries, "support_conversation")
    assert '"support_conversation"."state"' not in rows
    assert '"support_conversation"."channel"' in rows


def test_conversation_page_shows_transcript_and_calls(admin_client):
    conversation = ConversationFactory(
        language="hi", state={"focus_order": "ORD-1042", "verified_orders": ["ORD-1042"]}, token_hash="f" * 64
    )
    MessageFactory(conversation=conversation, role="user", text="मेरा ऑर्डर कहाँ है?", language="hi")
    MessageFactory(conversation=conversation, role="assistant", text="आपका ऑर्डर भेज दिया गया है।", language="hi")
    ToolCallFactory(conversation=conversation, name="track_order")
    ModelCallFactory(conversation=conversation, stage="llm", provider="offline")
    MessageFactory()  # another conversation's

    response = admin_client.get(url("conversation", "change", conversation.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert "मेरा ऑर्डर कहाँ है?" in html
    assert "&quot;focus_order&quot;: &quot;ORD-1042&quot;" in html  # state, pretty-printed
    assert "f" * 64 not in html  # the shopper's token hash is not shown


def test_conversation_edit_keeps_messages(admin_client):
    conversation = ConversationFactory(summary="")
    MessageFactory(conversation=conversation, text="hello")
    data = changeform_data(admin_client.get(url("conversation", "change", conversation.pk)))
    data["summary"] = "Asked about ORD-1042; handed to billing."
    data["messages-0-text"] = "forged"  # a read-only inline: ignored

    response = admin_client.post(url("conversation", "change", conversation.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    conversation.refresh_from_db()
    assert conversation.summary == "Asked about ORD-1042; handed to billing."
    assert list(conversation.messages.values_list("text", flat=True)) == ["hello"]


def test_conversations_are_not_added_in_the_admin(admin_client):
    assert admin_client.post(url("conversation", "add"), {"channel": "api", "language": "en"}).status_code == 403
    assert not Conversation.objects.exists()


# ---------------------------------------------------------------------------
# Log rows: Message, ModelCall, ToolCall


def test_message_changelist_search_filter_and_query_count(admin_client, django_assert_num_queries):
    conversation = ConversationFactory()
    refund = MessageFactory(conversation=conversation, text="I want a refund for my last bill", role="user")
    MessageFactory(conversation=conversation, text="Sure, let me check.", role="assistant")

    assert [m.pk for m in admin_client.get(url("message"), {"q": "refund"}).context["cl"].result_list] == [refund.pk]
    assert admin_client.get(url("message"), {"role__exact": "assistant"}).context["cl"].result_count == 1
    by_conversation = admin_client.get(url("message"), {"q": str(conversation.pk)}).context["cl"]
    assert by_conversation.result_count == 2

    # session, user, count, rows (no join: the conversation link uses the id), date hierarchy x2
    response = pinned_changelist(
        admin_client, django_assert_num_queries, url("message"), 6, lambda: MessageFactory.create_batch(3)
    )
    assert reverse("admin:support_conversation_change", args=[conversation.pk]) in response.content.decode()


def test_modelcall_changelist(admin_client, django_assert_num_queries):
    ModelCallFactory(stage="asr", provider="faster-whisper", model="tiny.en", latency_ms=212.0)
    failed = ModelCallFactory(stage="tts", provider="edge-tts", ok=False, error="timeout after 3.0s", latency_ms=3000)

    response = admin_client.get(url("modelcall"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "faster-whisper" in html and "tiny.en" in html and "212.0" in html
    for params in ({"ok__exact": "0"}, {"stage__exact": "tts"}, {"q": "timeout"}, {"provider": "edge-tts"}):
        assert [c.pk for c in admin_client.get(url("modelcall"), params).context["cl"].result_list] == [failed.pk]

    # session, user, count, rows, provider filter values, date hierarchy x2
    pinned_changelist(
        admin_client, django_assert_num_queries, url("modelcall"), 7, lambda: ModelCallFactory.create_batch(3)
    )


def test_toolcall_changelist_defers_payloads(admin_client, django_assert_num_queries):
    ToolCallFactory(name="track_order")
    failed = ToolCallFactory(name="cancel_order", ok=False, error="order_not_cancellable")

    for params in ({"ok__exact": "0"}, {"name": "cancel_order"}, {"q": "cancel_order"}):
        assert [c.pk for c in admin_client.get(url("toolcall"), params).context["cl"].result_list] == [failed.pk]

    with CaptureQueriesContext(connection) as ctx:
        assert admin_client.get(url("toolcall")).status_code == 200
    rows = rows_query(ctx.captured_queries, "support_toolcall")
    assert '"support_toolcall"."result"' not in rows and '"support_toolcall"."arguments"' not in rows

    # session, user, count, rows, name filter values, date hierarchy x2
    pinned_changelist(
        admin_client, django_assert_num_queries, url("toolcall"), 7, lambda: ToolCallFactory.create_batch(3)
    )


def test_toolcall_page_pretty_prints_arguments_and_result(admin_client):
    call = ToolCallFactory(arguments={"order_number": "ORD-1042"}, result={"status": "शिप किया गया"})

    response = admin_client.get(url("toolcall", "change", call.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert "&quot;order_number&quot;: &quot;ORD-1042&quot;" in html
    assert "शिप किया गया" in html  # not \u-escaped


@pytest.mark.parametrize(
    "model, factory",
    [("message", MessageFactory), ("modelcall", ModelCallFactory), ("toolcall", ToolCallFactory)],
)
def test_log_rows_are_read_only(admin_client, model, factory):
    row = factory()
    stored = type(row).objects.values()
    before = stored.get(pk=row.pk)

    assert admin_client.post(url(model, "add"), {"conversation": row.conversation_id, "text": "x"}).status_code == 403
    assert admin_client.get(url(model, "change", row.pk)).status_code == 200  # view only
    assert admin_client.post(url(model, "change", row.pk), {"text": "forged", "ok": ""}).status_code == 403
    assert admin_client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403

    assert stored.get(pk=row.pk) == before
    assert type(row).objects.count() == 1


def test_conversation_markdown_export(admin_client):
    from support.models import Conversation, Message, ToolCall

    conv = Conversation.objects.create(channel="web-text", language="hi")
    msg = Message.objects.create(conversation=conv, role="user", text="मेरा ऑर्डर कहाँ है?", language="hi")
    Message.objects.create(conversation=conv, role="assistant", text="कृपया ऑर्डर नंबर बताइए।", language="hi",
                           timings={"brain_ms": 12.0})
    ToolCall.objects.create(conversation=conv, message=msg, name="track_order", arguments={"order_number": "ORD-1042"},
                            result={"ok": False, "code": "verification_required"}, ok=False, error="verification_required")
    page = admin_client.get(f"/admin/support/conversation/{conv.pk}/change/")
    assert b"Download as Markdown" in page.content
    resp = admin_client.get(f"/admin/support/conversation/{conv.pk}/markdown/")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/markdown")
    text = resp.content.decode()
    assert "मेरा ऑर्डर कहाँ है?" in text and "`track_order`" in text and "ORD-1042" in text and "brain 12 ms" in text
    action = admin_client.post("/admin/support/conversation/", {"action": "export_markdown", "_selected_action": [str(conv.pk)]})
    assert action.status_code == 200 and "कृपया" in action.content.decode()
