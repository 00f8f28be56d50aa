"""crm.phones: PHONE_PATTERN (the API schema's pattern for phone parameters) accepts exactly the
text phone_normalize reads."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from crm.phones import PHONE_PATTERN, phone_normalize


def normalizes(text: str) -> bool:
    try:
        phone_normalize(text)
    except ValueError:
        return False
    return True


@settings(max_examples=300, deadline=None, database=None)
@given(st.from_regex(PHONE_PATTERN, fullmatch=True))
def test_every_text_the_pattern_allows_is_a_phone(text):
    assert normalizes(text), text


@settings(max_examples=500, deadline=None, database=None)
@given(st.text(alphabet="0123456789+-().//  \t\u00a0\u2005", max_size=18))
def test_the_pattern_allows_every_text_that_is_a_phone(text):
    assert bool(re.search(PHONE_PATTERN, text)) == normalizes(text), text


def test_the_formats_the_api_docs_name():
    for text in ["98765 43210", "+91-98765-43210", "09876543210", "919876543210", "(+91) 98765.43210", "+1 415 555 0100",
                 "0044 20 7946 0958"]:
        assert re.search(PHONE_PATTERN, text) and normalizes(text), text
    for text in ["", "12345", "+91 08765 43210", "+0123456789", "98765 4321x", "９８７６５４３２１０"]:
        assert not re.search(PHONE_PATTERN, text) and not (text and normalizes(text) and text.isascii()), text
