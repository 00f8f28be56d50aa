from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor's models (API keys, the audit log). The label stays "voxsite", the app's
    label before it moved here, so existing databases keep their tables and migration history."""

    name = "voxsite.core"
    label = "voxsite"
    verbose_name = "Platform (API keys, audit log)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import schema  # noqa: F401 - registers the OpenAPI auth extension
