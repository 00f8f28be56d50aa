"""Orders and returns for support staff. Status is never a form field: it changes only through
the admin actions below, which call orders.services (transition table, row lock, event row).
Every staff change, refused ones included, leaves an audit row (voxsite.core.services.audit_record)."""

from django import forms
from django.contrib import admin
from django.db import transaction

from voxsite.core.admin import (
    ReadOnlyAdminMixin, ReadOnlyInline, admin_link, audit_link_register, changelist_search_link, inr,
    run_service_action, staff_actor,
)
from voxsite.core.errors import DomainError, InvalidTransition
from voxsite.core.services import audit_record

from . import services
from .models import Order, OrderEvent, OrderItem, Return, ReturnEvent, ReturnItem, TrackingEvent

S = Order.Status

# The audit log links orders and returns by their public number, which these changelists search.
audit_link_register("order", changelist_search_link("admin:orders_order_changelist"))
audit_link_register("return", changelist_search_link("admin:orders_return_changelist"))

# The usual forward step for "Advance"; shipped -> delivered directly stays possible via the API.
NEXT_STATUS = {
    S.PLACED: S.CONFIRMED,
    S.CONFIRMED: S.PACKED,
    S.PACKED: S.SHIPPED,
    S.SHIPPED: S.OUT_FOR_DELIVERY,
    S.OUT_FOR_DELIVERY: S.DELIVERED,
}


def audited(request, action: str, call, *, reason: str = "", before=None, after=None):
    """Wrap an admin action's per-row service call so each row leaves one audit row: with the
    service's change in the same transaction when it succeeds, alone when a rule refuses it.
    `before(obj)` and `after(result)` add details read before the call and from its result."""

    def run(obj):
        base = {"reason": reason, **(before(obj) if before else {})}
        try:
            with transaction.atomic():
                result = call(obj)
                extra = after(result) if after else {"status": getattr(result, "status", None)}
                audit_record(actor=request.user, action=action, obj=obj, details={**base, "result": "ok", **extra})
        except DomainError as exc:
            audit_record(actor=request.user, action=action, obj=obj,
                         details={**base, "result": "refused", "code": exc.code})
            raise
        return result

    return run


class AuditedChangesMixin:
    """Edits through the change form (address, payment fields, items) are staff changes too."""

    audit_prefix = ""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        request._audit_fields = list(form.changed_data)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        inlines = sorted({fs.prefix for fs in formsets if fs.has_changed()})
        fields = getattr(request, "_audit_fields", [])
        if fields or inlines or not change:
            audit_record(
                actor=request.user, action=f"{self.audit_prefix}.{'change' if change else 'create'}", obj=form.instance,
                details={"fields": fields, "inlines": inlines, "result": "ok"},
            )


# ---------------------------------------------------------------------------
# Order inlines


