"""The batch transcription task. Like every task it takes ids, fetches, and calls one service; it is
idempotent and retried with exponential backoff on transient errors (voxsite.core.retry). The other
parts keep their tasks beside them too (support/conversations/tasks.py, support/desk/tasks.py)."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from voxsite.core.errors import DomainError
from voxsite.core.retry import RETRY, TRANSIENT

from support.speech.asr import ASRUnavailable

from .batch import batch_job_fail, batch_job_run
from .models import BatchJob

log = logging.getLogger(__name__)


class BatchTask(Task):
    """On a worker: a batch job whose task gives up (last retry spent, or an unexpected error)
    ends failed with the error, so the caller polling it is not left waiting on "running"."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        _fail(args[0] if args else kwargs.get("job_id"), exc)
        super().on_failure(exc, task_id, args, kwargs, einfo)


def _fail(job_id, exc: BaseException) -> None:
    job = BatchJob.objects.filter(pk=job_id).first()
    if job is not None:
        # Stored as "code: detail", the shape of every API error.
        detail = exc.message if isinstance(exc, DomainError) else f"{exc.__class__.__name__}: {exc}"
        batch_job_fail(job=job, error=f"{getattr(exc, 'code', '') or 'job_failed'}: {detail}")


# Every speech provider failing (Groq down and no local model) is worth retrying later too.
@shared_task(bind=True, name="support.batch_transcribe", base=BatchTask,
             **{**RETRY, "autoretry_for": (*TRANSIENT, ASRUnavailable)})
def batch_transcribe(self, job_id: str) -> dict:
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
