"""Every Celery task on a REAL worker (`celery -A voxsite worker --pool=solo`, a subprocess) through
the real Redis broker and result backend, against the test database.

The worker opens the same database as the test (hence transaction=True: the data must be
committed for another process to see it) and the same MEDIA_ROOT. Tasks are sent for real even
where the rest of the suite runs them eagerly (CI's second pass sets CELERY_TASK_ALWAYS_EAGER).
Run it with its own Redis database so no other worker takes its tasks:

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \\
    CELERY_TASK_ALWAYS_EAGER=true .venv/bin/pytest support/tests/test_celery_worker.py
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from crm.models import CRMRecord
from orders.models import Order
from orders.tests.factories import OrderFactory
from support.voice import tasks
from support.conversations import tasks as conversation_tasks
from support.desk import tasks as desk_tasks
from support.models import BatchJob, Conversation, DailyMetric, Message
from support.voice.batch import batch_job_create
from support.conversations.services.lifecycle import conversation_create, conversation_end
from support.conversations.services.turns import conversation_turn
from support.conversations.tests.factories import ConversationFactory, MessageFactory
from support.tests.fake_speech_servers import FakeGroq
from support.tests.speech_helpers import sample_wav
from voxsite.celery import app

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90  # importing Django, the models and Celery on a busy 2-core machine
TASK_TIMEOUT = 120  # the longest task: loading a Whisper model and transcribing


def database_url() -> str:
    """A URL for the database this test runs on (pytest-django's test_<name>)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("postgresql"):
        auth = quote(db["USER"] or "", safe="")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"], safe="")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    name = str(db["NAME"])
    if "sqlite" in db["ENGINE"] and name and "memory" not in name and name != ":memory:":
        return f"sqlite:///{Path(name).resolve()}"
    pytest.skip("the worker needs a database another process can open (PostgreSQL, or a SQLite file)")


class Worker:
    def __init__(self, tmp: Path, *, queue: str = "celery", env: dict[str, str] | None = None):
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.queue = queue
        self.media_root = tmp / "media"
        self.log_path = tmp / "worker.log"
        self.env = {
            **os.environ,
            "ENV_FILE": "/dev/null",  # a developer's .env must not point the worker elsewhere
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "MEDIA_ROOT": str(self.media_root),
            "GROQ_API_KEY": "",
            "ASR_PROVIDERS": "local",
            "VOICE_WARMUP": "false",
            "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "voxsite", "worker", "--pool=solo", "-l", "info", "-n", self.name,
             "-Q", self.queue, "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self.check_alive()
            if re.search(r"\bready\.", self.log()):
                return self
            time.sleep(0.3)
        self.stop()
        raise AssertionError(f"the worker did not start in {START_TIMEOUT} s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"the worker exited with {self.proc.returncode}:\n{self.log()[-3000:]}")

    def result(self, async_result, timeout: float = TASK_TIMEOUT):
        """The task's return value, read back from the result backend (Redis)."""
        deadline = time.monotonic() + timeout
        while not async_result.ready():
            self.check_alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"no result in {timeout} s:\n{self.log()[-3000:]}")
            time.sleep(0.2)
        return async_result.get(timeout=5)

    def wait_for(self, predicate, what: str, timeout: float = TASK_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            self.check_alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not within {timeout} s:\n{self.log()[-3000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # warm shutdown; its own process group only
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()
        self.proc = None


@pytest.fixture(scope="module")
def real_celery():
    """Send tasks for real (the suite may run them eagerly) and start from an empty queue."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.control.purge()
    yield app
    app.conf.task_always_eager = eager


@pytest.fixture(scope="module")
def worker(real_celery, tmp_path_factory, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        w = Worker(tmp_path_factory.mktemp("worker")).start()
    yield w
    w.stop()


@pytest.fixture
def shared_media(settings, worker):
    settings.MEDIA_ROOT = worker.media_root
    return worker.media_root


def test_conversation_end_is_summarised_on_the_worker(worker):
    order = OrderFactory(status=Order.Status.SHIPPED)
    conv, _ = conversation_create(channel="web-text")
    conversation_turn(conversation=conv, text=f"track {order.number} my phone is 9000000000", language="en")
    conversation_end(conversation=conv)  # commits, then queues the summary for the worker

    conv = worker.wait_for(lambda: Conversation.objects.filter(pk=conv.pk).exclude(resolution="").first(), "summary")
    assert conv.resolution == "unresolved" and "track_order" in conv.tags
    assert "verification_failed" in conv.summary
    record = CRMRecord.objects.get(conversation=conv, scenario="unresolved")
    assert record.summary == conv.summary[:300]

    # Delivered again: the same answer through the result backend, and still one record.
    again = worker.result(conversation_tasks.conversation_summarise_task.delay(str(conv.pk)))
    assert again == {"conversation_id": str(conv.pk), "resolution": "unresolved", "tags": conv.tags}
    assert CRMRecord.objects.filter(conversation=conv, scenario="unresolved").count() == 1
    assert "support.conversation_summarise[" in worker.log()


def test_audio_purge_on_the_worker(worker, shared_media):
    old = MessageFactory(audio=ContentFile(b"RIFF-old", name="old.wav"))
    recent = MessageFactory(audio=ContentFile(b"RIFF-new", name="new.wav"))
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=settings.AUDIO_RETENTION_DAYS + 1))
    old_path, recent_path = Path(old.audio.path), Path(recent.audio.path)
    assert old_path.is_relative_to(shared_media)

    assert worker.result(conversation_tasks.audio_purge_task.delay()) == {"messages": 1, "batch_jobs": 0}
    old.refresh_from_db()
    assert not old.audio and not old_path.exists() and recent_path.exists()
    assert worker.result(conversation_tasks.audio_purge_task.delay()) == {"messages": 0, "batch_jobs": 0}


def test_idle_conversations_are_closed_and_summarised_on_the_worker(worker):
    idle = ConversationFactory(last_activity_at=timezone.now() - timedelta(minutes=settings.CONVERSATION_IDLE_MINUTES + 5))
    MessageFactory(conversation=idle, text="is anyone there?")
    busy = ConversationFactory(last_activity_at=timezone.now())

    assert worker.result(conversation_tasks.conversations_close_idle_task.delay()) == {"ended": [str(idle.pk)]}
    # Ending it on the worker queued its summary, which the worker ran next.
    idle = worker.wait_for(lambda: Conversation.objects.filter(pk=idle.pk).exclude(resolution="").first(), "summary")
    assert idle.status == Conversation.Status.ENDED and idle.resolution == "unresolved"
    busy.refresh_from_db()
    assert busy.status == Conversation.Status.ACTIVE


def test_daily_metrics_rollup_on_the_worker(worker):
    conv = ConversationFactory(language="hi")
    MessageFactory(conversation=conv, text="नमस्ते", language="hi")
    today = timezone.localdate()
    result = worker.result(desk_tasks.daily_metrics_rollup_task.delay())
    assert result == {"dates": [(today - timedelta(days=1)).isoformat(), today.isoformat()]}
    assert DailyMetric.objects.filter(date=today, language="").exists()


def test_batch_transcription_on_the_worker_with_the_local_model(worker, shared_media):
    shopper = APIClient()
    clip = sample_wav("en_jfk")
    resp = shopper.post("/api/voice/process", {"async": "true", "language": "en", "file": io.BytesIO(clip)},
                        format="multipart")
    assert resp.status_code == 202, resp.content
    body = resp.json()

    def finished():
        job = shopper.get(body["poll"], {"token": body["token"]}).json()
        return job if job["status"] in ("done", "failed") else None

    job = worker.wait_for(finished, "batch job")
    assert job["status"] == "done", job
    assert "fellow americans" in job["result"]["transcript"].lower()
    assert job["result"]["provider"] == "local" and job["result"]["duration_s"] == pytest.approx(11.0, abs=0.5)
    assert "support.batch_transcribe[" in worker.log()


def test_batch_job_is_retried_with_backoff_then_fails_on_the_worker(real_celery, tmp_path):
    """Speech recognition down: five retries with exponential backoff, then the job ends failed."""
    queue = f"retries-{uuid.uuid4().hex[:8]}"  # this worker alone takes these tasks
    with FakeGroq("error") as fake:
        w = Worker(tmp_path, queue=queue, env={"GROQ_API_KEY": "gsk_test", "GROQ_BASE_URL": fake.base_url,
                                               "ASR_PROVIDERS": "groq", "GROQ_ASR_TIMEOUT": "2"}).start()
        try:
            job, _ = batch_job_create(audio=sample_wav("en_jfk"), mime="audio/wav",
                                      on_commit=lambda job_id: tasks.batch_transcribe.apply_async(args=[job_id], queue=queue))
            failed = w.wait_for(lambda: BatchJob.objects.filter(pk=job.pk, status="failed").first(), "failed job", timeout=180)
            log = w.log()
        finally:
            w.stop()
    assert len(fake.requests) == 6  # the first try and five retries
    assert failed.attempts == 6 and failed.finished_at
    assert failed.error.startswith("asr_unavailable: Speech recognition is unavailable: groq: InternalServerError")
    retries = re.findall(r"Retry in (\d+)s", log)
    assert len(retries) == 5, log[-3000:]
