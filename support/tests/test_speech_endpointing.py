"""support/speech/endpointing.py: the words' verdict in four languages, the decision table, Smart
Turn on real recordings (and its features against pipecat's own code), and life without the model."""

from __future__ import annotations

import importlib.util
import logging

import numpy as np
import pytest

from support.speech import endpointing
from support.speech.endpointing import (
    COMPLETE, DEFAULT_CONFIG, INSTALL_HINT, UNFINISHED, UNKNOWN, SmartTurn, Words, decide, end_of_turn, judge_words,
    load_smart_turn, smart_turn_path,
)
from support.tests.speech_helpers import sample_samples
from support.voice.vad import FRAME, StreamingVAD

C = DEFAULT_CONFIG


@pytest.mark.parametrize("text, language, expecting_number, state", [
    # English: tiny.en's punctuation, openers, conjunctions, numbers read out in groups
    ("Hi, I want to know,", "en", False, UNFINISHED),
    ("I want to talk to my", "en", False, UNFINISHED),
    ("I ordered a phone last week and", "en", False, UNFINISHED),
    ("Hi.", "en", False, UNFINISHED),
    ("Okay, so...", "en", False, UNFINISHED),
    ("My number is...", "en", False, UNFINISHED),
    ("My number is", "en", False, UNFINISHED),
    ("The last four digits are", "en", False, UNFINISHED),
    ("My number is 98765", "en", False, UNFINISHED),
    ("my number is nine eight seven six five", "en", False, UNFINISHED),
    ("Thank you.", "en", False, UNFINISHED),  # "Thank you, that was helpful." pauses at the comma
    ("Okay, thanks.", "en", False, UNFINISHED),
    ("Thank you, that was helpful.", "en", False, COMPLETE),
    ("That's all, thanks.", "en", False, COMPLETE),
    ("Where is my order?", "en", False, COMPLETE),
    ("Who do I talk to?", "en", False, COMPLETE),
    ("Yes.", "en", False, COMPLETE),
    ("No, keep it.", "en", False, COMPLETE),
    ("I want to know where my order is.", "en", False, COMPLETE),
    ("Show me phones under 15000.", "en", False, COMPLETE),  # a price, not digits being read out
    ("I want to know where my order is", "en", False, UNKNOWN),
    ("", "en", False, UNKNOWN),
    (None, "en", False, UNKNOWN),
    # the assistant asked for a number: a whole one ends the turn, a group does not
    ("1042", "en", True, COMPLETE),
    ("98765 43210", "en", True, COMPLETE),
    ("98765", "en", True, UNFINISHED),
    ("10", "en", True, UNFINISHED),
    ("नौ आठ सात छह पाँच", "hi", True, UNFINISHED),
    ("৯৮৭৬৫ ৪৩২১০", "bn", True, COMPLETE),
    ("एक शून्य चार दोन", "mr", True, COMPLETE),
    # Hindi, in Devanagari and romanised
    ("नमस्ते", "hi", False, UNFINISHED),
    ("मुझे ऑर्डर और", "hi", False, UNFINISHED),
    ("फोन के", "hi", False, UNFINISHED),
    ("मेरा नंबर है 98765", "hi", False, UNFINISHED),
    ("मेरा ऑर्डर कहाँ है", "hi", False, COMPLETE),
    ("ऑर्डर कैंसल कर दीजिए", "hi", False, COMPLETE),
    ("मेरा ऑर्डर", "hi", False, UNKNOWN),
    ("accha", "hi", False, UNFINISHED),
    ("mera order kahan hai", "hi", False, COMPLETE),
    ("mujhe refund chahiye lekin", "hi", False, UNFINISHED),
    ("haan ji", "hi", False, COMPLETE),
    # Bengali
    ("নমস্কার", "bn", False, UNFINISHED),
    ("আমি একটা ফোন অর্ডার করেছিলাম কিন্তু", "bn", False, UNFINISHED),
    ("ফোনের", "bn", False, UNFINISHED),
    ("আমার অর্ডার কোথায়", "bn", False, COMPLETE),
    ("আমি রিফান্ড চাই", "bn", False, COMPLETE),
    ("আমার অর্ডার", "bn", False, UNKNOWN),
    # Marathi
    ("बरं", "mr", False, UNFINISHED),
    ("मला हे बूट परत करायचे आहेत कारण", "mr", False, UNFINISHED),
    ("फोनचे", "mr", False, UNFINISHED),
    ("माझी ऑर्डर कुठे आहे", "mr", False, COMPLETE),
    ("कॅश ऑन डिलिव्हरी चालेल का", "mr", False, COMPLETE),
    ("माझी ऑर्डर", "mr", False, UNKNOWN),
])
def test_words_say_whether_the_sentence_is_finished(text, language, expecting_number, state):
    assert judge_words(text, language=language, expecting_number=expecting_number).state == state


