from decimal import Decimal

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from voxsite.core.languages import Language


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
    tags = models.JSONField(
        default=list, blank=True,
        help_text='Everyday words shoppers use for it that the name may not have, e.g. ["phone", "smartphone"]. '
                  "Search weighs them just below the name.",
    )
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


def _phrases(text: str) -> list[str]:
    return [p.strip() for p in (text or "").replace("\n", ",").split(",") if p.strip()]


class SearchSynonym(models.Model):
    """Words shoppers say for what the catalog calls something else, in any language or script:
    "press" for an iron, "आटा" for atta, "ঘি" for ghee. Product search reads these on every query."""

    words = models.TextField(
        help_text="Words or short phrases that mean the same, comma-separated, in any script: "
                  "\"phone, mobile, फोन, মোবাইল\". A search for any of them finds the others.",
    )
    means = models.TextField(
        blank=True,
        help_text="Optional catalog words these stand for, comma-separated: with words \"press, istri\" and "
                  "means \"iron\", a search for press finds irons, but a search for iron does not look for press.",
    )
    language = models.CharField(max_length=2, choices=Language.choices, blank=True,
                                help_text="Only to find rows here; matching ignores it.")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["words"]

    def __str__(self):
        words = ", ".join(self.word_list()[:4])
        return f"{words} -> {self.means}" if self.means else words

    def word_list(self) -> list[str]:
        return _phrases(self.words)

    def means_list(self) -> list[str]:
        return _phrases(self.means)

    def clean(self):
        if not self.word_list():
            raise ValidationError({"words": "Give at least one word."})
        too_long = [p for p in self.word_list() + self.means_list() if len(p.split()) > 4]
        if too_long:
            raise ValidationError(f"Phrases of at most four words: {too_long[0]!r} is longer.")
        if not self.means_list() and len(self.word_list()) < 2:
            raise ValidationError({"words": "Give two or more words that mean the same, or fill in what it means."})


class ProductSearchDoc(models.Model):
    """A product's words as index terms, one text per field (derived data: catalog.search.index
    writes it whenever a product, its category or its tags change). SQLite indexes these columns
    with FTS5 (a virtual table kept in step by triggers); PostgreSQL in `vector` (every field) and
    `strong` (name, brand, SKU, tags: its own statistics keep the planner right), GIN-indexed."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, primary_key=True, related_name="search_doc")
    name = models.TextField(blank=True)
    brand = models.TextField(blank=True)
    sku = models.TextField(blank=True)
    tags = models.TextField(blank=True)
    category = models.TextField(blank=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True, help_text="The product's, so searches skip a join for it.")
    vector = SearchVectorField(null=True, editable=False)
    strong = SearchVectorField(null=True, editable=False, help_text="The name, brand, SKU and tags alone.")

    FIELDS = ("name", "brand", "sku", "tags", "category", "description")

    def __str__(self):
        return f"search doc of product {self.product_id}"


class SearchTerm(models.Model):
    """The catalog's vocabulary: every index term, a word it came from, its sound keys and how many
    products hold it. Query words are resolved against it (typos by trigram similarity, other
    scripts by sound key) and rarer terms weigh more in ranking."""

    term = models.CharField(max_length=64, unique=True)
    word = models.CharField(max_length=64, help_text="A word of the catalog this term came from.")
    key = models.CharField(max_length=64, db_index=True, help_text="Sound key of the word.")
    stem_key = models.CharField(max_length=64, db_index=True, help_text="Sound key of the term.")
    documents = models.PositiveIntegerField(default=0, help_text="Products whose text holds the term.")

    def __str__(self):
        return self.term
