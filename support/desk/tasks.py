"""The desk's periodic task (the schedule: voxsite/celery.py). Its name is the one beat has always sent."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from voxsite.core.retry import RETRY

from .services import daily_metrics_rollup


@shared_task(name="support.daily_metrics_rollup", **RETRY)
def daily_metrics_rollup_task() -> dict:
    today = timezone.localdate()
    done = []
    # Yesterday too: conversations that ran past midnight, and a day whose last run was missed.
    for day in (today - timedelta(days=1), today):
        daily_metrics_rollup(date=day)
        done.append(day.isoformat())
    return {"dates": done}
