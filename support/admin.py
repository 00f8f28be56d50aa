"""Conversation records for support staff. Messages, model calls and tool calls are the record of
what happened: read-only here. A richer transcript view (audio, per-stage latency) comes later."""

import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from voxsite.admin import DeferInListMixin, ReadOnlyAdminMixin, ReadOnlyInline, is_changelist, related_count

from .models import Conversation, Message, ModelCall, ToolCall


def conversation_link(conversation_id):
    """Link by id alone, so list pages need no join to show it."""
    if conversation_id is None:
        return "—"
    url = reverse("admin:support_conversation_change", args=[conversation_id])
    return format_html('<a href="{}">{}</a>', url, str(conversation_id)[:8])


def pretty_json(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))


# ---------------------------------------------------------------------------
# Inlines on the conversation page


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["created_at", "role", "language", "text", "asr_confidence", "audio", "timings", "interrupted", "author"]
    readonly_fields = fields
    ordering = ["created_at", "id"]


class ToolCallInline(ReadOnlyInline):
    model = ToolCall
    fields = ["created_at", "name", "ok", "latency_ms", "arguments", "result", "error"]
    readonly_fields = fields
    ordering = ["created_at", "id"]


class ModelCallInline(ReadOnlyInline):
    model = ModelCall
    fields = ["created_at", "stage", "provider", "model", "ok", "latency_ms", "first_byte_ms", "error"]
    readonly_fields = fields
    ordering = ["created_at", "id"]


# ---------------------------------------------------------------------------
# Conversations


@admin.register(Conversation)
class ConversationAdmin(DeferInListMixin, admin.ModelAdmin):
    list_display = ["short_id", "channel", "language", "customer", "status", "message_count", "started_at"]
    list_filter = ["channel", "language", "status"]
    search_fields = ["id", "customer__phone", "customer__name", "customer__customer_id"]
    ordering = ["-started_at"]
    date_hierarchy = "started_at"
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "api_key"]
    list_defer = ("state", "summary", "tags")
    readonly_fields = ["id", "started_at", "updated_at", "ended_at", "state_display", "markdown_link"]
    fieldsets = [
        (None, {"fields": ["id", "channel", "language", "status", "persona", "customer", "api_key", "markdown_link"]}),
        ("Times", {"fields": ["started_at", "updated_at", "ended_at"]}),
        ("Notes", {"fields": ["summary", "tags"]}),
        ("Assistant state", {"fields": ["state_display"], "classes": ["collapse"]}),
    ]
    inlines = [MessageInline, ToolCallInline, ModelCallInline]
    actions = ["export_markdown"]

    def get_urls(self):
        from django.urls import path

        urls = super().get_urls()
        return [
            path("<uuid:pk>/markdown/", self.admin_site.admin_view(self.markdown_view), name="support_conversation_markdown"),
        ] + urls

    def markdown_view(self, request, pk):
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import get_object_or_404

        if not self.has_view_permission(request):
            raise PermissionDenied
        conv = get_object_or_404(self._export_queryset(), pk=pk)
        return self._markdown_response([conv], f"conversation-{conv.pk}.md")

    @admin.action(description="Export selected conversations as Markdown")
    def export_markdown(self, request, queryset):
        convs = list(self._export_queryset().filter(pk__in=queryset.values("pk")))
        return self._markdown_response(convs, "conversations.md")

    def _export_queryset(self):
        return Conversation.objects.select_related("customer").prefetch_related(
            "messages", "tool_calls", "model_calls", "crm_records")

    @staticmethod
    def _markdown_response(convs, filename):
        from django.http import HttpResponse

        from .markdown import conversation_markdown

        body = "\n\n---\n\n".join(conversation_markdown(conversation=c) for c in convs)
        resp = HttpResponse(body, content_type="text/markdown; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="{filename}"'
        return resp

    @admin.display(description="transcript")
    def markdown_link(self, obj):
        from django.urls import reverse
        from django.utils.html import format_html

        if obj.pk is None:
            return "-"
        return format_html('<a href="{}">Download as Markdown</a>', reverse("admin:support_conversation_markdown", args=[obj.pk]))

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_changelist(request):
            qs = qs.annotate(message_count=related_count(Message, "conversation"))
        return qs

    def has_add_permission(self, request):
        # Conversations start from the widget, the text endpoints or an integrator session.
        return False

    @admin.display(description="conversation", ordering="started_at")
    def short_id(self, obj):
        return str(obj.id)[:8]

    @admin.display(description="messages", ordering="message_count")
    def message_count(self, obj):
        return getattr(obj, "message_count", None)

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
