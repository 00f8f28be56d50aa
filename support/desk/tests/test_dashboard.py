"""The supervisors' dashboard: the daily roll-up's exact numbers, the live/roll-up selector, the
SVG charts and the admin page (filters, bad input, permission, pinned query count)."""

import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from support.desk import charts
from support.desk.services import daily_metrics_rollup
from support.desk.selectors import dashboard_get, metrics_live, percentile
from support.models import Conversation, DailyMetric
from support.conversations.tests.factories import ConversationFactory, MessageFactory, ModelCallFactory, ToolCallFactory

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
DASHBOARD = "admin:support_dailymetric_dashboard"


def day(days_ago: int):
    return timezone.localdate() - timedelta(days=days_ago)


def at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the site's time zone (Asia/Kolkata), so day boundaries are the local ones."""
    return timezone.make_aware(datetime.combine(day(days_ago), time(hour, minute)))


def stamp(obj, when):
    """auto_now_add fields ignore a value given at creation: move the row in time afterwards."""
    field = "started_at" if isinstance(obj, Conversation) else "created_at"
    type(obj).objects.filter(pk=obj.pk).update(**{field: when})
    return obj


def conversation(days_ago, hour, minute=0, **kwargs):
    return stamp(ConversationFactory(**kwargs), at(days_ago, hour, minute))


def message(conv, role, days_ago, hour, minute=0, **kwargs):
    return stamp(MessageFactory(conversation=conv, role=role, language=conv.language, **kwargs), at(days_ago, hour, minute))


def model_call(conv, msg, stage, days_ago, hour, **kwargs):
    return stamp(ModelCallFactory(conversation=conv, message=msg, stage=stage, **kwargs), at(days_ago, hour))


def tool_call(conv, msg, name, days_ago, hour, **kwargs):
    return stamp(ToolCallFactory(conversation=conv, message=msg, name=name, **kwargs), at(days_ago, hour))


@pytest.fixture
def world():
    """Three days of records in three languages. Day 2 (two days ago) is the one whose numbers the
    tests assert exactly; day 1 has a conversation just after local midnight; today has a bit."""
    # -- day 2, English: two voiced turns, a brain fallback, tool error, resolution tag.
    en = conversation(2, 10, language="en", tags=["track_order", "greet", "resolved", "resolution:resolved"])
    u1 = message(en, "user", 2, 10, 1)
    a1 = message(en, "assistant", 2, 10, 1, timings={"eos_to_first_audio_ms": 400.0, "brain_ms": 20})
    u2 = message(en, "user", 2, 10, 2)
    a2 = message(en, "assistant", 2, 10, 2, timings={"eos_to_first_audio_ms": 600.0})
    model_call(en, u1, "asr", 2, 10, provider="faster-whisper", latency_ms=100.0)
    model_call(en, u2, "asr", 2, 10, provider="faster-whisper", latency_ms=200.0)
    model_call(en, a1, "llm", 2, 10, provider="groq", ok=False, error="timeout", latency_ms=5000.0)  # fallback
    model_call(en, a1, "llm", 2, 10, provider="offline", latency_ms=10.0)
    model_call(en, a2, "llm", 2, 10, provider="offline", latency_ms=30.0)
    model_call(en, a1, "tts", 2, 10, provider="piper", latency_ms=50.0)
    model_call(en, a2, "tts", 2, 10, provider="edge-tts", ok=False, error="dead network")
    model_call(en, a2, "tts", 2, 10, provider="piper", latency_ms=70.0)  # rescued the edge-tts failure: a fallback
    tool_call(en, a1, "track_order", 2, 10)
    tool_call(en, a2, "track_order", 2, 10, ok=False, error="not found")

    # -- day 2, Hindi: handed off, one typed turn, a same-provider retry (not a fallback).
    hi = conversation(2, 11, language="hi", tags=["cancel_order"], handoff_requested_at=at(2, 11, 5),
                      status="handed_off")
    hu = message(hi, "user", 2, 11, 1)
    ha = message(hi, "assistant", 2, 11, 1, timings={"eos_to_first_audio_ms": 1000.0})
    model_call(hi, ha, "llm", 2, 11, provider="groq", ok=False, error="429")
    model_call(hi, ha, "llm", 2, 11, provider="groq", latency_ms=20.0)
    model_call(hi, ha, "tts", 2, 11, provider="espeak-ng", ok=False, error="crash")  # the turn's last word: no rescue
    tool_call(hi, ha, "cancel_order", 2, 11)
    model_call(hi, hu, "asr", 2, 11, provider="faster-whisper", ok=False, error="bad audio", latency_ms=None)
    # A call with no message cannot be tied to a turn: never a fallback.
    model_call(hi, None, "asr", 2, 11, provider="faster-whisper", ok=False, error="silence")
    model_call(hi, None, "asr", 2, 11, provider="groq-whisper", latency_ms=150.0)

    # -- day 1: a Bengali conversation 30 minutes after local midnight (still day 2 in UTC).
    bn = conversation(1, 0, 30, language="bn", tags=["faq"], status="handed_off")
    bu = message(bn, "user", 1, 0, 31)
    model_call(bn, bu, "asr", 1, 0, provider="faster-whisper", latency_ms=300.0)

    # -- today: English, live.
    today = conversation(0, 0, 5, language="en", tags=["search_products"])
    tu = message(today, "user", 0, 0, 6)
    ta = message(today, "assistant", 0, 0, 6)
    model_call(today, ta, "llm", 0, 0, provider="offline", latency_ms=5.0)
    tool_call(today, ta, "search_products", 0, 0)
    return {"en": en, "hi": hi, "bn": bn, "today": today, "tu": tu}


