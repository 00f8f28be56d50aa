"""API keys and the audit log in the admin, the shared admin helpers, and helpers the other apps' admin
tests import."""

import hashlib
from decimal import Decimal

import pytest
from django import forms
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse
from rest_framework import exceptions
from rest_framework.request import Request

from support.conversations.tests.factories import ConversationFactory
from voxsite.core.admin import inr
from voxsite.core.apikeys import APIKeyAuthentication
from voxsite.core.models import APIKey, AuditLog
from voxsite.core.services import audit_record


# ---------------------------------------------------------------------------
# Helpers shared by the apps' admin tests


def pinned_changelist(client, django_assert_num_queries, path, expected, more_rows):
    """The changelist costs exactly `expected` queries, and still `expected` once more rows exist
    (no query per row)."""
    client.get(path)  # warm per-process caches (content types) so the count is the steady state
    with django_assert_num_queries(expected):
        first = client.get(path)
    more_rows()
    with django_assert_num_queries(expected):
        second = client.get(path)
    assert first.status_code == second.status_code == 200
    assert second.context["cl"].result_count > first.context["cl"].result_count
    return second


def changeform_data(response) -> dict:
    """The POST body a browser would send back for an admin change page, inlines included,
    built from the rendered forms (so read-only fields are absent, as they are in the browser)."""
    data = {}
    form_list = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        form_list.append(inline.formset.management_form)
        form_list.extend(inline.formset.forms)
    for form in form_list:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            widget = field.widget
            if isinstance(widget, forms.MultiWidget):
                parts = value if isinstance(value, list | tuple) else widget.decompress(value)
                for suffix, sub, part in zip(widget.widgets_names, widget.widgets, parts, strict=True):
                    data[bound.html_name + suffix] = sub.format_value(part) or ""
            elif isinstance(widget, forms.CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = "" if value is None else str(value)
    return data


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# ---------------------------------------------------------------------------
# inr()


@pytest.mark.parametrize(
    "amount, text",
    [
        (Decimal("0"), "₹0.00"),
        (Decimal("999.5"), "₹999.50"),
        (Decimal("1299"), "₹1,299.00"),
        (Decimal("129999.00"), "₹1,29,999.00"),
        (Decimal("12345678.9"), "₹1,23,45,678.90"),
        (Decimal("-2500"), "-₹2,500.00"),
        (None, "—"),
    ],
)
def test_inr_uses_indian_grouping(amount, text):
    assert inr(amount) == text


# ---------------------------------------------------------------------------
# API keys


def authenticate(raw: str):
    request = Request(RequestFactory().get("/api/v1/products/", HTTP_AUTHORIZATION=f"Bearer {raw}"))
    return APIKeyAuthentication().authenticate(request)


@pytest.mark.django_db
def test_add_page_asks_only_name_and_scopes(admin_client):
    response = admin_client.get(reverse("admin:voxsite_apikey_add"))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert set(form.fields) == {"name", "scopes"}
    assert 'type="checkbox" name="scopes" value="write"' in response.content.decode()


@pytest.mark.django_db
def test_creating_a_key_shows_it_once_and_stores_only_its_hash(admin_client):
    response = admin_client.post(
        reverse("admin:voxsite_apikey_add"), {"name": "Shopify bridge", "scopes": ["write", "read"]}, follow=True
    )

    assert response.status_code == 200
    shown = [m for m in message_texts(response) if "won't be shown again" in m]
    assert len(shown) == 1
    raw = next(word for word in shown[0].split() if word.startswith("vx_"))
    key = APIKey.objects.get()
    assert key.name == "Shopify bridge"
    assert key.scopes == ["read", "write"]
    assert key.hashed_key == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(key.prefix)
    # The raw key is stored nowhere: not in the row, not in the admin's history.
    stored = " ".join(str(getattr(key, f.attname)) for f in APIKey._meta.concrete_fields)
    assert raw not in stored
    assert all(raw not in (e.object_repr + e.change_message) for e in LogEntry.objects.all())
    # It authenticates as this key.
    user, auth = authenticate(raw)
    assert auth.pk == key.pk
    assert user.api_key.has_scope("write")

    # Never displayed again: not on the list, not on the key's page, not in later messages.
    for url in (reverse("admin:voxsite_apikey_changelist"), reverse("admin:voxsite_apikey_change", args=[key.pk])):
        page = admin_client.get(url)
        assert page.status_code == 200
        assert raw not in page.content.decode()
        assert not any(raw in m for m in message_texts(page))


@pytest.mark.django_db
def test_key_without_scopes_is_refused(admin_client):
    response = admin_client.post(reverse("admin:voxsite_apikey_add"), {"name": "no scopes"})

    assert response.status_code == 200
    assert "scopes" in response.context["adminform"].form.errors
    assert not APIKey.objects.exists()


@pytest.mark.django_db
def test_change_page_keeps_hash_and_prefix_read_only(admin_client, api_key_factory):
    key, raw = api_key_factory(scopes=["read", "write"], name="old name")
    url = reverse("admin:voxsite_apikey_change", args=[key.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields) == {"name", "scopes", "active"}
    assert key.hashed_key in page.content.decode()  # shown read-only
    assert raw not in page.content.decode()

    data = changeform_data(page)
    data.update(name="renamed", scopes=["read"], prefix="vx_hacked", hashed_key="0" * 64)
    response = admin_client.post(url, data)

    assert response.status_code == 302
    before = (key.prefix, key.hashed_key)
    key.refresh_from_db()
    assert (key.name, key.scopes) == ("renamed", ["read"])
    assert (key.prefix, key.hashed_key) == before
    assert authenticate(raw)[1].pk == key.pk


@pytest.mark.django_db
def test_revoke_action_deactivates_keys(admin_client, api_key_factory):
    revoked, raw = api_key_factory(name="leaked")
    kept, kept_raw = api_key_factory(name="kept")

    response = admin_client.post(
        reverse("admin:voxsite_apikey_changelist"),
        {"action": "revoke", "_selected_action": [revoked.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert any("Revoked 1 API key" in m for m in message_texts(response))
    revoked.refresh_from_db()
    kept.refresh_from_db()
    assert (revoked.active, kept.active) == (False, True)
    with pytest.raises(exceptions.AuthenticationFailed):
        authenticate(raw)
    assert authenticate(kept_raw)[1].pk == kept.pk


@pytest.mark.django_db
def test_apikey_changelist_search_and_query_count(admin_client, api_key_factory, django_assert_num_queries):
    api_key_factory(name="Shopify bridge")
    api_key_factory(name="Call centre dialler")

    found = admin_client.get(reverse("admin:voxsite_apikey_changelist"), {"q": "dialler"}).context["cl"].result_list
    assert [k.name for k in found] == ["Call centre dialler"]

    # session, user, count, total count, rows
    pinned_changelist(
        admin_client, django_assert_num_queries, reverse("admin:voxsite_apikey_changelist"), 5,
        lambda: [api_key_factory(name=f"key {i}") for i in range(3)],
    )


@pytest.mark.django_db
def test_staff_without_permission_cannot_open_keys(client, django_user_model):
    staff = django_user_model.objects.create_user("agent1", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("admin:voxsite_apikey_changelist")).status_code == 403
    assert client.post(reverse("admin:voxsite_apikey_add"), {"name": "x", "scopes": ["read"]}).status_code == 403
    assert not APIKey.objects.exists()


# ---------------------------------------------------------------------------
# The audit log in the admin


@pytest.mark.django_db
def test_audit_log_admin_is_read_only_with_filters_and_search(admin_client, django_assert_num_queries):
    conv = ConversationFactory()
    takeover = audit_record(actor="staff:meera", action="conversation.takeover", obj=conv)
    audit_record(actor="staff:rahul", action="order.cancel", obj=("order", "ORD-1042"), details={"result": "ok"})
    changelist = reverse("admin:voxsite_auditlog_changelist")

    def found(params):
        return [r.action for r in admin_client.get(changelist, params).context["cl"].result_list]

    assert found({"action": "order.cancel"}) == ["order.cancel"]
    assert found({"actor_label": "staff:meera"}) == ["conversation.takeover"]
    assert found({"q": "ORD-1042"}) == ["order.cancel"]
    assert found({"q": str(conv.pk)}) == ["conversation.takeover"]
    html = admin_client.get(changelist).content.decode()
    assert reverse("admin:support_conversation_change", args=[conv.pk]) in html
    assert reverse("admin:orders_order_changelist") + "?q=ORD-1042" in html

    assert admin_client.get(reverse("admin:voxsite_auditlog_add")).status_code == 403
    change = reverse("admin:voxsite_auditlog_change", args=[takeover.pk])
    assert admin_client.get(change).status_code == 200
    assert admin_client.post(change, {"action": "forged"}).status_code == 403
    assert admin_client.post(reverse("admin:voxsite_auditlog_delete", args=[takeover.pk]), {"post": "yes"}).status_code == 403
    assert AuditLog.objects.count() == 2

    # session, user, count (no second, unfiltered count), rows, action / actor / object type filter
    # values, date hierarchy x2
    pinned_changelist(
        admin_client, django_assert_num_queries, changelist, 9,
        lambda: [audit_record(actor="system", action="order.advance", obj=("order", f"ORD-{n}")) for n in range(3)],
    )


@pytest.mark.django_db
def test_audit_log_links_each_object_where_its_app_registered_it(admin_client):
    for obj in (("return", "RET-3001"), ("crmrecord", "42"), ("gift_card", "GC-7")):
        audit_record(actor="system", action="test.link", obj=obj)

    html = admin_client.get(reverse("admin:voxsite_auditlog_changelist")).content.decode()

    assert f'href="{reverse("admin:orders_return_changelist")}?q=RET-3001"' in html
    assert f'href="{reverse("admin:crm_crmrecord_changelist")}?q=42"' in html
    assert "GC-7" in html and "?q=GC-7" not in html  # no app registered gift cards: the id, unlinked
