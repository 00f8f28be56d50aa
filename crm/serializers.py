"""CRM API shapes."""

import json

from rest_framework import serializers

from voxsite.errors import NotFound

from .models import CRMRecord, Customer
from .phones import phone_normalize

PAYLOAD_MAX_BYTES = 16_000


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["customer_id", "name", "phone", "email", "preferred_language", "created_at"]


class CustomerFilterSerializer(serializers.Serializer):
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32,
                                  help_text="Any common format: 98765 43210, +91-98765-43210, 09876543210.")
    q = serializers.CharField(required=False, allow_blank=True, max_length=150,
                              help_text="Words in the name, email or customer id.")

    def validate_phone(self, value: str) -> str:
        if not value:
            return value
        try:
            return phone_normalize(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


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


def _check_json(value, path="payload"):
    """Strings PostgreSQL's jsonb cannot store (NUL, lone surrogates) are refused here, as input errors."""
    if isinstance(value, str):
        if "\x00" in value:
            raise serializers.ValidationError(f"{path}: text may not contain NUL characters.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise serializers.ValidationError(f"{path}: text is not valid Unicode.") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(key, path)
            _check_json(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_json(item, f"{path}[{i}]")


class CRMRecordCreateSerializer(serializers.Serializer):
    scenario = serializers.CharField(max_length=50, help_text="e.g. billing, order_issue, return, handoff, general.")
    intent = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(choices=CRMRecord.Priority.choices, default=CRMRecord.Priority.MEDIUM)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    payload = serializers.DictField(required=False, default=dict, help_text="Structured details, stored as given.")
    customer_id = serializers.CharField(max_length=40, required=False, allow_null=True, default=None)
    conversation_id = serializers.UUIDField(required=False, allow_null=True, default=None)

    def validate_payload(self, value: dict) -> dict:
        _check_json(value)
        if len(json.dumps(value, ensure_ascii=False).encode()) > PAYLOAD_MAX_BYTES:
            raise serializers.ValidationError(f"At most {PAYLOAD_MAX_BYTES} bytes of JSON.")
        return value

    def validate_customer_id(self, value):
        from .selectors import customer_get

        if value is None:
            return None
        try:
            return customer_get(customer_id=value)
        except NotFound:
            raise serializers.ValidationError("No customer with this id.") from None

    def validate_conversation_id(self, value):
        from support.models import Conversation

        if value is None:
            return None
        conversation = Conversation.objects.filter(pk=value).first()
        if conversation is None:
            raise serializers.ValidationError("No conversation with this id.")
        return conversation