# ---------------------------------------------------------------------------
# Percentiles


def test_percentile_interpolates_like_numpy_and_percentile_cont():
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    assert percentile([100.0, 200.0], 50) == 150.0
    assert percentile([100.0, 200.0], 95) == 195.0
    assert percentile([400.0, 1000.0, 600.0], 95) == 960.0  # unsorted input: rank 1.9 between 600 and 1000
    assert percentile(list(map(float, range(1, 101))), 95) == 95.0  # 1..100 -> rank 94.05 -> 95.05 -> 95.0 (0.1 ms)


# ---------------------------------------------------------------------------
# The roll-up


def test_rollup_computes_exact_numbers_for_one_day(world):
    rows = daily_metrics_rollup(date=day(2))

    assert [r.language for r in rows] == ["", "en", "hi"]
    total, en, hi = rows
    assert (total.conversations, total.turns, total.handoffs) == (2, 3, 1)
    assert (total.tool_calls, total.tool_errors) == (3, 1)
    # groq -> offline (en, a1) and edge-tts -> piper (en, a2). Not: groq -> groq (same provider),
    # espeak-ng with nothing after it, the ASR failures (no later success / no message).
    assert total.fallbacks == 2
    assert total.intents == {"cancel_order": 1, "greet": 1, "track_order": 1}
    assert total.tools == {"track_order": 2, "cancel_order": 1}
    assert total.latency == {
        # 100, 200 and the message-less 150: failed calls have no place in latency.
        "asr": {"p50": 150.0, "p95": 195.0, "n": 3},
        "llm": {"p50": 20.0, "p95": 29.0, "n": 3},  # 10, 30, 20
        "tts": {"p50": 60.0, "p95": 69.0, "n": 2},  # 50, 70
        "eos_to_first_audio": {"p50": 600.0, "p95": 960.0, "n": 3},  # 400, 600, 1000
    }
    assert (en.conversations, en.turns, en.handoffs, en.tool_calls, en.tool_errors, en.fallbacks) == (1, 2, 0, 2, 1, 2)
    assert en.intents == {"greet": 1, "track_order": 1}
    assert en.latency["eos_to_first_audio"] == {"p50": 500.0, "p95": 590.0, "n": 2}
    assert (hi.conversations, hi.turns, hi.handoffs, hi.tool_calls, hi.tool_errors, hi.fallbacks) == (1, 1, 1, 1, 0, 0)
    assert hi.tools == {"cancel_order": 1}
    assert hi.latency["asr"] == {"p50": 150.0, "p95": 150.0, "n": 1}


