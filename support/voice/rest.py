"""Voice over REST: audio in -> ASR -> the same turn as text -> TTS -> audio out (the stages of
support/voice/pipeline.py `turn_pipeline`), with every provider call recorded and the audio stored
beside its messages (services.voice_turn_store, as for the WebSocket)."""

from __future__ import annotations

import base64
import time
from typing import Any

from django.conf import settings

from ..models import Conversation, Message, ToolCall
from ..conversations.serializers import tool_call_payloads
from ..speech.asr import hearing
from ..speech.audio import AudioError, audio_from_base64, decode, float_to_pcm16, wav_bytes
from ..speech.records import SpeechCall
from . import services
from .factory import providers
from .frames import ReplyDone, Transcript, Utterance
from .pipeline import run_once, turn_pipeline


def voice_turn(
    *, conversation: Conversation, audio: bytes, mime: str = "", language: str | None = None, sample_rate: int = 16000,
    include_audio: bool = True,
) -> dict[str, Any]:
    """One REST voice turn. Bad audio raises AudioError (413/422) after recording the failure."""
    calls: list = []
    t0 = time.perf_counter()
    try:
        samples = decode(audio, mime=mime, sample_rate=sample_rate)
    except AudioError as exc:
        # Only the error is recorded: no message is stored for audio that could not be used.
        failure = SpeechCall(stage="asr", provider="decoder", model=mime or "unknown", ok=False,
                             error=f"{exc.code}: {exc.message}", input_size=len(audio))
        services.speech_calls_record(session_id=conversation.pk, speech_calls=[failure.as_model_call_fields()])
        raise
    decode_done = time.perf_counter()
    decode_ms = (decode_done - t0) * 1000
    asr_language = language or conversation.speech_language
    session_language = language or ("auto" if asr_language == "auto" else conversation.language)

    def judge(transcript):
        # The same decision as the WebSocket pipeline: nothing runs on a transcript that is not trusted.
        return hearing(transcript, session_language=session_language, default=conversation.language)

    pipeline = turn_pipeline(session_id=str(conversation.pk), language=asr_language, judge=judge, on_call=calls.append)
    frames = run_once(pipeline, Utterance(audio=samples, heard_speech=True), eos=decode_done)
    heard = next(f for f in frames if isinstance(f, Transcript))
    done = next(f for f in frames if isinstance(f, ReplyDone))
    transcript, outcome = heard.asr, heard.hearing
    asr_ms = pipeline.turn.asr_ms or 0.0
    timings = {"decode_ms": round(decode_ms, 1), "asr_ms": round(asr_ms, 1)}
    dicts = [c.as_model_call_fields() for c in calls]

    if done.result is None:  # asked again, or told this language cannot be heard here
        services.speech_calls_record(session_id=conversation.pk, speech_calls=dicts)
        timings.update(tts_ms=round(done.tts_ms or 0.0, 1), total_ms=round((time.perf_counter() - t0) * 1000, 1))
        return {
            "session_id": str(conversation.pk), "transcript": "", "language": done.language,
            "confidence": transcript.confidence if transcript is not None and transcript.text else None,
            "reply": done.text, outcome.action: True, **outcome.event_fields(), "tool_calls": [], "timings": timings,
            **({"audio": _audio_payload(done.reply_pcm, None)} if include_audio else {}),
        }

    result = done.result
    user_pcm = float_to_pcm16(samples)
    if result["taken_over"]:
        # A staff member has the conversation: the shopper's words reach them; nothing is said now.
        services.voice_turn_store(session_id=conversation.pk, user_message_id=result["user_message_id"],
                                  assistant_message_id=None, speech_calls=dicts, assistant_timings={}, user_pcm=user_pcm)
        return {
            "session_id": str(conversation.pk), "transcript": transcript.text, "language": result["language"],
            "confidence": transcript.confidence, "reply": "", "intent": result["intent"], "taken_over": True,
            "tool_calls": [], "timings": timings, "message_id": None, "audio": None,
        }
    # The voice said the brain's spoken version (the answer first, short); the text reply keeps the detail.
    tts_ms = round(done.tts_ms or 0.0, 1)
    timings.update(brain_ms=result["brain_ms"], tts_ms=tts_ms, total_ms=round((time.perf_counter() - t0) * 1000, 1))
    reply = services.voice_turn_store(
        session_id=conversation.pk, user_message_id=result["user_message_id"],
        assistant_message_id=result["assistant_message_id"], speech_calls=dicts, assistant_timings={"tts_ms": tts_ms},
        user_pcm=user_pcm, reply_pcm=done.reply_pcm, reply_rate=done.reply_rate,
    )
    tool_calls = ToolCall.objects.filter(message_id=reply.pk).order_by("pk")
    return {
        "session_id": str(conversation.pk), "transcript": transcript.text, "language": result["language"],
        "confidence": transcript.confidence, "reply": result["reply"], "intent": result["intent"],
        "tool_calls": tool_call_payloads(tool_calls), "timings": timings, "message_id": reply.pk,
        **({"audio": _audio_payload(done.reply_pcm, reply)} if include_audio else {}),
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
    t0 = time.perf_counter()
    pcm = providers().tts.synthesize(text, language, on_call=calls.append)
    tts_ms = round((time.perf_counter() - t0) * 1000, 1)
    stored = services.voice_turn_store(
        session_id=message.conversation_id, user_message_id=None, assistant_message_id=message.pk,
        speech_calls=[c.as_model_call_fields() for c in calls], assistant_timings={"tts_ms": tts_ms},
        reply_pcm=pcm, reply_rate=settings.TTS_SAMPLE_RATE,
    )
    return _audio_payload(pcm, stored)


def voice_turn_from_base64(*, conversation: Conversation, audio_base64: str, mime: str, language: str | None, request=None):
    return voice_turn(conversation=conversation, audio=audio_from_base64(audio_base64), mime=mime, language=language)
