"""Conversation records for support staff. The conversation page reads as a chat transcript (audio,
tool and model calls, per-turn timings, CRM records, audit rows); messages, model calls, tool calls
and audit rows are the record of what happened: read-only here."""

import json
import re

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count, DurationField, ExpressionWrapper, F, FloatField, IntegerField, Max, OuterRef, Q, Subquery, TextField,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.text import Truncator

from crm.phones import phone_normalize
from voxsite.core.admin import (
    DeferInListMixin, ReadOnlyAdminMixin, audit_link_register, is_changelist, json_text, pretty_json,
)
from voxsite.core.models import AuditLog

from .desk import admin as desk_admin  # noqa: F401 - registers DailyMetric and the dashboard page
from .desk.views import admin_urls as live_admin_urls
from .models import BatchJob, Conversation, Message, ModelCall, ToolCall
from .speech.audio import wav_seconds

EXPORT_PERMISSION = "support.export_conversation"
ORDER_NUMBER = re.compile(r"^ord[-\s]?(\d+)$", re.IGNORECASE)

# Per-turn timings as the pipeline stores them (Message.timings), in reading order.
TIMING_LABELS = {
    "eos_to_transcript_ms": "end of speech → transcript",
    "eos_to_first_token_ms": "end of speech → first token",
    "eos_to_first_audio_ms": "end of speech → first audio",
    "asr_ms": "ASR",
    "brain_ms": "brain",
    "first_token_ms": "first token",
    "tts_ms": "TTS",
    "tts_first_byte_ms": "TTS first byte",
}


def conversation_link(conversation_id):
    """Link by id alone, so list pages need no join to show it."""
    if conversation_id is None:
        return "—"
    url = reverse("admin:support_conversation_change", args=[conversation_id])
    return format_html('<a href="{}">{}</a>', url, str(conversation_id)[:8])


audit_link_register("conversation", conversation_link)


def ms(value) -> str:
    return "—" if value is None else f"{value:.0f} ms"


# ---------------------------------------------------------------------------
# The transcript: every row of a conversation in a fixed number of queries


def _timing_rows(timings: dict) -> list[tuple[str, str]]:
    if not isinstance(timings, dict):
        return []
    keys = [k for k in TIMING_LABELS if k in timings] + sorted(k for k in timings if k not in TIMING_LABELS)
    rows = []
    for key in keys:
        value = timings[key]
        label = TIMING_LABELS.get(key, key.removesuffix("_ms").replace("_", " "))
        rows.append((label, ms(value) if isinstance(value, int | float) else str(value)))
    return rows


def _audio_seconds(msg: Message) -> float | None:
    """How long a message's recording is, for the player's label (a browser shows nothing until
    the file is fetched). Only the WAV header is read."""
    if not msg.audio:
        return None
    try:
        with msg.audio.open("rb") as fh:
            return wav_seconds(fh)
    except OSError:  # purged or missing file
        return None


def _tool_row(call: ToolCall) -> dict:
    return {"call": call, "arguments": json_text(call.arguments), "result": json_text(call.result)}


