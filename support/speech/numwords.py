"""Numbers as words, the Indian way (lakh, crore), in English, Hindi, Bengali and Marathi.

Pure functions over tables, no Django: the speech normaliser (speak.py) uses them before TTS,
and anything else that must say a number aloud can too. Hindi, Bengali and Marathi name every
number below a hundred with its own word (47 is सैंतालीस, not "forty seven"), so those are
tables; above a hundred the pattern is regular: crore, lakh, thousand, hundred, then the rest.
"""

from __future__ import annotations

_HI = (
    "शून्य एक दो तीन चार पाँच छह सात आठ नौ दस ग्यारह बारह तेरह चौदह पंद्रह सोलह सत्रह अठारह उन्नीस "
    "बीस इक्कीस बाईस तेईस चौबीस पच्चीस छब्बीस सत्ताईस अट्ठाईस उनतीस तीस इकतीस बत्तीस तैंतीस चौंतीस "
    "पैंतीस छत्तीस सैंतीस अड़तीस उनतालीस चालीस इकतालीस बयालीस तैंतालीस चवालीस पैंतालीस छियालीस सैंतालीस "
    "अड़तालीस उनचास पचास इक्यावन बावन तिरेपन चौवन पचपन छप्पन सत्तावन अट्ठावन उनसठ साठ इकसठ बासठ तिरेसठ "
    "चौंसठ पैंसठ छियासठ सड़सठ अड़सठ उनहत्तर सत्तर इकहत्तर बहत्तर तिहत्तर चौहत्तर पचहत्तर छिहत्तर सतहत्तर "
    "अठहत्तर उन्यासी अस्सी इक्यासी बयासी तिरासी चौरासी पचासी छियासी सत्तासी अट्ठासी नवासी नब्बे इक्यानबे "
    "बानबे तिरानबे चौरानबे पंचानबे छियानबे सत्तानबे अट्ठानबे निन्यानबे"
).split()
_MR = (
    "शून्य एक दोन तीन चार पाच सहा सात आठ नऊ दहा अकरा बारा तेरा चौदा पंधरा सोळा सतरा अठरा एकोणीस "
    "वीस एकवीस बावीस तेवीस चोवीस पंचवीस सव्वीस सत्तावीस अठ्ठावीस एकोणतीस तीस एकतीस बत्तीस तेहेतीस चौतीस "
    "पस्तीस छत्तीस सदतीस अडतीस एकोणचाळीस चाळीस एक्केचाळीस बेचाळीस त्रेचाळीस चव्वेचाळीस पंचेचाळीस सेहेचाळीस "
    "सत्तेचाळीस अठ्ठेचाळीस एकोणपन्नास पन्नास एक्कावन्न बावन्न त्रेपन्न चोपन्न पंचावन्न छप्पन्न सत्तावन्न "
    "अठ्ठावन्न एकोणसाठ साठ एकसष्ट बासष्ट त्रेसष्ट चौसष्ट पासष्ट सहासष्ट सदुसष्ट अडुसष्ट एकोणसत्तर सत्तर "
    "एक्काहत्तर बाहत्तर त्र्याहत्तर चौऱ्याहत्तर पंचाहत्तर शहात्तर सत्त्याहत्तर अठ्ठ्याहत्तर एकोणऐंशी ऐंशी "
    "एक्याऐंशी ब्याऐंशी त्र्याऐंशी चौऱ्याऐंशी पंच्याऐंशी शहाऐंशी सत्त्याऐंशी अठ्ठ्याऐंशी एकोणनव्वद नव्वद "
    "एक्याण्णव ब्याण्णव त्र्याण्णव चौऱ्याण्णव पंच्याण्णव शहाण्णव सत्त्याण्णव अठ्ठ्याण्णव नव्व्याण्णव"
).split()
_BN = (
    "শূন্য এক দুই তিন চার পাঁচ ছয় সাত আট নয় দশ এগারো বারো তেরো চৌদ্দ পনেরো ষোলো সতেরো আঠারো উনিশ "
    "বিশ একুশ বাইশ তেইশ চব্বিশ পঁচিশ ছাব্বিশ সাতাশ আঠাশ ঊনত্রিশ ত্রিশ একত্রিশ বত্রিশ তেত্রিশ চৌত্রিশ "
    "পঁয়ত্রিশ ছত্রিশ সাঁইত্রিশ আটত্রিশ ঊনচল্লিশ চল্লিশ একচল্লিশ বিয়াল্লিশ তেতাল্লিশ চুয়াল্লিশ পঁয়তাল্লিশ "
    "ছেচল্লিশ সাতচল্লিশ আটচল্লিশ ঊনপঞ্চাশ পঞ্চাশ একান্ন বাহান্ন তিপ্পান্ন চুয়ান্ন পঞ্চান্ন ছাপ্পান্ন সাতান্ন "
    "আটান্ন ঊনষাট ষাট একষট্টি বাষট্টি তেষট্টি চৌষট্টি পঁয়ষট্টি ছেষট্টি সাতষট্টি আটষট্টি ঊনসত্তর সত্তর "
    "একাত্তর বাহাত্তর তিয়াত্তর চুয়াত্তর পঁচাত্তর ছিয়াত্তর সাতাত্তর আটাত্তর ঊনআশি আশি একাশি বিরাশি তিরাশি "
    "চুরাশি পঁচাশি ছিয়াশি সাতাশি অষ্টাশি ঊননব্বই নব্বই একানব্বই বিরানব্বই তিরানব্বই চুরানব্বই পঁচানব্বই "
    "ছিয়ানব্বই সাতানব্বই আটানব্বই নিরানব্বই"
).split()
_EN_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
).split()
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()

