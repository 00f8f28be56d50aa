from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import FAQ, Policy, Product, SearchSynonym
from catalog.tests.factories import CategoryFactory, FAQFactory, PolicyFactory, ProductFactory
from voxsite.core.tests.test_admin import pinned_changelist

pytestmark = pytest.mark.django_db


def url(model, view="changelist", *args):
    return reverse(f"admin:catalog_{model}_{view}", args=args)


# ---------------------------------------------------------------------------
# Category


def test_category_changelist_annotates_product_count(admin_client):
    electronics = CategoryFactory(name="Electronics", slug="electronics")
    ProductFactory.create_batch(3, category=electronics)
    CategoryFactory(name="Empty shelf", slug="empty-shelf")

    response = admin_client.get(url("category"))

    assert response.status_code == 200
    counts = {c.name: c.product_count for c in response.context["cl"].result_list}
    assert counts == {"Electronics": 3, "Empty shelf": 0}


def test_category_changelist_query_count(admin_client, django_assert_num_queries):
    for i in range(3):
        ProductFactory(category=CategoryFactory(name=f"Cat {i}", slug=f"cat-{i}"))
    # session, user, count, total count, rows (product count as a correlated subquery)
    pinned_changelist(
        admin_client, django_assert_num_queries, url("category"), 5,
        lambda: [ProductFactory(category=CategoryFactory(name=f"More {i}", slug=f"more-{i}")) for i in range(4)],
    )


def test_category_search_and_change_page(admin_client):
    home = CategoryFactory(name="Home & Kitchen", slug="home-kitchen")
    CategoryFactory(name="Fashion", slug="fashion")

    response = admin_client.get(url("category"), {"q": "kitchen"})
    assert [c.pk for c in response.context["cl"].result_list] == [home.pk]
    assert admin_client.get(url("category", "change", home.pk)).status_code == 200


# ---------------------------------------------------------------------------
# Product


