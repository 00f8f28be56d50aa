"""End of turn: has the shopper finished? How long a silence ends a turn depends on what was said.

Adaptive (VOICE_EOT_ADAPTIVE, the default): at the first short pause (VOICE_SPECULATIVE_MS) the
speculative transcript is started downstream; once it is in, `support.speech.endpointing` weighs
its words and (VOICE_SMART_TURN) the Smart Turn audio model, and answers the silence to wait,
counted from the last voiced frame: ~200 ms after a complete request, up to ~1 s after "Hi," or
"my number is 98765". Voice again before that cancels the decision (same utterance). The VAD's
own silence (VOICE_EOT_MAX_MS in this mode) is the cap that ends a turn whatever was decided.

Fixed (VOICE_EOT_ADAPTIVE=false): VOICE_EOT_SILENCE_MS of silence, VOICE_EOT_UNFINISHED_MS when the
speculative transcript's words sound unfinished.

Both read `Session.expecting_number` (the assistant has just asked for an order number or the last
digits of a phone): then a whole number is a complete answer, and shorter digits are still being read.
"""

from __future__ import annotations

import asyncio
import logging
import time

from django.conf import settings

from support.speech.asr.trust import hearing
from support.speech.endpointing import UNFINISHED, Endpoint, EndpointConfig, decide, judge_words, smart_turn

from ..frames import Frame, Silence, SpeechPaused, SpeechResumed, SpeechStarted, SpeechStopped, UserEnd, Utterance
from ..processor import Processor
from .audio_input import AudioInput
from .speech_to_text import SpeechToText

log = logging.getLogger(__name__)

MIN_UTTERANCE_SAMPLES = 1600  # 0.1 s at 16 kHz

