"""The CRM record workflow: status transitions, assignment, event rows, and the admin actions on them."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from crm import services
from crm.models import CRMRecord, CRMRecordEvent
from crm.tests.factories import CRMRecordFactory
from support.conversations.tests.factories import ConversationFactory
from voxsite.core.api import exception_handler
from voxsite.core.errors import InvalidTransition
from voxsite.core.tests.test_admin import changeform_data, message_texts

pytestmark = pytest.mark.django_db

C = CRMRecord.Status
ALLOWED = {
    (C.OPEN, C.IN_PROGRESS), (C.OPEN, C.RESOLVED),
    (C.IN_PROGRESS, C.RESOLVED), (C.IN_PROGRESS, C.OPEN),
    (C.RESOLVED, C.OPEN),
}
ALL_PAIRS = [(a, b) for a in C.values for b in C.values]


def url(view="changelist", *args):
    return reverse(f"admin:crm_crmrecord_{view}", args=args)


# ---------------------------------------------------------------------------
# Services


@pytest.mark.parametrize("from_status, to_status", sorted(p for p in ALL_PAIRS if p in ALLOWED))
def test_allowed_transition_changes_status_and_writes_event(from_status, to_status):
    record = CRMRecordFactory(status=from_status)

    result = services.crm_record_transition(record=record, to_status=to_status, actor="staff:meera", note="called back")

    assert result.status == to_status
    assert record.status == to_status  # the caller's instance follows
    record.refresh_from_db()
    assert record.status == to_status
    event = CRMRecordEvent.objects.get(record=record)
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        from_status, to_status, "staff:meera", "called back",
    )


@pytest.mark.parametrize("from_status, to_status", sorted(p for p in ALL_PAIRS if p not in ALLOWED))
def test_refused_transition_raises_409_and_changes_nothing(from_status, to_status):
    record = CRMRecordFactory(status=from_status)
    before = CRMRecord.objects.values("status", "updated_at").get(pk=record.pk)

    with pytest.raises(InvalidTransition) as info:
        services.crm_record_transition(record=record, to_status=to_status, actor="staff:meera")

    assert info.value.code == "crm_invalid_transition"
    assert info.value.status_code == 409
    assert info.value.extra["from_status"] == from_status
    assert CRMRecord.objects.values("status", "updated_at").get(pk=record.pk) == before
    assert not CRMRecordEvent.objects.exists()


def test_refused_transition_is_a_409_body_through_the_api_handler():
    record = CRMRecordFactory(status=C.RESOLVED)
    with pytest.raises(InvalidTransition) as info:
        services.crm_record_transition(record=record, to_status=C.IN_PROGRESS, actor="staff:meera")

    response = exception_handler(info.value, {})

    assert response.status_code == 409
    assert response.data["code"] == "crm_invalid_transition"
    assert response.data["allowed"] == [C.OPEN]
    assert "cannot go from resolved to in_progress" in response.data["detail"]


def test_unknown_status_is_refused():
    record = CRMRecordFactory(status=C.OPEN)
    with pytest.raises(InvalidTransition):
        services.crm_record_transition(record=record, to_status="closed", actor="staff:meera")
    record.refresh_from_db()
    assert record.status == C.OPEN


def test_transition_uses_the_stored_status_not_a_stale_instance():
    record = CRMRecordFactory(status=C.OPEN)
    stale = CRMRecord.objects.get(pk=record.pk)
    services.crm_record_transition(record=record, to_status=C.RESOLVED, actor="staff:a")

    # `stale` still says open, but the row is resolved: resolved -> in_progress is refused.
    with pytest.raises(InvalidTransition):
        services.crm_record_transition(record=stale, to_status=C.IN_PROGRESS, actor="staff:b")
    assert CRMRecordEvent.objects.count() == 1


def test_full_history_of_a_reopened_record():
    record = CRMRecordFactory()
    for status in (C.IN_PROGRESS, C.RESOLVED, C.OPEN, C.RESOLVED):
        services.crm_record_transition(record=record, to_status=status, actor="staff:meera")

    assert list(record.events.values_list("from_status", "to_status")) == [
        (C.OPEN, C.IN_PROGRESS), (C.IN_PROGRESS, C.RESOLVED), (C.RESOLVED, C.OPEN), (C.OPEN, C.RESOLVED),
    ]


def test_assign_writes_event_and_same_assignee_is_a_no_op(django_user_model):
    meera = django_user_model.objects.create_user("meera", is_staff=True)
    rahul = django_user_model.objects.create_user("rahul", is_staff=True)
    record = CRMRecordFactory()

    services.crm_record_assign(record=record, user=meera, actor="staff:admin")
    services.crm_record_assign(record=record, user=meera, actor="staff:admin")  # no change, no event
    services.crm_record_assign(record=record, user=rahul, actor="staff:meera", note="billing expert")
    services.crm_record_assign(record=record, user=None, actor="staff:rahul")

    record.refresh_from_db()
    assert record.assigned_to is None
    assert record.status == C.OPEN
    events = list(record.events.values_list("assigned_to__username", "actor", "note", "from_status", "to_status"))
    assert events == [
        ("meera", "staff:admin", "assigned", "", ""),
        ("rahul", "staff:meera", "billing expert", "", ""),
        (None, "staff:rahul", "unassigned", "", ""),
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_resolves_serialise_on_the_row_lock():
    """Two staff resolve the same in-progress record at once: the row lock lets one through, and the
    other then sees 'resolved' and is refused, so the history has exactly one resolve."""
    record = CRMRecordFactory(status=C.IN_PROGRESS)
    barrier = threading.Barrier(2)
    outcomes = []

    def resolve(actor):
        try:
            barrier.wait(timeout=10)
            services.crm_record_transition(record=CRMRecord.objects.get(pk=record.pk), to_status=C.RESOLVED, actor=actor)
            outcomes.append("ok")
        except InvalidTransition as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=resolve, args=(f"staff:{n}",)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["crm_invalid_transition", "ok"]
    assert CRMRecordEvent.objects.filter(record_id=record.pk, to_status=C.RESOLVED).count() == 1


# ---------------------------------------------------------------------------
# Admin


def act(client, action, *records):
    return client.post(url(), {"action": action, "_selected_action": [r.pk for r in records]}, follow=True)


def test_admin_actions_call_the_workflow(admin_client, admin_user):
    record = CRMRecordFactory()

    texts = message_texts(act(admin_client, "assign_to_me", record))
    assert "Assigned 1 record(s) to you." in texts
    act(admin_client, "mark_in_progress", record)
    act(admin_client, "mark_resolved", record)
    act(admin_client, "reopen", record)

    record.refresh_from_db()
    assert (record.assigned_to, record.status) == (admin_user, C.OPEN)
    assert list(record.events.values_list("from_status", "to_status", "actor")) == [
        ("", "", "staff:admin"),
        (C.OPEN, C.IN_PROGRESS, "staff:admin"),
        (C.IN_PROGRESS, C.RESOLVED, "staff:admin"),
        (C.RESOLVED, C.OPEN, "staff:admin"),
    ]


def test_admin_action_reports_refused_rows_and_keeps_going(admin_client):
    resolved = CRMRecordFactory(status=C.RESOLVED)
    in_progress = CRMRecordFactory(status=C.IN_PROGRESS)

    texts = message_texts(act(admin_client, "mark_in_progress", resolved, in_progress))

    assert any(f"CRM-{resolved.pk}" in t and "[crm_invalid_transition]" in t for t in texts), texts
    resolved.refresh_from_db()
    in_progress.refresh_from_db()
    assert resolved.status == C.RESOLVED
    assert in_progress.status == C.IN_PROGRESS  # in_progress -> in_progress is not a change either
    assert not CRMRecordEvent.objects.exists()


def test_status_is_not_a_form_field_and_assignment_in_the_form_writes_an_event(admin_client, django_user_model):
    rahul = django_user_model.objects.create_user("rahul", is_staff=True)
    record = CRMRecordFactory(status=C.OPEN, summary="old")
    page = admin_client.get(url("change", record.pk))
    assert "status" not in page.context["adminform"].form.fields
    data = changeform_data(page)
    data.update(status=C.RESOLVED, assigned_to=str(rahul.pk), summary="Refund issued via UPI")

    response = admin_client.post(url("change", record.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    record.refresh_from_db()
    assert (record.status, record.assigned_to, record.summary) == (C.OPEN, rahul, "Refund issued via UPI")
    event = record.events.get()
    assert (event.assigned_to, event.actor) == (rahul, "staff:admin")


def test_change_page_shows_history_transcript_link_and_mcp_payload(admin_client):
    conversation = ConversationFactory()
    record = CRMRecordFactory(
        conversation=conversation,
        payload={"source": "mcp", "customer_id": "cust_123", "crm_record": {"intent": "refund", "query": "बिल दो बार"}},
    )
    services.crm_record_transition(record=record, to_status=C.IN_PROGRESS, actor="staff:meera", note="calling back")

    response = admin_client.get(url("change", record.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("admin:support_conversation_change", args=[conversation.pk]) in html
    assert "MCP payload" in html
    assert "&quot;customer_id&quot;: &quot;cust_123&quot;" in html  # pretty JSON, escaped
    assert "बिल दो बार" in html  # not \\u-escaped
    inline = next(i for i in response.context["inline_admin_formsets"] if type(i.opts).__name__ == "CRMRecordEventInline")
    assert [f.instance.note for f in inline.formset.forms] == ["calling back"]
    assert not (inline.has_add_permission or inline.has_change_permission or inline.has_delete_permission)


def test_changelist_shows_payload_source_without_loading_payload(admin_client):
    mcp = CRMRecordFactory(payload={"source": "mcp", "blob": "x" * 50})
    CRMRecordFactory(payload={})

    response = admin_client.get(url())

    rows = {r.pk: r for r in response.context["cl"].result_list}
    assert rows[mcp.pk].payload_source == "mcp"
    assert "payload" in rows[mcp.pk].get_deferred_fields()


def test_event_log_is_read_only_in_the_admin(admin_client):
    record = CRMRecordFactory()
    services.crm_record_transition(record=record, to_status=C.RESOLVED, actor="staff:meera")
    event = CRMRecordEvent.objects.get()

    listing = admin_client.get(reverse("admin:crm_crmrecordevent_changelist"))
    assert listing.status_code == 200
    assert f"CRM-{record.pk}" in listing.content.decode()
    assert admin_client.get(reverse("admin:crm_crmrecordevent_add")).status_code == 403
    assert admin_client.post(reverse("admin:crm_crmrecordevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert CRMRecordEvent.objects.count() == 1
