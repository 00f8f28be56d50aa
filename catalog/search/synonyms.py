"""The shop's synonyms (catalog.models.SearchSynonym) as a matcher over query words.

A query word matches a synonym word when both have the same index form ("phones"/"phone",
"फ़ोन"/"फोन"), or, failing that, the same sound key once a case ending is dropped ("कुर्ते" and
"कुर्ता", "पाण्याची" and "panyachi", "রবীন্দ্রনাথের" and "rabindranath"). Phrases match word by word,
longest first. The matcher is built once per process and rebuilt when a synonym changes anywhere:
saving one bumps a version in the shared cache.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from catalog.models import SearchSynonym

from .query import STOPWORDS
from .text import is_indic, normalise, parts, romanise, similarity, sound_key, term, words

VERSION_KEY = "catalog:search:synonyms"
SOUND_SIMILARITY = 0.2  # trigram similarity two-letter sound keys also need

# Case endings and postpositions written joined to the word, longest first. Dropping one must
# leave at least two letters (see `_stems`).
_SUFFIXES = sorted({normalise(s) for s in """
ों ें ियों ियाँ ियां ाओं ाएं ओं एं
चा ची चे च्या चं ला ना त ने ात ांचा ांची ांचे ांच्या ाचा ाची ाचे ाच्या ्याचा ्याची ्याचे ्याच्या मध्ये साठी
ের র এর কে তে টা টি টো গুলো গুলি দের য় ে
er der gulo guli te ke cha chi che chya madhye sathi on
""".split()}, key=len, reverse=True)


def _stems(word: str) -> list[str]:
    """The word without one joined ending: two letters must remain of an Indic word, three of a
    romanised one ("joler" -> "jol", "panyachi" -> "panya")."""
    indic = is_indic(word)
    return [word[: -len(s)] for s in _SUFFIXES
            if word.endswith(s) and is_indic(s) == indic and len(word) - len(s) >= (2 if indic else 3)]


def phrase_terms(phrase: str) -> tuple[str, ...]:
    """The index terms of a phrase, filler dropped: "पानी की बोतल" -> ("pani", "botal")."""
    out: list[str] = []
    for word in words(normalise(phrase)):
        if word in STOPWORDS:
            continue
        out.extend(term(p) for p in parts(word))
    return tuple(t for t in out if t)


@dataclass(frozen=True)
class Entry:
    """One synonym row: what it expands to, as (terms of a phrase, quality, how) triples. A row that
    says what its words mean ranks that meaning above the words themselves: in a shop whose
    synonyms say "press" means iron, irons come before the books of "Universities Press"."""

    id: int
    expansions: tuple[tuple[tuple[str, ...], float, str], ...]
    has_means: bool = False


@dataclass(frozen=True)
class Match:
    length: int  # query words covered
    entries: tuple[Entry, ...]
    by_sound: bool


class Synonyms:
    def __init__(self, rows: list[tuple[int, list[str], list[str]]]):
        """rows: (id, words, means) of the active synonyms."""
        # first form or key -> [(forms or keys of the phrase, entry, romanised words)]
        self._by_form: dict[str, list[tuple[tuple[str, ...], Entry, tuple[str, ...]]]] = {}
        self._by_key: dict[str, list[tuple[tuple[str, ...], Entry, tuple[str, ...]]]] = {}
        for row_id, row_words, row_means in rows:
            expansions = {}
            for phrase in row_words:
                if terms := phrase_terms(phrase):
                    expansions.setdefault(terms, (terms, 0.9, "synonym"))
            for phrase in row_means:
                if terms := phrase_terms(phrase):
                    expansions[terms] = (terms, 1.0, "synonym")
            entry = Entry(row_id, tuple(expansions.values()), bool(row_means))
            for phrase in row_words:
                tokens = [w for w in words(normalise(phrase)) if w not in STOPWORDS]
                if not tokens:
                    continue
                romans = tuple(romanise(w) for w in tokens)
                forms = tuple(term(w) for w in tokens)
                self._by_form.setdefault(forms[0], []).append((forms, entry, romans))
                keys = tuple(sound_key(w) for w in tokens)
                if all(keys):
                    self._by_key.setdefault(keys[0], []).append((keys, entry, romans))

    @staticmethod
    def _longest(index: dict, options: list[list[str]], i: int, accept=None) -> tuple[int, list[Entry]]:
        best, found = 0, []
        for first in options[i]:
            for seq, entry, romans in index.get(first, ()):
                n = len(seq)
                if n < best or i + n > len(options):
                    continue
                if all(seq[k] in options[i + k] for k in range(1, n)) and (accept is None or accept(i, seq, romans)):
                    if n > best:
                        best, found = n, []
                    if entry not in found:
                        found.append(entry)
        return best, found

    def match(self, query_words: list[str], i: int, *, sound: bool) -> Match | None:
        """The synonyms matching the longest phrase at query_words[i]: by index form, or (sound=True)
        by sound key. Whole words are tried before words with a case ending dropped."""
        accept = None
        if sound:
            index, whole = self._by_key, [[sound_key(w)] for w in query_words]
            cut = [[k for k in {sound_key(s) for s in _stems(w)} if k] for w in query_words]

            def accept(start, keys, romans):
                # Two-letter keys are shared by many words ("pt": patti, पीठ): the spelling must be close too.
                return all(len(k) >= 3 or similarity(romanise(query_words[start + n]), r) >= SOUND_SIMILARITY
                           for n, (k, r) in enumerate(zip(keys, romans)))
        else:
            index, whole = self._by_form, [[term(w)] for w in query_words]
            cut = [[term(s) for s in _stems(w)] if is_indic(w) else [] for w in query_words]
        n, entries = self._longest(index, whole, i, accept)
        if not n:
            n, entries = self._longest(index, [a + b for a, b in zip(whole, cut)], i, accept)
        return Match(n, tuple(entries), sound) if n else None


_lock = threading.Lock()
_current: tuple[str, Synonyms] | None = None


def current() -> Synonyms:
    """The active synonyms, rebuilt after any change (this process or another)."""
    global _current
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    held = _current
    if held is not None and held[0] == version:
        return held[1]
    with _lock:
        rows = [(s.pk, s.word_list(), s.means_list()) for s in SearchSynonym.objects.filter(active=True)]
        matcher = Synonyms(rows)
        _current = (version, matcher)
    return matcher


def changed() -> None:
    """Call when synonyms are written: now, and again after the commit, so that no process keeps
    a matcher it built from the data as it was before the commit."""

    def bump():
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)

