from django.apps import AppConfig


class VoxsiteConfig(AppConfig):
    name = "voxsite"
    verbose_name = "Platform (API keys)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import schema  # noqa: F401 - registers the OpenAPI auth extension
