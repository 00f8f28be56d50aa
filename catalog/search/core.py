"""Product search: a shopper's words to ranked products, each with why it matched.

1. `query.parse` takes price and stock words out as filters; the rest are the words to find.
2. `resolve` (catalog.search.resolve) turns each word or phrase into a concept: the catalog terms
   it may stand for, each with a quality; rarer concepts weigh more.
3. The database engine fetches candidates (catalog.search.engine).
4. `rank` scores each candidate: per concept, the best (quality x field weight) among the terms
   it holds, times the concept's weight; products matching more and rarer words come first.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal

from .engine import Filters, candidates
from .index import FIELD_WEIGHTS, FIELDS
from .query import ParsedQuery, parse
from .resolve import GUESSES, Concept, resolve

CHEAP_TIER = 0.8  # "cheap": the best-matching products (score within this share of the best) by price
MAX_RESULTS = 50  # ranked results at most: the API's largest page is 100, a shopper reads 3


@dataclass
class Hit:
    product_id: int
    name: str
    price: Decimal
    score: float
    coverage: float  # share of the query's weight matched, each word by the quality of its match
    matches: list[dict]
    matched: int = 0  # how many of the query's words it matched
    words: int = 0

    @property
    def complete(self) -> bool:
        """Every word matched (by any of its alternatives)."""
        return self.matched == self.words


@dataclass
class SearchOutcome:
    parsed: ParsedQuery
    concepts: list[Concept]
    ignored: list[str]
    hits: list[Hit]
    filters: Filters | None = None  # the given filters narrowed by those said in words
    price_cap: Decimal | None = None  # "cheap": the price the results were capped at


# --- ranking -----------------------------------------------------------------------------------


_BY_WEIGHT = sorted(FIELDS, key=lambda f: -FIELD_WEIGHTS[f])


def _term_fields(row: tuple, wanted: set[str]) -> dict[str, str]:
    """Each wanted term of a candidate row -> the weightiest field that holds it."""
    found: dict[str, str] = {}
    for f in _BY_WEIGHT:
        text = row[3 + FIELDS.index(f)]
        if text:
            for t in wanted.intersection(text.split()):
                found.setdefault(t, f)
    return found


def rank(concepts: list[Concept], rows: list[tuple]) -> list[Hit]:
    """Score candidate rows (product id, price, name, *doc fields): per concept, the best of its
    alternatives (quality x weight of the field holding the term; for a phrase, its weakest term),
    times the concept's weight. Products that match more of the words come first (coverage,
    weighted by rarity), then by score; ties go by name, so both engines give one order."""
    total = sum(c.weight for c in concepts) or 1.0
    wanted = {t for c in concepts for a in c.alternatives for t in a.terms}
    hits = []
    for row in rows:
        where_of = _term_fields(row, wanted)
        score = matched_weight = 0.0
        matches = []
        for concept in concepts:
            best = None
            for alt in concept.alternatives:
                fields = [where_of.get(t) for t in alt.terms]
                if None in fields:
                    continue
                weakest = min(fields, key=lambda f: FIELD_WEIGHTS[f])
                value = FIELD_WEIGHTS[weakest] * alt.quality
                if best is None or value > best[0]:
                    best = (value, alt, weakest)
            if best is None:
                continue
            value, alt, where = best
            score += concept.weight * value
            # A guess (a typo, a sound-alike, a word begun) covers its word less than the word itself
            # or the shop's own synonym does.
            matched_weight += concept.weight * (alt.quality if alt.how in GUESSES else 1.0)
            matches.append({"word": concept.said, "matched": alt.shown, "field": where, "how": alt.how})
        if matches:
            hits.append(Hit(row[0], row[2], row[1], score, matched_weight / total, matches, len(matches), len(concepts)))
    # Matching more (and rarer: coverage is weighted by rarity) words first, then how well.
    hits.sort(key=lambda h: (-round(h.coverage, 6), -round(h.score, 9), h.name, h.product_id))
    return hits


def _cheapest_first(hits: list[Hit]) -> tuple[list[Hit], Decimal | None]:
    """The best matches by price, capped at their median price; weaker matches after them."""
    if not hits:
        return hits, None
    first = hits[0]
    top = [h for h in hits if h.coverage >= first.coverage and h.score >= first.score * CHEAP_TIER]
    cap = Decimal(str(statistics.median(h.price for h in top)))
    ids = {h.product_id for h in top}
    top.sort(key=lambda h: (h.price, -h.score, h.name))
    rest = [h for h in hits if h.product_id not in ids]
    return [h for h in top if h.price <= cap] + [h for h in rest if h.price <= cap], cap


def _narrowest(pick, given, said):
    values = [v for v in (given, said) if v is not None]
    return pick(values) if values else None


def search(text: str, filters: Filters, *, limit: int = MAX_RESULTS) -> SearchOutcome:
    """Ranked hits for a shopper's query. The filters said in words narrow the given ones."""
    parsed = parse(text)
    filters = Filters(
        category=filters.category, min_price=_narrowest(max, filters.min_price, parsed.min_price),
        max_price=_narrowest(min, filters.max_price, parsed.max_price),
        in_stock=filters.in_stock if filters.in_stock is not None else parsed.in_stock,
        active_only=filters.active_only,
    )
    outcome = SearchOutcome(parsed, [], [], [], filters)
    if not parsed.words:
        return outcome
    concepts, ignored = resolve(parsed.words)
    outcome.concepts, outcome.ignored = concepts, ignored
    if not concepts:
        return outcome
    rows = candidates([[a.terms for a in c.alternatives] for c in concepts], [c.documents for c in concepts], filters,
                      per_query=limit)
    hits = rank(concepts, rows)
    if parsed.cheap:
        hits, outcome.price_cap = _cheapest_first(hits)
    outcome.hits = hits[:limit]
    return outcome
