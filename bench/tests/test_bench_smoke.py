"""The bench scripts work: their helpers, their checks against misbehaving servers, and a tiny
real run of each (marked slow). No timing is asserted anywhere: the figures are printed by the
benches, not judged by tests."""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from bench import common
from bench.bench_indic_voice import judge
from bench.bench_speech import shop_sentences
from bench.bench_text import Client
from bench.text_variants import VARIANTS, parse, variant_table
from bench.voice_client import VoiceSession, transcript_matches
from bench.utterances import FRAME_SAMPLES, Utterance, last_voiced_frame
from bench.voice_soak import Sample, windows
from support.speech.evaluation import Clip

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------
# Helpers


def test_percentile_matches_numpy_linear_interpolation():
    values = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0]
    for p in (0, 25, 50, 95, 100):
        assert common.percentile(values, p) == pytest.approx(float(np.percentile(values, p)))
    assert common.percentile([], 50) is None
    assert common.percentile([None, 4.0], 50) == 4.0


def test_table_is_markdown_with_aligned_columns():
    out = common.table(["a", "bb"], [[1.234, None], ["x", 10]]).splitlines()
    assert out == ["| a   | bb |", "| --- | -- |", "| 1.2 | -  |", "| x   | 10 |"]
    assert len({len(line) for line in out}) == 1


