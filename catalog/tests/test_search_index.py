"""The search index follows the catalog: saving, renaming, re-tagging, re-categorising, hiding and
deleting products, renaming a category, bulk writes repaired by the rebuild. Runs on both engines."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import Product, ProductSearchDoc, SearchTerm
from catalog.selectors import product_search
from catalog.services import product_search_index_rebuild, product_search_index_update
from catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def found(query):
    return [p.sku for p in product_search(query=query)]


def documents(term):
    row = SearchTerm.objects.filter(term=term).first()
    return row.documents if row else 0


def test_a_new_product_is_found_at_once(db):
    ProductFactory(sku="NEW-1", name="Prestige Pressure Cooker", attributes={})
    assert found("cooker") == ["NEW-1"]
    assert documents("cooker") == 1 and SearchTerm.objects.get(term="cooker").word == "cooker"


def test_edits_to_name_tags_description_and_category_are_searched(db):
    product = ProductFactory(sku="ED-1", name="Steel Bottle", attributes={})
    product.name = "Steel Flask"
    product.save()
    assert found("flask") == ["ED-1"] and found("bottle") == []
    assert documents("bottl") == 0 and documents("flask") == 1

    product.tags = ["thermos"]
    product.description = "Keeps tea hot"
    product.save()
    assert found("thermos") == ["ED-1"] and found("tea") == ["ED-1"]

    product.category = CategoryFactory(name="Kitchen", slug="kitchen")
    product.save()
    assert found("kitchen") == ["ED-1"]


def test_renaming_a_category_reindexes_its_products(db):
    category = CategoryFactory(name="Misc", slug="misc")
    ProductFactory.create_batch(2, category=category, attributes={})
    category.name = "Footwear"
    category.save()
    assert len(found("footwear")) == 2 and found("misc") == []


def test_hiding_and_deleting_products(db):
    product = ProductFactory(sku="GONE-1", name="Yoga Mat", attributes={})
    product.active = False
    product.save(update_fields=["active"])
    assert found("yoga") == []
    assert [p.sku for p in product_search(query="yoga", active_only=False)] == ["GONE-1"]
    product.delete()
    assert not ProductSearchDoc.objects.exists() and documents("yoga") == 0
    assert list(product_search(query="yoga", active_only=False)) == []


def test_stock_and_price_saves_leave_the_index_alone(db, django_assert_num_queries):
    product = ProductFactory(name="Cricket Bat", attributes={})
    product.stock = 0
    with django_assert_num_queries(1):  # the UPDATE alone
        product.save(update_fields=["stock"])
    product.price = Decimal("10.00")
    # UPDATE; then in a savepoint, the product with its category and its doc, found unchanged: no write.
    with django_assert_num_queries(5):
        product.save()
    assert found("bat") == [product.sku]


def test_bulk_writes_are_indexed_by_the_service_or_the_rebuild(db):
    category = CategoryFactory()
    Product.objects.bulk_create([Product(sku=f"BULK-{i}", name=f"Basmati Rice {i}", brand="X", category=category,
                                         price=Decimal("99"), stock=1) for i in range(3)])
    assert found("basmati") == []  # bulk_create sends no signals
    ids = list(Product.objects.values_list("pk", flat=True))
    assert product_search_index_update(product_ids=ids) == 3
    assert len(found("basmati")) == 3 and documents("basmati") == 3
    assert product_search_index_update(product_ids=ids) == 0  # nothing changed: nothing written

    Product.objects.filter(sku="BULK-0").update(name="Sona Masoori Rice")
    assert product_search_index_rebuild() == 3
    assert found("masoori") == ["BULK-0"] and documents("basmati") == 2 and documents("rice") == 3


def test_search_index_command_rebuilds_with_a_summary(db):
    ProductFactory(name="Garam Masala", attributes={})
    ProductSearchDoc.objects.all().delete()
    out, err = StringIO(), StringIO()
    call_command("search_index", stdout=out, stderr=err)
    assert "Indexed 1 product;" in out.getvalue() and "Indexing products" in err.getvalue()
    assert found("masala")
    quiet = StringIO()
    call_command("search_index", "--quiet", stdout=quiet, stderr=quiet)
    assert quiet.getvalue() == ""
