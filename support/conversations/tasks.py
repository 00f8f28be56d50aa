"""Conversation tasks: each takes ids, fetches, and calls one service. All are idempotent (a task
delivered twice, or retried after a worker died mid-way, does no harm) and retried with exponential
backoff on transient errors: the database or the broker going away (voxsite.core.retry). Their Celery
names are the ones queued tasks and the beat schedule have always used; the functions end in _task,
apart from the services they call."""

from __future__ import annotations

from celery import shared_task
from django.dispatch import receiver

from voxsite.core.retry import RETRY

from .models import Conversation
from .services import retention, summary
from .services.lifecycle import conversation_ended


@shared_task(name="support.conversation_summarise", **RETRY)
def conversation_summarise_task(conversation_id: str) -> dict:
    conv = Conversation.objects.filter(pk=conversation_id).first()
    if conv is None:
        return {"conversation_id": conversation_id, "skipped": "not_found"}
    conv = summary.conversation_summarise(conversation=conv)
    return {"conversation_id": str(conv.pk), "resolution": conv.resolution, "tags": conv.tags}


@receiver(conversation_ended)
def summarise_after_end(sender, conversation_id: str, **kwargs) -> None:
    conversation_summarise_task.delay(conversation_id)


@shared_task(name="support.audio_purge", **RETRY)
def audio_purge_task() -> dict:
    return retention.audio_purge()


@shared_task(name="support.conversations_close_idle", **RETRY)
def conversations_close_idle_task() -> dict:
    return {"ended": retention.conversations_close_idle()}