class OrderItemForm(forms.ModelForm):
    """SKU, name and unit price default to the product's: staff pick a product and a quantity."""

    class Meta:
        model = OrderItem
        fields = ["product", "sku", "name", "quantity", "unit_price"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("sku", "name", "unit_price"):
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        product = cleaned.get("product")
        if product is not None:
            cleaned["sku"] = cleaned.get("sku") or product.sku
            cleaned["name"] = cleaned.get("name") or product.name
            if cleaned.get("unit_price") is None:
                cleaned["unit_price"] = product.price
        return cleaned


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    form = OrderItemForm
    extra = 0
    autocomplete_fields = ["product"]
    fields = ["product", "sku", "name", "quantity", "unit_price", "line_total_inr"]
    readonly_fields = ["line_total_inr"]

    @admin.display(description="line total")
    def line_total_inr(self, obj):
        return inr(obj.line_total) if obj.pk else "—"


class TrackingEventInline(admin.TabularInline):
    """The carrier's history; staff correct and add scans, so it stays editable."""

    model = TrackingEvent
    extra = 0
    fields = ["occurred_at", "status", "description", "location", "carrier"]
    ordering = ["occurred_at", "id"]


class ReturnInline(ReadOnlyInline):
    model = Return
    fields = ["return_link", "status", "reason", "refund_inr", "requested_at"]
    readonly_fields = fields
    ordering = ["-requested_at"]

    @admin.display(description="return")
    def return_link(self, obj):
        return admin_link(obj, obj.number)

    @admin.display(description="refund")
    def refund_inr(self, obj):
        return inr(obj.refund_amount)


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    verbose_name = "status change"
    verbose_name_plural = "status history"
    fields = ["created_at", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields


# ---------------------------------------------------------------------------
# Orders


@admin.register(Order)
class OrderAdmin(AuditedChangesMixin, admin.ModelAdmin):
    audit_prefix = "order"
    list_display = [
        "number", "customer", "status", "total_inr", "amount_paid_inr", "payment_method", "placed_at", "carrier",
    ]
    list_filter = ["status", "payment_method", "carrier"]
    search_fields = ["number", "customer__phone", "customer__name", "shipping_phone", "tracking_number"]
    ordering = ["-placed_at"]
    date_hierarchy = "placed_at"
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    readonly_fields = ["status", "amount_refunded", "delivered_at", "updated_at"]
    inlines = [OrderItemInline, TrackingEventInline, ReturnInline, OrderEventInline]
    actions = ["cancel_orders", "advance_orders", "start_returns"]
    fieldsets = [
        (None, {"fields": ["number", "customer", "status", "placed_at", "updated_at"]}),
        ("Delivery", {"fields": ["carrier", "tracking_number", "expected_delivery", "delivered_at"]}),
        ("Shipping address", {"fields": [
            "shipping_name", "shipping_phone", "shipping_address",
            "shipping_city", "shipping_state", "shipping_pincode",
        ]}),
        ("Payment", {"fields": [
            "payment_method", "subtotal", "shipping_fee", "discount", "total", "amount_paid", "amount_refunded",
        ]}),
    ]

    def has_delete_permission(self, request, obj=None):
        # Orders are financial records with an audit trail; cancel them instead.
        return False

    @admin.display(description="total", ordering="total")
    def total_inr(self, obj):
        return inr(obj.total)

    @admin.display(description="paid", ordering="amount_paid")
    def amount_paid_inr(self, obj):
        return inr(obj.amount_paid)

    @admin.action(permissions=["change"], description="Cancel selected orders")
    def cancel_orders(self, request, queryset):
        actor = staff_actor(request)
        reason = "cancelled by staff"
        run_service_action(
            self, request, queryset,
            audited(request, "order.cancel",
                    lambda order: services.order_cancel(order=order, actor=actor, reason=reason), reason=reason),
            done="cancelled",
        )

    @admin.action(permissions=["change"], description="Advance selected orders to the next status")
    def advance_orders(self, request, queryset):
        actor = staff_actor(request)

        def advance(order):
            target = NEXT_STATUS.get(order.status)
            if target is None:
                raise InvalidTransition(
                    f"Order {order.number} is {order.get_status_display().lower()}; it has no next status.",
                    code="order_no_next_status",
                )
            return services.order_transition(order=order, to_status=target, actor=actor, reason="advanced by staff")

        run_service_action(
            self, request, queryset,
            audited(request, "order.advance", advance, reason="advanced by staff",
                    before=lambda order: {"from_status": order.status, "to_status": NEXT_STATUS.get(order.status)}),
            done=lambda order: f"now {order.get_status_display().lower()}",
        )

    @admin.action(permissions=["change"], description="Start a return of all items on selected delivered orders")
    def start_returns(self, request, queryset):
        actor = staff_actor(request)
        run_service_action(
            self, request, queryset,
            audited(request, "order.return_start", lambda order: services.return_create(
                order=order, reason=Return.Reason.OTHER, actor=actor, reason_detail="started by staff",
            ), reason="started by staff", after=lambda ret: {"return": ret.number, "status": ret.status}),
            done=lambda ret: f"return {ret.number} requested",
        )


@admin.register(TrackingEvent)
class TrackingEventAdmin(admin.ModelAdmin):
    list_display = ["order", "status", "description", "location", "carrier", "occurred_at"]
    list_filter = ["status", "carrier"]
    search_fields = ["order__number", "description", "location"]
    ordering = ["-occurred_at"]
    date_hierarchy = "occurred_at"
    list_select_related = ["order"]
    raw_id_fields = ["order"]


@admin.register(OrderItem)
class OrderItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Items are edited on their order's page; this list is for finding orders by SKU."""

    list_display = ["order", "sku", "name", "quantity", "unit_price_inr"]
    search_fields = ["sku", "name", "order__number"]
    ordering = ["-order__placed_at", "id"]
    list_select_related = ["order"]

    @admin.display(description="unit price", ordering="unit_price")
    def unit_price_inr(self, obj):
        return inr(obj.unit_price)


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["order", "from_status", "to_status", "actor", "reason", "created_at"]
    list_filter = ["to_status"]
    search_fields = ["order__number", "actor", "reason"]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
    list_select_related = ["order"]


# ---------------------------------------------------------------------------
# Returns


class ReturnItemInline(ReadOnlyInline):
    model = ReturnItem
    fields = ["sku", "name", "quantity", "unit_price_inr", "value_inr"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order_item")

    @admin.display(description="SKU")
    def sku(self, obj):
        return obj.order_item.sku

    @admin.display(description="item")
    def name(self, obj):
        return obj.order_item.name

    @admin.display(description="unit price")
    def unit_price_inr(self, obj):
        return inr(obj.order_item.unit_price)

    @admin.display(description="value")
    def value_inr(self, obj):
        return inr(obj.order_item.unit_price * obj.quantity)


class ReturnEventInline(ReadOnlyInline):
    model = ReturnEvent
    verbose_name = "status change"
    verbose_name_plural = "status history"
    fields = ["created_at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


@admin.register(Return)
class ReturnAdmin(AuditedChangesMixin, admin.ModelAdmin):
    audit_prefix = "return"
    list_display = ["number", "order", "customer", "status", "reason", "refund_inr", "requested_at"]
    list_filter = ["status", "reason"]
    search_fields = ["number", "order__number", "order__customer__phone", "order__customer__name"]
    ordering = ["-requested_at"]
    date_hierarchy = "requested_at"
    list_select_related = ["order__customer"]
    fields = ["number", "order", "status", "reason", "reason_detail", "refund_amount", "requested_at", "updated_at"]
    readonly_fields = ["number", "order", "status", "refund_amount", "requested_at", "updated_at"]
    inlines = [ReturnItemInline, ReturnEventInline]
    actions = ["approve_returns", "reject_returns", "mark_picked_up", "refund_returns"]

    def has_add_permission(self, request):
        # Returns start through orders.services.return_create (window, quantities): use the
        # "Start a return" action on the order.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="customer", ordering="order__customer__name")
    def customer(self, obj):
        return obj.order.customer

    @admin.display(description="refund", ordering="refund_amount")
    def refund_inr(self, obj):
        return inr(obj.refund_amount)

    @admin.action(permissions=["change"], description="Approve selected returns")
    def approve_returns(self, request, queryset):
        actor = staff_actor(request)
        run_service_action(
            self, request, queryset,
            audited(request, "return.approve", lambda ret: services.return_approve(ret=ret, actor=actor)),
            done="approved",
        )

    @admin.action(permissions=["change"], description="Reject selected returns")
    def reject_returns(self, request, queryset):
        actor = staff_actor(request)
        run_service_action(
            self, request, queryset,
            audited(request, "return.reject", lambda ret: services.return_reject(ret=ret, actor=actor)),
            done="rejected",
        )

    @admin.action(permissions=["change"], description="Mark selected returns picked up")
    def mark_picked_up(self, request, queryset):
        actor = staff_actor(request)
        run_service_action(
            self, request, queryset,
            audited(request, "return.pick_up", lambda ret: services.return_mark_picked_up(ret=ret, actor=actor)),
            done="picked up",
        )

    @admin.action(permissions=["change"], description="Refund selected returns (value of the returned items)")
    def refund_returns(self, request, queryset):
        actor = staff_actor(request)
        run_service_action(
            self, request, queryset,
            audited(request, "return.refund", lambda ret: services.return_refund(ret=ret, actor=actor),
                    after=lambda ret: {"status": ret.status, "refund_amount": ret.refund_amount}),
            done=lambda ret: f"refunded {inr(ret.refund_amount)}",
        )


@admin.register(ReturnEvent)
class ReturnEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["ret", "from_status", "to_status", "actor", "note", "created_at"]
    list_filter = ["to_status"]
    search_fields = ["ret__number", "actor", "note"]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
    list_select_related = ["ret"]


@admin.register(ReturnItem)
class ReturnItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["ret", "order_item", "quantity"]
    search_fields = ["ret__number", "order_item__sku", "order_item__name"]
    ordering = ["-ret__requested_at", "id"]
    list_select_related = ["ret", "order_item"]
