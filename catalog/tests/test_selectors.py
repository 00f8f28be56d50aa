from decimal import Decimal

import pytest

from catalog.selectors import (
    category_list,
    faq_get,
    faq_search,
    policy_get,
    policy_list,
    product_get,
    product_search,
)
from catalog.tests.factories import CategoryFactory, FAQFactory, PolicyFactory, ProductFactory
from voxsite.core.errors import NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    ethnic = CategoryFactory(name="Ethnic Wear", slug="ethnic-wear")
    phones = CategoryFactory(name="Mobiles", slug="mobiles")
    return {
        "kurta": ProductFactory(sku="FAB-KUR-01", name="Cotton Kurta", brand="Fabindia", category=ethnic,
                                price=Decimal("1299.00"), stock=5, description="Hand block printed, blue",
                                attributes={}),
        "saree": ProductFactory(sku="BIBA-SAR-02", name="Silk Saree", brand="Biba", category=ethnic,
                                price=Decimal("4999.00"), stock=0, description="Banarasi weave", attributes={}),
        "phone": ProductFactory(sku="RED-NOTE-13", name="Redmi Note 13", brand="Xiaomi", category=phones,
                                price=Decimal("17999.00"), stock=12, description="5G phone, blue colour",
                                attributes={}, tags=["smartphone"]),
        "old": ProductFactory(sku="OLD-KUR-09", name="Linen Kurta", brand="Fabindia", category=ethnic,
                              price=Decimal("999.00"), stock=3, active=False, attributes={}),
    }


def skus(qs):
    return sorted(p.sku for p in qs)


def ranked(results):
    return [p.sku for p in results]


def test_words_are_matched_across_name_brand_tags_category_description_and_sku(shop):
    assert ranked(product_search(query="fabindia")) == ["FAB-KUR-01"]
    assert ranked(product_search(query="smartphone")) == ["RED-NOTE-13"]  # a tag
    assert skus(product_search(query="ethnic")) == ["BIBA-SAR-02", "FAB-KUR-01"]  # the category
    assert ranked(product_search(query="banarasi")) == ["BIBA-SAR-02"]  # the description
    assert ranked(product_search(query="biba-sar-02")) == ["BIBA-SAR-02"]  # the SKU, any case
    assert ranked(product_search(query="XIAOMI")) == ["RED-NOTE-13"]


def test_products_matching_more_words_come_first(shop):
    # "blue" is in two descriptions, "5G" in one: the product with both first, then the other.
    assert ranked(product_search(query="blue 5g")) == ["RED-NOTE-13", "FAB-KUR-01"]
    assert ranked(product_search(query="kurta fabindia")) == ["FAB-KUR-01"]


def test_category_by_slug_or_name_any_case(shop):
    assert skus(product_search(category="mobiles")) == ["RED-NOTE-13"]
    assert skus(product_search(category="ethnic wear")) == ["BIBA-SAR-02", "FAB-KUR-01"]
    assert skus(product_search(category="no-such-category")) == []
    assert ranked(product_search(query="blue", category="mobiles")) == ["RED-NOTE-13"]


def test_price_range_is_inclusive(shop):
    assert skus(product_search(min_price=Decimal("1299"), max_price=Decimal("4999"))) == ["BIBA-SAR-02", "FAB-KUR-01"]
    assert skus(product_search(min_price=Decimal("5000"))) == ["RED-NOTE-13"]
    assert skus(product_search(max_price=Decimal("1000"))) == []
    assert ranked(product_search(query="blue", max_price=Decimal("2000"))) == ["FAB-KUR-01"]


def test_in_stock_filter(shop):
    assert skus(product_search(in_stock=True)) == ["FAB-KUR-01", "RED-NOTE-13"]
    assert skus(product_search(in_stock=False)) == ["BIBA-SAR-02"]
    assert ranked(product_search(query="saree", in_stock=True)) == []


def test_inactive_products_only_when_asked(shop):
    assert "OLD-KUR-09" not in skus(product_search(query="kurta"))
    assert skus(product_search(query="kurta", active_only=False)) == ["FAB-KUR-01", "OLD-KUR-09"]


def test_nul_in_category_or_query_matches_nothing(shop):
    assert list(product_search(category="mob\x00iles")) == []
    assert list(product_search(query="kur\x00ta")) == []


