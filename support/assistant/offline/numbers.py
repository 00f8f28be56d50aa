"""Numbers as shoppers say them and as an ASR writes them, in four scripts.

Two jobs: turn spoken digit strings ("one zero four two", "एक शून्य चार दो") into digits so the
entity patterns only deal with ASCII digits, and read money amounts ("2k", "₹2,000",
"दस हज़ार", "দশ হাজার") for price limits.
"""

from __future__ import annotations

import re
import unicodedata

# Letters of the three scripts, including vowel signs (which \w does not cover).
LETTER = r"0-9a-z_\u0900-\u097f\u0980-\u09ff"
START = rf"(?<![{LETTER}])"
END = rf"(?![{LETTER}])"

_INDIC_DIGITS = str.maketrans("०१२३४५६७८९০১২৩৪৫৬৭৮৯", "01234567890123456789")


def fold_script(text: str) -> str:
    """One form per Indic character: nuktas dropped and chandrabindu folded, because shoppers
    and ASRs write फ़ोन and फोन, हाँ and हां, interchangeably. Leaves case alone (regexes)."""
    text = unicodedata.normalize("NFD", text or "")
    text = text.replace("\u093c", "").replace("\u09bc", "").replace("\u0901", "\u0902")
    return unicodedata.normalize("NFC", text)


