"""The voice bench's client: one shopper's microphone and ears on `WS /api/voice/stream`, paced in
real time, and the checks of each turn (bench_voice.py's docstring says what is measured)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field

from bench.utterances import FRAME_SAMPLES, RATE, Utterance

FRAME_S = FRAME_SAMPLES / RATE
PTT_TAIL_FRAMES = 5  # 100 ms sent after the last voiced frame before "end"
PLAYBACK_GUARD_S = 0.35  # the server treats the assistant as speaking until 250 ms after its audio
SILENCE = b"\x00\x00" * FRAME_SAMPLES


def _words(text: str) -> set[str]:
    text = re.sub(r"(?<=\d) (?=\d)", "", text.lower())  # "1 0 4 2" is spoken; Whisper writes "1042"
    return {w for w in re.findall(r"[a-z0-9]+", text) if len(w) > 2 or w.isdigit()}


def transcript_matches(said: str, heard: str | None) -> bool:
    """The transcript is of the utterance just sent: at least half its words came back."""
    ref = _words(said)
    if not ref:
        return True
    return heard is not None and len(ref & _words(heard)) / len(ref) >= 0.5


@dataclass
class TurnResult:
    session: int
    index: int
    text: str
    latency_ms: float | None = None
    transcript: str | None = None
    turn_no: int | None = None
    metrics: dict | None = None
    status: str = "ok"  # ok | lost | no_audio | mismatch | out_of_order
    reply_audio_s: float = 0.0
    sound_ms: float | None = None  # to the first sound, a filler's when one was played
    filler: bool = False
    eos_at: float | None = None  # perf_counter at the end of speech (soak windows)


@dataclass
class SessionResult:
    turns: list[TurnResult] = field(default_factory=list)
    splits: int = 0
    errors: list[str] = field(default_factory=list)
    closed_early: str | None = None


class Pacer:
    """Real-time pacing for one microphone: frame k goes out at t0 + k * 20 ms. A late event loop
    catches up by at most 100 ms (no big bursts: the server limits audio to 4x real time)."""

    def __init__(self):
        self.next_at = time.perf_counter()

    async def wait(self) -> None:
        now = time.perf_counter()
        if self.next_at > now:
            await asyncio.sleep(self.next_at - now)
        elif now - self.next_at > 0.1:
            self.next_at = now - 0.1
        self.next_at += FRAME_S


class VoiceSession:
    def __init__(self, *, url: str, mode: str, utterances: list[Utterance], number: int, turn_timeout: float,
                 playback_wait: bool = True, loop_until: float | None = None):
        self.url, self.mode, self.utterances, self.number = url, mode, utterances, number
        self.turn_timeout, self.playback_wait = turn_timeout, playback_wait
        self.loop_until = loop_until  # soak: go round the utterances until this perf_counter time
        self.result = SessionResult()
        self.out_rate = 22050
        # Per assistant turn number, as the server numbers them.
        self.transcripts: dict[int, str] = {}
        self.metrics: dict[int, dict] = {}
        self.first_audio: dict[int, float] = {}  # the reply's first byte
        self.first_sound: dict[int, float] = {}  # the first byte, a filler's or the reply's
        self.audio_bytes: dict[int, int] = {}  # the reply's bytes
        self.filler_bytes: dict[int, int] = {}  # a `filler` event announces this many bytes that are not the reply
        self.ends: list[tuple[int, float]] = []  # (turn, arrival)
        self.audio_turn: int | None = None
        self.fillers: dict[int, float] = {}  # turn -> seconds of filler played before the reply
        self.end_arrived = asyncio.Event()
        self.session_event = asyncio.Event()

    # -- receiving -----------------------------------------------------------------
    async def _reader(self, ws) -> None:
        import aiohttp

        async for msg in ws:
            now = time.perf_counter()
            if msg.type == aiohttp.WSMsgType.BINARY:
                turn = self.audio_turn
                if turn is not None:
                    self.first_sound.setdefault(turn, now)
                    skip = min(self.filler_bytes.get(turn, 0), len(msg.data))
                    self.filler_bytes[turn] = self.filler_bytes.get(turn, 0) - skip
                    if len(msg.data) > skip:
                        self.first_audio.setdefault(turn, now)
                        self.audio_bytes[turn] = self.audio_bytes.get(turn, 0) + len(msg.data) - skip
            elif msg.type == aiohttp.WSMsgType.TEXT:
                event = json.loads(msg.data)
                kind = event.get("type")
                turn = event.get("turn")
                if kind == "session":
                    self.out_rate = int(event.get("output_audio", {}).get("sample_rate", self.out_rate))
                    self.session_event.set()
                elif kind == "audio_start":
                    self.audio_turn = turn
                elif kind == "filler":
                    self.audio_turn = turn
                    self.filler_bytes[turn] = self.filler_bytes.get(turn, 0) + int(event.get("audio_bytes", 0))
                    self.fillers[turn] = int(event.get("audio_bytes", 0)) / 2 / self.out_rate
                elif kind == "transcript":
                    self.transcripts[turn] = event.get("text", "")
                elif kind == "metrics":
                    self.metrics[turn] = event
                elif kind == "end":
                    self.ends.append((turn, now))
                    self.end_arrived.set()
                elif kind == "error":
                    self.result.errors.append(event.get("code", "?"))
            else:  # closed or error
                break

    # -- sending ---------------------------------------------------------------------
    async def _send_frames(self, ws, pacer: Pacer, frames: list[bytes], mark: int | None = None) -> float | None:
        marked = None
        for i, frame in enumerate(frames):
            await pacer.wait()
            await ws.send_bytes(frame)
            if i == mark:
                marked = time.perf_counter()
        return marked

    async def _silence_until(self, ws, pacer: Pacer, done) -> None:
        """Hands-free: the microphone keeps sending (silent) frames until `done()` is true."""
        while not done():
            if self.mode == "vad":
                await pacer.wait()
                await ws.send_bytes(SILENCE)
            else:
                await asyncio.sleep(FRAME_S)

    async def run(self) -> SessionResult:
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            async with http.ws_connect(f"{self.url}/api/voice/stream?mode={self.mode}&language=en",
                                       max_msg_size=0, autoping=True) as ws:
                reader = asyncio.ensure_future(self._reader(ws))
                try:
                    await asyncio.wait_for(self.session_event.wait(), 30)
                    await self._converse(ws)
                except asyncio.TimeoutError:
                    self.result.closed_early = "no session event"
                finally:
                    await ws.close()
                    reader.cancel()
                    await asyncio.gather(reader, return_exceptions=True)
        return self.result

    def _script(self):
        """The utterances to say: once, or (soak) round and round until `loop_until`; each session
        starts at its own place in the list so concurrent sessions say different things."""
        if self.loop_until is None:
            yield from self.utterances
            return
        k = self.number
        while time.perf_counter() < self.loop_until:
            yield self.utterances[k % len(self.utterances)]
            k += 1

    async def _converse(self, ws) -> None:
        pacer = Pacer()
        accepted = 0  # `end` events consumed so far
        last_turn = 0
        for u in self._script():
            if ws.closed:
                self.result.closed_early = f"socket closed before utterance {u.index}"
                break
            res = TurnResult(session=self.number, index=u.index, text=u.text)
            self.result.turns.append(res)
            frames = u.frames
            if self.mode == "ptt":
                cut = min(len(frames), u.last_voiced_frame + 1 + PTT_TAIL_FRAMES)
                await self._send_frames(ws, pacer, frames[:cut])
                await ws.send_str(json.dumps({"type": "end"}))
                eos = time.perf_counter()
            else:
                eos = await self._send_frames(ws, pacer, frames, mark=max(0, u.last_voiced_frame))

            res.eos_at = eos
            deadline = time.monotonic() + self.turn_timeout
            seen = accepted

            def answered() -> bool:
                return any(t >= eos for _, t in self.ends[seen:]) or time.monotonic() > deadline or ws.closed

            await self._silence_until(ws, pacer, answered)
            pending = self.ends[accepted:]
            # An `end` that came before this utterance was over is a turn of its own: the VAD split
            # an utterance at a pause (or a previous one's tail made a turn).
            self.result.splits += sum(t < eos for _, t in pending)
            after = [e for e in pending if e[1] >= eos]
            if not after:
                res.status = "lost"
                accepted = len(self.ends)
                continue
            turn, _ = after[0]
            accepted = self.ends.index(after[0]) + 1
            res.turn_no = turn
            res.transcript = self.transcripts.get(turn)
            res.metrics = self.metrics.get(turn)
            first = self.first_audio.get(turn)
            res.reply_audio_s = self.audio_bytes.get(turn, 0) / 2 / self.out_rate
            if turn is None or turn <= last_turn:
                res.status = "out_of_order"
            elif not transcript_matches(u.text, res.transcript):
                res.status = "mismatch"
            elif first is None:
                res.status = "no_audio"
            else:
                res.latency_ms = (first - eos) * 1000
                res.sound_ms = (self.first_sound.get(turn, first) - eos) * 1000
                res.filler = turn in self.fillers
            last_turn = turn if turn is not None else last_turn
            if self.playback_wait and first is not None:
                # A filler played first: the reply plays after it.
                starts = max(first, self.first_sound.get(turn, first) + self.fillers.get(turn, 0.0))
                until = starts + res.reply_audio_s + PLAYBACK_GUARD_S
                await self._silence_until(ws, pacer, lambda: time.perf_counter() >= until or ws.closed)
        # Anything that came after the last accepted end is an extra (split) turn.
        await asyncio.sleep(0.2)
        self.result.splits += max(0, len(self.ends) - accepted)


async def run_sessions(url: str, mode: str, n: int, utterances: list[Utterance], *, turn_timeout: float,
                       spread_s: float, loop_until: float | None = None) -> list[SessionResult]:
    async def one(k: int) -> SessionResult:
        # Shoppers do not all start talking in the same 20 ms: starts are spread evenly.
        await asyncio.sleep(spread_s * k / max(1, n))
        session = VoiceSession(url=url, mode=mode, utterances=utterances, number=k, turn_timeout=turn_timeout,
                               loop_until=loop_until)
        try:
            return await session.run()
        except Exception as exc:  # noqa: BLE001 - one broken session is reported, not fatal to the run
            session.result.closed_early = f"{type(exc).__name__}: {exc}"
            return session.result

    # A hard bound for the whole run, whatever the server does.
    budget = len(utterances) * (turn_timeout + 40) + spread_s + 60
    if loop_until is not None:
        budget = loop_until - time.perf_counter() + turn_timeout + 40 + spread_s + 60
    return await asyncio.wait_for(asyncio.gather(*(one(k) for k in range(n))), budget)
