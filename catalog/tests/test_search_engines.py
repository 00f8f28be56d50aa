"""Each database's own engine under product_search: PostgreSQL's tsvector columns, GIN indexes and
pg_trgm; SQLite's FTS5 tables kept in step by triggers. The behaviour both must share is in
test_search.py, which CI runs on each."""

import pytest
from django.db import connection

from catalog.models import ProductSearchDoc
from catalog.search.engine import DOC_FTS, TERM_FTS, typo_candidates
from catalog.search.text import similarity
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 tables")


def fetch(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.mark.postgres
def test_postgres_has_pg_trgm_and_gin_indexes_without_a_pending_list():
    assert fetch("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'") == [(1,)]
    indexes = dict(fetch("SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
                         "('catalog_productsearchdoc_vector', 'catalog_productsearchdoc_strong', "
                         "'catalog_searchterm_term_trgm')"))
    assert len(indexes) == 3
    assert all("USING gin" in d and "fastupdate=off" in d for d in indexes.values()), indexes
    assert "gin_trgm_ops" in indexes["catalog_searchterm_term_trgm"]


@pytest.mark.postgres
def test_postgres_vectors_hold_every_field_under_its_weight():
    product = ProductFactory(name="Cotton Kurta", brand="Fabindia", tags=["ethnic"], description="hand block",
                             attributes={})
    vector, strong = fetch("SELECT vector::text, strong::text FROM catalog_productsearchdoc WHERE product_id = %s",
                           [product.pk])[0]
    assert "'kurta':" in vector and "A" in vector.split("'kurta':")[1].split(" ")[0]
    assert "'ethnic':" in vector and "'hand':" in vector
    assert "'kurta':" in strong and "'hand'" not in strong  # the description is not a strong field
    product.name = "Linen Kurta"
    product.save()
    assert "'linen'" in fetch("SELECT vector::text FROM catalog_productsearchdoc WHERE product_id = %s",
                              [product.pk])[0][0]


@pytest.mark.postgres
@pytest.mark.parametrize("a, b", [("samsng", "samsung"), ("headphne", "headphone"), ("kurta", "kurti"),
                                  ("ab", "abc"), ("xyz", "samsung")])
def test_python_similarity_is_pg_trgm_similarity(a, b):
    assert similarity(a, b) == pytest.approx(fetch("SELECT similarity(%s, %s)", [a, b])[0][0], abs=1e-6)


def test_typo_candidates_come_from_the_engines_own_trigram_index():
    ProductFactory(name="Samsung Galaxy", attributes={})
    ProductFactory(name="Prestige Cooker", attributes={})
    assert "samsung" in [t for t, _, _ in typo_candidates("samsng")]
    assert "prestige" in [t for t, _, _ in typo_candidates("prestge")]


@on_sqlite
def test_sqlite_fts5_tables_follow_the_doc_rows():
    product = ProductFactory(name="Basmati Rice", attributes={})
    rows = lambda word: fetch(f"SELECT rowid FROM {DOC_FTS} WHERE {DOC_FTS} MATCH %s", [word])  # noqa: E731
    assert rows("basmati") == [(product.pk,)]
    product.name = "Sona Masoori Rice"
    product.save()
    assert rows("basmati") == [] and rows("masoori") == [(product.pk,)]
    assert fetch(f"SELECT count(*) FROM {TERM_FTS} WHERE {TERM_FTS} MATCH %s", ['"aso"'])[0][0] == 1  # masoori
    product.delete()
    assert rows("masoori") == [] and not ProductSearchDoc.objects.exists()