def test_rollup_uses_local_days(world):
    """A conversation at 00:30 Asia/Kolkata belongs to that local day, not to the UTC day before."""
    day1 = {r.language: r for r in daily_metrics_rollup(date=day(1))}
    assert set(day1) == {"", "bn"}
    assert (day1["bn"].conversations, day1["bn"].handoffs, day1["bn"].turns) == (1, 1, 1)
    assert day1[""].latency == {"asr": {"p50": 300.0, "p95": 300.0, "n": 1}}
    assert "bn" not in {r.language for r in daily_metrics_rollup(date=day(2))}


def test_rollup_of_a_quiet_day_stores_an_all_languages_row_of_zeros(db):
    rows = daily_metrics_rollup(date=day(30))
    assert [(r.language, r.conversations, r.turns, r.intents, r.latency) for r in rows] == [("", 0, 0, {}, {})]


def test_rollup_is_idempotent_and_follows_changed_records(world):
    first = [(r.pk, r.language, r.conversations, r.fallbacks, r.latency) for r in daily_metrics_rollup(date=day(2))]
    again = [(r.pk, r.language, r.conversations, r.fallbacks, r.latency) for r in daily_metrics_rollup(date=day(2))]
    assert again == first
    assert DailyMetric.objects.filter(date=day(2)).count() == 3

    # The Hindi conversation is purged: a re-run drops its row and its share of the totals.
    world["hi"].delete()
    rows = daily_metrics_rollup(date="%s" % day(2).isoformat())  # the ISO text a Celery task passes
    assert [(r.language, r.conversations, r.handoffs) for r in rows] == [("", 1, 0), ("en", 1, 0)]
    assert DailyMetric.objects.filter(date=day(2)).count() == 2
    assert DailyMetric.objects.get(date=day(2), language="").pk == first[0][0]  # updated in place


def test_rollup_ignores_other_days(world):
    daily_metrics_rollup(date=day(2))
    assert set(DailyMetric.objects.values_list("date", flat=True)) == {day(2)}


# ---------------------------------------------------------------------------
# The selector: live vs. roll-up


def test_dashboard_reads_past_days_from_rollup_and_today_live(world):
    daily_metrics_rollup(date=day(2))
    daily_metrics_rollup(date=timezone.localdate())  # a roll-up of today is ignored: today is live
    # Records added after the roll-up: past days keep the rolled-up numbers, today shows them.
    conversation(2, 15, language="en")
    conversation(0, 0, 10, language="mr")

    data = dashboard_get(start=day(2), end=day(0))

    assert data.live_days == [day(1), day(0)]  # day 1 was never rolled up
    assert [data.by_day[d].source for d in data.days] == ["rollup", "live", "live"]
    assert [data.by_day[d].conversations for d in data.days] == [2, 1, 2]
    assert data.conversations_by_language == {day(2): {"en": 1, "hi": 1}, day(1): {"bn": 1}, day(0): {"en": 1, "mr": 1}}
    assert data.total("conversations") == 5
    assert data.counts("tools") == {"track_order": 2, "cancel_order": 1, "search_products": 1}
    assert data.handoff_rate == 40.0  # 2 of 5
    assert data.tool_error_rate == 25.0  # 1 of 4


def test_live_and_rolled_up_numbers_agree(world):
    live = metrics_live(days=[day(2)])
    daily_metrics_rollup(date=day(2))
    rolled = dashboard_get(start=day(2), end=day(2), language="en").by_day[day(2)]
    assert rolled.source == "rollup"
    assert rolled.as_rollup_fields() == live[day(2), "en"].as_rollup_fields()


def test_dashboard_language_filter(world):
    daily_metrics_rollup(date=day(2))
    data = dashboard_get(start=day(2), end=day(0), language="hi")
    assert [data.by_day[d].conversations for d in data.days] == [1, 0, 0]
    assert data.conversations_by_language == {day(2): {"hi": 1}, day(1): {}, day(0): {}}
    assert data.handoff_rate == 100.0
    # A rolled-up day without a row for the language is a day of zeros, not a reason to go live.
    assert data.live_days == [day(1), day(0)]


# ---------------------------------------------------------------------------
# Charts


def parse(svg) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    return root


