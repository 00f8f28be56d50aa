"""The daily roll-up behind the dashboard: one DailyMetric row per language (and "" for all) for a
finished day, so the dashboard reads past days without scanning their records. Called by the
periodic task; safe to run again for the same day (it replaces that day's rows)."""

from __future__ import annotations

from datetime import date as Date

from django.db import transaction

from ..models import DailyMetric
from .selectors import metrics_live

FIELDS = ("conversations", "turns", "handoffs", "tool_calls", "tool_errors", "fallbacks", "intents", "tools", "latency")


@transaction.atomic
def daily_metrics_rollup(*, date: Date | str) -> list[DailyMetric]:
    """Compute `date`'s metrics from the records and store them; returns that day's rows, the ""
    (all languages) row first. Idempotent: an upsert on (date, language), and rows of languages
    that no longer have any activity that day are removed."""
    if isinstance(date, str):  # a Celery task passes the date as ISO text
        date = Date.fromisoformat(date)
    cells = [m for (day, _), m in metrics_live(days=[date]).items() if day == date]
    rows = []
    for metrics in cells:
        row = DailyMetric(date=date, language=metrics.language, **metrics.as_rollup_fields())
        row.full_clean(validate_unique=False, validate_constraints=False)
        rows.append(row)
    # An upsert, not get-then-save: two roll-ups of the same day racing each other both succeed.
    DailyMetric.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["date", "language"], update_fields=[*FIELDS, "computed_at"],
    )
    DailyMetric.objects.filter(date=date).exclude(language__in=[r.language for r in rows]).delete()
    return list(DailyMetric.objects.filter(date=date).order_by("language"))
