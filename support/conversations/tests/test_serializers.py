import base64
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support.conversations.serializers import AudioBase64Field, ToolCallSerializer, tool_call_payloads
from support.speech.audio import AudioBase64Invalid, audio_from_base64

from support.conversations.tests.factories import ToolCallFactory

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


BASE64_PATTERN = AudioBase64Field._spectacular_annotation["field"]["pattern"]


def decodes(text: str) -> bool:
    try:
        return bool(audio_from_base64(text.strip()))  # DRF trims the field first
    except AudioBase64Invalid:
        return False


@settings(max_examples=500, deadline=None, database=None)
@given(st.text(alphabet="AZaz09+/= \n,:", max_size=14) | st.builds(lambda s: "data:audio/wav;base64," + s,
                                                                    st.text(alphabet="Aa+/=", max_size=9)))
def test_the_audio_base64_pattern_allows_exactly_what_decodes(text):
    assert bool(re.search(BASE64_PATTERN, text)) == decodes(text), repr(text)


@settings(max_examples=200, deadline=None, database=None)
@given(st.binary(min_size=1, max_size=64))
def test_any_audio_bytes_as_base64_match_it(data):
    assert re.search(BASE64_PATTERN, base64.b64encode(data).decode())
