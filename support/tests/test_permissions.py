"""Staff groups (support agents, supervisors, admins) and what each may open in the admin, the
audit log (voxsite.core) included."""

import importlib
from functools import cache

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from crm.models import CRMRecord
from crm.tests.factories import CRMRecordFactory
from orders.models import Order
from orders.tests.factories import OrderFactory
from support.conversations.tests.factories import ConversationFactory, MessageFactory
from voxsite.core.models import AuditLog

pytestmark = pytest.mark.django_db

groups_migration = importlib.import_module("support.migrations.0003_staff_groups")
audit_move_migration = importlib.import_module("support.migrations.0005_auditlog_to_ground_floor")
AUDIT_CHANGELIST = "admin:voxsite_auditlog_changelist"


@cache
def historical_apps(app_label, name):
    return MigrationLoader(None, ignore_no_migrations=True).project_state((app_label, name)).apps


@pytest.fixture(autouse=True)
def staff_groups():
    # The migrations made them; a flush by an earlier transactional test may have removed them. Replay
    # the migrations that shape them, each on its own historical models: 0003 creates the groups,
    # 0005 moves the audit log permissions to the ground floor's model.
    groups_migration.staff_groups_create(historical_apps("support", "0003_staff_groups"))

    class Editor:
        connection = connection

    audit_move_migration.grants_move(historical_apps("support", "0005_auditlog_to_ground_floor"), Editor(),
                                     "support", "voxsite")


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
    assert client.get(reverse(AUDIT_CHANGELIST)).status_code == 403
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
    assert client.get(reverse(AUDIT_CHANGELIST)).status_code == 200
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
                 reverse("admin:crm_crmrecord_changelist"), reverse(AUDIT_CHANGELIST)):
        assert client.get(path).status_code == 403, path


def test_non_staff_are_sent_to_the_login_page(client, django_user_model):
    shopper = django_user_model.objects.create_user("shopper", password="x")
    shopper.groups.add(Group.objects.get(name="Supervisors"))  # groups do not make anyone staff
    client.force_login(shopper)
    conv = ConversationFactory()

    for path in (conv_url("change", conv.pk), conv_url("markdown", conv.pk)):
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], path
