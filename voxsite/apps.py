from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The composition package: no models, installed for its management commands (serve, seed_demo,
    api_key_create). "voxsite" is the ground floor's label (voxsite.core), so this one is "site"."""

    name = "voxsite"
    label = "site"
    verbose_name = "Site"
