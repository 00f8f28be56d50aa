"""A shopper's query read without the database: price and stock words become filters, filler
words go, and what is left are the words to search for ("samsung ka phone 20000 ke andar" ->
words samsung, phone; max_price 20000).

The word lists are data for four languages, in each script and romanised. Products' own words
and the shop's synonyms are not here: they live in the database (catalog.models.SearchSynonym).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from .text import LETTERS, normalise, words

_B = rf"(?<![{LETTERS}])"  # word start
_E = rf"(?![{LETTERS}])"  # word end


def _alt(phrases: str) -> str:
    """ "a|b c|d" -> a regex alternation, longest first, spaces matching any run of spaces."""
    items = sorted({normalise(p).strip() for p in phrases.split("|") if p.strip()}, key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in items)


_MULTIPLIERS = {"k": 1000, "thousand": 1000, "hazar": 1000, "hazaar": 1000, "hajar": 1000, "हजार": 1000,
                "হাজার": 1000, "lakh": 100000, "lac": 100000, "लाख": 100000, "লাখ": 100000}
_CURRENCY = (r"(?:₹|rs\.?|inr|rupees?|rupaye|rupaiya|rupay\S*|रुपय\S*|रुपए|रूपये|रुपयों|টাকা\S*|taka\S*|takar)")
_AMOUNT = (
    rf"(?:(?:₹|rs\.?|inr)\s*)?{_B}(\d+(?:\.\d+)?)(?:\s*({_alt('|'.join(_MULTIPLIERS))}))?{_E}"
    rf"(?:\s*{_CURRENCY})?"
)
_MAX_BEFORE = _alt("under|below|less than|within|upto|up to|max|maximum|not more than|budget|budget of|budget is|"
                   "cheaper than|till|less then|lower than|at most")
_MAX_AFTER = _alt(
    "se kam|se neeche|se niche|ke andar|ke bhitar|ke niche|ke neeche|tak|or less|and below|or below|and under|max|"
    "से कम|से नीचे|के अंदर|के भीतर|के नीचे|तक|এর নিচে|র নিচে|নিচে|এর মধ্যে|র মধ্যে|মধ্যে|এর কমে|পর্যন্ত|"
    "पेक्षा कमी|च्या आत|आत|पर्यंत|पेक्षा स्वस्त|peksha kami|chya aat|paryant|paryanta|porjonto|er niche|niche|"
    "er moddhe|moddhe|kami|कमी|kam|कम|kom|কম"
)
_MIN_BEFORE = _alt("above|over|more than|at least|starting|starting from|starting at|min|minimum|from|upwards of")
_MIN_AFTER = _alt("se zyada|se jyada|se upar|and above|or more|plus|se adhik|से ज्यादा|से ज़्यादा|से ऊपर|से अधिक|"
                  "এর বেশি|র বেশি|বেশি|এর উপরে|উপরে|ওপরে|पेक्षा जास्त|च्या वर|peksha jast|jast|beshi|er beshi")
_RANGE_JOIN = _alt("and|to|-|se|से|থেকে|ते|te|theke")

_RANGE = re.compile(rf"(?:{_B}between\s+|{_B}बीच\s+)?{_AMOUNT}\s*(?:{_RANGE_JOIN})\s*{_AMOUNT}"
                    rf"(?:\s*(?:के बीच|ke beech|এর মধ্যে|च्या दरम्यान|tak|तक))?")
_MAX = re.compile(rf"{_B}(?:{_MAX_BEFORE}){_E}\s*{_AMOUNT}|{_AMOUNT}\s*(?:{_MAX_AFTER}){_E}")
_MIN = re.compile(rf"{_B}(?:{_MIN_BEFORE}){_E}\s*{_AMOUNT}|{_AMOUNT}\s*(?:{_MIN_AFTER}){_E}")
# An amount said with its currency and no "under" or "above" is a budget: "phone 15000 rupees".
_BUDGET = re.compile(rf"(?:₹|{_B}rs\.?|{_B}inr)\s*\d|\d\s*{_CURRENCY}")

_CHEAP_WORDS = (
    'cheap|cheaper|cheapest|low price|low cost|lowest price|budget|affordable|inexpensive|economical|'
    'sasta|sasti|saste|sabse sasta|kam daam|kam dam|kam keemat|kam kimat|kam daam mein|kam daam me|'
    'सस्ता|सस्ती|सस्ते|सबसे सस्ता|कम दाम|कम दाम में|कम दामों|कम कीमत|कम कीमत में|कम कीमत वाला|'
    'সস্তা|সস্তায়|সস্তার|কম দামে|কম দাম|কম দামের|কম দামি|shosta|sosta|kom dame|kom dam|kom damer|'
    'स्वस्त|स्वस्तात|कमी किमतीत|कमी किंमतीत|कमी किमतीचा|कमी किमतीचे|कमी किमतीची|कमी किंमतीचे|'
    'swasta|swast|kami kimtit|kami kimatit|kami kimtiche'
)
_CHEAP = re.compile(rf"{_B}(?:{_alt(_CHEAP_WORDS)}){_E}")
_IN_STOCK_WORDS = (
    'in stock|in-stock|available|available now|stock me|stock mein|stock mai|स्टॉक में|स्टाक में|उपलब्ध|'
    'मौजूद|স্টকে আছে|স্টকে|স্টক আছে|পাওয়া যায়|উপলব্ধ|stoke ache|stocke ache|stock e ache|'
    'स्टॉकमध्ये|स्टॉक मध्ये|उपलब्ध असलेले|उपलब्ध आहे|stock madhye|stockmadhe|upalabdh'
)
_IN_STOCK = re.compile(rf"{_B}(?:{_alt(_IN_STOCK_WORDS)}){_E}")
_OUT_OF_STOCK_WORDS = (
    'out of stock|sold out|not in stock|unavailable|स्टॉक में नहीं|स्टॉक खत्म|স্টকে নেই|স্টক নেই|'
    'स्टॉकमध्ये नाही|स्टॉक संपला|stock me nahi|stock khatam'
)
_OUT_OF_STOCK = re.compile(rf"{_B}(?:{_alt(_OUT_OF_STOCK_WORDS)}){_E}")

# Filler around what is wanted, in the four languages (romanised too). Product words never belong here.
STOPWORDS = frozenset(normalise(w) for w in """
a an the some any of for with and or to in on at by from me my i i'm im we you your our us do does is are
am be was there this that these those it its please pls plz show find search see get give want wanted need
looking look buy purchase order sell sells selling have has had got can could would will shall should kindly
tell about what which where how price prices priced cost costs costing rate item items product products thing
things something anything one ones kind type like good best nice new latest quality also other options
option some more want to lets let us hi hello hey okay ok
ka ki ke ko se me mein mai main hai hain ho tha thi kya koi mujhe mera meri mere hamare hame liye wala wali
wale dikhao dikhaiye dikha dikhana chahiye chahie chaiye batao bataiye kuch ek aur bhi accha achha acchi
walo vala vali vale karo kar do de dena lena khareedna kharidna kaun konsa kaunsa
का की के को से में मैं है हैं हो था थी क्या कोई मुझे मेरा मेरी मेरे हमें लिए वाला वाली वाले दिखाओ
दिखाइए दिखा चाहिए बताओ बताइए कुछ एक और भी अच्छा अच्छी अच्छे करने करो दो दे देना लेना खरीदना कौन कौनसा
कृपया प्लीज़ प्लीज जी
er r ar ache achhe ki kichu ekta amar amake amay dekhan dekhao chaichhi koto jonno moto emon kon
এর র আছে কি কী কিছু একটা আমার আমাকে আমায় দেখান দেখাও চাই চাইছি কত জন্য মতো এমন কোন কোনো আর ও
আমি দিন দাও একটি টা টি গুলো
chi che chya la na mala majha majhi maze kahi kay ka ahe ahet hava havi have hve dakhva dakhava
sathi aani ani ek asalele asalela asaleli chanagla changle
चा ची चे च्या ला ना मला माझा माझी माझे काही काय का आहे आहेत हवा हवी हवे दाखवा साठी आणि एक असलेले असलेला
असलेली चांगला चांगले कोणता कोणते
""".split())
# Not here: "cha" (Bengali tea; Marathi's particle is mostly written joined), "chai" (Hindi tea, Bengali "want").


@dataclass
class ParsedQuery:
    """What the shopper asked for: the words left to search, and the filters said in words."""

    text: str
    words: list[str] = field(default_factory=list)
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool | None = None
    cheap: bool = False
    filter_words: list[str] = field(default_factory=list)


def _amount(number: str, multiplier: str | None) -> Decimal:
    value = Decimal(number)
    if multiplier:
        value *= _MULTIPLIERS[multiplier]
    return value


def parse(text: str) -> ParsedQuery:
    """Filters out of the words, then the words themselves, filler dropped. Pure: no database."""
    t = normalise(text)
    t = re.sub(r"(?<=\d),(?=\d)", "", t)  # 20,000
    parsed = ParsedQuery(text=text)

    def cut(match: re.Match) -> str:
        parsed.filter_words.append(re.sub(r"\s+", " ", match.group().strip()))
        return " "

    def take(pattern: re.Pattern, apply) -> None:
        nonlocal t
        match = pattern.search(t)
        if match:
            apply([g for g in match.groups()])
            t = t[:match.start()] + cut(match) + t[match.end():]

    def set_range(g):
        parsed.min_price, parsed.max_price = sorted((_amount(g[0], g[1]), _amount(g[2], g[3])))

    def set_max(g):
        number, multiplier = (g[0], g[1]) if g[0] is not None else (g[2], g[3])
        parsed.max_price = _amount(number, multiplier)

    def set_min(g):
        number, multiplier = (g[0], g[1]) if g[0] is not None else (g[2], g[3])
        parsed.min_price = _amount(number, multiplier)

    take(_RANGE, set_range)
    if parsed.max_price is None:
        take(_MAX, set_max)
    if parsed.min_price is None:
        take(_MIN, set_min)
    if parsed.max_price is None and parsed.min_price is None and _BUDGET.search(t):
        take(re.compile(_AMOUNT), lambda g: setattr(parsed, "max_price", _amount(g[0], g[1])))
    if _OUT_OF_STOCK.search(t):
        parsed.in_stock = False
        t = _OUT_OF_STOCK.sub(cut, t)
    elif _IN_STOCK.search(t):
        parsed.in_stock = True
        t = _IN_STOCK.sub(cut, t)
    if _CHEAP.search(t):
        parsed.cheap = True
        t = _CHEAP.sub(cut, t)
    parsed.words = [w for w in words(t) if w not in STOPWORDS and w.strip("-")]
    return parsed
