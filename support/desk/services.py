"""The desk's writes: staff takeover, and the dashboard's daily roll-up.

Takeover: a staff member answers the shopper in person while the assistant waits. While
`Conversation.taken_over_by` is set, `conversation_turn` stores the shopper's words and returns no
reply (support.conversations.services.turns); the staff member's typed replies are stored as staff
messages and spoken on the shopper's socket through the group `conversation.<id>`
(VoiceConsumer.conversation_say). Every takeover and hand-back writes an audit row.

The roll-up: one DailyMetric row per language (and "" for all) for a finished day, so the dashboard
reads past days without scanning their records. Called by the periodic task; safe to run again for
the same day (it replaces that day's rows).
"""

from __future__ import annotations

from datetime import date as Date

from django.db import transaction
from django.utils import timezone

from voxsite.core.errors import InvalidTransition, RuleViolation
from voxsite.core.services import audit_record

from ..conversations.services.turns import text_validate, turn_language
from ..models import Conversation, Message
from .live import conversation_group, group_send, live_publish, live_publish_on_commit, message_event
from .models import DailyMetric
from .selectors import metrics_live


class ConversationClosed(InvalidTransition):
    code = "conversation_ended"


class AlreadyTakenOver(RuleViolation):
    code = "already_taken_over"
    status_code = 409


class NotTakenOver(InvalidTransition):
    code = "not_taken_over"


def _locked(conversation: Conversation) -> Conversation:
    conv = Conversation.objects.select_for_update(of=("self",)).select_related("taken_over_by").get(pk=conversation.pk)
    if conv.status == Conversation.Status.ENDED or conv.ended_at is not None:
        raise ConversationClosed("This conversation has ended.")
    return conv


def _sync(target: Conversation, source: Conversation) -> None:
    for name in ("taken_over_by_id", "taken_over_at", "status", "last_activity_at", "updated_at"):
        setattr(target, name, getattr(source, name))
    target.taken_over_by = source.taken_over_by


@transaction.atomic
def conversation_takeover(*, conversation: Conversation, user) -> Conversation:
    """The assistant pauses and `user` answers. Taking over one's own conversation again is a no-op;
    someone else's is refused (they hand it back first)."""
    conv = _locked(conversation)
    if conv.taken_over_by_id == user.pk:
        _sync(conversation, conv)
        return conversation
    if conv.taken_over_by_id is not None:
        raise AlreadyTakenOver(f"{conv.taken_over_by.get_username()} is already answering this conversation.",
                               taken_over_by=conv.taken_over_by.get_username())
    conv.taken_over_by = user
    conv.taken_over_at = timezone.now()
    conv.full_clean()
    conv.save(update_fields=["taken_over_by", "taken_over_at", "updated_at"])
    audit_record(actor=user, action="conversation.takeover", obj=conv, details={
        "status": conv.status, "handoff_requested_at": conv.handoff_requested_at,
    })
    live_publish_on_commit(session_id=conv.pk, event={"type": "takeover", "by": user.get_username(),
                                                      "at": conv.taken_over_at.isoformat()})
    _sync(conversation, conv)
    return conversation


@transaction.atomic
def conversation_handback(*, conversation: Conversation, user) -> Conversation:
    """The assistant answers again. Any staff member who may take over may hand back (a supervisor
    releasing a colleague's conversation); the audit row names both. `taken_over_at` is kept: it
    records that staff answered, which takes a handed-off conversation out of the queue."""
    conv = _locked(conversation)
    if conv.taken_over_by_id is None:
        raise NotTakenOver("Nobody has taken this conversation over.")
    previous = conv.taken_over_by.get_username()
    conv.taken_over_by = None
    conv.full_clean()
    conv.save(update_fields=["taken_over_by", "updated_at"])
    audit_record(actor=user, action="conversation.handback", obj=conv, details={"taken_over_by": previous})
    live_publish_on_commit(session_id=conv.pk, event={"type": "handback", "by": user.get_username()})
    _sync(conversation, conv)
    return conversation


@transaction.atomic
def staff_reply(*, conversation: Conversation, user, text: str) -> Message:
    """Store a staff message and, after commit, speak it on the shopper's socket (if one is open;
    a shopper on the REST endpoints reads it from the history)."""
    text = text_validate(text=text)
    conv = _locked(conversation)
    if conv.taken_over_by_id != user.pk:
        raise NotTakenOver("Take the conversation over before replying: the assistant is still answering.")
    language = turn_language(text=text, requested=None, current=conv.language)
    message = Message(conversation=conv, role=Message.Role.STAFF, text=text, language=language,
                      author=user.get_username())
    message.full_clean()
    message.save()
    conv.last_activity_at = message.created_at
    conv.save(update_fields=["last_activity_at", "updated_at"])
    session_id = conv.pk
    transaction.on_commit(lambda: (
        group_send(conversation_group(session_id), {"type": "conversation.say", "text": text, "language": language}),
        live_publish(session_id=session_id, event=message_event(message)),
    ))
    _sync(conversation, conv)
    return message


# ---------------------------------------------------------------------------
# The dashboard's daily roll-up

ROLLUP_FIELDS = ("conversations", "turns", "handoffs", "tool_calls", "tool_errors", "fallbacks", "intents", "tools", "latency")


@transaction.atomic
def daily_metrics_rollup(*, date: Date | str) -> list[DailyMetric]:
    """Compute `date`'s metrics from the records and store them; returns that day's rows, the ""
    (all languages) row first. Idempotent: an upsert on (date, language), and rows of languages
    that no longer have any activity that day are removed."""
    if isinstance(date, str):  # a Celery task passes the date as ISO text
        date = Date.fromisoformat(date)
    cells = [m for (day, _), m in metrics_live(days=[date]).items() if day == date]
    rows = []
    for metrics in cells:
        row = DailyMetric(date=date, language=metrics.language, **metrics.as_rollup_fields())
        row.full_clean(validate_unique=False, validate_constraints=False)
        rows.append(row)
    # An upsert, not get-then-save: two roll-ups of the same day racing each other both succeed.
    DailyMetric.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["date", "language"], update_fields=[*ROLLUP_FIELDS, "computed_at"],
    )
    DailyMetric.objects.filter(date=date).exclude(language__in=[r.language for r in rows]).delete()
    return list(DailyMetric.objects.filter(date=date).order_by("language"))
