"""Conversation records for support staff. The conversation page reads as a chat transcript (audio,
tool and model calls, per-turn timings, CRM records, audit rows); messages, model calls, tool calls
and audit rows are the record of what happened: read-only here."""

import re

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import DurationField, ExpressionWrapper, F
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.text import Truncator

from voxsite.core.admin import DeferInListMixin, ReadOnlyAdminMixin, audit_link_register, is_changelist, pretty_json

from .markdown import conversation_markdown
from .models import Conversation, Message, ModelCall, ToolCall
from .selectors import (
    conversation_transcript, conversations_for_export, conversations_mentioning_order, conversations_saying, ms,
    slowest_turn_ms, user_turns,
)

EXPORT_PERMISSION = "support.export_conversation"
ORDER_NUMBER = re.compile(r"^ord[-\s]?(\d+)$", re.IGNORECASE)


def conversation_link(conversation_id):
    """Link by id alone, so list pages need no join to show it."""
    if conversation_id is None:
        return "—"
    url = reverse("admin:support_conversation_change", args=[conversation_id])
    return format_html('<a href="{}">{}</a>', url, str(conversation_id)[:8])


audit_link_register("conversation", conversation_link)


# ---------------------------------------------------------------------------
# Conversations: list columns and filters


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
        # Imported when the admin's URLs are built, not when the admin is discovered: the live
        # view brings the turn and the brains (~0.3 s), which commands and workers do not need.
        from ..desk.views.live import admin_urls as live_admin_urls

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
                turn_count=user_turns(),
                slowest_ms=slowest_turn_ms(),
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
            return queryset.filter(conversations_mentioning_order(number=order[1])), False
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return found | queryset.filter(conversations_saying(term=term)), may_have_duplicates

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
        return self._markdown_attachment([conv], f"conversation-{conv.pk}.md")

    @admin.action(permissions=["export"], description="Export selected conversations as Markdown")
    def export_markdown(self, request, queryset):
        convs = list(self._export_queryset().filter(pk__in=queryset.values("pk")))
        return self._markdown_attachment(convs, "conversations.md")

    def _export_queryset(self):
        return conversations_for_export()

    @staticmethod
    def _markdown_attachment(convs, filename):
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
