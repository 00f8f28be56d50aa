"""After a conversation ends: a summary, intent tags, a resolution, and a CRM record when the
shopper was left without an answer.

The summary is written by the LLM when Groq is configured and by a deterministic extractive
summariser otherwise (or when the LLM call fails: the failure is recorded as a model call and the
extractive summary is used, so the staff always get one).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from crm.models import CRMRecord
from crm.services import crm_record_create

from ...assistant.offline.replies import render
from ..models import Conversation, Message, ModelCall, ToolCall

log = logging.getLogger(__name__)

RESOLVED = "resolved"
UNRESOLVED = "unresolved"
HANDED_OFF = "handed_off"
CRM_SCENARIO = "unresolved"
SUMMARY_PROVIDER = "groq-summary"  # kept apart from the turn brain's "groq" so turn latency stats stay clean

# The Groq brain names its intents after the tools it calls; the offline brain uses NLU intents.
# Tags use the NLU names so both brains' conversations count alike.
TOOL_INTENTS = {
    "search_products": "search_products",
    "get_product_details": "product_details",
    "track_order": "track_order",
    "get_order_details": "order_details",
    "cancel_order": "cancel_order",
    "initiate_return": "initiate_return",
    "get_return_status": "return_status",
    "search_faqs": "faq",
    "get_policy": "policy",
    "create_crm_record": "complaint",
    "handoff_to_human": "handoff",
}
# Dialogue acts, not reasons to contact support.
NOT_INTENTS = {"greet", "goodbye", "thanks", "affirm", "deny", "provide_info", "smalltalk", "chat", "unknown", "error"}
VERIFICATION_FAILURES = {"verification_failed", "verification_locked"}
LANGUAGE_NAMES = {"en": "English", "hi": "Hindi", "bn": "Bengali", "mr": "Marathi"}


@dataclass
class Outcome:
    resolution: str  # resolved / unresolved / handed_off; "" when the shopper never said anything
    reason: str = ""  # why it is unresolved: unanswered, apology, tool_failed:<code>, verification_failed
    tags: list[str] = field(default_factory=list)


def _apologies() -> set[str]:
    return {render("apology", lang) for lang in LANGUAGE_NAMES}


def _tool_code(call: ToolCall) -> str:
    result = call.result if isinstance(call.result, dict) else {}
    return str(result.get("code") or "") or ("ok" if call.ok else "error")


def conversation_intent_tags(*, conversation: Conversation, tool_calls: list[ToolCall]) -> list[str]:
    """The conversation's intents (from each turn's intent and the tools called), in first-seen
    order, without dialogue acts."""
    tags: list[str] = []
    for name in [*(conversation.tags or []), *(t.name for t in tool_calls)]:
        tag = TOOL_INTENTS.get(str(name), str(name))
        if tag and tag not in NOT_INTENTS and tag not in tags:
            tags.append(tag)
    return tags


def conversation_outcome(*, conversation: Conversation, messages: list[Message], tool_calls: list[ToolCall]) -> Outcome:
    tags = conversation_intent_tags(conversation=conversation, tool_calls=tool_calls)
    if (
        conversation.status == Conversation.Status.HANDED_OFF
        or conversation.handoff_requested_at is not None
        or conversation.taken_over_at is not None
        or any(t.name == "handoff_to_human" and t.ok for t in tool_calls)
    ):
        return Outcome(HANDED_OFF, tags=tags)
    spoken = [m for m in messages if m.role in (Message.Role.USER, Message.Role.ASSISTANT, Message.Role.STAFF)]
    if not any(m.role == Message.Role.USER for m in spoken):
        return Outcome("", tags=tags)
    if spoken[-1].role == Message.Role.USER:
        return Outcome(UNRESOLVED, "unanswered", tags)
    if spoken[-1].role == Message.Role.ASSISTANT and spoken[-1].text.strip() in _apologies():
        return Outcome(UNRESOLVED, "apology", tags)
    if tool_calls and not tool_calls[-1].ok:
        return Outcome(UNRESOLVED, f"tool_failed:{_tool_code(tool_calls[-1])}", tags)
    # A failed identity check that no later successful call made up for.
    last_failure = max((i for i, t in enumerate(tool_calls) if _tool_code(t) in VERIFICATION_FAILURES), default=None)
    if last_failure is not None and not any(t.ok for t in tool_calls[last_failure + 1:]):
        return Outcome(UNRESOLVED, "verification_failed", tags)
    return Outcome(RESOLVED, tags=tags)


# --------------------------------------------------------------------------- summaries


def _clip(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _tool_outcome(call: ToolCall) -> str:
    if not call.ok:
        return f"{call.name} failed ({_tool_code(call)})"
    result = call.result if isinstance(call.result, dict) else {}
    detail = next((f"{k} {result[k]}" for k in ("status", "crm_record_id", "return_number", "count") if result.get(k) not in (None, "")), "")
    return f"{call.name} ok" + (f" ({detail})" if detail else "")


def summary_extractive(*, conversation: Conversation, messages: list[Message], tool_calls: list[ToolCall], outcome: Outcome) -> str:
    """Deterministic: the shopper's first request, the tools used and their outcomes, the final
    state. In English (staff read it), naming the shopper's language."""
    users = [m for m in messages if m.role == Message.Role.USER]
    if not users:
        return "The shopper said nothing."
    language = LANGUAGE_NAMES.get(conversation.language, conversation.language)
    parts = [f"The shopper ({language}) asked: \"{_clip(users[0].text, 200)}\"."]
    if len(users) > 1:
        parts.append(f"{len(users)} shopper messages in all.")
    if tool_calls:
        parts.append("Tools: " + "; ".join(_tool_outcome(t) for t in tool_calls[-8:]) + ".")
    else:
        parts.append("No tools were used.")
    if conversation.customer_id and conversation.customer is not None:
        parts.append(f"Customer: {conversation.customer.customer_id}.")
    final = {
        RESOLVED: "Resolved by the assistant.",
        HANDED_OFF: "Handed off to a human agent.",
        UNRESOLVED: {
            "unanswered": "Unresolved: the shopper's last message got no answer.",
            "apology": "Unresolved: the assistant failed and apologised.",
            "verification_failed": "Unresolved: the shopper could not be verified.",
        }.get(outcome.reason, f"Unresolved: the last step failed ({outcome.reason.partition(':')[2] or outcome.reason})."),
    }.get(outcome.resolution, "")
    if final:
        parts.append(final)
    return " ".join(parts)