def test_last_voiced_frame_ignores_quiet_tail():
    rate = 16000
    silence = np.zeros(rate // 2)
    tone = 8000 * np.sin(np.linspace(0, 2 * np.pi * 440, rate // 4))
    hiss = np.random.default_rng(0).normal(0, 20, rate // 4)  # far below 5% of the tone's RMS
    pcm = np.concatenate([silence, tone, hiss]).astype("<i2").tobytes()
    assert last_voiced_frame(pcm) == (12000 - 1) // FRAME_SAMPLES  # the frame holding the last tone sample
    assert last_voiced_frame(np.zeros(3200, "<i2").tobytes()) == -1


def test_transcript_matching_tolerates_spoken_digits_and_rejects_other_utterances():
    assert transcript_matches("Where is my order number 1 0 4 2?", "Where's my order number 1042?")
    assert transcript_matches("What smartwatches do you have?", "What smart watches do you have?")
    assert not transcript_matches("What is your return policy?", "Do you deliver to Pune?")
    assert not transcript_matches("Do you deliver to Pune?", None)


def test_variants_are_parsed_by_name_and_summarised_by_median():
    assert [v.name for v in parse("deferred, default")] == ["deferred", "default"]
    with pytest.raises(Exception, match="unknown variant"):
        parse("default,fastest")
    run = {"seq_p50": 5.0, "seq_cpu": 4.0, "p95": 9.0, "cpu": 6.0, "locked": 0}
    runs = [{**run, "variant": "default", "p50": p50, "tps": tps, "failed": failed, "load": load}
            for p50, tps, failed, load in [(10.0, 100.0, 0, 1.5), (30.0, 80.0, 2, 0.5), (20.0, 90.0, 1, 1.0)]]
    row = variant_table(runs).splitlines()[2].split("|")[1:-1]
    assert [c.strip() for c in row] == ["default", "3", "5.0", "4.0", "20.0", "9.0", "90.0", "6.0", "3", "0", "0.50-1.50"]
    assert "DATABASES['default']['OPTIONS'].pop('transaction_mode', None)" in "\n".join(VARIANTS["deferred"].settings_lines)


def test_a_variant_can_be_another_checkout_served_as_it_stands(tmp_path):
    (tmp_path / "manage.py").write_text("")
    before, default = parse(f"before={tmp_path},default")
    assert (before.name, before.root, before.env, before.settings_lines) == ("before", tmp_path, {}, ())
    assert default.root is None
    with pytest.raises(Exception, match="no manage.py in"):
        parse(f"before={tmp_path / 'nowhere'}")
    assert common.Server(root=tmp_path).root == tmp_path and common.Server().root == ROOT


def test_server_start_failure_reports_the_command_output(tmp_path):
    # DEBUG=false without a SECRET_KEY: settings refuse to load, so migrate fails.
    srv = common.Server(extra_env={"SECRET_KEY": ""}, quiet=True)
    with pytest.raises(RuntimeError, match="manage.py migrate.*failed(.|\n)*SECRET_KEY"):
        with srv:
            pass
    assert srv.proc is None and srv.workdir is None  # nothing left behind


# ---------------------------------------------------------------------------
# The text bench's checks, against a local server that misbehaves


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    replies: list[tuple[int, dict]] = []

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, body = self.replies.pop(0)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_http():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_text_client_counts_errors_and_wrong_tools_as_failures(fake_http):
    _Handler.replies = [
        (200, {"session_id": "s1", "token": "t1", "tool_calls": [{"name": "get_policy"}], "reply": "ok"}),
        (200, {"session_id": "s1", "tool_calls": [], "reply": "I could not find that"}),
        (500, {"code": "server_error"}),
    ]
    script = [[("What is your return policy?", "policy", "get_policy"),
               ("Show me earbuds", "product search", "search_products")],
              [("Hello", "small talk", None)]]
    turns = Client(fake_http.server_address[1], script).run(3)
    assert [t.ok for t in turns] == [True, False, False]
    assert "expected search_products" in turns[1].detail
    assert turns[2].detail == "HTTP 500 server_error"


# ---------------------------------------------------------------------------
# The voice bench's checks, against a local WebSocket server that misbehaves


def _utterance(index: int, text: str) -> Utterance:
    tone = (8000 * np.sin(np.linspace(0, 2 * np.pi * 300, 3200))).astype("<i2")
    pcm = np.concatenate([np.zeros(1600, "<i2"), tone, np.zeros(640, "<i2")]).tobytes()
    return Utterance(index=index, text=text, pcm=pcm, last_voiced_frame=last_voiced_frame(pcm), engine="test")


async def _fake_voice_server(behaviour):
    """A server speaking the protocol's shape; `behaviour(turn)` says what to answer to each end."""
    from aiohttp import web

    async def handler(request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "session", "session_id": "x", "output_audio": {"sample_rate": 16000}})
        turn = 0
        async for msg in ws:
            if msg.type == web.WSMsgType.TEXT and json.loads(msg.data).get("type") == "end":
                turn += 1
                action = behaviour(turn)
                if action == "silent":
                    continue
                said = action if isinstance(action, str) and action != "filler" else "what is your return policy"
                if action == "filler":  # "One moment." first: 0.5 s of audio that is not the reply
                    await ws.send_json({"type": "filler", "text": "One moment.", "audio_bytes": 16000, "turn": turn})
                    await ws.send_json({"type": "audio_start", "turn": turn})
                    await ws.send_bytes(b"\x00\x00" * 8000)
                    await asyncio.sleep(0.3)
                await ws.send_json({"type": "transcript", "text": said, "turn": turn})
                if action != "filler":
                    await ws.send_json({"type": "audio_start", "turn": turn})
                await ws.send_bytes(b"\x00\x00" * 160)
                await ws.send_json({"type": "metrics", "turn": turn, "eos_to_first_audio_ms": 1.0})
                await ws.send_json({"type": "end", "turn": turn})
        return ws

    app = web.Application()
    app.router.add_get("/api/voice/stream", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"ws://127.0.0.1:{port}"


def test_voice_session_flags_wrong_transcripts_and_lost_turns():
    utterances = [_utterance(0, "What is your return policy?"), _utterance(1, "Do you deliver to Pune?"),
                  _utterance(2, "What is your return policy?")]
    # Turn 1 answers properly, turn 2 answers with another utterance's transcript, turn 3 never answers.
    behaviour = {1: None, 2: "what is your return policy", 3: "silent"}.get

    async def go():
        runner, url = await _fake_voice_server(behaviour)
        try:
            session = VoiceSession(url=url, mode="ptt", utterances=utterances, number=0, turn_timeout=1.5)
            return await session.run()
        finally:
            await runner.cleanup()

    result = asyncio.run(go())
    assert [t.status for t in result.turns] == ["ok", "mismatch", "lost"]
    assert result.turns[0].latency_ms is not None and result.turns[0].turn_no == 1
    assert result.turns[1].latency_ms is None


def test_a_fillers_audio_is_not_counted_as_the_reply():
    utterances = [_utterance(0, "What is your return policy?"), _utterance(1, "What is your return policy?")]

    async def go():
        runner, url = await _fake_voice_server({1: "filler", 2: None}.get)
        try:
            return await VoiceSession(url=url, mode="ptt", utterances=utterances, number=0, turn_timeout=3).run()
        finally:
            await runner.cleanup()

    first, second = asyncio.run(go()).turns
    assert first.status == "ok" and first.filler and not second.filler
    assert first.latency_ms - first.sound_ms >= 250  # the reply came 0.3 s after the filler's first byte
    assert first.reply_audio_s == pytest.approx(320 / 2 / 16000)  # the filler's 16000 bytes are left out
    assert second.sound_ms == second.latency_ms


def test_soak_windows_cut_turns_by_end_of_speech_with_a_total_row():
    t0 = 1000.0
    turn = lambda at, ms, status="ok": {"eos_at": t0 + at, "latency_ms": ms, "status": status}  # noqa: E731
    turns = [turn(1, 100.0), turn(4, 300.0), turn(6, 200.0), turn(11, None, "lost"), turn(12.5, 400.0)]
    samples = [Sample(t0 + s, (100 + s) * 2**20, 0.5 * s, 1.0 + s / 10) for s in (0, 2.5, 5, 7.5, 10, 12)]
    samples.append(Sample(t0 + 13, 130 * 2**20, 6.5, 2.0))  # after the end: the last window's
    rows = windows(turns, samples, t0=t0, end=t0 + 12, window_s=5)
    assert [r["window"] for r in rows] == ["0-5 s", "5-10 s", "10-12 s", "total"]
    assert [r["turns"] for r in rows] == [2, 1, 2, 5]  # the turn in flight at the end counts in the last
    assert [r["lost"] for r in rows] == [0, 0, 1, 1]
    assert rows[0]["p50"] == 200.0 and rows[-1]["p50"] == 250.0
    assert [r["rss_mb"] for r in rows] == [105.0, 110.0, 130.0, 130.0]  # each window's peak
    assert [r["cpu_s_per_turn"] for r in rows] == [1.25, 2.5, 0.75, 1.3]
    assert rows[-1]["load1"] == pytest.approx(2.2)  # the peak


# ---------------------------------------------------------------------------
# Tiny real runs (a real Daphne server, real models)


def _run(script: str, *args: str, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run([common.python(), str(ROOT / "bench" / script), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.slow
@pytest.mark.embedded_server
def test_text_bench_quick_run(tmp_path):
    out = tmp_path / "text.json"
    done = _run("bench_text.py", "--quick", "--sqlite-immediate", "--json", str(out), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| sequential" in done.stdout and "| concurrent" in done.stdout
    data = json.loads(out.read_text())
    # One process on the embedded defaults; two on `serve --workers 2` when Redis answers.
    assert set(data["workers"]) | set(data["skipped"]) == {"1", "2"}
    for result in data["workers"].values():
        assert result["sequential"]["turns"] == 6 and result["sequential"]["failed"] == 0
        assert result["concurrent"]["turns"] == 6 and result["concurrent"]["failed"] == 0
    assert "1" in data["workers"]
    assert data["failures"] == []


@pytest.mark.slow
@pytest.mark.embedded_server
def test_voice_bench_quick_run(tmp_path):
    out = tmp_path / "voice.json"
    done = _run("bench_voice.py", "--quick", "--sqlite-immediate", "--json", str(out), timeout=580)
    assert done.returncode == 0, done.stdout + done.stderr
    runs = json.loads(out.read_text())
    assert [(r["mode"], r["sessions"]) for r in runs] == [("ptt", 1), ("vad", 1), ("ptt", 2)]
    for r in runs:
        assert r["lost"] == 0 and r["out_of_order"] == 0, r
        assert r["measured"] == r["utterances"] == 2 * r["sessions"], r
        for turn in r["turns"]:
            assert turn["status"] == "ok" and turn["transcript"], turn
            assert turn["metrics"]["eos_to_first_audio_ms"] is not None


@pytest.mark.slow
@pytest.mark.embedded_server
def test_voice_bench_soak_run(tmp_path):
    out = tmp_path / "soak.json"
    done = _run("bench_voice.py", "--soak", "0.2", "--window-s", "5", "--sessions", "2", "--utterances", "4",
                "--sqlite-immediate", "--json", str(out), timeout=580)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| 0-5 s " in done.stdout and "| total " in done.stdout
    data = json.loads(out.read_text())
    assert [w["window"] for w in data["windows"]] == ["0-5 s", "5-10 s", "10-12 s"]
    total = data["total"]
    assert total["turns"] >= 2 and total["lost"] == 0 and total["out_of_order"] == 0, total
    assert total["turns"] == sum(w["turns"] for w in data["windows"])
    assert all(w["rss_mb"] > 50 for w in data["windows"])  # a Django server with its models, measured


@pytest.mark.slow
def test_voice_cost_bench_prints_each_part():
    done = _run("bench_voice_cost.py", "--utterances", "2", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    for part in ("| VAD, per utterance", "| ASR (tiny.en), per pass", "| Smart Turn, per check",
                 "| TTS (Piper), per second of audio"):
        assert part in done.stdout
    assert "OPENBLAS_NUM_THREADS=1" in done.stdout  # voxsite sets it before numpy loads


def test_round_trip_speaks_twenty_real_replies_per_language_with_nothing_left_unfilled():
    for language in ("en", "hi", "bn", "mr"):
        sentences = shop_sentences(language)
        assert len(set(sentences)) == 20, language
        assert not [s for s in sentences if "{" in s or "}" in s]
        assert any("ORD-1042" in s for s in sentences) and any("₹1,299" in s for s in sentences)


def test_indic_voice_bench_counts_wrong_actions():
    clip = Clip("hi.wav", 2.0, "hi", "मेरा ऑर्डर कहाँ है")
    ok = {"_status": 200, "_ms": 1, "transcript": "मेरा ऑर्डर कहाँ है", "intent": "track_order", "tool_calls": []}
    tooled = {**ok, "tool_calls": [{"name": "search_products"}]}
    garbage = {**ok, "transcript": "Uske hart bärlom"}
    refused = {"_status": 200, "_ms": 1, "transcript": "", "speech_unavailable": True, "reason": "low_confidence"}
    assert [judge(clip, a, 0.5)["wrong_action"] for a in (ok, tooled, garbage, refused)] == [False, True, True, False]
    assert judge(clip, refused, 0.5)["refused"] and judge(clip, ok, 0.5)["cer"] == 0.0


@pytest.mark.slow
def test_first_clause_bench_speaks_every_reply_and_finds_the_warm_cache(tmp_path):
    out = tmp_path / "first.json"
    done = _run("bench_first_clause.py", "--sets", "bench", "--json", str(out), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| bench " in done.stdout and "first clause cached" in done.stdout
    (result,) = json.loads(out.read_text())
    assert result["replies"] == len(result["rows"]) == 20
    assert all(row["first"] and row["audio_s"] > 0.3 for row in result["rows"])
    # The offline brain asks for the phone number in fixed words: warm-up had that clause ready.
    asks = [row for row in result["rows"] if row["first"] == "What's the phone number on this order?"]
    assert asks and all(row["hit"] for row in asks)
