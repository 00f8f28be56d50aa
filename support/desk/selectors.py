"""Reads for the desk. The live view: which conversations are live, the handoff queue, what a
live page missed. The supervisors' dashboard: one day's numbers per language, computed live from the
records or read back from the daily roll-up.

Definitions (the roll-up stores exactly what these compute):

- Days are calendar days in the site's TIME_ZONE.
- Language is the conversation's language (the one it ended in); every record is counted under
  the language of its conversation. The "" row is all languages, including the few provider and
  tool calls recorded without a conversation.
- conversations, handoffs, intents are per conversation, on the day the conversation started.
  A handoff is a conversation the shopper asked to hand to a human (handoff_requested_at set,
  or status/resolution "handed_off"). Intents are the conversation's tags (the brain adds each
  intent it recognises once per conversation), without "prefix:value" tags and resolution words.
- turns (shopper messages), tool calls/errors, tools, fallbacks and latencies are per event, on
  the day the event happened.
- A fallback is a failed model call (ok=False) after which, within the same message and stage, a
  different provider succeeded: the turn was saved by the next provider. A failure that nobody
  recovered (the turn ended in an apology) is an error, not a fallback. Calls recorded without a
  message cannot be tied to a turn and are never fallbacks.
- Stage latency (asr, llm, tts) is ModelCall.latency_ms of successful calls; "eos_to_first_audio"
  is the assistant message's timings["eos_to_first_audio_ms"], measured by the voice pipeline from
  the end of the shopper's speech to the first reply audio. Percentiles are linearly interpolated
  (numpy's default, PostgreSQL's percentile_cont), rounded to 0.1 ms.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Iterable

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from ..models import Conversation, Message, ModelCall, ToolCall
from .models import DailyMetric

# ---------------------------------------------------------------------------
# The live view

LIVE_LIMIT = 100


def live_conversations(*, limit: int = LIVE_LIMIT) -> QuerySet[Conversation]:
    """Conversations a shopper could still be in: not ended, active within the resume window
    (after that the shopper's socket cannot come back to them), most recent first, with the
    latest message for the list's "last event" column (one query, no per-row lookups)."""
    since = timezone.now() - timedelta(seconds=settings.VOICE_RESUME_WINDOW_S)
    latest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id")
    turns = (Message.objects.filter(conversation=OuterRef("pk"), role=Message.Role.USER).order_by()
             .values("conversation").annotate(n=Count("pk")).values("n"))
    return (
        Conversation.objects.filter(ended_at__isnull=True, updated_at__gte=since)
        .exclude(status=Conversation.Status.ENDED)
        .select_related("customer", "taken_over_by")
        .annotate(
            turns=Coalesce(Subquery(turns, output_field=IntegerField()), 0),
            last_role=Subquery(latest.values("role")[:1]),
            last_text=Subquery(latest.values("text")[:1]),
        )
        .defer("state", "summary")
        .order_by("-updated_at")[:limit]
    )


def handoff_queue() -> QuerySet[Conversation]:
    """Shoppers who asked for a human and no staff member has answered yet, oldest first."""
    return (
        Conversation.objects.filter(status=Conversation.Status.HANDED_OFF, ended_at__isnull=True,
                                    taken_over_by__isnull=True, taken_over_at__isnull=True)
        .select_related("customer")
        .defer("state", "summary")
        .order_by("handoff_requested_at", "started_at")
    )


def live_transcript(*, conversation: Conversation) -> list[Message]:
    """What the live page shows of a conversation: its messages without the tool rows."""
    return list(conversation.messages.exclude(role=Message.Role.TOOL).order_by("created_at", "id"))


def messages_after(*, session_id, after_id: int, limit: int = 200) -> list[Message]:
    """What a live page missed between rendering and subscribing."""
    return list(Message.objects.filter(conversation_id=session_id, id__gt=after_id)
                .exclude(role=Message.Role.TOOL).order_by("created_at", "id")[:limit])


# ---------------------------------------------------------------------------
# The dashboard

STAGES = ("asr", "llm", "tts")
EOS = "eos_to_first_audio"
LATENCY_KEYS = (*STAGES, EOS)
RESOLUTION_WORDS = frozenset({"resolved", "unresolved", "handed_off"})


@dataclass
class DayMetrics:
    date: date
    language: str = ""
    conversations: int = 0
    turns: int = 0
    handoffs: int = 0
    tool_calls: int = 0
    tool_errors: int = 0
    fallbacks: int = 0
    intents: dict[str, int] = field(default_factory=dict)
    tools: dict[str, int] = field(default_factory=dict)
    # stage -> {"p50": ms, "p95": ms, "n": samples}; a stage without samples is absent.
    latency: dict[str, dict[str, float]] = field(default_factory=dict)
    source: str = "live"  # "live" or "rollup"

    @property
    def handoff_rate(self) -> float | None:
        return None if not self.conversations else round(100 * self.handoffs / self.conversations, 1)

    @property
    def tool_error_rate(self) -> float | None:
        return None if not self.tool_calls else round(100 * self.tool_errors / self.tool_calls, 1)

    def as_rollup_fields(self) -> dict:
        return {
            "conversations": self.conversations, "turns": self.turns, "handoffs": self.handoffs,
            "tool_calls": self.tool_calls, "tool_errors": self.tool_errors, "fallbacks": self.fallbacks,
            "intents": dict(self.intents), "tools": dict(self.tools), "latency": dict(self.latency),
        }

    @classmethod
    def from_rollup(cls, row: DailyMetric) -> "DayMetrics":
        return cls(
            date=row.date, language=row.language, conversations=row.conversations, turns=row.turns,
            handoffs=row.handoffs, tool_calls=row.tool_calls, tool_errors=row.tool_errors, fallbacks=row.fallbacks,
            intents=dict(row.intents or {}), tools=dict(row.tools or {}), latency=dict(row.latency or {}),
            source="rollup",
        )


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return round(value, 1)


def latency_summary(values: list[float]) -> dict[str, float]:
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "n": len(values)}


