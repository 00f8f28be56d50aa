"""The TTS clause cache with the real Piper and espeak-ng: a repeated short clause is not synthesised
again, the cache stays within its bytes, and 0 turns it off."""

import pytest

from support.speech.tts import EspeakTTS, PiperTTS
from support.voice.factory import providers

RATE = 22050


@pytest.fixture(autouse=True)
def _defaults(settings):
    settings.TTS_SAMPLE_RATE = RATE
    settings.TTS_CACHE_MAX_BYTES = 32 * 1024 * 1024
    settings.TTS_CACHE_MAX_CHARS = 60
    settings.TTS_PROVIDERS_EN = ["piper"]
    settings.TTS_PROVIDERS_HI = ["espeak"]


def fresh_chain():
    chain = providers().tts
    chain.cache.clear()
    chain.cache.hits = chain.cache.misses = 0
    return chain


async def test_a_repeated_piper_clause_is_served_from_the_cache_byte_for_byte():
    text = "Sorry, I didn't catch that."
    # Piper draws new noise on every run: two real syntheses of one clause differ.
    engine = PiperTTS()
    assert (await engine.synthesize(text, "en")).pcm != (await engine.synthesize(text, "en")).pcm
    chain = fresh_chain()
    calls = []
    first = await chain.synthesize_clause(text, "en", on_call=calls.append)
    again = await chain.synthesize_clause(text, "en", on_call=calls.append)
    assert again == first and len(first) > RATE  # identical bytes: Piper did not run the second time
    assert (chain.cache.misses, chain.cache.hits) == (1, 1)
    # Both are recorded as Piper's (the shopper heard Piper), the second with no synthesis time.
    assert [(c.provider, c.ok) for c in calls] == [("piper", True), ("piper", True)]
    assert calls[0].latency_ms > 0 and calls[1].latency_ms == 0.0
    assert calls[1].output_size == len(first)


async def test_the_key_is_the_voice_language_rate_and_text(settings):
    chain = fresh_chain()
    await chain.synthesize_clause("नमस्ते, स्वागत है", "hi")
    await chain.synthesize_clause("नमस्ते, स्वागत है।", "hi")  # other text
    settings.TTS_SAMPLE_RATE = 16000
    resampled = await chain.synthesize_clause("नमस्ते, स्वागत है", "hi")  # other output rate
    assert chain.cache.hits == 0 and len(chain.cache) == 3
    assert await chain.synthesize_clause("नमस्ते, स्वागत है", "hi") == resampled
    assert chain.cache.hits == 1


async def test_long_clauses_are_not_kept():
    chain = fresh_chain()
    long_text = "यह एक लंबा वाक्य है जो कैश में नहीं रखा जाएगा क्योंकि यह साठ अक्षरों से अधिक लंबा है"
    assert len(long_text) > 60
    calls = []
    await chain.synthesize_clause(long_text, "hi", on_call=calls.append)
    await chain.synthesize_clause(long_text, "hi", on_call=calls.append)
    assert len(chain.cache) == 0 and chain.cache.hits == 0
    assert all(c.latency_ms > 0 for c in calls)


async def test_least_recently_used_clauses_go_first_to_stay_within_the_bytes(settings):
    chain = fresh_chain()
    a, b, c = "धन्यवाद", "नमस्ते", "जी हाँ"
    pcm = {t: await chain.synthesize_clause(t, "hi") for t in (a, b)}
    await chain.synthesize_clause(a, "hi")  # a is used again: b is now the oldest
    assert chain.cache.hits == 1
    key = {t: chain.cache.key(provider="espeak", voice="espeak-ng:hi", language="hi", text=t) for t in (a, b, c)}
    # espeak-ng is deterministic: c's size is known before it is stored. Room for a and c, not b too.
    c_size = len((await EspeakTTS().synthesize(c, "hi")).pcm)
    settings.TTS_CACHE_MAX_BYTES = len(pcm[a]) + c_size
    pcm[c] = await chain.synthesize_clause(c, "hi")
    assert key[a] in chain.cache and key[c] in chain.cache and key[b] not in chain.cache
    assert chain.cache.nbytes == len(pcm[a]) + len(pcm[c]) <= settings.TTS_CACHE_MAX_BYTES
    # A clause bigger than the whole cache is not kept.
    settings.TTS_CACHE_MAX_BYTES = len(pcm[b]) - 1
    calls = []
    await chain.synthesize_clause(b, "hi", on_call=calls.append)
    assert key[b] not in chain.cache and calls[0].latency_ms > 0  # b was synthesised again


async def test_zero_bytes_turns_the_cache_off(settings):
    settings.TTS_CACHE_MAX_BYTES = 0
    chain = fresh_chain()
    calls = []
    for _ in range(2):
        await chain.synthesize_clause("Sure.", "en", on_call=calls.append)
    assert len(chain.cache) == 0 and chain.cache.nbytes == 0
    assert (chain.cache.hits, chain.cache.misses) == (0, 0)
    assert [c.latency_ms > 0 for c in calls] == [True, True]  # Piper spoke both times


@pytest.mark.parametrize("text", ["Let me check that for you.",
                                  "Your order left our warehouse on Monday and should reach you by Thursday evening."])
async def test_the_same_clause_asked_for_at_the_same_moment_is_synthesised_once(text):
    import asyncio

    chain = fresh_chain()
    calls = []
    first, second = await asyncio.gather(chain.synthesize_clause(text, "en", on_call=calls.append),
                                         chain.synthesize_clause(text, "en", on_call=calls.append))
    assert first == second and len(first) > RATE  # Piper's noise differs per run: one synthesis served both
    assert sorted(c.latency_ms > 0 for c in calls) == [False, True]
    assert len(chain.cache) == (1 if len(text) <= 60 else 0)  # a long clause is shared, not kept


async def test_when_the_shared_synthesis_is_cancelled_the_one_waiting_synthesises_it_itself():
    import asyncio

    chain = fresh_chain()
    text = "Your refund was sent to your bank account on Tuesday afternoon, as promised."
    owner = asyncio.ensure_future(chain.synthesize_clause(text, "en"))
    await asyncio.sleep(0)  # the owner claims the clause
    waiter = asyncio.ensure_future(chain.synthesize_clause(text, "en"))
    await asyncio.sleep(0.05)
    owner.cancel()  # a barge-in on the first shopper
    pcm = await asyncio.wait_for(waiter, 30)
    assert len(pcm) > RATE and owner.cancelled()
