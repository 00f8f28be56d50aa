"""Phone numbers as shoppers say and type them, normalised to E.164 (+91 for India)."""

import re

from voxsite.core.api_input import WS_CHARS

_SEPARATORS = re.compile(r"[\s\-.()/]")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
INDIA = "91"


def phone_normalize(raw: str) -> str:
    """'98765 43210', '+91-98765-43210', '09876543210', '919876543210' -> '+919876543210'.

    Numbers with another country code are kept if they are valid E.164. Raises ValueError for
    anything that is not a phone number."""
    if not isinstance(raw, str):
        raise ValueError("A phone number must be text.")
    text = _SEPARATORS.sub("", raw.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+"):
        digits = text[1:]
        if not digits.isascii() or not digits.isdigit():
            raise ValueError(f"Not a phone number: {raw!r}")
        if digits.startswith(INDIA):
            return _india(digits[len(INDIA):], raw)
        if not _E164.match(text):
            raise ValueError(f"Not a phone number: {raw!r}")
        return text
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"Not a phone number: {raw!r}")
    if len(text) == 12 and text.startswith(INDIA):
        return _india(text[2:], raw)
    if len(text) == 11 and text.startswith("0"):
        return _india(text[1:], raw)
    return _india(text, raw)


def _phone_pattern() -> str:
    """The text `phone_normalize` accepts, as one regular expression (for the API schema, where a
    query parameter must say which values it takes). Built from the same rules: separators anywhere,
    "+" or "00" before a country code, India's ten digits with or without 91 or a leading 0."""
    sep = rf"[{WS_CHARS}\-.()/]*"  # _SEPARATORS, any number of them between any two characters

    def digits(low: int, high: int) -> str:
        return f"(?:{sep}[0-9]){{{low},{high}}}"

    national = "[1-9]" + digits(9, 9)
    international = rf"(?:\+|0{sep}0){sep}"
    # E.164 (8-15 digits, no leading 0) for any country but India, whose numbers must be national.
    other = f"(?:[1-8]{digits(7, 14)}|9{sep}[02-9]{digits(6, 13)})"
    forms = [international + f"9{sep}1{sep}" + national, international + other,
             f"9{sep}1{sep}" + national, f"0{sep}" + national, national]
    return f"^{sep}(?:{'|'.join(forms)}){sep}$"


PHONE_PATTERN = _phone_pattern()


def _india(national: str, raw: str) -> str:
    # Indian numbers have ten digits after the country code (mobiles and landlines with STD code).
    if len(national) != 10 or national[0] == "0":
        raise ValueError(f"Not an Indian phone number (ten digits expected): {raw!r}")
    return "+" + INDIA + national
