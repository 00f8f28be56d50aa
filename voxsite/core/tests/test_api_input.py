"""voxsite.core.api_input: input is checked as the schema describes it, before DRF's lenient fields."""

import re
from decimal import Decimal

import pytest
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from voxsite.core.api_input import NOT_BLANK, NUL_FREE, decimal_pattern, field_pattern, input_errors

MONEY = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
PRICE = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
SIGNED = serializers.DecimalField(max_digits=6, decimal_places=3)


def drf_reads(field, text) -> bool:
    try:
        field.run_validation(text)
    except serializers.ValidationError:
        return False
    return True


@pytest.mark.parametrize("field, good, bad", [
    (MONEY, ["1", "0.01", "0.5", ".5", "1299.00", "0001299.5", "9999999999.99", " 5 "],
     ["0", "0.00", "-1", "1e3", "+5", "1.234", "12345678901", "5.", "", "NaN"]),
    (PRICE, ["0", "0.00", "15000", "1.5"], ["-0.01", "1e3", ".5", "abc"]),
    (SIGNED, ["-1.5", "123.456", "0"], ["1234.5", "1.2345", "--1"]),
])
def test_decimal_patterns(field, good, bad):
    pattern = decimal_pattern(field)
    for text in good:
        assert re.search(pattern, text) and drf_reads(field, text), text
    for text in bad:
        assert not re.search(pattern, text), text


@pytest.mark.parametrize("field", [MONEY, PRICE, SIGNED], ids=["money", "price", "signed"])
def test_every_decimal_the_pattern_allows_is_read(field):
    @settings(max_examples=200, deadline=None, database=None)
    @given(st.from_regex(decimal_pattern(field), fullmatch=True))
    def check(text):
        assert drf_reads(field, text), text

    check()


def test_char_fields_refuse_nul_and_blank_as_drf_does():
    assert field_pattern(serializers.CharField()) == NOT_BLANK
    assert field_pattern(serializers.CharField(allow_blank=True)) == NUL_FREE
    for text in [" ", "\x1e", "\u3000\t", "a\x00"]:  # \x1e is whitespace to Python (and DRF), not to ECMA's \s
        assert not re.search(NOT_BLANK, text) and not drf_reads(serializers.CharField(), text), repr(text)
    assert re.search(NOT_BLANK, " a ") and drf_reads(serializers.CharField(), " a ")


class Shape(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(required=False)
    ok = serializers.BooleanField(required=False)
    when = serializers.UUIDField(required=False)
    price = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)


@pytest.mark.parametrize("data, errors", [
    ({"name": "abc", "count": 2, "ok": True, "price": "1.50", "tags": ["x"]}, {}),
    ({"name": 123}, {"name": ["Expected a string, got a number."]}),
    ({"name": "abc", "count": "2"}, {"count": ["Expected an integer, got a string."]}),
    ({"name": "abc", "count": 2.0}, {}),  # JSON Schema's integers include 2.0
    ({"name": "abc", "count": True}, {"count": ["Expected an integer, got a boolean."]}),
    ({"name": "abc", "ok": "true"}, {"ok": ["Expected a boolean, got a string."]}),
    ({"name": "abc", "price": 1.5}, {"price": ["Expected a string, got a number."]}),
    ({"name": "abc", "tags": "x"}, {"tags": ["Expected an array, got a string."]}),
    ({"name": "abc", "tags": ["x", 1]}, {"tags": {1: ["Expected a string, got a number."]}}),
    ({"name": "abc  " + " " * 5}, {"name": ["Ensure this field has no more than 5 characters."]}),  # as sent
    ({"name": "abc", "when": "0f6a6e9e0f5a4c3e8f7e6d5c4b3a2910"}, {"when": ["Must be a valid UUID."]}),
])
def test_json_values_are_checked_by_json_type(data, errors):
    assert input_errors(Shape(), data) == errors


@pytest.mark.parametrize("query, errors", [
    ("name=abc&count=2&ok=false&price=0.50", {}),
    ("name=abc&count=2.0", {"count": ["Expected an integer."]}),
    ("name=abc&count=+2", {"count": ["Expected an integer."]}),
    ("name=abc&ok=yes", {"ok": ["Expected true or false."]}),
    ("name=abc&price=1e2", {"price": ["Expected a decimal number in a string, such as \"1299.00\": at most 4 digits "
                                      "before the point and 2 after it, no sign, no exponent."]}),
    ("name=abc&count=", {"count": ["Send a value, or leave the parameter out."]}),
])
def test_query_text_is_checked_by_format(query, errors):
    assert input_errors(Shape(), QueryDict(query)) == errors
