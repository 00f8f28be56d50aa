"""Catalog reads: product search, FAQ search, policies. Other apps (the agent's tools, the API) call these."""

import re
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

from django.db.models import Count, Q, QuerySet

from voxsite.core.errors import NotFound

from .models import FAQ, Category, Policy, Product
from .search.core import MAX_RESULTS, SearchOutcome, search
from .search.engine import Filters

FALLBACK_LANGUAGE = "en"

# Letters and digits, plus the Devanagari and Bengali blocks whole: Python's \w treats their vowel
# signs (matras) as non-word characters, which would cut "किताब" into pieces.
_TOKEN = re.compile(r"[\w\u0900-\u09FF]+")

# Words that would make every FAQ "match" a question; only English needs this, the other
# languages' questions are short and their function words rarely appear in answers' key terms.
_STOPWORDS = frozenset(
    "a an and are can do does for from how i if in is it me my of on or the to was what when where which "
    "who why will with you your yours please tell know want about there this that be have has get any".split()
)


def _has_nul(value: str) -> bool:
    # PostgreSQL refuses NUL in text; such input can match nothing, so treat it as a miss, not a crash.
    return "\x00" in value


def _words(text: str) -> list[str]:
    return [w for w in _TOKEN.findall(text.lower()) if w not in _STOPWORDS]


def _stem(word: str) -> str:
    # "returns"/"return", "refunds"/"refund": enough for FAQ ranking without a stemmer dependency.
    if len(word) > 4 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class ProductResults(Sequence):
    """What product_search found: products in order, each with `search_matches` (why it matched:
    [{"word", "matched", "field", "how"}], empty without words). Slicing and count() work as on a
    QuerySet, so pagination and the agent's tool read it alike; ranked products are loaded only
    for the slice asked for."""

    def __init__(self, items: QuerySet | None = None, outcome: SearchOutcome | None = None):
        self._queryset = items
        self.outcome = outcome
        self._loaded: dict[int, Product] = {}

    @property
    def ranked(self) -> bool:
        """True when the query had words to search for (the order is by relevance)."""
        return self._queryset is None

    def _products(self, hits) -> list[Product]:
        missing = [h.product_id for h in hits if h.product_id not in self._loaded]
        if missing:
            self._loaded.update(Product.objects.select_related("category").in_bulk(missing))
        out = []
        for hit in hits:
            product = self._loaded[hit.product_id]
            product.search_matches = hit.matches
            out.append(product)
        return out

    def __getitem__(self, index):
        if not self.ranked:
            return self._queryset[index]
        if isinstance(index, slice):
            return self._products(self.outcome.hits[index])
        return self._products([self.outcome.hits[index]])[0]

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self._queryset if not self.ranked else self[:])

    def count(self) -> int:
        return len(self.outcome.hits) if self.ranked else self._queryset.count()

    @property
    def complete(self) -> int:
        """How many results match every searched word (all of them when no words were searched)."""
        return sum(1 for hit in self.outcome.hits if hit.complete) if self.ranked else self.count()

    @property
    def ignored(self) -> list[str]:
        """Words of the query that matched nothing in the catalog."""
        return list(self.outcome.ignored) if self.outcome else []


def product_search(
    *,
    query: str = "",
    category: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool | None = None,
    active_only: bool = True,
    limit: int = MAX_RESULTS,
) -> ProductResults:
    """The one product search, for the API, the agent and the shop page.

    The query is read as a shopper says it, in English, Hindi, Bengali or Marathi, in any script:
    price and stock words become filters ("under ₹500", "सस्ता", "কম দামে", "in stock"); the other
    words are matched across name, brand, SKU, tags, category and description, through the shop's
    synonyms, spelling variants, other scripts and typos, by the database's own full-text engine.
    Results are ranked (products matching more and rarer words first; at most `limit`) and carry
    why they matched. Without words to search, the filtered catalog comes by name ("cheap": by
    price)."""
    filters = Filters(category=category or None, min_price=min_price, max_price=max_price, in_stock=in_stock,
                      active_only=active_only)
    if (category and _has_nul(category)) or _has_nul(query or ""):
        return ProductResults(Product.objects.none())
    outcome = search(query or "", filters, limit=limit)
    if outcome.parsed.words:
        return ProductResults(None, outcome)
    qs = Product.objects.select_related("category").filter(outcome.filters.product_q())
    qs = qs.order_by("price", "name", "pk") if outcome.parsed.cheap else qs.order_by("name", "pk")
    return ProductResults(qs, outcome)


