"""One shopper turn, text in and text out: store the shopper's message, run the brains with
fallback, record every tool call and model call, store the reply.

The brain's events are passed to `on_event` as they happen, so the real-time pipeline can
start speaking the first clause while the brain is still working; the records are written
when the turn ends (the user's message first, so a failing brain never loses it).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from django.conf import settings
from django.db import transaction

from voxsite.core import metrics
from voxsite.core.errors import DomainError

from ...assistant.brain import (
    BrainError, Intent, LazyList, ModelCalled, ReplyRestart, Spoken, TextDelta, ToolCalled, TurnContext, TurnEvent,
    TurnLanguage,
)
from ...assistant.fallback import Fallback, brains_from_settings, stream_with_fallback
from ...assistant.offline.lang import detect_language
from ...assistant.offline.replies import render
from ...assistant.tools import default_tools
from ...desk.live import live_publish_on_commit, message_event
from ..markdown import markdown_log_append
from ..models import Conversation, Message, ModelCall, ToolCall

log = logging.getLogger(__name__)

HISTORY_MESSAGES = 12
SUPPORTED = ("en", "hi", "bn", "mr")

TURNS = metrics.counter("voxsite_turns", "Shopper turns by channel and language.", ("channel", "language"))
LLM_LATENCY = metrics.histogram("voxsite_llm_latency_ms", "Language model call latency (ms).", ("provider",))
LLM_ERRORS = metrics.counter("voxsite_model_call_errors", "Failed model calls by stage and provider.", ("stage", "provider"))
BRAIN_FALLBACKS = metrics.counter("voxsite_brain_fallbacks", "Turns answered by a fallback brain.", ("from_brain",))
TURN_LATENCY = metrics.histogram("voxsite_turn_latency_ms", "Brain time per turn, text in to full reply (ms).", ("channel",))


class TextTooLong(DomainError):
    code = "text_too_long"
    status_code = 400


class TextEmpty(DomainError):
    code = "text_empty"
    status_code = 400


@dataclass
class TurnResult:
    conversation: Conversation
    user_message: Message
    # Unsaved (pk None) and empty when a staff member has taken the conversation over: the
    # assistant said nothing, so nothing is stored, and callers need no None checks.
    assistant_message: Message
    reply: str
    language: str
    intent: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    model_calls: list[ModelCall] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    brain: str = ""
    taken_over: bool = False
    # What a voice says, when the brain made it differ from `reply` (short, the answer first);
    # empty means "speak the reply".
    spoken: str = ""

    @property
    def speech(self) -> str:
        return self.spoken or self.reply


def text_validate(*, text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise TextEmpty("Say or type something: the text is empty.")
    text = text.strip()
    if len(text) > settings.AGENT_MAX_TEXT_LENGTH:
        raise TextTooLong(
            f"Text is {len(text)} characters; the limit is {settings.AGENT_MAX_TEXT_LENGTH} (AGENT_MAX_TEXT_LENGTH).",
            limit=settings.AGENT_MAX_TEXT_LENGTH,
        )
    return text


def turn_language(*, text: str, requested: str | None, current: str) -> str:
    """An explicit language wins; otherwise detect from the text, keeping the conversation's
    language when the text is too short to tell (digits, "ok")."""
    if requested and requested in SUPPORTED:
        return requested

    return detect_language(text, default=current if current in SUPPORTED else "en")


def _history(conversation: Conversation) -> list[dict[str, str]]:
    rows = list(
        conversation.messages.filter(role__in=[Message.Role.USER, Message.Role.ASSISTANT, Message.Role.STAFF])
        .order_by("-created_at", "-id")
        .values_list("role", "text")[:HISTORY_MESSAGES]
    )
    rows.reverse()
    return [{"role": "user" if role == "user" else "assistant", "content": text} for role, text in rows if text]


def _default_brains():
    return brains_from_settings()


def _default_tools():
    return default_tools()


def _apology(language: str) -> str:
    return render("apology", language)


def conversation_turn(
    *,
    conversation: Conversation,
    text: str,
    language: str | None = None,
    user_audio: dict[str, Any] | None = None,
    asr_confidence: float | None = None,
    user_timings: dict[str, float] | None = None,
    on_event: Callable[[TurnEvent], None] | None = None,
    brains=None,
    tools=None,
    answering: Message | None = None,
) -> TurnResult:
    """`answering`: a shopper message already stored whose answer was cut off (a server process
    died mid-turn, see services/resume.py): it is answered, not stored again."""
    text = text_validate(text=text)
    emit = on_event or (lambda event: None)
    lang = turn_language(text=text, requested=language, current=conversation.language)

    if answering is not None:
        user_message = answering
    else:
        user_message = _user_message_store(conversation=conversation, text=text, language=lang, user_audio=user_audio,
                                           asr_confidence=asr_confidence, user_timings=user_timings)

    if conversation.taken_over_by_id:
        return _taken_over_turn(conversation=conversation, user_message=user_message, language=lang)

    state = dict(conversation.state or {})
    state["turn"] = int(state.get("turn", 0)) + 1
    ctx = TurnContext(
        conversation_id=str(conversation.pk), language=lang, customer_id=conversation.customer_id, state=state,
        history=LazyList(lambda: _history(conversation)[:-1]), persona=conversation.persona, channel=conversation.channel,
        text=text,
    )
    emit(TurnLanguage(language=lang))
    brains = brains if brains is not None else _default_brains()
    tools = tools if tools is not None else _default_tools()

    start = time.perf_counter()
    first_token_ms: float | None = None
    parts: list[str] = []
    tool_events: list[ToolCalled] = []
    model_events: list[ModelCalled] = []
    intent = "unknown"
    spoken = ""
    try:
        for event in stream_with_fallback(text, ctx, tools, brains):
            if isinstance(event, TextDelta):
                if first_token_ms is None:
                    first_token_ms = (time.perf_counter() - start) * 1000
                parts.append(event.text)
                emit(event)
            elif isinstance(event, ToolCalled):
                tool_events.append(event)
                emit(event)
            elif isinstance(event, ModelCalled):
                model_events.append(event)
            elif isinstance(event, Intent):
                intent = event.name
                emit(event)
            elif isinstance(event, Spoken):
                spoken = event.text.strip()
                emit(Spoken(text=spoken))
            elif isinstance(event, Fallback):
                BRAIN_FALLBACKS.inc(from_brain=event.from_brain)
                parts.clear()
                spoken = ""
                first_token_ms = None
                emit(ReplyRestart(reason="fallback", from_brain=event.from_brain))
        reply = "".join(parts).strip()
        if not reply:
            raise BrainError("the brain produced no reply")
    except Exception as exc:  # noqa: BLE001 - any brain failure becomes an apology, never a lost turn
        log.exception("turn failed in conversation %s", conversation.pk)
        model_events.append(ModelCalled(provider="brain", model="chain", ok=False, latency_ms=(time.perf_counter() - start) * 1000,
                                        error=f"{exc.__class__.__name__}: {exc}"[:2000]))
        reply = _apology(lang)
        spoken = ""
        state = dict(conversation.state or {}, turn=ctx.state.get("turn", 1))
        ctx.state = state
        emit(ReplyRestart(reason="error"))
        emit(TextDelta(text=reply))
        intent = "error"
    brain_ms = (time.perf_counter() - start) * 1000
    brain_name = next((m.provider for m in reversed(model_events) if m.ok), "offline")

    timings = {"brain_ms": round(brain_ms, 1)}
    if first_token_ms is not None:
        timings["first_token_ms"] = round(first_token_ms, 1)

    with transaction.atomic():
        # The conversation's row lock orders this store against another process storing an answer
        # to the same question at the same instant; whichever comes second sees the first's reply.
        # (SQLite's IMMEDIATE transactions already hold the database's write lock here.)
        Conversation.objects.select_for_update().filter(pk=conversation.pk).values_list("pk").first()
        stored = _reply_since(conversation=conversation, question=user_message)
        if stored is not None:
            # Another process answered this question meanwhile, either way round: the process a
            # resumed turn was taken over from was alive after all (a dropped socket, not a dead
            # process), or this is that process and the resumed connection answered first. Keep
            # the one stored, never two.
            return TurnResult(conversation=conversation, user_message=user_message, assistant_message=stored,
                              reply=stored.text, language=stored.language or lang, intent=intent, timings=timings,
                              brain=brain_name)
        assistant_message = Message.objects.create(
            conversation=conversation, role=Message.Role.ASSISTANT, text=reply, language=lang, timings=timings,
        )
        tool_rows = ToolCall.objects.bulk_create([
            ToolCall(conversation=conversation, message=assistant_message, name=t.name, arguments=_jsonable(t.arguments),
                     result=_jsonable(t.result.as_payload()), ok=t.result.ok, error=t.result.error,
                     latency_ms=round(t.latency_ms, 2))
            for t in tool_events
        ])
        model_rows = ModelCall.objects.bulk_create([
            ModelCall(conversation=conversation, message=assistant_message, stage=ModelCall.Stage.LLM, provider=m.provider,
                      model=m.model, ok=m.ok, error=m.error, latency_ms=round(m.latency_ms, 1),
                      first_byte_ms=None if m.first_token_ms is None else round(m.first_token_ms, 1),
                      input_size=len(text), output_size=len(reply), tokens_in=m.tokens_in, tokens_out=m.tokens_out)
            for m in model_events
        ])
        fields = ["state", "updated_at", "last_activity_at"]
        conversation.state = _jsonable(ctx.state)
        conversation.last_activity_at = assistant_message.created_at
        if intent not in ("unknown", "error") and intent not in (conversation.tags or []):
            conversation.tags = [*(conversation.tags or []), intent]
            fields.append("tags")
        conversation.save(update_fields=fields)
        if any(tools.writes(t.name) for t in tool_events):
            # A hand-off changes the status; only tools that write can change the conversation.
            conversation.refresh_from_db(fields=["status", "customer"])
        live_publish_on_commit(session_id=conversation.pk, event=message_event(
            assistant_message, intent=intent, status=conversation.status, tools=[t.name for t in tool_events]))

    for m in model_events:
        if m.ok:
            LLM_LATENCY.observe(m.latency_ms, provider=m.provider)
        else:
            LLM_ERRORS.inc(stage="llm", provider=m.provider)
    TURNS.inc(channel=conversation.channel, language=lang)
    TURN_LATENCY.observe(brain_ms, channel=conversation.channel)

    result = TurnResult(
        conversation=conversation, user_message=user_message, assistant_message=assistant_message, reply=reply,
        language=lang, intent=intent, tool_calls=tool_rows, model_calls=model_rows, timings=timings, brain=brain_name,
        spoken=spoken,
    )
    if settings.AGENT_MARKDOWN_LOG:
        markdown_log_append(path=settings.AGENT_MARKDOWN_LOG, result=result)
    return result


def _user_message_store(*, conversation: Conversation, text: str, language: str, user_audio, asr_confidence,
                        user_timings) -> Message:
    # The shopper's words are stored before the brain runs: whatever happens next, they are kept.
    with transaction.atomic():
        user_message = Message(
            conversation=conversation, role=Message.Role.USER, text=text, language=language,
            asr_confidence=asr_confidence, timings=user_timings or {},
        )
        if user_audio:
            user_message.audio = user_audio["file"]
            user_message.audio_mime = user_audio.get("mime", "")
        user_message.save()
        if language != conversation.language:
            conversation.language = language
            conversation.save(update_fields=["language", "updated_at"])
        live_publish_on_commit(session_id=conversation.pk, event=message_event(user_message, channel=conversation.channel))
    return user_message


def _reply_since(*, conversation: Conversation, question: Message) -> Message | None:
    """The assistant's reply to `question`, if one was stored after it (and before any newer question)."""
    later = (conversation.messages.filter(role__in=[Message.Role.USER, Message.Role.ASSISTANT])
             .filter(created_at__gte=question.created_at).exclude(pk=question.pk).order_by("created_at", "id").first())
    return later if later is not None and later.role == Message.Role.ASSISTANT else None


def _taken_over_turn(*, conversation: Conversation, user_message: Message, language: str) -> TurnResult:
    """A staff member answers this conversation (support.desk): the brain does not run and the
    reply is empty; the shopper's message has reached the staff live view on commit."""
    conversation.last_activity_at = user_message.created_at
    conversation.save(update_fields=["last_activity_at", "updated_at"])
    TURNS.inc(channel=conversation.channel, language=language)
    silent = Message(conversation=conversation, role=Message.Role.ASSISTANT, text="", language=language)
    return TurnResult(conversation=conversation, user_message=user_message, assistant_message=silent, reply="",
                      language=language, intent="taken_over", brain="staff", taken_over=True)


def _jsonable(value):
    """Tool arguments/results may hold Decimals or dates from validation; store them as text."""

    return json.loads(json.dumps(value, default=str))
