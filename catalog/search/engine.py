"""The databases' own full-text engines, behind one call: `candidates()`.

PostgreSQL: a tsvector per product (ProductSearchDoc.vector, GIN index) matched with a tsquery and
ranked with ts_rank (SearchQuery / SearchRank); typos through pg_trgm on the vocabulary.
SQLite: an FTS5 table over the same doc rows, ranked with bm25(); typos through an FTS5 trigram
table on the vocabulary. Both get the same terms and return the same rows; the final ranking is
done once, in catalog.search.core, so both engines give the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q

from catalog.models import ProductSearchDoc

from .index import FIELD_WEIGHTS, FIELDS, STRONG_FIELDS

DOC_FTS = "catalog_productsearchdoc_fts"
TERM_FTS = "catalog_searchterm_trgm"
# ts_rank's weights are listed D, C, B, A.
PG_RANK_WEIGHTS = [FIELD_WEIGHTS["description"], FIELD_WEIGHTS["category"], FIELD_WEIGHTS["tags"], 1.0]
BM25_WEIGHTS = ", ".join(str(FIELD_WEIGHTS[f] * 10) for f in FIELDS)

Alternatives = list[tuple[str, ...]]  # a concept: any one of these term groups, all terms of a group


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool | None = None
    active_only: bool = True

    def product_q(self, prefix: str = "") -> Q:
        """The filters on Product, as seen from a model `prefix` away ("product__" from a doc; the
        doc row has `active` itself, which spares the join when nothing else is filtered)."""
        q = Q()
        if self.active_only:
            q &= Q(active=True)
        if self.category:
            q &= Q(**{f"{prefix}category__slug__iexact": self.category}) | Q(
                **{f"{prefix}category__name__iexact": self.category})
        if self.min_price is not None:
            q &= Q(**{f"{prefix}price__gte": self.min_price})
        if self.max_price is not None:
            q &= Q(**{f"{prefix}price__lte": self.max_price})
        if self.in_stock is True:
            q &= Q(**{f"{prefix}stock__gt": 0})
        elif self.in_stock is False:
            q &= Q(**{f"{prefix}stock": 0})
        return q


# Ranking every match costs: ts_rank and bm25 read each matching row, thousands for a word like
# "phone" in a big catalog. Above this many estimated matches the engine takes products that hold
# the words in their name, brand, SKU or tags first, in id order, and catalog.search.core ranks those.
RANK_MAX = 1000


@dataclass(frozen=True)
class Probe:
    """One engine query: products matching every concept (any alternative of each)."""

    concepts: tuple[Alternatives, ...]
    strong: bool = False  # only in the name, brand, SKU or tags
    ranked: bool = True  # by the engine's rank (else by id: cheap on thousands of matches)


def _tsquery(probe: Probe) -> str:
    return " & ".join("(" + " | ".join("(" + " & ".join(alt) + ")" for alt in alts) + ")" for alts in probe.concepts)


def _fts5_query(probe: Probe) -> str:
    expr = " AND ".join(
        "(" + " OR ".join("(" + " AND ".join(f'"{t}"' for t in alt) + ")" for alt in alts) + ")"
        for alts in probe.concepts
    )
    return f"{{{' '.join(STRONG_FIELDS)}}} : ({expr})" if probe.strong else expr


def _probes(concepts: tuple[Alternatives, ...], estimate: int) -> list[Probe]:
    if estimate <= RANK_MAX:
        return [Probe(concepts)]
    return [Probe(concepts, strong=True, ranked=False), Probe(concepts, ranked=False)]


def candidates(concepts: list[Alternatives], estimates: list[int], filters: Filters, *,
               per_query: int) -> list[tuple]:
    """Rows (product id, price, name, *doc fields) of at most `per_query` products the engine finds
    best for all the concepts together; when fewer match them all, also the best for each concept
    alone, so a rare word's products are there even when a common word matches thousands.
    `estimates`: how many products each concept may match (from the vocabulary)."""
    run = _postgres if connection.vendor == "postgresql" else _sqlite
    rows: list[tuple] = []
    seen: set[int] = set()

    def add(probes: list[Probe]) -> None:
        for row in run(probes, filters, per_query):
            if row[0] not in seen:
                seen.add(row[0])
                rows.append(row)

    for probe in _probes(tuple(concepts), min(estimates)):
        add([probe])
        if len(rows) >= per_query:
            return rows
    rare = [c for c, n in zip(concepts, estimates) if n <= RANK_MAX]
    if len(concepts) > 1 and rare:
        # Too few products match every word: add the best for each rarer word alone, in one query
        # (a word that thousands of products hold says little on its own).
        add([Probe((c,)) for c in rare])
    return rows


def _postgres(probes: list[Probe], filters: Filters, per_query: int) -> list[tuple]:
    docs = ProductSearchDoc.objects.filter(filters.product_q("product__"))
    parts = []
    for probe in probes:
        query = SearchQuery(_tsquery(probe), search_type="raw", config="simple")
        matching = docs.filter(strong=query) if probe.strong else docs.filter(vector=query)
        if probe.ranked:
            matching = matching.annotate(rank=SearchRank(F("vector"), query, weights=PG_RANK_WEIGHTS)).order_by(
                "-rank", "pk")
        else:
            matching = matching.order_by("pk")  # as FTS5 returns them: cheap, and the same on both
        parts.append(matching.values_list("pk", flat=True)[:per_query])
    ids = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    return list(ProductSearchDoc.objects.filter(pk__in=ids)
                .values_list("pk", "product__price", "product__name", *FIELDS))


def _sqlite_where(filters: Filters) -> tuple[str, list]:
    """Filters.product_q() as SQL on the product table `p`, for the FTS5 query (which the ORM cannot
    write). A subquery of allowed ids instead made SQLite probe the FTS index once per product."""
    conds, params = [], []
    if filters.active_only:
        conds.append("p.active")
    if filters.category:
        conds.append("p.category_id IN (SELECT id FROM catalog_category WHERE lower(slug) = lower(%s) "
                     "OR lower(name) = lower(%s))")
        params += [filters.category, filters.category]
    if filters.min_price is not None:
        conds.append("p.price >= %s")
        params.append(filters.min_price)
    if filters.max_price is not None:
        conds.append("p.price <= %s")
        params.append(filters.max_price)
    if filters.in_stock is not None:
        conds.append("p.stock > 0" if filters.in_stock else "p.stock = 0")
    return " AND ".join(conds) or "1", params


def _sqlite(probes: list[Probe], filters: Filters, per_query: int) -> list[tuple]:
    where, where_params = _sqlite_where(filters)
    selects, params = [], []
    for probe in probes:
        order = f"bm25({DOC_FTS}, {BM25_WEIGHTS}), {DOC_FTS}.rowid" if probe.ranked else f"{DOC_FTS}.rowid"  # FTS5's own order
        # CROSS JOIN keeps FTS5 as the outer loop: match first, then look the few products up.
        selects.append(
            f"SELECT * FROM (SELECT {DOC_FTS}.rowid FROM {DOC_FTS} CROSS JOIN catalog_product p "
            f"ON p.id = {DOC_FTS}.rowid WHERE {DOC_FTS} MATCH %s AND {where} ORDER BY {order} LIMIT %s)"
        )
        params += [_fts5_query(probe), *where_params, per_query]
    columns = ", ".join(f"d.{f}" for f in FIELDS)
    sql = (f"SELECT d.product_id, p.price, p.name, {columns} FROM catalog_productsearchdoc d "
           f"JOIN catalog_product p ON p.id = d.product_id WHERE d.product_id IN ({' UNION '.join(selects)})")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [(pk, Decimal(str(price)), *rest) for pk, price, *rest in rows]


def typo_candidates(word: str, *, limit: int = 40) -> list[tuple[str, str, int]]:
    """Vocabulary terms that may be `word` mistyped: (term, word, documents). PostgreSQL: pg_trgm's
    similarity operator on its trigram index. SQLite: the FTS5 trigram table (terms sharing a
    trigram), and for short words, which have few trigrams of their own, terms that begin with the
    same two letters. The caller applies one similarity threshold to both."""
    if connection.vendor == "postgresql":
        sql = ("SELECT term, word, documents FROM catalog_searchterm WHERE term %% %s AND documents > 0 "
               "ORDER BY similarity(term, %s) DESC, term LIMIT %s")
        with connection.cursor() as cursor:
            cursor.execute(sql, [word, word, limit])
            return list(cursor.fetchall())
    rows: list[tuple[str, str, int]] = []
    grams = sorted({word[i:i + 3] for i in range(len(word) - 2)})
    with connection.cursor() as cursor:
        if grams:
            cursor.execute(
                f"SELECT t.term, t.word, t.documents FROM {TERM_FTS} f JOIN catalog_searchterm t ON t.id = f.rowid "
                f"WHERE {TERM_FTS} MATCH %s AND t.documents > 0 ORDER BY bm25({TERM_FTS}), t.term LIMIT %s",
                [" OR ".join(f'"{g}"' for g in grams), limit])
            rows += cursor.fetchall()
        if len(word) <= 5:
            cursor.execute(
                "SELECT term, word, documents FROM catalog_searchterm WHERE term >= %s AND term < %s "
                "AND length(term) BETWEEN %s AND %s AND documents > 0 ORDER BY documents DESC, term LIMIT %s",
                [word[:2], word[:2] + "\uffff", len(word) - 2, len(word) + 2, limit])
            rows += cursor.fetchall()
    return rows
