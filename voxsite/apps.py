from django.apps import AppConfig


class VoxsiteConfig(AppConfig):
    name = "voxsite"
    verbose_name = "Platform (API keys)"
    default_auto_field = "django.db.models.BigAutoField"
