"""Deterministic intents and entities for shopper turns in en, hi (incl. Hinglish), bn and mr.

Keywords from every language are matched whatever the turn's language, because shoppers mix
them ("mera order cancel karo", "অর্ডার ১০৪২ ক্যানসেল করে দিন"). Intents are decided by an
ordered list of rules: the more specific and the more consequential first (a human, a
complaint, a policy question) so that "refund policy" never starts a refund.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import lexicon as lx
from .catalog_words import PRODUCT_WORDS, QUERY_STOPWORDS, category_of, singular, translate
from .lang import detect_language
from .numbers import AMOUNT, END, START, amount_value, collapse_spoken_digits, digits_only, fold, fold_script, normalise

INTENTS = (
    "greet", "goodbye", "thanks", "track_order", "order_details", "cancel_order", "initiate_return",
    "return_status", "search_products", "product_details", "faq", "policy", "handoff", "complaint",
    "affirm", "deny", "provide_info", "smalltalk", "off_topic",
)
ORDER_INTENTS = ("track_order", "order_details", "cancel_order", "initiate_return")


@dataclass
class Parse:
    language: str
    intent: str
    entities: dict[str, Any] = field(default_factory=dict)


# --- entity patterns (on folded text, spoken digits already collapsed) ---------------------
_SKU = re.compile(rf"{START}sku[\s:#-]*([a-z0-9]+(?:-[a-z0-9]+)*)")
_ORD_PREFIXED = re.compile(rf"{START}(?:o\.? ?r\.? ?d\.?)[\s\-_.:#]*(\d{{3,8}}){END}")
_RET = re.compile(rf"{START}(?:r\.? ?e\.? ?t\.?)[\s\-_.:#]*(\d{{3,8}}){END}")
_ORDER_KW = re.compile(
    fold_script(lx.ORDER_WORD).replace("<", START).replace(">", END)
    + rf"\S*\s*(?:number|no\.?|num|#|id|नंबर|नम्बर|ক্রমিক|নম্বর|নাম্বার|क्रमांक)?\s*(?:is|है|:|আছে|आहे)?\s*(\d{{3,8}}){END}"
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

_TOKEN = re.compile(r"[a-z0-9\u0900-\u097f\u0980-\u09ff]+(?:['-][a-z0-9\u0900-\u097f\u0980-\u09ff]+)*")


def _fold_alt(alternatives: str) -> str:
    return "|".join(sorted((re.escape(fold(a)) for a in alternatives.split("|")), key=len, reverse=True))


_AFFIRM = re.compile(rf"(?:{_fold_alt(lx.AFFIRM_LEAD)})(?: (?:{_fold_alt(lx.AFFIRM_TAIL)}))*")
_DENY = re.compile(rf"(?:{_fold_alt(lx.DENY_LEAD)})(?: (?:{_fold_alt(lx.DENY_TAIL)}))*")
_ORDER_CTX = lx.rx(lx.ORDER_WORD.replace("(?:", "(", 1), r"<delivery", r"डिलीवरी", r"ডেলিভারি", r"डिलिव्हरी")


class _Text:
    """The folded turn plus a copy in which recognised entities are blanked out, so later
    patterns (prices, bare numbers, the product query) never read the same digits twice."""

    def __init__(self, text: str):
        t = normalise(text)
        t = re.sub(r"[।॥]", " ", t)
        self.full = collapse_spoken_digits(t)
        self.rest = self.full

    def take(self, start: int, end: int) -> None:
        self.rest = self.rest[:start] + " " * (end - start) + self.rest[end:]


def _phone_from_groups(text: _Text) -> str | None:
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


def _prices(text: _Text, ents: dict[str, Any]) -> None:
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


def _entities(text: _Text) -> dict[str, Any]:
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
    if "order_number" not in ents and (m := _ORDER_KW.search(text.rest)):
        ents["order_number"] = f"ORD-{m.group(1)}"
        text.take(m.start(1), m.end(1))
    if m := _RETURN_KW.search(text.rest):
        ents["_return_ref"] = m.group(1)
        text.take(m.start(1), m.end(1))
    _prices(text, ents)
    if m := _BARE.search(text.rest):
        # Left in the text: "boat rockerz 450" is a product name, "1042" alone an order number.
        ents["_bare"] = m.group(1)
    return ents


def _words(s: str) -> list[str]:
    return _TOKEN.findall(s)


def _is_only_ids(text: _Text, ents: dict[str, Any]) -> bool:
    if not any(k in ents for k in ("order_number", "return_number", "phone", "last4", "_bare", "_return_ref")):
        return False
    return all(w in lx.PROVIDE_FILLER or w == ents.get("_bare") for w in _words(text.rest))


def _classify(text: _Text, ents: dict[str, Any]) -> str:
    t = text.full
    bare = " ".join(_words(t))
    if not bare:
        return "provide_info" if ents else "off_topic"
    if _AFFIRM.fullmatch(bare):
        return "affirm"
    if _DENY.fullmatch(bare) or (len(bare.split()) <= 5 and lx.DENY_PHRASES.search(t) and not ents):
        return "deny"
    if _is_only_ids(text, ents):
        return "provide_info"
    if lx.HANDOFF.search(t):
        return "handoff"
    if lx.COMPLAINT_BILLING.search(t) or lx.COMPLAINT_DELIVERY.search(t) or lx.COMPLAINT_GENERAL.search(t):
        return "complaint"
    if _policy_kind(t) or lx.POLICY_WORD.search(t) and not ents:
        return "policy"
    has_return_word = lx.RETURN_WORD.search(t)
    if "return_number" in ents or (has_return_word and lx.STATUS_WORDS.search(t)):
        return "return_status"
    if lx.CANCEL.search(t):
        return "cancel_order"
    if lx.MONEY_BACK.search(t) and not _reason(t):
        return "return_status"
    if lx.RETURN_ACTION.search(t):
        return "initiate_return"
    if has_return_word:
        return "return_status"
    # A number said together with the phone on its order ("status of ... 1042, phone ending
    # 3123") is an order to verify even when the ASR misheard the word "order" ("water", "odor").
    order_ctx = "order_number" in ents or _ORDER_CTX.search(t) or ("_bare" in ents and ("last4" in ents or "phone" in ents))
    if order_ctx and lx.ORDER_DETAILS.search(t):
        return "order_details"
    if order_ctx and lx.TRACK.search(t):
        return "track_order"
    if "order_number" in ents:
        return "order_details"
    if lx.SMALLTALK.search(t):
        return "smalltalk"
    if "sku" not in ents and lx.FAQ.search(t):
        return "faq"
    if "sku" in ents or (lx.PRODUCT_DETAILS.search(t) and (_query(text) or _ordinal(t))):
        return "product_details"
    if lx.SEARCH.search(t) or "max_price" in ents or "min_price" in ents or _has_product_word(text):
        return "search_products"
    if lx.GOODBYE.search(t):
        return "goodbye"
    if lx.THANKS.search(t):
        return "thanks"
    if lx.GREET.search(t):
        return "greet"
    return "off_topic"


def _policy_kind(t: str) -> str | None:
    if lx.POLICY_WORD.search(t):
        for kind, pattern in lx.POLICY_KINDS:
            if pattern.search(t):
                return kind
    for kind, pattern in lx.POLICY_IMPLICIT:
        if pattern.search(t):
            return kind
    return None


def policy_kind_mentioned(text: str) -> str | None:
    """A policy kind named on its own ("returns", "वारंटी"), as an answer to "which policy?"."""
    t = normalise(text)
    for kind, pattern in lx.POLICY_KINDS:
        if pattern.search(t):
            return kind
    return None


def _ordinal(t: str) -> int | None:
    for n, pattern in lx.ORDINALS:
        if pattern.search(t):
            return n
    return None


def _query_words(text: _Text) -> list[str]:
    out: list[str] = []
    for word in _words(text.rest):
        if word in QUERY_STOPWORDS or word.isdigit() and len(word) < 2:
            continue
        if not word.isascii():
            word = translate(word) or word
        word = singular(word)
        if word not in out:
            out.append(word)
    return out


def _query(text: _Text) -> str:
    return " ".join(_query_words(text))


def _has_product_word(text: _Text) -> bool:
    return any(w in PRODUCT_WORDS or singular(w) in PRODUCT_WORDS for w in _query_words(text))


def _reason(t: str) -> str | None:
    for reason, pattern in lx.RETURN_REASONS:
        if pattern.search(t):
            return reason
    return None


def _complaint(t: str) -> tuple[str, str, str]:
    if lx.COMPLAINT_BILLING.search(t):
        return "billing", "refund_request" if re.search(r"refund|रिफंड|রিফান্ড", t) else "billing_issue", "high"
    if lx.COMPLAINT_DELIVERY.search(t):
        return "delivery", "delivery_complaint", "medium"
    return "general", "complaint", "medium"


def parse(text: str, language: str | None = None, *, expecting: str | None = None) -> Parse:
    """Read one turn. `expecting` names the slot the dialogue just asked for (order_number,
    phone, return_number), which decides what a bare number means."""
    lang = language or detect_language(text)
    t = _Text(text)
    ents = _entities(t)
    intent = _classify(t, ents)
    bare = ents.pop("_bare", None)
    return_ref = ents.pop("_return_ref", None)
    if intent in ("return_status", "provide_info") and return_ref and "return_number" not in ents:
        if intent == "return_status" or expecting == "return_number":
            ents["return_number"] = f"RET-{return_ref}"
            return_ref = None
    if intent in ORDER_INTENTS and "order_number" not in ents and (return_ref or bare):
        ents["order_number"] = f"ORD-{return_ref or bare}"
    elif intent == "return_status" and "return_number" not in ents and bare:
        ents["return_number"] = f"RET-{bare}"
    elif intent == "provide_info" and (bare or return_ref):
        number = bare or return_ref
        if expecting == "phone" and len(number) == 4:
            ents["last4"] = number
        elif expecting == "return_number" or (return_ref and not bare):
            ents["return_number"] = f"RET-{number}"
        elif "order_number" not in ents:
            ents["order_number"] = f"ORD-{number}"
    if intent in ("search_products", "product_details"):
        words = _query_words(t)
        ents["query"] = " ".join(words)
        if category := category_of(words):
            ents["category"] = category
        if intent == "product_details" and (n := _ordinal(t.full)):
            ents["ordinal"] = n
    elif intent == "initiate_return":
        if reason := _reason(t.full):
            ents["reason"] = reason
    elif intent == "policy":
        if kind := _policy_kind(t.full):
            ents["policy_kind"] = kind
    elif intent == "complaint":
        ents["scenario"], ents["crm_intent"], ents["priority"] = _complaint(t.full)
    elif intent == "faq":
        ents["faq_query"] = re.sub(r"\s+", " ", text).strip(" ?.!।")
    if intent not in ("search_products", "product_details"):
        ents.pop("min_price", None)
        ents.pop("max_price", None)
    return Parse(language=lang, intent=intent, entities=ents)


# What a parse asks of the tools on a fresh turn: the brain and the accuracy fixture share it.
def tool_plan(p: Parse) -> tuple[str | None, dict[str, Any]]:
    e = p.entities
    phone = e.get("phone") or e.get("last4")
    verify = {"phone": phone} if phone else {}
    if p.intent in ("track_order", "order_details", "cancel_order"):
        name = {"track_order": "track_order", "order_details": "get_order_details", "cancel_order": "cancel_order"}[p.intent]
        args = {"order_number": e["order_number"]} if "order_number" in e else {}
        return name, {**args, **verify} if args else {}
    if p.intent == "initiate_return":
        args = {"order_number": e["order_number"]} if "order_number" in e else {}
        if "reason" in e:
            args["reason"] = e["reason"]
        return "initiate_return", {**args, **verify} if "order_number" in args else args
    if p.intent == "return_status":
        return "get_return_status", ({"return_number": e["return_number"], **verify} if "return_number" in e else {})
    if p.intent in ("search_products", "product_details"):
        if p.intent == "product_details" and ("sku" in e or not e.get("query")):
            return "get_product_details", ({"sku": e["sku"]} if "sku" in e else {})
        args: dict[str, Any] = {"query": e.get("query", "")}
        for key in ("min_price", "max_price"):
            if key in e:
                args[key] = e[key]
        return "search_products", args
    if p.intent == "faq":
        return "search_faqs", {"query": e.get("faq_query", "")}
    if p.intent == "policy":
        return "get_policy", ({"kind": e["policy_kind"]} if "policy_kind" in e else {})
    if p.intent == "complaint":
        return "create_crm_record", {"scenario": e["scenario"], "intent": e["crm_intent"], "priority": e["priority"]}
    if p.intent == "handoff":
        return "handoff_to_human", {}
    return None, {}
