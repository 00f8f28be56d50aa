"""bench/bench_eot.py and its turns: the evaluation set's shape, how a policy is judged at the
pauses of a turn, and a small real run (English synthesised turns). No timing is asserted."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bench.bench_eot import adaptive, evaluate, fixed, later_voice, main
from bench.eot_turns import LANGUAGES, Check, Turn, load_set, pauses


def test_the_set_has_sixteen_turns_per_language_a_quarter_held_out():
    items = load_set()
    for language in LANGUAGES:
        mine = [i for i in items if i["language"] == language]
        assert len(mine) == 16 and sum(bool(i.get("held_out")) for i in mine) == 4
        assert {i["kind"] for i in mine} == {"pause", "complete", "number", "two_sentences"}
        assert all(len(i["pauses_ms"]) == len(i["segments"]) - 1 for i in mine)
    assert len({i["id"] for i in items}) == len(items)


def turn(**kw) -> Turn:
    return Turn(id="t", language=kw.get("language", "en"), source="synthesised", kind="pause", held_out=False,
                expecting_number=kw.get("expecting_number", False), segments=["x"], samples=np.zeros(1, np.float32))


def check(silent_frames: int, *, final: bool = False, text: str = "", asr_ms: float = 100.0,
          smart_turn: float | None = None) -> Check:
    return Check(last_voiced=10, silent_frames=silent_frames, final=final, asr_text=text, asr_trusted=True,
                 asr_ms=asr_ms, oracle_text=text, smart_turn=smart_turn, smart_turn_ms=50.0, smart_turn_cpu_ms=50.0)


def test_a_pause_as_long_as_the_policy_waits_cuts_the_turn():
    policy = fixed(400)  # 12 VAD frames of 32 ms
    early, ms = evaluate(policy, turn(), [check(12), check(60, final=True)])
    assert early and ms == 384
    early, _ = evaluate(policy, turn(), [check(11), check(60, final=True)])
    assert not early


def test_an_adaptive_policy_waits_for_the_transcript_it_uses():
    words = adaptive("w", words="asr", voice=False, speculative_ms=160)
    # "Hi," asks for a second: a 700 ms pause does not end the turn.
    early, _ = evaluate(words, turn(), [check(22, text="Hi,"), check(60, final=True, text="Hi, where is my order?")])
    assert not early
    # A question ends it after 200 ms, but not before the transcript is there (160 + 300 ms).
    _, ms = evaluate(words, turn(), [check(60, final=True, text="Where is my order?", asr_ms=300)])
    assert ms == 460
    # Smart Turn's "unfinished" keeps a full stop from ending the turn early.
    voice = adaptive("v", words="asr", voice=True, speculative_ms=160)
    early, _ = evaluate(voice, turn(), [check(22, text="I want to return the shoes.", smart_turn=0.1),
                                        check(60, final=True, text="...", smart_turn=0.9)])
    assert not early


def test_smart_turn_on_a_longer_pause_is_waited_for_and_only_where_the_pause_lasted():
    # The transcript at 96 ms of a pause, Smart Turn's hearing from the checks at 160 ms.
    at_96 = [replace(check(4, text="I want to return"), last_voiced=5),
             check(60, final=True, text="I want to return the shoes.")]
    at_160 = [replace(at_96[1], smart_turn=0.9, smart_turn_ms=100.0, asr_text="")]  # the short pause never reached 160 ms
    merged = later_voice(at_96, at_160)
    assert [c.smart_turn for c in merged] == [None, 0.9]
    assert [c.asr_text for c in merged] == [c.asr_text for c in at_96]  # the words stay the 96 ms ones
    policy = adaptive("v", words="asr", voice=True, speculative_ms=96, voice_after_ms=160)
    early, ms = evaluate(policy, turn(), merged)
    assert not early
    # Both say finished (224 ms: 200 rounded up to a VAD frame), words in at 96 + 100 ms, Smart Turn
    # only at 160 + 100 ms: that is the decision.
    assert ms == 160 + 100


def test_pauses_are_found_by_the_real_vad():
    rate = 16000
    rng = np.random.default_rng(0)
    t = np.arange(rate) / rate
    voice = (0.3 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 4 * t))).astype(np.float32)
    samples = np.concatenate([np.zeros(rate // 2), voice, np.zeros(rate * 7 // 10), voice, np.zeros(rate)])
    samples = (samples + rng.normal(0, 0.0005, len(samples))).astype(np.float32)
    found = pauses(samples, speculative_ms=160)
    if not found:
        pytest.skip("the VAD does not take this synthetic tone for speech")
    assert found[-1].final and all(not p.final for p in found[:-1])


@pytest.mark.slow
def test_a_small_real_run_prints_every_policy(capsys):
    assert main(["--languages", "en", "--no-recorded", "--tuning-only"]) == 0
    out = capsys.readouterr().out
    for name in ("fixed 200 ms", "fixed 400 ms", "fixed 800 ms", "adaptive: words (local ASR)",
                 "adaptive: words (local ASR) + Smart Turn", "adaptive: Smart Turn alone", "Smart Turn CPU ms"):
        assert name in out
