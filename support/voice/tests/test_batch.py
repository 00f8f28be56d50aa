"""Batch transcription: POST /api/voice/process with async=true, the job service and task, and
GET /api/voice/jobs/<id>. Speech is recognised by the real groq client against a fake Groq on
127.0.0.1 (fast), and by the real local Whisper model for a long recording (slow)."""

import base64
import io
import wave

import numpy as np
import pytest
from rest_framework.test import APIClient

from support.voice import tasks
from support.models import BatchJob, ModelCall
from support.conversations.services.lifecycle import conversation_create
from support.tests.fake_speech_servers import FakeGroq
from support.tests.speech_helpers import sample_samples, sample_wav
from support.voice.batch import batch_job_create, batch_job_run

pytestmark = pytest.mark.django_db

JFK_WAV = sample_wav("en_jfk")  # 11 s of real speech as a 16-bit WAV upload


@pytest.fixture
def groq_asr(settings):
    """ASR by the groq client against a fake server that answers "where is my order"."""
    with FakeGroq(text="where is my order") as fake:
        settings.GROQ_API_KEY = "gsk_test"
        settings.GROQ_BASE_URL = fake.base_url
        settings.GROQ_ASR_TIMEOUT = 2.0
        settings.ASR_PROVIDERS = ["groq"]
        yield fake


@pytest.fixture
def shopper():
    return APIClient()


