"""Text as it should be spoken, per language: order numbers and phone numbers digit by digit,
amounts in words and rupees, dates as a person says them, other numbers in words in Hindi,
Bengali and Marathi, symbols as words. TTS engines read "ORD-1042" as "ord ten forty-two", "₹"
not at all, and Festival's Hindi voice reads digits in English, so every reply goes through
`normalise` before synthesis. Pure: no settings, no I/O (numwords.py holds the number words)."""

from __future__ import annotations

import datetime as dt
import re

from .numwords import BELOW_HUNDRED, cardinal, day_of_month, decimal

DIGITS = {language: words[:10] for language, words in BELOW_HUNDRED.items()}
# Public number prefixes (orders.services) and how each language says them.
PREFIXES = {
    "ORD": {"en": "order", "hi": "ऑर्डर", "bn": "অর্ডার", "mr": "ऑर्डर"},
    "RET": {"en": "return", "hi": "रिटर्न", "bn": "রিটার্ন", "mr": "रिटर्न"},
    "TKT": {"en": "ticket", "hi": "टिकट", "bn": "টিকিট", "mr": "तिकीट"},
}
RUPEES = {"en": "rupees", "hi": "रुपये", "bn": "টাকা", "mr": "रुपये"}
RUPEE_ONE = {"en": "rupee", "hi": "रुपया", "bn": "টাকা", "mr": "रुपया"}
PAISE = {"en": "paise", "hi": "पैसे", "bn": "পয়সা", "mr": "पैसे"}
PERCENT = {"en": "percent", "hi": "प्रतिशत", "bn": "শতাংশ", "mr": "टक्के"}
PLUS = {"en": "plus", "hi": "प्लस", "bn": "প্লাস", "mr": "प्लस"}
AND_SIGN = {"en": "and", "hi": "और", "bn": "এবং", "mr": "आणि"}
MONTHS = {
    "en": "January February March April May June July August September October November December".split(),
    "hi": "जनवरी फ़रवरी मार्च अप्रैल मई जून जुलाई अगस्त सितंबर अक्टूबर नवंबर दिसंबर".split(),
    "bn": "জানুয়ারি ফেব্রুয়ারি মার্চ এপ্রিল মে জুন জুলাই আগস্ট সেপ্টেম্বর অক্টোবর নভেম্বর ডিসেম্বর".split(),
    "mr": "जानेवारी फेब्रुवारी मार्च एप्रिल मे जून जुलै ऑगस्ट सप्टेंबर ऑक्टोबर नोव्हेंबर डिसेंबर".split(),
}

_ID = re.compile(r"\b([A-Za-z]{2,5})[-#]?\s?(\d{3,12})\b")
# ₹1,299 / Rs. 1,299.50 / INR 1299 / 1,299 rupees is left to the number rule.
_MONEY = re.compile(r"(?:₹|\bRs\.?|\bINR)\s?(\d[\d,]*)(?:\.(\d{1,2}))?(?!\d)", re.IGNORECASE)
# Indian mobiles (+91 98765 43210, 098765-43210, 9876543210) and other long digit groups with a +.
_PHONE = re.compile(r"(?<![\w.])(\+\d{1,3}[\s-]?)?(\d[\d\s-]{8,14}\d)(?!\w|\.\d)")
_GROUPED = re.compile(r"(?<=\d),(?=\d)")
_PERCENT = re.compile(r"(\d)\s?%")
# 2026-11-25, and 25/11/2026 or 25-11-2026 (day first, as in India).
_ISO_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
_DMY_DATE = re.compile(r"(?<![\d/-])(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?![\d/-])")
_EN_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(MONTHS["en"]) + r")\b")
# A number standing on its own (not part of a word such as "4G" or "10वीं"), maybe with decimals.
_NUMBER = re.compile(r"(?<![\w.])(\d+)(?:\.(\d+))?(?![\w]|\.\d)")
_SPACES = re.compile(r"\s+")
_MARKDOWN = re.compile(r"[*_`#>]+")


def _lang(language: str) -> str:
    return language if language in DIGITS else "en"


def digits(number: str, language: str) -> str:
    words = DIGITS[_lang(language)]
    return " ".join(words[int(d)] for d in number if d.isdigit())


