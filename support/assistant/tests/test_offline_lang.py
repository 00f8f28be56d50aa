"""Language detection and spoken-number handling of the offline brain (pure Python)."""

import pytest

from support.assistant.offline.evaluate import by_language, evaluate, utterances_load
from support.assistant.offline.lang import detect_language
from support.assistant.offline.numbers import AMOUNT, amount_value, collapse_spoken_digits, normalise


@pytest.mark.parametrize("text, expected", [
    ("Where is my order?", "en"),
    ("I want to cancel order ORD-1042", "en"),
    ("मेरा ऑर्डर कहाँ है?", "hi"),
    ("मुझे 2000 से कम के कुर्ते दिखाओ", "hi"),
    ("माझी ऑर्डर कुठे आहे?", "mr"),
    ("मला माझी ऑर्डर रद्द करायची आहे", "mr"),
    ("আমার অর্ডার কোথায়?", "bn"),
    ("২০০০ টাকার মধ্যে কুর্তা দেখান", "bn"),
    ("mera order kahan hai", "hi"),
    ("agent se baat karao", "hi"),
    ("2k se kam mein kurta dikhao", "hi"),
    ("return policy kya hai", "hi"),
    ("do you have kurtas under 2000", "en"),
])
def test_script_and_keywords_decide(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["1042", "ok", "ORD-1042", "98765 43210", "", "   ", "?"])
@pytest.mark.parametrize("default", ["en", "hi", "bn", "mr"])
def test_ambiguous_text_keeps_the_conversation_language(text, default):
    assert detect_language(text, default=default) == default


def test_devanagari_without_markers_keeps_marathi_conversation_marathi():
    # "धन्यवाद" and "नमस्कार" are both Hindi and Marathi.
    assert detect_language("धन्यवाद", default="mr") == "mr"
    assert detect_language("धन्यवाद", default="en") == "hi"


def test_english_words_do_not_make_hinglish():
    assert detect_language("do you have cash on delivery") == "en"
    assert detect_language("hi, where is my order") == "en"


def test_detection_accuracy_on_the_fixture_per_language():
    table = by_language(evaluate(utterances_load()))
    for lang, row in table.items():
        assert row["language_id"] >= 0.95, (lang, row)


@pytest.mark.parametrize("text, expected", [
    ("order one zero four two", "order 1042"),
    ("nine eight seven six five four three two one zero", "9876543210"),
    ("double nine eight seven", "9987"),
    ("एक शून्य चार दो", "1042"),
    ("এক শূন্য চার দুই", "1042"),
    ("एक शून्य चार दोन", "1042"),
    ("one zero for two", "1042"),
])
def test_spoken_digit_runs_become_digits(text, expected):
    assert collapse_spoken_digits(normalise(text)) == expected


@pytest.mark.parametrize("text", ["haan kar do", "एक कुर्ता दिखाओ", "last four 3210", "this one"])
def test_short_runs_and_numerals_are_left_alone(text):
    assert collapse_spoken_digits(normalise(text)) == normalise(text)


def test_indic_digits_and_separators_are_normalised():
    assert normalise("१०४२ ১০৪২ ₹2,000") == "1042 1042 ₹2000"
    assert normalise("फ़ोन") == normalise("फोन")
    assert normalise("हाँ") == normalise("हां")


@pytest.mark.parametrize("text, value", [
    ("2000", 2000), ("2k", 2000), ("1.5k", 1500), ("₹3000", 3000), ("15 हजार", 15000),
    ("दस हजार", 10000), ("দশ হাজার", 10000), ("दहा हजारांपेक्षा", 10000), ("two thousand", 2000), ("2 lakh", 200000),
])
def test_amounts(text, value):
    match = AMOUNT.search(normalise(text))
    assert match and amount_value(match) == value


def test_a_number_word_alone_is_not_an_amount():
    match = AMOUNT.search(normalise("two kurtas"))
    assert match is None or amount_value(match) is None


@pytest.mark.parametrize("text, expected", [
    ("ten forty two", "1042"), ("twenty ten", "2010"), ("ten oh five", "1005"), ("one thousand fifty", "1050"),
    ("एक हज़ार पचास", "1050"), ("nine eight seven six five, four three zero zero four", "9876543004"),
    ("3 0 0 2", "3002"), ("nau aath saat chhah", "9876"),
])
def test_numbers_said_in_pairs_cardinals_and_groups(text, expected):
    assert collapse_spoken_digits(normalise(text)) == expected


@pytest.mark.parametrize("text", ["twenty five rupees", "two thousand five hundred", "one thousand rupees", "ten"])
def test_prices_and_quantities_are_not_read_as_order_numbers(text):
    assert collapse_spoken_digits(normalise(text)) == normalise(text)


def test_digits_said_as_words_keep_the_conversations_language():
    assert detect_language("nau aath saat chhe paanch chaar teen zero ek chaar", default="hi") == "hi"
    assert detect_language("nine eight seven six five four three two one zero", default="mr") == "mr"