BELOW_HUNDRED = {
    "en": [_EN_ONES[n] if n < 20 else _EN_TENS[n // 10] + ("" if n % 10 == 0 else "-" + _EN_ONES[n % 10]) for n in range(100)],
    "hi": _HI,
    "mr": _MR,
    "bn": _BN,
}
# (value, word) from the largest: the Indian system.
SCALES = {
    "en": ((10**7, "crore"), (10**5, "lakh"), (1000, "thousand")),
    "hi": ((10**7, "करोड़"), (10**5, "लाख"), (1000, "हज़ार")),
    "mr": ((10**7, "कोटी"), (10**5, "लाख"), (1000, "हजार")),
    "bn": ((10**7, "কোটি"), (10**5, "লাখ"), (1000, "হাজার")),
}
POINT = {"en": "point", "hi": "दशमलव", "mr": "दशांश", "bn": "দশমিক"}


def _hundreds(h: int, language: str) -> str:
    """h x 100 for h in 1..9."""
    if language == "mr":
        return "शंभर" if h == 1 else f"{_MR[h]}शे"  # दोनशे, तीनशे ... (one word)
    if language == "bn":
        return {1: "একশো", 2: "দুশো"}.get(h, f"{_BN[h]}শো")
    if language == "hi":
        return f"{_HI[h]} सौ"
    return f"{_EN_ONES[h]} hundred"


def _below_thousand(n: int, language: str) -> str:
    words = BELOW_HUNDRED[language]
    h, rest = divmod(n, 100)
    if not h:
        return words[rest]
    head = _hundreds(h, language)
    if language == "mr" and h == 1 and rest:
        head = "एकशे"  # 101 is एकशे एक; 100 alone is शंभर
    return head if not rest else f"{head} {words[rest]}"


def cardinal(n: int, language: str = "en") -> str:
    """`n` (0 <= n < 10**12) in words: cardinal(129900, "hi") == "एक लाख उनतीस हज़ार नौ सौ"."""
    language = language if language in BELOW_HUNDRED else "en"
    if n < 0:
        raise ValueError("cardinal() takes a number >= 0")
    if n >= 10**12:
        raise ValueError("cardinal() takes a number below 10**12")
    if n < 1000:
        return _below_thousand(n, language)
    parts = []
    for value, word in SCALES[language]:
        count, n = divmod(n, value)
        if count:
            parts.append(f"{cardinal(count, language)} {word}")  # crores can count above 99
    if n:
        parts.append(_below_thousand(n, language))
    return " ".join(parts)


_EN_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                     "nine": "ninth", "twelve": "twelfth"}


def day_of_month(day: int, language: str = "en") -> str:
    """How a date's day is said: "twenty-fifth" in English (25th November), the cardinal in
    Hindi, Bengali and Marathi (पच्चीस नवंबर)."""
    if language in ("hi", "mr", "bn"):
        return cardinal(day, language)
    words = cardinal(day, "en")
    head, sep, last = words.rpartition("-")
    if last in _EN_ORDINAL_WORDS:
        last = _EN_ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return f"{head}{sep}{last}"


def decimal(whole: int, fraction: str, language: str = "en") -> str:
    """2.5 -> "two point five", digits after the point one by one."""
    language = language if language in BELOW_HUNDRED else "en"
    digits = " ".join(BELOW_HUNDRED[language][int(d)] for d in fraction)
    return f"{cardinal(whole, language)} {POINT[language]} {digits}"
