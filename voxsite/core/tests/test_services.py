"""The ground floor's services: audit rows (api_key_create is tested with the keys, test_apikeys.py)."""

from datetime import datetime, timezone as dt_timezone
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from orders.tests.factories import OrderFactory
from support.conversations.tests.factories import ConversationFactory
from voxsite.core.models import AuditLog
from voxsite.core.services import audit_record

pytestmark = pytest.mark.django_db


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
    with pytest.raises(ValidationError):
        audit_record(actor="system", action="", obj=("order", "ORD-1"))
    assert not AuditLog.objects.exists()
