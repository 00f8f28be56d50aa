from decimal import Decimal

import pytest

from support.serializers import ToolCallSerializer, tool_call_payloads

from .factories import ToolCallFactory

pytestmark = pytest.mark.django_db


def test_tool_call_payloads_match_the_serializer():
    rows = [
        ToolCallFactory(name="track_order", arguments={"order_number": "ORD-1042"},
                        result={"ok": True, "status": "shipped", "price": str(Decimal("1499.00"))}, latency_ms=3.25),
        ToolCallFactory(name="cancel_order", arguments={}, result={"ok": False, "code": "confirmation_required"},
                        ok=False, error="not confirmed", latency_ms=None),
    ]
    expected = ToolCallSerializer(rows, many=True).data
    assert tool_call_payloads(rows) == expected
    assert [p["name"] for p in tool_call_payloads(rows)] == ["track_order", "cancel_order"]


def test_tool_call_payloads_of_nothing_is_empty():
    assert tool_call_payloads([]) == []