def _transcript_for_llm(messages: list[Message], tool_calls: list[ToolCall], limit_chars: int = 8000) -> str:
    message_ids = {m.pk for m in messages}
    tools_by_message: dict[int, list[ToolCall]] = {}
    # A turn's tool calls are stored after its reply but ran before it; calls with no message
    # (the MCP endpoint) go where their time puts them.
    items: list[tuple] = []
    for t in tool_calls:
        if t.message_id in message_ids:
            tools_by_message.setdefault(t.message_id, []).append(t)
        else:
            items.append((t.created_at, t.pk, t))
    items += [(m.created_at, m.pk, m) for m in messages if m.role != Message.Role.TOOL]
    items.sort(key=lambda item: (item[0], isinstance(item[2], Message), item[1]))
    lines = []
    for _, _, item in items:
        if isinstance(item, ToolCall):
            lines.append(f"[tool] {_tool_outcome(item)}")
            continue
        for t in tools_by_message.get(item.pk, []):
            lines.append(f"[tool] {_tool_outcome(t)}")
        who = {"user": "Shopper", "assistant": "Assistant", "staff": "Staff"}.get(item.role, item.role)
        lines.append(f"{who}: {_clip(item.text, 600)}")
    text = "\n".join(lines)
    # The end of a long conversation says more about its outcome than the middle.
    return text if len(text) <= limit_chars else "…\n" + text[-limit_chars:]


