"""Server configurations that bench/bench_text.py compares in one run (`--variants a,b,...`).

Each is the environment and the settings-overlay lines (bench/common.py's Server) that make
it. The runs alternate (a b c a b c ...) so that other load on a shared
machine falls on every configuration alike; the table gives each configuration's median over
its rounds, with the load average seen at each run.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.common import machine_note, median, table

# SQLite's default DEFERRED transactions instead of the settings' IMMEDIATE: what the setting prevents.
DEFERRED = [
    "if 'sqlite' in DATABASES['default']['ENGINE']:",
    "    DATABASES['default']['OPTIONS'].pop('transaction_mode', None)",
]


@dataclass(frozen=True)
class Variant:
    name: str
    about: str
    env: dict[str, str] = field(default_factory=dict)
    settings_lines: tuple[str, ...] = ()
    root: Path | None = None  # another checkout serving (NAME=PATH on the command line)


# Issue 14 item 5 compared the hand-written HTTP handler, CPU semaphore and SQLite backend this way
# (switches since removed with them; the code before is compared as `before=PATH` now), then the
# PostgreSQL pool and persistent SQLite connections (bench/README.md has the tables).
VARIANTS = {v.name: v for v in [
    Variant("default", "the code as it stands"),
    Variant("deferred", "SQLite with DEFERRED transactions (Django's default) instead of IMMEDIATE", {},
            tuple(DEFERRED)),
    Variant("no-pool", "PostgreSQL without the connection pool (a new connection per request)",
            {"DATABASE_POOL": "false"}),
    Variant("conn-max-age", "SQLite with CONN_MAX_AGE=600 (persistent connections) instead of Django's 0", {},
            ("if 'sqlite' in DATABASES['default']['ENGINE']:", "    DATABASES['default']['CONN_MAX_AGE'] = 600")),
]}


def parse(names: str) -> list[Variant]:
    """`a,b`: variants by name; `NAME=PATH`: the code of another checkout (e.g. `git worktree add
    /tmp/before main`, with its own .venv) served as it stands, to compare before and after."""
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    checkouts = {n.split("=", 1)[0]: Path(n.split("=", 1)[1]) for n in chosen if "=" in n}
    missing = [str(p) for p in checkouts.values() if not (p / "manage.py").exists()]
    unknown = [n for n in chosen if "=" not in n and n not in VARIANTS]
    if unknown or missing or not chosen:
        raise argparse.ArgumentTypeError(f"unknown variant(s) {unknown}, no manage.py in {missing}; "
                                         f"choose from {', '.join(VARIANTS)} or NAME=PATH")
    out = []
    for n in chosen:
        name = n.split("=", 1)[0]
        out.append(replace(VARIANTS["default"], name=name, about=f"the code at {checkouts[name]}",
                           root=checkouts[name]) if name in checkouts else VARIANTS[n])
    return out


def variant_table(runs: list[dict]) -> str:
    """One row per variant: medians over its rounds of each run's figures; failures summed."""
    rows = []
    for name in dict.fromkeys(r["variant"] for r in runs):
        mine = [r for r in runs if r["variant"] == name]
        loads = [r["load"] for r in mine]
        rows.append([
            name, len(mine),
            median(r["seq_p50"] for r in mine), median(r["seq_cpu"] for r in mine),
            median(r["p50"] for r in mine), median(r["p95"] for r in mine),
            median(r["tps"] for r in mine), median(r["cpu"] for r in mine),
            sum(r["failed"] for r in mine), sum(r["locked"] for r in mine),
            f"{min(loads):.2f}-{max(loads):.2f}",
        ])
    return table(["variant", "runs", "1 client p50 ms", "1 client CPU ms/turn", "p50 ms", "p95 ms", "turns/s",
                  "server CPU ms/turn", "failed turns", "'database is locked'", "load avg (1 min)"], rows)


def runs_table(runs: list[dict]) -> str:
    return table(["#", "variant", "p50 ms", "p95 ms", "turns/s", "server CPU ms/turn", "failed", "load avg (1 min)"],
                 [[i + 1, r["variant"], r["p50"], r["p95"], r["tps"], r["cpu"], r["failed"], r["load"]]
                  for i, r in enumerate(runs)])



def report(args, workers: int, runs: list[dict], failures: list[str]) -> None:
    database = "PostgreSQL" if args.database_url else "SQLite"
    setup = "1 process, embedded" if workers == 1 else f"`serve --workers {workers}` + Redis"
    print(f"\nText turns, {setup}, {database}, {args.clients} clients x {args.concurrent_turns} turns, "
          f"1 client x {args.turns} turns, {args.rounds} rounds alternated ({machine_note()})\n")
    for v in args.variants:
        print(f"- {v.name}: {v.about}")
    print("\n" + variant_table(runs) + "\n\nEach run, in order:\n\n" + runs_table(runs))
    for line in failures[:10]:
        print(f"FAILED {line}")
