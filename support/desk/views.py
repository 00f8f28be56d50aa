"""Admin pages for the live workspace, mounted under the conversation admin
(`ConversationAdmin.get_urls` adds `admin_urls(self)`):

    /admin/support/conversation/live/              live conversations + the handoff queue
    /admin/support/conversation/live/queue/        the handoff queue alone
    /admin/support/conversation/<id>/live/         one conversation: transcript, reply box, takeover
    /admin/support/conversation/<id>/live/<action>/  POST takeover | handback | reply (no-JS fallback;
                                                     the page's script sends the same over the socket)

The pages render what is there now; static/support/staff/live.js keeps them current from
`/ws/staff/live`.

And the supervisors' dashboard page (served by DailyMetricAdmin.get_urls).
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from voxsite.core.errors import DomainError
from voxsite.core.languages import Language

from ..models import Conversation
from . import charts
from .models import DailyMetric
from .permissions import staff_can_take_over, staff_can_watch
from .selectors import EOS, STAGES, Dashboard, dashboard_get, handoff_queue, live_conversations, live_transcript
from .services import conversation_handback, conversation_takeover, staff_reply

ACTIONS = ("takeover", "handback", "reply")


def _context(admin_site, request, **extra):
    return {
        **admin_site.each_context(request),
        "opts": Conversation._meta,
        "ws_path": "/ws/staff/live",
        "can_take_over": staff_can_take_over(request.user),
        **extra,
    }


def _require_watch(request) -> None:
    if not staff_can_watch(request.user):
        raise PermissionDenied


def live_list(request, admin_site):
    _require_watch(request)
    return TemplateResponse(request, "admin/support/live.html", _context(
        admin_site, request, title="Live conversations", conversations=list(live_conversations()),
        queue=list(handoff_queue()[:50]),
    ))


def live_queue(request, admin_site):
    _require_watch(request)
    return TemplateResponse(request, "admin/support/live_queue.html", _context(
        admin_site, request, title="Waiting for a human", queue=list(handoff_queue()[:200]),
    ))


def live_conversation(request, pk, admin_site):
    _require_watch(request)
    conv = get_object_or_404(Conversation.objects.select_related("customer", "taken_over_by"), pk=pk)
    transcript = live_transcript(conversation=conv)
    return TemplateResponse(request, "admin/support/live_conversation.html", _context(
        admin_site, request, title=f"Live: conversation {str(conv.pk)[:8]}", conversation=conv, transcript=transcript,
        last_id=transcript[-1].pk if transcript else 0, mine=conv.taken_over_by_id == request.user.pk,
    ))


@require_POST
def live_action(request, pk, action, admin_site):
    if action not in ACTIONS:
        raise Http404
    if not staff_can_take_over(request.user):
        raise PermissionDenied
    conv = get_object_or_404(Conversation, pk=pk)
    try:
        if action == "takeover":
            conversation_takeover(conversation=conv, user=request.user)
            messages.success(request, "You are answering this conversation; the assistant is paused.")
        elif action == "handback":
            conversation_handback(conversation=conv, user=request.user)
            messages.success(request, "Handed back: the assistant answers again.")
        else:
            staff_reply(conversation=conv, user=request.user, text=request.POST.get("text", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse(f"{admin_site.name}:support_conversation_live_detail", args=[conv.pk]))


def admin_urls(model_admin) -> list:
    site = model_admin.admin_site

    def view(fn):
        def wrapped(request, *args, **kwargs):
            return fn(request, *args, admin_site=site, **kwargs)

        return site.admin_view(wrapped)

    return [
        path("live/", view(live_list), name="support_conversation_live"),
        path("live/queue/", view(live_queue), name="support_conversation_live_queue"),
        path("<uuid:pk>/live/", view(live_conversation), name="support_conversation_live_detail"),
        path("<uuid:pk>/live/<str:action>/", view(live_action), name="support_conversation_live_action"),
    ]


# ---------------------------------------------------------------------------
# The supervisors' dashboard

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
