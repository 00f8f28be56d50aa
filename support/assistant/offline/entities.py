"""Entities in a shopper's turn: order, return and SKU numbers, phone numbers (whole or last four
digits), price limits, and the numbers left over. Works on folded text with spoken digits already
collapsed (numbers.py), and blanks out what it recognises so that later readers (prices, bare
numbers, the product query) never read the same digits twice."""

from __future__ import annotations

import re
from typing import Any

from . import lexicon as lx
from .numbers import AMOUNT, END, START, amount_value, collapse_spoken_digits, digits_only, fold, fold_script, normalise

# --- entity patterns (on folded text, spoken digits already collapsed) ---------------------
_SKU = re.compile(rf"{START}sku[\s:#-]*([a-z0-9]+(?:-[a-z0-9]+)*)")
_ORD_PREFIXED = re.compile(rf"{START}(?:o\.? ?r\.? ?d\.?)[\s\-_.:#]*(\d{{3,8}}){END}")
_RET = re.compile(rf"{START}(?:r\.? ?e\.? ?t\.?)[\s\-_.:#]*(\d{{3,8}}){END}")
_ORDER_KW = re.compile(
    fold_script(lx.ORDER_WORD).replace("<", START).replace(">", END)
    + rf"\S*\s*(?:number|no\.?|num|#|id|नंबर|नम्बर|ক্রমিক|নম্বর|নাম্বার|क्रमांक)?\s*(?:is|है|:|আছে|आहे)?\s*(\d{{3,8}}){END}"
)
# "order 10 50": an order number said in two halves.
_ORDER_KW_HALVES = re.compile(
    fold_script(lx.ORDER_WORD).replace("<", START).replace(">", END)
    + rf"\S*\s*(?:number|no\.?|num|#|नंबर|নম্বর|क्रमांक)?\s*(\d{{2}})[\s-](\d{{2}}){END}"
)
# "1020 ऑर्डरचा", "1053 wala order", "১০৩৫ নম্বর অর্ডার": the number before the word.
_ORDER_KW_AFTER = re.compile(
    rf"{START}(\d{{3,8}})(?:\s+\S+){{0,2}}?\s*" + fold_script(lx.ORDER_WORD).replace("<", START).replace(">", END)
)
_RETURN_KW = re.compile(
    rf"{START}(?:returns?|refund|रिटर्न|রিটার্ন)\S*\s*(?:number|no\.?|id|नंबर|নম্বর|for|का|की|চে|चे)?\s*(?:is)?\s*(\d{{3,8}}){END}"
)
_LAST4 = re.compile(
    rf"{START}(?:last|आखिरी|अंतिम|शेवटच|শেষ|ending|ends|akhri|aakhri)\S*(?:\s+\S+){{0,4}}?\s+(\d{{4}}){END}"
)
# "phone 3210", "my mobile is 3210": four digits after a phone word are its last four.
_PHONE_LAST4 = re.compile(
    rf"{START}(?:phone|mobile|cell|फोन|मोबाइल|मोबाईल|ফোন|মোবাইল)\S*\s*(?:number|no\.?|नंबर|নম্বর)?\s*"
    rf"(?:is|है|:|আছে|आहे)?\s*(\d{{4}}){END}"
)
_DIGIT_GROUPS = re.compile(r"\+?\d+")
_BARE = re.compile(rf"{START}(\d{{3,8}}){END}")

_CURRENCY = r"(?:rupees?|rs\.?|inr|₹|रुपय\S*|रुपए|টাকা\S*|रुपयां\S*)"
_MAX_AFTER = lx.rx(
    r"se kam", r"se neeche", r"se niche", r"ke andar", r"ke neeche", r"tak>", r"or less", r"and below", r"max>",
    r"से कम", r"से नीचे", r"के अंदर", r"के भीतर", r"तक>", r"মধ্যে", r"নিচে", r"কমে", r"পর্যন্ত",
    r"पेक्षा कमी", r"च्या आत", r"आत>", r"पर्यंत", r"पेक्षा स्वस्त",
)
_MIN_AFTER = lx.rx(r"se zyada", r"se jyada", r"se upar", r"and above", r"or more", r"plus>", r"से ज्यादा",
                   r"से ऊपर", r"से अधिक", r"এর বেশি", r"বেশি", r"উপরে", r"ওপরে", r"पेक्षा जास्त", r"च्या वर")
_MAX_BEFORE = lx.rx(r"<under", r"<below", r"<less than", r"<within", r"<up ?to", r"<max(imum)?", r"<not more than",
                    r"<budget( is| of)?", r"<cheaper than", r"<upto")
_MIN_BEFORE = lx.rx(r"<above", r"<over", r"<more than", r"<at least", r"<starting( from| at)?", r"<min(imum)?")
_RANGE_JOIN = lx.rx(r"and", r"to", r"-", r"se", r"से", r"থেকে", r"ते", r"ও")