def is_intent_tag(tag) -> bool:
    return isinstance(tag, str) and bool(tag) and ":" not in tag and tag not in RESOLUTION_WORDS


@dataclass
class _Acc:
    """One (day, language) cell while it is being computed: counters and raw latency samples."""

    conversations: int = 0
    turns: int = 0
    handoffs: int = 0
    tool_calls: int = 0
    tool_errors: int = 0
    fallbacks: int = 0
    intents: Counter = field(default_factory=Counter)
    tools: Counter = field(default_factory=Counter)
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def merge(self, other: "_Acc") -> None:
        for name in ("conversations", "turns", "handoffs", "tool_calls", "tool_errors", "fallbacks"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.intents.update(other.intents)
        self.tools.update(other.tools)
        for key, values in other.samples.items():
            self.samples[key].extend(values)

    def finish(self, day: date, language: str) -> DayMetrics:
        return DayMetrics(
            date=day, language=language, conversations=self.conversations, turns=self.turns,
            handoffs=self.handoffs, tool_calls=self.tool_calls, tool_errors=self.tool_errors,
            fallbacks=self.fallbacks, intents=_sorted_counts(self.intents), tools=_sorted_counts(self.tools),
            latency={key: latency_summary(self.samples[key]) for key in LATENCY_KEYS if self.samples.get(key)},
        )


def _sorted_counts(counter: Counter) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _on_days(field_name: str, days: list[date]) -> Q:
    """Rows whose timestamp falls on one of `days` (local dates). The datetime range lets the
    database use the column's index; the date list then keeps only the days asked for."""
    tz = timezone.get_current_timezone()
    first = timezone.make_aware(datetime.combine(days[0], time.min), tz)
    after = timezone.make_aware(datetime.combine(days[-1] + timedelta(days=1), time.min), tz)
    return Q(**{f"{field_name}__gte": first, f"{field_name}__lt": after, f"{field_name}__date__in": days})


def metrics_live(*, days: Iterable[date]) -> dict[tuple[date, str], DayMetrics]:
    """Every given day's metrics computed from the records: one row per language that had any
    activity, plus the "" (all languages) row for every day, zeros included.

    Seven queries whatever the number of days or records: counts are aggregated in the database;
    only tags and latency samples (which need Python to count or rank) come back as rows."""
    days = sorted(set(days))
    if not days:
        return {}
    cells: dict[tuple[date, str | None], _Acc] = defaultdict(_Acc)

    handoff = Q(handoff_requested_at__isnull=False) | Q(status=Conversation.Status.HANDED_OFF) | Q(resolution="handed_off")
    conversations = (
        Conversation.objects.filter(_on_days("started_at", days)).annotate(day=TruncDate("started_at"))
        .order_by().values("day", "language").annotate(n=Count("pk"), handoffs=Count("pk", filter=handoff))
    )
    for row in conversations:
        cell = cells[row["day"], row["language"]]
        cell.conversations += row["n"]
        cell.handoffs += row["handoffs"]

    tagged = (
        Conversation.objects.filter(_on_days("started_at", days)).exclude(tags=[]).annotate(day=TruncDate("started_at"))
        .order_by().values_list("day", "language", "tags")
    )
    for day, language, tags in tagged:
        if isinstance(tags, list):
            cells[day, language].intents.update({t for t in tags if is_intent_tag(t)})

    turns = (
        Message.objects.filter(_on_days("created_at", days), role=Message.Role.USER).annotate(day=TruncDate("created_at"))
        .order_by().values("day", "conversation__language").annotate(n=Count("pk"))
    )
    for row in turns:
        cells[row["day"], row["conversation__language"]].turns += row["n"]

    tools = (
        ToolCall.objects.filter(_on_days("created_at", days)).annotate(day=TruncDate("created_at"))
        .order_by().values("day", "conversation__language", "name", "ok").annotate(n=Count("pk"))
    )
    for row in tools:
        cell = cells[row["day"], row["conversation__language"]]
        cell.tool_calls += row["n"]
        cell.tools[row["name"]] += row["n"]
        if not row["ok"]:
            cell.tool_errors += row["n"]

    rescued = ModelCall.objects.filter(
        message_id=OuterRef("message_id"), stage=OuterRef("stage"), ok=True, pk__gt=OuterRef("pk"),
    ).exclude(provider=OuterRef("provider"))
    fallbacks = (
        ModelCall.objects.filter(_on_days("created_at", days), ok=False, message__isnull=False).filter(Exists(rescued))
        .annotate(day=TruncDate("created_at")).order_by().values("day", "conversation__language").annotate(n=Count("pk"))
    )
    for row in fallbacks:
        cells[row["day"], row["conversation__language"]].fallbacks += row["n"]

    stage_samples = (
        ModelCall.objects.filter(_on_days("created_at", days), ok=True, latency_ms__isnull=False, stage__in=STAGES)
        .annotate(day=TruncDate("created_at")).order_by().values_list("day", "conversation__language", "stage", "latency_ms")
    )
    for day, language, stage, ms in stage_samples:
        cells[day, language].samples[stage].append(float(ms))

    eos_samples = (
        Message.objects.filter(_on_days("created_at", days), role=Message.Role.ASSISTANT,
                               timings__has_key="eos_to_first_audio_ms")
        .annotate(day=TruncDate("created_at")).order_by()
        .values_list("day", "conversation__language", "timings__eos_to_first_audio_ms")
    )
    for day, language, ms in eos_samples:
        if isinstance(ms, (int, float)) and not isinstance(ms, bool):
            cells[day, language].samples[EOS].append(float(ms))

    result: dict[tuple[date, str], DayMetrics] = {}
    for day in days:
        total = _Acc()
        for (cell_day, language), cell in cells.items():
            if cell_day != day:
                continue
            total.merge(cell)
            if language:
                result[day, language] = cell.finish(day, language)
        result[day, ""] = total.finish(day, "")
    return result


@dataclass
class Dashboard:
    start: date
    end: date
    language: str
    days: list[date]
    # The selected language's row ("" = all) for every day, zeros where nothing happened.
    by_day: dict[date, DayMetrics]
    # Conversations per day per language (every language, whatever the filter) for stacked bars.
    conversations_by_language: dict[date, dict[str, int]]
    live_days: list[date]

    def total(self, name: str) -> int:
        return sum(getattr(m, name) for m in self.by_day.values())

    def counts(self, name: str) -> dict[str, int]:
        counter: Counter = Counter()
        for m in self.by_day.values():
            counter.update(getattr(m, name))
        return _sorted_counts(counter)

    def language_totals(self) -> dict[str, int]:
        counter: Counter = Counter()
        for per_language in self.conversations_by_language.values():
            counter.update(per_language)
        return dict(counter)

    # Template-friendly totals (templates cannot call total("...")).
    total_conversations = property(lambda self: self.total("conversations"))
    total_turns = property(lambda self: self.total("turns"))
    total_handoffs = property(lambda self: self.total("handoffs"))
    total_tool_calls = property(lambda self: self.total("tool_calls"))
    total_fallbacks = property(lambda self: self.total("fallbacks"))

    @property
    def handoff_rate(self) -> float | None:
        conversations = self.total("conversations")
        return None if not conversations else round(100 * self.total("handoffs") / conversations, 1)

    @property
    def tool_error_rate(self) -> float | None:
        calls = self.total("tool_calls")
        return None if not calls else round(100 * self.total("tool_errors") / calls, 1)


def dashboard_get(*, start: date, end: date, language: str = "") -> Dashboard:
    """The dashboard's numbers for [start, end]: past days from their roll-up when there is one
    (a day counts as rolled up when its "" row exists), today and days never rolled up live.

    At most eight queries, however many days or conversations: one for the roll-up rows, seven for
    the live days together (none when every day is rolled up)."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    today = timezone.localdate()
    rows = list(DailyMetric.objects.filter(date__range=(start, end)).order_by())
    rolled: dict[tuple[date, str], DayMetrics] = {
        (row.date, row.language): DayMetrics.from_rollup(row) for row in rows if row.date < today
    }
    live_days = [d for d in days if (d, "") not in rolled]
    cells = {**rolled, **metrics_live(days=live_days)}

    by_day = {d: cells.get((d, language)) or DayMetrics(date=d, language=language, source=cells[d, ""].source)
              for d in days}
    per_language: dict[date, dict[str, int]] = {d: {} for d in days}
    for (d, lang), m in cells.items():
        if lang and m.conversations and (not language or lang == language):
            per_language[d][lang] = m.conversations
    return Dashboard(start=start, end=end, language=language, days=days, by_day=by_day,
                     conversations_by_language=per_language, live_days=live_days)
