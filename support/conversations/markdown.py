"""Conversations as readable Markdown transcripts (API export, admin export, AGENT_MARKDOWN_LOG)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from .models import Conversation, Message

_file_lock = threading.Lock()


def _timings(t: dict) -> str:
    return ", ".join(f"{k.removesuffix('_ms')} {v:.0f} ms" for k, v in t.items() if isinstance(v, (int, float)))


def _tool_lines(calls) -> list[str]:
    lines = []
    for c in calls:
        status = "ok" if c.ok else f"error: {c.error}"
        lines.append(f"  - tool `{c.name}` ({status}, {c.latency_ms or 0:.0f} ms)")
        lines.append(f"    - arguments: `{json.dumps(c.arguments, ensure_ascii=False)}`")
        lines.append(f"    - result: `{json.dumps(c.result, ensure_ascii=False)[:500]}`")
    return lines


def _model_lines(calls) -> list[str]:
    out = []
    for m in calls:
        status = "ok" if m.ok else f"error: {m.error[:200]}"
        ttf = f", first byte {m.first_byte_ms:.0f} ms" if m.first_byte_ms is not None else ""
        out.append(f"  - {m.stage} `{m.provider}` {m.model} ({status}, {m.latency_ms or 0:.0f} ms{ttf})")
    return out


def _message_block(msg: Message, tool_calls, model_calls) -> list[str]:
    who = {"user": "Shopper", "assistant": "Assistant", "staff": f"Staff ({msg.author or 'agent'})", "tool": "Tool"}[msg.role]
    meta = [f"`{msg.language}`", f"{msg.created_at:%H:%M:%S}"]
    if msg.asr_confidence is not None:
        meta.append(f"confidence {msg.asr_confidence:.2f}")
    if msg.interrupted:
        meta.append("interrupted")
    if msg.timings:
        meta.append(_timings(msg.timings))
    lines = [f"**{who}** ({'; '.join(meta)}): {msg.text}"]
    lines += _tool_lines(tool_calls)
    lines += _model_lines(model_calls)
    return lines + [""]


def conversation_markdown(*, conversation: Conversation) -> str:
    messages = list(conversation.messages.all())
    tools_by_msg: dict[int, list] = {}
    for t in conversation.tool_calls.all():
        tools_by_msg.setdefault(t.message_id, []).append(t)
    models_by_msg: dict[int, list] = {}
    for m in conversation.model_calls.all():
        models_by_msg.setdefault(m.message_id, []).append(m)
    customer = conversation.customer
    head = [
        f"# Conversation {conversation.pk}",
        "",
        f"- channel: {conversation.channel}",
        f"- language: {conversation.language}",
        f"- status: {conversation.status}",
        f"- customer: {customer.name + ' (' + customer.phone + ')' if customer else 'not identified'}",
        f"- started: {conversation.started_at:%Y-%m-%d %H:%M:%S %Z}",
        "",
        "## Transcript",
        "",
    ]
    body: list[str] = []
    for msg in messages:
        body += _message_block(msg, tools_by_msg.get(msg.pk, []), models_by_msg.get(msg.pk, []))
    records = list(conversation.crm_records.all())
    if records:
        body += ["## CRM records", ""] + [f"- CRM-{r.pk}: {r.scenario}/{r.intent} ({r.priority}, {r.status}) {r.summary}" for r in records]
    return "\n".join(head + body).rstrip() + "\n"


def markdown_log_append(*, path: str, result) -> None:
    """Append one turn to the AGENT_MARKDOWN_LOG file (several processes may append; each write
    is one call so turns don't interleave within a line block)."""
    conv = result.conversation
    lines = [f"### {conv.pk} turn at {result.user_message.created_at:%Y-%m-%d %H:%M:%S} ({conv.channel}, {result.language})", ""]
    lines += _message_block(result.user_message, [], [])
    lines += _message_block(result.assistant_message, result.tool_calls, result.model_calls)
    text = "\n".join(lines) + "\n"
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock, target.open("a", encoding="utf-8") as fh:
        fh.write(text)
