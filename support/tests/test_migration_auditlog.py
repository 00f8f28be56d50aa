"""support 0005: the audit log's rows and who may read them move to the ground floor's table (created by
voxsite 0002), on a database migrated before the move; and back again."""

from datetime import datetime, timezone as dt_timezone

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from voxsite.core.models import AuditLog
from voxsite.core.services import audit_record

pytestmark = pytest.mark.django_db(transaction=True)  # migrations change the schema

BEFORE = [("support", "0004_conversation_speech_language")]
COLUMNS = ["id", "actor_id", "actor_label", "action", "object_type", "object_id", "details", "created_at"]


def migrate(targets=None):
    """Migrate to `targets` (None: the latest); returns the models as they are there."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    ContentType.objects.clear_cache()  # content types were deleted and created under the cache
    return executor.loader.project_state(targets).apps


def audit_tables():
    return sorted(t for t in connection.introspection.table_names() if t.endswith("auditlog"))


def test_rows_and_permissions_move_to_the_ground_floor_and_back():
    try:
        old = migrate(BEFORE)
        OldAuditLog = old.get_model("support", "AuditLog")
        Permission = old.get_model("auth", "Permission")
        old_user, old_group = old.get_model("auth", "User"), old.get_model("auth", "Group")
        meera = old_user.objects.create(username="meera", is_staff=True)
        ravi = old_user.objects.create(username="ravi", is_staff=True)
        auditors = old_group.objects.create(name="Auditors")
        auditors.permissions.add(Permission.objects.get(content_type__app_label="support", codename="view_auditlog"))
        ravi.user_permissions.add(Permission.objects.get(content_type__app_label="support", codename="change_auditlog"))
        meera.groups.add(auditors)
        for pk, actor, action, obj_id, details in [
            (3, meera, "order.cancel", "ORD-1042", {"result": "ok", "reason": "आदेश रद्द"}),
            (7, None, "conversation.takeover", "6f1c3f4e-1111-4e2a-9a55-0123456789ab", {}),
            (12, ravi, "return.refund", "RET-3001", {"refund_amount": "1299.50"}),
        ]:
            OldAuditLog.objects.create(id=pk, actor=actor, actor_label=actor.username if actor else "system",
                                       action=action, object_type=action.split(".")[0], object_id=obj_id, details=details)
        written = datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt_timezone.utc)
        OldAuditLog.objects.update(created_at=written)  # the copy must keep it, not stamp the migration's time
        rows = list(OldAuditLog.objects.order_by("id").values_list(*COLUMNS))

        migrate()

        assert list(AuditLog.objects.order_by("id").values_list(*COLUMNS)) == rows
        assert {r[-1] for r in rows} == {written}
        assert audit_tables() == ["voxsite_auditlog"]
        assert not ContentType.objects.filter(app_label="support", model="auditlog").exists()
        assert {p.codename for p in Group.objects.get(name="Auditors").permissions.all()} == {"view_auditlog"}
        assert Group.objects.get(name="Auditors").permissions.get().content_type.app_label == "voxsite"
        assert User.objects.get(username="meera").has_perm("voxsite.view_auditlog")
        assert User.objects.get(username="ravi").has_perm("voxsite.change_auditlog")
        # The ids kept their sequence: a new row comes after the copied ones.
        assert audit_record(actor="system", action="order.advance", obj=("order", "ORD-1")).pk > 12

        old = migrate(BEFORE)

        back = old.get_model("support", "AuditLog").objects.order_by("id").values_list(*COLUMNS)
        assert list(back)[:3] == rows and len(back) == 4
        assert audit_tables() == ["support_auditlog", "voxsite_auditlog"] and not AuditLog.objects.exists()
        assert set(old_group.objects.get(name="Auditors").permissions.values_list(
            "content_type__app_label", "codename")) == {("support", "view_auditlog")}
    finally:
        migrate()  # the rest of the suite runs on the latest schema
