"""The audit log moves to the ground floor (voxsite.core, app label "voxsite"), so the shop's apps
write audit rows without importing support.

voxsite 0002 created the new table; this copies every row into it with its id (links to a row stay
valid), gives the staff who could use support's audit log the same permissions on the new one, drops
support's content type (its permissions go with it, as `remove_stale_contenttypes` would do) and
then support's table. Backwards moves the rows and the permissions back."""

from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.core.management.color import no_style
from django.db import migrations

COLUMNS = ("id", "actor_id", "actor_label", "action", "object_type", "object_id", "details", "created_at")


def rows_move(apps, schema_editor, source_label, target_label, *, delete_source):
    source = apps.get_model(source_label, "AuditLog")
    target = apps.get_model(target_label, "AuditLog")
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    columns = ", ".join(quote(c) for c in COLUMNS)
    # One INSERT ... SELECT, not the ORM: bulk_create would stamp created_at anew (auto_now_add).
    schema_editor.execute(
        f"INSERT INTO {quote(target._meta.db_table)} ({columns}) "
        f"SELECT {columns} FROM {quote(source._meta.db_table)}"
    )
    if delete_source:
        schema_editor.execute(f"DELETE FROM {quote(source._meta.db_table)}")
    # The rows kept their ids: move the id sequence past them (PostgreSQL; SQLite's AUTOINCREMENT
    # follows by itself).
    for sql in connection.ops.sequence_reset_sql(no_style(), [target]):
        schema_editor.execute(sql)


def grants_move(apps, schema_editor, source_label, target_label):
    """Whoever held a permission on the source model (groups and users) gets the same one on the target;
    then the source's content type and its permissions are deleted."""
    using = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    GroupPermission = apps.get_model("auth", "Group").permissions.through
    UserPermission = apps.get_model(settings.AUTH_USER_MODEL).user_permissions.through

    old_type = ContentType.objects.using(using).filter(app_label=source_label, model="auditlog").first()
    if old_type is None:  # a database that never had support's audit log permissions
        return
    # Permissions are normally created after all migrations; the new model's are needed now.
    create_permissions(global_apps.get_app_config(target_label), verbosity=0, using=using, apps=apps)
    new_type = ContentType.objects.using(using).get(app_label=target_label, model="auditlog")
    for old in Permission.objects.using(using).filter(content_type=old_type):
        new = Permission.objects.using(using).filter(content_type=new_type, codename=old.codename).first()
        if new is None:
            continue
        for through, owner in ((GroupPermission, "group_id"), (UserPermission, "user_id")):
            holders = set(through.objects.using(using).filter(permission=old).values_list(owner, flat=True))
            holders -= set(through.objects.using(using).filter(permission=new).values_list(owner, flat=True))
            through.objects.using(using).bulk_create([through(**{owner: h, "permission_id": new.pk}) for h in holders])
    old_type.delete()
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    rows_move(apps, schema_editor, "support", "voxsite", delete_source=False)  # the table is dropped next
    grants_move(apps, schema_editor, "support", "voxsite")


def backwards(apps, schema_editor):
    rows_move(apps, schema_editor, "voxsite", "support", delete_source=True)
    grants_move(apps, schema_editor, "voxsite", "support")


class Migration(migrations.Migration):

    dependencies = [
        ("support", "0004_conversation_speech_language"),
        ("voxsite", "0002_auditlog"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="AuditLog"),
    ]
