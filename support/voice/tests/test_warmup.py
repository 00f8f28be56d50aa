"""The warm-up's clause cache: the first clause of every reply that begins with fixed words is
synthesised (really, by espeak-ng here) before any shopper asks, so a shopper's first audio is a hit."""

import pytest
from asgiref.sync import async_to_sync

from support.assistant.offline.replies import openings, render
from support.speech.speak import normalise
from support.voice.factory import providers
from support.voice.processors.clauses import chunker, first_clause
from support.voice.warmup import ANSWER_OPENERS, cache_openings


@pytest.fixture(autouse=True)
def _espeak_everywhere(settings):
    settings.TTS_PROVIDERS_EN = settings.TTS_PROVIDERS_HI = ["espeak"]
    settings.TTS_PROVIDERS_BN = settings.TTS_PROVIDERS_MR = ["espeak"]
    settings.TTS_CACHE_MAX_BYTES = 64 * 1024 * 1024
    settings.TTS_CACHE_MAX_CHARS = 60


def spoken_first(reply: str) -> str:
    cut = chunker()
    return (cut.feed(reply) + cut.flush())[0]


def test_openings_are_the_fixed_words_before_each_placeholder():
    en = openings("en")
    assert "To keep your account safe, please tell me the phone number on order" in en
    assert "I found 1 option:" in en
    assert all("{" not in opening and opening == opening.strip() for opening in en)
    assert "मला 1 पर्याय सापडला:" in openings("mr")


@pytest.mark.parametrize("opening, clause", [
    ("To keep your account safe, please tell me the phone number on order", "To keep your account safe,"),
    ("I found 1 option:", "I found 1 option:"),
    ("Yes,", "Yes,"),  # a one-word answer is a clause of its own
    ("Your order", None),  # runs on into the order number: nothing to have ready
])
def test_first_clause_of_an_opening(opening, clause):
    assert first_clause(opening) == clause


def test_the_first_clause_of_an_opening_is_the_one_its_replies_are_spoken_with():
    reply = render("ask_phone", "en", order="ORD-1042")
    assert spoken_first(reply) == first_clause(reply.split("ORD-1042")[0].strip()) == "To keep your account safe,"
    assert spoken_first("Yes, on orders up to ₹50,000 in serviceable pincodes.") == "Yes,"


def test_warm_up_puts_the_first_clauses_in_the_cache_and_replies_then_hit():
    chain = providers().tts
    chain.cache.clear()
    count = cache_openings()
    assert count == len(chain.cache) >= len(ANSWER_OPENERS["en"]) + 20
    chain.cache.hits = chain.cache.misses = 0
    for reply, language in [(render("ask_phone", "en", order="ORD-1042"), "en"),
                            ("Yes, on orders up to ₹50,000 in serviceable pincodes.", "en"),
                            (render("ask_phone", "hi", order="ORD-1042"), "hi")]:
        async_to_sync(chain.synthesize_clause)(spoken_first(reply), language)
    assert (chain.cache.hits, chain.cache.misses) == (3, 0)


def test_nothing_is_warmed_with_the_cache_off_or_for_an_online_voice(settings):
    chain = providers().tts
    chain.cache.clear()
    settings.TTS_CACHE_MAX_BYTES = 0
    assert cache_openings() == 0
    settings.TTS_CACHE_MAX_BYTES = 64 * 1024 * 1024
    settings.TTS_CACHE_MAX_CHARS = 6  # only what the cache keeps is synthesised: "Yes," "हाँ," ...
    assert cache_openings() == len(chain.cache) > 0
    chain.cache.clear()
    settings.TTS_CACHE_MAX_CHARS = 60
    settings.TTS_CACHE_MAX_BYTES = 64 * 1024 * 1024
    settings.TTS_PROVIDERS_EN = ["edge", "espeak"]  # edge-tts is never cached: no burst of requests to it
    chain = providers().tts
    chain.cache.clear()
    count = cache_openings()
    assert count == len(chain.cache) > 0
    espeak = chain.engines_for("hi")[0]

    def cached(text, language):
        return chain.cache.key(provider="espeak", voice=espeak.model_name(language), language=language,
                               text=normalise(text, language)) in chain.cache

    assert cached("हाँ,", "hi") and not cached("Yes,", "en")
