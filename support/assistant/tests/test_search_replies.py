"""Search as the assistant uses it: the search_products tool's result (ranked products with why
they matched, the filters read from the words) and the offline brain's answer, in four languages,
with plural agreement, the best three named with price and stock, and a voice answer naming two."""

from decimal import Decimal

import pytest

from catalog.tests.factories import CategoryFactory, ProductFactory, SearchSynonymFactory
from support.assistant.brain import Spoken, TextDelta, ToolCalled, TurnContext
from support.assistant.offline import replies
from support.assistant.offline.dialogue import OfflineBrain
from support.assistant.tools import default_tools

PHONES = [
    {"sku": "P1", "name": "Samsung Galaxy M34 5G (6 GB RAM, 128 GB)", "price": "15999.00", "in_stock": True},
    {"sku": "P2", "name": "Redmi Note 13 5G (6 GB RAM, 128 GB)", "price": "16999.00", "in_stock": True},
    {"sku": "P3", "name": "Apple iPhone 15 (128 GB)", "price": "69900.00", "in_stock": False},
    {"sku": "P4", "name": "OnePlus Nord CE4", "price": "24999.00", "in_stock": True},
]


# --- the reply --------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, one, many", [
    ("en", "I found 1 option:", "I found 4 options."),
    ("hi", "मुझे 1 विकल्प मिला:", "मुझे 4 विकल्प मिले।"),
    ("bn", "আমি 1টি বিকল্প পেয়েছি:", "আমি 4টি বিকল্প পেয়েছি।"),
    ("mr", "मला 1 पर्याय सापडला:", "मला 4 पर्याय सापडले."),
])
def test_plural_agreement_in_every_language(lang, one, many):
    single = replies.search_results(PHONES[:1], 1, lang)
    assert single[0].startswith(one)
    assert single[1] == replies.render("search_more_one", lang)
    several = replies.search_results(PHONES, 4, lang)
    assert several[0].startswith(many)
    assert several[1] == replies.render("search_more", lang)


@pytest.mark.parametrize("lang", ["en", "hi", "bn", "mr"])
def test_text_names_the_best_three_with_price_and_stock(lang):
    text = replies.search_results(PHONES, 4, lang)[0]
    for p in PHONES[:3]:
        assert p["name"] in text
    assert "OnePlus" not in text
    assert "₹15,999" in text and "₹69,900" in text
    assert text.count(replies.render("stock_in", lang)) >= 2 and replies.render("stock_out", lang) in text


@pytest.mark.parametrize("lang", ["en", "hi", "bn", "mr"])
def test_spoken_names_at_most_two_by_short_name(lang):
    spoken = replies.search_results(PHONES, 4, lang, spoken=True)[0]
    assert "Samsung Galaxy M34 5G" in spoken and "Redmi Note 13 5G" in spoken
    assert "(" not in spoken and "iPhone" not in spoken
    assert f" {replies.LANGUAGES[lang].AND} " in spoken and "₹16,999" in spoken
    assert replies.short_name("Aashirvaad Shudh Chakki Atta, 10 kg") == "Aashirvaad Shudh Chakki Atta"


def test_closest_matches_are_offered_as_such():
    assert replies.search_results(PHONES[:1], 1, "en", complete=False)[0].startswith(
        "Nothing matched all of that. This comes closest: Samsung")
    assert replies.search_results(PHONES, 3, "hi", complete=False)[0].startswith("बिल्कुल ऐसा कुछ नहीं मिला। सबसे करीब ये")


# --- the tool and the brain over the database --------------------------------------------------

@pytest.fixture
def phones(db):
    mobiles = CategoryFactory(name="Mobiles", slug="mobiles")
    SearchSynonymFactory(words="phone, mobile, फोन, ফোন, फ़ोन")
    for p in PHONES:
        ProductFactory(sku=p["sku"], name=p["name"], brand=p["name"].split()[0], category=mobiles,
                       price=Decimal(p["price"]), stock=5 if p["in_stock"] else 0, tags=["phone"], attributes={})
    ProductFactory(sku="TV1", name="Samsung Smart TV", brand="Samsung", category=CategoryFactory(), attributes={})


def ask(text, *, language="en", spoken=False):
    """The tool calls and the reply: its text, or with `spoken` the version a voice says."""
    ctx = TurnContext(conversation_id="c1", language=language, state={"turn": 1})
    events = list(OfflineBrain().stream(text, ctx, default_tools()))
    calls = [e for e in events if isinstance(e, ToolCalled)]
    if spoken:
        return calls, next(e.text for e in events if isinstance(e, Spoken))
    return calls, "".join(e.text for e in events if isinstance(e, TextDelta))


def test_tool_result_carries_ranking_why_and_the_filters_read_from_words(phones):
    ctx = TurnContext(conversation_id="c1", language="hi", state={"turn": 1})
    called = default_tools().call("search_products", {"query": "सस्ता सैमसंग फोन 20000 से कम"}, ctx)
    data = called.result.data
    assert called.result.ok and data["complete"] and data["count"] == 1
    assert [p["sku"] for p in data["products"]][:1] == ["P1"]
    assert data["products"][0]["matched"] == [
        {"word": "सैमसंग", "matched": "samsung", "field": "name", "how": "sound"},
        {"word": "फोन", "matched": "phone", "field": "tags", "how": "synonym"},
    ]
    assert data["understood"] == {"max_price": "20000.00", "cheapest_first": True}
    assert "not_in_catalog" not in data


def test_tool_reports_words_it_could_not_place_and_closest_matches(phones):
    ctx = TurnContext(conversation_id="c1", language="en", state={"turn": 1})
    data = default_tools().call("search_products", {"query": "samsung flurbophone"}, ctx).result.data
    assert data["not_in_catalog"] == ["flurbophone"] and data["complete"]  # the rest matched fully
    data = default_tools().call("search_products", {"query": "samsung redmi"}, ctx).result.data
    assert not data["complete"] and data["count"] == 3  # closest: two Samsungs and the Redmi


@pytest.mark.parametrize("text, lang, start", [
    ("show me samsung phones", "en",  # the TV and the other phones match one word of two: not named
     "I found 1 option: Samsung Galaxy M34 5G (6 GB RAM, 128 GB) at ₹15,999, in stock. Would you like more details"),
    ("मुझे फोन दिखाओ", "hi", "मुझे 4 विकल्प मिले। सबसे अच्छे: Apple iPhone 15 (128 GB), ₹69,900 में, स्टॉक में नहीं है;"),
    ("ফোন দেখান", "bn", "আমি 4টি বিকল্প পেয়েছি। সেরাগুলো:"),
])
def test_the_brain_answers_with_the_tools_results(phones, text, lang, start):
    calls, reply = ask(text, language=lang)
    assert [c.name for c in calls] == ["search_products"] and calls[0].result.ok
    assert reply.startswith(start), reply


def test_a_voice_answer_names_two_products(phones):
    _, text_reply = ask("show me phones")
    _, spoken = ask("show me phones", spoken=True)
    assert text_reply.count("₹") == 3 and spoken.count("₹") == 2
    assert "(" in text_reply and "(" not in spoken and " and " in spoken
