"""Celery tasks: each takes ids, fetches, and calls one service. All are idempotent (a task
delivered twice, or retried after a worker died mid-way, does no harm) and retried with
exponential backoff on transient errors: the database or the broker going away."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .speech.asr import ASRUnavailable

log = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": True, "retry_backoff_max": 600, "retry_jitter": True,
         "max_retries": 5}


@shared_task(name="support.conversation_summarise", **RETRY)
def conversation_summarise(conversation_id: str) -> dict:
    from .models import Conversation
    from .services.summary import conversation_summarise as summarise

    conv = Conversation.objects.filter(pk=conversation_id).first()
    if conv is None:
        return {"conversation_id": conversation_id, "skipped": "not_found"}
    conv = summarise(conversation=conv)
    return {"conversation_id": str(conv.pk), "resolution": conv.resolution, "tags": conv.tags}


@shared_task(name="support.audio_purge", **RETRY)
def audio_purge() -> dict:
    from .services.retention import audio_purge as purge

    return purge()


@shared_task(name="support.conversations_close_idle", **RETRY)
def conversations_close_idle() -> dict:
    from .services.retention import conversations_close_idle as close_idle

    return {"ended": close_idle()}


@shared_task(name="support.daily_metrics_rollup", **RETRY)
def daily_metrics_rollup() -> dict:
    # Imported here: the dashboard package must not be loaded to register the tasks.
    from .dashboard.rollup import daily_metrics_rollup as rollup

    today = timezone.localdate()
    done = []
    # Yesterday too: conversations that ran past midnight, and a day whose last run was missed.
    for day in (today - timedelta(days=1), today):
        rollup(date=day)
        done.append(day.isoformat())
    return {"dates": done}


class BatchTask(Task):
    """On a worker: a batch job whose task gives up (last retry spent, or an unexpected error)
    ends failed with the error, so the caller polling it is not left waiting on "running"."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        _fail(args[0] if args else kwargs.get("job_id"), exc)
        super().on_failure(exc, task_id, args, kwargs, einfo)


def _fail(job_id, exc: BaseException) -> None:
    from .models import BatchJob
    from .voice.batch import batch_job_fail

    from voxsite.core.errors import DomainError

    job = BatchJob.objects.filter(pk=job_id).first()
    if job is not None:
        # Stored as "code: detail", the shape of every API error.
        detail = exc.message if isinstance(exc, DomainError) else f"{exc.__class__.__name__}: {exc}"
        batch_job_fail(job=job, error=f"{getattr(exc, 'code', '') or 'job_failed'}: {detail}")


# Every speech provider failing (Groq down and no local model) is worth retrying later too.
@shared_task(bind=True, name="support.batch_transcribe", base=BatchTask,
             **{**RETRY, "autoretry_for": (*TRANSIENT, ASRUnavailable)})
def batch_transcribe(self, job_id: str) -> dict:
    from .models import BatchJob
    from .voice.batch import batch_job_run

    job = BatchJob.objects.filter(pk=job_id).first()
    if job is None:
        return {"job_id": job_id, "skipped": "not_found"}
    try:
        job = batch_job_run(job=job)
    except Exception as exc:
        if self.request.is_eager:
            # In-process (the embedded default) nothing comes back later to retry, and eager
            # Celery propagates the error without calling on_failure: fail the job now.
            _fail(job_id, exc)
        raise
    return {"job_id": str(job.pk), "status": job.status}