def normalise(text: str) -> str:
    """Lowercase, one form per character, ASCII digits, no thousands separators."""
    text = fold_script(text).translate(_INDIC_DIGITS).lower()
    text = re.sub(r"(?<=\d),(?=\d)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def fold(word: str) -> str:
    """Normalise a lexicon entry exactly like input text."""
    return normalise(word)


_DIGIT_WORDS_RAW = {
    "0": "zero oh shunya shoonya sunya शून्य जीरो ज़ीरो শূন্য জিরো",
    "1": "one ek एक এক",
    "2": "two do दो दोन দুই দুই",
    "3": "three teen tin तीन তিন",
    "4": "four char chaar chaar चार চার",
    "5": "five paanch panch पांच पाँच पाच পাঁচ পাচ",
    "6": "six chhe che chheh chhah chah cheh छह छः छे सहा ছয় ছয়",
    "7": "seven saat सात সাত",
    "8": "eight aath आठ আট",
    "9": "nine nau नौ नऊ নয় নয়",
}
DIGIT_WORDS: dict[str, str] = {}
for _digit, _words in _DIGIT_WORDS_RAW.items():
    for _w in _words.split():
        DIGIT_WORDS[fold(_w)] = _digit
# Only inside a run of other digits: "one zero for two" as an ASR may write it.
_WEAK_DIGITS = {"o": "0", "for": "4", "to": "2", "too": "2"}
_REPEAT = {"double": 2, "triple": 3, "डबल": 2, "ट्रिपल": 3, "ডাবল": 2, "ট্রিপল": 3}

_TOKEN = re.compile(rf"[{LETTER}\u200c\u200d]+|[^{LETTER}\s]+")


def _digit_of(tok: str) -> str | None:
    if tok in DIGIT_WORDS:
        return DIGIT_WORDS[tok]
    if len(tok) == 1 and tok.isdigit():
        return tok
    return None


_HYPHENATED_DIGITS = re.compile(r"(?<![\d-])\d(?:-\d){2,}(?![\d-])")
# "ten thirty seven", "ten oh five": four-digit numbers read as two pairs, as people say order numbers.
_TEENS = {w: n for n, w in enumerate("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split(), 10)}
_TENS = {w: n for n, w in zip(range(20, 100, 10), "twenty thirty forty fifty sixty seventy eighty ninety".split())}
_UNITS = {w: n for n, w in enumerate("one two three four five six seven eight nine".split(), 1)}
_FIRST = {**_TEENS, **_TENS}
_PAIRS = re.compile(
    rf"(?<![{LETTER}])({'|'.join(_FIRST)})[\s-]+(?:({'|'.join(_TENS)}|{'|'.join(_TEENS)})(?:[\s-]+({'|'.join(_UNITS)}))?"
    rf"|(?:oh|o|zero)[\s-]+({'|'.join(_UNITS)}))(?![{LETTER}])"
)


def _pair(match: re.Match) -> str:
    """"ten forty two" -> 1042, "twenty ten" -> 2010, "twenty oh nine" -> 2009 ("twenty five" is left alone)."""
    first = _FIRST[match.group(1)]
    if match.group(2):
        second = _FIRST[match.group(2)] + _UNITS.get(match.group(3) or "", 0)
    else:
        second = _UNITS[match.group(4)]
    return f"{first}{second:02d}"


def _thousand_and(match: re.Match) -> str:
    """"one thousand fifty", "एक हज़ार पचास" -> 1050 (an order number said as a cardinal)."""
    rest = SMALL_NUMBERS.get(match.group(2), 0) + SMALL_NUMBERS.get(match.group(3) or "", 0)
    return str(SMALL_NUMBERS[match.group(1)] * 1000 + rest)


def collapse_spoken_digits(text: str) -> str:
    """Replace runs of three or more spoken digits with the digit string.

    A lone "एक" or "do" is a word ("kar do"), so runs shorter than three are left alone; a
    multi-digit numeral never joins a run ("last four 3210" stays as it is)."""
    # "1-0-4-2", as an ASR writes digits read out one by one.
    text = _HYPHENATED_DIGITS.sub(lambda m: m.group().replace("-", ""), text)
    text = _PAIRS.sub(_pair, text)
    text = _THOUSAND_AND.sub(_thousand_and, text)
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(tokens):
        j = i
        digits = ""
        words = 0
        while j < len(tokens):
            tok = tokens[j][0]
            d = _digit_of(tok)
            if d is None and tok in _REPEAT and j + 1 < len(tokens) and _digit_of(tokens[j + 1][0]):
                digits += _digit_of(tokens[j + 1][0]) * _REPEAT[tok]
                words += 2
                j += 2
                continue
            if d is None and tok in _WEAK_DIGITS and digits and j + 1 < len(tokens) and (
                _digit_of(tokens[j + 1][0]) or tokens[j + 1][0] in _WEAK_DIGITS
            ):
                d = _WEAK_DIGITS[tok]
            if d is None and tok in ("-", ",") and digits and j + 1 < len(tokens) and _digit_of(tokens[j + 1][0]):
                # "nine eight seven six five, four three..." : a breath between groups
                j += 1
                continue
            if d is None:
                break
            digits += d
            words += not tok.isdigit()
            j += 1
        # Spoken words ("one zero four two") or single digits spaced out ("3 0 0 2"), three or more.
        if len(digits) >= 3 and (words or len(digits) >= 4):
            start, end = tokens[i][1], tokens[j - 1][2]
            out.append(text[pos:start])
            out.append(digits)
            pos = end
            i = j
        else:
            i += 1
    out.append(text[pos:])
    return "".join(out)


# Small cardinal numbers that precede "thousand"/"हज़ार"/"হাজার" in price talk.
_SMALL_RAW = {
    1: "one ek एक এক", 2: "two do दो दोन দুই", 3: "three teen तीन তিন", 4: "four char चार চার",
    5: "five paanch पांच पाच পাঁচ", 6: "six chhe छह सहा ছয়", 7: "seven saat सात সাত",
    8: "eight aath आठ আট", 9: "nine nau नौ नऊ নয়", 10: "ten das दस दहा দশ",
    15: "fifteen pandrah पंद्रह पंधरा পনেরো", 20: "twenty bees बीस वीस কুড়ি বিশ",
    25: "twenty-five pachees पच्चीस पंचवीस পঁচিশ", 30: "thirty tees तीस तीस ত্রিশ",
    40: "forty chalis चालीस चाळीस চল্লিশ", 50: "fifty pachas पचास पन्नास পঞ্চাশ",
}
SMALL_NUMBERS = {fold(w): n for n, ws in _SMALL_RAW.items() for w in ws.split()}
_MULT_RAW = {
    1000: "k thousand hazar hazaar hajar हजार হাজার",
    100000: "lakh lac lakhs लाख লাখ",
    100: "hundred sau सौ शंभर শো",
}
MULTIPLIERS = {fold(w): n for n, ws in _MULT_RAW.items() for w in ws.split()}
_MULT_ALT = "|".join(sorted((re.escape(w) for w in MULTIPLIERS), key=len, reverse=True))
_SMALL_ALT = "|".join(sorted((re.escape(w) for w in SMALL_NUMBERS), key=len, reverse=True))

# "2k", "1.5 lakh", "15 हजार", "दस हज़ार", "দশ হাজার"; the multiplier may carry a case ending
# ("हजारांपेक्षा"), hence no end boundary after Indic multipliers.
AMOUNT = re.compile(
    rf"(?:₹|rs\.?|inr)?\s*{START}(?:(?P<num>\d+(?:\.\d+)?)|(?P<word>{_SMALL_ALT}))"
    rf"(?:\s*(?P<mult>{_MULT_ALT})(?:(?<=[a-z])(?![a-z])|(?<![a-z])))?"
)


def amount_value(match: re.Match) -> float | None:
    if match.group("num"):
        value = float(match.group("num"))
    else:
        value = float(SMALL_NUMBERS[match.group("word")])
        if not match.group("mult"):
            return None  # "two kurtas" is a quantity, not a price
    if match.group("mult"):
        value *= MULTIPLIERS[match.group("mult")]
    return value


def digits_only(text: str) -> str:
    return re.sub(r"\D", "", text)

_SMALL_ALT_WORDS = "|".join(sorted((re.escape(w) for w in SMALL_NUMBERS if not w.isdigit()), key=len, reverse=True))
_THOUSAND_WORDS = "|".join(re.escape(fold(w)) for w in "thousand hazar hazaar हजार হাজার".split())
# Only with a number after it: "one thousand rupees" stays a price.
_THOUSAND_AND = re.compile(
    rf"(?<![{LETTER}])({_SMALL_ALT_WORDS})\s+(?:{_THOUSAND_WORDS})\s+(?:and\s+)?({_SMALL_ALT_WORDS})"
    rf"(?:[\s-]+({_SMALL_ALT_WORDS}))?(?![{LETTER}])(?!\s+(?:hundred|sau|सौ|শো|शंभर))"
)
