"""Clauses: the brain's streamed text cut into clauses (support.speech.chunker), each spoken as soon
as it is complete. When the brain gives a version for the ear (Spoken), that is said instead of
the text deltas, which still go to the screen."""

from __future__ import annotations

from support.assistant.brain import Spoken, TextDelta
from support.speech.chunker import ClauseChunker

from ..frames import BrainEvent, Clause, Frame, ReplyDone, ReplyLanguage, ReplyReset, ReplyStarted
from ..processor import Processor

# The first clause may be a single word ("Yes," "Sure," "Sorry,"): it is what the shopper waits
# for, and a short one is synthesised sooner or is already in the clause cache.
FIRST_CLAUSE_MIN_CHARS = 3


def chunker() -> ClauseChunker:
    """The chunker every reply is cut with (warm-up cuts the replies' fixed openings with it too)."""
    return ClauseChunker(first_clause_min_chars=FIRST_CLAUSE_MIN_CHARS)


def first_clause(opening: str) -> str | None:
    """The first clause a reply beginning with `opening` is spoken with, when `opening` holds all
    of it (None when the clause runs on into what follows)."""
    clauses = chunker().feed(opening + " ")
    return clauses[0] if clauses else None


class Clauses(Processor):
    def __init__(self):
        self._reset()
        self.language: str | None = None

    def _reset(self) -> None:
        self.chunker = chunker()
        self.spoken: str | None = None

    def _language(self) -> str:
        return self.language or self.pipeline.session.reply_language()

    async def _say(self, clauses: list[str]) -> None:
        for clause in clauses:
            await self.push(Clause(text=clause, language=self._language()))

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, ReplyStarted):
            self._reset()
            self.language = frame.language
            await self.push(frame)
        elif isinstance(frame, BrainEvent) and isinstance(frame.event, TextDelta):
            await self.push(frame)
            if self.spoken is None:
                await self._say(self.chunker.feed(frame.event.text))
        elif isinstance(frame, BrainEvent) and isinstance(frame.event, Spoken):
            self.spoken = frame.event.text
            await self._say(self.chunker.feed(self.spoken))
            await self.push(frame)
        elif isinstance(frame, ReplyReset):
            self._reset()
            await self.push(frame)
        elif isinstance(frame, ReplyLanguage):
            self.language = frame.language
            await self.push(frame)
        elif isinstance(frame, ReplyDone):
            await self._say(self.chunker.flush())
            await self.push(frame)
        else:
            await self.push(frame)
