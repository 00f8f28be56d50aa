"""The supervisors' dashboard page in the admin (served by DailyMetricAdmin.get_urls)."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone

from voxsite.core.languages import Language

from .. import charts
from ..models import DailyMetric
from ..selectors import EOS, STAGES, Dashboard, dashboard_get

DASHBOARD_PERMISSION = "support.view_dailymetric"
DEFAULT_DAYS = 14
MAX_DAYS = 366
TOP_ITEMS = 15
LANGUAGE_NAMES = dict(Language.choices)
STAGE_TITLES = {"asr": "ASR (speech to text)", "llm": "LLM (the brain)", "tts": "TTS (text to speech)",
                EOS: "End of speech to first audio"}


class DashboardFilterForm(forms.Form):
    """GET filters: ?from=YYYY-MM-DD&to=YYYY-MM-DD&language=xx. Missing dates default to the
    last DEFAULT_DAYS days ending today."""

    language = forms.ChoiceField(choices=[("", "All languages"), *Language.choices], required=False)

    def __init__(self, data, *, today: date):
        self.today = today
        defaults = {"to": today.isoformat()}
        clean = {key: value for key, value in data.items() if value not in ("", None)}
        if "from" not in clean:
            try:
                end = date.fromisoformat(clean.get("to", defaults["to"]))
            except ValueError:
                end = today  # "to" is invalid and gets its own error; "from" just needs a value
            defaults["from"] = (end - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        super().__init__({**defaults, **clean})
        # "from" is a Python keyword, so the field is added by name rather than declared.
        date_widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields = {
            "from": forms.DateField(label="From", widget=date_widget, input_formats=["%Y-%m-%d"]),
            "to": forms.DateField(label="To", widget=date_widget, input_formats=["%Y-%m-%d"]),
            "language": self.fields["language"],
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start is None or end is None:
            return data
        if end > self.today:
            self.add_error("to", "The end date cannot be after today.")
        if start > end:
            self.add_error("from", "The start date must be on or before the end date.")
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error("from", f"Choose at most {MAX_DAYS} days.")
        return data


def _day_label(day: date) -> str:
    return day.strftime("%d %b")


def dashboard_charts(data: Dashboard) -> list[dict]:
    """Each chart as {"id", "title", "svg", "note"}, in page order."""
    labels = [_day_label(d) for d in data.days]
    rows = [data.by_day[d] for d in data.days]
    present = {lang for per in data.conversations_by_language.values() for lang in per}
    languages = [code for code in Language.values if code in present] + sorted(present - set(Language.values))
    result = [
        {"id": "conversations-per-day", "title": "Conversations per day",
         "svg": charts.stacked_bar_chart(
             labels, [(lang, [data.conversations_by_language[d].get(lang, 0) for d in data.days]) for lang in languages],
             title="Conversations per day by language"),
         "note": "Stacked by the conversation's language, on the day it started."},
        {"id": "conversations-per-language", "title": "Conversations per language",
         "svg": charts.bar_chart([(LANGUAGE_NAMES.get(lang, lang), total) for lang, total in
                                  sorted(data.language_totals().items(), key=lambda kv: languages.index(kv[0]))],
                                 title="Conversations per language", series="conversations"),
         "note": ""},
        {"id": "intents", "title": "Intents",
         "svg": charts.horizontal_bar_chart(list(data.counts("intents").items())[:TOP_ITEMS], title="Intents",
                                            series="conversations"),
         "note": f"Conversations in which each intent was recognised (top {TOP_ITEMS})."},
        {"id": "tools", "title": "Tools used",
         "svg": charts.horizontal_bar_chart(list(data.counts("tools").items())[:TOP_ITEMS], title="Tools used",
                                            series="calls", color=charts.PALETTE[2]),
         "note": f"Tool calls by tool (top {TOP_ITEMS})."},
        {"id": "rates", "title": "Tool error rate and handoff rate",
         "svg": charts.line_chart(labels, [("tool_error_rate", [m.tool_error_rate for m in rows]),
                                           ("handoff_rate", [m.handoff_rate for m in rows])],
                                  title="Tool error rate and handoff rate per day (%)", unit="%",
                                  labels={"tool_error_rate": "tool errors / tool calls",
                                          "handoff_rate": "handoffs / conversations"}),
         "note": "A gap is a day without tool calls or conversations."},
    ]
    for key in (*STAGES, EOS):
        result.append({
            "id": f"latency-{key.replace('_', '-')}", "title": f"Latency: {STAGE_TITLES[key]}",
            "svg": charts.line_chart(
                labels, [(q, [m.latency.get(key, {}).get(q) for m in rows]) for q in ("p50", "p95")],
                title=f"{STAGE_TITLES[key]}: p50 and p95 per day (ms)", unit="ms"),
            "note": ("From the end of the shopper's speech to the first reply audio, measured in voice turns."
                     if key == EOS else "Successful provider calls only."),
        })
    result.append({
        "id": "fallbacks", "title": "Provider fallbacks per day",
        "svg": charts.bar_chart([(label, m.fallbacks) for label, m in zip(labels, rows)],
                                title="Provider fallbacks per day", series="fallbacks", color=charts.PALETTE[1]),
        "note": "Failed provider calls answered by the next provider in the same turn and stage.",
    })
    return result


def dashboard_view(request, *, admin_site):
    if not request.user.has_perm(DASHBOARD_PERMISSION):
        raise PermissionDenied
    today = timezone.localdate()
    form = DashboardFilterForm(request.GET, today=today)
    data = chart_list = None
    if form.is_valid():
        data = dashboard_get(start=form.cleaned_data["from"], end=form.cleaned_data["to"],
                             language=form.cleaned_data["language"])
        chart_list = dashboard_charts(data)
    context = {
        **admin_site.each_context(request),
        "title": "Dashboard",
        "opts": DailyMetric._meta,
        "form": form,
        "data": data,
        "charts": chart_list,
        "language_name": LANGUAGE_NAMES.get(data.language, "") if data else "",
    }
    return TemplateResponse(request, "admin/support/dashboard.html", context)
