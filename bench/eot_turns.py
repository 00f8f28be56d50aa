"""The turns bench/bench_eot.py judges, and what an end-of-turn policy sees at each pause in them.

Synthesised turns come from bench/eot_utterances.yaml: each segment is spoken by the project's
offline TTS for its language (Piper for English, Festival's NSK voices for Hindi and Marathi,
espeak-ng for Bengali; text first through support/speech/speak.py as every reply is), trimmed of
its own leading and trailing silence, and joined with the pauses the file gives. Renderings are
cached as WAV in bench/.cache/eot/ (Piper's noise changes per process; the cache keeps a turn the
same from run to run). Recorded turns are the real clips in VOXSITE_SPEECH_DIR (default: the
bundled support/speech/samples); every fourth clip of a language is held out too.

Each turn is streamed through the project's VAD (support/voice/vad.py: StreamingVAD frame by
frame, TurnDetector's hysteresis). At every pause long enough for the pipeline to start a
speculative transcription (TurnDetector's `pause` event, VOICE_SPECULATIVE_MS after the last
voiced frame) a `Check` records what a policy would know there: the speculative transcript from
the real local ASR (and whether the project's judge trusts it), the reference text when the
pause falls between two segments (an "oracle", as a trusted online recogniser would hear it),
and how long the silence actually lasted before the shopper went on.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import yaml

from bench.common import CACHE_DIR
from bench.utterances import _read_wav, _write_wav
from support.speech.asr import hearing
from support.speech.audio import float_to_pcm16, pcm16_to_float, resample_pcm16
from support.speech.evaluation import SPEECH_DIR, clips
from support.speech.speak import normalise
from support.speech.tts import EspeakTTS, FestivalTTS, PiperTTS
from support.voice.factory import providers
from support.voice.vad import FRAME, FRAME_MS, StreamingVAD, TurnDetector

RATE = 16000
SET_FILE = Path(__file__).resolve().parent / "eot_utterances.yaml"
LANGUAGES = ("en", "hi", "bn", "mr")
LEAD_S = 0.3
TAIL_S = 2.0  # silence after the turn: longer than any policy waits
NOISE_RMS = 0.0005  # a quiet room (about -66 dBFS), so silence is not digital zero
ENGINES = {"en": PiperTTS, "hi": FestivalTTS, "mr": FestivalTTS, "bn": EspeakTTS}
# The audio a speculative transcription gets starts this far before the speech (AudioInput.PREROLL_S).
PREROLL_S = 0.5
# A VAD pause counts as one of the inserted pauses when it starts this close to a segment's end.
BOUNDARY_SLACK_S = 0.25


@dataclass
class Turn:
    id: str
    language: str
    source: str  # "synthesised" | "recorded"
    kind: str
    held_out: bool
    expecting_number: bool
    segments: list[str]
    samples: np.ndarray = field(repr=False)
    segment_ends_s: list[float] = field(default_factory=list)  # where each segment's speech ends

    @property
    def text(self) -> str:
        return " ".join(self.segments)


@dataclass
class Check:
    """One pause the VAD heard, with everything a policy may use there."""

    last_voiced: int  # frame index
    silent_frames: int  # frames below the VAD's low threshold before voice came back (the tail: all of it)
    final: bool  # the pause after the turn's last word
    asr_text: str  # the speculative transcript, as the recogniser wrote it
    asr_trusted: bool  # whether the project's judge would act on it (support/speech/asr/trust.py)
    asr_ms: float
    oracle_text: str | None  # the words said so far, when the pause is one of the inserted ones
    smart_turn: float | None = None  # probability the turn is complete
    smart_turn_ms: float | None = None  # wall time of the check
    smart_turn_cpu_ms: float | None = None  # CPU time of the check (this thread)

    @property
    def silence_ms(self) -> float:
        return self.silent_frames * FRAME_MS

    @property
    def trusted_text(self) -> str | None:
        return self.asr_text if self.asr_trusted and self.asr_text.strip() else None


# ---------------------------------------------------------------------------
# Turns


def load_set(path: Path = SET_FILE) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for language in LANGUAGES:
        for item in data.get(language, []):
            segments = item["segments"]
            pauses = item.get("pauses_ms", [])
            if len(pauses) != len(segments) - 1:
                raise ValueError(f"{item['id']}: {len(segments)} segments need {len(segments) - 1} pauses, "
                                 f"got {len(pauses)}")
            out.append({**item, "language": language, "pauses_ms": pauses})
    return out


def _trim(pcm: bytes) -> bytes:
    """The segment from its first to its last voiced VAD frame, with a frame either side. The
    voices add silences of their own (Festival's NSK voices a second or two of low hum after the
    speech), which would lengthen the pauses the set asks for."""
    probs = StreamingVAD().feed(pcm16_to_float(pcm))
    voiced = [i for i, p in enumerate(probs) if p >= 0.5]
    start, end = max(0, voiced[0] - 1) * FRAME, (voiced[-1] + 2) * FRAME
    return pcm[start * 2:end * 2]


def _speak(text: str, language: str) -> bytes:
    """16 kHz PCM16 of one segment from the language's offline voice, cached."""
    from django.conf import settings

    engine = ENGINES[language]()
    digest = hashlib.sha1(f"{engine.name}|{language}|{RATE}|vad-trim|{text}".encode()).hexdigest()[:16]
    path = CACHE_DIR / "eot" / f"{engine.name}-{language}-{digest}.wav"
    if path.exists():
        return _read_wav(path)
    result = asyncio.run(engine.synthesize(normalise(text, language), language))
    pcm = _trim(resample_pcm16(result.pcm, settings.TTS_SAMPLE_RATE, RATE))
    _write_wav(path, pcm)
    return pcm


