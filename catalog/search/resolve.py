"""A shopper's words to concepts: for each word or phrase, the catalog terms it may stand for.

In order: the shop's synonyms (catalog.models.SearchSynonym), the catalog's vocabulary as written,
joined ("smart watch" / smartwatch) or split ("hairfall"), then for words the catalog does not
hold: synonyms by sound, the vocabulary by sound key (another script, a spelling variant) or by
prefix (a word being typed), and last typos by trigram similarity. Each alternative has a quality
(how sure the reading is); each concept a weight (how rare it is in the catalog).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from django.core.cache import cache
from django.db.models import Q

from catalog.models import ProductSearchDoc, SearchTerm

from . import synonyms as synonym_store
from .engine import typo_candidates
from .index import SIZE_KEY
from .synonyms import SOUND_SIMILARITY
from .text import is_indic, parts, romanise, similarity, sound_key, term

# How much a match counts by how it was found: the shopper's own word, a synonym, ...
QUALITY = {"word": 1.0, "joined": 0.95, "split": 0.9, "synonym": 0.9, "sound": 0.8, "prefix": 0.75, "typo": 0.7}
GUESSES = frozenset({"sound", "prefix", "typo"})
TYPO_SIMILARITY = 0.35  # pg_trgm similarity a typo must reach ("samsng"/"samsung": 0.5)


@dataclass(frozen=True)
class Alternative:
    terms: tuple[str, ...]
    quality: float
    how: str
    shown: str = ""  # the catalog's own words for the terms, for "why it matched"


@dataclass
class Concept:
    said: str
    alternatives: list[Alternative] = field(default_factory=list)
    weight: float = 0.0
    documents: int = 0  # about how many products hold one of the alternatives


def catalog_size() -> int:
    size = cache.get(SIZE_KEY)
    if size is None:
        size = ProductSearchDoc.objects.count()
        cache.set(SIZE_KEY, size, timeout=300)
    return size


@dataclass
class _Unit:
    words: list[str]
    entries: tuple = ()  # the synonyms the words matched

    @property
    def said(self) -> str:
        return " ".join(self.words)


class _Vocabulary:
    """Vocabulary rows fetched so far: term -> (word, documents)."""

    def __init__(self):
        self.rows: dict[str, tuple[str, int]] = {}

    def fetch(self, terms=(), keys=(), prefixes=()) -> list[tuple[str, str, int, str, str]]:
        q = Q()
        if terms := set(terms) - set(self.rows):
            q |= Q(term__in=terms)
        if keys := {k for k in keys if k}:
            q |= Q(key__in=keys) | Q(stem_key__in=keys)
        for p in set(prefixes):
            q |= Q(term__gte=p, term__lt=p + "\uffff")
        if not q:
            return []
        rows = list(SearchTerm.objects.filter(q, documents__gt=0).values_list("term", "word", "documents", "key",
                                                                              "stem_key"))
        for t, word, docs, _, _ in rows:
            self.rows[t] = (word, docs)
        return rows

    def has(self, *terms: str) -> bool:
        return all(t in self.rows for t in terms)

    def documents(self, terms: tuple[str, ...]) -> int:
        return min(self.rows[t][1] for t in terms)

    def shown(self, terms: tuple[str, ...]) -> str:
        return " ".join(self.rows[t][0] for t in terms)


def _own_terms(word: str) -> list[tuple[str, ...]]:
    """The term groups a word is in the index as: itself, or its hyphen-joined form and its pieces."""
    pieces = parts(word)
    if len(pieces) == 1:
        return [(term(word),)]
    return [(term(pieces[0]),), tuple(term(p) for p in pieces[1:])]


def _splits(word: str) -> list[tuple[str, str]]:
    """Two-word readings of a run-together word ("hairfall" -> hair fall)."""
    if is_indic(word) or not word.isalpha() or len(word) < 6:
        return []
    return [(term(word[:k]), term(word[k:])) for k in range(3, len(word) - 2)]


def resolve(query_words: list[str]) -> tuple[list[Concept], list[str]]:
    """Concepts for the query words, and the words that matched nothing in the catalog."""
    syn = synonym_store.current()
    units: list[_Unit] = []
    i = 0
    while i < len(query_words):
        m = syn.match(query_words, i, sound=False)
        n = m.length if m else 1
        units.append(_Unit(query_words[i:i + n], m.entries if m else ()))
        i += n

    vocab = _Vocabulary()
    wanted: set[str] = set()
    for n, unit in enumerate(units):
        for w in unit.words:
            wanted.update(t for group in _own_terms(w) for t in group)
        for entry in unit.entries:
            wanted.update(t for terms, _, _ in entry.expansions for t in terms)
        if not unit.entries:
            w = unit.words[0]
            wanted.update(t for pair in _splits(w) for t in pair)
            if n + 1 < len(units) and not units[n + 1].entries:
                wanted.add(term(romanise(w) + romanise(units[n + 1].words[0])))
    vocab.fetch(terms=wanted)

    concepts: list[Concept] = []
    pending: list[tuple[Concept, _Unit]] = []
    skip_next = False
    for n, unit in enumerate(units):
        if skip_next:
            skip_next = False
            continue
        concept = Concept(unit.said)
        if unit.entries:
            own = {t for w in unit.words for g in _own_terms(w) for t in g}
            # The shopper's own word counts in full, unless the shop's synonyms say what it means.
            literal = QUALITY["synonym"] if any(e.has_means for e in unit.entries) else 1.0
            for entry in unit.entries:
                for terms, quality, how in entry.expansions:
                    if set(terms) <= own:
                        concept.alternatives.append(Alternative(terms, literal, "word"))
                    else:
                        concept.alternatives.append(Alternative(terms, quality, how))
            for group in (g for w in unit.words for g in _own_terms(w)) if len(unit.words) == 1 else ():
                concept.alternatives.append(Alternative(group, literal, "word"))
        else:
            w = unit.words[0]
            nxt = units[n + 1] if n + 1 < len(units) and not units[n + 1].entries else None
            joined = term(romanise(w) + romanise(nxt.words[0])) if nxt else None
            if joined and vocab.has(joined):
                # "smart watch" / "smartwatch": one concept, the joined word or both words.
                concept = Concept(f"{w} {nxt.words[0]}", [Alternative((joined,), QUALITY["joined"], "joined")])
                for a in _own_terms(w):
                    for b in _own_terms(nxt.words[0]):
                        concept.alternatives.append(Alternative(a + b, 1.0, "word"))
                skip_next = True
            else:
                for group in _own_terms(w):
                    concept.alternatives.append(Alternative(group, 1.0, "word"))
                for pair in _splits(w):
                    if vocab.has(*pair) and not vocab.has(term(w)):
                        concept.alternatives.append(Alternative(pair, QUALITY["split"], "split"))
        concept.alternatives = [a for a in concept.alternatives if vocab.has(*a.terms)]
        concepts.append(concept)
        if not concept.alternatives and not unit.entries:
            pending.append((concept, unit))

    # Words the catalog does not hold as such: synonyms by sound, then the vocabulary by sound key
    # and by prefix, then typos.
    _resolve_by_sound(pending, syn, vocab)
    still = [(c, u) for c, u in pending if not c.alternatives]
    for concept, unit in still:
        w = unit.words[0]
        if w.isdigit() or len(romanise(w)) < 4:
            continue
        t = term(w)
        found = []
        for cand, word, docs in typo_candidates(t):
            sim = similarity(t, cand)
            if sim >= TYPO_SIMILARITY:
                vocab.rows.setdefault(cand, (word, docs))
                found.append((sim, cand))
        found.sort(key=lambda pair: (-pair[0], pair[1]))
        concept.alternatives = [Alternative((cand,), QUALITY["typo"] * min(1.0, sim / 0.6), "typo")
                                for sim, cand in found[:2]]

    ignored = [c.said for c in concepts if not c.alternatives]
    concepts = [c for c in concepts if c.alternatives]
    size = max(catalog_size(), 1)
    for concept in concepts:
        best: dict[tuple[str, ...], Alternative] = {}
        for alt in concept.alternatives:
            if alt.terms not in best or alt.quality > best[alt.terms].quality:
                best[alt.terms] = alt
        concept.alternatives = [replace(a, shown=vocab.shown(a.terms)) for a in best.values()]
        counts = [vocab.documents(a.terms) for a in concept.alternatives]
        # Rarity from the commonest alternative (the union is at least that common); the number of
        # matches to expect from all of them together, at most the catalog.
        concept.weight = math.log(1 + size / max(max(counts), 1))
        concept.documents = min(size, sum(counts))
    return concepts, ignored


def _resolve_by_sound(pending: list[tuple[Concept, _Unit]], syn, vocab: _Vocabulary) -> None:
    if not pending:
        return
    words = [u.words[0] for _, u in pending]
    keys_of: list[set[str]] = []
    prefixes: list[str] = []
    expansion_terms: set[str] = set()
    matches = []
    for i, (concept, unit) in enumerate(pending):
        m = syn.match(words, i, sound=True)
        matches.append(m)
        if m:
            expansion_terms.update(t for e in m.entries for terms, _, _ in e.expansions for t in terms)
        w = romanise(unit.words[0])
        keys = {sound_key(w), sound_key(term(unit.words[0]))} - {""}
        keys_of.append({k for k in keys if len(k) >= 2})
        if len(w) >= 4 and w.isalpha():
            prefixes.append(term(unit.words[0]))
    rows = vocab.fetch(terms=expansion_terms, keys=set().union(*keys_of), prefixes=prefixes)
    for (concept, unit), m, keys in zip(pending, matches, keys_of):
        if m:
            for entry in m.entries:
                for terms, quality, _ in entry.expansions:
                    if vocab.has(*terms):
                        concept.alternatives.append(Alternative(terms, quality * QUALITY["sound"], "sound"))
            if concept.alternatives:
                continue
        w = romanise(unit.words[0])
        t = term(unit.words[0])
        scored = []
        for cand, word, docs, key, stem_key in rows:
            if keys & {key, stem_key}:
                sim = similarity(w, romanise(word))
                if len(max(keys & {key, stem_key}, key=len)) >= 3 or sim >= SOUND_SIMILARITY:
                    scored.append((sim, cand, "sound"))
            elif len(t) >= 4 and cand.startswith(t) and cand != t:
                scored.append((0.5 - docs * 1e-9, cand, "prefix"))
        scored.sort(key=lambda s: (-s[0], s[1]))
        for sim, cand, how in scored[:2]:
            concept.alternatives.append(Alternative((cand,), QUALITY[how], how))