def test_browsing_without_words_loads_categories_in_the_same_query(shop, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = [p.category.name for p in product_search()]
    # Cotton Kurta, Redmi Note 13, Silk Saree: by name.
    assert names == ["Ethnic Wear", "Mobiles", "Ethnic Wear"]


def test_product_get_is_case_insensitive(shop):
    assert product_get(sku="fab-kur-01") == shop["kurta"]
    assert product_get(sku=" RED-NOTE-13 ") == shop["phone"]


@pytest.mark.parametrize("sku", ["NOPE-1", "", "FAB\x00KUR"])
def test_product_get_unknown(shop, sku):
    with pytest.raises(NotFound) as err:
        product_get(sku=sku)
    assert err.value.code == "product_not_found"


def test_category_list_counts_active_products(shop):
    counts = {c.slug: c.product_count for c in category_list()}
    assert counts == {"ethnic-wear": 2, "mobiles": 1}


# --- FAQs


@pytest.fixture
def faqs():
    return {
        "return": FAQFactory(key="return-item", question="How do I return an item?",
                             answer="Start a return from your orders within 7 days of delivery.", popularity=5,
                             tags=["returns"]),
        "refund": FAQFactory(key="refund-time", question="When will I get my refund?",
                             answer="Refunds reach your account 5-7 days after the return is picked up.",
                             popularity=9, category="payments"),
        "cod": FAQFactory(key="cod", question="Do you offer cash on delivery?",
                          answer="Yes, on orders up to Rs 10,000.", popularity=7, category="payments"),
        "return_hi": FAQFactory(key="return-item", language="hi", question="मैं सामान कैसे लौटाऊं?",
                                answer="डिलीवरी के 7 दिनों के भीतर अपने ऑर्डर से वापसी शुरू करें।"),
        "hidden": FAQFactory(key="old", question="How do I return a gift card?", answer="You cannot.", active=False),
    }


def test_faq_ranking_prefers_question_matches(faqs):
    # "return" is in the return FAQ's question and only in the refund FAQ's answer.
    assert faq_search(query="how can I return my item", language="en") == [faqs["return"], faqs["refund"]]


def test_faq_plural_and_case_match(faqs):
    assert faq_search(query="REFUNDS", language="en")[0] == faqs["refund"]


def test_faq_tags_and_category_count(faqs):
    assert faq_search(query="payments", language="en") == [faqs["refund"], faqs["cod"]]


def test_faq_without_query_orders_by_popularity(faqs):
    assert faq_search(language="en") == [faqs["refund"], faqs["cod"], faqs["return"]]
    assert faq_search(language="en", limit=2) == [faqs["refund"], faqs["cod"]]


def test_faq_stopwords_alone_match_nothing(faqs):
    assert faq_search(query="how do I", language="en") == []


def test_faq_in_hindi_words(faqs):
    # Devanagari vowel signs must not split words: "लौटाऊं" is one token.
    assert faq_search(query="सामान लौटाऊं", language="hi") == [faqs["return_hi"]]


def test_faq_falls_back_to_english(faqs):
    # "delivery" is also in the return FAQ's answer, so it ranks below the one whose question matches.
    assert faq_search(query="cash on delivery", language="mr") == [faqs["cod"], faqs["return"]]
    # Hindi has a match, so English does not answer.
    assert faq_search(query="सामान", language="hi") == [faqs["return_hi"]]


def test_faq_all_languages_when_none_given(faqs):
    assert set(faq_search()) == {faqs["return"], faqs["refund"], faqs["cod"], faqs["return_hi"]}


def test_faq_get(faqs):
    assert faq_get(faq_id=faqs["cod"].pk) == faqs["cod"]
    for missing in (faqs["hidden"].pk, 10**9):
        with pytest.raises(NotFound) as err:
            faq_get(faq_id=missing)
        assert err.value.code == "faq_not_found"


# --- policies


@pytest.fixture
def policies():
    return {
        "returns_en": PolicyFactory(kind="returns", language="en", title="Returns"),
        "returns_hi": PolicyFactory(kind="returns", language="hi", title="वापसी नीति"),
        "shipping_en": PolicyFactory(kind="shipping", language="en", title="Shipping", return_window_days=None),
    }


def test_policy_get_in_language(policies):
    assert policy_get(kind="returns", language="hi") == policies["returns_hi"]
    assert policy_get(kind="returns") == policies["returns_en"]


def test_policy_get_falls_back_to_english(policies):
    assert policy_get(kind="shipping", language="bn") == policies["shipping_en"]


@pytest.mark.parametrize("kind", ["warranty", "bogus", "ret\x00urns"])
def test_policy_get_missing(policies, kind):
    with pytest.raises(NotFound) as err:
        policy_get(kind=kind, language="hi")
    assert err.value.code == "policy_not_found"


def test_policy_list_one_per_kind_with_fallback(policies):
    assert policy_list(language="hi") == [policies["returns_hi"], policies["shipping_en"]]
    assert policy_list(language="en") == [policies["returns_en"], policies["shipping_en"]]
    assert policy_list(kind="returns") == [policies["returns_en"], policies["returns_hi"]]
    assert len(policy_list()) == 3
