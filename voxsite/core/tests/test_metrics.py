import re
import uuid

import pytest

from voxsite.core import metrics

SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?P<labels>\{.*\})? (?P<value>\S+)$", re.S)


def unique(prefix):
    return f"test_{prefix}_{uuid.uuid4().hex[:8]}"


def parse_exposition(text):
    """Parse Prometheus text format 0.0.4 strictly enough to catch malformed output:
    every sample belongs to a family declared by a preceding TYPE line."""
    types, samples = {}, []
    for line in text.split("\n"):  # the format's only line separator (splitlines() knows many)
        if not line:
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            continue
        if line.startswith("# HELP "):
            continue
        m = SAMPLE.match(line)
        assert m, f"malformed sample line: {line!r}"
        name = m["name"]
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and types.get(name[: -len(suffix)]) == "histogram":
                family = name[: -len(suffix)]
        assert family in types, f"sample {name} has no TYPE line"
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m["labels"] or ""))
        samples.append((name, labels, float(m["value"])))
    return types, samples


def value_of(samples, name, **labels):
    for n, ls, v in samples:
        if n == name and all(ls.get(k) == str(val) for k, val in labels.items()):
            return v
    return None


def test_counter_counts_per_label_set_and_renders_total():
    c = metrics.counter(unique("c"), "A test counter.", ("stage",))
    c.inc(stage="asr")
    c.inc(2.5, stage="asr")
    c.inc(stage="tts")
    types, samples = parse_exposition(metrics.render_all())
    assert types[f"{c.name}_total"] == "counter"
    assert value_of(samples, f"{c.name}_total", stage="asr") == 3.5
    assert value_of(samples, f"{c.name}_total", stage="tts") == 1.0
    assert c.value(stage="asr") == 3.5


def test_histogram_buckets_are_cumulative_and_bounds_inclusive():
    h = metrics.histogram(unique("h"), "A test histogram.", ("provider",), buckets=(10, 100, 1000))
    for v in (5, 10, 50, 5000):
        h.observe(v, provider="piper")
    types, samples = parse_exposition(metrics.render_all())
    assert types[h.name] == "histogram"
    bucket = f"{h.name}_bucket"
    assert value_of(samples, bucket, provider="piper", le="10") == 2  # 5 and 10: le is "less or equal"
    assert value_of(samples, bucket, provider="piper", le="100") == 3
    assert value_of(samples, bucket, provider="piper", le="1000") == 3
    assert value_of(samples, bucket, provider="piper", le="+Inf") == 4
    assert value_of(samples, f"{h.name}_sum", provider="piper") == 5065
    assert value_of(samples, f"{h.name}_count", provider="piper") == 4
    assert h.count(provider="piper") == 4


def test_label_values_are_escaped():
    c = metrics.counter(unique("esc"), "Escaping.", ("route",))
    c.inc(route='a"b\\c')
    c.inc(route="two\nlines\rand \u2028 more")
    text = metrics.render_all()
    assert f'{c.name}_total{{route="a\\"b\\\\c"}} 1.0' in text
    assert f'{c.name}_total{{route="two\\nlines\rand \u2028 more"}} 1.0' in text
    _, samples = parse_exposition(text)
    assert value_of(samples, f"{c.name}_total", route='a\\"b\\\\c') == 1.0


def test_help_text_is_escaped():
    c = metrics.counter(unique("help"), "First line\nsecond \\ line.")
    c.inc()
    assert f"# HELP {c.name}_total First line\\nsecond \\\\ line.\n" in metrics.render_all()


def test_same_name_returns_the_same_metric():
    name = unique("same")
    assert metrics.counter(name, "x", ("a",)) is metrics.counter(name, "x", ("a",))


def test_same_name_with_other_labels_or_kind_is_refused():
    name = unique("clash")
    metrics.counter(name, "x", ("a",))
    with pytest.raises(ValueError, match="already registered"):
        metrics.counter(name, "x", ("b",))
    with pytest.raises(ValueError, match="already registered"):
        metrics.histogram(name, "x", ("a",))


def test_middleware_labels_requests_by_route_pattern(client):
    from django.urls import resolve

    route = "/" + resolve("/admin/r/1/abc/").route
    assert "<" in route  # a pattern with parameters, so two raw paths share one label
    before = metrics.HTTP_REQUESTS.value(route=route, method="GET", status="302")
    client.get("/admin/r/1/abc/")
    client.get("/admin/r/2/xyz/")
    assert metrics.HTTP_REQUESTS.value(route=route, method="GET", status="302") == before + 2
    text = metrics.render_all()
    assert "/admin/r/1/abc/" not in text


@pytest.mark.django_db
def test_middleware_labels_the_site_root_and_unmatched_paths(client):
    root_before = metrics.HTTP_REQUESTS.value(route="/", method="GET", status="200")
    lost_before = metrics.HTTP_REQUESTS.value(route="unmatched", method="GET", status="404")
    client.get("/")
    client.get(f"/no-such-page-{uuid.uuid4().hex}")
    assert metrics.HTTP_REQUESTS.value(route="/", method="GET", status="200") == root_before + 1
    assert metrics.HTTP_REQUESTS.value(route="unmatched", method="GET", status="404") == lost_before + 1


def test_whole_exposition_is_well_formed(client):
    client.get("/api/health")
    parse_exposition(metrics.render_all())
