"""Yes, no and "mm-hm" in English, Hindi (Devanagari and romanised), Bengali and Marathi.

`confirmation(text)` answers a yes/no question ("Shall I cancel ORD-1055?"): "yes" for "haan ji",
"theek hai", "kar do", "হ্যাঁ করুন", "ঠিক আছে", "चालेल", "हो करा", "sure, do it", "go on"; "no" for
"nahi", "না", "नको", "hold on", "actually leave it", "don't cancel"; None when the words answer
neither (a question, a new request). A decline anywhere wins over a yes: "yes... actually no, wait"
is a no. The tools use it too, so that no brain can act on a "no".

`is_backchannel(text)` is the voice pipeline's question while the assistant is speaking: is this
transcript only a listener's "hmm", "haan", "accha", "okay", "হুঁ" (keep talking), rather than a
barge-in with something to say?

Matching is on whole words after the project's folding (numbers.normalise: one form per Indic
character, lower case), never on substrings: "ok" does not match "okra" nor "na" match "naam".
"""

from __future__ import annotations

import re

from .numbers import normalise

_WORD = re.compile(r"[a-z0-9\u0900-\u097f\u0980-\u09ff']+")


def _phrases(block: str) -> list[tuple[str, ...]]:
    """One phrase per line or comma-separated item, folded like input, longest first."""
    items = [p.strip() for line in block.strip().splitlines() for p in line.split(",")]
    return sorted({tuple(_WORD.findall(normalise(p))) for p in items if p}, key=len, reverse=True)


# A no anywhere in the answer. "na"/"ना" only lead ("ना, रहने दो"): after a verb it is an
# emphatic tag that asks for the action ("कर दो ना").
_DECLINE = _phrases("""
no, nope, nah, not now, not yet, don't, dont, do not, never mind, nevermind, hold on, hold it, wait, stop,
leave it, keep it, i'll keep it, cancel that, forget it, no thanks, not really, i changed my mind, skip it
nahi, nahin, nai, mat, mat karo, rehne do, rehne dijiye, ruko, rukiye, abhi nahi, zarurat nahi, jarurat nahi
नहीं, नही, मत, रहने दो, रहने दीजिए, रुको, रुकिए, अभी नहीं, ज़रूरत नहीं, जरूरत नहीं, छोड़ो, छोड़िए
না, নাহ, থাক, থাকুক, দরকার নেই, লাগবে না, এখন না, এখনই না, রাখুন, রেখে দিন, রেখে দিচ্ছি, করবেন না, করো না, দাঁড়ান
नको, नाही, नका, राहू द्या, राहूद्या, थांबा, थांब, आत्ता नको, नकोय, ठेवतो, ठेवते
""")
_DECLINE_LEAD = _phrases("na, ना")

_AFFIRM = _phrases("""
yes, yeah, yep, yup, yas, sure, ok, okay, okey, k, correct, confirm, confirmed, absolutely, of course, please do, do it,
go ahead, go on, proceed, fine, alright, all right, sounds good, that's right, affirmative, please proceed, yes please
haan, haa, han, haanji, haan ji, ji haan, theek hai, thik hai, theek h, ok hai, accha, acha, achha, bilkul, kar do,
kardo, kar dijiye, kar dijie, kijiye, karo, chalega, zaroor, jaroor
हाँ, हां, हाँजी, हां जी, जी हां, जी हाँ, ठीक है, अच्छा, बिल्कुल, कर दो, कर दीजिए, कीजिए, करो, करें, चलेगा, ज़रूर, जरूर
হ্যাঁ, হ্যা, হাঁ, হুম, ঠিক আছে, আচ্ছা, অবশ্যই, করুন, করে দিন, দিয়ে দিন, করো, করে দাও, চলবে, নিশ্চয়ই
हो, होय, हो ना, ठीक आहे, चालेल, बरं, बर, करा, करून टाका, नक्की, हो करा
""")
# Too short or too common to mean yes inside a longer sentence ("हा ऑर्डर" is "this order" in Marathi).
_AFFIRM_SHORT = _phrases("ha, ji, right, हा, जी, हं, हां, হা")