class Text:
    """The folded turn plus a copy in which recognised entities are blanked out, so later
    patterns (prices, bare numbers, the product query) never read the same digits twice.

    Product features whose words are action words ("noise-cancelling") are blanked from both and
    kept in `features`: they describe a product, they do not ask to cancel anything."""

    def __init__(self, text: str):
        t = normalise(text)
        t = re.sub(r"[।॥]", " ", t)
        self.features: list[str] = []
        for name, pattern in lx.FEATURES:
            if pattern.search(t):
                self.features.append(name)
                t = pattern.sub(lambda m: " " * len(m.group()), t)
        self.full = collapse_spoken_digits(t)
        self.rest = self.full

    def take(self, start: int, end: int) -> None:
        self.rest = self.rest[:start] + " " * (end - start) + self.rest[end:]


def _phone_from_groups(text: Text) -> str | None:
    groups = list(_DIGIT_GROUPS.finditer(text.rest))
    for i in range(len(groups)):
        digits, end = "", i
        for j in range(i, len(groups)):
            if j > i and not re.fullmatch(r"[\s-]*", text.rest[groups[j - 1].end():groups[j].start()]):
                break
            digits += digits_only(groups[j].group())
            end = j
            candidate = digits
            if len(candidate) == 12 and candidate.startswith("91"):
                candidate = candidate[2:]
            elif len(candidate) == 11 and candidate.startswith("0"):
                candidate = candidate[1:]
            if len(candidate) == 10 and candidate[0] in "6789" and len(digits) in (10, 11, 12):
                text.take(groups[i].start(), groups[end].end())
                return candidate
            if len(digits) > 12:
                break
    return None


def _prices(text: Text, ents: dict[str, Any]) -> None:
    matches = [(m, amount_value(m)) for m in AMOUNT.finditer(text.rest)]
    matches = [(m, v) for m, v in matches if v]
    for (m1, v1), (m2, v2) in zip(matches, matches[1:]):
        between = text.rest[m1.end():m2.start()].strip()
        if _RANGE_JOIN.fullmatch(fold(between) or "x") or re.fullmatch(rf"{_CURRENCY}?\s*(?:and|to|-|से|থেকে|ते)", between):
            lo, hi = sorted((v1, v2))
            ents["min_price"], ents["max_price"] = _num(lo), _num(hi)
            text.take(m1.start(), m2.end())
            return
    for m, value in matches:
        before = text.rest[max(0, m.start() - 30):m.start()]
        after = text.rest[m.end():m.end() + 40]
        after_marker = re.match(rf"\S*?\s*(?:{_CURRENCY}\s*)?(?:{_MAX_AFTER.pattern}|(?P<min>{_MIN_AFTER.pattern}))", after)
        if re.search(rf"(?:{_MAX_BEFORE.pattern})\s*$", before):
            ents["max_price"] = _num(value)
        elif re.search(rf"(?:{_MIN_BEFORE.pattern})\s*$", before):
            ents["min_price"] = _num(value)
        elif after_marker:
            ents["min_price" if after_marker.group("min") else "max_price"] = _num(value)
        else:
            continue
        end = m.end() + (after_marker.end() if after_marker else 0)
        text.take(m.start(), end)


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def entities(text: Text) -> dict[str, Any]:
    ents: dict[str, Any] = {}
    if m := _SKU.search(text.rest):
        code = m.group(1).upper()
        ents["sku"] = code if re.search(r"[A-Z]", code) else f"SKU-{code}"
        text.take(m.start(), m.end())
    if m := _ORD_PREFIXED.search(text.rest):
        ents["order_number"] = f"ORD-{m.group(1)}"
        text.take(m.start(), m.end())
    if m := _RET.search(text.rest):
        ents["return_number"] = f"RET-{m.group(1)}"
        text.take(m.start(), m.end())
    if m := _LAST4.search(text.rest):
        ents["last4"] = m.group(1)
        text.take(m.start(), m.end())
    if phone := _phone_from_groups(text):
        ents["phone"] = phone
    elif "last4" not in ents and (m := _PHONE_LAST4.search(text.rest)):
        ents["last4"] = m.group(1)
        text.take(m.start(1), m.end(1))
    if "order_number" not in ents and (m := _ORDER_KW_HALVES.search(text.rest)):
        ents["order_number"] = f"ORD-{m.group(1)}{m.group(2)}"
        text.take(m.start(1), m.end(2))
    if "order_number" not in ents and (m := _ORDER_KW.search(text.rest) or _ORDER_KW_AFTER.search(text.rest)):
        ents["order_number"] = f"ORD-{m.group(1)}"
        text.take(m.start(1), m.end(1))
    if m := _RETURN_KW.search(text.rest):
        ents["_return_ref"] = m.group(1)
        text.take(m.start(1), m.end(1))
    _prices(text, ents)
    numbers = [m.group(1) for m in _BARE.finditer(text.rest)]
    if numbers:
        # Left in the text: "boat rockerz 450" is a product name, "1042" alone an order number.
        ents["_bare"] = numbers[0]
        ents["_numbers"] = numbers
    return ents
