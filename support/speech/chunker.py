"""Split streaming reply text into speakable chunks, as the text arrives.

Sentences end at . ! ? and the Devanagari danda । (also used in Bengali) or ॥. A sentence longer
than `max_chars` is cut at a clause boundary (comma, semicolon, colon, or before "and"/"और"/
"এবং"/"आणि"...). The first chunk of a reply may be a short clause ("Sure, ...") so the first
audio starts sooner: TTS time grows with the text, and the listener hears the first clause
while the rest is synthesised.

    chunker = ClauseChunker()
    for delta in brain_text_deltas:
        for chunk in chunker.feed(delta):
            speak(chunk)
    for chunk in chunker.flush():
        speak(chunk)
"""

from __future__ import annotations

import re

SENTENCE_END = ".!?।॥"
CLAUSE_PUNCT = ",;:—–"
# Split *before* these words when a sentence is too long (the conjunction opens the next clause).
CONJUNCTIONS = (
    "and", "but", "or", "so", "because", "which", "then",
    "और", "लेकिन", "पर", "या", "क्योंकि", "तो",  # hi
    "এবং", "আর", "কিন্তু", "বা", "কারণ", "তাই",  # bn
    "आणि", "पण", "किंवा", "कारण", "म्हणून",  # mr
)
ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "rs", "no", "vs", "etc", "e.g", "i.e", "approx", "inc", "ltd"}

_CONJ = re.compile(r"\s(?=(?:" + "|".join(map(re.escape, CONJUNCTIONS)) + r")\s)", re.IGNORECASE)


class ClauseChunker:
    def __init__(
        self, *, max_chars: int = 110, first_clause_min_chars: int = 12, first_sentence_max_chars: int = 40, min_chars: int = 30
    ):
        self.max_chars = max_chars
        self.first_sentence_max_chars = first_sentence_max_chars
        self.first_clause_min_chars = first_clause_min_chars
        self.min_chars = min_chars  # a later clause split leaves at least this much on each side
        self._buf = ""
        self._emitted = 0

    def feed(self, delta: str) -> list[str]:
        self._buf += delta
        out: list[str] = []
        while True:
            chunk = self._next(final=False)
            if chunk is None:
                break
            out.append(chunk)
        return out

    def flush(self) -> list[str]:
        out: list[str] = []
        while True:
            chunk = self._next(final=True)
            if chunk is None:
                break
            out.append(chunk)
        rest = self._buf.strip()
        self._buf = ""
        if rest:
            out.append(rest)
            self._emitted += 1
        return out

    # -- internals --------------------------------------------------------------------------
    def _emit(self, end: int) -> str | None:
        chunk, self._buf = self._buf[:end].strip(), self._buf[end:].lstrip()
        if not chunk:
            return None
        self._emitted += 1
        return chunk

    def _next(self, *, final: bool) -> str | None:
        buf = self._buf
        end = self._sentence_end(buf, final)
        if self._emitted == 0 and (end is None or end > self.first_sentence_max_chars):
            # A long first sentence: speak its first clause now, the rest while that plays.
            cut = self._clause_cut(buf[: end if end is not None else len(buf)], self.first_clause_min_chars, final)
            if cut is not None:
                return self._emit(cut)
        if end is not None and end <= self.max_chars:
            return self._emit(end) or self._next(final=final)
        limit = end if end is not None else len(buf)
        if limit > self.max_chars:
            cut = self._clause_cut(buf[: self.max_chars], self.min_chars, True)
            if cut is None:
                cut = buf.rfind(" ", self.min_chars, self.max_chars)  # no clause: cut at a word
                if cut <= 0:
                    cut = self.max_chars
            return self._emit(cut)
        if end is not None:
            return self._emit(end)
        return None

    def _sentence_end(self, buf: str, final: bool) -> int | None:
        for i, ch in enumerate(buf):
            if ch not in SENTENCE_END:
                continue
            j = i + 1
            while j < len(buf) and buf[j] in SENTENCE_END + "\"')”’":
                j += 1
            if j == len(buf):
                if final:
                    return j
                return None  # "3." may become "3.5", "e." may become "e.g.": wait for the next character
            if not buf[j].isspace():
                continue
            if ch == "." and self._is_abbreviation(buf[:i]):
                continue
            return j
        return None

    @staticmethod
    def _is_abbreviation(before: str) -> bool:
        word = re.split(r"\s", before)[-1].lower() if before else ""
        return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())

    def _clause_cut(self, text: str, min_chars: int, final: bool) -> int | None:
        """The last clause boundary in `text` with at least `min_chars` before it (and, for a
        mid-sentence cut, some text after it), as an index to cut at; None if there is none."""
        best = None
        for i, ch in enumerate(text):
            if ch in CLAUSE_PUNCT and i + 1 < len(text) and text[i + 1].isspace() and i + 1 >= min_chars:
                if ch == "," and i > 0 and text[i - 1].isdigit() and i + 2 < len(text) and text[i + 2].isdigit():
                    continue
                best = i + 1
                if self._emitted == 0:
                    return best  # the first clause: as early as allowed
        for m in _CONJ.finditer(text):
            if m.start() < min_chars:
                continue
            if self._emitted == 0:
                return m.start() if best is None else best
            best = max(best or 0, m.start())
        if best is not None and len(text) - best < 3 and not final:
            return None
        return best