def test_a_full_stop_alone_is_weak_evidence_and_a_question_mark_strong():
    # tiny.en writes "I ordered a phone last weekend." at the breath before "and it still...".
    assert judge_words("I ordered a phone last week.", language="en").strong is False
    assert judge_words("Where is my order?", language="en").strong is True
    assert judge_words("मुझे रिफंड चाहिए।", language="hi").strong is True


@pytest.mark.parametrize("words, probability, silence_ms", [
    (Words(UNFINISHED, "x"), None, C.unfinished_ms),
    (Words(UNFINISHED, "x"), 0.99, C.unfinished_ms),  # the voice never overrides "and..."
    (Words(COMPLETE, "x"), None, C.complete_ms),
    (Words(COMPLETE, "x", strong=False), None, C.full_stop_ms),
    (Words(UNKNOWN, "x"), None, C.unknown_ms),
    (Words(COMPLETE, "x"), 0.9, C.complete_ms),
    (Words(COMPLETE, "x", strong=False), 0.9, C.complete_ms),
    (Words(COMPLETE, "x"), 0.2, C.unsure_ms),
    (Words(COMPLETE, "x", strong=False), 0.2, C.weak_unsure_ms),
    (Words(UNKNOWN, "x"), 0.9, C.voice_complete_ms),
    (Words(UNKNOWN, "x"), 0.2, C.unfinished_ms),
])
def test_decision_table(words, probability, silence_ms):
    endpoint = decide(words, probability)
    assert endpoint.silence_ms == silence_ms
    assert endpoint.smart_turn == probability
    assert endpoint.reason


def test_silences_are_short_for_finished_and_up_to_a_second_for_unfinished():
    assert 150 <= C.complete_ms <= 200
    assert C.complete_ms < C.voice_complete_ms <= C.unknown_ms < C.unsure_ms < C.unfinished_ms <= 1000


def test_end_of_turn_by_the_words_alone():
    assert end_of_turn(None, "Where is my order?", language="en").silence_ms == C.complete_ms
    assert end_of_turn(None, "मेरा नंबर है नौ आठ सात", language="hi").silence_ms == C.unfinished_ms
    assert end_of_turn(None, "1042", language="en", expecting_number=True).silence_ms == C.complete_ms
    assert end_of_turn(None, None, language="bn").silence_ms == C.unknown_ms


# ---------------------------------------------------------------------------
# Smart Turn


@pytest.fixture(scope="module")
def model() -> SmartTurn:
    path = smart_turn_path()
    assert path is not None, f"the Smart Turn model ships in the pipecat-ai wheel: {INSTALL_HINT} (./dev.sh does it)"
    return SmartTurn(path)


