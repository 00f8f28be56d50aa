"""Voice over REST: real audio through real ASR, the offline brain and real TTS."""

import base64
import io
import wave

import numpy as np
import pytest
from django.conf import settings
from rest_framework.test import APIClient

from catalog.tests.factories import PolicyFactory
from crm.tests.factories import CustomerFactory
from orders.models import Order
from orders.tests.factories import OrderFactory
from support.assistant.offline.replies import render
from support.models import Conversation, Message, ModelCall
from support.speech import models
from support.speech.audio import wav_bytes
from support.tests.speech_helpers import sample_wav, to_mp3

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def speak():
    """Text -> 16 kHz mono PCM16 WAV bytes, spoken by Piper (the product's own English voice)."""
    from support.tests.speech_helpers import steady_speech

    def make(text: str) -> bytes:
        silence = np.zeros(4000, "<i2").tobytes()
        return wav(silence + steady_speech(text, 16000) + silence)

    return make


def wav(pcm: bytes, rate: int = 16000) -> bytes:
    return wav_bytes(pcm, rate)


@pytest.fixture(autouse=True)
def policies(db):
    PolicyFactory(kind="returns", text="You can return most items within 7 days of delivery.")


def test_process_multipart_wav(speak):
    client = APIClient()
    audio = speak("What is your return policy?")
    resp = client.post("/api/voice/process", {"file": io.BytesIO(audio), "language": "en"}, format="multipart")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert "return policy" in body["transcript"].lower()
    assert body["language"] == "en" and body["confidence"] > 0.5
    assert "7 days" in body["reply"]
    assert body["audio"]["mime"] == "audio/wav"
    reply_wav = base64.b64decode(body["audio"]["base64"])
    with wave.open(io.BytesIO(reply_wav)) as w:
        assert w.getframerate() == settings.TTS_SAMPLE_RATE and w.getnframes() > settings.TTS_SAMPLE_RATE // 2
    assert body["audio"]["url"].endswith(".wav")
    assert {"decode_ms", "asr_ms", "brain_ms", "tts_ms", "total_ms"} <= set(body["timings"])
    conv = Conversation.objects.get(pk=body["session_id"])
    user, assistant = conv.messages.order_by("id")
    assert user.audio and assistant.audio and user.asr_confidence
    stages = set(ModelCall.objects.filter(conversation=conv).values_list("stage", flat=True))
    assert {"asr", "tts"} <= stages
    assert ModelCall.objects.get(conversation=conv, stage="asr").message == user


def test_process_base64_mp3_continues_session(speak):
    client = APIClient()
    first = client.post("/api/voice/process", {"audio_base64": base64.b64encode(speak("Hello")).decode(), "mime": "audio/wav"},
                        format="json").json()
    mp3 = to_mp3(speak("What is your return policy?"))
    resp = client.post("/api/voice/process", {"audio_base64": base64.b64encode(mp3).decode(), "mime": "audio/mpeg",
                                              "session_id": first["session_id"], "token": first["token"]}, format="json")
    assert resp.status_code == 200, resp.content
    assert "return" in resp.json()["transcript"].lower()
    assert Conversation.objects.get(pk=first["session_id"]).messages.filter(role="user").count() == 2


def test_silence_gives_empty_transcript_and_reprompt():
    silent = wav(np.zeros(16000 * 2, "<i2").tobytes())
    resp = APIClient().post("/api/voice/process", {"file": io.BytesIO(silent)}, format="multipart")
    assert resp.status_code == 200
    body = resp.json()
    assert body["transcript"] == "" and body["reprompt"] is True and body["reply"]
    assert Message.objects.count() == 0


def test_corrupt_audio_is_422_and_only_the_error_is_recorded():
    resp = APIClient().post("/api/voice/process", {"audio_base64": base64.b64encode(b"RIFF\x00\x00garbage" * 50).decode(),
                                                   "mime": "audio/wav"}, format="json")
    assert resp.status_code == 422
    assert resp.json()["code"] == "audio_corrupt"
    assert Message.objects.count() == 0
    error = ModelCall.objects.get()
    assert not error.ok and "audio_corrupt" in error.error


def test_oversize_audio_is_413(settings):
    settings.AUDIO_MAX_BYTES = 1000
    resp = APIClient().post("/api/voice/process", {"file": io.BytesIO(b"\x00" * 5000)}, format="multipart")
    assert resp.status_code == 413 and resp.json()["code"] == "audio_too_large"
    assert Message.objects.count() == 0


