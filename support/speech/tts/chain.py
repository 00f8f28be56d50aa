"""Providers per language, tried in order (settings.TTS_PROVIDERS_EN/HI/BN/MR), and streaming.

A reply is normalised for speech, split into clauses, and each clause's audio is yielded as soon
as it is ready while the next one is already being synthesised. A provider that fails or stalls
is reported (on_call ok=False), the next one speaks that clause, and the failed one is skipped for
the rest of the reply so its timeout is paid once.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import AsyncIterator

from asgiref.sync import async_to_sync
from django.conf import settings


from ..chunker import ClauseChunker
from ..records import OnCall, SpeechCall, report
from ..speak import normalise
from .base import TTSEngine, TTSUnavailable
from .cache import ClauseCache
from .edge import EdgeTTS
from .espeak import EspeakTTS
from .festival import FestivalTTS
from .piper import PiperTTS

ENGINES = {"piper": PiperTTS, "festival": FestivalTTS, "espeak": EspeakTTS, "edge": EdgeTTS}
LANGUAGES = ("en", "hi", "bn", "mr")


@dataclass
class _Usage:
    """What one provider did over one reply, reported once when the reply is done."""

    engine: TTSEngine
    first_byte_ms: float | None = None
    chars: int = 0
    pcm_bytes: int = 0
    busy_ms: float = 0.0


@dataclass
class _Reply:
    language: str
    on_call: OnCall
    started: float = field(default_factory=time.perf_counter)
    failed: set = field(default_factory=set)
    usage: dict = field(default_factory=dict)

    def report_usage(self):
        for name, use in self.usage.items():
            report(
                SpeechCall(
                    stage="tts", provider=name, model=use.engine.model_name(self.language), ok=True,
                    latency_ms=round(use.busy_ms, 1),
                    first_byte_ms=None if use.first_byte_ms is None else round(use.first_byte_ms, 1),
                    input_size=use.chars, output_size=use.pcm_bytes, language=self.language,
                ),
                self.on_call,
            )
        self.usage.clear()


class TTSChain:
    def __init__(self, providers: dict[str, list[TTSEngine]]):
        self.providers = providers
        self.cache = ClauseCache()

    def engines_for(self, language: str) -> list[TTSEngine]:
        return self.providers.get(language) or self.providers.get("en") or []

    async def _clause(self, text: str, reply: _Reply) -> bytes:
        errors = []
        for engine in self.engines_for(reply.language):
            if engine.name in reply.failed:
                continue
            # `shared`: one synthesis at a time per clause (any length); `key`: kept in the cache too.
            shared = self.cache.flight_key(provider=engine.name, voice=engine.model_name(reply.language),
                                           language=reply.language, text=text)
            key = shared if shared is not None and self.cache.keeps(shared) else None
            pcm = self.cache.get(key)
            flight, owner = (None, False) if pcm is not None or shared is None else self.cache.claim(shared)
            if flight is not None and not owner:
                # The same clause for another shopper, being synthesised now: wait for that one.
                pcm = await asyncio.shield(asyncio.wrap_future(flight))
            if pcm is not None:
                use = reply.usage.setdefault(engine.name, _Usage(engine))
                if use.first_byte_ms is None:
                    use.first_byte_ms = (time.perf_counter() - reply.started) * 1000
                use.chars += len(text)
                use.pcm_bytes += len(pcm)
                return pcm
            started = time.perf_counter()
            result = None
            try:
                result = await engine.synthesize(text, reply.language)
            except Exception as exc:  # any failure hands over (cancellation is not an Exception)
                error = f"{exc.__class__.__name__}: {exc}"[:500]
                errors.append(f"{engine.name}: {error}")
                reply.failed.add(engine.name)
                report(
                    SpeechCall(
                        stage="tts", provider=engine.name, model=engine.model_name(reply.language), ok=False,
                        error=error, latency_ms=round((time.perf_counter() - started) * 1000, 1),
                        input_size=len(text), language=reply.language,
                    ),
                    reply.on_call,
                )
                continue
            finally:
                if owner:
                    self.cache.settle(shared, flight, result.pcm if result is not None else None)
            if not owner:
                self.cache.put(key, result.pcm)
            use = reply.usage.setdefault(engine.name, _Usage(engine))
            if use.first_byte_ms is None:
                # From the start of the reply: what the listener waits for.
                use.first_byte_ms = (time.perf_counter() - reply.started) * 1000
            use.chars += len(text)
            use.pcm_bytes += len(result.pcm)
            use.busy_ms += (time.perf_counter() - started) * 1000
            return result.pcm
        raise TTSUnavailable(f"Speech synthesis is unavailable for {reply.language}: " + "; ".join(errors or ["no provider"]))

    async def synthesize_clause(
        self, text: str, language: str, *, on_call: OnCall = None, failed: set[str] | None = None
    ) -> bytes:
        """One already-chunked piece of text (the real-time pipeline feeds its own chunker).
        Pass the same `failed` set for every clause of a reply: a provider that failed on one
        clause is then skipped for the rest, so its timeout is paid once per reply."""
        reply = _Reply(language, on_call, failed=failed if failed is not None else set())
        try:
            return await self._clause(normalise(text, language), reply)
        finally:
            reply.report_usage()

    async def stream(self, text: str, language: str, *, on_call: OnCall = None) -> AsyncIterator[bytes]:
        chunker = ClauseChunker()
        clauses = [c for c in chunker.feed(normalise(text, language)) + chunker.flush() if c.strip()]
        reply = _Reply(language, on_call)
        queue: asyncio.Queue = asyncio.Queue(maxsize=2)

        async def produce():
            try:
                for clause in clauses:
                    await queue.put(await self._clause(clause, reply))
                await queue.put(None)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:
                await queue.put(exc)

        producer = asyncio.create_task(produce())
        try:
            while True:
                item = await queue.get()
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                if item:
                    yield item
        finally:
            # Barge-in closes the generator: stop synthesising what nobody will hear.
            producer.cancel()
            try:
                await producer
            except BaseException:
                pass
            reply.report_usage()

    def synthesize(self, text: str, language: str, *, on_call: OnCall = None) -> bytes:
        """The whole reply as one PCM16 buffer, for synchronous callers (REST views)."""

        async def collect() -> bytes:
            return b"".join([chunk async for chunk in self.stream(text, language, on_call=on_call)])

        return async_to_sync(collect)()


def providers_setting(language: str) -> list[str]:
    return [p.strip() for p in getattr(settings, f"TTS_PROVIDERS_{language.upper()}") if p.strip()]


def tts_settings_key() -> tuple:
    """What build_tts() reads from the settings (the factory rebuilds when it changes)."""
    return tuple((lang, tuple(providers_setting(lang))) for lang in LANGUAGES)


def build_tts() -> TTSChain:
    """A chain for the current settings (uncached: support.voice.factory.providers() keeps one)."""
    instances: dict[str, TTSEngine] = {}
    providers = {}
    for lang, names in tts_settings_key():
        engines = []
        for name in names:
            if name not in ENGINES:
                raise ValueError(f"TTS_PROVIDERS_{lang.upper()}: unknown provider {name!r} ({', '.join(ENGINES)})")
            if lang not in ENGINES[name].languages:
                raise ValueError(f"TTS_PROVIDERS_{lang.upper()}: {name} has no {lang} voice "
                                 f"(it speaks {', '.join(ENGINES[name].languages)})")
            engines.append(instances.setdefault(name, ENGINES[name]()))
        providers[lang] = engines
    return TTSChain(providers)
