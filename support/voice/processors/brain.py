"""The brain: a trusted transcript (or a typed message) becomes a turn of the conversation, run in
a worker thread (tools use the ORM); its events come back as frames while it works, so the first
clause can be spoken before the reply is complete. An untrusted transcript gets a re-prompt. A
resumed conversation's cut-off turn (Resume) is answered at once, after a notice: its stored reply
said again, or the brain's answer to its stored question."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from support.assistant.brain import Intent, ReplyRestart, Spoken, TextDelta, ToolCalled, TurnEvent, TurnLanguage
from support.assistant.offline.replies import render
from support.speech.audio import float_to_pcm16

from .. import services
from ..frames import (
    BrainEvent, Clause, Frame, ReplyDone, ReplyLanguage, ReplyReset, ReplyStarted, ReplyText, Resume, SpeechUnavailable,
    TextIn, ToolUsed, Transcript,
)
from ..processor import Processor, Turn


def brain_frame(event: TurnEvent) -> Frame | None:
    """A turn's event (support.conversations.services.turns.conversation_turn's on_event) as a frame."""
    if isinstance(event, (TextDelta, Spoken, Intent)):
        return BrainEvent(event)
    if isinstance(event, ToolCalled):
        return ToolUsed(name=event.name, arguments=event.arguments, ok=event.result.ok, code=event.result.code)
    if isinstance(event, TurnLanguage):
        return ReplyLanguage(language=event.language)
    if isinstance(event, ReplyRestart):
        return ReplyReset(reason=event.reason, from_brain=event.from_brain)
    return None


_DONE = object()


class Brain(Processor):
    def __init__(self, *, in_caller_thread: bool = False):
        """`in_caller_thread`: run the turn in the thread of the synchronous caller that started the
        pipeline (REST: its request's database connection and transaction) instead of a worker."""
        self.in_caller_thread = in_caller_thread

    def _hop(self, func):
        """The one place the brain's thread is entered."""
        if self.in_caller_thread:
            return sync_to_async(func, thread_sensitive=True)
        return database_sync_to_async(func, thread_sensitive=False)

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, Transcript):
            await self.push(frame)
            if frame.hearing.action != "turn":
                await self._reprompt(frame)
                return
            user_pcm = float_to_pcm16(frame.audio) if frame.audio is not None else None
            await self._turn(text=frame.text, language=frame.hearing.language, confidence=frame.confidence,
                             user_pcm=user_pcm)
        elif isinstance(frame, TextIn):
            pipeline = self.pipeline
            await pipeline.interrupt("text")
            pipeline.start_turn(self._turn(text=frame.text, language=frame.language, confidence=None, user_pcm=None),
                                eos=time.perf_counter())
        elif isinstance(frame, Resume):
            self.pipeline.start_turn(self._resume(frame), eos=time.perf_counter())
        else:
            await self.push(frame)

    async def _reprompt(self, frame: Transcript) -> None:
        outcome = frame.hearing
        key, language = outcome.reply_key, outcome.language
        text = render(key, language)
        await self.push(ReplyStarted(language=language))
        if key == "speech_unavailable":
            await self.push(SpeechUnavailable(language=language, reason=outcome.reason))
        await self.push(ReplyText(text=text))
        await self.push(Clause(text=text, language=language))
        await self.push(ReplyDone(text=text, language=language, reprompt=key))

    async def _resume(self, frame: Resume) -> None:
        if frame.answer == "repeat":
            await self._repeat(frame)
        else:
            await self._turn(text=frame.text, language=frame.language, confidence=None, user_pcm=None,
                             answering_id=frame.message_id, lead=frame.notice)

    async def _turn(self, *, text: str, language: str | None, confidence: float | None, user_pcm: bytes | None,
                    answering_id: int | None = None, lead: str | None = None) -> None:
        """`answering_id`, `lead`: a resumed turn's stored question, and what is said before its answer."""
        turn = self.pipeline.turn
        loop = asyncio.get_running_loop()
        events: asyncio.Queue = asyncio.Queue()

        def on_event(event: TurnEvent) -> None:  # called from the brain's worker thread
            loop.call_soon_threadsafe(events.put_nowait, event)

        metrics = turn.metrics()
        user_timings = {k: metrics[k] for k in ("asr_ms", "eos_to_transcript_ms") if metrics[k] is not None}
        # The brain's thread stores the turn even if the reply is cut.
        brain = asyncio.ensure_future(self._hop(services.turn_run)(
            session_id=self.pipeline.session.session_id, text=text, language=language, asr_confidence=confidence,
            user_timings=user_timings, on_event=on_event, answering_id=answering_id))
        brain.add_done_callback(lambda f: loop.call_soon_threadsafe(events.put_nowait, _DONE))
        await self.push(ReplyStarted(language=language))
        if lead:
            await self.push(Clause(text=lead, language=language or self.pipeline.session.reply_language(),
                                   part_of_reply=False))
        spoken: str | None = None  # the brain's version for the ear, when it gives one
        try:
            while (event := await events.get()) is not _DONE:
                frame = brain_frame(event)
                if isinstance(frame, BrainEvent) and turn.first_token is None:
                    if isinstance(frame.event, (TextDelta, Spoken)):
                        turn.first_token = time.perf_counter()
                if isinstance(frame, BrainEvent) and isinstance(frame.event, Spoken):
                    spoken = frame.event.text
                elif isinstance(frame, ReplyReset):
                    spoken = None
                if frame is not None:
                    await self.push(frame)
            result = brain.result()
            self.pipeline.session.expecting_number = bool(result.get("expects_number"))
            await self.push(ReplyDone(text=result["reply"], language=result["language"], result=result, spoken=spoken,
                                      user_pcm=user_pcm, resumed=lead is not None))
        except asyncio.CancelledError:
            if not turn.stored:
                # The brain's thread finishes on its own and stores the turn; then what was heard is kept.
                self.pipeline.spawn(self._store_cut(brain, turn), scope="record")
            raise

    async def _repeat(self, frame: Resume) -> None:
        """A stored reply the shopper never heard to the end, said again after the notice."""
        turn = self.pipeline.turn
        try:
            await self.push(ReplyStarted(language=frame.language))
            await self.push(Clause(text=frame.notice, language=frame.language, part_of_reply=False))
            turn.first_token = time.perf_counter()
            await self.push(BrainEvent(TextDelta(text=frame.reply)))
            result = {"user_message_id": frame.message_id, "assistant_message_id": frame.reply_id, "reply": frame.reply,
                      "language": frame.language, "intent": None, "status": frame.status, "taken_over": False,
                      "brain_ms": None}
            await self.push(ReplyDone(text=frame.reply, language=frame.language, result=result, resumed=True))
        except asyncio.CancelledError:
            if not turn.stored and turn.interrupted_text is not None:  # a barge-in, not a closed connection
                self.pipeline.spawn(database_sync_to_async(services.message_mark_interrupted)(
                    message_id=frame.reply_id, heard=turn.interrupted_text), scope="record")
            raise

    async def _store_cut(self, brain: asyncio.Future, turn: Turn) -> None:
        try:
            result = await brain
        except Exception:
            return
        # interrupted_text is None when the connection closed (nothing interrupted the reply): it is
        # kept whole, to be said again when the conversation resumes.
        await database_sync_to_async(services.voice_turn_store)(
            session_id=self.pipeline.session.session_id, user_message_id=result["user_message_id"],
            assistant_message_id=result["assistant_message_id"], speech_calls=turn.speech_calls,
            assistant_timings={}, interrupted_text=turn.interrupted_text,
        )
