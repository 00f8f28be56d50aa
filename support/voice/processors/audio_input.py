"""Audio in: PCM16 frames resampled to 16 kHz, buffered per utterance, run through the VAD; the
turn events it gives become frames (a barge-in interrupts the pipeline)."""

from __future__ import annotations

import time

import numpy as np
from django.conf import settings

from support.speech.audio import pcm16_to_float, resample_float

from ..frames import AudioIn, Frame, Interjection, Silence, SpeechPaused, SpeechResumed, SpeechStarted
from ..processor import Processor, Session
from ..vad import FRAME, StreamingVAD, TurnDetector


class AudioInput(Processor):
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

    def configured(self, session: Session) -> None:
        self.sample_rate = session.sample_rate

    async def process(self, frame: Frame) -> None:
        if not isinstance(frame, AudioIn):
            return await self.push(frame)
        pipeline = self.pipeline
        vad_mode = pipeline.session.mode == "vad"
        events = self.feed(frame.pcm, guarded=pipeline.active(time.perf_counter()))
        if (not vad_mode and self.voiced_since_snapshot
                and self.silence_heard() >= settings.VOICE_PTT_SPECULATIVE_MS / 1000):
            # Push-to-talk: the button, not a silence, ends the turn, but a finger leaves it a little
            # after the last word: transcribe what was said in that moment, so that on `end` the
            # transcript is (nearly) there. Voice after this snapshot makes `end` transcribe afresh.
            await self.push(SpeechPaused(audio=self.snapshot()))
        for kind, at in events:
            if kind == "barge_in":
                await pipeline.interrupt("speech")
            elif kind == "speech_start":
                await self.push(SpeechStarted(at=at))
            elif kind == "pause" and vad_mode:
                await self.push(SpeechPaused(audio=self.snapshot()))
            elif kind == "resume":
                await self.push(SpeechResumed())
            elif kind == "end_of_turn" and vad_mode:
                await self.push(Silence(eos=self.last_voiced_at or at))
            elif kind == "interjection":
                await self.push(Interjection(audio=self.interjection_audio(), at=at))

    def feed(self, pcm: bytes, *, guarded: bool) -> list[tuple[str, float]]:
        """Buffer `pcm`; the VAD's turn events it completes, with the time they were heard."""
        samples = pcm16_to_float(pcm)
        if self.sample_rate != 16000:
            samples = resample_float(samples, self.sample_rate, 16000)
        self.buffer.append(samples)
        self.samples += len(samples)
        now = time.perf_counter()
        events = []
        for prob in self.vad.feed(samples):
            self.frames += 1
            frame_end_sample = self.frames * FRAME
            if prob >= self.detector.threshold:
                self.last_voiced_sample = frame_end_sample
                self.last_voiced_at = now
                self.voiced_since_snapshot = True
            for ev in self.detector.update(prob, guarded=guarded):
                if ev.kind in ("speech_start", "barge_in") and self.speech_start_sample is None:
                    # A barge-in reports where the interrupting speech began (the region's start).
                    self.speech_start_sample = max(0, ev.frame * FRAME)
                elif ev.kind == "interjection":
                    self.interjection = (ev.frame * FRAME, (ev.end + 1) * FRAME)
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

    def take_utterance(self) -> tuple[np.ndarray, bool]:
        """The utterance and whether speech was heard in it; the buffer starts afresh."""
        audio, heard = self.utterance(), self.heard_speech()
        self.clear()
        return audio, heard

    def interjection_audio(self) -> np.ndarray:
        """The latest interjection (speech over the assistant too short to barge in), with the
        same lead and tail as an utterance."""
        first, last = self.interjection or (0, 0)
        audio = np.concatenate(self.buffer) if len(self.buffer) > 1 else (self.buffer[0] if self.buffer else np.zeros(0, np.float32))
        self.buffer = [audio] if len(audio) else []
        return audio[max(0, first - int(self.PREROLL_S * 16000)):last + int(0.3 * 16000)]

    def silence_heard(self) -> float:
        """Seconds of audio received since the last voiced frame (infinite before any speech)."""
        if self.last_voiced_sample is None:
            return float("inf")
        return max(0, self.samples - self.last_voiced_sample) / 16000

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
