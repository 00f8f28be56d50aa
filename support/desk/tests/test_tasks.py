"""The desk's periodic task, run eagerly."""

from datetime import timedelta

import pytest
from django.utils import timezone

from support.desk import tasks
from support.desk.models import DailyMetric
from support.conversations.tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def test_daily_metrics_rollup_task_rolls_up_yesterday_and_today():
    conv = ConversationFactory()
    MessageFactory(conversation=conv, text="hello")
    today = timezone.localdate()
    result = tasks.daily_metrics_rollup_task.apply().get()
    assert result == {"dates": [(today - timedelta(days=1)).isoformat(), today.isoformat()]}
    assert DailyMetric.objects.filter(date=today, language="").exists()
