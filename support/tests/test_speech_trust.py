"""Judging transcripts before anyone acts on them (support/speech/asr/trust.py): the rules on
transcripts as each provider returns them, and the one decision every voice path shares."""

import pytest

from support.speech.asr import Transcript, distrust, hearing, judge, script_share

HINDI = "मेरा ऑर्डर कहाँ है"


def heard(text, language="hi", provider="local", **fields):
    fields.setdefault("avg_logprob", -0.2)
    fields.setdefault("compression_ratio", 1.2)
    return Transcript(text, language, 0.8, 2.0, provider=provider, **fields)


def test_script_share_counts_letters_and_vowel_signs_not_digits():
    assert script_share(HINDI, "hi") == 1.0
    assert script_share("میرا آرڈر کہاں ہے", "hi") == 0.0  # Urdu script
    assert script_share("mera order kahan hai", "hi") == 0.0
    assert script_share("mera order kahan hai", "hi", latin_too=True) == 1.0
    assert script_share("ORD-1042 कहाँ है", "hi") == pytest.approx(6 / 9)
    assert script_share("1042", "hi") is None and script_share(HINDI, "ta") is None


@pytest.mark.parametrize(
    "transcript,reason",
    [
        (heard(""), "empty"),
        (heard(HINDI, hit_limit=True), "runaway"),
        (heard(HINDI, compression_ratio=3.5), "repetitive"),
        (heard("میرا آرڈر کہاں ہے"), "script_mismatch"),
        (heard("mera order kahan hai"), "script_mismatch"),  # the bundled model's romanised "Hindi"
        (heard(HINDI, avg_logprob=-0.7), "low_confidence"),
        (heard(HINDI), ""),
    ],
)
def test_indic_speech_from_the_bundled_model(settings, transcript, reason):
    settings.WHISPER_MODELS_BY_LANGUAGE = {}
    assert distrust(transcript, language="hi") == reason


def test_a_recogniser_that_handles_the_language_may_write_hinglish_and_be_less_sure(settings):
    settings.WHISPER_MODELS_BY_LANGUAGE = {"hi": "/models/hi"}
    for provider in ("groq", "local"):
        assert distrust(heard("mera order kahan hai", provider=provider), language="hi") == ""
        assert distrust(heard(HINDI, provider=provider, avg_logprob=-0.7), language="hi") == ""
        assert distrust(heard(HINDI, provider=provider, avg_logprob=-1.3), language="hi") == "low_confidence"
        assert distrust(heard("میرا آرڈر کہاں ہے", provider=provider), language="hi") == "script_mismatch"


def test_english_keeps_whispers_own_floor():
    assert distrust(heard("Where is my order?", "en", avg_logprob=-0.7), language="en") == ""
    assert distrust(heard("Where is my order?", "en", avg_logprob=-1.2), language="en") == "low_confidence"
    assert distrust(heard("Where is my order?", "en", avg_logprob=None, compression_ratio=None), language="en") == ""


def test_in_auto_sessions_the_identified_language_must_be_ours_and_sure():
    assert distrust(heard("Uske hart bärlom", "sv", language_probability=0.38), language="auto") == "unsupported_language"
    assert distrust(heard("Upharkand in South", "en", language_probability=0.21), language="auto") == "language_unsure"
    assert distrust(heard("Where is my order?", "en", language_probability=0.98), language="auto") == ""


def test_judge_marks_in_place():
    transcript = judge(heard("mera order", avg_logprob=-0.9), language="hi")
    assert (transcript.trusted, transcript.distrust) == (False, "script_mismatch")
    assert judge(heard(HINDI), language="hi").trusted


# -- the decision ---------------------------------------------------------------------------


def judged(transcript, language):
    return judge(transcript, language=language)


def test_trusted_words_are_acted_on_in_the_session_language():
    outcome = hearing(judged(heard(" " + HINDI + " "), "hi"), session_language="hi")
    assert (outcome.action, outcome.text, outcome.language, outcome.event_fields()) == ("turn", HINDI, "hi", {})


def test_untrusted_indic_speech_from_the_bundled_model_is_speech_unavailable(settings):
    settings.WHISPER_MODELS_BY_LANGUAGE = {}
    outcome = hearing(judged(heard("mera order kahan"), "hi"), session_language="hi")
    assert (outcome.action, outcome.text, outcome.language) == ("speech_unavailable", "", "hi")
    assert outcome.reply_key == "speech_unavailable"
    assert outcome.event_fields() == {"trusted": False, "reason": "script_mismatch"}


def test_untrusted_speech_from_a_capable_recogniser_is_asked_again(settings):
    settings.WHISPER_MODELS_BY_LANGUAGE = {}
    outcome = hearing(judged(heard(HINDI, provider="groq", hit_limit=True), "hi"), session_language="hi")
    assert (outcome.action, outcome.reason, outcome.reply_key) == ("reprompt", "runaway", "reprompt")
    english = hearing(judged(heard("Where is", "en", avg_logprob=-1.5), "en"), session_language="en")
    assert (english.action, english.language) == ("reprompt", "en")


def test_silence_is_asked_again_in_the_session_or_heard_language():
    assert hearing(None, session_language="mr") == hearing(judged(heard(""), "mr"), session_language="mr")
    assert hearing(None, session_language="mr").action == "reprompt"
    assert hearing(None, session_language="auto").language == "en"
    assert hearing(None, session_language="auto", default="bn").language == "bn"
    auto = hearing(judged(heard("", "bn"), "auto"), session_language="auto")
    assert (auto.action, auto.language) == ("reprompt", "bn")


def test_auto_sessions_answer_in_the_language_heard(settings):
    settings.WHISPER_MODELS_BY_LANGUAGE = {}
    outcome = hearing(judged(heard("Where is my order?", "en", language_probability=0.99), "auto"), session_language="auto")
    assert (outcome.action, outcome.language) == ("turn", "en")
    unsure = hearing(judged(heard(HINDI, "hi", language_probability=0.3), "auto"), session_language="auto")
    assert (unsure.action, unsure.language, unsure.reason) == ("speech_unavailable", "hi", "language_unsure")


def test_english_identified_in_an_indic_session_is_judged_and_answered_as_english(settings):
    settings.WHISPER_MODELS_BY_LANGUAGE = {}
    english = heard("What is your return policy?", "en", language_probability=0.97)
    outcome = hearing(judged(english, "hi"), session_language="hi")
    assert (outcome.action, outcome.language) == ("turn", "en")