def bars(root):
    return [(r.get("data-label"), r.get("data-series"), float(r.get("data-value"))) for r in root.iter(f"{SVG}rect")
            if r.get("class") == "bar"]


def points(root):
    return [(c.get("data-series"), c.get("data-label"), float(c.get("data-value"))) for c in root.iter(f"{SVG}circle")]


def test_bar_chart_draws_one_bar_per_nonzero_value_and_escapes_labels():
    root = parse(charts.bar_chart([("<b>&", 3), ("b", 0), ("c", 7)], title='Tools "used"', series="calls"))
    assert bars(root) == [("<b>&", "calls", 3.0), ("c", "calls", 7.0)]
    assert root.find(f"{SVG}title").text == 'Tools "used"'
    heights = [float(r.get("height")) for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert heights[1] == pytest.approx(heights[0] * 7 / 3, abs=0.2)


def test_horizontal_bar_chart_resists_markup_in_names():
    svg = charts.horizontal_bar_chart([('"><script>alert(1)</script>', 2), ("track_order", 5)], title="Intents")
    root = parse(svg)
    assert "<script>" not in str(svg)
    assert not list(root.iter(f"{SVG}script"))
    assert [b[0] for b in bars(root)] == ['"><script>alert(1)</script>', "track_order"]


def test_stacked_bars_stack_segments():
    root = parse(charts.stacked_bar_chart(["d1", "d2"], [("en", [2, 0]), ("hi", [1, 4])], title="t"))
    assert bars(root) == [("d1", "en", 2.0), ("d1", "hi", 1.0), ("d2", "hi", 4.0)]
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    en, hi = rects[0], rects[1]
    assert float(hi.get("y")) + float(hi.get("height")) == pytest.approx(float(en.get("y")), abs=0.2)  # hi sits on en


def test_line_chart_breaks_at_gaps():
    root = parse(charts.line_chart(["a", "b", "c", "d"], [("p50", [1, 2, None, 4]), ("p95", [None, None, None, 9])],
                                   title="latency", unit="ms"))
    assert points(root) == [("p50", "a", 1.0), ("p50", "b", 2.0), ("p50", "d", 4.0), ("p95", "d", 9.0)]
    lines = list(root.iter(f"{SVG}polyline"))
    assert [(l.get("data-series"), len(l.get("points").split())) for l in lines] == [("p50", 2)]  # a-b; d alone


@pytest.mark.parametrize("svg", [
    charts.bar_chart([], title="x"), charts.bar_chart([("a", 0)], title="x"),
    charts.stacked_bar_chart([], [], title="x"), charts.horizontal_bar_chart([], title="x"),
    charts.line_chart(["a"], [("p50", [None])], title="x"),
])
def test_empty_charts_say_no_data(svg):
    root = parse(svg)
    assert [t.text for t in root.iter(f"{SVG}text")] == ["No data"]


def test_axis_ticks_are_round_numbers():
    cases = {0: (1, 0.25), 0.3: (0.3, 0.1), 1: (1, 0.2), 7: (8, 2), 12: (15, 5), 22: (25, 5), 33.3: (40, 10),
             100: (100, 20), 101: (150, 50), 960: (1000, 200)}
    assert {v: charts.axis(v) for v in cases} == cases
    assert [charts.axis(v, min_step=1) for v in (0, 0.3, 1, 3, 7)] == [(1, 1), (1, 1), (1, 1), (3, 1), (8, 2)]
    root = parse(charts.bar_chart([("a", 22)], title="t"))
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "tick"][:6] == ["0", "5", "10", "15", "20", "25"]


# ---------------------------------------------------------------------------
# The admin page


def page_charts(response) -> dict[str, ET.Element]:
    return {c["id"]: parse(c["svg"]) for c in response.context["charts"]}


