"""Text for speech: number normalisation per language and the clause chunker."""

import pytest

from support.speech.chunker import ClauseChunker
from support.speech.numwords import BELOW_HUNDRED, cardinal, day_of_month, decimal
from support.speech.speak import DIGITS, normalise


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
    [
        ("en", "one thousand two hundred ninety-nine rupees"),
        ("hi", "एक हज़ार दो सौ निन्यानबे रुपये"),
        ("bn", "এক হাজার দুশো নিরানব্বই টাকা"),
        ("mr", "एक हजार दोनशे नव्व्याण्णव रुपये"),
    ],
)
def test_prices_in_words_and_rupees(language, expected):
    assert normalise("₹1,299", language) == expected


def test_price_variants():
    assert normalise("It costs Rs. 1,299.50 today", "en") == (
        "It costs one thousand two hundred ninety-nine rupees fifty paise today"
    )
    assert normalise("INR 1 only", "en") == "one rupee only"
    assert normalise("₹ 1,00,000", "hi") == "एक लाख रुपये"
    assert normalise("₹1,23,45,678", "en") == (
        "one crore twenty-three lakh forty-five thousand six hundred seventy-eight rupees"
    )


@pytest.mark.parametrize(
    "language,expected",
    [
        ("en", "Delivery by twenty-fifth November."),
        ("hi", "Delivery by पच्चीस नवंबर."),
        ("bn", "Delivery by পঁচিশ নভেম্বর."),
        ("mr", "Delivery by पंचवीस नोव्हेंबर."),
    ],
)
def test_dates_as_written_by_the_replies_and_as_iso(language, expected):
    month = {"en": "November", "hi": "नवंबर", "bn": "নভেম্বর", "mr": "नोव्हेंबर"}[language]
    assert normalise(f"Delivery by 25 {month}.", language) == expected
    assert normalise("Delivery by 2026-11-25.", language) == expected.removesuffix(".") + " " + {
        "en": "twenty twenty-six.", "hi": "दो हज़ार छब्बीस.", "bn": "দুই হাজার ছাব্বিশ.", "mr": "दोन हजार सव्वीस.",
    }[language]


def test_day_first_dates_and_impossible_ones():
    assert normalise("on 05/12/2026", "hi") == "on पाँच दिसंबर दो हज़ार छब्बीस"
    assert normalise("on 1st March", "en") == "on first March"
    assert normalise("2026-13-45", "en") == "2026-13-45"  # not a date: left as it is


def test_indic_numbers_become_words_english_ones_stay_for_the_voice():
    assert normalise("5 से 7 दिन, 2.5 किलो, 10% छूट", "hi") == "पाँच से सात दिन, दो दशमलव पाँच किलो, दस प्रतिशत छूट"
    assert normalise("3 টি আইটেম", "bn") == normalise("৩ টি আইটেম", "bn") == "তিন টি আইটেম"  # native digits too
    assert normalise("Redmi Note 13 आणि 4G", "mr") == "Redmi Note तेरा आणि 4G"
    assert normalise("Redmi Note 13 and 4G", "en") == "Redmi Note 13 and 4G"


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


# -- numbers as words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number,language,words",
    [
        (0, "hi", "शून्य"), (47, "hi", "सैंतालीस"), (99, "hi", "निन्यानबे"), (100, "hi", "एक सौ"),
        (1299, "hi", "एक हज़ार दो सौ निन्यानबे"), (123456, "hi", "एक लाख तेईस हज़ार चार सौ छप्पन"),
        (25000000, "hi", "दो करोड़ पचास लाख"),
        (100, "mr", "शंभर"), (101, "mr", "एकशे एक"), (250, "mr", "दोनशे पन्नास"), (1975, "mr", "एक हजार नऊशे पंचाहत्तर"),
        (100, "bn", "একশো"), (200, "bn", "দুশো"), (365, "bn", "তিনশো পঁয়ষট্টি"), (100000, "bn", "এক লাখ"),
        (21, "en", "twenty-one"), (1000, "en", "one thousand"), (150000, "en", "one lakh fifty thousand"),
        (10**11, "en", "ten thousand crore"),
    ],
)
def test_cardinals_the_indian_way(number, language, words):
    assert cardinal(number, language) == words


def test_every_number_below_a_hundred_has_its_own_word():
    for language, words in BELOW_HUNDRED.items():
        assert len(words) == 100 and len(set(words)) == 100, language
        assert words[:10] == DIGITS[language]  # digit by digit and as numbers, the same words


def test_ordinal_days_decimals_and_limits():
    assert [day_of_month(d) for d in (1, 2, 3, 5, 12, 20, 22, 31)] == [
        "first", "second", "third", "fifth", "twelfth", "twentieth", "twenty-second", "thirty-first"]
    assert day_of_month(25, "bn") == "পঁচিশ"
    assert decimal(2, "05", "mr") == "दोन दशांश शून्य पाच"
    with pytest.raises(ValueError):
        cardinal(-1)
    with pytest.raises(ValueError):
        cardinal(10**12)
