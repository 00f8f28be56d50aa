"""Yes, no and backchannels in four languages (support.assistant.offline.yesno)."""

import pytest

from support.assistant.offline.yesno import confirmation, confirms, interrupts_speaker, is_backchannel

YES = ["haan ji", "theek hai", "kar do", "हाँ जी", "ठीक है", "कर दीजिए", "হ্যাঁ করুন", "ঠিক আছে", "चालेल", "हो करा",
       "sure, do it", "go on", "yes please", "okay", "Yeah, cancel it.", "जी हाँ, रद्द कर दीजिए", "कर दो ना"]
NO = ["nahi", "na", "না", "नको", "hold on", "actually leave it", "no, keep it", "never mind", "nope", "mat karo",
      "nahi, rehne do", "ना, रहने दो", "रुकिए, कैंसल मत कीजिए", "थांबा, रद्द करू नका", "না না, বাতিল করবেন না", "থাক",
      "hold on, don't return it", "yes... actually no, not now"]
NEITHER = ["what is your refund policy?", "রিফান্ড পেতে কত দিন লাগে?", "हा ऑर्डर कुठे आहे", "where is order 1042", ""]


@pytest.mark.parametrize("text", YES)
def test_confirmations(text):
    assert confirmation(text) == "yes"


@pytest.mark.parametrize("text", NO)
def test_declines(text):
    assert confirmation(text) == "no"


@pytest.mark.parametrize("text", NEITHER)
def test_neither(text):
    assert confirmation(text) is None


def test_words_not_substrings():
    assert confirmation("okra") is None  # not "ok"
    assert confirmation("naam kya hai") is None  # "na" leads only as a word
    assert confirmation("nothing") is None


def test_the_actions_own_words_confirm_it_but_not_another_action():
    assert confirms("cancel it", "cancel_order")
    assert confirms("হ্যাঁ, বাতিল", "cancel_order")
    assert not confirms("cancel it", "initiate_return")
    assert not confirms("don't cancel", "cancel_order")


@pytest.mark.parametrize("text", ["hmm", "Mm-hmm.", "haan", "accha", "okay", "হুঁ", "हो", "ठीक है", "uh huh", "हम्म"])
def test_backchannels(text):
    assert is_backchannel(text)


@pytest.mark.parametrize("text", ["", "yes cancel it", "right, and my refund?", "wait, where is my order?", "no",
                                  "hmm hmm hmm hmm"])
def test_not_backchannels(text):
    assert not is_backchannel(text)


@pytest.mark.parametrize("text", ["mm-m-m", "Hmmm.", "haan ji", "হুঁ", "ঠিক আছে", "बरं", "I see.", "okay okay"])
def test_listening_sounds_let_the_assistant_go_on(text):
    """Including the spellings tiny.en gives a hum ("mm-m-m")."""
    assert is_backchannel(text) and not interrupts_speaker(text)


@pytest.mark.parametrize("text", ["Damn.", "Han Jai", "T-kai", ""])
def test_a_misheard_hum_does_not_stop_the_assistant(text):
    """tiny.en's renderings of "Hmm", "Haan ji" and "Theek hai": not listed, but too short to be a request."""
    assert not interrupts_speaker(text)


@pytest.mark.parametrize("text", ["Stop.", "Wait.", "No, no.", "hold on", "ruko", "बस", "থামুন", "नको", "थांबा",
                                  "Okay, where is my order?", "What is your return policy?"])
def test_a_stop_word_or_a_request_stops_the_assistant(text):
    assert interrupts_speaker(text)
