"""Run scenarios against the API and judge the end state.

Each phrasing of a scenario is one conversation: `POST /api/v1/sessions` (bound to a customer when
the scenario says so), then one request per shopper turn, either `POST /api/v1/sessions/{id}/messages`
(text) or `POST /api/voice/text` (the same turn answered with text and speech; the length of the
reply's audio is its spoken seconds). The transport is HTTP to a running server (bench/task_eval.py)
or Django's test client in-process (the runner's own tests); the checks are the same.

Every run is judged on:
- the shop's end state: exactly the order status changes and returns the scenario expects, nothing
  else (a write nobody asked for fails even a scenario about something else);
- privacy: no tool succeeded on an order or return of anyone but the scenario's shopper;
- the scenario's own expectations (tools, replies, conversation status), see scenarios.py.
After a run that changed the shop, the seeded orders and returns are put back.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import statistics
import wave
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol

from .judge import compact, judge
from .scenarios import Scenario
from .shop import Changes, Shop


class Transport(Protocol):
    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        ...


class HttpTransport:
    """JSON over one keep-alive HTTP connection, with an integrator's API key."""

    def __init__(self, host: str, port: int, api_key: str, timeout: float = 60.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"}
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request("POST", path, body=json.dumps(body).encode(), headers=self.headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                break
            except (ConnectionError, http.client.HTTPException):
                # The server closed an idle keep-alive connection: one fresh try.
                self.close()
                if attempt == 2:
                    raise
        try:
            return resp.status, json.loads(raw or b"{}")
        except ValueError:
            return resp.status, {"_raw": raw[:500].decode(errors="replace")}

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class ClientTransport:
    """Django's test client (DRF's APIClient) in this process: the same views, no socket."""

    def __init__(self, client):
        self.client = client

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        resp = self.client.post(path, body, format="json")
        try:
            return resp.status_code, resp.json()
        except ValueError:
            return resp.status_code, {"_raw": resp.content[:500].decode(errors="replace")}


@dataclass
class Turn:
    text: str
    http_status: int
    body: dict[str, Any]
    spoken_s: float | None = None

    @property
    def reply(self) -> str:
        return str(self.body.get("reply") or "")

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        calls = self.body.get("tool_calls")
        return calls if isinstance(calls, list) else []


@dataclass
class Run:
    scenario: Scenario
    phrasing: int  # 0-based
    voice: bool
    turns: list[Turn] = field(default_factory=list)
    changes: Changes = field(default_factory=lambda: Changes(statuses={}, returns={}))
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def status(self) -> str:
        return str(self.turns[-1].body.get("status") or "") if self.turns else ""

    def transcript(self) -> str:
        lines = []
        for t in self.turns:
            lines.append(f"    shopper: {t.text}")
            for c in t.tool_calls:
                result = c.get("result") or {}
                outcome = "ok" if c.get("ok") else f"error {result.get('code', '')}"
                lines.append(f"      tool {c.get('name')}({compact(c.get('arguments'))}) -> {outcome}")
            spoken = f" [{t.spoken_s:.1f} s spoken]" if t.spoken_s is not None else ""
            lines.append(f"    assistant ({t.http_status}){spoken}: {t.reply}")
        return "\n".join(lines)


def wav_base64_seconds(b64: str) -> float:
    with wave.open(io.BytesIO(base64.b64decode(b64))) as w:
        return w.getnframes() / float(w.getframerate())


def run_phrasing(scenario: Scenario, index: int, transport: Transport, shop: Shop, *, voice: bool = False) -> Run:
    run = Run(scenario=scenario, phrasing=index, voice=voice)
    before = shop.snapshot()
    session = {"language": scenario.language, "channel": "web-voice" if voice else "web-text"}
    if scenario.customer:
        session["customer_id"] = scenario.customer
    status, body = transport.post("/api/v1/sessions", session)
    if status != 201:
        run.failures.append(f"POST /api/v1/sessions answered {status}: {compact(body)}")
        return run
    sid = body["session_id"]
    for text in scenario.phrasings[index]:
        if voice:
            status, body = transport.post("/api/voice/text", {"text": text, "session_id": sid})
        else:
            status, body = transport.post(f"/api/v1/sessions/{sid}/messages", {"type": "text", "text": text})
        turn = Turn(text=text, http_status=status, body=body)
        audio = body.get("audio") if isinstance(body, dict) else None
        if voice and isinstance(audio, dict) and audio.get("base64"):
            turn.spoken_s = wav_base64_seconds(audio["base64"])
        run.turns.append(turn)
    run.changes = shop.changes(before)
    run.failures = judge(scenario, run.turns, run.changes, shop.owners)
    if run.changes:
        shop.reset()
    return run


# ---------------------------------------------------------------------------
# Running many and summing up


def run_all(scenarios: Iterable[Scenario], transport: Transport, shop: Shop, *, voice_phrasings: int = 1,
            progress: Callable[[Run], None] | None = None, on_start: Callable[[Scenario], None] | None = None) -> list[Run]:
    """Every phrasing of every scenario; the first `voice_phrasings` of each go through the voice
    endpoint (spoken seconds measured), the rest through the text endpoint. `on_start` hears of
    each conversation before it starts (the scripted Groq model reads its goal there)."""
    runs = []
    for scenario in scenarios:
        for index in range(len(scenario.phrasings)):
            if on_start:
                on_start(scenario)
            run = run_phrasing(scenario, index, transport, shop, voice=index < voice_phrasings)
            runs.append(run)
            if progress:
                progress(run)
    return runs


GROUPS = [("en", "English"), ("hi", "Hindi (all)"), ("hi-deva", "  Devanagari"), ("hi-latn", "  romanised"),
          ("bn", "Bengali"), ("mr", "Marathi"), ("all", "all")]


def _in_group(run: Run, group: str) -> bool:
    s = run.scenario
    if group == "all":
        return True
    if group == "hi-deva":
        return s.language == "hi" and s.script != "latn"
    if group == "hi-latn":
        return s.language == "hi" and s.script == "latn"
    return s.language == group


def pass_rates(runs: list[Run]) -> tuple[int, float | None, float | None]:
    """(scenarios, pass^1, pass^4): pass^1 is the share of runs that passed; pass^k (tau-bench) the
    share of scenarios whose every phrasing passed."""
    by_scenario: dict[str, list[bool]] = {}
    for run in runs:
        by_scenario.setdefault(run.scenario.id, []).append(run.ok)
    if not runs:
        return 0, None, None
    pass1 = sum(run.ok for run in runs) / len(runs)
    passk = sum(all(oks) for oks in by_scenario.values()) / len(by_scenario)
    return len(by_scenario), pass1, passk


@dataclass
class Row:
    label: str
    scenarios: int
    pass1: float | None
    pass4: float | None
    held_scenarios: int
    held_pass1: float | None
    held_pass4: float | None
    spoken_median_s: float | None
    spoken_p90_s: float | None
    spoken_replies: int


def summarise(runs: list[Run]) -> list[Row]:
    rows = []
    for group, label in GROUPS:
        members = [r for r in runs if _in_group(r, group)]
        if not members:
            continue
        tuning = [r for r in members if not r.scenario.held_out]
        held = [r for r in members if r.scenario.held_out]
        n, p1, p4 = pass_rates(tuning)
        hn, hp1, hp4 = pass_rates(held)
        spoken = [t.spoken_s for r in members for t in r.turns if t.spoken_s is not None]
        rows.append(Row(label, n, p1, p4, hn, hp1, hp4, statistics.median(spoken) if spoken else None,
                        _p90(spoken), len(spoken)))
    return rows


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def format_rows(rows: list[Row]) -> str:
    headers = ["language", "scenarios", "pass^1", "pass^4", "held-out scenarios", "held-out pass^1",
               "held-out pass^4", "spoken s per voice reply: median", "p90"]
    cells = [[r.label, str(r.scenarios), _pct(r.pass1), _pct(r.pass4), str(r.held_scenarios), _pct(r.held_pass1),
              _pct(r.held_pass4), "-" if r.spoken_median_s is None else f"{r.spoken_median_s:.1f} (n={r.spoken_replies})",
              "-" if r.spoken_p90_s is None else f"{r.spoken_p90_s:.1f}"]
             for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(headers), "| " + " | ".join("-" * w for w in widths) + " |", *(line(c) for c in cells)])


def topic_rows(runs: list[Run]) -> str:
    """pass^1 per topic on the tuning set (never the held-out quarter: it is not for tuning)."""
    topics: dict[str, list[bool]] = {}
    for run in runs:
        if not run.scenario.held_out:
            topics.setdefault(run.scenario.topic, []).append(run.ok)
    lines = ["| topic (tuning set) | runs | pass^1 |", "| --- | --- | --- |"]
    lines += [f"| {t} | {len(oks)} | {sum(oks) / len(oks):.0%} |" for t, oks in sorted(topics.items())]
    return "\n".join(lines)


def failure_report(runs: list[Run], *, held_out: bool) -> str:
    out = []
    for run in runs:
        if run.ok or run.scenario.held_out != held_out:
            continue
        out.append(f"- {run.scenario.id} phrasing {run.phrasing + 1}{' (voice)' if run.voice else ''}: "
                   + "; ".join(run.failures))
        out.append(run.transcript())
    return "\n".join(out)
