"""The brain's contract: what a turn gives a brain, and the events a brain streams back.

Brains are synchronous generators (tools use the ORM); the real-time pipeline runs them in a
worker thread and forwards events as they come, so the first clause can be spoken while the
brain is still producing the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import Any, Callable, Iterator, Protocol


@dataclass
class ToolResult:
    ok: bool
    data: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    code: str = ""

    def as_payload(self) -> dict[str, Any]:
        """What the LLM sees: compact and structured. A refusal may carry details (which return
        already covers the order, the return window) in `data`."""
        if self.ok:
            return {"ok": True, **self.data}
        return {"ok": False, "error": self.error, "code": self.code, **self.data}


class LazyList(Sequence):
    """A list read from the database only if someone looks at it: the offline brain never reads
    the history, and the query was ~5% of a text turn (bench/bench_text.py)."""

    def __init__(self, load: Callable[[], list]):
        self._load, self._items = load, None

    def _get(self) -> list:
        if self._items is None:
            self._items = list(self._load())
        return self._items

    def __getitem__(self, index):
        return self._get()[index]

    def __len__(self) -> int:
        return len(self._get())

    def __eq__(self, other) -> bool:
        return list(self._get()) == list(other)

    def __repr__(self) -> str:
        return "LazyList(not loaded)" if self._items is None else repr(self._items)


@dataclass
class TurnContext:
    """Everything a brain may read about the conversation; `state` is its mutable memory
    (saved back on the Conversation after the turn)."""

    conversation_id: str
    language: str  # the language to reply in: en, hi, bn, mr
    customer_id: int | None = None  # bound customer (integrator session), if any
    state: dict[str, Any] = field(default_factory=dict)
    # [{"role": "user"|"assistant", "content": ...}]; a LazyList when built by conversation_turn.
    history: Sequence[dict[str, str]] = field(default_factory=list)
    persona: str = "support_agent"
    channel: str = "web-text"
    # The shopper's words this turn. Tools read them to check that a confirmed write answers a yes
    # (support.assistant.offline.yesno), whichever brain asks; None where there are none (direct calls).
    text: str | None = None


# Events a brain yields, in order. The pipeline turns them into records and client events.
@dataclass
class TextDelta:
    text: str


@dataclass
class ToolCalled:
    name: str
    arguments: dict[str, Any]
    result: ToolResult
    latency_ms: float


@dataclass
class ModelCalled:
    """A call to a language model (recorded as a ModelCall with stage=llm)."""

    provider: str
    model: str
    ok: bool
    latency_ms: float
    first_token_ms: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    error: str = ""


@dataclass
class Spoken:
    """What a voice says for this turn, when it differs from the text: the answer first, short,
    with an offer of more; the text (TextDelta) may carry the detail. Yielded before the text."""

    text: str


@dataclass
class Intent:
    """The brain's reading of the turn (for tags, dashboards and the offline accuracy fixture)."""

    name: str
    entities: dict[str, Any] = field(default_factory=dict)


BrainEvent = TextDelta | ToolCalled | ModelCalled | Intent | Spoken


# What a conversation turn tells its caller besides the brain's own events
# (support.conversations.services.turns.conversation_turn's `on_event`).
@dataclass
class TurnLanguage:
    """The language the turn is answered in (known before the brain starts)."""

    language: str


@dataclass
class ReplyRestart:
    """The reply so far is void: "fallback" (the next brain answers) or "error" (an apology follows)."""

    reason: str
    from_brain: str | None = None


TurnEvent = BrainEvent | TurnLanguage | ReplyRestart


class ToolRunner(Protocol):
    def specs(self) -> list[dict[str, Any]]:
        """OpenAI/Groq-style tool definitions: [{"type": "function", "function": {name, description, parameters}}]."""

    def call(self, name: str, arguments: dict[str, Any], ctx: TurnContext) -> ToolCalled:
        """Validate and run one tool; never raises for bad arguments (returns ok=False)."""


class Brain(Protocol):
    name: str

    def stream(self, text: str, ctx: TurnContext, tools: ToolRunner) -> Iterator[BrainEvent]:
        ...


class BrainError(Exception):
    """A brain could not answer (network, timeout, bad response); the next brain takes the turn."""


Clock = Callable[[], float]