def test_page_renders_every_chart(admin_client, world):
    daily_metrics_rollup(date=day(2))
    response = admin_client.get(reverse(DASHBOARD), {"from": day(2).isoformat(), "to": day(0).isoformat()})

    assert response.status_code == 200
    html = response.content.decode()
    found = page_charts(response)
    assert list(found) == ["conversations-per-day", "conversations-per-language", "intents", "tools", "rates",
                           "latency-asr", "latency-llm", "latency-tts", "latency-eos-to-first-audio", "fallbacks"]
    for chart_id in found:
        assert f'id="chart-{chart_id}"' in html
    labels = [d.strftime("%d %b") for d in (day(2), day(1), day(0))]
    assert bars(found["conversations-per-day"]) == [
        (labels[0], "en", 1.0), (labels[0], "hi", 1.0), (labels[1], "bn", 1.0), (labels[2], "en", 1.0)]
    assert bars(found["conversations-per-language"]) == [
        ("English", "conversations", 2.0), ("हिन्दी (Hindi)", "conversations", 1.0), ("বাংলা (Bengali)", "conversations", 1.0)]
    # Most frequent first, then by name: here every intent was seen in one conversation.
    assert [b[0] for b in bars(found["intents"])] == ["cancel_order", "faq", "greet", "search_products", "track_order"]
    assert bars(found["tools"]) == [("track_order", "calls", 2.0), ("cancel_order", "calls", 1.0),
                                    ("search_products", "calls", 1.0)]
    assert points(found["rates"]) == [
        ("tool errors / tool calls", labels[0], 33.3), ("tool errors / tool calls", labels[2], 0.0),
        ("handoffs / conversations", labels[0], 50.0), ("handoffs / conversations", labels[1], 100.0),
        ("handoffs / conversations", labels[2], 0.0)]
    assert points(found["latency-eos-to-first-audio"]) == [("p50", labels[0], 600.0), ("p95", labels[0], 960.0)]
    assert points(found["latency-asr"]) == [("p50", labels[0], 150.0), ("p50", labels[1], 300.0),
                                            ("p95", labels[0], 195.0), ("p95", labels[1], 300.0)]
    assert len(points(found["latency-llm"])) == 4  # day 2 (rolled up) and today (live), p50 and p95
    assert bars(found["fallbacks"]) == [(labels[0], "fallbacks", 2.0)]
    assert 'id="total-conversations">4<' in html
    assert "support/admin/dashboard.css" in html
    assert "cdn" not in html.lower() and "<script src=\"http" not in html


def test_page_defaults_to_the_last_14_days(admin_client, world):
    response = admin_client.get(reverse(DASHBOARD))
    assert response.status_code == 200
    data = response.context["data"]
    assert (data.start, data.end, len(data.days)) == (day(13), day(0), 14)
    assert response.context["form"]["from"].value() == day(13).isoformat()
    assert data.total("conversations") == 4
    # Only days with tool calls (2) or conversations (3) have a point; the other days are gaps.
    assert len(points(page_charts(response)["rates"])) == 2 + 3


def test_page_date_and_language_filters(admin_client, world):
    response = admin_client.get(reverse(DASHBOARD), {"from": day(1).isoformat(), "to": day(1).isoformat()})
    assert response.context["data"].days == [day(1)]
    assert bars(page_charts(response)["conversations-per-day"]) == [(day(1).strftime("%d %b"), "bn", 1.0)]
    assert bars(page_charts(response)["fallbacks"]) == []

    response = admin_client.get(reverse(DASHBOARD), {"to": day(1).isoformat()})  # from defaults to 14 days before
    assert (response.context["data"].start, response.context["data"].end) == (day(14), day(1))

    response = admin_client.get(reverse(DASHBOARD), {"from": day(2).isoformat(), "language": "hi"})
    data = response.context["data"]
    assert (data.language, data.total("conversations"), data.total("handoffs")) == ("hi", 1, 1)
    assert {b[1] for b in bars(page_charts(response)["conversations-per-day"])} == {"hi"}
    assert "हिन्दी (Hindi)" in response.content.decode()


@pytest.mark.parametrize("params, field, message", [
    ({"from": "yesterday"}, "from", "Enter a valid date."),
    ({"from": "2024-02-30"}, "from", "Enter a valid date."),
    ({"to": "<script>"}, "to", "Enter a valid date."),
    ({"from": "2024-03-10", "to": "2024-03-01"}, "from", "on or before the end date"),
    ({"to": "2999-01-01"}, "to", "cannot be after today"),
    ({"from": "2000-01-01", "to": "2024-01-01"}, "from", "at most 366 days"),
    ({"language": "xx"}, "language", "Select a valid choice."),
])
def test_bad_filters_show_a_form_error(admin_client, params, field, message):
    response = admin_client.get(reverse(DASHBOARD), params)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert response.context["charts"] is None
    html = response.content.decode()
    assert "errornote" in html and message.replace('"', "&quot;") in html
    assert "<script>" not in html.split('id="content-main"')[1]


