import json
import re

from django.contrib import admin
from django.db.models.fields.json import KT
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html

from orders.models import Order
from voxsite.core.admin import (
    DeferInListMixin, ReadOnlyAdminMixin, ReadOnlyInline, admin_link, audit_link_register, changelist_search_link, inr,
    is_changelist, related_count, run_service_action, staff_actor,
)

from . import services
from .models import CRMRecord, CRMRecordEvent, Customer

RECENT_ORDERS = 10
CRM_NUMBER = re.compile(r"^crm-?(\d+)$", re.IGNORECASE)

# The audit log links a CRM record by a search of this changelist for its id.
audit_link_register("crmrecord", changelist_search_link("admin:crm_crmrecord_changelist"))


class RecentOrdersFormSet(BaseInlineFormSet):
    def get_queryset(self):
        # A long-standing customer can have hundreds of orders; the page shows the latest few.
        return super().get_queryset()[:RECENT_ORDERS]


class RecentOrderInline(ReadOnlyInline):
    model = Order
    formset = RecentOrdersFormSet
    verbose_name = "recent order"
    verbose_name_plural = f"recent orders (latest {RECENT_ORDERS})"
    fields = ["order_link", "status", "total_inr", "payment_method", "placed_at"]
    readonly_fields = fields
    ordering = ["-placed_at"]

    @admin.display(description="order")
    def order_link(self, obj):
        return admin_link(obj, obj.number)

    @admin.display(description="total")
    def total_inr(self, obj):
        return inr(obj.total)


class CRMRecordInline(ReadOnlyInline):
    model = CRMRecord
    fk_name = "customer"
    fields = ["record_link", "scenario", "intent", "priority", "status", "created_at"]
    readonly_fields = fields
    ordering = ["-created_at"]

    @admin.display(description="record")
    def record_link(self, obj):
        return admin_link(obj, f"CRM-{obj.pk}")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["customer_id", "name", "phone", "email", "preferred_language", "order_count", "created_at"]
    list_display_links = ["customer_id", "name"]
    list_filter = ["preferred_language"]
    search_fields = ["phone", "name", "email", "customer_id"]
    ordering = ["name"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at"]
    inlines = [RecentOrderInline, CRMRecordInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_changelist(request):
            qs = qs.annotate(order_count=related_count(Order, "customer"))
        return qs

    @admin.display(description="orders", ordering="order_count")
    def order_count(self, obj):
        return getattr(obj, "order_count", None)


class CRMRecordEventInline(ReadOnlyInline):
    model = CRMRecordEvent
    verbose_name = "change"
    verbose_name_plural = "history"
    fields = ["created_at", "from_status", "to_status", "assigned_to", "actor", "note"]
    readonly_fields = fields
    ordering = ["created_at", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("assigned_to")


def _transcript_link(conversation_id):
    if conversation_id is None:
        return "—"
    url = reverse("admin:support_conversation_change", args=[conversation_id])
    return format_html('<a href="{}">transcript {}</a>', url, str(conversation_id)[:8])


@admin.register(CRMRecord)
class CRMRecordAdmin(DeferInListMixin, admin.ModelAdmin):
    list_display = [
        "record", "scenario", "intent", "priority", "status", "customer", "assigned_to", "source", "conversation_link",
        "created_at",
    ]
    list_filter = ["status", "priority", "scenario", "assigned_to"]
    search_fields = ["scenario", "intent", "summary", "customer__phone", "customer__name", "customer__customer_id"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    list_select_related = ["customer", "assigned_to"]
    autocomplete_fields = ["customer", "assigned_to"]
    raw_id_fields = ["conversation"]
    # Status changes only through the workflow actions (crm.services): never a form field.
    readonly_fields = ["status", "conversation_link", "payload_display", "created_at", "updated_at"]
    list_defer = ("payload",)
    inlines = [CRMRecordEventInline]
    actions = ["assign_to_me", "mark_in_progress", "mark_resolved", "reopen"]
    fieldsets = [
        (None, {"fields": ["customer", "conversation", "conversation_link", "scenario", "intent", "summary"]}),
        ("Handling", {"fields": ["priority", "status", "assigned_to"]}),
        ("Payload", {"fields": ["payload_display"]}),
        ("Timestamps", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        # Staff quote records as they are shown: "CRM-42".
        match = CRM_NUMBER.match(search_term.strip())
        if match:
            return queryset.filter(pk=int(match[1])), False
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        # Assignment goes through the service so it leaves an event row; the rest is a plain save.
        assignee = obj.assigned_to
        if "assigned_to" in form.changed_data:
            obj.assigned_to = CRMRecord.objects.get(pk=obj.pk).assigned_to if change else None
        super().save_model(request, obj, form, change)
        if "assigned_to" in form.changed_data:
            services.crm_record_assign(record=obj, user=assignee, actor=staff_actor(request))

    @admin.display(description="record", ordering="id")
    def record(self, obj):
        return f"CRM-{obj.pk}"

    @admin.display(description="conversation")
    def conversation_link(self, obj):
        return _transcript_link(obj.conversation_id)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_changelist(request):
            # The payload stays deferred on the list; only its "source" key is read (mcp, agent...).
            qs = qs.annotate(payload_source=KT("payload__source"))
        return qs

    @admin.display(description="source")
    def source(self, obj):
        return getattr(obj, "payload_source", None) or "—"

    @admin.display(description="payload")
    def payload_display(self, obj):
        payload = obj.payload or {}
        label = "MCP payload (POST /api/v1/tools/mcp)" if payload.get("source") == "mcp" else "payload"
        return format_html(
            "<p><strong>{}</strong></p><pre>{}</pre>", label,
            json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True),
        )

    @admin.action(permissions=["change"], description="Assign selected records to me")
    def assign_to_me(self, request, queryset):
        # Assignment has no refusal path, so one summary line reads better than one per record.
        actor = staff_actor(request)
        n = 0
        for record in queryset:
            services.crm_record_assign(record=record, user=request.user, actor=actor)
            n += 1
        self.message_user(request, f"Assigned {n} record(s) to you.")

    def _transition_action(self, request, queryset, to_status, done):
        actor = staff_actor(request)
        run_service_action(
            self, request, queryset,
            lambda record: services.crm_record_transition(record=record, to_status=to_status, actor=actor),
            done=done,
        )

    @admin.action(permissions=["change"], description="Mark selected records in progress")
    def mark_in_progress(self, request, queryset):
        self._transition_action(request, queryset, CRMRecord.Status.IN_PROGRESS, "in progress")

    @admin.action(permissions=["change"], description="Mark selected records resolved")
    def mark_resolved(self, request, queryset):
        self._transition_action(request, queryset, CRMRecord.Status.RESOLVED, "resolved")

    @admin.action(permissions=["change"], description="Reopen selected records")
    def reopen(self, request, queryset):
        self._transition_action(request, queryset, CRMRecord.Status.OPEN, "reopened")


@admin.register(CRMRecordEvent)
class CRMRecordEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "record_link", "from_status", "to_status", "assigned_to", "actor", "note"]
    list_filter = ["to_status"]
    search_fields = ["actor", "note"]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
    list_select_related = ["assigned_to"]

    @admin.display(description="record")
    def record_link(self, obj):
        url = reverse("admin:crm_crmrecord_change", args=[obj.record_id])
        return format_html('<a href="{}">CRM-{}</a>', url, obj.record_id)
