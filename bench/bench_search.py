"""Product search: quality on shopper queries in four languages, and speed on a big catalog.

    .venv/bin/python bench/bench_search.py [--backends sqlite,postgres] [--postgres-url URL]
        [--products 50000] [--rounds 3] [--failures] [--quick] [--json out.json]

For each backend, a child process migrates a fresh database (a temporary SQLite file, or a
PostgreSQL database that it creates and drops: `--postgres-url`, default
postgres://postgres@127.0.0.1:5432/voxsite_bench_search), seeds the demo shop and asks
`catalog.selectors.product_search(query=...)` every query of the evaluation set
(catalog/tests/fixtures/search_eval.jsonl: shoppers' queries in English, Hindi, Bengali and
Marathi, in their own script and romanised, each with the demo products a person would accept).

- recall@3: the share of queries with an accepted product among the first three results;
- MRR: the mean of 1/rank of the first accepted product (0 when none is in the first ten);
- both per language, for all queries and for the held-out quarter alone (never used for tuning).

Then the catalog grows to `--products` products (bench/search_catalog.py generates them; nothing
is committed) and every query is timed `--rounds` times after one uncounted round: the time of
`product_search(query=...)` plus reading its first ten results, in the child process (ORM and
database, no HTTP). `--failures` lists the queries that missed, tuning set only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, machine_note, percentile, python, server_env, table  # noqa: E402

EVAL_PATH = ROOT / "catalog" / "tests" / "fixtures" / "search_eval.jsonl"
# Written after the search was tuned, and never tuned on: a check on the held-out figures.
FRESH_PATH = ROOT / "catalog" / "tests" / "fixtures" / "search_eval_fresh.jsonl"
LANGUAGES = ("en", "hi", "bn", "mr")
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/voxsite_bench_search"
TOP = 10


def load_eval(path: Path = EVAL_PATH) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def first_rank(skus: list[str], accepted: list[str]) -> int | None:
    """1-based rank of the first accepted SKU among `skus`, or None."""
    for i, sku in enumerate(skus, start=1):
        if sku in accepted:
            return i
    return None


def summarise(rows: list[dict], ranks: dict[str, int | None]) -> dict[str, dict]:
    """Per language (and "all"): queries, recall@3 and MRR, for every query and the held-out quarter."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row["language"]].append(row)
        groups["all"].append(row)

    def scores(part: list[dict]) -> tuple[int, float | None, float | None]:
        if not part:
            return 0, None, None
        found = [ranks.get(r["id"]) for r in part]
        recall = sum(1 for k in found if k is not None and k <= 3) / len(part)
        mrr = sum(1 / k for k in found if k is not None) / len(part)
        return len(part), recall, mrr

    out = {}
    for name in (*LANGUAGES, "all"):
        part = groups.get(name, [])
        n, recall, mrr = scores(part)
        hn, hrecall, hmrr = scores([r for r in part if r["held_out"]])
        out[name] = {"queries": n, "recall3": recall, "mrr": mrr, "held_out": hn, "held_recall3": hrecall,
                     "held_mrr": hmrr}
    return out


# ---------------------------------------------------------------------------
# The child: one backend, Django set up against its database


def _search_skus(query: str) -> list[str]:
    from catalog.selectors import product_search

    return [p.sku for p in product_search(query=query)[:TOP]]


def _grow(total: int) -> int:
    """Add generated products until the catalog holds `total`; returns how many were added."""
    from catalog.models import Category, Product
    from bench.search_catalog import generate

    missing = total - Product.objects.count()
    if missing <= 0:
        return 0
    categories = {c.slug: c for c in Category.objects.all()}
    batch: list[Product] = []
    for data in generate(missing):
        batch.append(Product(**{**data, "category": categories[data["category"]]}))
        if len(batch) == 2000:
            Product.objects.bulk_create(batch)
            batch = []
    if batch:
        Product.objects.bulk_create(batch)
    # bulk_create sends no signals: index the grown catalog as a bulk import would (the code before
    # the search work had no index, so this step is skipped when run on it).
    try:
        from catalog.services import product_search_index_rebuild
    except ImportError:
        return missing
    product_search_index_rebuild()
    return missing


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", quiet=True)
    setup_s = time.perf_counter() - t0

    rows = load_eval(Path(args.eval))
    results = {r["id"]: _search_skus(r["query"]) for r in rows}
    ranks = {r["id"]: first_rank(results[r["id"]], r["accept"]) for r in rows}

    t0 = time.perf_counter()
    added = _grow(args.products)
    with connection.cursor() as cur:
        # As after any bulk import: statistics for the planner (PostgreSQL also reclaims space).
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    grow_s = time.perf_counter() - t0

    from catalog.models import Product

    for row in rows:  # warm-up round, not counted
        _search_skus(row["query"])
    times: list[float] = []
    for _ in range(args.rounds):
        for row in rows:
            start = time.perf_counter()
            _search_skus(row["query"])
            times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({
        "vendor": connection.vendor, "products": Product.objects.count(), "added": added, "setup_s": setup_s,
        "grow_s": grow_s, "results": results, "ranks": ranks, "times_ms": times,
    }))