def staff(*perms):
    user = User.objects.create_user("sup", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=perms, content_type__app_label="support"))
    return user


def test_page_needs_the_view_dailymetric_permission(client, world):
    url = reverse(DASHBOARD)
    response = client.get(url)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]

    agent = staff("view_conversation")
    client.force_login(agent)
    assert client.get(url).status_code == 403

    agent.user_permissions.add(Permission.objects.get(codename="view_dailymetric"))
    client.force_login(User.objects.get(pk=agent.pk))  # a fresh user object: permissions are cached per object
    assert client.get(url).status_code == 200


def test_dailymetric_changelist_is_read_only_and_links_to_the_dashboard(admin_client, world):
    daily_metrics_rollup(date=day(2))
    response = admin_client.get(reverse("admin:support_dailymetric_changelist"))
    assert response.status_code == 200
    assert reverse(DASHBOARD) in response.content.decode()
    assert response.context["cl"].result_count == 3
    row = DailyMetric.objects.get(date=day(2), language="")
    assert admin_client.get(reverse("admin:support_dailymetric_change", args=[row.pk])).status_code == 200
    assert admin_client.get(reverse("admin:support_dailymetric_add")).status_code == 403
    assert admin_client.post(reverse("admin:support_dailymetric_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert DailyMetric.objects.filter(pk=row.pk).exists()


def more_records(days_back: int, per_day: int):
    for n in range(days_back):
        for i in range(per_day):
            conv = conversation(n, 9, i % 60, language=("en", "hi", "bn", "mr")[i % 4], tags=[f"intent_{i % 7}"])
            user = message(conv, "user", n, 9)
            reply = message(conv, "assistant", n, 9, timings={"eos_to_first_audio_ms": 500.0 + i})
            model_call(conv, user, "asr", n, 9, latency_ms=100.0 + i)
            model_call(conv, reply, "llm", n, 9, ok=False, provider="groq")
            model_call(conv, reply, "llm", n, 9, latency_ms=10.0 + i)
            tool_call(conv, reply, f"tool_{i % 5}", n, 9, ok=bool(i % 3))


def test_page_query_count_is_pinned(client, world, django_assert_num_queries):
    """Session, user, the user's permissions (2), the roll-up rows, seven live aggregates. The same
    for 3 days or 30, few conversations or many, past days live or rolled up."""
    user = staff("view_dailymetric")
    client.force_login(user)
    url = reverse(DASHBOARD)
    short = {"from": day(2).isoformat()}
    long = {"from": day(29).isoformat()}
    client.get(url, short)  # warm per-process caches (content types)

    with django_assert_num_queries(12):
        assert client.get(url, short).status_code == 200
    more_records(days_back=20, per_day=8)
    with django_assert_num_queries(12):
        assert client.get(url, short).status_code == 200
    with django_assert_num_queries(12):
        response = client.get(url, long)
    assert response.context["data"].total("conversations") == 4 + 20 * 8

    for n in range(1, 30):
        daily_metrics_rollup(date=day(n))
    with django_assert_num_queries(12):  # today is still live: roll-up rows + seven aggregates
        rolled = client.get(url, long)
    assert rolled.context["data"].live_days == [day(0)]
    assert [m.conversations for m in rolled.context["data"].by_day.values()] == \
           [m.conversations for m in response.context["data"].by_day.values()]


def test_page_with_every_day_rolled_up_runs_no_live_query(client, world):
    client.force_login(staff("view_dailymetric"))
    daily_metrics_rollup(date=day(2))
    daily_metrics_rollup(date=day(1))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(DASHBOARD), {"from": day(2).isoformat(), "to": day(1).isoformat()})
    assert response.context["data"].live_days == []
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "support_dailymetric" in tables
    assert "support_conversation" not in tables and "support_modelcall" not in tables
