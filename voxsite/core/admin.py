"""Admin for integrator API keys and the audit log, plus the small pieces every app's admin shares:
read-only log rows, rupee formatting, JSON display, and admin actions that call services."""

import json
from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from .errors import DomainError
from .models import APIKey, AuditLog
from .money import format_inr
from .services import api_key_create

admin.site.site_header = f"{settings.SHOP_NAME} support"
admin.site.site_title = f"{settings.SHOP_NAME} support"
admin.site.index_title = "Support desk"


# ---------------------------------------------------------------------------
# Shared helpers


def inr(amount) -> str:
    """₹ with Indian digit grouping (₹1,29,999.00), as staff read prices."""
    if amount is None:
        return "—"
    return format_inr(amount, always_paise=True)


def related_count(model, fk: str):
    """A correlated COUNT subquery for a changelist column. Unlike Count() over a join, the
    changelist's COUNT(*) for pagination drops it, and it cannot multiply rows."""
    rows = model.objects.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def staff_actor(request) -> str:
    return f"staff:{request.user.get_username()}"


def run_service_action(
    modeladmin: admin.ModelAdmin, request, queryset, call: Callable[[object], object],
    *, done: str | Callable[[object], str],
) -> None:
    """Call a service once per selected row, each in its own transaction (the services are atomic),
    and report every row: success, or the rule that refused it (the refused row is unchanged)."""
    for obj in queryset:
        try:
            result = call(obj)
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message} [{exc.code}]", level=messages.ERROR)
        else:
            text = done(result) if callable(done) else done
            modeladmin.message_user(request, f"{obj}: {text}.", level=messages.SUCCESS)


def is_changelist(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and (match.url_name or "").endswith("_changelist")


class DeferInListMixin:
    """Leave heavy columns (JSON state, long texts) out of the changelist query only; the change
    page still loads them in its one query."""

    list_defer: tuple[str, ...] = ()

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if self.list_defer and is_changelist(request):
            qs = qs.defer(*self.list_defer)
        return qs


class ReadOnlyAdminMixin:
    """Log rows (events, messages, model and tool calls) are written by services only:
    staff can read them, never add, change or delete them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False


def json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


def pretty_json(value) -> str:
    return format_html("<pre>{}</pre>", json_text(value))


def admin_link(obj, label=None):
    """A link to obj's admin change page."""
    if obj is None:
        return "—"
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label if label is not None else str(obj))


# ---------------------------------------------------------------------------
# API keys


class APIKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=APIKey.Scope.choices, widget=forms.CheckboxSelectMultiple, initial=[APIKey.Scope.READ],
        help_text="read: GET endpoints; write: cancel orders, create returns, sessions and CRM records.",
    )

    class Meta:
        model = APIKey
        fields = ["name", "scopes", "active"]

    def clean_scopes(self):
        return sorted(set(self.cleaned_data["scopes"]))


@admin.register(APIKey)
class APIKeyAdmin(admin.ModelAdmin):
    form = APIKeyForm
    list_display = ["name", "prefix_display", "scopes_display", "active", "created_at", "last_used_at"]
    list_filter = ["active"]
    search_fields = ["name", "prefix"]
    ordering = ["-created_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "scopes"]
        return ["name", "scopes", "active", "prefix", "hashed_key", "created_at", "last_used_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["prefix", "hashed_key", "created_at", "last_used_at"]

    @admin.display(description="prefix", ordering="prefix")
    def prefix_display(self, obj):
        return f"{obj.prefix}…"

    @admin.display(description="scopes")
    def scopes_display(self, obj):
        return ", ".join(obj.scopes or [])

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # The raw key exists only here: the service stores its hash, and the one message below
        # is the only place it is ever shown.
        key, raw = api_key_create(name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"])
        for field in ("pk", "prefix", "hashed_key", "scopes", "active", "created_at"):
            setattr(obj, field, getattr(key, field))
        obj._state.adding = False
        obj._state.db = key._state.db
        self.message_user(
            request,
            f"API key “{key.name}”: {raw} — Copy it now, it won't be shown again. "
            f"Send it as 'Authorization: Bearer <key>'.",
            level=messages.SUCCESS,
        )

    @admin.action(permissions=["change"], description="Revoke selected API keys")
    def revoke(self, request, queryset):
        revoked = queryset.filter(active=True).update(active=False)
        self.message_user(request, f"Revoked {revoked} API key(s); requests with them now get 401.", messages.SUCCESS)


# ---------------------------------------------------------------------------
# The audit log

# object_type -> a function of the object id returning a link to where staff find the object. Each
# app registers the types it audits (audit_link_register in its admin module), so the ground floor
# names no app's pages.
_audit_links: dict[str, Callable[[str], str]] = {}


def audit_link_register(object_type: str, link: Callable[[str], str]) -> None:
    _audit_links[object_type] = link


def changelist_search_link(url_name: str) -> Callable[[str], str]:
    """A link that finds the object by searching its changelist for the audited id: orders and returns
    are audited by their public number, which their changelists search."""

    def link(object_id: str) -> str:
        return format_html('<a href="{}">{}</a>', f"{reverse(url_name)}?q={object_id}", object_id)

    return link


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    show_full_result_count = False  # append-only and growing: skip the second COUNT(*)
    list_display = ["created_at", "actor_label", "action", "object_type", "object_link", "details_excerpt"]
    list_filter = ["action", "actor_label", "object_type"]
    search_fields = ["object_id"]
    search_help_text = "Object id: an order number (ORD-1042), a return number, a conversation id."
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
    fields = ["created_at", "actor", "actor_label", "action", "object_type", "object_id", "object_link", "details_display"]
    readonly_fields = ["created_at", "object_link", "details_display"]

    @admin.display(description="object")
    def object_link(self, obj):
        link = _audit_links.get(obj.object_type)
        return link(obj.object_id) if link else obj.object_id

    @admin.display(description="details")
    def details_excerpt(self, obj):
        return Truncator(json.dumps(obj.details, ensure_ascii=False, sort_keys=True)).chars(120)

    @admin.display(description="details")
    def details_display(self, obj):
        return pretty_json(obj.details)
