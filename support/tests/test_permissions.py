"""Staff groups (support agents, supervisors, admins), what each may open in the admin, and the
audit rows staff actions leave (support.services.audit, the order and return admin actions)."""

import importlib
from datetime import datetime, timezone as dt_timezone
from decimal import Decimal

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from crm.models import CRMRecord
from crm.tests.factories import CRMRecordFactory
from orders.models import Order, Return
from orders.tests.factories import DeliveredOrderFactory, OrderFactory, ReturnFactory
from support.models import AuditLog
from support.services.audit import audit_record
from support.tests.factories import ConversationFactory, MessageFactory
from voxsite.tests.test_admin import changeform_data, pinned_changelist

pytestmark = pytest.mark.django_db

groups_migration = importlib.import_module("support.migrations.0003_staff_groups")


@pytest.fixture(autouse=True)
def staff_groups():
    # The migration made them; a flush by an earlier transactional test may have removed them.
    groups_migration.staff_groups_create(global_apps)


@pytest.fixture
def staff(client, django_user_model):
    """A logged-in staff client in the named group (None: in no group)."""

    def login(group: str | None, username: str = "meera"):
        user = django_user_model.objects.create_user(username, password="x", is_staff=True)
        if group:
            user.groups.add(Group.objects.get(name=group))
        client.force_login(user)
        return user

    return login


def conv_url(view="changelist", *args):
    return reverse(f"admin:support_conversation_{view}", args=args)


def export(client, conv):
    return client.post(conv_url(), {"action": "export_markdown", "_selected_action": [str(conv.pk)]})


# ---------------------------------------------------------------------------
# The migration


def test_migration_creates_the_groups_from_the_historical_models():
    Group.objects.filter(name__in=["Support agents", "Supervisors", "Admins"]).delete()
    Permission.objects.filter(codename="export_conversation").delete()
    state = MigrationExecutor(connection).loader.project_state(("support", "0003_staff_groups"))

    groups_migration.staff_groups_create(state.apps)
    groups_migration.staff_groups_create(state.apps)  # idempotent

    def perms(name):
        return {f"{p.content_type.app_label}.{p.codename}"
                for p in Group.objects.get(name=name).permissions.select_related("content_type")}

    agents, supervisors, admins = perms("Support agents"), perms("Supervisors"), perms("Admins")
    assert {"support.view_conversation", "support.change_conversation", "support.view_message",
            "support.view_toolcall", "support.view_modelcall", "crm.view_crmrecord", "crm.change_crmrecord",
            "orders.view_order", "orders.view_return", "crm.view_customer", "catalog.view_product",
            "catalog.view_faq", "catalog.view_policy"} <= agents
    assert not {p for p in agents if p.split(".")[1].startswith(("add_", "delete_"))}
    assert "orders.change_order" not in agents and "support.export_conversation" not in agents
    assert supervisors - agents == {"support.view_dailymetric", "support.view_auditlog", "support.export_conversation",
                                    "support.view_batchjob", "auth.view_user"}
    assert {"orders.change_order", "orders.delete_order", "catalog.add_product", "voxsite.add_apikey",
            "support.export_conversation", "crm.delete_crmrecordevent", "auth.change_user"} <= admins
    assert Permission.objects.get(codename="export_conversation").name == "Can export conversations"


def test_migration_reverses_cleanly():
    state = MigrationExecutor(connection).loader.project_state(("support", "0003_staff_groups"))

    class Editor:
        connection = connection

    groups_migration.backwards(state.apps, Editor())

    assert not Group.objects.filter(name__in=["Support agents", "Supervisors", "Admins"]).exists()
    assert not Permission.objects.filter(codename="export_conversation").exists()


# ---------------------------------------------------------------------------
# Support agents


