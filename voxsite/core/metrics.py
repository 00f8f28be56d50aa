"""A small in-process Prometheus registry: counters and histograms, text exposition format.

Each worker process exposes its own numbers (Prometheus scrapes each replica), so no
shared store is needed. Later stages register their own metrics with `counter()` and
`histogram()`.
"""

import bisect
import threading
import time

_lock = threading.Lock()
_registry: dict[str, "Metric"] = {}

DEFAULT_BUCKETS_MS = (5, 10, 25, 50, 100, 200, 350, 500, 800, 1000, 1500, 2500, 5000, 10000)


def _escape(value: str, quote: bool = True) -> str:
    # Text format 0.0.4: label values escape backslash, double quote and newline; HELP text
    # escapes backslash and newline. An unescaped newline would split a sample in two.
    value = value.replace("\\", "\\\\").replace("\n", "\\n")
    return value.replace('"', '\\"') if quote else value


def _fmt_labels(names, values, extra=""):
    parts = [f'{n}="{_escape(str(v))}"' for n, v in zip(names, values)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


class Metric:
    kind = ""

    def __init__(self, name: str, help_text: str, labels: tuple[str, ...] = ()):
        self.name, self.help, self.labels = name, help_text, tuple(labels)
        self._values: dict[tuple, object] = {}
        self._lock = threading.Lock()

    def header(self):
        return [f"# HELP {self.name} {_escape(self.help, quote=False)}", f"# TYPE {self.name} {self.kind}"]


class Counter(Metric):
    kind = "counter"

    def header(self):
        # Text format 0.0.4: the family in HELP/TYPE is the exposed sample name, suffix included.
        return [f"# HELP {self.name}_total {_escape(self.help, quote=False)}", f"# TYPE {self.name}_total {self.kind}"]

    def inc(self, amount: float = 1.0, **labels):
        key = tuple(labels.get(n, "") for n in self.labels)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels) -> float:
        return self._values.get(tuple(labels.get(n, "") for n in self.labels), 0.0)

    def render(self):
        lines = self.header()
        for key, val in sorted(self._values.items()):
            lines.append(f"{self.name}_total{_fmt_labels(self.labels, key)} {val}")
        return lines


class Histogram(Metric):
    kind = "histogram"

    def __init__(self, name, help_text, labels=(), buckets=DEFAULT_BUCKETS_MS):
        super().__init__(name, help_text, labels)
        self.buckets = tuple(sorted(buckets))

    def observe(self, value: float, **labels):
        key = tuple(labels.get(n, "") for n in self.labels)
        with self._lock:
            counts, total = self._values.get(key, ([0] * (len(self.buckets) + 1), [0.0, 0]))
            counts[bisect.bisect_left(self.buckets, value)] += 1
            total[0] += value
            total[1] += 1
            self._values[key] = (counts, total)

    def count(self, **labels) -> int:
        entry = self._values.get(tuple(labels.get(n, "") for n in self.labels))
        return entry[1][1] if entry else 0

    def render(self):
        lines = self.header()
        for key, (counts, (s, n)) in sorted(self._values.items()):
            cumulative = 0
            for bound, c in zip(self.buckets, counts):
                cumulative += c
                le = 'le="%s"' % bound
                lines.append(f"{self.name}_bucket{_fmt_labels(self.labels, key, le)} {cumulative}")
            inf = 'le="+Inf"'
            lines.append(f"{self.name}_bucket{_fmt_labels(self.labels, key, inf)} {n}")
            lines.append(f"{self.name}_sum{_fmt_labels(self.labels, key)} {s}")
            lines.append(f"{self.name}_count{_fmt_labels(self.labels, key)} {n}")
        return lines


def _get_or_create(cls, name, help_text, labels, **kw):
    with _lock:
        metric = _registry.get(name)
        if metric is None:
            metric = _registry[name] = cls(name, help_text, labels, **kw)
        elif type(metric) is not cls or metric.labels != tuple(labels):
            # Two modules sharing a name must agree, or one of them would silently lose its labels.
            raise ValueError(
                f"metric {name!r} is already registered as a {metric.kind} with labels {metric.labels}"
            )
        return metric


def counter(name: str, help_text: str, labels: tuple[str, ...] = ()) -> Counter:
    return _get_or_create(Counter, name, help_text, labels)


def histogram(name: str, help_text: str, labels: tuple[str, ...] = (), buckets=DEFAULT_BUCKETS_MS) -> Histogram:
    return _get_or_create(Histogram, name, help_text, labels, buckets=buckets)


def render_all() -> str:
    with _lock:
        metrics = list(_registry.values())
    out = []
    for m in sorted(metrics, key=lambda m: m.name):
        out.extend(m.render())
    return "\n".join(out) + "\n"


HTTP_REQUESTS = counter("voxsite_http_requests", "HTTP requests by route, method and status.", ("route", "method", "status"))
HTTP_LATENCY = histogram("voxsite_http_request_duration_ms", "HTTP request latency in ms by route.", ("route", "method"))


class MetricsMiddleware:
    """Counts requests and their latency per URL route (the pattern, not the raw path)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - start) * 1000
        match = getattr(request, "resolver_match", None)
        # The route pattern, not the raw path, keeps the label set small; "" is the site root.
        route = ("/" + (match.route or "")) if match is not None else "unmatched"
        HTTP_REQUESTS.inc(route=route, method=request.method, status=str(response.status_code))
        HTTP_LATENCY.observe(elapsed_ms, route=route, method=request.method)
        return response
