"""Scripted responses in the Groq/OpenAI wire format, and the request log entry."""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

if TYPE_CHECKING:
    from support.assistant.testing.fake_groq.server import _Handler

CHAT_PATH = "/openai/v1/chat/completions"
MODEL = "llama-3.3-70b-versatile"

_ids = itertools.count(1)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any = None  # parsed JSON, None when the body was not JSON
    received_at: float = field(default_factory=time.monotonic)
    # Set when the client hung up before the scripted reply was fully written (timeouts, barge-in).
    disconnected: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return (self.body or {}).get("messages", [])

    @property
    def stream(self) -> bool:
        return bool((self.body or {}).get("stream"))

    @property
    def tool_choice(self) -> Any:
        return (self.body or {}).get("tool_choice")

    @property
    def tools(self) -> list[dict[str, Any]]:
        return (self.body or {}).get("tools") or []

    def tool_messages(self) -> list[dict[str, Any]]:
        """The tool results the client sent back, with their content parsed."""
        out = []
        for m in self.messages:
            if m.get("role") == "tool":
                try:
                    payload = json.loads(m.get("content") or "null")
                except ValueError:
                    payload = m.get("content")
                out.append({**m, "payload": payload})
        return out


class Reply:
    """One scripted HTTP response."""

    def write(self, handler: _Handler, request: RecordedRequest, closing: threading.Event) -> None:
        raise NotImplementedError


Script = Reply | Callable[[RecordedRequest], Reply]


# --------------------------------------------------------------------------- wire helpers
def _completion_id() -> str:
    return f"chatcmpl-fake-{next(_ids)}"


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "queue_time": 0.001,
        "prompt_time": 0.002,
        "completion_time": 0.003,
        "total_time": 0.006,
    }


def _estimate_prompt_tokens(request: RecordedRequest) -> int:
    # Roughly what a tokenizer would say; tests only need a plausible positive number.
    return max(1, len(json.dumps(request.messages)) // 4)


def _chunk(cid: str, model: str, delta: dict[str, Any], finish_reason: str | None = None,
           x_groq: dict[str, Any] | None = None) -> dict[str, Any]:
    chunk = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }
    if x_groq is not None:
        chunk["x_groq"] = x_groq
    return chunk


def split_text(text: str, pieces: int) -> list[str]:
    """Split into `pieces` non-empty parts (fewer if the text is shorter), keeping every character."""
    pieces = max(1, min(pieces, len(text))) if text else 1
    size, extra = divmod(len(text), pieces)
    out, start = [], 0
    for i in range(pieces):
        end = start + size + (1 if i < extra else 0)
        out.append(text[start:end])
        start = end
    return out


def _words(text: str) -> list[str]:
    # Stream word by word like a model does: each piece keeps its leading space.
    parts, current = [], ""
    for ch in text:
        if ch == " " and current.strip():
            parts.append(current)
            current = ""
        current += ch
    if current:
        parts.append(current)
    return parts or [""]


@dataclass
class ToolCallSpec:
    name: str
    arguments: dict[str, Any] | str  # a str is sent as-is (to script malformed JSON)
    id: str = ""

    def arguments_text(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


def _as_tool_calls(calls: Iterable[ToolCallSpec | tuple]) -> list[ToolCallSpec]:
    out = []
    for i, c in enumerate(calls):
        spec = c if isinstance(c, ToolCallSpec) else ToolCallSpec(*c)
        if not spec.id:
            spec.id = f"call_fake_{next(_ids)}_{i}"
        out.append(spec)
    return out


# --------------------------------------------------------------------------- replies
@dataclass
class JSONReply(Reply):
    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)

    def write(self, handler, request, closing):
        handler.send_json(self.status, self.body, self.headers)