def conversation_transcript(*, conversation: Conversation) -> dict:
    """What the transcript template shows, read with one query per kind of row (messages, tool
    calls, model calls, CRM records, audit rows) whatever the length of the conversation.
    Tool and model calls sit under the message that triggered them; calls tied to no message
    (an MCP payload, the speech calls of a turn that never reached the brain) are listed apart."""
    messages = list(conversation.messages.all())
    tools_by_message: dict[int | None, list] = {}
    for call in ToolCall.objects.filter(conversation=conversation).order_by("created_at", "id"):
        tools_by_message.setdefault(call.message_id, []).append(_tool_row(call))
    models_by_message: dict[int | None, list] = {}
    for call in ModelCall.objects.filter(conversation=conversation).order_by("created_at", "id"):
        models_by_message.setdefault(call.message_id, []).append(call)
    known = {m.pk for m in messages}
    turns = []
    for msg in messages:
        turns.append({
            "message": msg,
            "who": {"user": "Shopper", "assistant": "Assistant", "tool": "Tool"}.get(
                msg.role, f"Staff · {msg.author}" if msg.author else "Staff"),
            "timings": _timing_rows(msg.timings),
            "audio_seconds": _audio_seconds(msg),
            "tool_calls": tools_by_message.get(msg.pk, []),
            "model_calls": models_by_message.get(msg.pk, []),
        })
    loose_tools = [row for key, rows in tools_by_message.items() if key not in known for row in rows]
    loose_models = [call for key, calls in models_by_message.items() if key not in known for call in calls]
    return {
        "turns": turns,
        "loose_tool_calls": loose_tools,
        "loose_model_calls": loose_models,
        "crm_records": list(conversation.crm_records.select_related("assigned_to").order_by("created_at", "id")),
        "audit_rows": [
            {"row": a, "details": json.dumps(a.details, ensure_ascii=False, sort_keys=True)}
            for a in AuditLog.objects.filter(object_type="conversation", object_id=str(conversation.pk))
            .order_by("created_at", "id")
        ],
        "user_turns": sum(1 for m in messages if m.role == Message.Role.USER),
    }


# ---------------------------------------------------------------------------
# Conversations: list columns and filters


def _slowest_turn_ms():
    """Per conversation, the slowest assistant turn: end of speech to first audio for voice
    turns, the brain's time for typed ones (they have no audio clock)."""
    per_message = Coalesce(
        Cast(KT("timings__eos_to_first_audio_ms"), FloatField()), Cast(KT("timings__brain_ms"), FloatField()),
    )
    rows = (
        Message.objects.filter(conversation=OuterRef("pk"), role=Message.Role.ASSISTANT)
        .order_by().values("conversation").annotate(slowest=Max(per_message)).values("slowest")
    )
    return Subquery(rows, output_field=FloatField())


