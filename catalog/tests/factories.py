from decimal import Decimal

import factory

from catalog.models import FAQ, Category, Policy, Product, SearchSynonym


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Cotton Kurta {n}")
    brand = "Fabindia"
    category = factory.SubFactory(CategoryFactory)
    price = Decimal("1299.00")
    stock = 10
    attributes = factory.LazyFunction(lambda: {"colour": "Blue", "size": "M"})


class FAQFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FAQ

    key = factory.Sequence(lambda n: f"faq-{n}")
    language = "en"
    question = factory.Sequence(lambda n: f"How do I do thing {n}?")
    answer = "Like this."
    category = "orders"


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy
        django_get_or_create = ("kind", "language")

    kind = Policy.Kind.RETURNS
    language = "en"
    title = "Returns policy"
    text = "Return most items within 7 days of delivery."
    return_window_days = 7


class SearchSynonymFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SearchSynonym

    words = "phone, mobile, फोन, ফোন"
    means = ""
