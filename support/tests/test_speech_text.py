"""Text for speech: number normalisation per language and the clause chunker."""

import pytest

from support.speech.chunker import ClauseChunker
from support.speech.speak import normalise


@pytest.mark.parametrize(
    "language,expected",
    [
        ("en", "order one zero four two"),
        ("hi", "ऑर्डर एक शून्य चार दो"),
        ("bn", "অর্ডার এক শূন্য চার দুই"),
        ("mr", "ऑर्डर एक शून्य चार दोन"),
    ],
)
def test_order_numbers_digit_by_digit(language, expected):
    assert normalise("ORD-1042", language) == expected


def test_order_word_is_not_said_twice():
    assert normalise("Your order ORD-1042 has shipped.", "en") == "Your order one zero four two has shipped."
    assert normalise("return RET-2001 approved", "en") == "return two zero zero one approved"


@pytest.mark.parametrize(
    "language,expected",
    [("en", "1299 rupees"), ("hi", "1299 रुपये"), ("bn", "1299 টাকা"), ("mr", "1299 रुपये")],
)
def test_prices_in_rupees(language, expected):
    assert normalise("₹1,299", language) == expected


def test_price_variants():
    assert normalise("It costs Rs. 1,299.50 today", "en") == "It costs 1299 rupees 50 paise today"
    assert normalise("INR 1 only", "en") == "1 rupee only"
    assert normalise("₹ 1,00,000", "hi") == "100000 रुपये"


def test_phone_numbers_digit_by_digit():
    assert normalise("Call 98765 43210.", "en") == (
        "Call nine eight seven six five four three two one zero."
    )
    assert normalise("+91 98765-43210", "hi") == "प्लस नौ एक, नौ आठ सात छह पाँच चार तीन दो एक शून्य"
    assert normalise("1800-123-4567", "mr") == "एक आठ शून्य शून्य एक दोन तीन चार पाच सहा सात"


def test_ordinary_numbers_and_words_are_left_alone():
    assert normalise("iPhone 1500 weighs 2.5 kg", "en") == "iPhone 1500 weighs 2.5 kg"
    assert normalise("10% off & **free** delivery", "en") == "10 percent off and free delivery"
    assert normalise("ORD-1042", "fr") == "order one zero four two"  # unknown language: English words


def _stream(text, step=4, **kwargs):
    chunker = ClauseChunker(**kwargs)
    out = []
    for i in range(0, len(text), step):
        out += chunker.feed(text[i : i + step])
    return out + chunker.flush()


def test_sentences_split_as_they_stream():
    text = "Sure, I can help. Your parcel left Pune today! Anything else?"
    assert _stream(text) == ["Sure, I can help.", "Your parcel left Pune today!", "Anything else?"]


def test_feed_returns_a_chunk_as_soon_as_its_sentence_ends():
    chunker = ClauseChunker()
    assert chunker.feed("Your parcel left Pune") == []
    assert chunker.feed(" today. It will") == ["Your parcel left Pune today."]
    assert chunker.flush() == ["It will"]
    assert chunker.flush() == []


def test_devanagari_danda_and_question_mark():
    text = "आपका ऑर्डर भेज दिया गया है। क्या मैं और मदद करूँ? धन्यवाद!"
    assert _stream(text) == ["आपका ऑर्डर भेज दिया गया है।", "क्या मैं और मदद करूँ?", "धन्यवाद!"]
    assert _stream("আপনার অর্ডার পাঠানো হয়েছে। ধন্যবাদ।") == ["আপনার অর্ডার পাঠানো হয়েছে।", "ধন্যবাদ।"]


def test_long_first_sentence_gives_its_first_clause_early():
    chunker = ClauseChunker()
    ready = chunker.feed("Your order ORD-1042 has been shipped, and it")
    assert ready == ["Your order ORD-1042 has been shipped,"]
    assert chunker.feed(" will arrive on Friday. Thanks.") == ["and it will arrive on Friday."]


def test_hindi_first_clause_splits_before_aur():
    assert _stream("आपका ऑर्डर भेज दिया गया है और यह शुक्रवार तक पहुँच जाएगा। धन्यवाद!") == [
        "आपका ऑर्डर भेज दिया गया है",
        "और यह शुक्रवार तक पहुँच जाएगा।",
        "धन्यवाद!",
    ]


def test_short_first_sentence_is_not_cut():
    assert _stream("Hi, how are you?") == ["Hi, how are you?"]


def test_long_later_sentences_split_at_clause_boundaries():
    text = (
        "Thanks. I have checked the status of your order and it looks like the courier picked it up "
        "yesterday evening from our warehouse in Pune, and it should reach you by Friday but please keep "
        "your phone switched on because the courier will call before delivery."
    )
    chunks = _stream(text)
    assert chunks[0] == "Thanks."
    assert all(len(c) <= 110 for c in chunks)
    assert " ".join(chunks) == text
    assert any(c.startswith(("and ", "but ")) or c.endswith(",") for c in chunks[1:])


def test_decimals_abbreviations_and_digit_groups_do_not_end_sentences():
    assert _stream("Dr. Rao paid Rs. 1,299.50 for 2.5 kg. Done.", step=1) == [
        "Dr. Rao paid Rs. 1,299.50 for 2.5 kg.",
        "Done.",
    ]


def test_a_sentence_without_any_boundary_is_cut_at_a_word():
    text = "word " * 60
    chunks = _stream(text)
    assert all(len(c) <= 110 for c in chunks)
    assert " ".join(chunks).split() == text.split()
