import re

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils import timezone

from orders.models import Order
from voxsite.admin import DeferInListMixin, ReadOnlyInline, admin_link, inr, is_changelist, related_count

from .models import CRMRecord, Customer

RECENT_ORDERS = 10
CRM_NUMBER = re.compile(r"^crm-?(\d+)$", re.IGNORECASE)


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


@admin.register(CRMRecord)
class CRMRecordAdmin(DeferInListMixin, admin.ModelAdmin):
    list_display = ["record", "scenario", "intent", "priority", "status", "customer", "assigned_to", "created_at"]
    list_filter = ["status", "priority", "scenario", "assigned_to"]
    search_fields = ["scenario", "intent", "summary", "customer__phone", "customer__name", "customer__customer_id"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    list_select_related = ["customer", "assigned_to"]
    autocomplete_fields = ["customer", "assigned_to"]
    raw_id_fields = ["conversation"]
    readonly_fields = ["created_at", "updated_at"]
    list_defer = ("payload",)
    actions = ["assign_to_me", "mark_in_progress", "mark_resolved"]
    fieldsets = [
        (None, {"fields": ["customer", "conversation", "scenario", "intent", "summary"]}),
        ("Handling", {"fields": ["priority", "status", "assigned_to"]}),
        ("Payload", {"fields": ["payload"]}),
        ("Timestamps", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        # Staff quote records as they are shown: "CRM-42".
        match = CRM_NUMBER.match(search_term.strip())
        if match:
            return queryset.filter(pk=int(match[1])), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="record", ordering="id")
    def record(self, obj):
        return f"CRM-{obj.pk}"

    @admin.action(permissions=["change"], description="Assign selected records to me")
    def assign_to_me(self, request, queryset):
        n = queryset.update(assigned_to=request.user, updated_at=timezone.now())
        self.message_user(request, f"Assigned {n} record(s) to you.")

    @admin.action(permissions=["change"], description="Mark selected records in progress")
    def mark_in_progress(self, request, queryset):
        n = queryset.update(status=CRMRecord.Status.IN_PROGRESS, updated_at=timezone.now())
        self.message_user(request, f"{n} record(s) marked in progress.")

    @admin.action(permissions=["change"], description="Mark selected records resolved")
    def mark_resolved(self, request, queryset):
        n = queryset.update(status=CRMRecord.Status.RESOLVED, updated_at=timezone.now())
        self.message_user(request, f"{n} record(s) resolved.")