def test_too_long_audio_is_422(settings):
    settings.AUDIO_MAX_SECONDS = 1
    resp = APIClient().post("/api/voice/process", {"file": io.BytesIO(wav(np.zeros(16000 * 3, "<i2").tobytes()))},
                            format="multipart")
    assert resp.status_code == 422 and resp.json()["code"] == "audio_too_long"


def test_bad_base64_and_missing_audio_are_400():
    client = APIClient()
    resp = client.post("/api/voice/process", {"audio_base64": "!!!not base64!!!"}, format="json")
    assert resp.status_code == 400 and resp.json()["code"] == "audio_base64_invalid"
    resp = client.post("/api/voice/process", {}, format="json")
    assert resp.status_code == 400 and "audio_base64" in resp.json()["errors"]  # JSON carries audio_base64


def test_raw_pcm_with_its_rate(speak):
    with wave.open(io.BytesIO(speak("What is your return policy?"))) as w:
        pcm = w.readframes(w.getnframes())
    resp = APIClient().post("/api/voice/process", {"audio_base64": base64.b64encode(pcm).decode(), "mime": "audio/pcm",
                                                   "sample_rate": 16000}, format="json")
    assert resp.status_code == 200
    assert "return" in resp.json()["transcript"].lower()


def test_v1_session_audio_message_as_the_prototype_documented(api_client, speak):
    customer = CustomerFactory(customer_id="cust_123")
    order = OrderFactory(customer=customer, status=Order.Status.SHIPPED)
    sid = api_client.post("/api/v1/sessions", {"customer_id": "cust_123", "language": "en"}, format="json").json()["session_id"]
    audio = speak(f"Where is my order {order.number.replace('-', ' ')}?")
    resp = api_client.post(f"/api/v1/sessions/{sid}/messages",
                           {"type": "audio", "audio_base64": base64.b64encode(audio).decode(), "mime": "audio/wav"}, format="json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert "order" in body["transcript"].lower()
    conv = api_client.get(f"/api/v1/sessions/{sid}/conversation").json()
    assert {c["stage"] for c in conv["model_calls"]} >= {"asr", "tts"}


def test_voice_text_returns_audio():
    resp = APIClient().post("/api/voice/text", {"text": "What is your return policy?", "language": "en"}, format="json")
    assert resp.status_code == 200
    body = resp.json()
    assert "7 days" in body["reply"]
    assert base64.b64decode(body["audio"]["base64"])[:4] == b"RIFF"
    assert ModelCall.objects.filter(stage="tts", ok=True).exists()


def test_voice_turn_during_a_takeover_is_stored_not_answered(speak, django_user_model):
    from support.desk.services import conversation_takeover

    client = APIClient()
    first = client.post("/api/voice/process", {"file": io.BytesIO(speak("Hello"))}, format="multipart").json()
    staff = django_user_model.objects.create_user("asha", is_staff=True)
    conversation_takeover(conversation=Conversation.objects.get(pk=first["session_id"]), user=staff)
    resp = client.post("/api/voice/process", {"file": io.BytesIO(speak("What is your return policy?")),
                                              "session_id": first["session_id"], "token": first["token"]}, format="multipart")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["taken_over"] is True and body["reply"] == "" and body["audio"] is None
    assert "return policy" in body["transcript"].lower()
    last = Message.objects.filter(conversation_id=first["session_id"]).order_by("-id").first()
    assert last.role == "user" and "return" in last.text.lower()


@pytest.mark.parametrize("created_with,model", [({"language": "en"}, "bundled:tiny.en"), ({}, "bundled:base")])
def test_a_session_opened_in_a_language_hears_its_audio_in_it(api_client, speak, created_with, model):
    """Opened with language=en, its audio messages use the English model without repeating the
    language; opened without one, the language is identified per message."""
    sid = api_client.post("/api/v1/sessions", {"channel": "phone", **created_with}, format="json").json()["session_id"]
    audio = base64.b64encode(speak("What is your return policy?")).decode()
    resp = api_client.post(f"/api/v1/sessions/{sid}/messages", {"type": "audio", "audio_base64": audio, "mime": "audio/wav"},
                           format="json")
    assert resp.status_code == 200, resp.content
    assert ModelCall.objects.get(conversation_id=sid, stage="asr").model == model
    assert "return policy" in resp.json()["transcript"].lower()


# -- speech in a language this server cannot recognise (the bundled model on Hindi) ----------


def test_hindi_speech_is_not_guessed_at_the_shopper_is_told_and_invited_to_type(settings):
    settings.WHISPER_MODELS_BY_LANGUAGE = {}
    resp = APIClient().post("/api/voice/process", {"file": io.BytesIO(sample_wav("hi_cv_001")), "language": "hi"},
                            format="multipart")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["speech_unavailable"] is True and body["trusted"] is False and body["reason"]
    assert body["transcript"] == "" and body["tool_calls"] == [] and "intent" not in body
    assert body["language"] == "hi" and body["reply"] == render("speech_unavailable", "hi")
    assert base64.b64decode(body["audio"]["base64"])[:4] == b"RIFF"  # said aloud too
    conv = Conversation.objects.get(pk=body["session_id"])
    assert Message.objects.count() == 0  # nothing was understood, nothing is stored as said
    asr = ModelCall.objects.get(conversation=conv, stage="asr")
    assert asr.ok and asr.error.startswith("untrusted transcript (")
    assert ModelCall.objects.filter(conversation=conv, stage="tts", ok=True).exists()


def test_v1_session_audio_in_hindi_behaves_the_same(api_client, settings):

    settings.WHISPER_MODELS_BY_LANGUAGE = {}
    sid = api_client.post("/api/v1/sessions", {"language": "hi"}, format="json").json()["session_id"]
    resp = api_client.post(f"/api/v1/sessions/{sid}/messages", {
        "type": "audio", "audio_base64": base64.b64encode(sample_wav("hi_cv_001")).decode(), "mime": "audio/wav",
    }, format="json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["speech_unavailable"] is True and body["transcript"] == "" and body["language"] == "hi"
    conv = api_client.get(f"/api/v1/sessions/{sid}/conversation").json()
    assert conv["messages"] == [] and conv["tool_calls"] == []


def test_with_a_model_imported_for_hindi_hindi_speech_is_acted_on(settings):
    # The bundled base model stands in for an imported Hindi model (routing is what is tested).
    settings.WHISPER_MODELS_BY_LANGUAGE = {"hi": models.resolve_whisper("bundled:base", "WHISPER_MULTILINGUAL_MODEL")[0]}
    resp = APIClient().post("/api/voice/process", {"file": io.BytesIO(sample_wav("hi_cv_001")), "language": "hi"},
                            format="multipart")
    body = resp.json()
    assert resp.status_code == 200 and "speech_unavailable" not in body
    assert body["transcript"] and body["intent"] and body["language"] == "hi"
    assert Message.objects.filter(role="user", text=body["transcript"]).exists()


def test_english_spoken_in_a_hindi_session_is_heard_as_the_reply_invites(speak, settings):
    settings.WHISPER_MODELS_BY_LANGUAGE = {}
    resp = APIClient().post("/api/voice/process", {"file": io.BytesIO(speak("What is your return policy?")),
                                                   "language": "hi"}, format="multipart")
    body = resp.json()
    assert resp.status_code == 200 and "speech_unavailable" not in body
    assert "return policy" in body["transcript"].lower() and body["language"] == "en" and "7 days" in body["reply"]


def test_voice_text_says_the_answer_first_and_the_text_keeps_the_detail():
    PolicyFactory(kind="shipping", title="Shipping", return_window_days=None,
                  text="Delivery is free above ₹499. Metro cities get orders in 2-4 days. We ship with Delhivery and "
                       "Blue Dart. Tracking numbers come by SMS as soon as the parcel ships.")
    resp = APIClient().post("/api/voice/text", {"text": "What is your shipping policy?", "language": "en"}, format="json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert "Tracking numbers come by SMS" in body["reply"]
    spoken_chars = sum(ModelCall.objects.filter(stage="tts", message_id=body["message_id"]).values_list("input_size", flat=True))
    assert 0 < spoken_chars < len(body["reply"]) / 2  # "Delivery is free above 499 rupees. Shall I read the full policy?"
    with wave.open(io.BytesIO(base64.b64decode(body["audio"]["base64"]))) as w:
        assert w.getnframes() / w.getframerate() < 8
