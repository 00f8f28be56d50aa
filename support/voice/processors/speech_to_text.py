"""Speech to text: the utterance's transcript, judged (support.speech.asr.trust) before anything
acts on it. Transcribes speculatively on a pause and reuses that result when no speech came after
it; judges an interjection over the assistant by its words (a backchannel, or a barge-in)."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from support.assistant.offline.yesno import interrupts_speaker
from support.speech.asr.trust import Hearing, hearing
from support.speech.scheduling import deadline

from ..factory import providers
from ..frames import (
    Backchannel, Error, Frame, Interjection, SpeechPaused, SpeechResumed, Transcript, Utterance,
)
from ..processor import Processor

log = logging.getLogger(__name__)

LANGUAGES = ("en", "hi", "bn", "mr")


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w\u0900-\u09FF]+", text.lower()))


@dataclass
class Heard:
    text: str
    language: str
    confidence: float | None
    asr_ms: float
    speculative: bool = False
    transcript: Any = None  # the ASR's Transcript, judged (support.speech.asr.trust)


class SpeechToText(Processor):
    def __init__(self, *, on_call: Callable[[Any], None] | None = None, language: str | None = None,
                 judge: Callable[[Any], Hearing] | None = None, report_errors: bool = True):
        """`on_call` receives each provider call (the pipeline's turn records them by default);
        `language` fixes the ASR language (else the session's); `judge` decides what the
        transcript may do (default: `hearing` in the session's language); `report_errors`: a
        failed transcription is told to the client and re-prompted (real time) instead of raised
        (REST, batch: the caller answers 503 or retries)."""
        self._on_call = on_call
        self._language = language
        self._judge = judge
        self.report_errors = report_errors
        self._spec: asyncio.Task | None = None
        self._judging: asyncio.Task | None = None
        self.audio = None  # the AudioInput whose buffer an interrupting interjection clears
        self.playback = None  # the TextToSpeech whose words an echo repeats

    @property
    def language(self) -> str:
        return self._language or self.pipeline.session.language

    def on_call(self, call) -> None:
        if self._on_call is not None:
            self._on_call(call)
        else:
            self.pipeline.record_call(call)

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, SpeechPaused):
            self.speculate(frame.audio)
        elif isinstance(frame, SpeechResumed):
            self.discard()
        elif isinstance(frame, Utterance):
            await self._utterance(frame.audio, frame.heard_speech, reuse=frame.reuse)
        elif isinstance(frame, Interjection):
            if self._judging is not None:
                self._judging.cancel()
            self._judging = self.pipeline.spawn(self._interjection(frame.audio, frame.at), scope="session")
        else:
            await self.push(frame)

    # -- transcription ---------------------------------------------------------------------------
    async def transcribe(self, audio: np.ndarray) -> Heard:
        """The one place speech recognition runs (its chain hops to its own threads)."""
        t0 = time.perf_counter()
        result = await providers().asr.transcribe_async(audio, language=self.language, on_call=self.on_call)
        return Heard(text=(result.text or "").strip(), language=result.language or self.language,
                     confidence=result.confidence, asr_ms=(time.perf_counter() - t0) * 1000, transcript=result)

    def speculate(self, audio: np.ndarray) -> None:
        self.discard()
        self._spec = self.pipeline.spawn(self.transcribe(audio), scope="session")

    @property
    def pending(self) -> asyncio.Task | None:
        return self._spec

    def discard(self) -> None:
        if self._spec is not None and not self._spec.done():
            self._spec.cancel()
        self._spec = None

    async def final(self, audio: np.ndarray, *, reuse: bool) -> Heard:
        spec, self._spec = self._spec, None
        if spec is not None and reuse:
            try:
                heard = await spec
                heard.speculative = True
                return heard
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed speculation is retried on the final audio
                log.exception("speculative transcription failed")
        elif spec is not None:
            spec.cancel()
        # Needed since the shopper stopped: ahead of newer turns and of speculations (scheduling).
        with deadline(self.pipeline.turn.eos):
            return await self.transcribe(audio)

    async def _utterance(self, audio: np.ndarray, heard_speech: bool, *, reuse: bool, heard: Heard | None = None) -> None:
        """`heard`: the words, when they were transcribed already (an interjection)."""
        turn = self.pipeline.turn
        if heard is None and heard_speech:
            try:
                heard = await self.final(audio, reuse=reuse)
            except Exception as exc:  # noqa: BLE001
                if not self.report_errors:
                    raise
                log.exception("transcription failed")
                await self.push(Error(code="asr_failed", detail=str(exc)[:200]))
        elif heard is None:
            self.discard()
        turn.transcript = time.perf_counter()
        if heard is not None:
            turn.asr_ms, turn.speculative = heard.asr_ms, heard.speculative
        # Act on the words, ask again, or say this language cannot be heard here: the decision
        # every voice path shares. Nothing runs on a transcript that is not trusted.
        asr = heard.transcript if heard else None
        outcome = self._judge(asr) if self._judge is not None else hearing(asr, session_language=self.language)
        language = heard.language if heard and heard.language in LANGUAGES else None
        await self.push(Transcript(text=outcome.text, language=language or self.language,
                                   confidence=heard.confidence if heard else None, hearing=outcome, audio=audio, asr=asr))

    # -- interjections ---------------------------------------------------------------------------
    async def _interjection(self, audio: np.ndarray, at: float) -> None:
        """Something short said over the assistant: a backchannel ("okay", "haan", "হুঁ"), a hum or
        the assistant's own voice leaking back lets it go on; "stop", "wait", "no" or a short
        request interrupts it and is answered as the shopper's turn."""
        try:
            heard = await self.transcribe(audio)
        except Exception:  # noqa: BLE001 - an unheard interjection changes nothing
            log.exception("could not transcribe an interjection")
            return
        if not interrupts_speaker(heard.text) or self._is_echo(heard.text):
            await self.push(Backchannel(text=heard.text))
            return
        await self.pipeline.interrupt("speech")
        if self.audio is not None:
            self.audio.clear()
        self.pipeline.start_turn(self._utterance(audio, True, reuse=False, heard=heard), eos=at)

    def _is_echo(self, text: str) -> bool:
        """Whether every word heard is a word of the reply being played."""
        words = _words(text)
        spoken = self.playback.spoken_text() if self.playback is not None else ""
        return bool(words) and words <= _words(spoken)
