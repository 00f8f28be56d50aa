"""Request input taken exactly as the OpenAPI schema describes it.

DRF's fields are lenient: a CharField takes 123 and stores "123", an IntegerField takes "7",
"7.0" and " 7", a BooleanField takes "yes" and 1, a DecimalField takes "1e3" and "+5", a
CharField measures its length after trimming. The schema promises JSON types, formats and
lengths, and integrators (and schemathesis) hold the API to it. So before a serializer runs,
`input_errors` checks each value as it was sent against what the schema says of its field:
JSON bodies by JSON type, query strings and form fields by their text. The serializer then
applies its own rules; what it accepts is never wider than the schema.

The patterns here are published in the schema by voxsite.core.schema.AutoSchema, so the two cannot
drift apart."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django.http import QueryDict
from rest_framework import serializers

# Whitespace as Python's str.strip() (and so DRF's trimming) reads it, spelled out: `\s` means
# other things in the schema's (ECMA) regular expressions, which leave out \x1c-\x1f and \x85.
WS_CHARS = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
WS = f"[{WS_CHARS}]"
# A CharField refuses NUL (PostgreSQL cannot store it) and, unless blank is allowed, a value
# that is only whitespace (DRF trims it to "").
NUL_FREE = r"^[^\x00]*$"
NOT_BLANK = rf"^[^\x00]*[^\x00{WS_CHARS}][^\x00]*$"
UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
INTEGER_TEXT = re.compile(r"-?[0-9]+")
BOOLEAN_TEXT = ("true", "false")  # any case: form encoders write Python's True

_STRING_FIELDS = (serializers.CharField, serializers.UUIDField, serializers.DateTimeField, serializers.DateField,
                  serializers.TimeField, serializers.DurationField, serializers.DecimalField)


def decimal_pattern(field: serializers.DecimalField) -> str:
    """The decimal strings `field` takes: plain digits, a point, at most `decimal_places` after it;
    no exponent, no sign unless negatives are allowed, and no zero when the minimum is the
    smallest positive step (an amount of money)."""
    places = field.decimal_places or 0
    whole = field.max_whole_digits if field.max_whole_digits is not None else 30
    fraction = rf"(?:\.[0-9]{{1,{places}}})?" if places else ""
    minimum = field.min_value
    if minimum is not None and Decimal(minimum) == Decimal(1).scaleb(-places):
        # An integer part with a non-zero digit (leading zeros do not count as digits), or a
        # non-zero fraction of at most `places` digits.
        alternatives = [rf"0{{0,{whole}}}[1-9][0-9]{{0,{whole - 1}}}{fraction}"]
        if places:
            nonzero = "|".join("0" * i + "[1-9]" + (f"[0-9]{{0,{places - 1 - i}}}" if places - 1 - i else "")
                               for i in range(places))
            alternatives.append(rf"0{{0,{whole}}}\.(?:{nonzero})")
        number = "(?:" + "|".join(alternatives) + ")"
    else:
        sign = "" if minimum is not None and minimum >= 0 else "-?"
        number = rf"{sign}[0-9]{{1,{whole}}}{fraction}"
    return rf"^{WS}*{number}{WS}*$"  # DRF strips the text before reading it


def _decimal_message(field: serializers.DecimalField) -> str:
    rules = [f"at most {field.max_whole_digits} digits before the point and {field.decimal_places} after it"]
    if field.min_value is not None and field.min_value > 0:
        rules.append("more than 0")
    elif field.min_value is not None:
        rules.append("no sign")
    return f"Expected a decimal number in a string, such as \"1299.00\": {', '.join(rules)}, no exponent."


def field_pattern(field: serializers.Field) -> str | None:
    """The regular expression the schema gives this input field's text, if any."""
    custom = getattr(field, "schema_pattern", None)
    if custom:
        return custom
    if isinstance(field, serializers.DecimalField):
        return decimal_pattern(field)
    if isinstance(field, serializers.UUIDField):
        return f"^{UUID_PATTERN}$"  # OpenAPI 3.1 leaves `format` unchecked
    if isinstance(field, serializers.CharField):
        return NUL_FREE if field.allow_blank else NOT_BLANK
    return None


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else type(value).__name__


def _wrong_type(expected: str, value: Any) -> list[str]:
    return [f"Expected {expected}, got {_json_kind(value)}."]


def _check_text(field: serializers.Field, value: str) -> list[str] | None:
    """A string value against its field's length and (for parsed text) its pattern."""
    max_length = getattr(field, "max_length", None)
    if isinstance(field, serializers.CharField) and max_length is not None and len(value) > max_length:
        # DRF measures after trimming; the schema's maxLength is what was sent.
        return [field.error_messages["max_length"].format(max_length=max_length)]
    if isinstance(field, serializers.UUIDField):
        # The schema says `format: uuid`: the 8-4-4-4-12 form, not every spelling uuid.UUID reads.
        return None if re.fullmatch(UUID_PATTERN, value) else [field.error_messages["invalid"].format(value=value)]
    if isinstance(field, serializers.CharField) and not getattr(field, "schema_pattern", None):
        return None  # NUL and blank text: the field's own messages say it
    pattern = field_pattern(field)
    if pattern and not re.search(pattern, value):
        hint = getattr(field, "pattern_message", None)
        if hint:
            return [hint]
        if isinstance(field, serializers.DecimalField):
            return [_decimal_message(field)]
        return [f"Does not match {pattern}."]
    return None