def test_product_changelist_shows_rupees_and_stock(admin_client):
    ProductFactory(sku="MOB-0001", name="Redmi Note 13", brand="Xiaomi", price=Decimal("129999.00"), stock=0)

    response = admin_client.get(url("product"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "₹1,29,999.00" in html  # Indian digit grouping
    assert "MOB-0001" in html
    assert 'alt="False"' in html  # the in-stock icon for zero stock


def test_product_changelist_query_count(admin_client, django_assert_num_queries):
    ProductFactory.create_batch(3)
    # session, user, count, total count, rows+category (one join), category filter, brand filter
    pinned_changelist(
        admin_client, django_assert_num_queries, url("product"), 7, lambda: ProductFactory.create_batch(5)
    )


@pytest.mark.parametrize(
    "term, expected", [("MOB-0042", {"MOB-0042"}), ("boat", {"AUD-0007"}), ("kurta", {"FAB-0003"})]
)
def test_product_search_by_sku_name_brand(admin_client, term, expected):
    ProductFactory(sku="MOB-0042", name="Galaxy M14", brand="Samsung")
    ProductFactory(sku="AUD-0007", name="Airdopes 141", brand="boAt")
    ProductFactory(sku="FAB-0003", name="Cotton Kurta", brand="Fabindia")

    response = admin_client.get(url("product"), {"q": term})

    assert {p.sku for p in response.context["cl"].result_list} == expected


def test_product_filters(admin_client):
    phones = CategoryFactory(name="Phones", slug="phones")
    in_stock = ProductFactory(category=phones, stock=4)
    sold_out = ProductFactory(category=phones, stock=0)
    ProductFactory(stock=9)  # another category

    by_cat = admin_client.get(url("product"), {"category__id__exact": phones.pk}).context["cl"].result_list
    assert {p.pk for p in by_cat} == {in_stock.pk, sold_out.pk}
    out = admin_client.get(url("product"), {"in_stock": "no"}).context["cl"].result_list
    assert [p.pk for p in out] == [sold_out.pk]
    inactive = ProductFactory(active=False)
    assert [p.pk for p in admin_client.get(url("product"), {"active__exact": "0"}).context["cl"].result_list] == [
        inactive.pk
    ]


def test_product_list_editable_updates_stock_and_active(admin_client):
    product = ProductFactory(stock=3, active=True)
    data = {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(product.pk), "form-0-stock": "12", "_save": "Save",
        # "form-0-active" left out: an unticked checkbox
    }

    response = admin_client.post(url("product"), data)

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.stock, product.active) == (12, False)
    # The changelist defers description/attributes; saving must not have blanked them.
    assert product.attributes == {"colour": "Blue", "size": "M"}


def test_product_change_and_add_pages(admin_client):
    product = ProductFactory()
    assert admin_client.get(url("product", "change", product.pk)).status_code == 200
    assert admin_client.get(url("product", "add")).status_code == 200


def test_product_add_via_form(admin_client):
    category = CategoryFactory()
    response = admin_client.post(url("product", "add"), {
        "sku": "TV-0100", "name": "Bravia 43", "brand": "Sony", "category": category.pk, "description": "",
        "price": "38990.00", "stock": "5", "active": "on", "attributes": '{"size": "43 inch"}',
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Product.objects.get(sku="TV-0100").attributes == {"size": "43 inch"}


def test_product_add_rejects_negative_price(admin_client):
    category = CategoryFactory()
    response = admin_client.post(url("product", "add"), {
        "sku": "TV-0101", "name": "Bad", "brand": "X", "category": category.pk, "price": "-1", "stock": "1",
        "attributes": "{}",
    })
    assert response.status_code == 200
    assert "price" in response.context["adminform"].form.errors
    assert not Product.objects.filter(sku="TV-0101").exists()


# ---------------------------------------------------------------------------
# FAQ and Policy


def test_faq_changelist_search_and_filter(admin_client):
    FAQFactory(key="cod", language="en", question="Do you offer cash on delivery?")
    hindi = FAQFactory(key="cod", language="hi", question="क्या कैश ऑन डिलीवरी उपलब्ध है?")
    FAQFactory(key="track", language="en", question="How do I track my order?")

    response = admin_client.get(url("faq"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 3

    found = admin_client.get(url("faq"), {"q": "cash on delivery"}).context["cl"].result_list
    assert [f.key for f in found] == ["cod"]
    assert [f.pk for f in admin_client.get(url("faq"), {"language__exact": "hi"}).context["cl"].result_list] == [
        hindi.pk
    ]


def test_faq_changelist_query_count(admin_client, django_assert_num_queries):
    FAQFactory.create_batch(3)
    # session, user, count, total count, rows, category filter values
    pinned_changelist(admin_client, django_assert_num_queries, url("faq"), 6, lambda: FAQFactory.create_batch(4))


def test_faq_change_page(admin_client):
    faq = FAQFactory()
    response = admin_client.get(url("faq", "change", faq.pk))
    assert response.status_code == 200
    assert faq.answer in response.content.decode()
    assert FAQ.objects.count() == 1


def test_policy_changelist_and_change(admin_client, django_assert_num_queries):
    returns = PolicyFactory(kind=Policy.Kind.RETURNS, language="en", return_window_days=7)
    PolicyFactory(kind=Policy.Kind.SHIPPING, language="en", title="Shipping", return_window_days=None)

    response = admin_client.get(url("policy"), {"kind__exact": "returns"})
    assert response.status_code == 200
    assert [p.pk for p in response.context["cl"].result_list] == [returns.pk]
    assert admin_client.get(url("policy", "change", returns.pk)).status_code == 200

    # session, user, count, total count, rows
    pinned_changelist(
        admin_client, django_assert_num_queries, url("policy"), 5,
        lambda: PolicyFactory(kind=Policy.Kind.PRIVACY, language="hi", title="गोपनीयता", return_window_days=None),
    )


# ---------------------------------------------------------------------------
# Search synonyms


def test_a_synonym_added_in_the_admin_is_used_by_the_next_search(admin_client):
    from catalog.selectors import product_search

    ProductFactory(sku="HK-IRON", name="Bajaj Dry Iron", attributes={})
    assert [p.sku for p in product_search(query="istri")] == []
    response = admin_client.post(url("searchsynonym", "add"), {
        "words": "press, istri, इस्त्री", "means": "iron", "language": "", "active": "on",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [p.sku for p in product_search(query="istri")] == ["HK-IRON"]
    assert [p.sku for p in product_search(query="इस्त्री")] == ["HK-IRON"]

    synonym = SearchSynonym.objects.get()
    response = admin_client.post(url("searchsynonym", "change", synonym.pk), {
        "words": "press, istri, इस्त्री", "means": "iron", "language": "", })  # unticked: inactive
    assert response.status_code == 302
    assert [p.sku for p in product_search(query="istri")] == []


@pytest.mark.parametrize("data, field", [
    ({"words": "", "means": "iron"}, "words"),
    ({"words": "press", "means": ""}, "words"),  # one word meaning nothing
    ({"words": "a very long phrase of five words", "means": "iron"}, None),
])
def test_synonym_admin_rejects_rows_that_cannot_match(admin_client, data, field):
    response = admin_client.post(url("searchsynonym", "add"), {**data, "language": "", "active": "on"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert (field or "__all__") in errors
    assert not SearchSynonym.objects.exists()


def test_synonym_changelist_search_and_filter(admin_client):
    SearchSynonym.objects.create(words="ghee, घी, ঘি, तूप", means="", language="")
    SearchSynonym.objects.create(words="atta, आटा", means="flour", language="hi")
    response = admin_client.get(url("searchsynonym"), {"q": "तूप"})
    assert response.status_code == 200
    assert [s.words for s in response.context["cl"].result_list] == ["ghee, घी, ঘি, तूप"]
    assert [s.means for s in admin_client.get(url("searchsynonym"), {"language__exact": "hi"})
            .context["cl"].result_list] == ["flour"]


def test_product_tags_are_edited_in_the_admin_and_searched(admin_client):
    from catalog.selectors import product_search

    product = ProductFactory(sku="TAG-1", name="Dry Iron", attributes={})
    response = admin_client.post(url("product", "change", product.pk), {
        "sku": "TAG-1", "name": "Dry Iron", "brand": "Bajaj", "category": product.category.pk, "description": "",
        "tags": '["press", "istri"]', "price": "699.00", "stock": "5", "active": "on", "attributes": "{}",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [p.sku for p in product_search(query="istri")] == ["TAG-1"]


def test_the_search_index_is_readable_not_editable(admin_client):
    product = ProductFactory(sku="IDX-1", name="Steam Iron", tags=["press"])
    terms = admin_client.get("/admin/catalog/searchterm/", {"q": "iron"})
    assert terms.status_code == 200 and "iron" in terms.content.decode()
    docs = admin_client.get("/admin/catalog/productsearchdoc/")
    assert docs.status_code == 200 and "IDX-1" in docs.content.decode()
    assert admin_client.get(f"/admin/catalog/productsearchdoc/{product.pk}/change/").status_code == 200
    assert admin_client.get("/admin/catalog/searchterm/add/").status_code == 403
    assert admin_client.post(f"/admin/catalog/productsearchdoc/{product.pk}/delete/", {"post": "yes"}).status_code == 403
