"""Streaming voice activity detection and end-of-turn detection.

The Silero VAD model that faster-whisper ships (silero_vad_v6.onnx) is run frame by frame
(512 samples = 32 ms at 16 kHz) with its recurrent state carried between frames, so each
frame costs ~0.3 ms here. `TurnDetector` turns the per-frame probabilities into events:
speech started, pause started (the moment to start a speculative transcription), speech
resumed (discard it), end of turn (silence long enough).
"""

from __future__ import annotations

import os
import threading
from collections import deque
from dataclasses import dataclass

import numpy as np

FRAME = 512  # samples at 16 kHz: 32 ms
FRAME_MS = FRAME / 16000 * 1000
_CONTEXT = 64
# A frame quieter than -60 dBFS (RMS) is silence without asking the model: a browser's noise
# suppression leaves pauses near digital silence, and the model, run on the event loop for every
# 32 ms of every connection, was the loop's largest cost at 25 sessions (py-spy).
QUIET_RMS = 10 ** (-60 / 20)
# After this many quiet frames the model's recurrent state starts afresh, as at the start of a
# stream: the next speech is heard exactly as a new connection would hear it.
QUIET_RESET_FRAMES = 10

_session = None
_session_lock = threading.Lock()


def _vad_session():
    global _session
    with _session_lock:
        if _session is None:
            # heavy (onnxruntime, ~0.14 s): loaded on the first VAD session, not at Django's start
            import onnxruntime
            from faster_whisper.vad import get_assets_path

            opts = onnxruntime.SessionOptions()
            opts.inter_op_num_threads = 1
            opts.intra_op_num_threads = 1
            opts.log_severity_level = 4
            _session = onnxruntime.InferenceSession(
                os.path.join(get_assets_path(), "silero_vad_v6.onnx"), providers=["CPUExecutionProvider"], sess_options=opts
            )
        return _session


class StreamingVAD:
    """Per-connection VAD state; feed any number of samples, get one probability per full frame."""

    def __init__(self):
        self.session = _vad_session()
        self._fresh_state()
        self.pending = np.zeros(0, np.float32)
        self.quiet = 0  # consecutive frames below QUIET_RMS
        self.model_frames = 0  # frames the model was run on

    def _fresh_state(self) -> None:
        self.h = np.zeros((1, 1, 128), np.float32)
        self.c = np.zeros((1, 1, 128), np.float32)
        self.context = np.zeros(_CONTEXT, np.float32)

    def feed(self, samples: np.ndarray) -> list[float]:
        buf = np.concatenate([self.pending, samples.astype(np.float32, copy=False)]) if self.pending.size else samples
        n = len(buf) // FRAME
        probs: list[float] = []
        for i in range(n):
            frame = buf[i * FRAME:(i + 1) * FRAME]
            if float(np.sqrt(np.mean(np.square(frame, dtype=np.float32)))) < QUIET_RMS:
                self.quiet += 1
                if self.quiet == QUIET_RESET_FRAMES:
                    self._fresh_state()
                elif self.quiet < QUIET_RESET_FRAMES:
                    self.context = frame[-_CONTEXT:]
                probs.append(0.0)
                continue
            self.quiet = 0
            x = np.concatenate([self.context, frame])[None, :]
            out, self.h, self.c = self.session.run(None, {"input": x, "h": self.h, "c": self.c})
            self.model_frames += 1
            self.context = frame[-_CONTEXT:]
            probs.append(float(np.asarray(out).reshape(-1)[0]))
        self.pending = buf[n * FRAME:].copy()
        return probs


@dataclass
class TurnEvent:
    kind: str  # speech_start | pause | resume | end_of_turn | barge_in | interjection
    frame: int  # index of the frame the event refers to (for timing)
    end: int | None = None  # interjection: its last voiced frame