def _user_turns():
    rows = (
        Message.objects.filter(conversation=OuterRef("pk"), role=Message.Role.USER)
        .order_by().values("conversation").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


class HandoffFilter(admin.SimpleListFilter):
    title = "handoff requested"
    parameter_name = "handoff"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(handoff_requested_at__isnull=self.value() == "no")
        return queryset


class TakenOverFilter(admin.SimpleListFilter):
    title = "taken over"
    parameter_name = "taken_over"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(taken_over_by__isnull=self.value() == "no")
        return queryset


@admin.register(Conversation)
class ConversationAdmin(DeferInListMixin, admin.ModelAdmin):
    change_form_template = "admin/support/conversation/change_form.html"
    list_display = [
        "short_id", "channel", "language", "customer", "status", "turns", "duration", "handoff", "slowest_turn",
        "taken_over_by", "started_at",
    ]
    list_filter = [
        "channel", "language", "status", HandoffFilter, TakenOverFilter, ("started_at", admin.DateFieldListFilter),
    ]
    search_fields = ["id", "customer__phone", "customer__name", "customer__customer_id"]
    search_help_text = "Conversation id, customer phone or name, order number (ORD-1042), or words said."
    ordering = ["-started_at"]
    date_hierarchy = "started_at"
    list_select_related = ["customer", "taken_over_by"]
    raw_id_fields = ["customer"]
    list_defer = ("state", "summary", "tags")
    readonly_fields = [
        "id", "api_key", "started_at", "updated_at", "ended_at", "last_activity_at", "taken_over_by", "taken_over_at",
        "handoff_requested_at", "state_display", "markdown_link", "live_link",
    ]
    fieldsets = [
        (None, {"fields": ["id", "channel", "language", "status", "resolution", "persona", "customer", "api_key",
                           "markdown_link"]}),
        ("Handoff and takeover", {"fields": ["handoff_requested_at", "taken_over_by", "taken_over_at", "live_link"]}),
        ("Times", {"fields": ["started_at", "last_activity_at", "updated_at", "ended_at"]}),
        ("Notes", {"fields": ["summary", "tags"]}),
        ("Assistant state", {"fields": ["state_display"], "classes": ["collapse"]}),
    ]
    actions = ["export_markdown"]

    class Media:
        css = {"all": ["support/admin/transcript.css"]}

    def get_urls(self):
        urls = super().get_urls()
        return [
            path("<uuid:pk>/markdown/", self.admin_site.admin_view(self.markdown_view), name="support_conversation_markdown"),
            *live_admin_urls(self),  # the live view, takeover and handoff queue
        ] + urls

    # -- permissions ------------------------------------------------------------
    def has_add_permission(self, request):
        # Conversations start from the widget, the text endpoints or an integrator session.
        return False

    def has_export_permission(self, request):
        """Exports leave the admin with every word a shopper said: supervisors only."""
        return request.user.has_perm(EXPORT_PERMISSION)

    # -- queries ----------------------------------------------------------------
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_changelist(request):
            qs = qs.annotate(
                turn_count=_user_turns(),
                slowest_ms=_slowest_turn_ms(),
                duration_value=ExpressionWrapper(
                    Coalesce("ended_at", "last_activity_at", "updated_at") - F("started_at"),
                    output_field=DurationField(),
                ),
            )
        else:
            qs = qs.select_related("customer", "taken_over_by", "api_key")
        return qs

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        order = ORDER_NUMBER.match(term)
        if order:
            # A conversation mentions an order when a message says its number or a tool was
            # called with it. Subqueries rather than joins: no duplicate rows, no DISTINCT.
            # The number must not run on into more digits: ORD-1042 is not ORD-10421. This
            # pattern means the same to SQLite's (Python's) and PostgreSQL's regex engines.
            pattern = f"ORD-{order[1]}([^0-9]|$)"
            said = Message.objects.filter(text__iregex=pattern).values("conversation_id")
            called = (ToolCall.objects.annotate(args_text=Cast("arguments", TextField()))
                      .filter(args_text__iregex=pattern).values("conversation_id"))
            return queryset.filter(Q(pk__in=said) | Q(pk__in=called)), False
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        extra = Q(pk__in=Message.objects.filter(text__icontains=term).values("conversation_id"))
        try:
            extra |= Q(customer__phone=phone_normalize(term))
        except ValueError:
            pass
        return found | queryset.filter(extra), may_have_duplicates

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_export_permission(request):
            return fieldsets
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f != "markdown_link"]}) for name, opts in fieldsets
        ]

    # -- views ------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        conversation = self.get_object(request, object_id)
        if conversation is not None and self.has_view_or_change_permission(request, conversation):
            # Lazy: a successful POST redirects without rendering it.
            extra_context["transcript"] = SimpleLazyObject(lambda: conversation_transcript(conversation=conversation))
            extra_context["can_export"] = self.has_export_permission(request)
            # The form below reuses this instance instead of loading it a second time.
            request._support_conversation = conversation
        return super().change_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        cached = getattr(request, "_support_conversation", None)
        if cached is not None and str(cached.pk) == str(object_id):
            return cached
        return super().get_object(request, object_id, from_field)

    def markdown_view(self, request, pk):
        if not (self.has_view_permission(request) and self.has_export_permission(request)):
            raise PermissionDenied
        conv = get_object_or_404(self._export_queryset(), pk=pk)
        return self._markdown_response([conv], f"conversation-{conv.pk}.md")

    @admin.action(permissions=["export"], description="Export selected conversations as Markdown")
    def export_markdown(self, request, queryset):
        convs = list(self._export_queryset().filter(pk__in=queryset.values("pk")))
        return self._markdown_response(convs, "conversations.md")

    def _export_queryset(self):
        return Conversation.objects.select_related("customer").prefetch_related(
            "messages", "tool_calls", "model_calls", "crm_records")

    @staticmethod
    def _markdown_response(convs, filename):
        from .markdown import conversation_markdown

        body = "\n\n---\n\n".join(conversation_markdown(conversation=c) for c in convs)
        resp = HttpResponse(body, content_type="text/markdown; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="{filename}"'
        return resp

    # -- columns and fields -----------------------------------------------------
    @admin.display(description="transcript")
    def markdown_link(self, obj):
        if obj.pk is None:
            return "-"
        return format_html('<a href="{}">Download as Markdown</a>', reverse("admin:support_conversation_markdown", args=[obj.pk]))

    @admin.display(description="live view")
    def live_link(self, obj):
        if obj.pk is None:
            return "-"
        return format_html('<a class="button" href="{}">Watch live / take over</a>',
                           reverse("admin:support_conversation_live_detail", args=[obj.pk]))

    @admin.display(description="conversation", ordering="started_at")
    def short_id(self, obj):
        return str(obj.id)[:8]

    @admin.display(description="turns", ordering="turn_count")
    def turns(self, obj):
        return getattr(obj, "turn_count", None)

    @admin.display(description="duration", ordering="duration_value")
    def duration(self, obj):
        value = getattr(obj, "duration_value", None)
        if value is None:
            return "—"
        seconds = max(int(value.total_seconds()), 0)
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"

    @admin.display(description="handoff", boolean=True, ordering="handoff_requested_at")
    def handoff(self, obj):
        return obj.handoff_requested_at is not None

    @admin.display(description="slowest turn", ordering="slowest_ms")
    def slowest_turn(self, obj):
        return ms(getattr(obj, "slowest_ms", None))

    @admin.display(description="state")
    def state_display(self, obj):
        return pretty_json(obj.state)


# ---------------------------------------------------------------------------
# Log rows


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, DeferInListMixin, admin.ModelAdmin):
    show_full_result_count = False  # grows with every turn: skip the second COUNT(*)
    list_display = [
        "created_at", "conversation_link", "role", "language", "text_excerpt", "asr_confidence", "interrupted",
    ]
    list_filter = ["role", "language", "interrupted"]
    search_fields = ["text", "conversation__id"]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
    list_defer = ("timings",)

    @admin.display(description="conversation")
    def conversation_link(self, obj):
        return conversation_link(obj.conversation_id)

    @admin.display(description="text")
    def text_excerpt(self, obj):
        return Truncator(obj.text).chars(100)


