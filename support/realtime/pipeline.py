"""The real-time voice pipeline, composed in one place:

    audio in -> AudioInput (resample, VAD, end of turn) -> SpeechToText (speculative on pause)
             -> Brain (LLM + tools, streamed, in a worker thread) -> Chunker (clauses)
             -> Speaker (TTS per clause, audio out, playback clock for barge-in)

Each stage is a small class with one job; `VoicePipeline` wires them for one connection and
owns the turn task, so a barge-in or a disconnect cancels exactly one thing. The consumer
only parses messages and calls the pipeline's `on_*` methods.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Awaitable, Callable

import numpy as np
from channels.db import database_sync_to_async
from django.conf import settings

from support.agent.offline.yesno import interrupts_speaker
from support.speech.asr.trust import Hearing, hearing

from . import store
from .vad import StreamingVAD, TurnDetector

log = logging.getLogger(__name__)

# The first clause may be a single word ("Sure," "Sorry,"): it is what the shopper waits for.
FIRST_CLAUSE_MIN_CHARS = 5

SendJson = Callable[[dict], Awaitable[None]]
SendBytes = Callable[[bytes], Awaitable[None]]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w\u0900-\u09FF]+", text.lower()))


def _ms(t0: float, t1: float | None) -> float | None:
    return None if t1 is None else round((t1 - t0) * 1000, 1)


# ---------------------------------------------------------------------------
# Stage 1: audio in


class AudioInput:
    """PCM16 frames in, 16 kHz float samples buffered per utterance, VAD turn events out."""

    # Audio kept from before the first voiced frame. With 0.3 s, tiny.en dropped a short opener
    # followed by a pause ("Hi, I want...", "Hey, can you...") in 10 of 390 Piper renderings;
    # with 0.5 s in none (the ASR window is at least 8 s, so the longer lead costs nothing).
    PREROLL_S = 0.5

    def __init__(self, *, sample_rate: int, detector: TurnDetector):
        self.sample_rate = sample_rate
        self.vad = StreamingVAD()
        self.detector = detector
        self.buffer: list[np.ndarray] = []
        self.samples = 0
        self.frames = 0
        self.speech_start_sample: int | None = None
        self.last_voiced_sample: int | None = None
        self.last_voiced_at: float | None = None
        self.voiced_since_snapshot = False
        self.interjection: tuple[int, int] | None = None  # (first, last) sample of the latest one

    def set_rate(self, rate: int) -> None:
        self.sample_rate = rate

    def push(self, pcm: bytes, *, guarded: bool) -> list[tuple[str, float]]:
        from support.speech.audio import pcm16_to_float, resample_float

        samples = pcm16_to_float(pcm)
        if self.sample_rate != 16000:
            samples = resample_float(samples, self.sample_rate, 16000)
        self.buffer.append(samples)
        self.samples += len(samples)
        now = time.perf_counter()
        events = []
        for prob in self.vad.feed(samples):
            self.frames += 1
            frame_end_sample = self.frames * 512
            if prob >= self.detector.threshold:
                self.last_voiced_sample = frame_end_sample
                self.last_voiced_at = now
                self.voiced_since_snapshot = True
            for ev in self.detector.update(prob, guarded=guarded):
                if ev.kind in ("speech_start", "barge_in") and self.speech_start_sample is None:
                    self.speech_start_sample = max(0, ev.frame * 512)
                elif ev.kind == "interjection":
                    self.interjection = (ev.frame * 512, (ev.end + 1) * 512)
                events.append((ev.kind, now))
        return events

    def utterance(self) -> np.ndarray:
        """The current utterance: from a little before speech started to a little after it ended."""
        if not self.buffer:
            return np.zeros(0, np.float32)
        audio = np.concatenate(self.buffer) if len(self.buffer) > 1 else self.buffer[0]
        self.buffer = [audio]
        start = max(0, (self.speech_start_sample or 0) - int(self.PREROLL_S * 16000))
        end = len(audio)
        if self.last_voiced_sample is not None:
            end = min(len(audio), self.last_voiced_sample + int(0.3 * 16000))
        return audio[start:end]

    def interjection_audio(self) -> np.ndarray:
        """The latest interjection (speech over the assistant too short to barge in), with the
        same lead and tail as an utterance."""
        first, last = self.interjection or (0, 0)
        audio = np.concatenate(self.buffer) if len(self.buffer) > 1 else (self.buffer[0] if self.buffer else np.zeros(0, np.float32))
        self.buffer = [audio] if len(audio) else []
        return audio[max(0, first - int(self.PREROLL_S * 16000)):last + int(0.3 * 16000)]

    def heard_speech(self) -> bool:
        return self.speech_start_sample is not None

    def snapshot(self) -> np.ndarray:
        self.voiced_since_snapshot = False
        return self.utterance()

    def clear(self) -> None:
        self.buffer, self.samples = [], 0
        self.frames = 0
        self.speech_start_sample = self.last_voiced_sample = None
        self.voiced_since_snapshot = False
        self.interjection = None
        self.vad = StreamingVAD()
        self.detector.reset()


# ---------------------------------------------------------------------------
# Stage 2: speech to text


# Words after which a sentence cannot end (en/hi/bn/mr): a pause after them is a breath.
CONTINUATIONS = frozenset("and or but because so the a my to of with for और या लेकिन क्योंकि तो मेरा मेरी और আর বা কিন্তু কারণ আমার आणि किंवा पण कारण माझा माझी".split())


OPENERS = frozenset("hi hello hey okay ok so um uh well yeah namaste नमस्ते हेलो हाय अच्छा हां নমস্কার হ্যালো আচ্ছা नमस्कार हॅलो".split())


@dataclass
class Heard:
    text: str
    language: str
    confidence: float | None
    asr_ms: float
    speculative: bool = False
    transcript: Any = None  # the ASR's Transcript, judged (support.speech.asr.trust)


class SpeechToText:
    """Transcribes utterances; `speculate()` starts early on a pause, `final()` reuses that result
    when no speech came after it."""

    def __init__(self, *, language: str, on_call: Callable[[Any], None]):
        self.language = language
        self.on_call = on_call
        self._spec: asyncio.Task | None = None

    async def transcribe(self, audio: np.ndarray) -> Heard:
        from support.speech.asr import get_asr

        t0 = time.perf_counter()
        result = await get_asr().transcribe_async(audio, language=self.language, on_call=self.on_call)
        return Heard(text=(result.text or "").strip(), language=result.language or self.language,
                     confidence=result.confidence, asr_ms=(time.perf_counter() - t0) * 1000, transcript=result)

    def speculate(self, audio: np.ndarray) -> None:
        self.discard()
        self._spec = asyncio.ensure_future(self.transcribe(audio))

    @property
    def pending(self) -> asyncio.Task | None:
        return self._spec

    def sounds_unfinished(self) -> bool:
        """Whether the speculative transcript (if ready) stops mid-sentence: a trailing comma or
        a word that needs a continuation."""
        spec = self._spec
        if spec is None or not spec.done() or spec.cancelled() or spec.exception() is not None:
            return False
        text = spec.result().text.strip().lower()
        if not text:
            return False
        if text[-1] in ",;:-–—":
            return True
        words = [w.strip(".,!?।") for w in text.split()]
        if words and all(w in OPENERS for w in words):
            return True  # "Hi." / "Okay, so." on their own are how a request starts, not the request
        return bool(words) and words[-1] in CONTINUATIONS

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
        return await self.transcribe(audio)


# ---------------------------------------------------------------------------
# Stage 4/5: clauses to speech, audio out


class Speaker:
    """Turns reply text into audio clause by clause and keeps the playback clock, so a barge-in
    knows which part of the reply the shopper actually heard."""

    def __init__(self, *, send_json: SendJson, send_bytes: SendBytes, on_call: Callable[[Any], None]):
        self.send_json, self.send_bytes, self.on_call = send_json, send_bytes, on_call
        self.rate = settings.TTS_SAMPLE_RATE
        self.reset()

    def reset(self) -> None:
        self.first_audio_at: float | None = None
        self.audio_seconds = 0.0
        self.spoken: list[tuple[float, str]] = []  # (start offset in playback seconds, clause text)
        self.pcm: list[bytes] = []
        self.failed: set[str] = set()  # a provider that failed once is skipped for the rest of the reply

    def stop(self) -> None:
        self.first_audio_at = None
        self.audio_seconds = 0.0

    @property
    def speaking_until(self) -> float:
        return (self.first_audio_at or 0) + self.audio_seconds

    def is_playing(self, now: float) -> bool:
        return self.first_audio_at is not None and now < self.speaking_until + 0.25

    def heard_text(self, now: float) -> str:
        """The clauses whose playback had started by `now`."""
        if self.first_audio_at is None:
            return ""
        played = now - self.first_audio_at
        return " ".join(text for start, text in self.spoken if start <= played).strip()

    async def say(self, clause: str, language: str, turn: int, *, part_of_reply: bool = True) -> None:
        """`part_of_reply=False`: a line said before the reply ("sorry, we were cut off"), which
        takes playback time but is never what the shopper heard of the reply."""
        from support.speech.tts import get_tts

        pcm = await get_tts().synthesize_clause(clause, language, on_call=self.on_call, failed=self.failed)
        if not pcm:
            return
        if self.first_audio_at is None:
            self.first_audio_at = time.perf_counter()
            await self.send_json({"type": "audio_start", "turn": turn, "encoding": "pcm_s16le",
                                  "sample_rate": self.rate, "channels": 1})
        if part_of_reply:
            self.spoken.append((self.audio_seconds, clause))
        await self.send_bytes(pcm)
        self.pcm.append(pcm)
        self.audio_seconds += len(pcm) / 2 / self.rate


# ---------------------------------------------------------------------------
# Composition


@dataclass
class TurnClock:
    eos: float
    transcript: float | None = None
    first_token: float | None = None
    first_audio: float | None = None
    asr_ms: float | None = None
    speculative: bool = False
    speech_calls: list[dict] = field(default_factory=list)


class VoicePipeline:
    def __init__(self, *, session_id: str, language: str, send_json: SendJson, send_bytes: SendBytes,
                 sample_rate: int = 16000, mode: str = "vad"):
        self.session_id = session_id
        self.language = language
        self.mode = mode
        self.send_json, self.send_bytes = send_json, send_bytes
        self.detector = TurnDetector(silence_ms=settings.VOICE_EOT_SILENCE_MS, speculative_ms=settings.VOICE_SPECULATIVE_MS,
                                     barge_in_ms=settings.VOICE_BARGE_IN_MS)
        self.input = AudioInput(sample_rate=sample_rate, detector=self.detector)
        self.turn_no = 0
        self.turn_task: asyncio.Task | None = None
        self.clock: TurnClock | None = None
        self.speaker = Speaker(send_json=self._send_event, send_bytes=send_bytes, on_call=self._record_call)
        self.stt = SpeechToText(language=language, on_call=self._record_call)
        self._reply_language: str | None = None
        self._interrupted_text: str | None = None
        self._last_reply_id: int | None = None
        self._deferred_end: asyncio.Future | None = None  # the end-of-turn decision under way
        self._judging: asyncio.Task | None = None  # an interjection's words being judged

    # -- configuration ------------------------------------------------------
    def configure(self, *, sample_rate: int | None = None, language: str | None = None, mode: str | None = None) -> None:
        if sample_rate:
            self.input.set_rate(sample_rate)
        if language:
            self.language = language
            self.stt.language = language
        if mode:
            self.mode = mode

    # -- client events ------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.turn_task is not None and not self.turn_task.done()

    def _assistant_active(self, now: float) -> bool:
        return self.busy or self.speaker.is_playing(now)

    async def on_audio(self, pcm: bytes) -> None:
        now = time.perf_counter()
        guarded = self._assistant_active(now)
        for kind, at in self.input.push(pcm, guarded=guarded):
            if kind == "barge_in":
                await self.interrupt(reason="speech")
            elif kind == "speech_start":
                if self._deferred_end is not None:
                    # The shopper went on after a pause that sounded unfinished: same utterance.
                    self._deferred_end.cancel()
                    self._deferred_end = None
                    continue
                await self._send_event({"type": "vad", "state": "speech_start"})
            elif kind == "pause" and self.mode == "vad":
                self.stt.speculate(self.input.snapshot())
            elif kind == "resume":
                self.stt.discard()
            elif kind == "end_of_turn" and self.mode == "vad":
                self._deferred_end = asyncio.ensure_future(self._decide_end(self.input.last_voiced_at or at))
            elif kind == "interjection":
                if self._judging is not None:
                    self._judging.cancel()
                self._judging = asyncio.ensure_future(self._judge_interjection(self.input.interjection_audio(), at))

    async def _judge_interjection(self, audio: np.ndarray, at: float) -> None:
        """Something short said over the assistant: a backchannel ("okay", "haan", "হুঁ"), a hum or
        the assistant's own voice leaking back lets it go on; "stop", "wait", "no" or a short
        request interrupts it and is answered as the shopper's turn."""
        try:
            heard = await self.stt.transcribe(audio)
        except Exception:  # noqa: BLE001 - an unheard interjection changes nothing
            log.exception("could not transcribe an interjection")
            return
        if not interrupts_speaker(heard.text) or self._is_echo(heard.text):
            await self._send_event({"type": "backchannel", "text": heard.text})
            return
        await self.interrupt(reason="speech")
        self.input.clear()
        self.turn_no += 1
        self.clock = TurnClock(eos=at)
        self.turn_task = asyncio.ensure_future(self._voice_turn(audio, True, reuse=False, heard=heard))

    def _is_echo(self, text: str) -> bool:
        """Whether every word heard is a word of the reply being played."""
        words = _words(text)
        return bool(words) and words <= _words(" ".join(clause for _, clause in self.speaker.spoken))

    async def _decide_end(self, eos: float) -> None:
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
        if extra > 0 and self.stt.sounds_unfinished():
            remaining = extra - (time.perf_counter() - started)
            if remaining > 0:
                await asyncio.sleep(remaining)
        await self._end_of_speech(eos)

    async def _end_of_speech(self, eos: float) -> None:
        self._deferred_end = None
        await self._send_event({"type": "vad", "state": "speech_end"})
        await self._start_voice_turn(eos=eos, reuse=not self.input.voiced_since_snapshot)

    async def on_end(self) -> None:
        """The client's `end`: close the utterance still open, if there is one; otherwise nothing.

        Push-to-talk: everything sent since the last turn is the utterance (the button was held),
        and the clock starts now. Hands-free: only speech the VAD heard and has not yet handed to a
        turn is open; when the VAD already closed it (the first prototype's client sends `end`
        after its audio whatever the mode), `end` must neither start a second, empty turn nor
        cancel the answer under way."""
        if self._deferred_end is not None:
            # The VAD heard the silence and is deciding whether the sentence is finished: the
            # client says it is. The clock started at the last voiced frame.
            self._deferred_end.cancel()
            await self._end_of_speech(self.input.last_voiced_at or time.perf_counter())
            return
        has_utterance = self.input.samples > 0 if self.mode == "ptt" else self.input.heard_speech()
        if not has_utterance:
            return
        await self._start_voice_turn(eos=time.perf_counter(), reuse=not self.input.voiced_since_snapshot)

    async def on_text(self, text: str, language: str | None = None) -> None:
        if self.busy or self.speaker.is_playing(time.perf_counter()):
            await self.interrupt(reason="text")
        self.turn_no += 1
        self.clock = TurnClock(eos=time.perf_counter())
        self.turn_task = asyncio.ensure_future(self._turn(text=text, language=language, confidence=None, user_pcm=None))

    async def interrupt(self, *, reason: str) -> None:
        now = time.perf_counter()
        if not self._assistant_active(now):
            return
        task, self.turn_task = self.turn_task, None
        heard = self.speaker.heard_text(now)
        self.speaker.stop()  # the client drops what it has queued: nothing is playing any more
        if task is not None and not task.done():
            self._interrupted_text = heard
            task.cancel()
        elif self._last_reply_id is not None:
            # The server had sent the whole reply; the shopper was still hearing it.
            reply_id, self._last_reply_id = self._last_reply_id, None
            await database_sync_to_async(store.message_mark_interrupted)(message_id=reply_id, heard=heard)
        await self._send_event({"type": "barge_in", "reason": reason, "turn": self.turn_no, "heard": heard})

    async def resume(self, pending: dict) -> None:
        """Answer the turn a lost connection or a dead process cut off (support.services.resume):
        say so, then the stored reply again, or the brain's answer to the stored question."""
        self.turn_no += 1
        self.clock = TurnClock(eos=time.perf_counter())
        if pending["answer"] == "repeat":
            self.turn_task = asyncio.ensure_future(self._repeat(pending))
        else:
            self.turn_task = asyncio.ensure_future(self._turn(
                text=pending["text"], language=pending["language"], confidence=None, user_pcm=None,
                answering_id=pending["message_id"], lead=pending["notice"]))

    async def close(self) -> None:
        for task in (self._deferred_end, self._judging):
            if task is not None:
                task.cancel()
        self.stt.discard()
        if self.turn_task is not None and not self.turn_task.done():
            self.turn_task.cancel()

    # -- turns --------------------------------------------------------------
    async def _start_voice_turn(self, *, eos: float, reuse: bool) -> None:
        if self.busy:
            # A new utterance while the previous turn is still working (a push-to-talk shopper who
            # talks again): the newer words win; one turn at a time, in order.
            await self.interrupt(reason="speech")
        audio = self.input.utterance()
        heard_speech = self.input.heard_speech()
        self.input.clear()
        self.turn_no += 1
        self.clock = TurnClock(eos=eos)
        self.turn_task = asyncio.ensure_future(self._voice_turn(audio, heard_speech, reuse))

    async def _voice_turn(self, audio: np.ndarray, heard_speech: bool, reuse: bool, heard: Heard | None = None) -> None:
        """`heard`: the words, when they were transcribed already (an interjection)."""
        clock = self.clock
        if heard is None and heard_speech and len(audio) >= 1600:
            try:
                heard = await self.stt.final(audio, reuse=reuse)
            except Exception as exc:  # noqa: BLE001
                log.exception("transcription failed")
                await self._send_event({"type": "error", "code": "asr_failed", "detail": str(exc)[:200]})
        elif heard is None:
            self.stt.discard()
        clock.transcript = time.perf_counter()
        if heard is not None:
            clock.asr_ms, clock.speculative = heard.asr_ms, heard.speculative
        # Act on the words, ask again, or say this language cannot be heard here: the decision
        # every voice path shares. Nothing runs on a transcript that is not trusted.
        outcome = hearing(heard.transcript if heard else None, session_language=self.language)
        text = outcome.text
        language = heard.language if heard and heard.language in ("en", "hi", "bn", "mr") else None
        await self._send_event({"type": "transcript", "text": text, "final": True,
                                "language": language or self.language,
                                "confidence": heard.confidence if heard else None, **outcome.event_fields()})
        if outcome.action != "turn":
            await self._reprompt(outcome.language, outcome)
            return
        from support.speech.audio import float_to_pcm16

        await self._turn(text=text, language=outcome.language, confidence=heard.confidence, user_pcm=float_to_pcm16(audio))

    async def _reprompt(self, language: str, outcome: Hearing | None = None) -> None:
        from support.agent.offline.replies import render

        key = outcome.reply_key if outcome else "reprompt"
        text = render(key, language)
        clock = self.clock
        try:
            if key == "speech_unavailable":
                await self._send_event({"type": "speech_unavailable", "language": language, "reason": outcome.reason})
            await self._send_event({"type": "reply_delta", "text": text})
            await self.speaker.say(text, language, self.turn_no)
            clock.first_audio = self.speaker.first_audio_at
            await self._send_event({"type": "reply", "text": text, "language": language, key: True})
        finally:
            calls = clock.speech_calls
            if calls:
                await database_sync_to_async(store.speech_calls_record)(session_id=self.session_id, speech_calls=calls)
            await self._finish_turn(store_result=None)

    async def _turn(self, *, text: str, language: str | None, confidence: float | None, user_pcm: bytes | None,
                    answering_id: int | None = None, lead: str | None = None) -> None:
        """`answering_id`, `lead`: a resumed turn's stored question, and what is said before its answer."""
        from support.speech.chunker import ClauseChunker as Chunker

        clock = self.clock
        turn = self.turn_no
        self.speaker.reset()
        self._interrupted_text = None
        self._last_reply_id = None
        self._reply_language = language
        loop = asyncio.get_running_loop()
        events: asyncio.Queue = asyncio.Queue()

        def on_event(event: dict) -> None:  # called from the brain's worker thread
            loop.call_soon_threadsafe(events.put_nowait, event)

        user_timings = {k: v for k, v in {"asr_ms": clock.asr_ms,
                                          "eos_to_transcript_ms": _ms(clock.eos, clock.transcript)}.items() if v is not None}
        brain = asyncio.ensure_future(database_sync_to_async(store.turn_run, thread_sensitive=False)(
            session_id=self.session_id, text=text, language=language, asr_confidence=confidence,
            user_timings=user_timings, on_event=on_event, answering_id=answering_id))
        brain.add_done_callback(lambda f: loop.call_soon_threadsafe(events.put_nowait, {"type": "_done"}))
        result: dict | None = None
        reply_language = language or self.language
        spoken: str | None = None  # the brain's version for the ear, when it gives one
        try:
            chunker = Chunker(first_clause_min_chars=FIRST_CLAUSE_MIN_CHARS)
            speak_queue: asyncio.Queue = asyncio.Queue()
            speaker_task = asyncio.ensure_future(self._speak_from(speak_queue, turn, lead))
            while True:
                event = await events.get()
                kind = event["type"]
                if kind == "_done":
                    break
                if kind == "reply_delta":
                    if clock.first_token is None:
                        clock.first_token = time.perf_counter()
                    await self._send_event(event)
                    for clause in chunker.feed(event["text"]) if spoken is None else ():
                        speak_queue.put_nowait(clause)
                elif kind == "spoken":
                    # Said instead of the text deltas (which still go to the screen); it comes first.
                    spoken = event["text"]
                    if clock.first_token is None:
                        clock.first_token = time.perf_counter()
                    for clause in chunker.feed(spoken):
                        speak_queue.put_nowait(clause)
                elif kind == "reply_reset":
                    chunker = Chunker(first_clause_min_chars=FIRST_CLAUSE_MIN_CHARS)
                    spoken = None
                    await self._send_event(event)
                elif kind == "language":
                    reply_language = self._reply_language = event["language"]
                elif kind in ("tool_call", "intent"):
                    await self._send_event(event)
            result = brain.result()
            reply_language = result["language"]
            for clause in chunker.flush():
                speak_queue.put_nowait(clause)
            speak_queue.put_nowait(None)
            await speaker_task
            if result["reply"]:  # empty while a staff member has taken over: the staff answer instead
                await self._send_event({"type": "reply", "text": result["reply"], "language": reply_language,
                                        "intent": result["intent"], "status": result["status"],
                                        **({"spoken": spoken} if spoken else {}), **({"resumed": True} if lead else {})})
        except asyncio.CancelledError:
            speaker_task.cancel() if "speaker_task" in locals() else None
            # The brain thread finishes on its own and stores the turn; mark what was heard. None: the
            # connection closed, so the reply stays whole and unspoken, to be said on resume.
            heard = self._interrupted_text
            asyncio.ensure_future(self._after_cancel(brain, clock, heard))
            raise
        clock.first_audio = self.speaker.first_audio_at
        await self._finish_turn(store_result=result, user_pcm=user_pcm)

    async def _speak_from(self, queue: asyncio.Queue, turn: int, lead: str | None = None) -> None:
        if lead:
            await self.speaker.say(lead, self._reply_language or self._current_reply_language(), turn, part_of_reply=False)
        while True:
            clause = await queue.get()
            if clause is None:
                return
            language = self._reply_language or self._current_reply_language()
            await self.speaker.say(clause, language, turn)

    def _current_reply_language(self) -> str:
        return self.language if self.language in ("en", "hi", "bn", "mr") else "en"

    async def _repeat(self, pending: dict) -> None:
        """A stored reply the shopper never heard to the end, said again after the notice."""
        from support.speech.chunker import ClauseChunker

        clock, turn, reply, language = self.clock, self.turn_no, pending["reply"], pending["language"]
        self.speaker.reset()
        self._interrupted_text = None
        self._last_reply_id = None
        self._reply_language = language
        try:
            await self.speaker.say(pending["notice"], language, turn, part_of_reply=False)
            clock.first_token = time.perf_counter()
            await self._send_event({"type": "reply_delta", "text": reply})
            chunker = ClauseChunker(first_clause_min_chars=FIRST_CLAUSE_MIN_CHARS)
            for clause in [*chunker.feed(reply), *chunker.flush()]:
                await self.speaker.say(clause, language, turn)
            await self._send_event({"type": "reply", "text": reply, "language": language, "intent": None,
                                    "status": pending.get("status"), "resumed": True})
        except asyncio.CancelledError:
            if self._interrupted_text is not None:  # a barge-in, not a closed connection
                asyncio.ensure_future(database_sync_to_async(store.message_mark_interrupted)(
                    message_id=pending["reply_id"], heard=self._interrupted_text))
            raise
        clock.first_audio = self.speaker.first_audio_at
        await self._finish_turn(store_result={"user_message_id": pending["message_id"],
                                              "assistant_message_id": pending["reply_id"]})

    async def _after_cancel(self, brain: asyncio.Future, clock: TurnClock, heard: str | None) -> None:
        try:
            result = await brain
        except Exception:
            return
        await database_sync_to_async(store.turn_finish)(
            session_id=self.session_id, user_message_id=result["user_message_id"],
            assistant_message_id=result["assistant_message_id"], speech_calls=clock.speech_calls,
            assistant_timings={}, interrupted_text=heard,
        )

    async def _finish_turn(self, *, store_result: dict | None, user_pcm: bytes | None = None) -> None:
        clock = self.clock
        metrics = {
            "type": "metrics", "turn": self.turn_no,
            "eos_to_transcript_ms": _ms(clock.eos, clock.transcript),
            "eos_to_first_token_ms": _ms(clock.eos, clock.first_token),
            "eos_to_first_audio_ms": _ms(clock.eos, clock.first_audio),
            "asr_ms": None if clock.asr_ms is None else round(clock.asr_ms, 1),
            "speculative_asr": clock.speculative,
        }
        # Stored before `end`: a client that reads the conversation after `end` sees the whole turn.
        if store_result is not None:
            timings = {k: v for k, v in metrics.items() if k.endswith("_ms") and v is not None}
            await database_sync_to_async(store.turn_finish, thread_sensitive=False)(
                session_id=self.session_id, user_message_id=store_result["user_message_id"],
                assistant_message_id=store_result["assistant_message_id"], speech_calls=clock.speech_calls,
                assistant_timings=timings, user_pcm=user_pcm, reply_pcm=b"".join(self.speaker.pcm),
                reply_rate=self.speaker.rate,
            )
            self._last_reply_id = store_result["assistant_message_id"]
        await self._send_event(metrics)
        await self._send_event({"type": "end", "turn": self.turn_no})

    # -- plumbing -----------------------------------------------------------
    def _record_call(self, call) -> None:
        if self.clock is not None:
            self.clock.speech_calls.append(call.as_model_call_fields() if hasattr(call, "as_model_call_fields") else asdict(call))

    async def _send_event(self, event: dict) -> None:
        if "turn" not in event and event.get("type") not in ("vad",):
            event = {**event, "turn": self.turn_no}
        await self.send_json(event)

    async def speak_staff(self, text: str, language: str) -> None:
        """Staff takeover: a typed staff reply is spoken to the shopper as its own turn."""
        if self.busy:
            await self.interrupt(reason="staff")
        self.turn_no += 1
        self.clock = TurnClock(eos=time.perf_counter())
        self.speaker.reset()
        await self._send_event({"type": "staff_message", "text": text})
        await self.speaker.say(text, language, self.turn_no)
        await self._send_event({"type": "end", "turn": self.turn_no})