def synthesised_turns(items: list[dict]) -> list[Turn]:
    turns = []
    for item in items:
        rng = np.random.default_rng(int(hashlib.sha1(item["id"].encode()).hexdigest()[:8], 16))
        parts = [np.zeros(int(LEAD_S * RATE), np.float32)]
        ends, at = [], LEAD_S
        for i, segment in enumerate(item["segments"]):
            speech = pcm16_to_float(_speak(segment, item["language"]))
            parts.append(speech)
            at += len(speech) / RATE
            ends.append(at)
            if i < len(item["pauses_ms"]):
                gap = item["pauses_ms"][i] / 1000
                parts.append(np.zeros(int(gap * RATE), np.float32))
                at += gap
        parts.append(np.zeros(int(TAIL_S * RATE), np.float32))
        samples = np.concatenate(parts)
        samples = (samples + rng.normal(0, NOISE_RMS, len(samples))).astype(np.float32)
        turns.append(Turn(
            id=item["id"], language=item["language"], source="synthesised", kind=item["kind"],
            held_out=bool(item.get("held_out")), expecting_number=bool(item.get("expecting_number")),
            segments=list(item["segments"]), samples=samples, segment_ends_s=ends,
        ))
    return turns


def recorded_turns(folder: Path = SPEECH_DIR, languages=LANGUAGES) -> list[Turn]:
    from support.speech import audio

    turns = []
    for language in languages:
        for i, clip in enumerate(c for c in clips(language, folder=folder) if c.transcript):
            samples = audio.decode(clip.path.read_bytes())
            samples = np.concatenate([samples, np.zeros(int(TAIL_S * RATE), np.float32)]).astype(np.float32)
            turns.append(Turn(
                id=clip.file.rsplit(".", 1)[0], language=language, source="recorded", kind="recorded",
                held_out=i % 4 == 3, expecting_number=False, segments=[clip.transcript], samples=samples,
                segment_ends_s=[clip.seconds],
            ))
    return turns


# ---------------------------------------------------------------------------
# Pauses


@dataclass
class Pause:
    speech_start: int  # first voiced frame of the turn
    last_voiced: int
    silent_frames: int
    final: bool