def wav(seconds: float, rate: int = 16000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    pcm = (np.sin(2 * np.pi * 220 * t) * 8000).astype("<i2").tobytes()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(pcm)
    return buf.getvalue()


def post_async(client, **data):
    fmt = "multipart" if "file" in data else "json"
    return client.post("/api/voice/process", {"async": True, **data}, format=fmt)


def run_queued(capture, response):
    """Run the after-commit callbacks the request left (the eager task)."""
    assert response.status_code == 202, response.content
    return response.json()


# -- the API ----------------------------------------------------------------------------------


def test_anonymous_multipart_upload_is_queued_then_polled_with_its_token(shopper, groq_asr, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resp = post_async(shopper, file=io.BytesIO(JFK_WAV))
    body = resp.json()
    assert resp.status_code == 202, body
    assert body["status"] == "queued" and body["poll"] == f"/api/voice/jobs/{body['job_id']}" and body["token"]
    job = BatchJob.objects.get(pk=body["job_id"])
    assert job.audio.read() == JFK_WAV and job.language == "auto"
    assert groq_asr.requests == []  # nothing transcribed inside the request

    queued = shopper.get(body["poll"], {"token": body["token"]}).json()
    assert queued["status"] == "queued" and "result" not in queued
    assert len(callbacks) == 1
    callbacks[0]()  # the commit enqueues the task (eager here)

    done = shopper.get(body["poll"], HTTP_X_SESSION_TOKEN=body["token"]).json()
    assert done["status"] == "done" and done["attempts"] == 1 and done["finished_at"]
    assert done["result"]["transcript"] == "where is my order"
    assert done["result"]["language"] == "en"
    assert done["result"]["duration_s"] == pytest.approx(11.0, abs=0.5)
    assert done["result"]["provider"] == "groq"
    call = ModelCall.objects.get(stage="asr")
    assert call.ok and call.provider == "groq" and call.conversation is None


@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_a_job_is_404_without_its_token(shopper, groq_asr, token):
    body = post_async(shopper, file=io.BytesIO(JFK_WAV)).json()
    params = {"token": token} if token else {}
    resp = shopper.get(body["poll"], params)
    assert resp.status_code == 404 and resp.json()["code"] == "job_not_found"


@pytest.mark.parametrize("job_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_job_is_404(api_client, job_id):
    resp = api_client.get(f"/api/voice/jobs/{job_id}")
    assert resp.status_code == 404 and resp.json()["code"] == "job_not_found"


def test_json_base64_with_an_api_key_needs_no_token(api_client, shopper, groq_asr, django_capture_on_commit_callbacks):
    audio = base64.b64encode(JFK_WAV).decode()
    with django_capture_on_commit_callbacks(execute=True):
        resp = post_async(api_client, audio_base64=audio, mime="audio/wav", language="en")
    body = resp.json()
    assert resp.status_code == 202 and "token" not in body
    job = BatchJob.objects.get(pk=body["job_id"])
    assert job.api_key is not None and job.token_hash == "" and job.language == "en"
    done = api_client.get(body["poll"]).json()
    assert done["status"] == "done" and done["result"]["transcript"] == "where is my order"
    assert groq_asr.requests[0]["fields"]["language"] == "en"
    assert shopper.get(body["poll"]).status_code == 404


def test_a_staff_session_reads_any_job(client, groq_asr, django_user_model):
    body = post_async(APIClient(), file=io.BytesIO(JFK_WAV)).json()
    staff = django_user_model.objects.create_user("agent", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(body["poll"]).json()["job_id"] == body["job_id"]


def test_a_shoppers_session_token_also_reads_the_job(shopper, groq_asr, django_capture_on_commit_callbacks):
    conv, token = conversation_create(channel="web-voice")
    with django_capture_on_commit_callbacks(execute=True):
        body = post_async(shopper, file=io.BytesIO(JFK_WAV), session_id=str(conv.pk), token=token).json()
    assert "token" not in body  # the conversation's own token reads it
    job = BatchJob.objects.get(pk=body["job_id"])
    assert job.conversation == conv
    assert shopper.get(body["poll"], {"token": token}).json()["status"] == "done"
    assert ModelCall.objects.get(stage="asr").conversation == conv


def test_a_session_the_caller_does_not_own_is_404_and_nothing_is_stored(shopper, groq_asr):
    conv, _ = conversation_create(channel="web-voice")
    resp = post_async(shopper, file=io.BytesIO(JFK_WAV), session_id=str(conv.pk), token="wrong")
    assert resp.status_code == 404 and not BatchJob.objects.exists()


def test_raw_pcm_keeps_its_sample_rate(api_client, groq_asr, django_capture_on_commit_callbacks):
    pcm = (np.sin(np.arange(8000 * 3) / 3) * 8000).astype("<i2").tobytes()  # 3 s at 8 kHz
    with django_capture_on_commit_callbacks(execute=True):
        body = post_async(api_client, audio_base64=base64.b64encode(pcm).decode(), mime="audio/pcm", sample_rate=8000).json()
    job = BatchJob.objects.get(pk=body["job_id"])
    assert job.mime == "audio/wav" and job.audio.name.endswith(".wav")
    assert job.result["duration_s"] == pytest.approx(3.0, abs=0.05)


def test_the_synchronous_length_limit_does_not_apply_to_batch_jobs(api_client, groq_asr, settings,
                                                                   django_capture_on_commit_callbacks):
    settings.AUDIO_MAX_SECONDS = 5
    long = wav(8)
    sync = api_client.post("/api/voice/process", {"file": io.BytesIO(long)}, format="multipart")
    assert sync.status_code == 422 and sync.json()["code"] == "audio_too_long"
    with django_capture_on_commit_callbacks(execute=True):
        body = post_async(api_client, file=io.BytesIO(long)).json()
    assert api_client.get(body["poll"]).json()["status"] == "done"


def test_audio_past_the_batch_limit_fails_the_job_without_retrying(api_client, groq_asr, settings,
                                                                    django_capture_on_commit_callbacks):
    settings.BATCH_AUDIO_MAX_SECONDS = 5
    with django_capture_on_commit_callbacks(execute=True):
        body = post_async(api_client, file=io.BytesIO(wav(8))).json()
    job = api_client.get(body["poll"]).json()
    assert job["status"] == "failed" and job["attempts"] == 1
    assert job["error"]["code"] == "audio_too_long" and "5 seconds" in job["error"]["detail"]
    assert "result" not in job and groq_asr.requests == []


def test_corrupt_audio_fails_the_job(api_client, groq_asr, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        body = post_async(api_client, file=io.BytesIO(b"this is not audio at all" * 10)).json()
    job = api_client.get(body["poll"]).json()
    assert job["status"] == "failed" and job["error"]["code"] == "audio_corrupt"


@pytest.mark.parametrize("data, field", [
    ({}, "audio_base64"),  # a JSON body carries its audio as audio_base64
    ({"audio_base64": "aGVsbG8=", "async": "maybe"}, "async"),
])
def test_validation_errors_are_400_and_store_nothing(api_client, data, field):
    resp = api_client.post("/api/voice/process", {"async": True, **data}, format="json")
    assert resp.status_code == 400 and field in resp.json()["errors"]
    assert not BatchJob.objects.exists()


def test_bad_base64_is_400(api_client):
    resp = post_async(api_client, audio_base64="@@@not base64@@@", mime="audio/wav")
    assert resp.status_code == 400 and resp.json()["code"] == "audio_base64_invalid"
    assert not BatchJob.objects.exists()


def test_too_large_is_413_and_stores_nothing(api_client, settings):
    settings.BATCH_AUDIO_MAX_BYTES = 1000
    resp = post_async(api_client, file=io.BytesIO(wav(1)))
    assert resp.status_code == 413 and resp.json()["code"] == "audio_too_large"
    assert not BatchJob.objects.exists()


def test_empty_upload_is_refused(api_client):
    resp = post_async(api_client, audio_base64="", mime="audio/wav")
    assert resp.status_code == 400  # a blank field
    resp = post_async(api_client, file=io.BytesIO(b""))
    assert resp.status_code == 422 and resp.json()["code"] == "audio_empty"  # a file with no audio in it
    assert not BatchJob.objects.exists()


# -- the task: retries and idempotency --------------------------------------------------------


def test_speech_recognition_down_fails_an_in_process_job_at_once(settings):
    # Eager (the embedded default) has no worker to retry later; the real-worker test covers
    # the retries with backoff.
    with FakeGroq("error") as fake:
        settings.GROQ_API_KEY, settings.GROQ_BASE_URL, settings.ASR_PROVIDERS = "gsk_test", fake.base_url, ["groq"]
        job, token = batch_job_create(audio=JFK_WAV, mime="audio/wav", on_commit=lambda job_id: None)
        with pytest.raises(Exception, match="Speech recognition is unavailable"):
            tasks.batch_transcribe.apply(args=[str(job.pk)]).get()
    job.refresh_from_db()
    assert len(fake.requests) == 1
    assert job.status == "failed" and job.attempts == 1 and job.finished_at
    assert job.error.startswith("asr_unavailable: Speech recognition is unavailable")
    assert ModelCall.objects.filter(stage="asr", ok=False).count() == 1


def test_a_failing_job_queued_by_a_request_still_answers_202(shopper, settings, django_capture_on_commit_callbacks):
    with FakeGroq("error") as fake:
        settings.GROQ_API_KEY, settings.GROQ_BASE_URL, settings.ASR_PROVIDERS = "gsk_test", fake.base_url, ["groq"]
        with django_capture_on_commit_callbacks(execute=True):
            resp = post_async(shopper, file=io.BytesIO(JFK_WAV))
    assert resp.status_code == 202
    body = shopper.get(resp.json()["poll"], {"token": resp.json()["token"]}).json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "asr_unavailable"
    assert body["error"]["detail"].startswith("Speech recognition is unavailable: groq: InternalServerError")


def test_running_a_finished_job_again_changes_nothing(groq_asr):
    job, _ = batch_job_create(audio=JFK_WAV, mime="audio/wav", on_commit=lambda job_id: None)
    assert tasks.batch_transcribe.apply(args=[str(job.pk)]).get() == {"job_id": str(job.pk), "status": "done"}
    result = BatchJob.objects.get(pk=job.pk).result
    assert tasks.batch_transcribe.apply(args=[str(job.pk)]).get() == {"job_id": str(job.pk), "status": "done"}
    job.refresh_from_db()
    assert len(groq_asr.requests) == 1 and job.attempts == 1 and job.result == result
    missing = "00000000-0000-0000-0000-000000000000"
    assert tasks.batch_transcribe.apply(args=[missing]).get() == {"job_id": missing, "skipped": "not_found"}


def test_a_job_whose_audio_is_gone_fails(groq_asr):
    import os

    job, _ = batch_job_create(audio=JFK_WAV, mime="audio/wav", on_commit=lambda job_id: None)
    os.remove(job.audio.path)
    job = batch_job_run(job=job)
    assert job.status == "failed" and job.error.startswith("audio_missing")


# -- a long recording through the real local model --------------------------------------------


@pytest.mark.slow
def test_a_long_recording_is_transcribed_by_the_local_model(api_client, settings, django_capture_on_commit_callbacks):
    from support.speech import audio

    settings.ASR_PROVIDERS = ["local"]
    names = ["en_jfk", "en_sb_lj050_0131", "en_fw_stereo_left", "en_fw_stereo_right", "en_stt_ldc93s1", "en_sr_one_two_three"]
    gap = np.zeros(8000, np.float32)
    samples = np.concatenate([part for n in names for part in (sample_samples(n), gap)])
    long = audio.wav_bytes(audio.float_to_pcm16(samples), 16000)  # ~36 s: past the 28 s short-utterance path
    with django_capture_on_commit_callbacks(execute=True):
        body = post_async(api_client, file=io.BytesIO(long), language="en").json()
    job = api_client.get(body["poll"]).json()
    assert job["status"] == "done", job
    result = job["result"]
    assert result["duration_s"] > 30 and result["language"] == "en" and result["provider"] == "local"
    text = result["transcript"].lower()
    for phrase in ("fellow americans", "horizon", "greasy wash water"):
        assert phrase in text


@pytest.mark.slow
def test_hindi_the_local_model_cannot_recognise_is_not_handed_out_as_a_transcript(api_client, settings,
                                                                                django_capture_on_commit_callbacks):
    settings.ASR_PROVIDERS = ["local"]
    settings.WHISPER_MODELS_BY_LANGUAGE = {}
    with django_capture_on_commit_callbacks(execute=True):
        body = post_async(api_client, file=io.BytesIO(sample_wav("hi_cv_001")), language="hi").json()
    job = api_client.get(body["poll"]).json()
    assert job["status"] == "done", job
    result = job["result"]
    assert result["transcript"] == "" and result["trusted"] is False and result["speech_unavailable"] is True
    assert result["reason"] and result["language"] == "hi" and result["provider"] == "local"
    assert ModelCall.objects.get(stage="asr").error.startswith("untrusted transcript (")


def test_a_trusted_transcript_says_so(api_client, groq_asr, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        body = post_async(api_client, file=io.BytesIO(JFK_WAV), language="en").json()
    result = api_client.get(body["poll"]).json()["result"]
    assert result["trusted"] is True and "reason" not in result and "speech_unavailable" not in result


def test_an_unexpected_error_reads_as_job_failed(api_client, groq_asr):
    from support.voice.tasks import _fail

    job, _ = batch_job_create(audio=JFK_WAV, mime="audio/wav", on_commit=lambda job_id: None)
    _fail(str(job.pk), RuntimeError("disk on fire"))
    body = api_client.get(f"/api/voice/jobs/{job.pk}").json()
    assert body["status"] == "failed"
    assert body["error"] == {"code": "job_failed", "detail": "RuntimeError: disk on fire"}