def product_get(*, sku: str) -> Product:
    """One product by SKU, any case."""
    if not _has_nul(sku):
        product = Product.objects.select_related("category").filter(sku__iexact=sku.strip()).first()
        if product is not None:
            return product
    raise NotFound(f"No product with SKU {sku!r}.", code="product_not_found")


def category_list() -> QuerySet[Category]:
    """Categories with the number of active products in each."""
    return Category.objects.annotate(product_count=Count("products", filter=Q(products__active=True))).order_by(
        "name"
    )


@lru_cache(maxsize=4096)
def _faq_terms(question: str, answer: str, tags: tuple[str, ...], category: str) -> tuple[frozenset, frozenset, frozenset]:
    """The stemmed words of one FAQ's text, keyed by the text itself (an edit is a new key):
    tokenising every FAQ on every search was most of a search's time."""
    tag_words = {_stem(w) for tag in tags for w in _words(tag)}
    if category:
        tag_words |= {_stem(w) for w in _words(category)}
    return (frozenset(_stem(w) for w in _words(question)), frozenset(tag_words),
            frozenset(_stem(w) for w in _words(answer)))


def _faq_score(faq: FAQ, words: set[str]) -> int:
    question, tags, answer = _faq_terms(faq.question, faq.answer, tuple(str(t) for t in (faq.tags or [])),
                                        faq.category or "")
    # A word in the question says more about intent than one buried in the answer.
    return 3 * len(words & question) + 2 * len(words & tags) + len(words & answer)


def _faq_rank(faqs: list[FAQ], query: str) -> list[FAQ]:
    if not query.strip():
        return faqs
    words = {_stem(w) for w in _words(query)}
    scored = [(score, faq) for faq in faqs if (score := _faq_score(faq, words)) > 0]
    # Stable sort keeps the model ordering (popularity first) among equal scores.
    scored.sort(key=lambda pair: -pair[0])
    return [faq for _, faq in scored]


def faq_search(*, query: str = "", language: str | None = None, limit: int | None = None) -> list[FAQ]:
    """Active FAQs ranked by how many words of `query` they share (all of them, by popularity, without
    a query). When the language has nothing to offer, the English FAQs answer instead."""
    base = FAQ.objects.filter(active=True)
    if language:
        results = _faq_rank(list(base.filter(language=language)), query)
        if not results and language != FALLBACK_LANGUAGE:
            results = _faq_rank(list(base.filter(language=FALLBACK_LANGUAGE)), query)
    else:
        results = _faq_rank(list(base), query)
    return results[:limit] if limit is not None else results


def faq_get(*, faq_id: int) -> FAQ:
    faq = FAQ.objects.filter(pk=faq_id, active=True).first()
    if faq is None:
        raise NotFound(f"No FAQ with id {faq_id}.", code="faq_not_found")
    return faq


def policy_get(*, kind: str, language: str = "en") -> Policy:
    """The policy of one kind in `language`, or in English when it has not been translated."""
    if not _has_nul(kind) and not _has_nul(language or ""):
        candidates = {p.language: p for p in Policy.objects.filter(kind=kind, language__in={language, FALLBACK_LANGUAGE})}
        policy = candidates.get(language) or candidates.get(FALLBACK_LANGUAGE)
        if policy is not None:
            return policy
    raise NotFound(f"No {kind!r} policy.", code="policy_not_found")


def policy_list(*, kind: str | None = None, language: str | None = None) -> list[Policy]:
    """Policies, optionally of one kind. With a language, one policy per kind: the translation when
    there is one, else the English text."""
    qs = Policy.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if not language:
        return list(qs.order_by("kind", "language"))
    by_kind: dict[str, Policy] = {}
    for policy in qs.filter(language__in={language, FALLBACK_LANGUAGE}).order_by("kind", "language"):
        if policy.kind not in by_kind or policy.language == language:
            by_kind[policy.kind] = policy
    return [by_kind[k] for k in sorted(by_kind)]
