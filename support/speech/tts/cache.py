"""Synthesised audio of short clauses, kept in memory per voice, so a repeated clause costs no CPU.

Greetings, confirmations, re-prompts ("Sorry, I didn't catch that.") and fillers are said again and
again across conversations; synthesising them is most of what a short turn costs. The key is
everything the audio depends on: provider, voice, language, output sample rate and the (already
normalised) text. The cache is bounded by bytes of PCM (TTS_CACHE_MAX_BYTES, least recently used
first out; 0 turns it off) and keeps only clauses of at most TTS_CACHE_MAX_CHARS characters: long
clauses rarely repeat word for word and would crowd out the short ones that do.

Only local voices are kept (CACHEABLE). Piper is not bit-for-bit deterministic (its noise is
random per run), so a cached clause sounds the same as the first time rather than like a fresh
synthesis would; any one rendering is a valid one, and a shopper hearing "Sure," said identically
twice is what a recorded voice would do anyway. A clause already being synthesised is waited for,
not synthesised again (`claim`): shoppers asking the same thing at the same moment cost one
synthesis. edge-tts is left out: its audio is a remote
service's answer, and a failing edge must keep falling back clause by clause as it does uncached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future

from django.conf import settings

from voxsite.core.metrics import counter

CACHEABLE = frozenset({"piper", "festival", "espeak"})

LOOKUPS = counter("voxsite_tts_cache_lookups", "TTS clause cache lookups, by result (hit or miss).",
                  ("provider", "result"))

Key = tuple[str, str, str, int, str]


class ClauseCache:
    """A thread-safe LRU of PCM by total bytes. Settings are read on every call, so a changed
    limit applies at once (a lower one evicts on the next store)."""

    def __init__(self):
        self._items: OrderedDict[Key, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._inflight: dict[Key, Future] = {}
        self.hits = 0
        self.misses = 0

    @staticmethod
    def flight_key(*, provider: str, voice: str, language: str, text: str) -> Key | None:
        """The key under which one synthesis of a clause is shared while it runs (any length)."""
        if provider not in CACHEABLE:
            return None
        return (provider, voice, language, settings.TTS_SAMPLE_RATE, text)

    @classmethod
    def key(cls, *, provider: str, voice: str, language: str, text: str) -> Key | None:
        """The key of a clause, or None for one that is never kept (too long, online provider, off)."""
        shared = cls.flight_key(provider=provider, voice=voice, language=language, text=text)
        return shared if shared is not None and cls.keeps(shared) else None

    @staticmethod
    def keeps(key: Key) -> bool:
        """Whether a clause with this flight key is kept once synthesised."""
        return len(key[4]) <= settings.TTS_CACHE_MAX_CHARS and settings.TTS_CACHE_MAX_BYTES > 0

    def get(self, key: Key | None) -> bytes | None:
        if key is None:
            return None
        with self._lock:
            pcm = self._items.get(key)
            if pcm is None:
                self.misses += 1
            else:
                self.hits += 1
                self._items.move_to_end(key)
        LOOKUPS.inc(provider=key[0], result="miss" if pcm is None else "hit")
        return pcm

    def put(self, key: Key | None, pcm: bytes) -> None:
        if key is None:
            return
        limit = settings.TTS_CACHE_MAX_BYTES
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            if len(pcm) <= limit:  # one clause bigger than the whole cache is not kept
                self._items[key] = pcm
                self._bytes += len(pcm)
            while self._bytes > limit:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= len(evicted)

    def claim(self, key: Key) -> tuple[Future, bool]:
        """The synthesis of `key` under way: (its future, False), or a new one the caller now owns
        and must `settle`: (future, True). Works across threads and event loops."""
        with self._lock:
            flight = self._inflight.get(key)
            if flight is not None:
                return flight, False
            flight = self._inflight[key] = Future()
            return flight, True

    def settle(self, key: Key, flight: Future, pcm: bytes | None) -> None:
        """The owner's synthesis is over: its audio (kept), or None (failed or cancelled: whoever
        waited synthesises it themselves)."""
        if pcm is not None and self.keeps(key):
            self.put(key, pcm)
        with self._lock:
            if self._inflight.get(key) is flight:
                del self._inflight[key]
        if not flight.done():
            flight.set_result(pcm)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Key | None) -> bool:
        return key in self._items

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