def test_agent_opens_the_transcript_but_cannot_export(client, staff):
    staff("Support agents")
    conv = ConversationFactory()
    MessageFactory(conversation=conv, text="Where is ORD-1042?")

    assert client.get(conv_url()).status_code == 200
    page = client.get(conv_url("change", conv.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Where is ORD-1042?" in html
    assert reverse("admin:support_conversation_markdown", args=[conv.pk]) not in html
    assert "Download as Markdown" not in html
    assert "export_markdown" not in client.get(conv_url()).content.decode()  # not offered

    assert client.get(conv_url("markdown", conv.pk)).status_code == 403
    response = export(client, conv)
    assert "attachment" not in response.get("Content-Disposition", "")
    assert "Where is ORD-1042?" not in response.content.decode()


def test_agent_can_change_crm_records_and_only_view_orders(client, staff):
    agent = staff("Support agents")
    record = CRMRecordFactory()
    order = OrderFactory(status=Order.Status.PLACED)

    assert client.get(reverse("admin:crm_crmrecord_change", args=[record.pk])).status_code == 200
    client.post(reverse("admin:crm_crmrecord_changelist"), {"action": "assign_to_me", "_selected_action": [record.pk]})
    client.post(reverse("admin:crm_crmrecord_changelist"), {"action": "mark_resolved", "_selected_action": [record.pk]})
    record.refresh_from_db()
    assert (record.assigned_to, record.status) == (agent, CRMRecord.Status.RESOLVED)

    assert client.get(reverse("admin:orders_order_change", args=[order.pk])).status_code == 200  # view only
    client.post(reverse("admin:orders_order_changelist"), {"action": "cancel_orders", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert not AuditLog.objects.exists()
    assert client.get(reverse("admin:support_auditlog_changelist")).status_code == 403
    assert not agent.has_perm("support.view_dailymetric")


# ---------------------------------------------------------------------------
# Supervisors, admins, staff in no group


def test_supervisor_exports_and_reads_the_audit_log(client, staff):
    supervisor = staff("Supervisors")
    conv = ConversationFactory()
    MessageFactory(conversation=conv, text="मेरा ऑर्डर कहाँ है?")

    single = client.get(conv_url("markdown", conv.pk))
    assert single.status_code == 200 and "मेरा ऑर्डर कहाँ है?" in single.content.decode()
    assert "Download as Markdown" in client.get(conv_url("change", conv.pk)).content.decode()
    many = export(client, conv)
    assert many.status_code == 200 and "attachment" in many["Content-Disposition"]
    assert client.get(reverse("admin:support_auditlog_changelist")).status_code == 200
    assert supervisor.has_perm("support.view_dailymetric")
    assert not supervisor.has_perm("orders.change_order")


def test_admins_change_orders(client, staff):
    admin_user = staff("Admins", username="ops")
    order = OrderFactory(status=Order.Status.PLACED)

    client.post(reverse("admin:orders_order_changelist"), {"action": "cancel_orders", "_selected_action": [order.pk]})

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert AuditLog.objects.get().actor == admin_user
    assert admin_user.has_perm("support.export_conversation") and admin_user.has_perm("voxsite.add_apikey")


def test_staff_in_no_group_get_403(client, staff):
    staff(None)
    conv = ConversationFactory()

    for path in (conv_url(), conv_url("change", conv.pk), conv_url("markdown", conv.pk),
                 reverse("admin:crm_crmrecord_changelist"), reverse("admin:support_auditlog_changelist")):
        assert client.get(path).status_code == 403, path


def test_non_staff_are_sent_to_the_login_page(client, django_user_model):
    shopper = django_user_model.objects.create_user("shopper", password="x")
    shopper.groups.add(Group.objects.get(name="Supervisors"))  # groups do not make anyone staff
    client.force_login(shopper)
    conv = ConversationFactory()

    for path in (conv_url("change", conv.pk), conv_url("markdown", conv.pk)):
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], path


# ---------------------------------------------------------------------------
# audit_record


def test_audit_record_with_a_user(django_user_model):
    meera = django_user_model.objects.create_user("meera", is_staff=True)
    conv = ConversationFactory()

    row = audit_record(actor=meera, action="conversation.takeover", obj=conv,
                       details={"at": datetime(2026, 11, 22, 10, 0, tzinfo=dt_timezone.utc), "amount": Decimal("1299.50")})

    row.refresh_from_db()
    assert (row.actor, row.actor_label, row.action) == (meera, "meera", "conversation.takeover")
    assert (row.object_type, row.object_id) == ("conversation", str(conv.pk))
    assert row.details == {"at": "2026-11-22T10:00:00Z", "amount": "1299.50"}


def test_audit_record_with_a_label_or_no_actor_and_a_type_id_pair():
    order = OrderFactory(number="ORD-1042", with_item=False)

    by_key = audit_record(actor="key:vx_ab12", action="order.cancel", obj=order)
    by_system = audit_record(actor=None, action="conversation.close_idle", obj=("conversation", "abc"))

    assert (by_key.actor, by_key.actor_label, by_key.object_type, by_key.object_id) == (None, "key:vx_ab12", "order", "ORD-1042")
    assert (by_system.actor_label, by_system.object_type, by_system.object_id, by_system.details) == (
        "system", "conversation", "abc", {})


def test_audit_record_refuses_an_empty_action():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        audit_record(actor="system", action="", obj=("order", "ORD-1"))
    assert not AuditLog.objects.exists()


# ---------------------------------------------------------------------------
# Audit rows from the order and return admin


def orders_action(admin_client, model, action, objs):
    return admin_client.post(
        reverse(f"admin:orders_{model}_changelist"), {"action": action, "_selected_action": [o.pk for o in objs]},
        follow=True,
    )


def test_cancel_writes_an_audit_row_for_each_order_refused_ones_included(admin_client, admin_user):
    placed = OrderFactory(number="ORD-1042", status=Order.Status.PLACED)
    delivered = DeliveredOrderFactory(number="ORD-1043")

    orders_action(admin_client, "order", "cancel_orders", [placed, delivered])

    rows = {r.object_id: r for r in AuditLog.objects.filter(action="order.cancel")}
    assert set(rows) == {"ORD-1042", "ORD-1043"}
    ok, refused = rows["ORD-1042"], rows["ORD-1043"]
    assert (ok.actor, ok.actor_label, ok.object_type) == (admin_user, "admin", "order")
    assert ok.details == {"reason": "cancelled by staff", "result": "ok", "status": "cancelled"}
    assert refused.details == {"reason": "cancelled by staff", "result": "refused", "code": "order_not_cancellable"}
    delivered.refresh_from_db()
    assert delivered.status == Order.Status.DELIVERED


def test_advance_and_return_start_are_audited(admin_client):
    order = OrderFactory(number="ORD-2001", status=Order.Status.PACKED)
    delivered = DeliveredOrderFactory(number="ORD-2002")
    cancelled = OrderFactory(number="ORD-2003", status=Order.Status.CANCELLED)

    orders_action(admin_client, "order", "advance_orders", [order, cancelled])
    orders_action(admin_client, "order", "start_returns", [delivered])

    advance = {r.object_id: r.details for r in AuditLog.objects.filter(action="order.advance")}
    assert advance["ORD-2001"] == {"reason": "advanced by staff", "from_status": "packed", "to_status": "shipped",
                                   "result": "ok", "status": "shipped"}
    assert advance["ORD-2003"]["result"] == "refused" and advance["ORD-2003"]["code"] == "order_no_next_status"
    started = AuditLog.objects.get(action="order.return_start")
    ret = Return.objects.get(order=delivered)
    assert (started.object_id, started.details["return"], started.details["result"]) == ("ORD-2002", ret.number, "ok")


def test_return_actions_are_audited(admin_client):
    ret = ReturnFactory(number="RET-3001")
    rejected = ReturnFactory(number="RET-3002", status=Return.Status.REJECTED)

    orders_action(admin_client, "return", "approve_returns", [ret, rejected])
    orders_action(admin_client, "return", "refund_returns", [ret])

    rows = [(r.action, r.object_type, r.object_id, r.details["result"]) for r in AuditLog.objects.order_by("id")]
    assert sorted(rows[:2]) == [("return.approve", "return", "RET-3001", "ok"),
                                ("return.approve", "return", "RET-3002", "refused")]
    assert rows[2] == ("return.refund", "return", "RET-3001", "ok")
    refund = AuditLog.objects.get(action="return.refund")
    ret.refresh_from_db()
    assert refund.details["refund_amount"] == str(ret.refund_amount) and ret.refund_amount > 0


def test_editing_an_order_in_its_form_is_audited(admin_client):
    order = OrderFactory(number="ORD-4001")
    data = changeform_data(admin_client.get(reverse("admin:orders_order_change", args=[order.pk])))
    data["shipping_city"] = "Nagpur"

    response = admin_client.post(reverse("admin:orders_order_change", args=[order.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    # Saving an unchanged form is not a change.
    admin_client.post(reverse("admin:orders_order_change", args=[order.pk]),
                      changeform_data(admin_client.get(reverse("admin:orders_order_change", args=[order.pk]))))

    row = AuditLog.objects.get()
    assert (row.action, row.object_id, row.details) == ("order.change", "ORD-4001",
                                                        {"fields": ["shipping_city"], "inlines": [], "result": "ok"})


# ---------------------------------------------------------------------------
# The audit log in the admin


def test_audit_log_admin_is_read_only_with_filters_and_search(admin_client, django_assert_num_queries):
    conv = ConversationFactory()
    takeover = audit_record(actor="staff:meera", action="conversation.takeover", obj=conv)
    audit_record(actor="staff:rahul", action="order.cancel", obj=("order", "ORD-1042"), details={"result": "ok"})
    changelist = reverse("admin:support_auditlog_changelist")

    def found(params):
        return [r.action for r in admin_client.get(changelist, params).context["cl"].result_list]

    assert found({"action": "order.cancel"}) == ["order.cancel"]
    assert found({"actor_label": "staff:meera"}) == ["conversation.takeover"]
    assert found({"q": "ORD-1042"}) == ["order.cancel"]
    assert found({"q": str(conv.pk)}) == ["conversation.takeover"]
    html = admin_client.get(changelist).content.decode()
    assert reverse("admin:support_conversation_change", args=[conv.pk]) in html
    assert reverse("admin:orders_order_changelist") + "?q=ORD-1042" in html

    assert admin_client.get(reverse("admin:support_auditlog_add")).status_code == 403
    change = reverse("admin:support_auditlog_change", args=[takeover.pk])
    assert admin_client.get(change).status_code == 200
    assert admin_client.post(change, {"action": "forged"}).status_code == 403
    assert admin_client.post(reverse("admin:support_auditlog_delete", args=[takeover.pk]), {"post": "yes"}).status_code == 403
    assert AuditLog.objects.count() == 2

    # session, user, count (no second, unfiltered count), rows, action / actor / object type filter
    # values, date hierarchy x2
    pinned_changelist(
        admin_client, django_assert_num_queries, changelist, 9,
        lambda: [audit_record(actor="system", action="order.advance", obj=("order", f"ORD-{n}")) for n in range(3)],
    )
