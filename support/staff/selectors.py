"""Reads for the live view: which conversations are live, the handoff queue, a transcript."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Conversation, Message

LIVE_LIMIT = 100


def live_conversations(*, limit: int = LIVE_LIMIT) -> QuerySet[Conversation]:
    """Conversations a shopper could still be in: not ended, active within the resume window
    (after that the shopper's socket cannot come back to them), most recent first, with the
    latest message for the list's "last event" column (one query, no per-row lookups)."""
    since = timezone.now() - timedelta(seconds=settings.VOICE_RESUME_WINDOW_S)
    latest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id")
    turns = (Message.objects.filter(conversation=OuterRef("pk"), role=Message.Role.USER).order_by()
             .values("conversation").annotate(n=Count("pk")).values("n"))
    return (
        Conversation.objects.filter(ended_at__isnull=True, updated_at__gte=since)
        .exclude(status=Conversation.Status.ENDED)
        .select_related("customer", "taken_over_by")
        .annotate(
            turns=Coalesce(Subquery(turns, output_field=IntegerField()), 0),
            last_role=Subquery(latest.values("role")[:1]),
            last_text=Subquery(latest.values("text")[:1]),
        )
        .defer("state", "summary")
        .order_by("-updated_at")[:limit]
    )


def handoff_queue() -> QuerySet[Conversation]:
    """Shoppers who asked for a human and no staff member has answered yet, oldest first."""
    return (
        Conversation.objects.filter(status=Conversation.Status.HANDED_OFF, ended_at__isnull=True,
                                    taken_over_by__isnull=True, taken_over_at__isnull=True)
        .select_related("customer")
        .defer("state", "summary")
        .order_by("handoff_requested_at", "started_at")
    )


def conversation_transcript(*, conversation: Conversation) -> list[Message]:
    return list(conversation.messages.exclude(role=Message.Role.TOOL).order_by("created_at", "id"))


def messages_after(*, session_id, after_id: int, limit: int = 200) -> list[Message]:
    """What a live page missed between rendering and subscribing."""
    return list(Message.objects.filter(conversation_id=session_id, id__gt=after_id)
                .exclude(role=Message.Role.TOOL).order_by("created_at", "id")[:limit])