def _say_id(match: re.Match, language: str) -> str:
    prefix, number = match.group(1).upper(), match.group(2)
    spoken = PREFIXES.get(prefix, {}).get(language)
    if spoken is None:
        if not match.group(0)[len(match.group(1)) :].startswith(("-", "#")):
            return match.group(0)  # "iPhone 1500" is a word and a number, not an id
        spoken = " ".join(prefix)  # unknown code: letter by letter
    before = match.string[: match.start()].rstrip().lower()
    if before.endswith(spoken.lower()):
        return digits(number, language)  # "your order ORD-1042": say "order" once
    return f"{spoken} {digits(number, language)}"


def _say_money(match: re.Match, language: str) -> str:
    whole = int(match.group(1).replace(",", ""))
    paise = match.group(2)
    unit = RUPEE_ONE[language] if whole == 1 else RUPEES[language]
    spoken = f"{cardinal(whole, language)} {unit}"
    if paise and int(paise):
        spoken += f" {cardinal(int(paise.ljust(2, '0')), language)} {PAISE[language]}"
    return spoken


def _year(year: int, language: str) -> str:
    if language != "en" or 2000 <= year < 2010 or year % 100 == 0:
        return cardinal(year, language)
    return f"{cardinal(year // 100, 'en')} {cardinal(year % 100, 'en') if year % 100 >= 10 else 'oh ' + cardinal(year % 100, 'en')}"


def say_date(day: dt.date, language: str) -> str:
    """25 November 2026 as it is said: "twenty-fifth November twenty twenty-six",
    "पच्चीस नवंबर दो हज़ार छब्बीस"."""
    language = _lang(language)
    return f"{day_of_month(day.day, language)} {MONTHS[language][day.month - 1]} {_year(day.year, language)}"


def _say_date(match: re.Match, language: str, order: str) -> str:
    parts = dict(zip(order, (int(g) for g in match.groups())))
    try:
        day = dt.date(parts["y"], parts["m"], parts["d"])
    except ValueError:
        return match.group(0)  # not a date after all
    return say_date(day, language)


def _say_number(match: re.Match, language: str) -> str:
    whole, fraction = match.group(1), match.group(2)
    if len(whole) > 12 or (len(whole) > 1 and whole.startswith("0")):
        return digits(whole, language)  # a code, not a quantity: digit by digit
    return decimal(int(whole), fraction, language) if fraction else cardinal(int(whole), language)


def _say_phone(match: re.Match, language: str) -> str:
    country, body = match.group(1), match.group(2)
    raw = re.sub(r"\D", "", body)
    if not (10 <= len(raw) <= 13):
        return match.group(0)
    spoken = digits(raw, language)
    if country:
        spoken = f"{PLUS[language]} {digits(country, language)}, {spoken}"
    return spoken


def normalise(text: str, language: str = "en") -> str:
    """Rewrite `text` so a TTS voice in `language` (en/hi/bn/mr) reads it as a person would."""
    language = _lang(language)
    text = _MARKDOWN.sub(" ", text)
    text = _ISO_DATE.sub(lambda m: _say_date(m, language, "ymd"), text)
    text = _DMY_DATE.sub(lambda m: _say_date(m, language, "dmy"), text)
    text = _MONEY.sub(lambda m: _say_money(m, language), text)
    text = _PHONE.sub(lambda m: _say_phone(m, language), text)
    text = _ID.sub(lambda m: _say_id(m, language), text)
    text = _GROUPED.sub("", text)  # 1,00,000 and 100,000 -> 100000, read as one number
    text = _PERCENT.sub(lambda m: f"{m.group(1)} {PERCENT[language]}", text)
    text = text.replace("&", f" {AND_SIGN[language]} ")
    if language == "en":
        # English voices read numbers well; a date's day is an ordinal ("25th November").
        text = _EN_DAY_MONTH.sub(lambda m: f"{day_of_month(int(m.group(1)), 'en')} {m.group(2)}", text)
    else:
        text = _NUMBER.sub(lambda m: _say_number(m, language), text)
    return _SPACES.sub(" ", text).strip()
