from decimal import Decimal

import pytest

from catalog.tests.factories import CategoryFactory, FAQFactory, PolicyFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api_client):
    # The first request of a key stamps last_used_at (one UPDATE); later ones do not, which keeps
    # the pinned query counts below about the endpoint alone.
    api_client.get("/api/v1/categories")
    return api_client


@pytest.fixture
def catalog():
    ethnic = CategoryFactory(name="Ethnic Wear", slug="ethnic-wear")
    phones = CategoryFactory(name="Mobiles", slug="mobiles")
    for i in range(4):
        ProductFactory(sku=f"KUR-{i}", name=f"Cotton Kurta {i}", brand="Fabindia", category=ethnic,
                       price=Decimal(1000 + 500 * i), stock=i)
    for i in range(3):
        ProductFactory(sku=f"PHN-{i}", name=f"Redmi Note {i}", brand="Xiaomi", category=phones,
                       price=Decimal(15000 + 1000 * i), stock=5)
    return {"ethnic": ethnic, "phones": phones}


def test_product_list_paginated_shape(client, catalog):
    body = client.get("/api/v1/products?page_size=5").json()
    assert body["count"] == 7
    assert len(body["results"]) == 5
    assert body["next"].endswith("page=2&page_size=5")
    first = body["results"][0]
    assert first == {
        "sku": "KUR-0", "name": "Cotton Kurta 0", "brand": "Fabindia",
        "category": {"slug": "ethnic-wear", "name": "Ethnic Wear"}, "description": "", "price": "1000.00",
        "stock": 0, "in_stock": False, "attributes": {"colour": "Blue", "size": "M"}, "tags": [], "active": True,
        "matched": [],
    }


@pytest.mark.parametrize(
    "query, expected",
    [
        ("q=kurta", ["KUR-0", "KUR-1", "KUR-2", "KUR-3"]),
        # Ranked: all three words first, then two of them, then the kurta numbered 1.
        ("q=redmi+xiaomi+1", ["PHN-1", "PHN-0", "PHN-2", "KUR-1"]),
        ("category=mobiles", ["PHN-0", "PHN-1", "PHN-2"]),
        ("category=Ethnic+Wear&in_stock=true", ["KUR-1", "KUR-2", "KUR-3"]),
        ("in_stock=false", ["KUR-0"]),
        ("min_price=1500&max_price=15000", ["KUR-1", "KUR-2", "KUR-3", "PHN-0"]),
        ("min_price=16000", ["PHN-1", "PHN-2"]),
        ("q=&category=", ["KUR-0", "KUR-1", "KUR-2", "KUR-3", "PHN-0", "PHN-1", "PHN-2"]),
    ],
)
def test_product_filters(client, catalog, query, expected):
    resp = client.get(f"/api/v1/products?{query}")
    assert resp.status_code == 200
    assert [p["sku"] for p in resp.json()["results"]] == expected


@pytest.mark.parametrize(
    "query, field",
    [
        ("min_price=abc", "min_price"),
        ("max_price=-5", "max_price"),
        ("in_stock=maybe", "in_stock"),
        ("min_price=NaN", "min_price"),
        ("q=" + "x" * 201, "q"),
        ("q=%00", "q"),
    ],
)
def test_product_invalid_filters(client, catalog, query, field):
    resp = client.get(f"/api/v1/products?{query}")
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]


def test_product_min_above_max_is_invalid(client, catalog):
    resp = client.get("/api/v1/products?min_price=500&max_price=100")
    assert resp.status_code == 400
    assert resp.json()["errors"] == {"max_price": ["Must not be less than min_price."]}


def test_product_list_page_out_of_range(client, catalog):
    resp = client.get("/api/v1/products?page=99")
    assert resp.status_code == 404
    assert resp.json()["code"] == "not_found"


def test_product_list_query_count(client, catalog, django_assert_num_queries):
    # key lookup, COUNT, page of products joined with their categories
    with django_assert_num_queries(3):
        resp = client.get("/api/v1/products")
    assert len(resp.json()["results"]) == 7


def test_product_detail_any_case(client, catalog):
    resp = client.get("/api/v1/products/phn-2")
    assert resp.status_code == 200
    assert resp.json()["sku"] == "PHN-2"
    assert resp.json()["category"]["slug"] == "mobiles"


def test_product_detail_unknown(client, catalog):
    resp = client.get("/api/v1/products/NOPE-42")
    assert resp.status_code == 404
    assert resp.json()["code"] == "product_not_found"


def test_category_list(client, catalog, django_assert_num_queries):
    CategoryFactory(name="Books", slug="books")
    with django_assert_num_queries(3):
        resp = client.get("/api/v1/categories")
    assert resp.json()["results"] == [
        {"slug": "books", "name": "Books", "description": "", "product_count": 0},
        {"slug": "ethnic-wear", "name": "Ethnic Wear", "description": "", "product_count": 4},
        {"slug": "mobiles", "name": "Mobiles", "description": "", "product_count": 3},
    ]


# --- FAQs


@pytest.fixture
def faqs():
    made = [FAQFactory(key=f"faq-{i}", question=f"How do I track order number {i}?", answer="From My Orders.",
                       popularity=i) for i in range(5)]
    made.append(FAQFactory(key="refund", question="When will my refund arrive?", answer="In 5-7 days.",
                           popularity=100, tags=["refunds"]))
    made.append(FAQFactory(key="refund", language="hi", question="मेरा रिफंड कब आएगा?", answer="5-7 दिनों में।"))
    return made


def test_faq_list_query_count(client, faqs, django_assert_num_queries):
    # key lookup, FAQs (ranked in Python, so the page needs no COUNT)
    with django_assert_num_queries(2):
        resp = client.get("/api/v1/faqs?language=en")
    body = resp.json()
    assert body["count"] == 6
    assert body["results"][0]["key"] == "refund"


