"""Reads of conversations: opening one for a caller (the access rule applied), its transcript for
the admin, the exports, the lists and searches of the admin and the integrator API."""

from __future__ import annotations

import json
import uuid

from django.db.models import Count, FloatField, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from crm.phones import phone_normalize
from voxsite.core.admin import json_text
from voxsite.core.errors import NotFound
from voxsite.core.models import APIKey, AuditLog

from ..speech.audio import wav_seconds
from .access import access_allowed
from .models import Conversation, Message, ModelCall, ToolCall

# Per-turn timings as the pipeline stores them (Message.timings), in reading order.
TIMING_LABELS = {
    "eos_to_transcript_ms": "end of speech → transcript",
    "eos_to_first_token_ms": "end of speech → first token",
    "eos_to_first_audio_ms": "end of speech → first audio",
    "asr_ms": "ASR",
    "brain_ms": "brain",
    "first_token_ms": "first token",
    "tts_ms": "TTS",
    "tts_first_byte_ms": "TTS first byte",
}


def conversation_get_for(
    *, session_id, token: str = "", api_key: APIKey | None = None, user=None
) -> Conversation:
    """The conversation if the caller may open it. Integrator keys and staff open all; a shopper's
    token opens its own. Anything else is a 404, the same as a missing one (no existence leak)."""
    try:
        pk = uuid.UUID(str(session_id))
    except ValueError:
        raise NotFound("No such session.", code="session_not_found")
    conv = Conversation.objects.select_related("customer").filter(pk=pk).first()
    if conv is None:
        raise NotFound("No such session.", code="session_not_found")
    if access_allowed(token_hash=conv.token_hash, token=token, api_key=api_key, user=user):
        return conv
    raise NotFound("No such session.", code="session_not_found")


def conversation_for_export(*, pk) -> Conversation:
    """One conversation with every row the Markdown export reads, prefetched."""
    return conversations_for_export().get(pk=pk)


def conversations_for_export() -> QuerySet[Conversation]:
    return Conversation.objects.select_related("customer").prefetch_related(
        "messages", "tool_calls", "model_calls", "crm_records")


def session_list(*, status: str | None = None) -> QuerySet[Conversation]:
    """Integrators' session list, newest first, optionally of one status."""
    qs = Conversation.objects.select_related("customer").defer("state").order_by("-started_at")
    if status:
        qs = qs.filter(status=status)
    return qs


# ---------------------------------------------------------------------------
# The admin transcript: every row of a conversation in a fixed number of queries


def ms(value) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def _timing_rows(timings: dict) -> list[tuple[str, str]]:
    if not isinstance(timings, dict):
        return []
    keys = [k for k in TIMING_LABELS if k in timings] + sorted(k for k in timings if k not in TIMING_LABELS)
    rows = []
    for key in keys:
        value = timings[key]
        label = TIMING_LABELS.get(key, key.removesuffix("_ms").replace("_", " "))
        rows.append((label, ms(value) if isinstance(value, int | float) else str(value)))
    return rows


def _audio_seconds(msg: Message) -> float | None:
    """How long a message's recording is, for the player's label (a browser shows nothing until
    the file is fetched). Only the WAV header is read."""
    if not msg.audio:
        return None
    try:
        with msg.audio.open("rb") as fh:
            return wav_seconds(fh)
    except OSError:  # purged or missing file
        return None


def _tool_row(call: ToolCall) -> dict:
    return {"call": call, "arguments": json_text(call.arguments), "result": json_text(call.result)}


def conversation_transcript(*, conversation: Conversation) -> dict:
    """What the transcript template shows, read with one query per kind of row (messages, tool
    calls, model calls, CRM records, audit rows) whatever the length of the conversation.
    Tool and model calls sit under the message that triggered them; calls tied to no message
    (an MCP payload, the speech calls of a turn that never reached the brain) are listed apart."""
    messages = list(conversation.messages.all())
    tools_by_message: dict[int | None, list] = {}
    for call in ToolCall.objects.filter(conversation=conversation).order_by("created_at", "id"):
        tools_by_message.setdefault(call.message_id, []).append(_tool_row(call))
    models_by_message: dict[int | None, list] = {}
    for call in ModelCall.objects.filter(conversation=conversation).order_by("created_at", "id"):
        models_by_message.setdefault(call.message_id, []).append(call)
    known = {m.pk for m in messages}
    turns = []
    for msg in messages:
        turns.append({
            "message": msg,
            "who": {"user": "Shopper", "assistant": "Assistant", "tool": "Tool"}.get(
                msg.role, f"Staff · {msg.author}" if msg.author else "Staff"),
            "timings": _timing_rows(msg.timings),
            "audio_seconds": _audio_seconds(msg),
            "tool_calls": tools_by_message.get(msg.pk, []),
            "model_calls": models_by_message.get(msg.pk, []),
        })
    loose_tools = [row for key, rows in tools_by_message.items() if key not in known for row in rows]
    loose_models = [call for key, calls in models_by_message.items() if key not in known for call in calls]
    return {
        "turns": turns,
        "loose_tool_calls": loose_tools,
        "loose_model_calls": loose_models,
        "crm_records": list(conversation.crm_records.select_related("assigned_to").order_by("created_at", "id")),
        "audit_rows": [
            {"row": a, "details": json.dumps(a.details, ensure_ascii=False, sort_keys=True)}
            for a in AuditLog.objects.filter(object_type="conversation", object_id=str(conversation.pk))
            .order_by("created_at", "id")
        ],
        "user_turns": sum(1 for m in messages if m.role == Message.Role.USER),
    }


# ---------------------------------------------------------------------------
# The admin's list columns and searches


def slowest_turn_ms():
    """Per conversation, the slowest assistant turn: end of speech to first audio for voice
    turns, the brain's time for typed ones (they have no audio clock)."""
    per_message = Coalesce(
        Cast(KT("timings__eos_to_first_audio_ms"), FloatField()), Cast(KT("timings__brain_ms"), FloatField()),
    )
    rows = (
        Message.objects.filter(conversation=OuterRef("pk"), role=Message.Role.ASSISTANT)
        .order_by().values("conversation").annotate(slowest=Max(per_message)).values("slowest")
    )
    return Subquery(rows, output_field=FloatField())


def user_turns():
    rows = (
        Message.objects.filter(conversation=OuterRef("pk"), role=Message.Role.USER)
        .order_by().values("conversation").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def conversations_mentioning_order(*, number: str) -> Q:
    """Conversations that mention order ORD-<number>: a message says it or a tool was called with
    it. Subqueries rather than joins: no duplicate rows, no DISTINCT. The number must not run on
    into more digits: ORD-1042 is not ORD-10421. This pattern means the same to SQLite's (Python's)
    and PostgreSQL's regex engines."""
    pattern = f"ORD-{number}([^0-9]|$)"
    said = Message.objects.filter(text__iregex=pattern).values("conversation_id")
    called = (ToolCall.objects.annotate(args_text=Cast("arguments", TextField()))
              .filter(args_text__iregex=pattern).values("conversation_id"))
    return Q(pk__in=said) | Q(pk__in=called)


def conversations_saying(*, term: str) -> Q:
    """Conversations with a message containing `term`, or whose customer has this phone number."""
    found = Q(pk__in=Message.objects.filter(text__icontains=term).values("conversation_id"))
    try:
        found |= Q(customer__phone=phone_normalize(term))
    except ValueError:
        pass
    return found