def mid_word(samples: np.ndarray) -> int:
    """A sample inside the longest stretch of confident speech: the middle of a word."""
    probs = StreamingVAD().feed(samples)
    best, run, end = 0, 0, 0
    for i, p in enumerate(probs):
        run = run + 1 if p >= 0.9 else 0
        if run > best:
            best, end = run, i
    assert best >= 10
    return (end - best // 2) * FRAME


@pytest.mark.parametrize("stem", ["en_fw_stereo_left", "hi_cv_001"])
def test_smart_turn_hears_a_finished_sentence_and_one_cut_mid_word(model, stem):
    samples = sample_samples(stem)
    finished = model.probability(samples)
    cut = model.probability(samples[:mid_word(samples)])
    assert finished > 0.8
    assert cut < 0.5 and cut < finished - 0.4


def test_end_of_turn_asks_the_voice_when_the_words_cannot_tell(model):
    samples = sample_samples("hi_cv_001")
    endpoint = end_of_turn(samples, None, language="hi", model=model)
    assert endpoint.smart_turn is not None and endpoint.smart_turn > 0.8
    assert endpoint.silence_ms == C.voice_complete_ms
    cut = end_of_turn(samples[:mid_word(samples)], None, language="hi", model=model)
    assert cut.silence_ms == C.unfinished_ms
    # Unfinished words are not second-guessed, and the model is not run for them.
    assert end_of_turn(samples, "मेरा ऑर्डर और", language="hi", model=model).smart_turn is None


def test_the_model_hears_the_last_eight_seconds_zero_padded_at_the_start():
    long = np.arange(10 * 16000, dtype=np.float32)
    assert np.array_equal(SmartTurn.window(long), long[-8 * 16000:])
    short = np.ones(16000, np.float32)
    window = SmartTurn.window(short)
    assert len(window) == 8 * 16000 and not window[:7 * 16000].any() and window[7 * 16000:].all()


def _pipecat_features():
    """pipecat's own feature code, loaded from the installed wheel's file (importing `pipecat`
    would need its dependencies, which are not installed)."""
    path = smart_turn_path().parents[1] / "_whisper_features.py"
    spec = importlib.util.spec_from_file_location("pipecat_whisper_features", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.compute_whisper_log_mel_features


@pytest.mark.parametrize("stem, seconds", [("en_jfk", None), ("en_stt_ldc93s1", None), ("bn_cv_30704510", 4.5)])
def test_features_are_pipecats(model, stem, seconds):
    samples = sample_samples(stem)
    if seconds:
        samples = samples[: int(seconds * 16000)]
    ours = model.features(samples)
    theirs = _pipecat_features()(SmartTurn.window(samples), do_normalize=True)
    assert ours.shape == theirs.shape == (80, 800) and ours.dtype == theirs.dtype == np.float32
    assert np.array_equal(ours, theirs)  # bit for bit: the quantised model is sensitive to 1e-5
    (theirs_p,) = model.session.run(None, {"input_features": theirs[None]})
    assert model.probability(samples) == float(np.asarray(theirs_p).reshape(-1)[0])


# ---------------------------------------------------------------------------
# Without the model


def test_a_missing_model_file_falls_back_to_the_words_with_one_clear_line(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="support.speech.endpointing"):
        assert load_smart_turn(tmp_path / "smart-turn-v3.2-cpu.onnx") is None
    (record,) = caplog.records
    assert INSTALL_HINT in record.getMessage() and "pip install --no-deps pipecat-ai==1.14.0" in record.getMessage()
    assert smart_turn_path("no-such-distribution") is None
    assert end_of_turn(np.zeros(16000, np.float32), "Hi,", language="en", model=None).silence_ms == C.unfinished_ms


def test_the_process_model_is_looked_up_once_and_missing_is_logged_once(monkeypatch, caplog):
    monkeypatch.setattr(endpointing, "PIPECAT_DISTRIBUTION", "no-such-distribution")
    monkeypatch.setattr(endpointing, "_model", None)
    monkeypatch.setattr(endpointing, "_model_checked", False)
    with caplog.at_level(logging.WARNING, logger="support.speech.endpointing"):
        assert endpointing.smart_turn() is None
        assert endpointing.smart_turn() is None
    assert len(caplog.records) == 1 and "no-such-distribution is not installed" in caplog.records[0].getMessage()
