"""Words as the search index and the shopper's query both see them, in four scripts.

The database engines only ever see ASCII index terms: SQLite's FTS5 tokenizer cuts Devanagari and
Bengali words at every vowel sign, and PostgreSQL's parser depends on the server's locale. So
Indic words are romanised here, and every word (catalog or query) goes through the same steps:
`normalise` -> `words` -> `term` (the index form: romanised, English plurals made singular). `sound_key` is a
coarse phonetic key that lets "सैमसंग", "স্যামসাং" and "samsung", or "laptop" and "लॅपटॉप",
find each other; `similarity` is pg_trgm's trigram similarity, so both engines judge typos alike.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_INDIC_DIGITS = str.maketrans("०१२३४५६७८९০১২৩৪৫৬৭৮৯", "01234567890123456789")
# Letters and digits of the three scripts, vowel signs included (Python's \w misses them).
LETTERS = r"a-z0-9\u0900-\u097f\u0980-\u09ff"
_WORD = re.compile(rf"[{LETTERS}]+(?:[-'][{LETTERS}]+)*")


def _fold_latin(ch: str) -> str:
    # "Lakmé" -> "lakme", "Nescafé" -> "nescafe"; Indic vowel signs are combining marks too, so only
    # Latin letters lose theirs.
    if ch.isascii() or not ("\u00c0" <= ch <= "\u024f"):
        return ch
    return unicodedata.normalize("NFKD", ch)[0]


def normalise(text: str) -> str:
    """Lowercase, ASCII digits, one form per Indic character (nukta, chandrabindu and joiners
    folded, as shoppers and ASRs write फ़ोन and फोन alike), Latin accents dropped."""
    text = unicodedata.normalize("NFC", text or "").lower().translate(_INDIC_DIGITS)
    text = text.replace("\u2019", "'").replace("\u200c", "").replace("\u200d", "")
    text = unicodedata.normalize("NFD", text).replace("\u093c", "").replace("\u0901", "\u0902")
    # Bengali য় (y), ড় and ঢ় (r) are letters of their own, kept as single code points (NFC would split
    # them again: they are composition exclusions); any other nukta or chandrabindu goes.
    text = text.replace("\u09af\u09bc", "\u09df").replace("\u09a1\u09bc", "\u09dc").replace("\u09a2\u09bc", "\u09dd")
    text = text.replace("\u09bc", "").replace("\u0981", "")
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u09af\u09bc", "\u09df").replace("\u09a1\u09bc", "\u09dc").replace("\u09a2\u09bc", "\u09dd")
    return "".join(_fold_latin(ch) for ch in text)


def words(text: str) -> list[str]:
    """The words of normalised text; "levi's" -> "levis", "t-shirt" stays one word (see `parts`)."""
    return [w.replace("'", "") for w in _WORD.findall(text)]


def parts(word: str) -> list[str]:
    """A hyphenated word and its pieces: "t-shirt" -> ["tshirt", "t", "shirt"]."""
    if "-" not in word:
        return [word]
    pieces = [p for p in word.split("-") if p]
    return ["".join(pieces), *pieces]


def is_indic(word: str) -> bool:
    return any("\u0900" <= ch <= "\u09ff" for ch in word)


# --- romanisation ------------------------------------------------------------------------------
# Loose, the way shoppers type Indic words in Latin letters: long vowels single ("aata" and "ata"
# differ only in the sound key, which ignores vowels), inherent vowels dropped where Hindi and
# Bengali drop them.


def _table(first: int, last: int, values: str, skip: str = "") -> dict[str, str]:
    """Code points first..last (minus those in `skip`) mapped, in order, to the words of `values`."""
    chars = [chr(c) for c in range(first, last + 1) if chr(c) not in skip]
    romans = values.split()
    assert len(chars) == len(romans), (len(chars), len(romans))
    return dict(zip(chars, romans))


# Devanagari क (U+0915) .. ह (U+0939); Bengali ক (U+0995) .. হ (U+09B9) without the unassigned
# points; the Bengali letters with a nukta are their own code points (U+09DC ড়, U+09DD ঢ়, U+09DF য়).
_DEVA_CONSONANTS = _table(0x915, 0x939, "k kh g gh n ch chh j jh n t th d dh n t th d dh n n p ph b bh m y r r l l l v sh sh s h")
_BENG_CONSONANTS = _table(0x995, 0x9B9, "k kh g gh ng ch chh j jh n t th d dh n t th d dh n p ph b bh m j r l sh sh s h",
                          skip="\u09a9\u09b1\u09b3\u09b4\u09b5")
_BENG_CONSONANTS.update({"\u09dc": "r", "\u09dd": "rh", "\u09df": "y", "\u09ce": "t"})
_DEVA_VOWELS = _table(0x904, 0x914, "e a a i i u u ri li a e e ai o o o au")
_DEVA_SIGNS = _table(0x93E, 0x94C, "a i i u u ri ri a e e ai o o o au")
_BENG_VOWELS = _table(0x985, 0x994, "o a i i u u ri li e oi o ou", skip="\u098d\u098e\u0991\u0992")
_BENG_SIGNS = _table(0x9BE, 0x9CC, "a i i u u ri ri e oi o ou", skip="\u09c5\u09c6\u09c9\u09ca")
_VIRAMA = {"\u094d", "\u09cd"}


def _romanise_word(word: str) -> str:
    bengali = any("\u0980" <= ch <= "\u09ff" for ch in word)
    consonants = _BENG_CONSONANTS if bengali else _DEVA_CONSONANTS
    vowels = _BENG_VOWELS if bengali else _DEVA_VOWELS
    signs = _BENG_SIGNS if bengali else _DEVA_SIGNS
    inherent = "o" if bengali else "a"
    out: list[list] = []  # syllables: [consonant letters, vowel letters, vowel is the inherent one]
    i, joined = 0, False
    while i < len(word):
        ch = word[i]
        nxt = word[i + 1] if i + 1 < len(word) else ""
        if ch in consonants:
            # Bengali ya-phala (স্যা) is a glide, not the consonant য (j).
            letters = "y" if bengali and joined and ch == "য" else consonants[ch]
            joined = nxt in _VIRAMA
            if joined:
                out.append([letters, "", False])
                i += 2
            elif nxt in signs:
                out.append([letters, signs[nxt], False])
                i += 2
            else:
                out.append([letters, inherent, True])
                i += 1
            continue
        joined = False
        if bengali and ch == "\u0993" and nxt == "\u09df":  # ওয়া: "wa"
            sign = word[i + 2] if i + 2 < len(word) else ""
            out.append(["w", signs.get(sign, ""), False])
            i += 3 if sign in signs else 2
            continue
        if ch in vowels:
            out.append(["", vowels[ch], False])
        elif ch in ("\u0902", "\u0982"):  # anusvara: m before a lip consonant (डंबेल: dambel)
            out.append(["ng" if bengali else "m" if consonants.get(nxt, "")[:1] in ("p", "b", "m") else "n", "", False])
        elif ch in ("\u0903", "\u0983"):  # visarga
            out.append(["h", "", False])
        elif ch.isascii():
            out.append([ch, "", False])
        i += 1
    # Schwa deletion: the last inherent vowel goes, and a medial one between a vowel and a
    # consonant that has its own vowel (क-प-ड़े -> kapde, सै-म-सं-ग -> saimsang).
    # From the end, so that a final schwa already dropped keeps the one before it (बो-त-ल -> botal).
    for n in range(len(out) - 1, 0, -1):
        syl = out[n]
        if not syl[2]:
            continue
        if n == len(out) - 1:
            syl[1] = ""
        elif out[n - 1][1] and out[n + 1][0] and out[n + 1][1]:
            syl[1] = ""
    return "".join(letters + vowel for letters, vowel, _ in out)


@lru_cache(maxsize=20000)
def romanise(word: str) -> str:
    """An Indic word in loose Latin letters: "आटा" -> "ata", "ঘড়ি" -> "ghori", "सैमसंग" -> "saimsang".
    Latin words pass through."""
    if not is_indic(word):
        return word
    text = _romanise_word(word)
    text = re.sub(r"([aeiou])\1+", r"\1", text)  # aa -> a
    return re.sub(r"[^a-z0-9]", "", text)


def _singular(word: str) -> str:
    """English plurals only ("phones", "watches", "ladies"). A full stemmer did more harm than good
    on romanised Hindi and Marathi: it cut "batli" (bottle) to "bat"."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=50000)
