from django.conf import settings
from rest_framework import serializers

from crm.models import CRMRecord

from .models import Conversation, Message, ModelCall, ToolCall

LANGUAGE_CHOICES = ["auto", "en", "hi", "bn", "mr"]


class TextTurnInSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=True)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False, allow_null=True)
    session_id = serializers.UUIDField(required=False, allow_null=True)
    token = serializers.CharField(required=False, allow_blank=True, help_text="The shopper token returned when the session started.")

    def validate_text(self, value):
        # Length is a domain rule with its own error code; emptiness too (see support.services.turns).
        return value


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
    reply = serializers.CharField()
    language = serializers.CharField()
    intent = serializers.CharField()
    tool_calls = ToolCallSerializer(many=True)
    timings = serializers.DictField(child=serializers.FloatField())
    message_id = serializers.IntegerField()


class SessionCreateSerializer(serializers.Serializer):
    customer_id = serializers.CharField(required=False, allow_blank=True, max_length=40)
    language = serializers.ChoiceField(choices=["en", "hi", "bn", "mr"], default="en")
    channel = serializers.ChoiceField(choices=[c.value for c in Conversation.Channel], default=Conversation.Channel.API)
    persona = serializers.CharField(required=False, allow_blank=True, max_length=50, default="support_agent")


class SessionSerializer(serializers.ModelSerializer):
    session_id = serializers.UUIDField(source="id")
    customer_id = serializers.CharField(source="customer.customer_id", default=None)
    created_at = serializers.DateTimeField(source="started_at")

    class Meta:
        model = Conversation
        fields = ["session_id", "created_at", "channel", "language", "persona", "status", "customer_id", "summary",
                  "tags", "ended_at"]


class SessionMessageInSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["text", "audio"], default="text")
    text = serializers.CharField(required=False, allow_blank=True)
    audio_base64 = serializers.CharField(required=False, allow_blank=True)
    mime = serializers.CharField(required=False, allow_blank=True, max_length=80)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False, allow_null=True)

    def validate(self, attrs):
        if attrs.get("type", "text") == "text" and "text" not in attrs:
            raise serializers.ValidationError({"text": ["This field is required for type=text."]})
        if attrs.get("type") == "audio" and not attrs.get("audio_base64"):
            raise serializers.ValidationError({"audio_base64": ["This field is required for type=audio."]})
        return attrs


class MCPCRMRecordSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    account_id = serializers.CharField(required=False, allow_blank=True, max_length=60)
    query = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    intent = serializers.CharField(required=False, allow_blank=True, max_length=80)
    priority = serializers.ChoiceField(choices=[p.value for p in CRMRecord.Priority], default="medium")


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
        if record.get("phone"):
            from crm.phones import phone_normalize

            try:
                record["phone"] = phone_normalize(record["phone"])
            except ValueError:
                raise serializers.ValidationError({"crm_record": {"phone": ["Not a valid phone number."]}})
        return attrs


def max_text_length() -> int:
    return settings.AGENT_MAX_TEXT_LENGTH


class VoiceProcessInSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="Audio file: WAV, MP3, OGG/Opus, WebM, FLAC, or raw PCM16.")
    audio_base64 = serializers.CharField(required=False, allow_blank=False)
    mime = serializers.CharField(required=False, allow_blank=True, max_length=80,
                                 help_text="audio/wav, audio/mpeg, audio/ogg, audio/webm, audio/flac, audio/pcm (raw 16-bit LE mono)")
    sample_rate = serializers.IntegerField(required=False, min_value=8000, max_value=48000, help_text="Raw PCM only.")
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False, allow_null=True)
    session_id = serializers.UUIDField(required=False, allow_null=True)
    token = serializers.CharField(required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # `async` is a keyword, so it cannot be a class attribute.
        self.fields["async"] = serializers.BooleanField(
            required=False, default=False,
            help_text="true: batch transcription of a long recording; answers 202 with a job id to poll.")

    def validate(self, attrs):
        if not attrs.get("file") and not attrs.get("audio_base64"):
            raise serializers.ValidationError({"file": ["Send a multipart `file` or JSON `audio_base64`."]})
        return attrs
