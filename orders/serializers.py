"""Input validation and output shapes for the orders/returns API. No business rules here:
the services decide what is allowed."""

from decimal import Decimal

from rest_framework import serializers

from crm.serializers import PhoneField
from voxsite.core.api_input import WS, WS_CHARS

from .models import Order, OrderEvent, OrderItem, Return, ReturnEvent, ReturnItem, TrackingEvent
from .selectors import public_number

# ---------------------------------------------------------------------------
# Output


class OrderCustomerSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    name = serializers.CharField()
    phone = serializers.CharField()


class OrderItemSerializer(serializers.ModelSerializer):
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = OrderItem
        fields = ["id", "product_id", "sku", "name", "quantity", "unit_price", "line_total"]


class TrackingEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrackingEvent
        fields = ["status", "description", "location", "carrier", "occurred_at"]


class OrderEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderEvent
        fields = ["from_status", "to_status", "actor", "reason", "created_at"]


class ReturnItemSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="order_item.sku", read_only=True)
    name = serializers.CharField(source="order_item.name", read_only=True)
    unit_price = serializers.DecimalField(source="order_item.unit_price", max_digits=10, decimal_places=2, read_only=True)

    class Meta:
        model = ReturnItem
        fields = ["order_item_id", "sku", "name", "quantity", "unit_price"]


class ReturnEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReturnEvent
        fields = ["from_status", "to_status", "actor", "note", "created_at"]


class OrderReturnSerializer(serializers.ModelSerializer):
    """A return as listed on its order."""

    items = ReturnItemSerializer(many=True, read_only=True)

    class Meta:
        model = Return
        fields = ["number", "status", "reason", "reason_detail", "refund_amount", "requested_at", "items"]


class OrderListSerializer(serializers.ModelSerializer):
    customer = OrderCustomerSerializer(read_only=True)
    items = OrderItemSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "number", "status", "customer", "placed_at", "updated_at", "delivered_at", "expected_delivery",
            "payment_method", "total", "amount_paid", "amount_refunded", "items",
        ]


class OrderDetailSerializer(OrderListSerializer):
    tracking_events = TrackingEventSerializer(many=True, read_only=True)
    returns = OrderReturnSerializer(many=True, read_only=True)
    events = OrderEventSerializer(many=True, read_only=True)

    class Meta(OrderListSerializer.Meta):
        fields = OrderListSerializer.Meta.fields + [
            "carrier", "tracking_number", "shipping_name", "shipping_phone", "shipping_address", "shipping_city",
            "shipping_state", "shipping_pincode", "subtotal", "shipping_fee", "discount",
            "tracking_events", "returns", "events",
        ]


class ReturnSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.number", read_only=True)
    items = ReturnItemSerializer(many=True, read_only=True)

    class Meta:
        model = Return
        fields = [
            "number", "order", "status", "reason", "reason_detail", "refund_amount", "requested_at", "updated_at",
            "items",
        ]


class ReturnDetailSerializer(ReturnSerializer):
    events = ReturnEventSerializer(many=True, read_only=True)

    class Meta(ReturnSerializer.Meta):
        fields = ReturnSerializer.Meta.fields + ["events"]


# ---------------------------------------------------------------------------
# Input


class OrderNumberField(serializers.CharField):
    """An order number as people type it (ORD-1042, ord 1042, #1042, 1042) -> ORD-1042. The schema
    gives the pattern of what selectors.public_number reads (ASCII digits), which the API enforces."""

    schema_pattern = rf"^{WS}*#?{WS}*(?:[Oo][Rr][Dd])?[{WS_CHARS}\-_#:]*[0-9]{{1,12}}{WS}*$"
    pattern_message = "Not an order number; send e.g. ORD-1042."

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        public = public_number(value, "ORD")
        if public is None:
            raise serializers.ValidationError(self.pattern_message)
        return public


class OrderListFilterSerializer(serializers.Serializer):
    customer_phone = PhoneField(required=False, help_text="Customer or shipping phone, any format.")
    status = serializers.ChoiceField(choices=Order.Status.choices, required=False)
    customer_id = serializers.CharField(required=False, max_length=40, help_text="The customer's public id, e.g. cust_123.")


class OrderCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class ReturnListFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Return.Status.choices, required=False)
    order = OrderNumberField(required=False, max_length=20, help_text="Order number, e.g. ORD-1001.")


class ReturnLineInputSerializer(serializers.Serializer):
    order_item_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)


class ReturnCreateInputSerializer(serializers.Serializer):
    order = OrderNumberField(max_length=20, help_text="Order number, e.g. ORD-1001.")
    reason = serializers.ChoiceField(choices=Return.Reason.choices)
    reason_detail = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    items = ReturnLineInputSerializer(
        many=True, required=False, allow_empty=False, max_length=100,
        help_text="Which items and how many; leave out to return every unit not already in a return.",
    )


class ReturnNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class ReturnRefundInputSerializer(ReturnNoteInputSerializer):
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False,
        help_text="Rupees; defaults to the value of the returned items. Never more than is still refundable.",
    )
