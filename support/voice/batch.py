"""Batch transcription of long recordings: POST /api/voice/process with async=true stores the
audio as a BatchJob, a Celery worker transcribes it, the caller polls GET /api/voice/jobs/<id>."""

from __future__ import annotations

import logging
import secrets
import time
import uuid

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone

from voxsite.core.errors import NotFound
from voxsite.core.models import APIKey

from ..conversations.access import access_allowed
from ..models import BatchJob, Conversation, ModelCall
from ..speech.asr import hearing
from ..speech.audio import AudioError, decode, is_raw_pcm, wav_bytes
from . import services
from .frames import Transcript, Utterance
from .pipeline import run_once, transcription_pipeline

log = logging.getLogger(__name__)

EXTENSIONS = {"audio/wav": "wav", "audio/x-wav": "wav", "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/ogg": "ogg",
              "audio/webm": "webm", "audio/flac": "flac", "audio/mp4": "m4a"}


def _extension(mime: str, name: str = "") -> str:
    if "." in name:
        ext = name.rsplit(".", 1)[1].lower()
        if ext.isalnum() and len(ext) <= 5:
            return ext
    return EXTENSIONS.get((mime or "").split(";")[0].strip().lower(), "bin")


def batch_audio_check(*, size: int) -> None:
    """What can be refused before storing anything: emptiness and size (413)."""
    if size <= 0:
        raise AudioError("No audio was sent.", code="audio_empty")
    if size > settings.BATCH_AUDIO_MAX_BYTES:
        raise AudioError(f"Audio is {size} bytes; the limit is {settings.BATCH_AUDIO_MAX_BYTES} bytes (BATCH_AUDIO_MAX_BYTES).",
                         code="audio_too_large", status_code=413)


def batch_job_create(
    *, audio: bytes | File, mime: str = "", language: str = "auto", sample_rate: int = 16000,
    api_key: APIKey | None = None, conversation: Conversation | None = None, token: str = "",
    on_commit=None,
) -> tuple[BatchJob, str]:
    """Store the audio as a queued job and enqueue its transcription after commit.

    The caller reads the job back with its API key, or with a token: the conversation's token
    when it passed one, else a new one returned here (shown once; only its hash is kept)."""
    size = audio.size if isinstance(audio, File) else len(audio)
    batch_audio_check(size=size)
    new_token = ""
    if api_key is None and not token:
        token = new_token = secrets.token_urlsafe(24)
    name = getattr(audio, "name", "") or ""
    if is_raw_pcm(mime):
        # Raw PCM carries no header: keep its rate by storing it as a WAV.
        data = audio.read() if isinstance(audio, File) else audio
        if len(data) % 2:
            raise AudioError("Raw PCM16 must have an even number of bytes.", code="audio_corrupt")
        audio, mime, name = wav_bytes(data, sample_rate), "audio/wav", "audio.wav"
    content = audio if isinstance(audio, File) else ContentFile(audio)
    with transaction.atomic():
        job = BatchJob(
            id=uuid.uuid4(), mime=mime[:80], language=language or "auto", api_key=api_key, conversation=conversation,
            token_hash=Conversation.hash_token(token) if token and api_key is None else "",
        )
        job.audio.save(f"{job.id.hex}.{_extension(mime, name)}", content, save=False)
        job.full_clean()
        job.save()
        job_id = str(job.pk)
        if on_commit is None:
            from .tasks import batch_transcribe  # the task module imports this one: a cycle at the top

            callback = lambda: batch_transcribe.delay(job_id)  # noqa: E731
        else:
            callback = lambda: on_commit(job_id)  # noqa: E731
        # Robust: the job is stored either way; a failure to queue it (or an eager run failing)
        # must not turn the 202 into a 500 after the commit. The job then shows failed or queued.
        transaction.on_commit(callback, robust=True)
    return job, new_token


def batch_job_get_for(*, job_id, token: str = "", api_key: APIKey | None = None, user=None) -> BatchJob:
    """The job if the caller may read it (same rules as conversations); else 404."""
    try:
        pk = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound("No such job.", code="job_not_found")
    job = BatchJob.objects.filter(pk=pk).first()
    if job is None:
        raise NotFound("No such job.", code="job_not_found")
    if access_allowed(token_hash=job.token_hash, token=token, api_key=api_key, user=user):
        return job
    raise NotFound("No such job.", code="job_not_found")


def batch_job_fail(*, job: BatchJob, error: str) -> BatchJob:
    """Mark the job failed (after its last retry, or at once for audio that cannot be used)."""
    BatchJob.objects.filter(pk=job.pk).exclude(status=BatchJob.Status.DONE).update(
        status=BatchJob.Status.FAILED, error=error[:2000], finished_at=timezone.now())
    job.refresh_from_db()
    return job


def batch_job_run(*, job: BatchJob) -> BatchJob:
    """Transcribe the job's audio. Audio that cannot be used fails the job for good (no retry);
    other errors propagate so the task retries them. Done and failed jobs are left as they are."""
    with transaction.atomic():
        job = BatchJob.objects.select_for_update().get(pk=job.pk)
        if job.status in (BatchJob.Status.DONE, BatchJob.Status.FAILED):
            return job
        job.status = BatchJob.Status.RUNNING
        job.attempts += 1
        job.save(update_fields=["status", "attempts"])

    try:
        with job.audio.open("rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return batch_job_fail(job=job, error="audio_missing: the stored audio is gone.")
    started = time.perf_counter()
    try:
        samples = decode(data, mime=job.mime, max_bytes=settings.BATCH_AUDIO_MAX_BYTES,
                         max_seconds=settings.BATCH_AUDIO_MAX_SECONDS)
    except AudioError as exc:
        return batch_job_fail(job=job, error=f"{exc.code}: {exc.message}")
    decode_ms = (time.perf_counter() - started) * 1000

    calls: list = []
    language = job.language or "auto"
    pipeline = transcription_pipeline(language=language, on_call=calls.append,
                                      judge=lambda transcript: hearing(transcript, session_language=language))
    try:
        # Judged like a live turn: a transcript that cannot be trusted is not handed out as one.
        [heard] = [f for f in run_once(pipeline, Utterance(audio=samples, heard_speech=True), eos=time.perf_counter())
                   if isinstance(f, Transcript)]
    finally:
        services.speech_calls_record(session_id=job.conversation_id, speech_calls=[c.as_model_call_fields() for c in calls])
    transcript, outcome = heard.asr, heard.hearing
    result = {
        "transcript": outcome.text,
        "trusted": outcome.action == "turn",
        **({"reason": outcome.reason} if outcome.action != "turn" else {}),
        **({"speech_unavailable": True} if outcome.action == "speech_unavailable" else {}),
        "language": transcript.language,
        "duration_s": round(transcript.duration_s, 2),
        "confidence": transcript.confidence,
        "provider": transcript.provider,
        "model": transcript.model,
        "timings": {"decode_ms": round(decode_ms, 1), "asr_ms": round(transcript.latency_ms, 1)},
    }
    segments = getattr(transcript, "segments", None)
    if segments:
        result["segments"] = [
            {"start": round(float(s["start"]), 2), "end": round(float(s["end"]), 2), "text": s["text"]}
            if isinstance(s, dict) else {"start": round(float(s.start), 2), "end": round(float(s.end), 2), "text": s.text.strip()}
            for s in segments
        ]
    BatchJob.objects.filter(pk=job.pk).update(status=BatchJob.Status.DONE, result=result, error="", finished_at=timezone.now())
    job.refresh_from_db()
    return job
