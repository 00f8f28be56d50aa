"""The search evaluation set (catalog/tests/fixtures/search_eval.jsonl) is well formed: enough
queries, a quarter per language, a quarter of each held out, and every accepted product is an
active product of the demo shop. bench/bench_search.py scores the search on it."""

import json
from collections import Counter
from pathlib import Path

from voxsite.demo.catalog_data import PRODUCTS

PATH = Path(__file__).parent / "fixtures" / "search_eval.jsonl"
ROWS = [json.loads(line) for line in PATH.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_at_least_120_queries_a_quarter_per_language():
    assert len(ROWS) >= 120
    per_language = Counter(r["language"] for r in ROWS)
    assert set(per_language) == {"en", "hi", "bn", "mr"}
    for count in per_language.values():
        assert abs(count - len(ROWS) / 4) <= len(ROWS) * 0.05


def test_a_quarter_of_each_language_is_held_out():
    for language in ("en", "hi", "bn", "mr"):
        rows = [r for r in ROWS if r["language"] == language]
        held = sum(r["held_out"] for r in rows)
        assert abs(held - len(rows) / 4) <= 1, language


def test_indic_languages_are_asked_in_their_script_and_romanised():
    scripts = {lang: Counter(r["script"] for r in ROWS if r["language"] == lang) for lang in ("hi", "bn", "mr")}
    assert scripts["hi"].keys() == {"deva", "latin"} and scripts["mr"].keys() == {"deva", "latin"}
    assert scripts["bn"].keys() == {"beng", "latin"}
    for counts in scripts.values():
        assert min(counts.values()) >= 10


def test_ids_and_queries_are_unique_and_every_accepted_product_is_an_active_demo_product():
    active = {p["sku"] for p in PRODUCTS if p["active"]}
    assert len({r["id"] for r in ROWS}) == len(ROWS)
    assert len({(r["language"], r["query"]) for r in ROWS}) == len(ROWS)
    for row in ROWS:
        assert row["query"].strip() and row["accept"], row
        assert set(row["accept"]) <= active, row
