"""`Processor` (one stage, one interface) and `Pipeline` (a list of them, and every task they start).

A processor's `process(frame)` does its job and `push(frame)`es what it produces to the next one; a
frame it does not handle it pushes on unchanged. The pipeline links the list it is given, holds the
state every stage shares (the session, the current turn), and owns every background task a stage
starts (`spawn`): `interrupt()` cancels the turn's, `close()` all of them, so a barge-in or a
disconnect leaves nothing running.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Awaitable, Literal

from .frames import Frame, Interruption

log = logging.getLogger(__name__)

Scope = Literal["turn", "session", "record"]
REPLY_LANGUAGES = ("en", "hi", "bn", "mr")


@dataclass
class Session:
    session_id: str
    language: str  # auto | en | hi | bn | mr
    mode: str = "vad"  # vad | ptt
    sample_rate: int = 16000
    expecting_number: bool = False  # the last reply asked for an order or phone number (end of turn)

    def reply_language(self) -> str:
        """The language to speak when nothing better is known."""
        return self.language if self.language in REPLY_LANGUAGES else "en"


@dataclass
class Turn:
    """One shopper turn and the assistant's answer: its number, its clock, its provider calls."""

    number: int
    eos: float  # end of the shopper's speech (or the message's arrival): the clock's zero
    transcript: float | None = None
    first_token: float | None = None
    first_audio: float | None = None
    asr_ms: float | None = None
    speculative: bool = False
    speech_calls: list[dict] = field(default_factory=list)
    interrupted_text: str | None = None  # what the shopper heard of the reply before cutting it
    stored: bool = False  # its record is being written (a cut after this changes nothing stored)

    def metrics(self) -> dict[str, Any]:
        return {
            "type": "metrics", "turn": self.number,
            "eos_to_transcript_ms": _ms(self.eos, self.transcript),
            "eos_to_first_token_ms": _ms(self.eos, self.first_token),
            "eos_to_first_audio_ms": _ms(self.eos, self.first_audio),
            "asr_ms": None if self.asr_ms is None else round(self.asr_ms, 1),
            "speculative_asr": self.speculative,
        }


def _ms(t0: float, t1: float | None) -> float | None:
    return None if t1 is None else round((t1 - t0) * 1000, 1)


class Processor:
    """One stage of a pipeline."""

    pipeline: Pipeline
    _next: Processor | None = None

    async def process(self, frame: Frame) -> None:
        await self.push(frame)

    async def push(self, frame: Frame) -> None:
        if self._next is not None:
            await self._next.process(frame)

    def speaking(self, now: float) -> bool:
        """Whether this stage is still playing the assistant's voice to the shopper."""
        return False

    def configured(self, session: Session) -> None:
        """The client changed the session's settings (its `start` message)."""

    def turn_started(self, turn: Turn) -> None:
        """A new turn begins (its clock starts at `turn.eos`)."""

    def interrupted(self, frame: Interruption) -> None:
        """Called on every stage, before the turn's tasks are cancelled and before `frame` travels
        down the pipeline: the place to note what the shopper heard and stop the clock."""


class Pipeline:
    def __init__(self, processors: list[Processor], *, session: Session):
        if not processors:
            raise ValueError("a pipeline needs at least one processor")
        self.processors = processors
        self.session = session
        for stage, following in zip(processors, processors[1:] + [None]):
            stage.pipeline = self
            stage._next = following
        self.turn = Turn(number=0, eos=time.perf_counter())
        self.turn_task: asyncio.Task | None = None
        self._tasks: dict[asyncio.Task, Scope] = {}

    def configure(self, *, sample_rate: int | None = None, language: str | None = None, mode: str | None = None) -> None:
        session = self.session
        session.sample_rate = sample_rate or session.sample_rate
        session.language = language or session.language
        session.mode = mode or session.mode
        for stage in self.processors:
            stage.configured(session)

    # -- frames ----------------------------------------------------------------------------------
    async def queue(self, frame: Frame) -> None:
        """A frame from outside (the consumer, a view) enters at the first stage."""
        await self.processors[0].process(frame)

    # -- tasks -----------------------------------------------------------------------------------
    def spawn(self, coro: Awaitable, *, scope: Scope = "session") -> asyncio.Task:
        """Run `coro` in the background, owned by this pipeline. Scope "turn": cancelled by an
        interruption and on close; "session": on close; "record": never cancelled, it writes down
        what already happened (the shopper's turn, what they heard) and ends on its own."""
        task = asyncio.ensure_future(coro)
        self._tasks[task] = scope
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("voice pipeline task failed", exc_info=task.exception())

    def tasks(self, scope: Scope | None = None) -> list[asyncio.Task]:
        return [t for t, s in self._tasks.items() if scope is None or s == scope]

    def record_call(self, call) -> None:
        """A provider call (ASR, TTS) of the current turn, kept to be stored with it."""
        self.turn.speech_calls.append(call.as_model_call_fields() if hasattr(call, "as_model_call_fields") else asdict(call))

    def new_turn(self, *, eos: float) -> Turn:
        self.turn = Turn(number=self.turn.number + 1, eos=eos)
        for stage in self.processors:
            stage.turn_started(self.turn)
        return self.turn

    def start_turn(self, coro: Awaitable, *, eos: float) -> asyncio.Task:
        """A new turn, worked on by `coro`; one turn at a time (the caller interrupts the last)."""
        self.new_turn(eos=eos)
        self.turn_task = self.spawn(coro, scope="turn")
        return self.turn_task

    @property
    def busy(self) -> bool:
        return self.turn_task is not None and not self.turn_task.done()

    def active(self, now: float) -> bool:
        """The assistant is working on a turn or still speaking."""
        return self.busy or any(stage.speaking(now) for stage in self.processors)

    async def interrupt(self, reason: str) -> None:
        """Cut the assistant short (if it is answering or speaking): the turn's tasks are cancelled
        and an Interruption frame goes down the pipeline (stored, told to the client)."""
        now = time.perf_counter()
        if not self.active(now):
            return
        frame = Interruption(reason=reason, at=now, turn_cancelled=self.busy)
        for stage in self.processors:
            stage.interrupted(frame)
        if frame.turn_cancelled:
            self.turn.interrupted_text = frame.heard
        self.turn_task = None
        for task in self.tasks("turn"):
            task.cancel()
        await self.queue(frame)

    async def close(self) -> None:
        """The connection is gone: cancel everything but the records of what happened."""
        for task, scope in list(self._tasks.items()):
            if scope != "record":
                task.cancel()
        self.turn_task = None

    async def drain(self) -> None:
        """Wait for every task (tests, and the records' writes before a shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
