import re
from decimal import Decimal

import pytest

from catalog.tests.factories import CategoryFactory, ProductFactory
from catalog.views import SHOP_PAGE_SIZE, format_inr

pytestmark = pytest.mark.django_db


def cards(html):
    return re.findall(r'<li class="card" data-sku="([^"]+)">(.*?)</li>', html, flags=re.S)


@pytest.mark.parametrize(
    "amount, shown",
    [
        ("0", "₹0"),
        ("999", "₹999"),
        ("1299.00", "₹1,299"),
        ("16999", "₹16,999"),
        ("123456", "₹1,23,456"),
        ("12345678.5", "₹1,23,45,678.50"),
        ("499.99", "₹499.99"),
        ("-1500", "-₹1,500"),
    ],
)
def test_format_inr_uses_indian_grouping(amount, shown):
    assert format_inr(Decimal(amount)) == shown


def test_shop_page_lists_active_products_with_prices_and_stock(client, settings, django_assert_num_queries):
    settings.SHOP_NAME = "Test Bazaar"
    phones = CategoryFactory(name="Mobiles", slug="mobiles")
    ProductFactory(sku="PH-1", name="Redmi Note 13", brand="Xiaomi", category=phones, price=Decimal("16999"), stock=5)
    ProductFactory(sku="PH-2", name="Galaxy M14", brand="Samsung", category=phones, price=Decimal("123456"), stock=0)
    ProductFactory(sku="PH-3", name="Hidden Phone", brand="Nokia", category=phones, active=False)

    with django_assert_num_queries(1):
        response = client.get("/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "<title>Test Bazaar</title>" in html
    assert html.count("Test Bazaar") >= 2  # header and footer
    found = dict(cards(html))
    assert set(found) == {"PH-1", "PH-2"}
    assert "Redmi Note 13" in found["PH-1"] and "Xiaomi" in found["PH-1"] and "Mobiles" in found["PH-1"]
    assert "₹16,999" in found["PH-1"] and "In stock" in found["PH-1"]
    assert "₹1,23,456" in found["PH-2"] and "Out of stock" in found["PH-2"]
    assert "Hidden Phone" not in html


def test_shop_page_shows_the_first_page_of_products_in_one_query(client, django_assert_num_queries):
    categories = [CategoryFactory() for _ in range(4)]
    for i in range(SHOP_PAGE_SIZE + 6):
        ProductFactory(name=f"Product {i:03d}", category=categories[i % 4])
    with django_assert_num_queries(1):
        response = client.get("/")
    names = re.findall(r'<h3 class="card__name">([^<]+)</h3>', response.content.decode())
    assert names == [f"Product {i:03d}" for i in range(SHOP_PAGE_SIZE)]


def test_shop_page_without_products_says_how_to_seed(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "seed_demo" in response.content.decode()
    assert cards(response.content.decode()) == []


def test_shop_page_escapes_product_text(client):
    ProductFactory(name="<script>alert(1)</script>")
    html = client.get("/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_shop_page_has_no_external_assets_and_its_stylesheet_is_served(client):
    html = client.get("/").content.decode()
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    css = client.get(stylesheet)
    assert css.status_code == 200
    body = b"".join(css.streaming_content) if css.streaming else css.content
    assert b".grid" in body


def test_admin_login_page(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_api_docs_page(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_the_site_has_an_icon(client, admin_client):
    for page in (client.get("/"), admin_client.get("/admin/")):
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.content.decode()
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 302 and redirect["Location"] == "/static/favicon.svg"
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(icon.streaming_content)


def test_shop_page_searches_with_the_same_product_search(client):
    from catalog.tests.factories import SearchSynonymFactory

    phones = CategoryFactory(name="Mobiles", slug="mobiles")
    SearchSynonymFactory(words="phone, फोन, ফোন")
    ProductFactory(sku="PH-1", name="Galaxy M34", brand="Samsung", category=phones, price=Decimal("15999"),
                   tags=["phone"], attributes={})
    ProductFactory(sku="PH-2", name="iPhone 15", brand="Apple", category=phones, price=Decimal("69900"),
                   tags=["phone"], attributes={})
    ProductFactory(sku="KU-1", name="Cotton Kurta", attributes={})

    html = client.get("/", {"q": "सस्ता फोन"}).content.decode()
    # "cheap": the phones up to their median price, cheapest first
    assert [sku for sku, _ in cards(html)] == ["PH-1"]
    assert "result" in html and "सस्ता फोन" in html and 'value="सस्ता फोन"' in html
    assert "Matched: फोन → phone" in html

    html = client.get("/", {"q": "samsung"}).content.decode()
    assert [sku for sku, _ in cards(html)] == ["PH-1"] and "1 result for" in html

    html = client.get("/", {"q": "zzqxv"}).content.decode()
    assert cards(html) == [] and "Nothing matches" in html and "seed_demo" not in html
    assert client.get("/", {"q": "x" * 500}).status_code == 200