# ---------------------------------------------------------------------------
# The parent: one child per backend, then the tables


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    base, _, _ = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def run_backend(backend: str, args: argparse.Namespace) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="voxsite-bench-search-"))
    extra = {}
    if backend == "postgres":
        extra["DATABASE_URL"] = args.postgres_url
        name = args.postgres_url.rpartition("/")[2]
        _pg_admin(args.postgres_url, f'DROP DATABASE IF EXISTS "{name}"')
        _pg_admin(args.postgres_url, f'CREATE DATABASE "{name}"')
    env = server_env(workdir, extra)
    try:
        done = subprocess.run(
            [python(), str(Path(__file__).resolve()), "--child", "--products", str(args.products), "--rounds",
             str(args.rounds), "--eval", str(args.eval)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{backend} child failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if backend == "postgres" and not os.environ.get("BENCH_KEEP_WORKDIR"):
            _pg_admin(args.postgres_url, f'DROP DATABASE IF EXISTS "{args.postgres_url.rpartition("/")[2]}"')
        if not os.environ.get("BENCH_KEEP_WORKDIR"):
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def quality_table(summaries: dict[str, dict]) -> str:
    rows = []
    for backend, summary in summaries.items():
        for lang in (*LANGUAGES, "all"):
            s = summary[lang]
            rows.append([backend, lang, s["queries"], _pct(s["recall3"]), _num(s["mrr"]), s["held_out"],
                         _pct(s["held_recall3"]), _num(s["held_mrr"])])
    return table(["backend", "language", "queries", "recall@3", "MRR", "held-out", "held-out recall@3",
                  "held-out MRR"], rows)


def speed_table(outs: dict[str, dict]) -> str:
    rows = []
    for backend, out in outs.items():
        t = out["times_ms"]
        rows.append([backend, out["products"], len(t), f"{percentile(t, 50):.1f} ms", f"{percentile(t, 95):.1f} ms",
                     f"{max(t):.1f} ms"])
    return table(["backend", "products", "searches", "p50", "p95", "max"], rows)


def failures(rows: list[dict], out: dict) -> list[str]:
    """Missed queries of the tuning set (the held-out quarter is never shown)."""
    lines = []
    for row in rows:
        if row["held_out"]:
            continue
        rank = out["ranks"].get(row["id"])
        if rank is None or rank > 3:
            got = ", ".join(out["results"][row["id"]][:3]) or "nothing"
            lines.append(f"{row['id']} [{row['script']}] {row['query']!r}: rank {rank}; top 3: {got}; "
                         f"accept {', '.join(row['accept'])}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--failures", action="store_true")
    parser.add_argument("--quick", action="store_true", help="SQLite only, 2,000 products, one round")
    parser.add_argument("--eval", default=str(EVAL_PATH),
                        help=f"queries to score (default: the evaluation set; {FRESH_PATH.name}: the fresh check)")
    parser.add_argument("--json")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return 0
    if args.quick:
        args.backends, args.products, args.rounds = "sqlite", 2000, 1

    rows = load_eval(Path(args.eval))
    outs: dict[str, dict] = {}
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        print(f"[bench] {backend}: migrate, seed, {len(rows)} queries, grow to {args.products} products ...",
              file=sys.stderr, flush=True)
        outs[backend] = run_backend(backend, args)
        print(f"[bench] {backend}: set up in {outs[backend]['setup_s']:.1f} s, grown in "
              f"{outs[backend]['grow_s']:.1f} s", file=sys.stderr, flush=True)

    summaries = {b: summarise(rows, out["ranks"]) for b, out in outs.items()}
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    print(f"Search quality: {len(rows)} queries of {Path(args.eval).name} ({sum(r['held_out'] for r in rows)} held out), "
          "demo catalog\n")
    print(quality_table(summaries))
    print(f"\nSearch time: product_search(query) + its first {TOP} results, every query x {args.rounds} rounds\n")
    print(speed_table(outs))
    print(f"\n{machine_note()}; commit {commit}; {time.strftime('%Y-%m-%d %H:%M')}")
    if args.failures:
        for backend, out in outs.items():
            lines = failures(rows, out)
            print(f"\n{backend}: {len(lines)} tuning-set queries missed the top 3")
            for line in lines:
                print("  " + line)
    if args.json:
        Path(args.json).write_text(json.dumps({"summaries": summaries, "outs": outs}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
