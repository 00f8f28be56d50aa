"""Reply templates in en, hi, bn and mr, and the formatting of prices, dates and statuses.

Prices stay as "₹1,299" and order numbers as "ORD-1042" in every language: speech
normalisation (how a voice reads them out) happens later in the pipeline.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import InvalidOperation
from types import ModuleType

from voxsite.core.money import format_inr

from . import bn, en, hi, mr

LANGUAGES: dict[str, ModuleType] = {"en": en, "hi": hi, "bn": bn, "mr": mr}
KEYS = frozenset(en.TEMPLATES)


def _module(language: str) -> ModuleType:
    return LANGUAGES.get(language, en)


def render(key: str, language: str, **kwargs) -> str:
    """The reply `key` in `language` (English when the language is unknown). Raises KeyError
    for an unknown key: a typo must fail in tests, not speak a blank."""
    template = _module(language).TEMPLATES.get(key) or en.TEMPLATES[key]
    return template.format(**kwargs)


def openings(language: str) -> list[str]:
    """The fixed words each reply of `language` begins with, up to its first placeholder ("I found
    1 option: ", "To keep your account safe, please tell me..."): what a voice can have ready
    before any shopper asks."""
    heads = (template.split("{", 1)[0].strip() for template in _module(language).TEMPLATES.values())
    return sorted({head for head in heads if head})


def inr(value) -> str:
    """₹ with Indian digit grouping and no paise when whole: 16999.00 -> ₹16,999; 123456 -> ₹1,23,456."""
    try:
        return format_inr(value)
    except (InvalidOperation, ValueError):
        return str(value)


def date(value, language: str) -> str:
    """"2026-11-25" -> "25 November" (month name in the language); unparseable dates pass through."""
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{day.day} {_module(language).MONTHS[day.month - 1]}"


def order_status(code: str, language: str, fallback: str = "") -> str:
    return _module(language).ORDER_STATUS.get(code) or fallback or code.replace("_", " ")


def return_status(code: str, language: str, fallback: str = "") -> str:
    return _module(language).RETURN_STATUS.get(code) or fallback or code.replace("_", " ")


def join(items: list[str], language: str) -> str:
    return _module(language).LIST_JOIN.join(items)


def positive(amount) -> bool:
    """Is there money to mention (a refund of ₹0 is not worth saying)?"""
    try:
        return float(amount) > 0
    except (TypeError, ValueError):
        return False


TEXT_ITEMS, SPOKEN_ITEMS = 3, 2


def short_name(name: str) -> str:
    """A product name as a person would say it: "Ambrane 20000 mAh Power Bank, 22.5 W Fast
    Charging" -> "Ambrane 20000 mAh Power Bank", "Samsung Galaxy M34 5G (6 GB RAM, 128 GB)" ->
    "Samsung Galaxy M34 5G"."""
    head = re.split(r"\s*[(,|]|\s+-\s+", name or "", maxsplit=1)[0].strip()
    words = head.split()
    return " ".join(words[:4]) if words else (name or "")


def search_results(products: list[dict], count: int, language: str, *, spoken: bool = False,
                   complete: bool = True) -> list[str]:
    """The answer to a product search: how many were found, in each language's plural, and the
    best three with price and stock; spoken, the best two under their short names, joined with
    "and". `complete` False: none matched every word, so they are offered as the closest."""
    shown = products[:SPOKEN_ITEMS if spoken else TEXT_ITEMS]
    if complete:
        shown = shown[:max(count, 1)]  # the products that matched every word, not the near misses after them
    items = []
    for p in shown:
        name = short_name(p.get("name", "")) if spoken else p.get("name", "")
        stock = render("stock_in" if p.get("in_stock") else "stock_out", language)
        items.append(f"{render('price_item', language, name=name, price=inr(p.get('price', '')))}, {stock}")
    if spoken and len(items) > 1:
        listed = f"{', '.join(items[:-1])}, {_module(language).AND} {items[-1]}"
    else:
        listed = "; ".join(items)
    if not complete:
        key = "search_closest_one" if len(shown) == 1 else "search_closest_many"
    elif count <= 1:
        key = "search_found_one"
    else:
        key = "search_found_many" if count <= len(shown) else "search_found_top"
    more = "search_more_one" if len(shown) == 1 else "search_more"
    return [render(key, language, count=count, items=listed), render(more, language)]


_SENTENCE_END = re.compile(r"(?<=[.!?।])\s+")


def sentences(text: str) -> list[str]:
    """Prose from the shop's data (FAQ answers, policies) split so it streams sentence by sentence."""
    return [s for s in _SENTENCE_END.split((text or "").strip()) if s]
