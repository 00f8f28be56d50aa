import pytest
from datetime import timedelta
from django.utils import timezone
from support.dashboard.rollup import daily_metrics_rollup
from support.tests.factories import ConversationFactory, MessageFactory, ModelCallFactory, ToolCallFactory

pytestmark = pytest.mark.django_db

def test_smoke(django_assert_max_num_queries):
    c = ConversationFactory(language="hi", tags=["track_order", "greet"])
    m = MessageFactory(conversation=c, role="assistant", timings={"eos_to_first_audio_ms": 500})
    MessageFactory(conversation=c)
    ModelCallFactory(conversation=c, message=m, ok=False, provider="groq")
    ModelCallFactory(conversation=c, message=m, ok=True, provider="offline")
    ToolCallFactory(conversation=c, ok=False)
    rows = daily_metrics_rollup(date=timezone.localdate())
    for r in rows: print(r.language, r.conversations, r.turns, r.fallbacks, r.tool_errors, r.intents, r.tools, r.latency)
    rows = daily_metrics_rollup(date=timezone.localdate())
    assert len(rows) == 2
