"""Keeping the search index in step with the catalog.

A product's searchable text is one ProductSearchDoc row (index terms per field) and the catalog's
vocabulary is SearchTerm (term -> how many products hold it). The engines index the doc rows:
on SQLite an FTS5 table that triggers keep in step with them (migration 0002), on PostgreSQL a
tsvector column written here with SearchVector, under a GIN index.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.postgres.search import SearchVector
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

from .text import normalise, parts, romanise, sound_key, term, words

FIELDS = ("name", "brand", "sku", "tags", "category", "description")
# How much a word counts where it is found: the name says what a product is, the description may
# mention anything. Also the engines' own weights (PostgreSQL A-D, FTS5 bm25 column weights).
FIELD_WEIGHTS = {"name": 1.0, "brand": 1.0, "sku": 1.0, "tags": 0.9, "category": 0.5, "description": 0.4}
PG_WEIGHT_CLASS = {"name": "A", "brand": "A", "sku": "A", "tags": "B", "category": "C", "description": "D"}
SIZE_KEY = "catalog:search:size"
MAX_TERM = 64
_UNIT = re.compile(r"(\d+)(kg|g|gm|gms|ml|l|ltr|mah|w|gb|tb|mm|cm|mp|hz|inch|pcs)")


def field_terms(text: str) -> Iterator[tuple[str, str]]:
    """(index term, the romanised word it came from) for every word of `text`."""
    for word in words(normalise(text)):
        pieces = parts(word)
        unit = _UNIT.fullmatch(pieces[0])
        if unit:  # "1000ml" is also "1000" "ml"
            pieces = [*pieces, unit.group(1), unit.group(2)]
        for piece in pieces:
            t = term(piece)
            if t and len(t) <= MAX_TERM:
                yield t, romanise(piece)


def _attribute_text(attributes: Any) -> str:
    if not isinstance(attributes, dict):
        return ""
    return " ".join(str(v) for v in attributes.values() if isinstance(v, (str, int, float)))


def product_texts(product) -> dict[str, str]:
    """The raw text of each indexed field of a product (category loaded or not)."""
    tags = product.tags if isinstance(product.tags, list) else []
    return {
        "name": product.name, "brand": product.brand, "sku": product.sku,
        "tags": " , ".join(str(t) for t in tags), "category": product.category.name,
        "description": f"{product.description} {_attribute_text(product.attributes)}",
    }


def document(texts: dict[str, str], surfaces: dict[str, str] | None = None) -> dict[str, str]:
    """Index terms per field, space-separated; records each term's first word in `surfaces`."""
    doc = {}
    for field in FIELDS:
        terms = []
        for t, word in field_terms(texts.get(field, "")):
            terms.append(t)
            if surfaces is not None:
                surfaces.setdefault(t, word)
        doc[field] = " ".join(terms)
    return doc


def doc_terms(doc: Any) -> set[str]:
    get = doc.get if isinstance(doc, dict) else lambda f: getattr(doc, f)
    return {t for f in FIELDS for t in (get(f) or "").split()}


STRONG_FIELDS = ("name", "brand", "sku", "tags")


def vector_expression(fields=FIELDS) -> SearchVector:
    """The tsvector of a doc row: each field under its weight class, the 'simple' configuration
    (the terms are already romanised and singular here, identically for both engines)."""
    vector = None
    for field in fields:
        part = SearchVector(field, weight=PG_WEIGHT_CLASS[field], config="simple")
        vector = part if vector is None else vector + part
    return vector


def _write_vectors(doc_model, ids: list[int] | None) -> None:
    if connection.vendor != "postgresql":
        return
    qs = doc_model.objects.all() if ids is None else doc_model.objects.filter(pk__in=ids)
    qs.update(vector=vector_expression(), strong=vector_expression(STRONG_FIELDS))