def pauses(samples: np.ndarray, *, speculative_ms: float) -> list[Pause]:
    """Every pause after which the pipeline would transcribe speculatively, frame by frame through
    the real VAD; the last one is the turn's end."""
    vad = StreamingVAD()
    probs: list[float] = []
    for i in range(0, len(samples), FRAME):  # as the socket delivers it, one VAD frame at a time
        probs += vad.feed(samples[i:i + FRAME])
    detector = TurnDetector(silence_ms=600_000, speculative_ms=speculative_ms)
    start, found = None, []
    for prob in probs:
        for event in detector.update(prob):
            if event.kind == "speech_start" and start is None:
                start = event.frame
            elif event.kind == "pause":
                found.append([event.frame, 0])
        if found and detector.paused:
            found[-1][1] = detector.silent  # the detector's own count, until voice comes back
    return [Pause(start or 0, last, silent, final=n == len(found) - 1) for n, (last, silent) in enumerate(found)]


def _oracle(turn: Turn, pause: Pause) -> str | None:
    if pause.final:
        return turn.text
    at = (pause.last_voiced + 1) * FRAME / RATE
    for k, end in enumerate(turn.segment_ends_s[:-1]):
        if abs(at - end) <= BOUNDARY_SLACK_S:
            return " ".join(turn.segments[:k + 1])
    return None  # a pause inside a segment: where it falls in the words is not known


_warm: set[str] = set()


def _warm_up(turn: Turn, smart_turn) -> None:
    """Load each model once before timing it (the first call of a model costs ~1 s more)."""
    if turn.language not in _warm:
        providers().asr.transcribe(turn.samples[: RATE * 2], language=turn.language)
        if smart_turn is not None:
            smart_turn.probability(turn.samples[: RATE * 2])
        _warm.add(turn.language)


def checks(turn: Turn, *, speculative_ms: float, smart_turn=None) -> list[Check]:
    """What each policy sees at each of the turn's pauses (the slow part: real ASR per pause)."""
    asr = providers().asr
    _warm_up(turn, smart_turn)
    out = []
    for pause in pauses(turn.samples, speculative_ms=speculative_ms):
        start = max(0, pause.speech_start * FRAME - int(PREROLL_S * RATE))
        end = (pause.last_voiced + 1) * FRAME + int(speculative_ms / 1000 * RATE)
        snapshot = turn.samples[start:end]
        t0 = time.perf_counter()
        transcript = asr.transcribe(snapshot, language=turn.language)
        asr_ms = (time.perf_counter() - t0) * 1000
        heard = hearing(transcript, session_language=turn.language)
        check = Check(
            last_voiced=pause.last_voiced, silent_frames=pause.silent_frames, final=pause.final,
            asr_text=transcript.text, asr_trusted=heard.action == "turn", asr_ms=asr_ms,
            oracle_text=_oracle(turn, pause),
        )
        if smart_turn is not None:
            wall, cpu = time.perf_counter(), time.thread_time()
            check.smart_turn = smart_turn.probability(snapshot)
            check.smart_turn_cpu_ms = (time.thread_time() - cpu) * 1000
            check.smart_turn_ms = (time.perf_counter() - wall) * 1000
        out.append(check)
    return out


def cached_checks(turn: Turn, *, speculative_ms: float, smart_turn=None, fresh: bool = False) -> list[Check]:
    """`checks`, kept in bench/.cache/eot/ by audio and settings so that trying thresholds does
    not re-run the recognisers (`fresh` measures again)."""
    settings_key = f"|{turn.language}|{speculative_ms}|{smart_turn is not None}"
    key = hashlib.sha1(float_to_pcm16(turn.samples) + settings_key.encode())
    path = CACHE_DIR / "eot" / f"checks-{turn.id}-{key.hexdigest()[:12]}.json"
    if path.exists() and not fresh:
        return [Check(**c) for c in json.loads(path.read_text())]
    found = checks(turn, speculative_ms=speculative_ms, smart_turn=smart_turn)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(c) for c in found], ensure_ascii=False))
    return found