class EndOfTurn(Processor):
    """Turns the VAD's silence and the client's `end` into the end of the shopper's turn: the
    utterance is taken from the audio input and handed to speech to text as a new turn."""

    def __init__(self, *, audio: AudioInput, stt: SpeechToText, adaptive: bool | None = None):
        self.audio, self.stt = audio, stt
        self.adaptive = settings.VOICE_EOT_ADAPTIVE if adaptive is None else adaptive
        self._deferred: asyncio.Task | None = None  # the end-of-turn decision under way
        self.last_endpoint: Endpoint | None = None  # the latest adaptive decision (logged, tested)

    def _cancel_decision(self) -> bool:
        if self._deferred is None:
            return False
        self._deferred.cancel()
        self._deferred = None
        return True

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, SpeechStarted):
            if self._cancel_decision():
                # The shopper went on after a pause that sounded unfinished: same utterance.
                return
            await self.push(frame)
        elif isinstance(frame, SpeechPaused) and self.adaptive and self.pipeline.session.mode == "vad":
            await self.push(frame)  # speech to text starts the speculative transcript
            self._deferred = self.pipeline.spawn(self._adapt(self.audio.last_voiced_at, frame.audio), scope="session")
        elif isinstance(frame, SpeechResumed):
            self._cancel_decision()
            await self.push(frame)
        elif isinstance(frame, Silence):
            if self.adaptive:
                # The cap: as much silence as the longest wait; whatever the decision, the turn ends.
                self._cancel_decision()
                await self._end(frame.eos)
            else:
                self._deferred = self.pipeline.spawn(self._decide(frame.eos), scope="session")
        elif isinstance(frame, UserEnd):
            await self._client_end()
        else:
            await self.push(frame)

    def speculation_unfinished(self) -> bool:
        """Whether the speculative transcript stops mid-sentence (support.speech.endpointing's
        words: a trailing comma or conjunction, an opener on its own, digits still being read)."""
        spec = self.stt.pending
        if spec is None or not spec.done() or spec.cancelled() or spec.exception() is not None:
            return False
        heard = spec.result()
        words = judge_words(heard.text, language=heard.language or self.stt.language,
                            expecting_number=self.pipeline.session.expecting_number)
        return words.state == UNFINISHED

    async def _decide(self, eos: float) -> None:
        """The silence is long enough; is the sentence finished? "Hi, I want to know where my order
        is." must not end at the comma: when the speculative transcript stops mid-sentence (or is
        only "Hi."), wait up to VOICE_EOT_UNFINISHED_MS for more. The turn would await that
        transcript anyway, so waiting for it here costs nothing."""
        extra = (settings.VOICE_EOT_UNFINISHED_MS - settings.VOICE_EOT_SILENCE_MS) / 1000
        started = time.perf_counter()
        spec = self.stt.pending
        if extra > 0 and spec is not None and not spec.done():
            try:
                await asyncio.wait_for(asyncio.shield(spec), timeout=extra)
            except asyncio.CancelledError:
                raise
            except Exception:  # a slow or failed speculation decides nothing
                pass
        if extra > 0 and self.speculation_unfinished():
            remaining = extra - (time.perf_counter() - started)
            if remaining > 0:
                await asyncio.sleep(remaining)
        await self._end(eos)

    async def _adapt(self, eos: float | None, audio) -> None:
        """Weigh the speculative transcript's words and (in parallel, on another core) Smart Turn's
        hearing of the voice, and end the turn once the silence they ask for has passed since the
        last voiced frame."""
        eos = eos or time.perf_counter()
        model = smart_turn() if settings.VOICE_SMART_TURN else None
        # Smart Turn is ~50 ms of CPU: off the event loop, started now so that it runs beside the ASR.
        voice = asyncio.ensure_future(asyncio.to_thread(model.probability, audio)) if model is not None else None
        try:
            text, language = await self._speculative_words(eos)
            words = judge_words(text, language=language, expecting_number=self.pipeline.session.expecting_number)
            probability = None
            if voice is not None and words.state != UNFINISHED:
                probability = await voice
        except asyncio.CancelledError:
            raise
        except Exception:  # a slow or failed speculation: the cap decides
            return
        finally:
            if voice is not None and not voice.done():
                voice.cancel()  # the thread finishes on its own; its answer is not needed
        config = EndpointConfig(complete_ms=settings.VOICE_EOT_COMPLETE_MS, unfinished_ms=settings.VOICE_EOT_MAX_MS,
                                weak_unsure_ms=settings.VOICE_EOT_MAX_MS)
        endpoint = decide(words, probability, config=config)
        self.last_endpoint = endpoint
        log.debug("end of turn after %d ms of silence: %s", endpoint.silence_ms, endpoint.reason)
        await self._silence_for(endpoint.silence_ms / 1000)
        self._deferred = None
        await self._end(eos)

    async def _silence_for(self, seconds: float) -> None:
        """Until the audio received since the last voiced frame holds `seconds` of silence: counted
        in audio, not on the clock, so that a loaded server reading its socket late does not end a
        turn whose next words are already waiting in the socket."""
        while (missing := seconds - self.audio.silence_heard()) > 0:
            await asyncio.sleep(missing)

    async def _speculative_words(self, eos: float) -> tuple[str | None, str]:
        """The speculative transcript's words if they can be trusted (None otherwise), and their language."""
        spec = self.stt.pending
        if spec is None:
            return None, self.pipeline.session.language
        cap = settings.VOICE_EOT_MAX_MS / 1000
        heard = await asyncio.wait_for(asyncio.shield(spec), timeout=max(0.0, eos + cap - time.perf_counter()))
        outcome = hearing(heard.transcript, session_language=self.stt.language)
        if outcome.action != "turn":  # only trusted words are weighed
            return None, self.pipeline.session.language
        return outcome.text, outcome.language

    async def _client_end(self) -> None:
        """The client's `end`: close the utterance still open, if there is one; otherwise nothing.

        Push-to-talk: everything sent since the last turn is the utterance (the button was held),
        and the clock starts now. Hands-free: only speech the VAD heard and has not yet handed to a
        turn is open; when the VAD already closed it (the first prototype's client sends `end`
        after its audio whatever the mode), `end` must neither start a second, empty turn nor
        cancel the answer under way."""
        if self._deferred is not None:
            # The VAD heard the silence and is deciding whether the sentence is finished: the
            # client says it is. The clock started at the last voiced frame.
            self._deferred.cancel()
            await self._end(self.audio.last_voiced_at or time.perf_counter())
            return
        has_utterance = self.audio.samples > 0 if self.pipeline.session.mode == "ptt" else self.audio.heard_speech()
        if not has_utterance:
            return
        await self._start_turn(eos=time.perf_counter())

    async def _end(self, eos: float) -> None:
        self._deferred = None
        await self.push(SpeechStopped(eos=eos))
        await self._start_turn(eos=eos)

    async def _start_turn(self, *, eos: float) -> None:
        pipeline = self.pipeline
        if pipeline.busy:
            # A new utterance while the previous turn is still working (a push-to-talk shopper who
            # talks again): the newer words win; one turn at a time, in order.
            await pipeline.interrupt("speech")
        reuse = not self.audio.voiced_since_snapshot
        audio, heard_speech = self.audio.take_utterance()
        # Under 0.1 s is a click, not words: nothing to transcribe (the turn re-prompts).
        speech = heard_speech and len(audio) >= MIN_UTTERANCE_SAMPLES
        pipeline.start_turn(self.push(Utterance(audio=audio, heard_speech=speech, reuse=reuse)), eos=eos)