class TurnDetector:
    """Hysteresis over VAD probabilities.

    - speech starts after `start_frames` consecutive frames above `threshold`;
    - a pause starts at the first frame below `threshold - 0.15` after speech; after `speculative_ms`
      of pause the caller may transcribe speculatively (`pause` event);
    - voice again before the end cancels the pause (`resume`);
    - `silence_ms` of pause ends the turn (`end_of_turn`), reporting the last voiced frame.

    While the assistant speaks (`guarded=True`) the shopper's speech is grouped into utterances
    (voiced frames with gaps under REGION_GAP_MS). One becomes a `barge_in` when it holds
    `barge_in_ms` of strong speech (>= `barge_in_threshold`) within a second: a request, not a
    backchannel ("mm-hmm", "haan ji", "ঠিক আছে" hold at most ~0.55 s) and not the assistant's own
    voice leaking back through the microphone, which the browser's echo cancellation leaves
    quieter. One that ends before that, with at least MIN_INTERJECTION_MS of voice, is reported
    as an `interjection` for the caller to judge by its words ("okay" is not a barge-in, "stop"
    is). Both report where the utterance began, not where it became certain: "I would like to
    speak to a human agent" dips under the strong threshold between words.
    """

    # Within one utterance, the gaps between words: a longer quiet ends it.
    REGION_GAP_MS = 320
    # How far before the confirmation the utterance may be said to start (echo can keep one open).
    REGION_MAX_MS = 3000
    # The window the strong speech of a barge-in must fall in.
    BARGE_WINDOW_MS = 1000
    MIN_INTERJECTION_MS = 160

    def __init__(self, *, silence_ms: float = 400, speculative_ms: float = 160, threshold: float = 0.5,
                 start_frames: int = 2, barge_in_ms: float = 600, barge_in_threshold: float = 0.8):
        self.silence_frames = max(1, round(silence_ms / FRAME_MS))
        self.speculative_frames = max(1, min(self.silence_frames - 1, round(speculative_ms / FRAME_MS)))
        self.threshold = threshold
        self.low = threshold - 0.15
        self.start_frames = start_frames
        self.barge_threshold = barge_in_threshold
        self.barge_window = round(self.BARGE_WINDOW_MS / FRAME_MS)
        self.barge_frames = min(self.barge_window, max(2, round(barge_in_ms / FRAME_MS)))
        self.region_gap_frames = round(self.REGION_GAP_MS / FRAME_MS)
        self.region_max_frames = round(self.REGION_MAX_MS / FRAME_MS)
        self.interjection_frames = round(self.MIN_INTERJECTION_MS / FRAME_MS)
        self.reset()

    def reset(self):
        self.frame = -1
        self.in_speech = False
        self.run = 0  # consecutive voiced frames
        self.silent = 0  # consecutive silent frames since speech
        self.last_voiced = -1
        self.paused = False
        self._region_clear()

    def _region_clear(self) -> None:
        self.region_start: int | None = None  # first voiced frame of the utterance heard while guarded
        self.region_last = -1
        self.region_voiced = 0
        self.region_quiet = 0
        self.strong_frames: deque[int] = deque()  # frames >= the strong threshold, within the window

    def update(self, prob: float, *, guarded: bool = False) -> list[TurnEvent]:
        self.frame += 1
        if guarded:
            return self._guarded(prob)
        self._region_clear()
        events: list[TurnEvent] = []
        if prob >= self.threshold:
            self.run += 1
            self.last_voiced = self.frame
            if not self.in_speech and self.run >= self.start_frames:
                self.in_speech = True
                events.append(TurnEvent("speech_start", self.frame - self.run + 1))
            if self.in_speech:
                if self.paused:
                    events.append(TurnEvent("resume", self.frame))
                self.paused = False
                self.silent = 0
        else:
            self.run = 0 if prob < self.low else self.run
            if self.in_speech and prob < self.low:
                self.silent += 1
                if self.silent == self.speculative_frames:
                    self.paused = True
                    events.append(TurnEvent("pause", self.last_voiced))
                if self.silent >= self.silence_frames:
                    events.append(TurnEvent("end_of_turn", self.last_voiced))
                    self.in_speech = False
                    self.paused = False
                    self.silent = 0
        return events

    def _guarded(self, prob: float) -> list[TurnEvent]:
        if prob >= self.threshold:
            if self.region_start is None:
                self.region_start = self.frame
            self.region_last = self.frame
            self.region_voiced += 1
            self.region_quiet = 0
            if prob >= self.barge_threshold:
                self.strong_frames.append(self.frame)
            while self.strong_frames and self.strong_frames[0] <= self.frame - self.barge_window:
                self.strong_frames.popleft()
            if len(self.strong_frames) >= self.barge_frames:
                start = max(self.region_start, self.frame - self.region_max_frames)
                self._region_clear()
                # The interrupting utterance is speech already in progress.
                self.in_speech, self.run, self.silent, self.last_voiced = True, self.start_frames, 0, self.frame
                return [TurnEvent("barge_in", start)]
        elif prob < self.low and self.region_start is not None:
            self.region_quiet += 1
            if self.region_quiet > self.region_gap_frames:
                start, end, voiced = self.region_start, self.region_last, self.region_voiced
                self._region_clear()
                if voiced >= self.interjection_frames:
                    return [TurnEvent("interjection", start, end)]
        return []