# Asking the assistant to stop talking, beyond the declines above.
_STOP_TALKING = _phrases("""
hang on, one second, one sec, one minute, pause, enough, excuse me, sorry
bas, bas karo, ek minute, ek second, suniye, suno
बस, बस करो, एक मिनट, सुनिए, सुनो
থামুন, থামো, থামুন তো, এক মিনিট, শুনুন
थांबा जरा, एक मिनिट, ऐका
""")

_HUM = re.compile(r"[mh]+")

# While the assistant speaks: sounds and words a listener makes without taking the turn.
_BACKCHANNEL = {w for p in _phrases("""
hmm, hm, hmmm, mm, mmm, mhm, mm-hmm, mmhmm, uh-huh, uh huh, huh, ah, oh, okay, ok, right, yeah, yes, yep, sure, i see,
got it, alright, cool, fine, great
haan, han, haa, ha, accha, acha, achha, theek, thik, hai, ji, hmm
हाँ, हां, हम्म, हूँ, हूं, हुँ, अच्छा, ठीक, है, जी, ओके, हं, अहं
হুঁ, হুম, হ্যাঁ, হ্যা, আচ্ছা, ঠিক, আছে, ও, ওকে, আহা
हो, होय, बरं, बर, ठीक, आहे, अच्छा, हं
""") for w in p}

# Words of the action itself: "cancel it" answers "Shall I cancel ORD-1055?" as clearly as "yes".
ACTION_WORDS = {
    "cancel_order": _phrases("""
        cancel, cancel it, cancel kar do, cancel karo, radd, radd karo
        कैंसल, कैंसिल, रद्द, রদ্দ, বাতিল, ক্যানসেল, ক্যান্সেল, कॅन्सल, कॅन्सेल
    """),
    "initiate_return": _phrases("""
        return, return it, start the return, send it back, wapas, return kar do
        रिटर्न, वापस, लौटा, লৌটা, ফেরত, রিটার্ন, परत
    """),
}


def _words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def _has(words: list[str], phrases: list[tuple[str, ...]]) -> bool:
    for phrase in phrases:
        n = len(phrase)
        if any(tuple(words[i:i + n]) == phrase for i in range(len(words) - n + 1)):
            return True
    return False


def confirmation(text: str) -> str | None:
    """"yes", "no" or None (the words answer neither)."""
    words = _words(text)
    if not words:
        return None
    if _has(words, _DECLINE) or (words[0],) in _DECLINE_LEAD:
        return "no"
    if _has(words, _AFFIRM) or (len(words) <= 2 and _has(words, _AFFIRM_SHORT)):
        return "yes"
    return None


def confirms(text: str, action: str) -> bool:
    """Does this turn say yes to `action` (a tool name)? A clear yes, or the action's own words
    without a no ("cancel it", "हाँ रद्द करा")."""
    answer = confirmation(text)
    if answer is not None:
        return answer == "yes"
    return _has(_words(text), ACTION_WORDS.get(action, []))


def is_backchannel(text: str, language: str | None = None) -> bool:
    """Only a listener's acknowledgement ("hmm", "haan", "accha", "okay", "হুঁ"), at most three
    words. `language` is accepted for callers that know it; the lexicon covers all four
    languages at once, because shoppers mix them. Empty text is not a backchannel (it is silence).
    A hum comes back from the recogniser in many spellings ("mm-m-m", "hmmm"): any word made of
    m and h only counts as one."""
    words = _words(text)
    return 0 < len(words) <= 3 and all(w in _BACKCHANNEL or _HUM.fullmatch(w) for w in words)


def interrupts_speaker(text: str) -> bool:
    """Whether something short said over the assistant asks it to stop: a no or a stop word
    anywhere ("stop", "wait", "hold on", "ruko", "থামুন", "नको"), or three words or more that are
    not a backchannel (a request). Anything shorter is taken as listening: a misheard hum ("Damn.",
    "Han Jai") must not cut the answer off, at the cost of a two-word request ("cancel it") said
    over the assistant, which waits for it to finish."""
    words = _words(text)
    if not words:
        return False
    if _has(words, _DECLINE) or _has(words, _STOP_TALKING) or (words[0],) in _DECLINE_LEAD:
        return True
    return len(words) >= 3 and not is_backchannel(text)
