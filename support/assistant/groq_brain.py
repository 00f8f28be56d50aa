"""The online brain: Groq chat completions, streamed, with a bounded multi-step tool loop.

Time is bounded everywhere because a slow brain is a silent voice assistant: the client makes no
retries (the SDK retries twice by default), every socket wait is capped by `timeout`, each call
has an overall deadline, and the tool loop has a step limit. Any failure yields a failed
ModelCalled (so the record shows it) and raises BrainError, and the chain hands the same turn to
the next brain.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import groq
import httpx

from support.assistant.brain import (
    BrainError,
    BrainEvent,
    Clock,
    Intent,
    ModelCalled,
    TextDelta,
    ToolCalled,
    ToolResult,
    ToolRunner,
    TurnContext,
)
from support.assistant.prompts import step_limit_fallback, system_prompt

log = logging.getLogger(__name__)

_HISTORY_ROLES = {"user": "user", "assistant": "assistant", "staff": "assistant"}


@dataclass
class _PendingCall:
    """A tool call assembled from streamed fragments."""

    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)

    @property
    def arguments_text(self) -> str:
        return "".join(self.arguments)


@dataclass
class _Step:
    content: str
    tool_calls: list[_PendingCall]


@dataclass
class _TurnRecord:
    """Per-turn bookkeeping (the brain instance is shared across threads, so none lives on self)."""

    intent_sent: bool = False
    spoke: bool = False
    tools_ran: bool = False

    def intent(self, name: str) -> Iterator[Intent]:
        if not self.intent_sent:
            self.intent_sent = True
            yield Intent(name=name)


class _Failure(Exception):
    pass


class GroqBrain:
    name = "groq"

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = 4.0,
        max_steps: int = 4,
        *,
        max_tokens: int = 400,
        temperature: float = 0.2,
        history_limit: int = 20,
        call_deadline: float | None = None,
        clock: Clock = time.monotonic,
    ):
        self.model = model
        self.timeout = timeout
        self.max_steps = max(1, max_steps)
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.history_limit = history_limit
        # The socket timeout bounds each wait; a server that trickles bytes slower than that never
        # trips it, so each call also has an overall deadline checked between chunks.
        self.call_deadline = call_deadline if call_deadline is not None else 2 * timeout
        self._clock = clock
        self._client = groq.Groq(
            api_key=api_key,
            base_url=base_url or None,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)),
            max_retries=0,
        )

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ the turn
    def stream(self, text: str, ctx: TurnContext, tools: ToolRunner) -> Iterator[BrainEvent]:
        messages = self.build_messages(text, ctx)
        specs = tools.specs()
        turn = _TurnRecord()

        for step_number in range(self.max_steps + 1):
            # The last call may only talk: the model kept asking for tools up to the limit.
            last = step_number == self.max_steps
            step = yield from self._call(messages, specs, "none" if last else "auto", turn)
            turn.spoke = turn.spoke or bool(step.content)

            if step.tool_calls and not last:
                messages.append(self._assistant_message(step, step_number))
                for call in step.tool_calls:
                    called = self._run_tool(call, ctx, tools)
                    turn.tools_ran = True
                    yield called
                    messages.append({
                        "role": "tool",
                        "tool_call_id": call.id,
                        "content": json.dumps(called.result.as_payload(), ensure_ascii=False, default=str),
                    })
                continue

            if not turn.spoke:
                if not turn.tools_ran:
                    # Nothing said and nothing done: let the next brain answer this turn.
                    raise BrainError("the model returned an empty answer")
                # Tools already acted on this turn; handing it to another brain could act twice.
                yield from turn.intent("chat")
                yield TextDelta(step_limit_fallback(ctx.language))
            return

    def build_messages(self, text: str, ctx: TurnContext) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = [{"role": "system", "content": system_prompt(ctx)}]
        history = [m for m in ctx.history if m.get("role") in _HISTORY_ROLES and m.get("content")]
        if self.history_limit:
            history = history[-self.history_limit:]
        messages += [{"role": _HISTORY_ROLES[m["role"]], "content": m["content"]} for m in history]
        messages.append({"role": "user", "content": text})
        return messages

    # ------------------------------------------------------------------ one API call
    def _call(self, messages: list[dict[str, Any]], specs: list[dict[str, Any]], tool_choice: str,
              turn: _TurnRecord) -> Iterator[BrainEvent]:
        """Stream one completion: yields Intent/TextDelta as they come and a ModelCalled at the end;
        returns the assembled _Step. On any failure yields ModelCalled(ok=False) and raises BrainError."""
        start = self._clock()
        first_token_ms: float | None = None
        content: list[str] = []
        calls: dict[int, _PendingCall] = {}
        finish_reason: str | None = None
        usage = None

        def elapsed_ms() -> float:
            return (self._clock() - start) * 1000

        options: dict[str, Any] = {}
        if specs:
            options = {"tools": specs, "tool_choice": tool_choice}
        stream = None
        try:
            stream = self._client.chat.completions.create(
                model=self.model,
                messages=messages,
                stream=True,
                temperature=self.temperature,
                max_tokens=self.max_tokens,
                **options,
            )
            for chunk in stream:
                if self._clock() - start > self.call_deadline:
                    raise _Failure(f"no complete answer within {self.call_deadline:g}s")
                x_groq = getattr(chunk, "x_groq", None)
                if x_groq is not None and x_groq.error:
                    raise _Failure(f"stream error: {x_groq.error}")
                usage = chunk.usage or (x_groq.usage if x_groq is not None else None) or usage
                for choice in chunk.choices or ():
                    if choice.index not in (0, None):
                        continue
                    delta = choice.delta
                    if delta is not None and delta.content:
                        if first_token_ms is None:
                            first_token_ms = elapsed_ms()
                        content.append(delta.content)
                        yield from turn.intent("chat")
                        yield TextDelta(delta.content)
                    for fragment in (delta.tool_calls if delta is not None else None) or ():
                        if first_token_ms is None:
                            first_token_ms = elapsed_ms()
                        pending = calls.setdefault(fragment.index or 0, _PendingCall())
                        if fragment.id:
                            pending.id = fragment.id
                        function = fragment.function
                        if function is not None:
                            # The name arrives whole in the first fragment; arguments in pieces.
                            if function.name and not pending.name:
                                pending.name = function.name
                                yield from turn.intent(function.name)
                            if function.arguments:
                                pending.arguments.append(function.arguments)
                    if choice.finish_reason:
                        finish_reason = choice.finish_reason
            if finish_reason is None:
                raise _Failure("the stream ended before the answer was complete")
        except groq.APIStatusError as exc:
            error = f"HTTP {exc.status_code}: {_error_message(exc)}"
        except groq.APITimeoutError:
            error = f"timed out after {self.timeout:g}s"
        except groq.APIConnectionError as exc:
            error = f"connection failed: {_cause(exc)}"
        except groq.APIError as exc:
            error = f"stream error: {_error_message(exc)}"
        except httpx.TimeoutException:
            error = f"the stream stalled for more than {self.timeout:g}s"
        except httpx.HTTPError as exc:
            error = f"the stream broke: {exc}"
        except _Failure as exc:
            error = str(exc)
        except Exception as exc:  # malformed chunks: bad JSON, missing fields, wrong types
            error = f"malformed response: {type(exc).__name__}: {exc}"
        else:
            error = ""
        finally:
            if stream is not None:
                stream.close()

        tokens_in = getattr(usage, "prompt_tokens", None)
        tokens_out = getattr(usage, "completion_tokens", None)
        yield ModelCalled(
            provider=self.name,
            model=self.model,
            ok=not error,
            latency_ms=round(elapsed_ms(), 1),
            first_token_ms=None if first_token_ms is None else round(first_token_ms, 1),
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            error=error,
        )
        if error:
            log.warning("groq call failed: %s", error)
            raise BrainError(error)
        ordered = [calls[i] for i in sorted(calls)]
        return _Step(content="".join(content), tool_calls=ordered)

    def _assistant_message(self, step: _Step, step_number: int) -> dict[str, Any]:
        tool_calls = []
        for i, call in enumerate(step.tool_calls):
            call.id = call.id or f"call_{step_number}_{i}"  # the tool message must reference it
            tool_calls.append({
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments_text or "{}"},
            })
        message: dict[str, Any] = {"role": "assistant", "tool_calls": tool_calls}
        if step.content:
            message["content"] = step.content
        return message

    def _run_tool(self, call: _PendingCall, ctx: TurnContext, tools: ToolRunner) -> ToolCalled:
        start = self._clock()
        raw = call.arguments_text.strip() or "{}"
        try:
            arguments = json.loads(raw)
        except ValueError as exc:
            return self._tool_error(call.name, {"_raw": raw[:500]}, f"arguments are not valid JSON ({exc})", start)
        if not isinstance(arguments, dict):
            return self._tool_error(call.name, {"_raw": raw[:500]}, "arguments must be a JSON object", start)
        if not call.name:
            return self._tool_error("", arguments, "the tool call had no name", start, code="unknown_tool")
        try:
            return tools.call(call.name, arguments, ctx)
        except Exception:
            # A tool bug must not cost the shopper the turn; the model is told and can apologise.
            log.exception("tool %s raised", call.name)
            return self._tool_error(call.name, arguments, "the tool failed unexpectedly", start, code="tool_failed")

    def _tool_error(self, name: str, arguments: dict[str, Any], error: str, start: float,
                    code: str = "invalid_arguments") -> ToolCalled:
        return ToolCalled(
            name=name,
            arguments=arguments,
            result=ToolResult(ok=False, error=error, code=code),
            latency_ms=round((self._clock() - start) * 1000, 1),
        )


def _error_message(exc: groq.APIError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return exc.message


def _cause(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    return f"{type(cause).__name__}: {cause}" if cause else str(exc)