def _check(field: serializers.Field, value: Any, *, text: bool) -> Any:
    """Messages for one value (a list, or a dict/list of them for nested input); None when fine."""
    if value is None:
        return None  # allow_null is the field's own rule
    if isinstance(field, serializers.ListSerializer):
        if text:
            return None
        if not isinstance(value, list):
            return _wrong_type("an array", value)
        items = [_check(field.child, item, text=False) or {} for item in value]
        return items if any(items) else None
    if isinstance(field, serializers.Serializer):
        if text:
            return None
        if not isinstance(value, dict):
            return _wrong_type("an object", value)
        return input_errors(field, value) or None
    if isinstance(field, (serializers.FileField, serializers.JSONField, serializers.ReadOnlyField)):
        return None
    if isinstance(field, serializers.BooleanField):
        if text:
            if str(value).lower() in BOOLEAN_TEXT or field.allow_null and value == "null":
                return None
            return ["Expected true or false."]
        return None if isinstance(value, bool) else _wrong_type("a boolean", value)
    if isinstance(field, serializers.IntegerField):
        if text:
            return None if isinstance(value, str) and INTEGER_TEXT.fullmatch(value) else ["Expected an integer."]
        # JSON Schema's integers include 2.0 (any number without a fraction); DRF reads it as 2.
        integral = isinstance(value, int) or isinstance(value, float) and value.is_integer()
        return None if integral and not isinstance(value, bool) else _wrong_type("an integer", value)
    if isinstance(field, serializers.FloatField):
        if text:
            return None
        return None if isinstance(value, (int, float)) and not isinstance(value, bool) else _wrong_type("a number", value)
    if isinstance(field, serializers.MultipleChoiceField) or isinstance(field, serializers.ListField):
        if text:
            return None
        if not isinstance(value, list):
            return _wrong_type("an array", value)
        child = getattr(field, "child", None)
        if isinstance(field, serializers.ListField) and child is not None:
            items = [_check(child, item, text=False) or [] for item in value]
            return {i: e for i, e in enumerate(items) if e} or None
        return None
    if isinstance(field, serializers.DictField):
        if text:
            return None
        return None if isinstance(value, dict) else _wrong_type("an object", value)
    if isinstance(field, serializers.ChoiceField):
        if all(isinstance(key, str) for key in field.choices) and not isinstance(value, str):
            return _wrong_type("a string", value)
        return None
    if isinstance(field, _STRING_FIELDS):
        if not isinstance(value, str):
            return _wrong_type("a string", value)
        return _check_text(field, value)
    return None


def input_errors(serializer: serializers.Serializer, data: Any, *, text: bool | None = None) -> dict:
    """Field name -> messages for values that are not what the schema says, as DRF lays out
    validation errors. `text`: the values are query-string or form text (default: when `data` is
    a QueryDict); otherwise they are parsed JSON."""
    if text is None:
        text = isinstance(data, QueryDict)
    if not hasattr(data, "get"):
        return {}  # not an object: the serializer says so itself
    errors = {}
    for name, field in serializer.fields.items():
        if field.read_only or name not in data:
            continue
        value = data.get(name)
        if text and isinstance(field, serializers.FileField):
            continue
        if text and value == "" and not getattr(field, "allow_blank", False):
            # DRF reads an empty form value as "not sent"; the schema has no empty value for it.
            errors[name] = ["Send a value, or leave the parameter out."]
            continue
        problem = _check(field, value, text=text)
        if problem:
            errors[name] = problem
    return errors


def _check_storable(value, path: str) -> None:
    """Text PostgreSQL's jsonb cannot store (NUL, lone surrogates) is refused as an input error."""
    if isinstance(value, str):
        if "\x00" in value:
            raise serializers.ValidationError(f"{path}: text may not contain NUL characters.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise serializers.ValidationError(f"{path}: text is not valid Unicode.") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_storable(key, path)
            _check_storable(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_storable(item, f"{path}[{i}]")


class StorableJSONField(serializers.DictField):
    """A JSON object stored as given, that PostgreSQL's jsonb can store: no NUL and no lone
    surrogate in any key or text, and at most `max_bytes` of JSON. voxsite.core.schema publishes it as
    the StorableJSON component."""

    def __init__(self, *, max_bytes: int | None = None, **kwargs):
        self.max_bytes = max_bytes
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        _check_storable(value, self.field_name or "value")
        if self.max_bytes is not None and len(json.dumps(value, ensure_ascii=False).encode()) > self.max_bytes:
            raise serializers.ValidationError(f"At most {self.max_bytes} bytes of JSON.")
        return value
