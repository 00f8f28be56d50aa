"""Real-time voice over `WS /api/voice/stream`: end of speech to first audio byte, at the client.

    .venv/bin/python bench/bench_voice.py [--runs ptt:1,vad:1,ptt:10,vad:10,ptt:25,vad:25] [--quick]

Each session streams the 20 synthesised shopper utterances (bench/utterances.py) as 20 ms
PCM16 frames at 16 kHz, paced in real time, one utterance after another, the way the widget's
microphone does, against a real Daphne server with the offline stack (faster-whisper tiny.en,
the offline brain, Piper).

The clock (DESIGN.md, "Latency"):
- push-to-talk (`?mode=ptt`): starts when the client sends {"type": "end"}, right after the
  utterance's last voiced frame and a 100 ms tail (a finger leaves the button a little late);
- hands-free (`?mode=vad`): starts when the client sends the utterance's last voiced 20 ms
  frame (the last frame whose RMS is above 5% of the loudest); the client keeps streaming
  silence, so the server's end-of-turn wait is inside the figure.
It stops at the first binary audio frame of that turn's reply. After the turn's {"type": "end"}
the client waits for the reply to finish "playing" (its duration, from the first byte) before
speaking again, as a shopper would; in hands-free mode the microphone keeps sending silence.

Checked per turn: exactly one assistant turn per utterance (`end` events are counted and must
arrive in order), the transcript of that turn is the utterance just spoken (word overlap), and
audio came back. A turn with no `end` within --turn-timeout is lost; an extra turn (the VAD
splitting an utterance at a pause) is reported as a split.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Server, machine_note, median, percentile, table  # noqa: E402
from bench.utterances import FRAME_SAMPLES, RATE, Utterance, load  # noqa: E402

FRAME_S = FRAME_SAMPLES / RATE
PTT_TAIL_FRAMES = 5  # 100 ms sent after the last voiced frame before "end"
PLAYBACK_GUARD_S = 0.35  # the server treats the assistant as speaking until 250 ms after its audio
TARGETS = {("ptt", 1): ("p50", 350.0), ("vad", 1): ("p50", 800.0), ("ptt", 10): ("p95", 1500.0),
           ("vad", 10): ("p95", 1500.0)}
DEFAULT_RUNS = "ptt:1,vad:1,ptt:10,vad:10,ptt:25,vad:25"
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
                 playback_wait: bool = True):
        self.url, self.mode, self.utterances, self.number = url, mode, utterances, number
        self.turn_timeout, self.playback_wait = turn_timeout, playback_wait
        self.result = SessionResult()
        self.out_rate = 22050
        # Per assistant turn number, as the server numbers them.
        self.transcripts: dict[int, str] = {}
        self.metrics: dict[int, dict] = {}
        self.first_audio: dict[int, float] = {}
        self.audio_bytes: dict[int, int] = {}
        self.ends: list[tuple[int, float]] = []  # (turn, arrival)
        self.audio_turn: int | None = None
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
                    self.first_audio.setdefault(turn, now)
                    self.audio_bytes[turn] = self.audio_bytes.get(turn, 0) + len(msg.data)
            elif msg.type == aiohttp.WSMsgType.TEXT:
                event = json.loads(msg.data)
                kind = event.get("type")
                turn = event.get("turn")
                if kind == "session":
                    self.out_rate = int(event.get("output_audio", {}).get("sample_rate", self.out_rate))
                    self.session_event.set()
                elif kind == "audio_start":
                    self.audio_turn = turn
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

    async def _converse(self, ws) -> None:
        pacer = Pacer()
        accepted = 0  # `end` events consumed so far
        last_turn = 0
        for u in self.utterances:
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
            last_turn = turn if turn is not None else last_turn
            if self.playback_wait and first is not None:
                until = first + res.reply_audio_s + PLAYBACK_GUARD_S
                await self._silence_until(ws, pacer, lambda: time.perf_counter() >= until or ws.closed)
        # Anything that came after the last accepted end is an extra (split) turn.
        await asyncio.sleep(0.2)
        self.result.splits += max(0, len(self.ends) - accepted)


async def run_sessions(url: str, mode: str, n: int, utterances: list[Utterance], *, turn_timeout: float,
                       spread_s: float) -> list[SessionResult]:
    async def one(k: int) -> SessionResult:
        # Shoppers do not all start talking in the same 20 ms: starts are spread evenly.
        await asyncio.sleep(spread_s * k / max(1, n))
        session = VoiceSession(url=url, mode=mode, utterances=utterances, number=k, turn_timeout=turn_timeout)
        try:
            return await session.run()
        except Exception as exc:  # noqa: BLE001 - one broken session is reported, not fatal to the run
            session.result.closed_early = f"{type(exc).__name__}: {exc}"
            return session.result

    # A hard bound for the whole run, whatever the server does.
    budget = len(utterances) * (turn_timeout + 40) + spread_s + 60
    return await asyncio.wait_for(asyncio.gather(*(one(k) for k in range(n))), budget)


def wait_for_warmup(srv: Server, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = srv.log_tail(200_000)
        if "voice warm-up done" in log:
            return "done"
        if "voice warm-up failed" in log:
            return "failed"
        time.sleep(0.5)
    return "timed out"


def summarize(mode: str, n: int, sessions: list[SessionResult], cpu_s: float | None) -> dict:
    turns = [t for s in sessions for t in s.turns]
    lat = [t.latency_ms for t in turns if t.latency_ms is not None]
    statuses = {k: sum(t.status == k for t in turns) for k in ("lost", "out_of_order", "mismatch", "no_audio")}
    m = [t.metrics for t in turns if t.metrics]
    return {
        "mode": mode, "sessions": n, "utterances": sum(len(s.turns) for s in sessions), "measured": len(lat),
        "p50": percentile(lat, 50), "p95": percentile(lat, 95), "max": max(lat) if lat else None,
        **statuses, "splits": sum(s.splits for s in sessions),
        "errors": sorted({e for s in sessions for e in s.errors}),
        "closed_early": [s.closed_early for s in sessions if s.closed_early],
        "srv_eos_to_transcript": median(x.get("eos_to_transcript_ms") for x in m),
        "srv_asr": median(x.get("asr_ms") for x in m),
        "srv_eos_to_first_audio": median(x.get("eos_to_first_audio_ms") for x in m),
        "speculative_share": (sum(bool(x.get("speculative_asr")) for x in m) / len(m)) if m else None,
        "cpu_s_per_turn": (cpu_s / len(turns)) if cpu_s is not None and turns else None,
        "turns": [t.__dict__ for t in turns],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default=DEFAULT_RUNS, help=f"mode:sessions, comma-separated (default {DEFAULT_RUNS})")
    parser.add_argument("--utterances", type=int, default=20, help="utterances per session (at most 20)")
    parser.add_argument("--turn-timeout", type=float, default=60.0, help="seconds to wait for a turn's end")
    parser.add_argument("--spread", type=float, default=5.0, help="session starts spread over this many seconds")
    parser.add_argument("--engine", choices=("piper", "espeak"), default="piper", help="voice of the utterances")
    parser.add_argument("--sqlite-immediate", action="store_true",
                        help="run the server with SQLite transaction_mode=IMMEDIATE (a settings overlay in the temp folder)")
    parser.add_argument("--quick", action="store_true", help="2 utterances, ptt:1,vad:1,ptt:2: the smoke test")
    parser.add_argument("--json", metavar="PATH", help="also write every turn as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.utterances, args.turn_timeout = "ptt:1,vad:1,ptt:2", 2, 60.0
    runs = []
    for spec in args.runs.split(","):
        mode, _, n = spec.strip().partition(":")
        if mode not in ("ptt", "vad") or not n.isdigit() or int(n) < 1:
            parser.error(f"bad run {spec!r}: use ptt:N or vad:N")
        runs.append((mode, int(n)))

    utterances = load(min(20, max(1, args.utterances)), engine=args.engine)
    results = []
    # LOG_LEVEL=INFO so the warm-up's "done" line reaches the log the bench waits on.
    with Server(sqlite_immediate=args.sqlite_immediate, extra_env={"LOG_LEVEL": "INFO"}) as srv:
        state = wait_for_warmup(srv, timeout=300)
        print(f"[bench] speech warm-up {state}", file=sys.stderr)
        # One uncounted turn: the first pass through each stage still pays for lazy set-up.
        asyncio.run(run_sessions(srv.ws_url, "ptt", 1, utterances[:1], turn_timeout=args.turn_timeout, spread_s=0))
        for mode, n in runs:
            cpu0 = srv.cpu_seconds()
            t0 = time.perf_counter()
            sessions = asyncio.run(run_sessions(srv.ws_url, mode, n, utterances, turn_timeout=args.turn_timeout,
                                                spread_s=args.spread if n > 1 else 0))
            cpu = None if cpu0 is None else srv.cpu_seconds() - cpu0
            r = summarize(mode, n, sessions, cpu)
            r["wall_s"] = time.perf_counter() - t0
            results.append(r)
            print(f"[bench] {mode} x{n}: {r['measured']}/{r['utterances']} turns measured, p50 {r['p50']}, "
                  f"{r['wall_s']:.0f} s", file=sys.stderr)
        server_log = srv.log_tail(3000)

    print(f"\nVoice turns over WS /api/voice/stream, offline stack ({machine_note()})")
    print(f"utterances: {len(utterances)} ({utterances[0].engine}), end of speech -> first reply audio byte at the client\n")
    print(table(
        ["mode", "sessions", "turns", "p50 ms", "p95 ms", "max ms", "lost", "out of order", "wrong transcript",
         "no audio", "splits", "srv eos->transcript", "srv asr", "srv eos->audio", "speculative", "CPU s/turn"],
        [[r["mode"], r["sessions"], f"{r['measured']}/{r['utterances']}", r["p50"], r["p95"], r["max"], r["lost"],
          r["out_of_order"], r["mismatch"], r["no_audio"], r["splits"], r["srv_eos_to_transcript"], r["srv_asr"],
          r["srv_eos_to_first_audio"], None if r["speculative_share"] is None else f"{r['speculative_share']:.0%}",
          None if r["cpu_s_per_turn"] is None else f"{r['cpu_s_per_turn']:.2f}"] for r in results],
    ))
    problems = False
    for r in results:
        if r["errors"] or r["closed_early"]:
            print(f"{r['mode']} x{r['sessions']}: error events {r['errors']}; sessions ended early: {r['closed_early'][:3]}")
        for t in r["turns"]:
            if t["status"] != "ok":
                problems = True
                print(f"  {r['mode']} x{r['sessions']} session {t['session']} utterance {t['index']} {t['status']}: "
                      f"said {t['text']!r}, heard {t['transcript']!r}")
    verdicts = []
    for (mode, n), (stat, limit) in TARGETS.items():
        r = next((x for x in results if x["mode"] == mode and x["sessions"] == n), None)
        if r is not None:
            value = r[stat]
            ok = value is not None and value <= limit and not (n >= 10 and (r["lost"] or r["out_of_order"]))
            verdicts.append(f"{mode} x{n} {stat} <= {limit:.0f} ms: {'met' if ok else 'MISSED'}")
    if verdicts:
        print("\ntargets: " + "; ".join(verdicts))
    if problems and "Traceback" in server_log:
        print("\nserver log tail:\n" + server_log[-1500:])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    return 1 if any(r["lost"] or r["out_of_order"] or r["measured"] == 0 for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
