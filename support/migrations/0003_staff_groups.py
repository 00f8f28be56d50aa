"""Staff groups: "Support agents", "Supervisors", "Admins", and the custom permission
support.export_conversation (Markdown export of transcripts) that only supervisors and admins hold.

Permissions are normally created after all migrations (post_migrate), so this migration creates
them first for the apps it needs. Users are not touched: staff are put in groups in the admin.
`staff_groups_create` is idempotent and also usable outside migrations (a flushed test database
keeps the built-in permissions but loses these rows)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

PROJECT_APPS = ("catalog", "crm", "orders", "support", "voxsite")

EXPORT = ("support", "conversation", "export_conversation", "Can export conversations")

AGENTS = "Support agents"
SUPERVISORS = "Supervisors"
ADMINS = "Admins"

# (app_label, codename). "change_conversation" is what a takeover needs.
AGENT_PERMISSIONS = [
    ("support", "view_conversation"), ("support", "change_conversation"),
    ("support", "view_message"), ("support", "view_toolcall"), ("support", "view_modelcall"),
    ("crm", "view_crmrecord"), ("crm", "change_crmrecord"), ("crm", "view_crmrecordevent"), ("crm", "view_customer"),
    ("orders", "view_order"), ("orders", "view_orderitem"), ("orders", "view_orderevent"),
    ("orders", "view_trackingevent"), ("orders", "view_return"), ("orders", "view_returnitem"),
    ("orders", "view_returnevent"),
    ("catalog", "view_product"), ("catalog", "view_category"), ("catalog", "view_faq"), ("catalog", "view_policy"),
]
SUPERVISOR_PERMISSIONS = AGENT_PERMISSIONS + [
    ("support", "view_dailymetric"),  # the dashboard
    ("support", "view_auditlog"),
    ("support", "export_conversation"),
    ("support", "view_batchjob"),
    # To assign CRM records to an agent (the assignee autocomplete lists staff users).
    ("auth", "view_user"),
]
# Admins: every permission on the project's apps, plus managing staff accounts and groups.
ADMIN_EXTRA = [
    ("auth", "view_user"), ("auth", "add_user"), ("auth", "change_user"), ("auth", "delete_user"),
    ("auth", "view_group"), ("auth", "add_group"), ("auth", "change_group"), ("auth", "delete_group"),
    ("admin", "view_logentry"),
]


def staff_groups_create(apps, using="default"):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    ContentType = apps.get_model("contenttypes", "ContentType")

    for label in ("auth", "admin", *PROJECT_APPS):
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using, apps=apps)

    app_label, model, codename, name = EXPORT
    ctype = ContentType.objects.db_manager(using).get_by_natural_key(app_label, model)
    Permission.objects.using(using).get_or_create(content_type=ctype, codename=codename, defaults={"name": name})

    def lookup(pairs):
        wanted = set(pairs)
        found = [
            p for p in Permission.objects.using(using).select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
        if missing:
            raise RuntimeError(f"Permissions missing for the staff groups: {sorted(missing)}")
        return found

    admin_permissions = [
        p for p in Permission.objects.using(using).select_related("content_type")
        if p.content_type.app_label in PROJECT_APPS
    ] + lookup(ADMIN_EXTRA)
    for group_name, permissions in (
        (AGENTS, lookup(AGENT_PERMISSIONS)),
        (SUPERVISORS, lookup(SUPERVISOR_PERMISSIONS)),
        (ADMINS, admin_permissions),
    ):
        group, _ = Group.objects.using(using).get_or_create(name=group_name)
        group.permissions.set(permissions)


def forwards(apps, schema_editor):
    staff_groups_create(apps, using=schema_editor.connection.alias)


def backwards(apps, schema_editor):
    using = schema_editor.connection.alias
    apps.get_model("auth", "Group").objects.using(using).filter(name__in=[AGENTS, SUPERVISORS, ADMINS]).delete()
    apps.get_model("auth", "Permission").objects.using(using).filter(
        content_type__app_label=EXPORT[0], content_type__model=EXPORT[1], codename=EXPORT[2]
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("support", "0002_conversation_handoff_requested_at_and_more"),
        ("crm", "0003_crmrecordevent"),
        ("orders", "0001_initial"),
        ("catalog", "0001_initial"),
        ("voxsite", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
