"""bench_search.py: its scoring helpers, and a tiny real run on SQLite (marked slow). No timing is
asserted: the figures are printed by the bench, not judged here."""

from __future__ import annotations

import json
import subprocess

import pytest

from bench import common
from bench.bench_search import failures, first_rank, summarise
from bench.search_catalog import FAMILIES, generate


def test_first_rank_is_one_based_and_none_when_absent():
    assert first_rank(["A", "B", "C"], ["C", "Z"]) == 3
    assert first_rank(["A", "B"], ["A"]) == 1
    assert first_rank([], ["A"]) is None
    assert first_rank(["A", "B"], ["Z"]) is None


def test_summarise_recall_at_3_and_mrr_per_language_and_held_out():
    rows = [
        {"id": "en-1", "language": "en", "held_out": False},
        {"id": "en-2", "language": "en", "held_out": True},
        {"id": "hi-1", "language": "hi", "held_out": False},
        {"id": "hi-2", "language": "hi", "held_out": False},
    ]
    ranks = {"en-1": 1, "en-2": 4, "hi-1": 2, "hi-2": None}
    s = summarise(rows, ranks)
    # en: ranks 1 and 4 -> one of two in the top 3; MRR (1 + 1/4) / 2
    assert s["en"]["queries"] == 2 and s["en"]["recall3"] == 0.5 and s["en"]["mrr"] == pytest.approx(0.625)
    assert s["en"]["held_out"] == 1 and s["en"]["held_recall3"] == 0.0 and s["en"]["held_mrr"] == 0.25
    assert s["hi"]["recall3"] == 0.5 and s["hi"]["mrr"] == 0.25 and s["hi"]["held_out"] == 0
    assert s["hi"]["held_recall3"] is None
    assert s["bn"]["queries"] == 0 and s["bn"]["recall3"] is None
    assert s["all"]["queries"] == 4 and s["all"]["recall3"] == 0.5


def test_failures_never_show_the_held_out_quarter():
    rows = [
        {"id": "en-1", "language": "en", "script": "latin", "query": "a", "accept": ["X"], "held_out": False},
        {"id": "en-2", "language": "en", "script": "latin", "query": "b", "accept": ["X"], "held_out": True},
        {"id": "en-3", "language": "en", "script": "latin", "query": "c", "accept": ["X"], "held_out": False},
    ]
    out = {"ranks": {"en-1": None, "en-2": None, "en-3": 2}, "results": {"en-1": ["Y"], "en-2": [], "en-3": []}}
    lines = failures(rows, out)
    assert len(lines) == 1 and lines[0].startswith("en-1 ") and "top 3: Y" in lines[0]


def test_generated_catalog_is_deterministic_and_spread_over_the_families():
    first = list(generate(300))
    assert first == list(generate(300))
    assert len({p["sku"] for p in first}) == 300
    assert {p["category"] for p in first} == set(FAMILIES)
    assert all(p["price"] > 0 and p["name"] and p["description"] for p in first)
    assert list(generate(5, seed=1)) != list(generate(5, seed=2))


@pytest.mark.slow
def test_search_bench_tiny_run(tmp_path):
    out = tmp_path / "search.json"
    done = subprocess.run(
        [common.python(), str(common.ROOT / "bench" / "bench_search.py"), "--backends", "sqlite", "--products", "150",
         "--rounds", "1", "--json", str(out)],
        cwd=common.ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| sqlite  | all" in done.stdout and "held-out recall@3" in done.stdout
    data = json.loads(out.read_text())
    sqlite = data["outs"]["sqlite"]
    assert sqlite["products"] == 150 and sqlite["vendor"] == "sqlite"
    assert len(sqlite["times_ms"]) == len(sqlite["ranks"]) == data["summaries"]["sqlite"]["all"]["queries"]
