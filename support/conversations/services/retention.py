"""Housekeeping run by Celery beat: stored audio past its retention, idle conversations."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from ...models import BatchJob
from ..models import Conversation, Message
from .lifecycle import conversation_end

log = logging.getLogger(__name__)

PURGE_BATCH = 500


def _delete_file(field) -> bool:
    """Delete the stored file; a file already gone is not an error (a previous run, a restore)."""
    try:
        field.storage.delete(field.name)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("could not delete %s: %s", field.name, exc)
        return False
    return True


def audio_purge(*, retention_days: int | None = None, now=None) -> dict[str, int]:
    """Delete message and batch-job audio older than AUDIO_RETENTION_DAYS and clear the fields.
    The transcripts stay. Idempotent: a second run finds nothing to do. Returns counts."""
    days = settings.AUDIO_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    counts = {"messages": 0, "batch_jobs": 0}
    # Finished jobs only: a queued or running job still needs its audio.
    targets = [
        ("messages", Message.objects.filter(created_at__lt=cutoff).exclude(audio="").exclude(audio__isnull=True), Message),
        ("batch_jobs", BatchJob.objects.filter(created_at__lt=cutoff, status__in=[BatchJob.Status.DONE, BatchJob.Status.FAILED])
         .exclude(audio=""), BatchJob),
    ]
    for key, queryset, model in targets:
        while True:
            rows = list(queryset.only("pk", "audio")[:PURGE_BATCH])
            if not rows:
                break
            purged = [row.pk for row in rows if _delete_file(row.audio)]
            # The field is cleared only when the file is gone, so an undeletable file is retried next run.
            model.objects.filter(pk__in=purged).update(audio="")
            counts[key] += len(purged)
            if len(purged) < len(rows):
                break
    if any(counts.values()):
        log.info("purged audio older than %s days: %s", days, counts)
    return counts


def conversations_idle(*, idle_minutes: int | None = None, now=None):
    minutes = settings.CONVERSATION_IDLE_MINUTES if idle_minutes is None else idle_minutes
    cutoff = (now or timezone.now()) - timedelta(minutes=minutes)
    # A conversation a staff member has taken over is theirs to end.
    return (
        Conversation.objects.filter(status=Conversation.Status.ACTIVE, taken_over_by__isnull=True)
        .annotate(last_seen=Coalesce("last_activity_at", "updated_at"))
        .filter(Q(last_seen__lt=cutoff))
    )


def conversations_close_idle(*, idle_minutes: int | None = None, now=None) -> list[str]:
    """End active conversations with no activity for CONVERSATION_IDLE_MINUTES; ending one
    queues its summary. Returns the ids ended."""
    ended = []
    for conv in conversations_idle(idle_minutes=idle_minutes, now=now).only("pk")[:1000]:
        conv = conversation_end(conversation=conv)
        ended.append(str(conv.pk))
    if ended:
        log.info("closed %d idle conversations", len(ended))
    return ended
