"""`TurnDetector`: turn events from per-frame speech probabilities (no model needed); `StreamingVAD`'s
silence gate with the real model."""

import numpy as np
import pytest

from support.voice.vad import FRAME, StreamingVAD, TurnDetector


def feed(detector, probs, *, guarded=False):
    events = []
    for prob in probs:
        events += detector.update(prob, guarded=guarded)
    return events


def test_hands_free_events_in_order():
    detector = TurnDetector(silence_ms=400, speculative_ms=160)
    events = feed(detector, [0.0] * 5 + [0.9] * 10 + [0.0] * 20)
    assert [e.kind for e in events] == ["speech_start", "pause", "end_of_turn"]
    assert events[0].frame == 5 and events[-1].frame == 14  # the last voiced frame


def test_barge_in_reports_where_the_interrupting_speech_began():
    """Voiced at the normal threshold from frame 10, strong only in short runs until frame 20."""
    detector = TurnDetector(barge_in_ms=250)  # 8 strong frames in a row confirm
    probs = [0.0] * 10 + [0.6, 0.85, 0.85, 0.7, 0.9, 0.9, 0.9, 0.4, 0.85, 0.6] + [0.95] * 8
    events = feed(detector, probs, guarded=True)
    assert [(e.kind, e.frame) for e in events] == [("barge_in", 10)]


def test_a_pause_between_words_keeps_the_start_a_long_quiet_does_not():
    detector = TurnDetector(barge_in_ms=250)
    short_gap = [0.0] * 5 + [0.7] * 4 + [0.1] * 5 + [0.95] * 8  # 160 ms between words
    assert [e.frame for e in feed(detector, short_gap, guarded=True)] == [5]
    detector.reset()
    long_gap = [0.0] * 5 + [0.7] * 4 + [0.1] * 15 + [0.95] * 8  # 480 ms: the first sound was something else
    assert [e.frame for e in feed(detector, long_gap, guarded=True)] == [24]


def test_echo_that_never_stops_cannot_push_the_start_back_more_than_three_seconds():
    detector = TurnDetector(barge_in_ms=250)
    events = feed(detector, [0.6] * 200 + [0.95] * 8, guarded=True)
    assert events[0].frame == 207 - detector.region_max_frames


def test_a_short_utterance_over_the_assistant_is_an_interjection_not_a_barge_in():
    """"Mm-hmm" (0.38 s of strong speech): reported for its words to be judged once it ends."""
    detector = TurnDetector()  # the default: 600 ms of strong speech within a second barges in
    probs = [0.0] * 10 + [0.9] * 12 + [0.6] * 4 + [0.0] * 12
    events = feed(detector, probs, guarded=True)
    assert [(e.kind, e.frame, e.end) for e in events] == [("interjection", 10, 25)]


def test_a_request_over_the_assistant_barges_in_within_three_quarters_of_a_second():
    """Mostly strong, as a spoken request is ("What is your return policy?": 1.3 of 1.6 s)."""
    detector = TurnDetector()
    confirmed_at = None
    for prob in [0.0] * 10 + ([0.9] * 9 + [0.6]) * 4:
        for event in detector.update(prob, guarded=True):
            assert (event.kind, event.frame) == ("barge_in", 10)
            confirmed_at = confirmed_at or detector.frame
    assert (confirmed_at - 10) * 32 < 750  # ms from the first voiced frame to the confirmation


def test_a_click_is_neither():
    detector = TurnDetector()
    assert feed(detector, [0.0] * 10 + [0.95] * 3 + [0.0] * 20, guarded=True) == []


@pytest.mark.slow
def test_the_model_is_not_run_on_silence_and_hears_speech_after_it_as_a_new_stream_would():
    from support.speech.audio import pcm16_to_float
    from support.tests.speech_helpers import steady_speech

    speech = pcm16_to_float(steady_speech("Where is my order?", 16000))
    silence = np.zeros(FRAME * 62, np.float32)  # ~2 s, whole frames
    fresh, gated = StreamingVAD(), StreamingVAD()
    # A pause (digital silence, as noise suppression leaves it) costs no model runs and reads as silence.
    assert gated.feed(silence) == [0.0] * (len(silence) // FRAME) and gated.model_frames == 0
    after_silence = gated.feed(speech)
    alone = fresh.feed(speech)
    assert after_silence == pytest.approx(alone, abs=1e-3)  # the state started afresh
    assert max(after_silence) > 0.9 and gated.model_frames > 0


@pytest.mark.slow
def test_quiet_noise_above_the_gate_is_still_judged_by_the_model():
    noise = np.random.default_rng(0).normal(0, 0.003, 16000).astype(np.float32)  # about -50 dBFS
    vad = StreamingVAD()
    probs = vad.feed(noise)
    assert vad.model_frames == len(probs) and max(probs) < 0.5
