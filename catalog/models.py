from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from voxsite.languages import Language


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Product(models.Model):
    sku = models.CharField("SKU", max_length=40, unique=True)
    name = models.CharField(max_length=200)
    brand = models.CharField(max_length=100, db_index=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    description = models.TextField(blank=True)
    price = models.DecimalField(
        "price (INR)", max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    stock = models.PositiveIntegerField(default=0)
    attributes = models.JSONField(default=dict, blank=True, help_text='e.g. {"colour": "Black", "size": "M"}')
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["category", "active"]), models.Index(fields=["price"])]
        constraints = [models.CheckConstraint(condition=models.Q(price__gte=0), name="product_price_non_negative")]

    def __str__(self):
        return f"{self.name} ({self.sku})"

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


class FAQ(models.Model):
    """One question and answer in one language; `key` groups the translations of one FAQ."""

    key = models.SlugField(max_length=80, help_text="Same key for the translations of one question.")
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    question = models.CharField(max_length=300)
    answer = models.TextField()
    category = models.CharField(max_length=50, blank=True, help_text="Topic, e.g. orders, payments, delivery.")
    tags = models.JSONField(default=list, blank=True)
    popularity = models.PositiveIntegerField(default=0, help_text="Higher shows first.")
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "FAQ"
        ordering = ["-popularity", "key", "language"]
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="faq_unique_key_language")]

    def __str__(self):
        return f"[{self.language}] {self.question}"


class Policy(models.Model):
    """A shop policy in one language. The returns policy carries the return window."""

    class Kind(models.TextChoices):
        RETURNS = "returns", "Returns"
        REFUNDS = "refunds", "Refunds"
        SHIPPING = "shipping", "Shipping"
        CANCELLATION = "cancellation", "Cancellation"
        WARRANTY = "warranty", "Warranty"
        PRIVACY = "privacy", "Privacy"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    title = models.CharField(max_length=200)
    text = models.TextField()
    return_window_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Returns policy only: days after delivery a return may be started."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "policies"
        ordering = ["kind", "language"]
        constraints = [models.UniqueConstraint(fields=["kind", "language"], name="policy_unique_kind_language")]

    def __str__(self):
        return f"{self.get_kind_display()} [{self.language}]"
