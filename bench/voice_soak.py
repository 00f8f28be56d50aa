"""The soak part of the voice bench (`bench_voice.py --soak MINUTES`): the server's memory, CPU and
the machine's load sampled while the sessions talk, and the turns cut into fixed windows of time
so a slow leak or a latency creep shows as a trend rather than vanishing into one average."""

from __future__ import annotations

import asyncio
import bisect
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import Server, percentile


def rss_bytes(pids: list[int]) -> int | None:
    """Resident memory of the server's processes together (VmRSS from /proc); Linux only."""
    total, seen = 0, False
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
                seen = True
                break
    return total if seen else None


@dataclass
class Sample:
    at: float  # perf_counter
    rss: int | None
    cpu_s: float | None
    load1: float


class ServerSampler:
    """Every `every_s` seconds, in the bench's event loop: server RSS, server CPU seconds, load."""

    def __init__(self, srv: Server, every_s: float):
        self.srv, self.every_s = srv, every_s
        self.samples: list[Sample] = []

    def sample(self) -> None:
        self.samples.append(Sample(time.perf_counter(), rss_bytes(self.srv.pids()), self.srv.cpu_seconds(),
                                   os.getloadavg()[0]))

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.every_s)


def _cpu_at(samples: list[Sample], t: float) -> float | None:
    """CPU seconds at the last sample taken at or before `t`."""
    i = bisect.bisect_right([s.at for s in samples], t) - 1
    return samples[i].cpu_s if i >= 0 else None


def _row(label: str, turns: list[dict], samples: list[Sample], cpu_s: float | None) -> dict:
    lat = [t["latency_ms"] for t in turns if t["latency_ms"] is not None]
    rss = [s.rss for s in samples if s.rss is not None]
    return {
        "window": label, "turns": len(turns), "measured": len(lat),
        "lost": sum(t["status"] == "lost" for t in turns),
        "out_of_order": sum(t["status"] == "out_of_order" for t in turns),
        "other_failures": sum(t["status"] in ("mismatch", "no_audio") for t in turns),
        "p50": percentile(lat, 50), "p95": percentile(lat, 95),
        "fillers": sum(bool(t.get("filler")) for t in turns),
        "rss_mb": max(rss) / 2**20 if rss else None,
        "cpu_s_per_turn": cpu_s / len(turns) if cpu_s is not None and turns else None,
        "load1": max((s.load1 for s in samples), default=None),
    }


def windows(turns: list[dict], samples: list[Sample], *, t0: float, end: float, window_s: float) -> list[dict]:
    """One row per `window_s` from t0 to end, by each turn's end of speech (a turn still in flight
    when the soak ended counts in the last window), then a total row. RSS is the window's peak."""
    samples = sorted(samples, key=lambda s: s.at)
    count = max(1, math.ceil((end - t0) / window_s - 1e-9))
    bounds = [t0 + i * window_s for i in range(count)] + [math.inf]
    per: list[list[dict]] = [[] for _ in range(count)]
    for t in turns:
        at = t["eos_at"] if t["eos_at"] is not None else end
        per[min(count - 1, max(0, int((at - t0) // window_s)))].append(t)
    rows = []
    for i in range(count):
        lo, hi = bounds[i], bounds[i + 1]
        cpu0, cpu1 = _cpu_at(samples, lo), _cpu_at(samples, hi)
        label = f"{i * window_s:.0f}-{min((i + 1) * window_s, end - t0):.0f} s"
        inside = [s for s in samples if lo < s.at <= hi] or [s for s in samples if s.at <= lo][-1:]
        rows.append(_row(label, per[i], inside, None if None in (cpu0, cpu1) else cpu1 - cpu0))
    cpu0, cpu1 = _cpu_at(samples, t0), _cpu_at(samples, math.inf)
    rows.append(_row("total", turns, samples, None if None in (cpu0, cpu1) else cpu1 - cpu0))
    return rows
