"""The whole admin, as the site composes it: every app's models registered, every changelist renders."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse


def test_every_model_is_registered():
    labels = ("catalog", "crm", "orders", "support", "voxsite")
    ours = [m for label in labels for m in apps.get_app_config(label).get_models()]
    assert ours
    assert [m.__name__ for m in ours if m not in admin.site._registry] == []


@pytest.mark.django_db
def test_index_and_every_changelist_render(admin_client):
    index = admin_client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert "support" in index.content.decode()
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label in ("catalog", "crm", "orders", "support", "voxsite"):
            path = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
            assert admin_client.get(path).status_code == 200, path
