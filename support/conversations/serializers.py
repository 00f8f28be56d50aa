"""Conversation API shapes: what the text and session endpoints take and answer (the voice endpoints'
own shapes: support/serializers.py)."""

from django.conf import settings
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from crm.models import CRMRecord
from crm.serializers import PhoneField
from voxsite.core.api_input import WS

from ..speech.audio import BASE64
from .models import Conversation, Message, ModelCall, ToolCall

LANGUAGE_CHOICES = ["auto", "en", "hi", "bn", "mr"]


class TurnTextField(serializers.CharField):
    """What the shopper typed: not blank, at most AGENT_MAX_TEXT_LENGTH characters as sent (the
    limit is read whenever a serializer is made, so a changed setting applies at once)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", settings.AGENT_MAX_TEXT_LENGTH)
        kwargs.setdefault("help_text", "Not blank; at most AGENT_MAX_TEXT_LENGTH (1000) characters.")
        super().__init__(**kwargs)


# voice.BASE64 (trimmed by DRF), after an optional data: URL header.
@extend_schema_field({"type": "string", "format": "byte",
                      "pattern": rf"^{WS}*(?:data:[^,]*,)?{BASE64}{WS}*$"})
class AudioBase64Field(serializers.CharField):
    """Audio bytes, base64-encoded with padding (a `data:` URL as browsers make it is read too); other
    text is refused by voice.audio_from_base64 with its own code, audio_base64_invalid."""


def language_field(**kwargs):
    return serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False, **kwargs)


class TextTurnInSerializer(serializers.Serializer):
    text = TurnTextField()
    language = language_field(allow_null=True)
    session_id = serializers.UUIDField(required=False, allow_null=True)
    token = serializers.CharField(required=False, allow_blank=True, help_text="The shopper token returned when the session started.")


class ToolCallSerializer(serializers.ModelSerializer):
    class Meta:
        model = ToolCall
        fields = ["id", "name", "arguments", "result", "ok", "error", "latency_ms", "created_at", "message_id"]


_DATETIME = serializers.DateTimeField()


def tool_call_payloads(tool_calls) -> list[dict]:
    """ToolCallSerializer(tool_calls, many=True).data, without building a ModelSerializer's fields
    on every turn (~0.5 ms of a text turn); a test keeps the two identical."""
    return [
        {"id": t.pk, "name": t.name, "arguments": t.arguments, "result": t.result, "ok": t.ok, "error": t.error,
         "latency_ms": None if t.latency_ms is None else float(t.latency_ms),
         "created_at": None if t.created_at is None else _DATETIME.to_representation(t.created_at),
         "message_id": t.message_id}
        for t in tool_calls
    ]


class ModelCallSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelCall
        fields = ["id", "stage", "provider", "model", "ok", "error", "latency_ms", "first_byte_ms", "input_size",
                  "output_size", "tokens_in", "tokens_out", "created_at", "message_id"]


class MessageSerializer(serializers.ModelSerializer):
    audio_url = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "role", "text", "language", "asr_confidence", "audio_url", "timings", "interrupted", "author", "created_at"]

    def get_audio_url(self, obj) -> str | None:
        if not obj.audio:
            return None
        request = self.context.get("request")
        url = obj.audio.url
        return request.build_absolute_uri(url) if request else url


class CRMRecordBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = CRMRecord
        fields = ["id", "scenario", "intent", "priority", "status", "summary", "payload", "created_at"]


class TurnOutSerializer(serializers.Serializer):
    session_id = serializers.UUIDField()
    token = serializers.CharField(required=False, help_text="Only when this request started the session: keep it to continue.")
    reply = serializers.CharField(help_text="Empty while a staff member has taken the conversation over.")
    language = serializers.CharField()
    intent = serializers.CharField()
    tool_calls = ToolCallSerializer(many=True)
    timings = serializers.DictField(child=serializers.FloatField())
    message_id = serializers.IntegerField(allow_null=True, help_text="null while a staff member has taken over.")
    status = serializers.ChoiceField(choices=Conversation.Status.choices)


class ReplyAudioSerializer(serializers.Serializer):
    mime = serializers.CharField()
    sample_rate = serializers.IntegerField()
    base64 = serializers.CharField(help_text="The whole reply as a WAV file.")
    url = serializers.CharField(allow_null=True, help_text="Where the stored copy is served (null when not stored).")


class VoiceTurnOutSerializer(serializers.Serializer):
    session_id = serializers.UUIDField()
    token = serializers.CharField(required=False, help_text="Only when this request started the session.")
    transcript = serializers.CharField(help_text="Empty when nothing was heard; the reply is then a re-prompt.")
    language = serializers.CharField()
    confidence = serializers.FloatField(allow_null=True)
    reply = serializers.CharField()
    intent = serializers.CharField(required=False)
    reprompt = serializers.BooleanField(required=False, help_text="true: nothing was heard, the reply asks again.")
    speech_unavailable = serializers.BooleanField(
        required=False, help_text="true: speech in this language cannot be recognised here; the reply invites typing "
                                  "(or speaking English). Nothing was acted on.")
    trusted = serializers.BooleanField(required=False, help_text="false when the transcript was not trusted (with `reason`).")
    reason = serializers.CharField(required=False, help_text="Why the transcript was not trusted (empty, wrong script, "
                                                             "repetition, low confidence, ...).")
    taken_over = serializers.BooleanField(required=False, help_text="true: a staff member has the conversation.")
    tool_calls = ToolCallSerializer(many=True)
    timings = serializers.DictField(child=serializers.FloatField(allow_null=True))
    message_id = serializers.IntegerField(allow_null=True, required=False)
    audio = ReplyAudioSerializer(allow_null=True)


class HistoryQuerySerializer(serializers.Serializer):
    token = serializers.CharField(required=False, allow_blank=True, help_text="Shopper token")
    export = serializers.ChoiceField(choices=["markdown"], required=False,
                                     help_text="markdown: the transcript as Markdown")


class SessionCreateSerializer(serializers.Serializer):
    customer_id = serializers.CharField(required=False, allow_blank=True, max_length=40)
    language = serializers.ChoiceField(choices=["en", "hi", "bn", "mr"], default="en")
    channel = serializers.ChoiceField(choices=Conversation.Channel.choices, default=Conversation.Channel.API)
    persona = serializers.CharField(required=False, allow_blank=True, max_length=50, default="support_agent")


class SessionSerializer(serializers.ModelSerializer):
    session_id = serializers.UUIDField(source="id")
    customer_id = serializers.CharField(source="customer.customer_id", default=None, allow_null=True)
    created_at = serializers.DateTimeField(source="started_at")

    class Meta:
        model = Conversation
        fields = ["session_id", "created_at", "channel", "language", "persona", "status", "customer_id", "summary",
                  "tags", "ended_at"]


class CodedMessageSerializer(serializers.Serializer):
    """A machine-readable code and a message for people."""

    code = serializers.CharField()
    detail = serializers.CharField()


class SessionCreatedSerializer(SessionSerializer):
    token = serializers.CharField(help_text="The shopper token: lets a browser or phone client continue this session.")
    warnings = CodedMessageSerializer(many=True, required=False,
                                 help_text="e.g. customer_not_found: the session is not bound to a customer.")

    class Meta(SessionSerializer.Meta):
        fields = SessionSerializer.Meta.fields + ["token", "warnings"]


class SessionFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Conversation.Status.choices, required=False)


# Output shapes of the conversation endpoints (their views build the bodies; these describe them).


class HistorySerializer(serializers.Serializer):
    session_id = serializers.UUIDField()
    language = serializers.CharField()
    status = serializers.ChoiceField(choices=Conversation.Status.choices)
    messages = MessageSerializer(many=True)


class VerifiedCustomerSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    name = serializers.CharField()


class ConversationContextSerializer(serializers.Serializer):
    session_id = serializers.UUIDField()
    language = serializers.CharField()
    channel = serializers.CharField()
    status = serializers.ChoiceField(choices=Conversation.Status.choices)
    verified_customer = VerifiedCustomerSerializer(allow_null=True)
    verified_orders = serializers.ListField(child=serializers.CharField())
    order_in_focus = serializers.CharField(allow_null=True)
    pending_confirmation = serializers.DictField(allow_null=True, help_text="The action put to the shopper, awaiting a yes.")
    turns = serializers.IntegerField()


class SessionConversationSerializer(serializers.Serializer):
    session = SessionSerializer()
    messages = MessageSerializer(many=True)
    model_calls = ModelCallSerializer(many=True)
    tool_calls = ToolCallSerializer(many=True)
    crm_records = CRMRecordBriefSerializer(many=True)


class MCPResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    crm_record_id = serializers.IntegerField()
    tool_call_id = serializers.IntegerField()


class SessionTextMessageSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["text"], default="text")
    text = TurnTextField()
    language = language_field(allow_null=True)


class SessionAudioMessageSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["audio"])
    audio_base64 = AudioBase64Field()
    mime = serializers.CharField(required=False, allow_blank=True, max_length=80)
    language = language_field(allow_null=True)


SessionMessageInSerializer = PolymorphicProxySerializer(
    component_name="SessionMessageIn", serializers=[SessionTextMessageSerializer, SessionAudioMessageSerializer],
    resource_type_field_name=None,
)


def session_message_serializer(data) -> type[serializers.Serializer]:
    """The shape `type` names: audio, or text (the default)."""
    audio = isinstance(data, dict) and data.get("type") == "audio"
    return SessionAudioMessageSerializer if audio else SessionTextMessageSerializer


class MCPCRMRecordSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    phone = PhoneField(required=False, allow_blank=True, max_length=30)
    account_id = serializers.CharField(required=False, allow_blank=True, max_length=60)
    query = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    intent = serializers.CharField(required=False, allow_blank=True, max_length=80)
    priority = serializers.ChoiceField(choices=CRMRecord.Priority.choices, default="medium")


# Which fields each scenario must carry (the prototype's MCP contract, made explicit).
MCP_SCENARIO_REQUIRED: dict[str, tuple[str, ...]] = {
    "billing": ("account_id", "query"),
    "refund": ("account_id", "query"),
    "order_issue": ("query",),
    "delivery": ("query",),
    "technical_support": ("query",),
    "complaint": ("query",),
    "sales": ("name", "phone"),
    "callback": ("name", "phone"),
    "general": ("query",),
}


class MCPPayloadSerializer(serializers.Serializer):
    session_id = serializers.UUIDField(required=False, allow_null=True)
    customer_id = serializers.CharField(required=False, allow_blank=True, max_length=40)
    llm_response = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    scenario = serializers.ChoiceField(choices=sorted(MCP_SCENARIO_REQUIRED))
    crm_record = MCPCRMRecordSerializer()

    def validate(self, attrs):
        record = attrs["crm_record"]
        missing = [f for f in MCP_SCENARIO_REQUIRED[attrs["scenario"]] if not record.get(f)]
        if missing:
            raise serializers.ValidationError(
                {"crm_record": {f: [f"Required for scenario {attrs['scenario']!r}."] for f in missing}}
            )
        return attrs


def _mcp_payload_shapes() -> list[type[serializers.Serializer]]:
    """For the schema: one payload shape per set of required fields, with the scenarios that need it
    (the rule `MCPPayloadSerializer.validate` enforces, published as a oneOf)."""
    scenarios_by_fields: dict[tuple[str, ...], list[str]] = {}
    for scenario, fields in sorted(MCP_SCENARIO_REQUIRED.items()):
        scenarios_by_fields.setdefault(fields, []).append(scenario)
    shapes = []
    for fields, scenarios in scenarios_by_fields.items():
        suffix = "".join(f.title().replace("_", "") for f in fields)
        declared = MCPCRMRecordSerializer._declared_fields
        record = type(f"MCPCRMRecord{suffix}Serializer", (MCPCRMRecordSerializer,), {
            name: type(declared[name])(**{**declared[name]._kwargs, "required": True, "allow_blank": False})
            for name in fields})
        shapes.append(type(f"MCPPayload{suffix}Serializer", (MCPPayloadSerializer,), {
            "__doc__": f"Scenarios {', '.join(scenarios)}: `crm_record` needs {' and '.join(fields)}.",
            "scenario": serializers.ChoiceField(choices=scenarios), "crm_record": record()}))
    return shapes


MCPPayloadSchema = PolymorphicProxySerializer(component_name="MCPPayload", serializers=_mcp_payload_shapes(),
                                              resource_type_field_name=None)
