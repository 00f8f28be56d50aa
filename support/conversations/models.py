"""Conversations and their record: messages, model calls, tool calls. The app is still `support`
(support/models.py imports these), so their tables and migrations stay where they were."""

import hashlib
import uuid

from django.conf import settings
from django.db import models

from crm.models import Customer
from voxsite.core.languages import Language


class Conversation(models.Model):
    """A support session: one shopper talking to the assistant on one channel."""

    class Channel(models.TextChoices):
        WEB_VOICE = "web-voice", "Web voice"
        WEB_TEXT = "web-text", "Web text"
        API = "api", "API"
        PHONE = "phone", "Phone"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"
        HANDED_OFF = "handed_off", "Handed off"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB_TEXT)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    # `language` is what the assistant answers in and follows the shopper; this is what their speech
    # is recognised as when a message does not say: the language the session was opened with, or
    # auto (identified per utterance) when it was opened without one.
    speech_language = models.CharField(max_length=4, default="auto",
                                       choices=[("auto", "Identify per utterance"), *Language.choices])
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations",
        help_text="Empty until the shopper is identified.",
    )
    persona = models.CharField(max_length=50, blank=True, default="support_agent")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    # The brain's working memory: verified orders, order in focus, pending confirmation, open slots.
    state = models.JSONField(default=dict, blank=True)
    # A shopper's bearer token for this conversation; only its hash is kept.
    token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    api_key = models.ForeignKey(
        "voxsite.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations",
        help_text="The integrator key that created it, if any.",
    )
    # Staff takeover: while set, the assistant is paused and this staff member answers.
    taken_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="taken_over_conversations",
    )
    taken_over_at = models.DateTimeField(null=True, blank=True)
    handoff_requested_at = models.DateTimeField(null=True, blank=True, db_index=True,
                                                help_text="When the shopper asked for a human (handoff queue).")
    resolution = models.CharField(max_length=20, blank=True, db_index=True,
                                  help_text="resolved / unresolved / handed_off, set after the conversation ends.")
    last_activity_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.channel} {self.id}"

    @staticmethod
    def hash_token(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user", "User"
        ASSISTANT = "assistant", "Assistant"
        TOOL = "tool", "Tool"
        STAFF = "staff", "Staff"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=10, choices=Role.choices)
    text = models.TextField(blank=True)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    asr_confidence = models.FloatField(null=True, blank=True)
    audio = models.FileField(upload_to="audio/%Y/%m/%d/", null=True, blank=True)
    audio_mime = models.CharField(max_length=50, blank=True)
    # Per-stage timings in ms, e.g. {"asr_ms": 180, "llm_first_token_ms": 12, "tts_first_byte_ms": 90}.
    timings = models.JSONField(default=dict, blank=True)
    interrupted = models.BooleanField(default=False, help_text="The shopper barged in while this was spoken.")
    author = models.CharField(max_length=150, blank=True, help_text="Staff username for staff messages.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.role}: {self.text[:60]}"


class ModelCall(models.Model):
    """One call to a speech or language model provider, successful or not."""

    class Stage(models.TextChoices):
        ASR = "asr", "ASR"
        LLM = "llm", "LLM"
        TTS = "tts", "TTS"

    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="model_calls"
    )
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="model_calls")
    stage = models.CharField(max_length=3, choices=Stage.choices, db_index=True)
    provider = models.CharField(max_length=40)
    model = models.CharField(max_length=120, blank=True)
    ok = models.BooleanField(default=True)
    error = models.TextField(blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    first_byte_ms = models.FloatField(null=True, blank=True, help_text="Time to first token (LLM) or first byte (TTS).")
    input_size = models.IntegerField(null=True, blank=True, help_text="Bytes of audio, characters of text.")
    output_size = models.IntegerField(null=True, blank=True)
    tokens_in = models.IntegerField(null=True, blank=True)
    tokens_out = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.stage}:{self.provider} {'ok' if self.ok else 'error'}"


class ToolCall(models.Model):
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="tool_calls"
    )
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="tool_calls")
    name = models.CharField(max_length=60, db_index=True)
    arguments = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    ok = models.BooleanField(default=True)
    error = models.TextField(blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.name} ({'ok' if self.ok else 'error'})"
