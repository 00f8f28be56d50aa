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
from .entities import Text, entities
from .numbers import fold, normalise
from .yesno import confirmation

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
    # What else the words say, for the dialogue: every number left over (in order), a correction
    # ("no, I meant..."), a yes/no, a time question, a phone word, a pointer at a listed product.
    numbers: list[str] = field(default_factory=list)
    cues: frozenset[str] = frozenset()
    answer: str | None = None  # yesno.confirmation(): "yes", "no" or None
    ordinal: int | None = None


_TOKEN = re.compile(r"[a-z0-9\u0900-\u097f\u0980-\u09ff]+(?:['-][a-z0-9\u0900-\u097f\u0980-\u09ff]+)*")


def _fold_alt(alternatives: str) -> str:
    return "|".join(sorted((re.escape(fold(a)) for a in alternatives.split("|")), key=len, reverse=True))


_AFFIRM = re.compile(rf"(?:{_fold_alt(lx.AFFIRM_LEAD)})(?: (?:{_fold_alt(lx.AFFIRM_TAIL)}))*")
_DENY = re.compile(rf"(?:{_fold_alt(lx.DENY_LEAD)})(?: (?:{_fold_alt(lx.DENY_TAIL)}))*")
_ORDER_CTX = lx.rx(lx.ORDER_WORD.replace("(?:", "(", 1), r"<delivery", r"डिलीवरी", r"ডেলিভারি", r"डिलिव्हरी")


def _words(s: str) -> list[str]:
    return _TOKEN.findall(s)


def _is_only_ids(text: Text, ents: dict[str, Any]) -> bool:
    if not any(k in ents for k in ("order_number", "return_number", "phone", "last4", "_bare", "_return_ref")):
        return False
    if "order_number" in ents and "return_number" not in ents and lx.RETURN_ACTION.search(text.full):
        return False  # "return ORD-1029 please" asks for a return; "return number 2001" only gives one
    return all(w in lx.PROVIDE_FILLER or w == ents.get("_bare") for w in _words(text.rest))


def _classify(text: Text, ents: dict[str, Any]) -> str:
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
    numbered = any(k in ents for k in ("order_number", "return_number", "_bare", "_return_ref"))
    # "How many days does a refund take?" asks about the shop's rules, not about one return.
    refund = lx.REFUND_WORD.search(t) or lx.MONEY_BACK.search(t)
    if refund and (lx.TIME_QUESTION.search(t) or lx.HOW_QUESTION.search(t)) and not numbered and not lx.POLICY_WORD.search(t):
        ents["faq_query"] = lx.REFUND_TIME_QUERY
        return "faq"
    # "ORD-1020's refund?", "1020 ऑर्डरचा रिफंड झाला का": the order's own refund (track shows it).
    if refund and "order_number" in ents and "return_number" not in ents and not _reason(t):
        return "track_order"
    if _policy_kind(t) or lx.POLICY_WORD.search(t) and not ents:
        return "policy"
    has_return_word = lx.RETURN_WORD.search(t)
    if "return_number" in ents or (has_return_word and lx.STATUS_WORDS.search(t)):
        if lx.REFUND_WORD.search(t) and "order_number" in ents and "return_number" not in ents:
            return "track_order"  # "ORD-1020's refund?": the order's own refund
        return "return_status"
    if lx.NEGATED_ACTION.search(t):
        return "deny"
    if lx.CANCEL.search(t):
        return "cancel_order"
    if lx.MONEY_BACK.search(t) and not _reason(t):
        return "return_status"
    if lx.RETURN_ACTION.search(t):
        return "initiate_return"
    if lx.NOT_WANTED.search(t) and ("order_number" in ents or _ORDER_CTX.search(t) and "_bare" in ents):
        return "cancel_order"
    if has_return_word:
        return "return_status"
    if not numbered:
        # Shop questions: paying "when the parcel arrives" is not about one parcel.
        for query, pattern in lx.FAQ_TOPICS:
            if pattern.search(t):
                ents["faq_query"] = query
                return "faq"
        if lx.TIME_QUESTION.search(t) and lx.DELIVERY_WORD.search(t) and not lx.MY_ORDER.search(t):
            ents["faq_query"] = lx.DELIVERY_TIME_QUERY
            return "faq"
    # A number said together with the phone on its order ("status of ... 1042, phone ending
    # 3123") is an order to verify even when the ASR misheard the word "order" ("water", "odor").
    # A bare number asked about ("status of 1042", "1035 এর খবর কী") is an order number too.
    order_ctx = ("order_number" in ents or _ORDER_CTX.search(t) or ("_bare" in ents and ("last4" in ents or "phone" in ents))
                 or ("_bare" in ents and lx.TRACK.search(t) and not lx.SEARCH.search(t)))
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
    if lx.SEARCH.search(t) or "max_price" in ents or "min_price" in ents or _has_product_word(text) or text.features:
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
    for n, pattern in (*lx.ORDINALS, *lx.MORE_ORDINALS):
        if pattern.search(t):
            return n
    return None


def _query_words(text: Text) -> list[str]:
    out: list[str] = []
    for word in _words(text.rest):
        if word in QUERY_STOPWORDS or word.isdigit() and len(word) < 2:
            continue
        word = translate(word) or word
        word = singular(word)
        if word not in out:
            out.append(word)
    return [*text.features, *out] if out else out


def _query(text: Text) -> str:
    return " ".join(_query_words(text))


def _has_product_word(text: Text) -> bool:
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
    t = Text(text)
    ents = entities(t)
    intent = _classify(t, ents)
    numbers = ents.pop("_numbers", [])
    bare = ents.pop("_bare", None)
    return_ref = ents.pop("_return_ref", None)
    if intent in ("return_status", "provide_info") and return_ref and "return_number" not in ents:
        if intent == "return_status" or expecting == "return_number":
            ents["return_number"] = f"RET-{return_ref}"
            return_ref = None
    if (intent in ORDER_INTENTS and expecting == "phone" and bare and len(bare) == 4 and not return_ref
            and not lx.CORRECTION.search(t.full) and "order_number" not in ents and not _phone_given(ents)):
        ents["last4"] = bare  # "ok cancel it, 3007" when asked for the phone: its last four digits
    elif intent in ORDER_INTENTS and "order_number" not in ents and (return_ref or bare):
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
        ents.setdefault("faq_query", re.sub(r"\s+", " ", text).strip(" ?.!।"))
    if intent not in ("search_products", "product_details"):
        ents.pop("min_price", None)
        ents.pop("max_price", None)
    return Parse(language=lang, intent=intent, entities=ents, numbers=numbers, cues=_cues(t.full),
                 answer=confirmation(text), ordinal=_ordinal(t.full))


_CUES = (("correction", lx.CORRECTION), ("time_question", lx.TIME_QUESTION), ("phone_word", lx.PHONE_WORD),
         ("cheaper", lx.CHEAPER), ("costlier", lx.COSTLIER), ("refund", lx.REFUND_WORD), ("details", lx.ORDER_DETAILS))


def _phone_given(ents: dict[str, Any]) -> bool:
    return "phone" in ents or "last4" in ents


def _cues(t: str) -> frozenset[str]:
    return frozenset(name for name, pattern in _CUES if pattern.search(t))


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
