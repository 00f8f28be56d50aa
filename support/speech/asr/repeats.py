"""The decoder's loops, collapsed: "Please try again. Please try again. ..." -> one."""

from __future__ import annotations

import re

_SEP = r"[\s,.;:!?।]+"
_PHRASE_LOOP = re.compile(r"(?<!\S)(\S.{0,59}?)((?:" + _SEP + r"\1){2,})(?=[\s,.;:!?।]|$)", re.DOTALL | re.IGNORECASE)
_CHAR_LOOP = re.compile(r"([^\s\d]{1,4}?)\1{5,}")


def _collapse_phrase(match: re.Match) -> str:
    unit, tail = match.group(1), match.group(2)
    repeats = 1 + len(re.findall(re.escape(unit), tail, re.IGNORECASE))
    # "nine nine nine" can be a phone number; a phrase of several words three times in a row,
    # one word as three sentences ("Hi. Hi. Hi, hi": tiny.en on a short "Hi"), or anything five
    # times, is the decoder looping.
    sentences = re.search(r"[.!?।]", tail) and not re.search(r"\d", unit)
    if (" " in unit.strip() and repeats >= 3) or (sentences and repeats >= 3) or repeats >= 5:
        return unit
    return match.group(0)


def _words(sentence: str) -> list[str]:
    return re.findall(r"\w+", sentence.lower())


def _drop_repeated_sentences(text: str) -> str:
    """ "What is your return policy? What is your return policy. What is" -> the first sentence:
    a sentence of 3+ words said again at once, and a trailing fragment that only restarts the
    previous sentence, are the decoder running on into the window's padding."""
    parts = [p for p in re.split(r"(?<=[.?!।])\s+", text.strip()) if p]
    kept: list[str] = []
    for i, part in enumerate(parts):
        words = _words(part)
        if kept:
            previous = _words(kept[-1])
            if len(previous) >= 3 and words == previous:
                continue
            last = i == len(parts) - 1 and not part.rstrip().endswith((".", "?", "!", "।"))
            if last and words and len(words) < len(previous) and previous[: len(words)] == words:
                continue
        kept.append(part)
    return " ".join(kept)


def collapse_repeats(text: str) -> str:
    """Collapse the decoder's loops ("Please try again. Please try again. ...", "गगगगगग") to one
    occurrence, keeping ordinary repetition such as digits read one by one."""
    text = _CHAR_LOOP.sub(r"\1", text)
    previous = None
    while previous != text:
        previous = text
        text = _PHRASE_LOOP.sub(_collapse_phrase, text)
    text = _drop_repeated_sentences(text)
    return re.sub(r"\s{2,}", " ", text).strip()