@dataclass
class SSEReply(Reply):
    """An event stream. Items are dicts (sent as JSON) or strings (sent verbatim after `data: `).

    `stall_after`: after that many events, go silent for `stall_seconds` (a stalled stream).
    `abort_after`: after that many events, drop the connection mid-body (a broken stream).
    `done`: finish with `data: [DONE]`.
    """

    events: list[dict[str, Any] | str]
    done: bool = True
    delay: float = 0.0  # between events
    stall_after: int | None = None
    stall_seconds: float = 30.0
    abort_after: int | None = None

    def write(self, handler, request, closing):
        handler.start_chunked(200, {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        for i, event in enumerate(self.events):
            if self.abort_after is not None and i >= self.abort_after:
                handler.abort()
                return
            if self.stall_after is not None and i >= self.stall_after:
                closing.wait(self.stall_seconds)
                handler.abort()
                return
            data = event if isinstance(event, str) else json.dumps(event)
            handler.write_chunk(f"data: {data}\n\n".encode())
            if self.delay:
                closing.wait(self.delay)
        if self.abort_after is not None:
            handler.abort()
            return
        if self.done:
            handler.write_chunk(b"data: [DONE]\n\n")
        handler.end_chunked()


@dataclass
class Hang(Reply):
    """Accept the request and say nothing for `seconds` (longer than the client's timeout)."""

    seconds: float = 30.0

    def write(self, handler, request, closing):
        closing.wait(self.seconds)
        handler.abort()


@dataclass
class AnswerReply(Reply):
    """A model answer (text and/or tool calls) in the format the request asked for."""

    content: str = ""
    tool_calls: list[ToolCallSpec] = field(default_factory=list)
    pieces: int | None = None  # content pieces when streamed; default: one per word
    argument_pieces: int = 3
    model: str = MODEL
    completion_tokens: int | None = None
    usage_in: str = "x_groq"  # where a stream reports usage: "x_groq" (Groq), "usage" (OpenAI), or "none"
    finish_reason: str | None = None  # default: "tool_calls" when there are tool calls, else "stop"
    delay: float = 0.0
    stall_after: int | None = None
    stall_seconds: float = 30.0
    abort_after: int | None = None
    done: bool = True

    def _finish(self) -> str:
        return self.finish_reason or ("tool_calls" if self.tool_calls else "stop")

    def _tokens(self) -> int:
        if self.completion_tokens is not None:
            return self.completion_tokens
        args = sum(len(c.arguments_text()) for c in self.tool_calls)
        return max(1, (len(self.content) + args) // 4)

    def events(self, request: RecordedRequest) -> list[dict[str, Any]]:
        cid, model = _completion_id(), self.model
        xid = f"req_fake_{next(_ids)}"
        events = [_chunk(cid, model, {"role": "assistant", "content": ""}, x_groq={"id": xid})]
        if self.content:
            parts = _words(self.content) if self.pieces is None else split_text(self.content, self.pieces)
            events += [_chunk(cid, model, {"content": p}) for p in parts]
        for index, call in enumerate(self.tool_calls):
            events.append(_chunk(cid, model, {"tool_calls": [{
                "index": index, "id": call.id, "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }]}))
            for piece in split_text(call.arguments_text(), self.argument_pieces):
                events.append(_chunk(cid, model, {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))
        usage = _usage(_estimate_prompt_tokens(request), self._tokens())
        final_x = {"id": xid, "usage": usage} if self.usage_in == "x_groq" else {"id": xid}
        events.append(_chunk(cid, model, {}, finish_reason=self._finish(), x_groq=final_x))
        if self.usage_in == "usage":
            events.append({**_chunk(cid, model, {}), "choices": [], "usage": usage})
        return events

    def completion(self, request: RecordedRequest) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments_text()}}
                for c in self.tool_calls
            ]
        return {
            "id": _completion_id(),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": self._finish()}],
            "usage": _usage(_estimate_prompt_tokens(request), self._tokens()),
            "x_groq": {"id": f"req_fake_{next(_ids)}"},
        }

    def write(self, handler, request, closing):
        if not request.stream:
            handler.send_json(200, self.completion(request))
            return
        SSEReply(
            self.events(request), done=self.done, delay=self.delay, stall_after=self.stall_after,
            stall_seconds=self.stall_seconds, abort_after=self.abort_after,
        ).write(handler, request, closing)


def text_reply(content: str, **options: Any) -> AnswerReply:
    """A plain answer; streamed word by word when the request streams."""
    return AnswerReply(content=content, **options)


def tool_call_reply(*calls: ToolCallSpec | tuple, content: str = "", **options: Any) -> AnswerReply:
    """The model asks for tools: each call is (name, arguments) or (name, arguments, id); arguments
    as a dict, or a str sent verbatim. Streamed with the name in the first fragment and the
    arguments split across `argument_pieces` (default 3) later chunks, as Groq does."""
    return AnswerReply(content=content, tool_calls=_as_tool_calls(calls), **options)


def error_reply(status: int, message: str = "", *, type: str = "", code: str | None = None,
                headers: dict[str, str] | None = None) -> JSONReply:
    """Groq's error body: {"error": {"message", "type", "code"}}."""
    body = {"error": {
        "message": message or f"fake groq error {status}",
        "type": type or ("invalid_request_error" if status < 500 else "internal_server_error"),
        "code": code,
    }}
    return JSONReply(body, status=status, headers=headers or {})


def rate_limited_reply(retry_after: float = 1.0) -> JSONReply:
    return error_reply(
        429, "Rate limit reached for model. Please try again in 1s.", type="tokens",
        code="rate_limit_exceeded", headers={"retry-after": str(retry_after)},
    )


def hang_reply(seconds: float = 30.0) -> Hang:
    return Hang(seconds)


def truncated_reply(content: str, *, after: int = 2) -> AnswerReply:
    """A stream that drops the connection after `after` events (no finish_reason, no [DONE])."""
    return AnswerReply(content=content, abort_after=after)


def stalled_reply(content: str, *, after: int = 2, seconds: float = 30.0) -> AnswerReply:
    """A stream that goes silent after `after` events."""
    return AnswerReply(content=content, stall_after=after, stall_seconds=seconds)


def malformed_reply() -> SSEReply:
    """A stream whose second event is not JSON."""
    first = _chunk(_completion_id(), MODEL, {"role": "assistant", "content": "Hel"})
    return SSEReply([first, "{this is not json"])
