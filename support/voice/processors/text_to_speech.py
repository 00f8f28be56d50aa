"""Text to speech: each clause synthesised and sent as soon as it is ready, while the brain goes on;
the playback clock says which part of the reply the shopper has heard when they cut it short.

Paced (VOICE_TTS_AHEAD_S): a clause is synthesised only when less than that much audio is left to
play before it, so a reply cut short (most long ones are) costs only what was heard plus a clause
or two, and a busy process spends its CPU on whoever is about to run out of audio. Each synthesis
says when it is needed (support.speech.scheduling): the first clause at once, a later one when the
audio before it has played.

Filler (VOICE_FILLER_MS): a shopper who has heard nothing that long after they stopped speaking
(the process is busy) hears "One moment." rather than silence, announced by a `filler` event.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

from django.conf import settings

from support.speech.scheduling import deadline

from ..factory import providers
from ..frames import (
    AudioOut, AudioStarted, Clause, End, Filler, Frame, Interruption, ReplyDone, ReplyStarted, StaffMessage, StaffSay,
)
from ..processor import Processor, Turn

# The assistant counts as speaking until this long after its audio should have finished playing.
PLAYBACK_GUARD_S = 0.25

# Short, and the same every time: synthesised once (at warm-up) and then read from the clause cache,
# so saying it costs nothing when the process is busiest.
FILLERS = {"en": "One moment.", "hi": "एक पल।", "bn": "এক মুহূর্ত।", "mr": "एक क्षण."}


class TextToSpeech(Processor):
    def __init__(self, *, on_call: Callable[[Any], None] | None = None, whole_reply: bool = False):
        """`whole_reply`: speak the finished reply in one piece (its version for the ear when the
        brain gave one) instead of clause by clause as it streams: a caller that answers once
        (REST) has no one to play the first clause to early."""
        self._on_call = on_call
        self.whole_reply = whole_reply
        self.rate = settings.TTS_SAMPLE_RATE
        self._queue: asyncio.Queue | None = None
        self._speaker: asyncio.Task | None = None
        self.reset()

    def on_call(self, call) -> None:
        if self._on_call is not None:
            self._on_call(call)
        else:
            self.pipeline.record_call(call)

    # -- playback clock ----------------------------------------------------------------------------
    def reset(self) -> None:
        self.first_audio_at: float | None = None  # the first sound (a filler's, maybe)
        self.reply_audio_at: float | None = None  # the first sound that is not a filler
        self.audio_seconds = 0.0
        self.spoken: list[tuple[float, str]] = []  # (start offset in playback seconds, clause text)
        self.pcm: list[bytes] = []
        self.failed: set[str] = set()  # a provider that failed once is skipped for the rest of the reply

    def speaking(self, now: float) -> bool:
        return self.first_audio_at is not None and now < self.first_audio_at + self.audio_seconds + PLAYBACK_GUARD_S

    def heard_text(self, now: float) -> str:
        """The clauses whose playback had started by `now`."""
        if self.first_audio_at is None:
            return ""
        played = now - self.first_audio_at
        return " ".join(text for start, text in self.spoken if start <= played).strip()

    def spoken_text(self) -> str:
        return " ".join(clause for _, clause in self.spoken)

    def interrupted(self, frame: Interruption) -> None:
        frame.heard = self.heard_text(frame.at)
        # The client drops what it has queued: nothing is playing any more.
        self.first_audio_at = None
        self.audio_seconds = 0.0

    def turn_started(self, turn: Turn) -> None:
        self.reset()
        if settings.VOICE_FILLER_MS > 0 and not self.whole_reply:
            self.pipeline.spawn(self._filler(turn), scope="turn")

    # -- frames --------------------------------------------------------------------------------------
    async def process(self, frame: Frame) -> None:
        if self.whole_reply and isinstance(frame, (ReplyStarted, Clause, ReplyDone)):
            await self._whole(frame)
        elif isinstance(frame, ReplyStarted):
            # The clock was reset when the turn started: a filler already played counts.
            self.pcm, self.spoken = [], []
            self._queue = asyncio.Queue()
            self._speaker = self.pipeline.spawn(self._speak_from(self._queue), scope="turn")
            await self.push(frame)
        elif isinstance(frame, Clause):
            self._queue.put_nowait(frame)
        elif isinstance(frame, ReplyDone):
            self._queue.put_nowait(None)
            await self._speaker
            self.pipeline.turn.first_audio = self.reply_audio_at
            frame.reply_pcm, frame.reply_rate = b"".join(self.pcm), self.rate
            await self.push(frame)
        elif isinstance(frame, StaffSay):
            await self._staff(frame)
        else:
            await self.push(frame)

    async def _whole(self, frame: Frame) -> None:
        if isinstance(frame, ReplyStarted):
            self.reset()
        elif isinstance(frame, ReplyDone):
            text = frame.spoken or frame.text
            if text:
                t0 = time.perf_counter()
                chunks = [pcm async for pcm in providers().tts.stream(text, frame.language, on_call=self.on_call)]
                frame.tts_ms = (time.perf_counter() - t0) * 1000
                frame.reply_pcm, frame.reply_rate = b"".join(chunks), self.rate
        if not isinstance(frame, Clause):
            await self.push(frame)

    async def _speak_from(self, queue: asyncio.Queue) -> None:
        while (clause := await queue.get()) is not None:
            await self._pace()
            await self.say(clause.text, clause.language, part_of_reply=clause.part_of_reply)

    def playback_ends(self) -> float | None:
        """When the audio sent so far will have finished playing (None: nothing sent yet)."""
        return None if self.first_audio_at is None else self.first_audio_at + self.audio_seconds

    async def _pace(self) -> None:
        """Wait until less than VOICE_TTS_AHEAD_S of sent audio is left to play."""
        ends = self.playback_ends()
        if ends is None or settings.VOICE_TTS_AHEAD_S <= 0:
            return
        wait = ends - settings.VOICE_TTS_AHEAD_S - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)

    async def _filler(self, turn: Turn) -> None:
        await asyncio.sleep(max(0.0, turn.eos + settings.VOICE_FILLER_MS / 1000 - time.perf_counter()))
        if self.first_audio_at is not None or self.pipeline.turn is not turn or not self.pipeline.busy:
            return
        language = self.pipeline.session.reply_language()
        text = FILLERS[language]
        pcm = await self._synthesize(text, language)
        if pcm and self.first_audio_at is None and self.pipeline.turn is turn:
            await self.push(Filler(text=text, audio_bytes=len(pcm)))
            await self._play(pcm, text, part_of_reply=False, keep=False)

    async def _synthesize(self, text: str, language: str) -> bytes:
        """The one place speech is synthesised (the chain runs its engines in their own threads),
        needed when the audio before it runs out: at once for the turn's first sound."""
        with deadline(self.playback_ends() or self.pipeline.turn.eos):
            return await providers().tts.synthesize_clause(text, language, on_call=self.on_call, failed=self.failed)

    async def say(self, text: str, language: str, *, part_of_reply: bool = True) -> None:
        """`part_of_reply=False`: a line said before the reply ("sorry, we were cut off"), which takes
        playback time but is never what the shopper heard of the reply."""
        pcm = await self._synthesize(text, language)
        if pcm:
            await self._play(pcm, text, part_of_reply=part_of_reply)

    async def _play(self, pcm: bytes, text: str, *, part_of_reply: bool, keep: bool = True) -> None:
        """Send `pcm` and advance the playback clock. `keep=False`: not part of the reply's stored audio."""
        if self.first_audio_at is None:
            self.first_audio_at = time.perf_counter()
            await self.push(AudioStarted(sample_rate=self.rate))
        if part_of_reply:
            self.spoken.append((self.audio_seconds, text))
        await self.push(AudioOut(pcm=pcm))
        if keep:
            self.pcm.append(pcm)
            self.reply_audio_at = self.reply_audio_at or time.perf_counter()
        self.audio_seconds += len(pcm) / 2 / self.rate

    async def _staff(self, frame: StaffSay) -> None:
        """Staff takeover: a typed staff reply is spoken to the shopper as its own turn."""
        pipeline = self.pipeline
        if pipeline.busy:
            await pipeline.interrupt("staff")
        pipeline.new_turn(eos=time.perf_counter())
        self.reset()
        await self.push(StaffMessage(text=frame.text))
        await self.say(frame.text, frame.language)
        await self.push(End(turn=pipeline.turn.number))