def test_faq_search(client, faqs):
    body = client.get("/api/v1/faqs?q=refund&language=en").json()
    assert [f["key"] for f in body["results"]] == ["refund"]
    assert body["results"][0] == {
        "id": faqs[5].pk, "key": "refund", "language": "en", "question": "When will my refund arrive?",
        "answer": "In 5-7 days.", "category": "orders", "tags": ["refunds"],
    }


def test_faq_search_in_hindi_and_fallback(client, faqs):
    hindi = client.get("/api/v1/faqs?q=रिफंड&language=hi").json()["results"]
    assert [(f["key"], f["language"]) for f in hindi] == [("refund", "hi")]
    marathi = client.get("/api/v1/faqs?q=refund&language=mr").json()["results"]
    assert [(f["key"], f["language"]) for f in marathi] == [("refund", "en")]


def test_faq_invalid_language(client, faqs):
    resp = client.get("/api/v1/faqs?language=fr")
    assert resp.status_code == 400
    assert list(resp.json()["errors"]) == ["language"]


def test_faq_detail(client, faqs):
    assert client.get(f"/api/v1/faqs/{faqs[6].pk}").json()["question"] == "मेरा रिफंड कब आएगा?"
    resp = client.get("/api/v1/faqs/999999")
    assert resp.status_code == 404
    assert resp.json()["code"] == "faq_not_found"


# --- policies


@pytest.fixture
def policies():
    made = {}
    for kind in ("returns", "refunds", "shipping", "cancellation", "warranty", "privacy"):
        made[(kind, "en")] = PolicyFactory(kind=kind, language="en", title=f"{kind} policy",
                                           return_window_days=7 if kind == "returns" else None)
    made[("returns", "hi")] = PolicyFactory(kind="returns", language="hi", title="वापसी नीति", return_window_days=7)
    return made


def test_policy_list_query_count(client, policies, django_assert_num_queries):
    with django_assert_num_queries(2):
        resp = client.get("/api/v1/policies")
    assert resp.json()["count"] == 7


def test_policy_list_in_language_falls_back(client, policies):
    results = client.get("/api/v1/policies?language=hi").json()["results"]
    assert [(p["kind"], p["language"]) for p in results] == [
        ("cancellation", "en"), ("privacy", "en"), ("refunds", "en"), ("returns", "hi"), ("shipping", "en"),
        ("warranty", "en"),
    ]
    by_kind = client.get("/api/v1/policies?kind=returns").json()["results"]
    assert [(p["kind"], p["language"]) for p in by_kind] == [("returns", "en"), ("returns", "hi")]


def test_policy_list_invalid_kind(client, policies):
    resp = client.get("/api/v1/policies?kind=bogus")
    assert resp.status_code == 400
    assert list(resp.json()["errors"]) == ["kind"]


def test_policy_detail(client, policies):
    hi = client.get("/api/v1/policies/returns?language=hi").json()
    assert (hi["title"], hi["return_window_days"]) == ("वापसी नीति", 7)
    assert client.get("/api/v1/policies/returns").json()["language"] == "en"
    assert client.get("/api/v1/policies/shipping?language=bn").json()["language"] == "en"


def test_policy_detail_errors(client, policies):
    resp = client.get("/api/v1/policies/bogus")
    assert resp.status_code == 404
    assert resp.json()["code"] == "policy_not_found"
    resp = client.get("/api/v1/policies/returns?language=xx")
    assert resp.status_code == 400
    assert list(resp.json()["errors"]) == ["language"]


@pytest.mark.parametrize(
    "url", ["/api/v1/products", "/api/v1/products/KUR-0", "/api/v1/categories", "/api/v1/faqs", "/api/v1/policies"]
)
def test_catalog_needs_a_key(url, db):
    from rest_framework.test import APIClient

    resp = APIClient().get(url)
    assert resp.status_code == 401
    assert resp.json()["code"] == "not_authenticated"


def test_catalog_is_read_only(client, catalog):
    resp = client.post("/api/v1/products", {"sku": "NEW"}, format="json")
    assert resp.status_code == 405
    assert resp.json()["code"] == "method_not_allowed"


# --- search through the API


def test_product_search_is_ranked_and_says_why_each_matched(client, catalog):
    from catalog.tests.factories import SearchSynonymFactory

    SearchSynonymFactory(words="phone, mobile, फोन, ফোন")
    body = client.get("/api/v1/products", {"q": "xiaomi फोन 16500 से कम"}).json()
    assert [p["sku"] for p in body["results"]] == ["PHN-0", "PHN-1"]  # 15000, 16000; 17000 is over
    assert body["results"][0]["matched"] == [
        {"word": "xiaomi", "matched": "xiaomi", "field": "brand", "how": "word"},
        {"word": "फोन", "matched": "mobiles", "field": "category", "how": "synonym"},  # the catalog's word
    ]
    assert client.get("/api/v1/products", {"q": "kurta"}).json()["results"][0]["matched"][0]["field"] == "name"


def test_product_search_query_count(client, catalog, django_assert_max_num_queries):
    client.get("/api/v1/products", {"q": "redmi"})  # the synonyms and the catalog size, loaded once
    # key lookup; vocabulary; candidates; the page of products
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/products", {"q": "redmi"}).json()["count"] == 3


def test_schema_declares_why_a_product_matched(client):
    import yaml
    from django.test import Client

    schema = yaml.safe_load(Client().get("/api/schema/").content)["components"]["schemas"]
    assert "matched" in schema["Product"]["properties"] and "tags" in schema["Product"]["properties"]
    match = schema["SearchMatch"]["properties"]
    assert set(match) == {"word", "matched", "field", "how"}