def summary_llm(*, conversation: Conversation, messages: list[Message], tool_calls: list[ToolCall], outcome: Outcome) -> str:
    """A summary by the Groq chat model: one bounded attempt (no SDK retries), recorded as a
    model call whether it works or not. Raises on failure."""
    # Heavy optional imports (the groq SDK, ~0.3 s): loaded only where a Groq key is set.
    import groq
    import httpx

    language = LANGUAGE_NAMES.get(conversation.language, "English")
    prompt = [
        {"role": "system", "content": (
            "You summarise customer-support conversations of an Indian online shop for its support staff. "
            f"Write 2 to 4 plain sentences in {language}: what the shopper wanted, what the assistant did "
            "(tools and their outcomes) and what is still open. No greeting, no markdown.")},
        {"role": "user", "content": f"Outcome: {outcome.resolution or 'empty'}.\n\n"
                                    + _transcript_for_llm(messages, tool_calls)},
    ]
    timeout = settings.SUMMARY_LLM_TIMEOUT
    started = time.perf_counter()
    client = groq.Groq(api_key=settings.GROQ_API_KEY, base_url=settings.GROQ_BASE_URL or None,
                       timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)), max_retries=0)
    call = ModelCall(conversation=conversation, stage=ModelCall.Stage.LLM, provider=SUMMARY_PROVIDER,
                     model=settings.GROQ_MODEL, input_size=sum(len(p["content"]) for p in prompt))
    try:
        response = client.chat.completions.create(model=settings.GROQ_MODEL, messages=prompt, temperature=0.2,
                                                  max_tokens=300)
        text = (response.choices[0].message.content or "").strip()
        if not text:
            raise ValueError("the model returned an empty summary")
    except Exception as exc:
        call.ok, call.error = False, f"{exc.__class__.__name__}: {exc}"[:2000]
        raise
    else:
        usage = getattr(response, "usage", None)
        call.tokens_in = getattr(usage, "prompt_tokens", None)
        call.tokens_out = getattr(usage, "completion_tokens", None)
        call.output_size = len(text)
        return text
    finally:
        client.close()
        call.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        call.save()


def conversation_summarise(*, conversation: Conversation, force: bool = False) -> Conversation:
    """Summarise an ended conversation, tag it and set its resolution; open one CRM record
    (scenario "unresolved") when the shopper was left without an answer. Running it again changes
    nothing (unless `force`) and never opens a second record."""
    conv = Conversation.objects.select_related("customer").get(pk=conversation.pk)
    if conv.status == Conversation.Status.ACTIVE:
        # Summarising a live conversation would tag it unresolved mid-way.
        log.info("conversation %s is still active; not summarised", conv.pk)
        return conv
    if conv.resolution and conv.summary and not force:
        return conv
    messages = list(conv.messages.order_by("created_at", "id"))
    tool_calls = list(conv.tool_calls.order_by("created_at", "id"))
    outcome = conversation_outcome(conversation=conv, messages=messages, tool_calls=tool_calls)

    summary = ""
    if settings.GROQ_API_KEY and any(m.role == Message.Role.USER for m in messages):
        try:
            summary = summary_llm(conversation=conv, messages=messages, tool_calls=tool_calls, outcome=outcome)
        except Exception as exc:  # noqa: BLE001 - recorded as a failed model call; the extractive summary answers
            log.warning("LLM summary of %s failed (%s); using the extractive summary", conv.pk, exc)
    summary = summary or summary_extractive(conversation=conv, messages=messages, tool_calls=tool_calls, outcome=outcome)

    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conv.pk)
        if locked.resolution and locked.summary and not force:
            return locked  # another run finished first
        locked.summary = summary
        locked.tags = outcome.tags
        locked.resolution = outcome.resolution
        locked.full_clean()
        locked.save(update_fields=["summary", "tags", "resolution", "updated_at"])
        if outcome.resolution == UNRESOLVED and not CRMRecord.objects.filter(conversation=locked, scenario=CRM_SCENARIO).exists():
            crm_record_create(
                scenario=CRM_SCENARIO, intent=(outcome.tags or [""])[0][:80], priority=CRMRecord.Priority.MEDIUM,
                summary=_clip(summary, 300),
                payload={"source": "conversation_summary", "reason": outcome.reason, "tags": outcome.tags,
                         "language": locked.language, "channel": locked.channel},
                customer=conv.customer, conversation=locked,
            )
    locked.customer = conv.customer
    return locked
