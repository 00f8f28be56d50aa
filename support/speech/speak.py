"""Text as it should be spoken, per language: order numbers and phone numbers digit by digit,
prices in rupees, symbols as words. TTS engines read "ORD-1042" as "ord ten forty-two" and "₹"
not at all, so every reply goes through `normalise` before synthesis."""

from __future__ import annotations

import re

DIGITS = {
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
    "hi": ["शून्य", "एक", "दो", "तीन", "चार", "पाँच", "छह", "सात", "आठ", "नौ"],
    "bn": ["শূন্য", "এক", "দুই", "তিন", "চার", "পাঁচ", "ছয়", "সাত", "আট", "নয়"],
    "mr": ["शून्य", "एक", "दोन", "तीन", "चार", "पाच", "सहा", "सात", "आठ", "नऊ"],
}
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

_ID = re.compile(r"\b([A-Za-z]{2,5})[-#]?\s?(\d{3,12})\b")
# ₹1,299 / Rs. 1,299.50 / INR 1299 / 1,299 rupees is left to the number rule.
_MONEY = re.compile(r"(?:₹|\bRs\.?|\bINR)\s?(\d[\d,]*)(?:\.(\d{1,2}))?(?!\d)", re.IGNORECASE)
# Indian mobiles (+91 98765 43210, 098765-43210, 9876543210) and other long digit groups with a +.
_PHONE = re.compile(r"(?<![\w.])(\+\d{1,3}[\s-]?)?(\d[\d\s-]{8,14}\d)(?!\w|\.\d)")
_GROUPED = re.compile(r"(?<=\d),(?=\d)")
_PERCENT = re.compile(r"(\d)\s?%")
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
    whole = match.group(1).replace(",", "")
    paise = match.group(2)
    unit = RUPEE_ONE[language] if whole == "1" else RUPEES[language]
    spoken = f"{whole} {unit}"
    if paise and int(paise):
        spoken += f" {int(paise.ljust(2, '0'))} {PAISE[language]}"
    return spoken


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
    text = _MONEY.sub(lambda m: _say_money(m, language), text)
    text = _PHONE.sub(lambda m: _say_phone(m, language), text)
    text = _ID.sub(lambda m: _say_id(m, language), text)
    text = _GROUPED.sub("", text)  # 1,00,000 and 100,000 -> 100000, read as one number
    text = _PERCENT.sub(lambda m: f"{m.group(1)} {PERCENT[language]}", text)
    text = text.replace("&", f" {AND_SIGN[language]} ")
    return _SPACES.sub(" ", text).strip()
