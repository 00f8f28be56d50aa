"""Text turns through the full HTTP stack: a real Daphne server, DRF, the offline brain, SQLite
or PostgreSQL.

    .venv/bin/python bench/bench_text.py [--turns 300] [--clients 8] [--concurrent-turns 800] [--quick]
        [--database-url postgres://postgres@127.0.0.1:5432/voxsite_bench] [--redis-url redis://...]
        [--variants before=/tmp/before,no-pool,default --rounds 2 --workers 2]

Every turn is `POST /api/conversation/message`, as the widget and the prototype's clients send
it, over keep-alive connections from 127.0.0.1 (one per conversation, as a shopper's page). The turns follow short scripted conversations
with a mix of intents: product search, policy, FAQ, order tracking with identity verification
(the order number, then the phone number on the order, read from the seeded database) and
small talk. Each conversation starts a new session (no session_id; the reply carries a token)
and the follow-up turns send session_id + token, as a shopper's browser would.

Measures: latency per turn at the client for one sequential client (p50/p95/p99), and turns
per second with N concurrent clients (each its own connection). Every reply is checked: HTTP
200, the expected tool called; anything else is counted and reported, never silently timed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import text_variants  # noqa: E402
from bench.common import HOST, ROOT, Server, demo_order_phones, machine_note, percentile, table  # noqa: E402
from bench.text_profile import profile_summary, start_profiler, stop_profiler  # noqa: E402

TARGET_P50_MS = 25.0
TARGET_TPS = 150.0

# (text, label for the per-intent table, the tool the reply must have called or None).
# {phone:ORD-x} / {last4:ORD-x} are filled from the seeded database.
CONVERSATIONS: list[list[tuple[str, str, str | None]]] = [
    [("Hello", "small talk", None),
     ("Where is my order ORD-1042?", "track: ask phone", None),
     ("{phone:ORD-1042}", "track: verified", "track_order"),
     ("Thank you", "small talk", None)],
    [("What is your return policy?", "policy", "get_policy"),
     ("Do you have earbuds under 2000 rupees?", "product search", "search_products")],
    [("How long does delivery take?", "faq", "search_faqs"),
     ("Track my order ORD-1032", "track: ask phone", None),
     ("The last four digits are {last4:ORD-1032}", "track: verified", "track_order")],
    [("Show me smartwatches", "product search", "search_products"),
     ("What is your refund policy?", "policy", "get_policy"),
     ("Is cash on delivery available?", "faq", "search_faqs")],
    [("Hi there", "small talk", None),
     ("I need a power bank under 1500", "product search", "search_products"),
     ("Thanks, bye", "small talk", None)],
]
ORDERS = ("ORD-1042", "ORD-1032")


def fill(text: str, phones: dict[str, str]) -> str:
    for number, phone in phones.items():
        text = text.replace(f"{{phone:{number}}}", phone).replace(f"{{last4:{number}}}", phone[-4:])
    return text


@dataclass
class Turn:
    label: str
    ms: float
    ok: bool
    detail: str = ""


class Client:
    """Shoppers one after another: each conversation on its own keep-alive connection."""

    def __init__(self, port: int, scripts: list[list[tuple[str, str, str | None]]], offset: int = 0, timeout: float = 30.0):
        self.port, self.scripts, self.offset, self.timeout = port, scripts, offset, timeout
        self.conn: http.client.HTTPConnection | None = None

    def _post(self, body: dict) -> tuple[int, dict]:
        data = json.dumps(body).encode()
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.conn.request("POST", "/api/conversation/message", data, {"Content-Type": "application/json"})
                resp = self.conn.getresponse()
                raw = resp.read()
                if resp.getheader("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:  # Django's HTML 500 page
                    body = {"code": f"non-JSON body {raw[:40]!r}"}
                return resp.status, body if isinstance(body, dict) else {}
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server closed while idle: reconnect once.
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def run(self, n_turns: int) -> list[Turn]:
        out: list[Turn] = []
        i = self.offset
        while len(out) < n_turns:
            script = self.scripts[i % len(self.scripts)]
            i += 1
            # A new shopper, a new page: a new keep-alive connection for each conversation. With
            # several server processes this is also what spreads clients over them (the kernel
            # picks a process per new connection; 8 connections held for the whole run often
            # landed 6 and 2).
            self.close()
            session: dict = {}
            for text, label, tool in script:
                if len(out) >= n_turns:
                    break
                body = {"text": text, "language": "en", **session}
                t0 = time.perf_counter()
                try:
                    status, reply = self._post(body)
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    out.append(Turn(label, (time.perf_counter() - t0) * 1000, False, f"{type(exc).__name__}: {exc}"))
                    break
                ms = (time.perf_counter() - t0) * 1000
                called = [c.get("name") for c in reply.get("tool_calls", [])] if status == 200 else []
                if status != 200:
                    out.append(Turn(label, ms, False, f"HTTP {status} {reply.get('code')}"))
                    break
                if tool is not None and tool not in called:
                    out.append(Turn(label, ms, False, f"{text!r}: expected {tool}, got {called} ({reply.get('reply', '')[:80]!r})"))
                else:
                    out.append(Turn(label, ms, True))
                if not session:
                    session = {"session_id": reply["session_id"], "token": reply["token"]}
        return out

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run_concurrent(port: int, scripts, clients: int, turns_each: int) -> tuple[list[Turn], float]:
    results: list[list[Turn]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []
    start_gate = threading.Barrier(clients + 1)

    def work(k: int) -> None:
        client = Client(port, scripts, offset=k)
        try:
            start_gate.wait(timeout=30)
            results[k] = client.run(turns_each)
        except BaseException as exc:  # noqa: BLE001 - reported below, the bench must not hang
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    start_gate.wait(timeout=30)
    t0 = time.perf_counter()
    for t in threads:
        t.join(timeout=600)
    wall = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"{len(errors)} client(s) failed: {errors[0]!r}")
    return [turn for r in results for turn in r], wall


def summarize(turns: list[Turn]) -> dict:
    ok = [t.ms for t in turns if t.ok]
    return {"turns": len(turns), "failed": sum(not t.ok for t in turns), "p50": percentile(ok, 50),
            "p95": percentile(ok, 95), "p99": percentile(ok, 99), "max": max(ok) if ok else None}


def redis_reachable(url: str) -> str | None:
    """None when Redis answers PING at `url`, else why not."""
    try:
        import redis
    except ImportError as exc:  # channels-redis brings redis-py; without it, say so
        return f"redis-py missing ({exc})"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "skip the multi-process rows"
        return f"{type(exc).__name__}: {exc}"
    return None


def measure(args, workers: int, extra_env: dict[str, str], profile: str | None, settings_lines=(), root=ROOT) -> dict:
    """One server configuration: warm-up, the sequential client, then the concurrent clients."""
    with Server(sqlite_immediate=args.sqlite_immediate, extra_env=extra_env, workers=workers,
                database_url=args.database_url, settings_lines=settings_lines, root=root) as srv:
        phones = demo_order_phones(srv, ORDERS)
        scripts = [[(fill(text, phones), label, tool) for text, label, tool in conv] for conv in CONVERSATIONS]

        # Each worker process warms up on the connections it accepts: warm with as many clients.
        _, _ = run_concurrent(srv.port, scripts, max(workers, 1) * 2, max(1, args.warmup // 2))

        spy = start_profiler(srv, profile) if profile else None
        cpu0 = srv.cpu_seconds()
        seq_client = Client(srv.port, scripts)
        seq = seq_client.run(args.turns)
        seq_client.close()
        cpu1 = srv.cpu_seconds()

        per_client = max(1, args.concurrent_turns // args.clients)
        conc, wall = run_concurrent(srv.port, scripts, args.clients, per_client)
        cpu2 = srv.cpu_seconds()
        if spy is not None:
            stop_profiler(spy)
        log = srv.log_path.read_text(errors="replace")
    return {
        "seq": seq, "conc": conc, "wall": wall, "locked": log.count("database is locked"), "load": os.getloadavg()[0],
        "cpu_seq": None if cpu0 is None or cpu1 is None else (cpu1 - cpu0) * 1000 / max(1, len(seq)),
        "cpu_conc": None if cpu1 is None or cpu2 is None else (cpu2 - cpu1) * 1000 / max(1, len(conc)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=300, help="sequential turns (one client)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--concurrent-turns", type=int, default=800, help="turns over all concurrent clients")
    parser.add_argument("--warmup", type=int, default=30, help="turns sent first and not counted")
    parser.add_argument("--workers", default="1,2",
                        help="server configurations to measure, as Daphne process counts (`manage.py serve --workers`): "
                             "1 runs the embedded defaults; more than 1 shares REDIS_URL=--redis-url (default: 1,2)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
                        help="Redis for the multi-process configurations (channel layer and cache); "
                             "default $BENCH_REDIS_URL or redis://127.0.0.1:6379/15")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="PostgreSQL server to run on, e.g. postgres://postgres@127.0.0.1:5432/voxsite_bench: each "
                             "server gets a fresh database named after it (+ a random suffix), dropped afterwards "
                             "(default $BENCH_DATABASE_URL, else a SQLite file in a temp folder)")
    parser.add_argument("--variants", type=text_variants.parse, metavar="NAMES",
                        help="compare server configurations, alternately, on one --workers count: "
                             + "; ".join(f"{v.name}: {v.about}" for v in text_variants.VARIANTS.values()))
    parser.add_argument("--rounds", type=int, default=2, help="with --variants: runs of each (default 2)")
    parser.add_argument("--quick", action="store_true", help="a few turns of each, for the smoke test")
    parser.add_argument("--sqlite-immediate", action="store_true",
                        help="run the server with SQLite transaction_mode=IMMEDIATE (a settings overlay in the temp folder)")
    parser.add_argument("--profile", metavar="PATH",
                        help="sample the server with py-spy (pip install py-spy) while measuring; raw stacks to PATH, "
                             "a summary printed (first configuration only)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.turns, args.clients, args.concurrent_turns, args.warmup = 6, 2, 6, 2
    try:
        worker_counts = [int(w) for w in str(args.workers).split(",") if w.strip()]
    except ValueError:
        parser.error(f"--workers takes process counts such as 1,2, not {args.workers!r}")
    if not worker_counts or min(worker_counts) < 1:
        parser.error("--workers: each count must be at least 1")

    # No speech-model warm-up: it would load Whisper and Piper in the background while we measure.
    base_env = {"VOICE_WARMUP": "false"}
    if args.variants:
        if len(worker_counts) != 1:
            parser.error("--variants compares configurations on one --workers count")
        return compare_variants(args, worker_counts[0], base_env)
    results: dict[int, dict] = {}
    skipped: dict[int, str] = {}
    for n, workers in enumerate(worker_counts):
        env = dict(base_env)
        if workers > 1:
            why = redis_reachable(args.redis_url)
            if why:
                skipped[workers] = f"Redis at {args.redis_url} unreachable ({why}); set --redis-url"
                print(f"[bench] skipping {workers} workers: {skipped[workers]}", file=sys.stderr)
                continue
            # The production shape: Redis is the channel layer and the cache; nothing needs a Celery worker.
            env.update({"REDIS_URL": args.redis_url, "CELERY_TASK_ALWAYS_EAGER": "true"})
        print(f"[bench] measuring {workers} worker process(es)", file=sys.stderr, flush=True)
        results[workers] = measure(args, workers, env, args.profile if n == 0 else None)

    print(f"\nText turns, POST /api/conversation/message, offline brain, Daphne + SQLite ({machine_note()})\n")
    rows, failures, by_label = [], [], defaultdict(list)
    for workers, r in results.items():
        s, c = summarize(r["seq"]), summarize(r["conc"])
        tps = sum(t.ok for t in r["conc"]) / r["wall"] if r["wall"] > 0 else None
        r["tps"] = tps
        setup = "1 process, embedded" if workers == 1 else f"{workers} processes + Redis"
        seq_tps = (sum(t.ok for t in r["seq"]) / (sum(t.ms for t in r["seq"]) / 1000)) if r["seq"] else None
        rows.append([setup, "sequential", 1, s["turns"], s["failed"], s["p50"], s["p95"], s["p99"], s["max"], seq_tps,
                     r["cpu_seq"]])
        rows.append([setup, "concurrent", args.clients, c["turns"], c["failed"], c["p50"], c["p95"], c["p99"], c["max"],
                     tps, r["cpu_conc"]])
        failures += [t for t in r["seq"] + r["conc"] if not t.ok]
        if workers == worker_counts[0]:
            for t in r["seq"]:
                if t.ok:
                    by_label[t.label].append(t.ms)
    print(table(
        ["server", "run", "clients", "turns", "failed", "p50 ms", "p95 ms", "p99 ms", "max ms", "turns/s",
         "server CPU ms/turn"], rows))
    for workers, why in skipped.items():
        print(f"\n{workers} workers not measured: {why}")
    print(f"\nSequential latency by kind of turn ({worker_counts[0]} worker(s))\n")
    print(table(["turn", "n", "p50 ms", "p95 ms"],
                [[k, len(v), percentile(v, 50), percentile(v, 95)] for k, v in sorted(by_label.items())]))
    for t in failures[:10]:
        print(f"FAILED {t.label}: {t.detail}")
    p50s = [summarize(r["seq"])["p50"] for r in results.values()]
    best_tps = max((r["tps"] for r in results.values() if r.get("tps") is not None), default=None)
    best_workers = next((w for w, r in results.items() if r.get("tps") == best_tps), None)
    p50_ok = bool(p50s) and p50s[0] is not None and p50s[0] <= TARGET_P50_MS
    tps_ok = best_tps is not None and best_tps >= TARGET_TPS
    print(f"\ntargets: p50 <= {TARGET_P50_MS:.0f} ms: {'met' if p50_ok else 'MISSED'}; "
          f">= {TARGET_TPS:.0f} turns/s with {args.clients} clients: {'met' if tps_ok else 'MISSED'}"
          + (f" (best: {best_tps:.1f} turns/s with {best_workers} worker(s))" if best_tps is not None else ""))
    if args.json:
        out = {}
        for workers, r in results.items():
            s, c = summarize(r["seq"]), summarize(r["conc"])
            out[str(workers)] = {"sequential": {**s, "server_cpu_ms": r["cpu_seq"]},
                                 "concurrent": {**c, "turns_per_s": r["tps"], "clients": args.clients,
                                                "server_cpu_ms": r["cpu_conc"]}}
        Path(args.json).write_text(json.dumps({"workers": out, "skipped": skipped,
                                               "by_label": {k: percentile(v, 50) for k, v in by_label.items()},
                                               "failures": [t.detail for t in failures]}, indent=2))
    if args.profile:
        print(f"\nWhere the server's time went (py-spy samples, {args.profile})\n")
        print(profile_summary(Path(args.profile)))
    return 1 if failures else 0


def compare_variants(args, workers: int, env: dict[str, str]) -> int:
    """Each variant in turn, --rounds times over (A B C A B C), then one table."""
    if workers > 1:
        why = redis_reachable(args.redis_url)
        if why:
            print(f"[bench] {workers} workers need Redis at {args.redis_url}: {why}", file=sys.stderr)
            return 2
        env = {**env, "REDIS_URL": args.redis_url, "CELERY_TASK_ALWAYS_EAGER": "true"}
    runs, failures = [], []
    for round_ in range(args.rounds):
        for v in args.variants:
            print(f"[bench] round {round_ + 1}/{args.rounds}: {v.name} ({workers} worker(s))", file=sys.stderr, flush=True)
            r = measure(args, workers, {**env, **v.env}, None, v.settings_lines, v.root or ROOT)
            s, c = summarize(r["seq"]), summarize(r["conc"])
            runs.append({"variant": v.name, "seq_p50": s["p50"], "seq_cpu": r["cpu_seq"], "p50": c["p50"],
                         "p95": c["p95"], "tps": sum(t.ok for t in r["conc"]) / r["wall"] if r["wall"] > 0 else None,
                         "cpu": r["cpu_conc"], "failed": s["failed"] + c["failed"], "locked": r["locked"],
                         "load": r["load"]})
            failures += [f"{v.name}: {t.label}: {t.detail}" for t in r["seq"] + r["conc"] if not t.ok]
    text_variants.report(args, workers, runs, failures)
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": runs, "failures": failures}, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
