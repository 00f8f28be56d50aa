"""The voice paths' database work, as keyword-only synchronous services that take and return plain
data. The WebSocket pipeline calls them through `database_sync_to_async` (nothing async touches the
ORM directly); REST voice and batch transcription call them as they are."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from voxsite.core.models import APIKey

from voxsite.core.errors import DomainError

from ..assistant.brain import TurnEvent
from ..assistant.offline.dialogue import awaits_number
from ..conversations.selectors import conversation_get_for
from ..conversations.services.lifecycle import conversation_create
from ..conversations.services.resume import pending_turn_get
from ..conversations.services.turns import conversation_turn
from ..models import Conversation, Message, ModelCall
from ..speech.audio import wav_bytes

MODEL_CALL_FIELDS = frozenset({"stage", "provider", "model", "ok", "error", "latency_ms", "first_byte_ms", "input_size",
                               "output_size"})


def session_open(*, session_id: str | None, token: str, api_key: APIKey | None, user, language: str) -> dict[str, Any]:
    """Resume a conversation the caller owns (within the resume window), or start a new one."""
    if session_id:
        conv = conversation_get_for(session_id=session_id, token=token, api_key=api_key, user=user)
        window = timedelta(seconds=settings.VOICE_RESUME_WINDOW_S)
        if conv.status == Conversation.Status.ENDED or timezone.now() - conv.updated_at > window:
            raise DomainError("This conversation can no longer be resumed; start a new one.", code="session_expired",
                              status_code=410)
        return {"session_id": str(conv.pk), "token": "", "language": conv.language, "resumed": True,
                "status": conv.status, "turns": conv.messages.filter(role=Message.Role.USER).count(),
                "pending": pending_turn_get(session_id=str(conv.pk))}
    conv, raw = conversation_create(channel=Conversation.Channel.WEB_VOICE, language=language if language != "auto" else "en",
                                    speech_language=language, api_key=api_key)
    return {"session_id": str(conv.pk), "token": raw, "language": conv.language, "resumed": False, "status": conv.status,
            "turns": 0, "pending": None}


def turn_run(*, session_id: str, text: str, language: str | None, asr_confidence: float | None,
             user_timings: dict[str, float], on_event: Callable[[TurnEvent], None], answering_id: int | None = None,
             ) -> dict[str, Any]:
    """`answering_id`: the stored shopper message a cut-off turn left unanswered (conversations.services.resume)."""
    conv = Conversation.objects.select_related("customer").get(pk=session_id)
    answering = Message.objects.get(pk=answering_id, conversation=conv) if answering_id else None
    result = conversation_turn(conversation=conv, text=text, language=language, asr_confidence=asr_confidence,
                               user_timings=user_timings, on_event=on_event, answering=answering)
    return {
        "user_message_id": result.user_message.pk,
        "assistant_message_id": result.assistant_message.pk,
        "reply": result.reply,
        "language": result.language,
        "intent": result.intent,
        "status": result.conversation.status,
        "taken_over": result.taken_over,
        "brain_ms": result.timings.get("brain_ms"),
        "expects_number": awaits_number(result.conversation.state),
    }


def _audio_save(message: Message, pcm: bytes, rate: int) -> list[str]:
    message.audio.save(f"{uuid.uuid4().hex}.wav", ContentFile(wav_bytes(pcm, rate)), save=False)
    message.audio_mime = "audio/wav"
    return ["audio", "audio_mime"]


@transaction.atomic
def voice_turn_store(
    *, session_id, user_message_id: int | None, assistant_message_id: int | None, speech_calls: list[dict],
    assistant_timings: dict[str, float], user_pcm: bytes | None = None, user_rate: int = 16000,
    reply_pcm: bytes | None = None, reply_rate: int = 22050, interrupted_text: str | None = None,
) -> Message | None:
    """Attach what the voice stages measured and produced to the turn's messages: the provider calls
    (ASR ones on the shopper's message, the others on the reply), the audio both ways (when
    VOICE_STORE_AUDIO), the reply's timings, and what the shopper heard of a reply cut short.
    Returns the reply message, saved."""
    rows = []
    for call in speech_calls:
        fields = {k: v for k, v in call.items() if k in MODEL_CALL_FIELDS}
        message_id = user_message_id if fields.get("stage") == "asr" else assistant_message_id
        rows.append(ModelCall(conversation_id=session_id, message_id=message_id, **fields))
    ModelCall.objects.bulk_create(rows)
    if user_message_id and user_pcm and settings.VOICE_STORE_AUDIO:
        msg = Message.objects.get(pk=user_message_id)
        msg.save(update_fields=_audio_save(msg, user_pcm, user_rate))
    if not assistant_message_id:
        return None
    msg = Message.objects.get(pk=assistant_message_id)
    msg.timings = {**(msg.timings or {}), **{k: round(v, 1) for k, v in assistant_timings.items() if v is not None}}
    fields = ["timings"]
    if interrupted_text is not None:
        msg.interrupted = True
        msg.text = interrupted_text
        fields += ["interrupted", "text"]
    if reply_pcm and settings.VOICE_STORE_AUDIO:
        fields += _audio_save(msg, reply_pcm, reply_rate)
    msg.save(update_fields=fields)
    return msg


def speech_calls_record(*, session_id, speech_calls: list[dict]) -> None:
    """ASR/TTS calls that belong to no stored message (silence, a re-prompt, audio that could not
    be decoded, a batch job)."""
    voice_turn_store(session_id=session_id, user_message_id=None, assistant_message_id=None, speech_calls=speech_calls,
                     assistant_timings={})


def message_mark_interrupted(*, message_id: int, heard: str) -> None:
    """Keep only the part of a reply the shopper heard before speaking over it."""
    Message.objects.filter(pk=message_id).update(interrupted=True, text=heard)
