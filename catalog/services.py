"""Catalog writes that keep derived data in step: the product search index and the synonyms."""

from collections import Counter
from collections.abc import Callable, Iterable

from django.db import transaction

from .models import Product, ProductSearchDoc, SearchTerm
from .search import index, synonyms

# Product fields the search index holds; a save that touches none of them (stock, price) leaves
# the index alone.
INDEXED_FIELDS = frozenset({"name", "brand", "sku", "tags", "category", "category_id", "description", "attributes",
                            "active"})


def product_search_index_update(*, product_ids: Iterable[int]) -> int:
    """Re-index these products; ids that no longer exist drop out of the index. Returns how many
    index rows were written or dropped (0 when nothing searchable changed)."""
    ids = set(product_ids)
    if not ids:
        return 0
    with transaction.atomic():
        products = list(Product.objects.select_related("category").filter(pk__in=ids))
        gone = ids - {p.pk for p in products}
        return index.update(products, doc_model=ProductSearchDoc, term_model=SearchTerm, gone=gone)


def product_search_index_rebuild(*, progress: Callable[[Iterable], Iterable] = iter) -> int:
    """Index the whole catalog from scratch (after a bulk import, or to repair the index). Returns
    the number of products indexed."""
    with transaction.atomic():
        products = Product.objects.select_related("category").order_by("pk")
        return index.rebuild(progress(products.iterator(chunk_size=2000)), doc_model=ProductSearchDoc,
                             term_model=SearchTerm)


def search_term_counts_drop(*, doc: ProductSearchDoc) -> None:
    """A doc row was deleted with its product: its terms are held by one product fewer."""
    index.apply_term_counts(SearchTerm, Counter({t: -1 for t in index.doc_terms(doc)}), {})
    index.size_changed()


def search_synonyms_changed() -> None:
    """Every process rebuilds its synonym matcher before its next search."""
    synonyms.changed()