@admin.register(ModelCall)
class ModelCallAdmin(ReadOnlyAdminMixin, DeferInListMixin, admin.ModelAdmin):
    show_full_result_count = False  # grows with every turn: skip the second COUNT(*)
    list_display = [
        "created_at", "stage", "provider", "model", "ok", "latency_ms", "first_byte_ms", "conversation_link",
    ]
    list_filter = ["stage", "provider", "ok"]
    search_fields = ["provider", "model", "error", "conversation__id"]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
    list_defer = ("error",)

    @admin.display(description="conversation")
    def conversation_link(self, obj):
        return conversation_link(obj.conversation_id)


@admin.register(ToolCall)
class ToolCallAdmin(ReadOnlyAdminMixin, DeferInListMixin, admin.ModelAdmin):
    show_full_result_count = False  # grows with every turn: skip the second COUNT(*)
    list_display = ["created_at", "name", "ok", "latency_ms", "conversation_link"]
    list_filter = ["name", "ok"]
    search_fields = ["name", "conversation__id"]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
    list_defer = ("arguments", "result", "error")
    fields = [
        "conversation", "message", "name", "ok", "error", "latency_ms", "created_at",
        "arguments_display", "result_display",
    ]
    readonly_fields = ["created_at", "arguments_display", "result_display"]

    @admin.display(description="conversation")
    def conversation_link(self, obj):
        return conversation_link(obj.conversation_id)

    @admin.display(description="arguments")
    def arguments_display(self, obj):
        return pretty_json(obj.arguments)

    @admin.display(description="result")
    def result_display(self, obj):
        return pretty_json(obj.result)


@admin.register(BatchJob)
class BatchJobAdmin(ReadOnlyAdminMixin, DeferInListMixin, admin.ModelAdmin):
    list_display = ["id", "status", "language", "mime", "attempts", "created_at", "finished_at", "conversation_link"]
    list_filter = ["status", "language"]
    search_fields = ["id"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    list_defer = ("result", "error")
    exclude = ["token_hash"]
    readonly_fields = ["result_display"]

    @admin.display(description="conversation")
    def conversation_link(self, obj):
        return conversation_link(obj.conversation_id)

    @admin.display(description="result")
    def result_display(self, obj):
        return pretty_json(obj.result)

