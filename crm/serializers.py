"""CRM API shapes."""

from rest_framework import serializers

from voxsite.core.api_input import WS, StorableJSONField

from .models import CRMRecord, Customer
from .phones import PHONE_PATTERN, phone_normalize
from .selectors import crm_conversation_get, customer_get

PAYLOAD_MAX_BYTES = 16_000


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["customer_id", "name", "phone", "email", "preferred_language", "created_at"]


class PhoneField(serializers.CharField):
    """A phone number in any format crm.phones understands, validated to E.164. The schema gives
    its pattern (PHONE_PATTERN), which the API enforces on what was sent (voxsite.core.api_input)."""

    pattern_message = "Not a phone number; send e.g. +919876543210 or 98765 43210."

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    @property
    def schema_pattern(self) -> str:
        # Blank (only whitespace) is "no filter" where it is allowed.
        return rf"^{WS}*$|{PHONE_PATTERN}" if self.allow_blank else PHONE_PATTERN

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return phone_normalize(value)
        except ValueError:
            raise serializers.ValidationError(self.pattern_message) from None


class CustomerFilterSerializer(serializers.Serializer):
    phone = PhoneField(required=False, allow_blank=True,
                       help_text="Any common format: 98765 43210, +91-98765-43210, 09876543210.")
    q = serializers.CharField(required=False, allow_blank=True, max_length=150,
                              help_text="Words in the name, email or customer id.")


class CRMRecordSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.customer_id", read_only=True, allow_null=True, default=None)
    conversation_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = CRMRecord
        fields = ["id", "customer_id", "conversation_id", "scenario", "intent", "priority", "status", "summary",
                  "payload", "created_at", "updated_at"]


class CRMRecordFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CRMRecord.Status.choices, required=False)
    scenario = serializers.CharField(required=False, allow_blank=True, max_length=50)
    customer_id = serializers.CharField(required=False, allow_blank=True, max_length=40)


class CRMRecordCreateSerializer(serializers.Serializer):
    scenario = serializers.CharField(max_length=50, help_text="e.g. billing, order_issue, return, handoff, general.")
    intent = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(choices=CRMRecord.Priority.choices, default=CRMRecord.Priority.MEDIUM)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    payload = StorableJSONField(required=False, default=dict, max_bytes=PAYLOAD_MAX_BYTES,
                                help_text=f"Structured details, stored as given (at most {PAYLOAD_MAX_BYTES} bytes of JSON).")
    customer_id = serializers.CharField(max_length=40, required=False, allow_null=True, default=None)
    conversation_id = serializers.UUIDField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        # After every field is valid: a well-formed id of something that does not exist is a 404,
        # as for an order number that does not exist.
        if attrs["customer_id"] is not None:
            attrs["customer_id"] = customer_get(customer_id=attrs["customer_id"])
        if attrs["conversation_id"] is not None:
            attrs["conversation_id"] = crm_conversation_get(conversation_id=attrs["conversation_id"])
        return attrs
