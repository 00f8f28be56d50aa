"""Voice over REST: audio in -> ASR -> the same turn as text -> TTS -> audio out, with every
provider call recorded and the audio stored beside its messages."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from voxsite.core.errors import DomainError

from ..models import Conversation, Message, ModelCall
from ..services.turns import conversation_turn
from ..speech.audio import audio_from_base64, wav_bytes


def _calls_to_rows(conversation: Conversation | None, calls: list, message_for_stage: dict[str, Message | None]) -> list[ModelCall]:
    rows = []
    for call in calls:
        fields = call.as_model_call_fields()
        rows.append(ModelCall(conversation=conversation, message=message_for_stage.get(fields["stage"]), **fields))
    return rows


def speech_synthesize(*, text: str, language: str, on_call) -> tuple[bytes, float]:
    from .factory import providers

    t0 = time.perf_counter()
    pcm = providers().tts.synthesize(text, language, on_call=on_call)
    return pcm, (time.perf_counter() - t0) * 1000


def voice_turn(
    *, conversation: Conversation, audio: bytes, mime: str = "", language: str | None = None, sample_rate: int = 16000,
    include_audio: bool = True,
) -> dict[str, Any]:
    """One REST voice turn. Bad audio raises AudioError (413/422) after recording the failure."""
    from ..agent.offline.replies import render
    from ..speech.asr import hearing
    from ..speech.audio import AudioError, decode, float_to_pcm16
    from .factory import providers

    calls: list = []
    t0 = time.perf_counter()
    try:
        samples = decode(audio, mime=mime, sample_rate=sample_rate)
    except AudioError as exc:
        # Only the error is recorded: no message is stored for audio that could not be used.
        from ..speech.records import SpeechCall

        ModelCall.objects.create(conversation=conversation, **SpeechCall(
            stage="asr", provider="decoder", model=mime or "unknown", ok=False, error=f"{exc.code}: {exc.message}",
            input_size=len(audio)).as_model_call_fields())
        raise
    decode_ms = (time.perf_counter() - t0) * 1000
    asr_language = language or conversation.speech_language
    transcript = providers().asr.transcribe(samples, language=asr_language, on_call=calls.append)
    asr_ms = (time.perf_counter() - t0) * 1000 - decode_ms
    user_wav = wav_bytes(float_to_pcm16(samples), 16000)
    timings = {"decode_ms": round(decode_ms, 1), "asr_ms": round(asr_ms, 1)}

    # The same decision as the WebSocket pipeline: nothing runs on a transcript that is not trusted.
    outcome = hearing(transcript, session_language=language or ("auto" if asr_language == "auto" else conversation.language),
                      default=conversation.language)
    if outcome.action != "turn":
        reply_language = outcome.language
        reply = render(outcome.reply_key, reply_language)
        pcm, tts_ms = speech_synthesize(text=reply, language=reply_language, on_call=calls.append)
        ModelCall.objects.bulk_create(_calls_to_rows(conversation, calls, {}))
        timings.update(tts_ms=round(tts_ms, 1), total_ms=round((time.perf_counter() - t0) * 1000, 1))
        return {
            "session_id": str(conversation.pk), "transcript": "", "language": reply_language,
            "confidence": transcript.confidence if transcript.text else None,
            "reply": reply, outcome.action: True, **outcome.event_fields(), "tool_calls": [], "timings": timings,
            **({"audio": _audio_payload(pcm, None)} if include_audio else {}),
        }

    result = conversation_turn(
        conversation=conversation, text=outcome.text, language=outcome.language,
        asr_confidence=transcript.confidence, user_timings={"asr_ms": round(asr_ms, 1)},
        user_audio={"file": ContentFile(user_wav, name=f"{uuid.uuid4().hex}.wav"), "mime": "audio/wav"}
        if settings.VOICE_STORE_AUDIO else None,
    )
    if result.taken_over:
        # A staff member has the conversation: the shopper's words reach them; nothing is said now.
        ModelCall.objects.bulk_create(_calls_to_rows(conversation, calls, {"asr": result.user_message}))
        return {
            "session_id": str(conversation.pk), "transcript": transcript.text, "language": result.language,
            "confidence": transcript.confidence, "reply": "", "intent": result.intent, "taken_over": True,
            "tool_calls": [], "timings": timings, "message_id": None, "audio": None,
        }
    # The voice says the brain's spoken version (the answer first, short); the text reply keeps the detail.
    pcm, tts_ms = speech_synthesize(text=result.speech, language=result.language, on_call=calls.append)
    timings.update(brain_ms=result.timings.get("brain_ms"), tts_ms=round(tts_ms, 1),
                   total_ms=round((time.perf_counter() - t0) * 1000, 1))
    with transaction.atomic():
        ModelCall.objects.bulk_create(_calls_to_rows(conversation, calls, {"asr": result.user_message, "tts": result.assistant_message}))
        msg = result.assistant_message
        msg.timings = {**msg.timings, "tts_ms": round(tts_ms, 1)}
        fields = ["timings"]
        if settings.VOICE_STORE_AUDIO:
            msg.audio.save(f"{uuid.uuid4().hex}.wav", ContentFile(wav_bytes(pcm, settings.TTS_SAMPLE_RATE)), save=False)
            msg.audio_mime = "audio/wav"
            fields += ["audio", "audio_mime"]
        msg.save(update_fields=fields)
    from ..serializers import tool_call_payloads

    return {
        "session_id": str(conversation.pk), "transcript": transcript.text, "language": result.language,
        "confidence": transcript.confidence, "reply": result.reply, "intent": result.intent,
        "tool_calls": tool_call_payloads(result.tool_calls), "timings": timings,
        "message_id": result.assistant_message.pk,
        **({"audio": _audio_payload(pcm, result.assistant_message)} if include_audio else {}),
    }


def _audio_payload(pcm: bytes, message: Message | None) -> dict[str, Any]:
    return {
        "mime": "audio/wav",
        "sample_rate": settings.TTS_SAMPLE_RATE,
        "base64": base64.b64encode(wav_bytes(pcm, settings.TTS_SAMPLE_RATE)).decode(),
        "url": message.audio.url if message is not None and message.audio else None,
    }


def reply_audio(*, message: Message, text: str, language: str) -> dict[str, Any]:
    """Speak a text turn's reply (POST /api/voice/text) and store it on the message."""
    calls: list = []
    pcm, tts_ms = speech_synthesize(text=text, language=language, on_call=calls.append)
    with transaction.atomic():
        ModelCall.objects.bulk_create(_calls_to_rows(message.conversation, calls, {"tts": message}))
        message.timings = {**message.timings, "tts_ms": round(tts_ms, 1)}
        fields = ["timings"]
        if settings.VOICE_STORE_AUDIO:
            message.audio.save(f"{uuid.uuid4().hex}.wav", ContentFile(wav_bytes(pcm, settings.TTS_SAMPLE_RATE)), save=False)
            message.audio_mime = "audio/wav"
            fields += ["audio", "audio_mime"]
        message.save(update_fields=fields)
    return _audio_payload(pcm, message)


def voice_turn_from_base64(*, conversation: Conversation, audio_base64: str, mime: str, language: str | None, request=None):
    return voice_turn(conversation=conversation, audio=audio_from_base64(audio_base64), mime=mime, language=language)