def apply_term_counts(term_model, delta: Counter, surfaces: dict[str, str]) -> None:
    """Add `delta` (term -> change in the number of products holding it) to the vocabulary."""
    delta = Counter({t: d for t, d in delta.items() if d})
    if not delta:
        return
    known = set(term_model.objects.filter(term__in=list(delta)).values_list("term", flat=True))
    term_model.objects.bulk_create(
        [term_model(term=t, word=surfaces.get(t, t)[:MAX_TERM], key=sound_key(surfaces.get(t, t)),
                    stem_key=sound_key(t), documents=0)
         for t, d in delta.items() if d > 0 and t not in known],
        ignore_conflicts=True,
    )
    by_change: dict[int, list[str]] = {}
    for t, d in delta.items():
        by_change.setdefault(d, []).append(t)
    for change, terms in by_change.items():
        term_model.objects.filter(term__in=terms).update(documents=Greatest(F("documents") + change, Value(0)))


def _delete_rows(model, ids: list[int] | None = None) -> None:
    """Delete without Django's collector: no post_delete signals (whose term counting this module
    does itself); SQLite's FTS triggers still fire."""
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute(f"DELETE FROM {table}")
        elif ids:
            cursor.execute(f"DELETE FROM {table} WHERE {pk} IN ({', '.join(['%s'] * len(ids))})", ids)


def size_changed() -> None:
    cache.delete(SIZE_KEY)
    transaction.on_commit(lambda: cache.delete(SIZE_KEY))


def update(products: Iterable, *, doc_model, term_model, gone: Iterable[int] = ()) -> int:
    """Re-index `products` (category loaded) and drop the docs of the ids in `gone`. Only docs whose
    terms changed are written. Returns how many docs were written or dropped."""
    products = list(products)
    ids = [p.pk for p in products] + list(gone)
    old = {d.pk: d for d in doc_model.objects.filter(pk__in=ids)}
    surfaces: dict[str, str] = {}
    delta: Counter = Counter()
    write = []
    for product in products:
        doc = document(product_texts(product), surfaces)
        before = old.pop(product.pk, None)
        if before is not None and before.active == product.active and all(getattr(before, f) == doc[f] for f in FIELDS):
            continue
        delta.update(doc_terms(doc))
        if before is not None:
            delta.subtract(doc_terms(before))
        write.append(doc_model(product_id=product.pk, active=product.active, **doc))
    if write:
        doc_model.objects.bulk_create(write, update_conflicts=True, unique_fields=["product"],
                                      update_fields=[*FIELDS, "active"])
        _write_vectors(doc_model, [d.product_id for d in write])
    for before in old.values():  # products that are gone
        delta.subtract(doc_terms(before))
    _delete_rows(doc_model, list(old))
    apply_term_counts(term_model, delta, surfaces)
    if write or old:
        size_changed()
    return len(write) + len(old)


def rebuild(products: Iterable, *, doc_model, term_model, progress=iter, batch: int = 2000) -> int:
    """Index every product from scratch (bulk imports, a restored database, migration 0002)."""
    _delete_rows(doc_model)
    _delete_rows(term_model)
    counts: Counter = Counter()
    surfaces: dict[str, str] = {}
    rows, total = [], 0
    for product in progress(products):
        doc = document(product_texts(product), surfaces)
        counts.update(doc_terms(doc))
        rows.append(doc_model(product_id=product.pk, active=product.active, **doc))
        if len(rows) >= batch:
            doc_model.objects.bulk_create(rows)
            total, rows = total + len(rows), []
    if rows:
        doc_model.objects.bulk_create(rows)
        total += len(rows)
    _write_vectors(doc_model, None)
    term_model.objects.bulk_create(
        [term_model(term=t, word=surfaces[t][:MAX_TERM], key=sound_key(surfaces[t]), stem_key=sound_key(t),
                    documents=n) for t, n in counts.items()],
        batch_size=batch,
    )
    size_changed()
    return total