def term(word: str) -> str:
    """The index term of one normalised word: romanised, then made singular ("phones" -> "phone",
    "कुर्ते" -> "kurte"). Numbers and model codes stay as they are."""
    word = romanise(word)
    return _singular(word) if word.isalpha() else word


# --- sound keys ----------------------------------------------------------------------------------

_KEY_STEPS = [
    (re.compile(r"chh|ch"), "C"), (re.compile(r"sh"), "s"), (re.compile(r"ph"), "f"), (re.compile(r"kh|gh"),
     lambda m: m.group()[0]), (re.compile(r"jh"), "j"), (re.compile(r"th"), "t"), (re.compile(r"dh"), "d"),
    (re.compile(r"bh"), "b"), (re.compile(r"ck|q"), "k"), (re.compile(r"c(?=[eiy])"), "s"), (re.compile(r"c"), "k"),
    (re.compile(r"ge$"), "j"), (re.compile(r"^x"), "s"), (re.compile(r"x"), "ks"), (re.compile(r"z"), "s"), (re.compile(r"[vw]"), "b"),
    (re.compile(r"C"), "c"),
]


@lru_cache(maxsize=50000)
def sound_key(word: str) -> str:
    """Consonants only, similar sounds merged: "samsung", "सैमसंग" (saimsang) and "স্যামসাং" (syamsang)
    all give "smsng"; "cooker" and "kukar" give "kr". A leading vowel is kept as "a". The vocabulary keys
    both a word and its term ("headphones" and "headphone"), so plurals need no rule here."""
    word = romanise(word)
    if not word.isalpha():
        return ""
    lead = "a" if word[0] in "aeiou" else ""
    for pattern, repl in _KEY_STEPS:
        word = pattern.sub(repl, word)
    first, rest = word[0], word[1:]
    body = (first if first not in "aeiou" else "") + re.sub(r"[aeiouyh]", "", rest)
    return lead + re.sub(r"(.)\1+", r"\1", body)


# --- trigram similarity (pg_trgm's) --------------------------------------------------------------


def trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity() for single ASCII words: shared trigrams over all trigrams, each word
    padded with two spaces in front and one behind."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0
