"""The demo shop page: a product grid the support widget sits on."""

from django.conf import settings
from django.shortcuts import render

from voxsite.core.money import format_inr

from .selectors import product_search

SHOP_PAGE_SIZE = 24


def _match_note(matches: list[dict]) -> str:
    """Why a product is shown, in the catalog's words: "phone → mobile, samsung"."""
    return ", ".join(m["matched"] if m["matched"] == m["word"] else f"{m['word']} → {m['matched']}" for m in matches)


def shop_index(request):
    """The demo shop page: a product grid the support widget sits on, searched with `?q=` by the
    same product search as the API and the assistant."""
    query = (request.GET.get("q") or "").strip()[:200]
    results = product_search(query=query)
    products = [
        {
            "name": p.name,
            "brand": p.brand,
            "category": p.category.name,
            "price": format_inr(p.price),
            "in_stock": p.in_stock,
            "sku": p.sku,
            "why": _match_note(getattr(p, "search_matches", [])),
        }
        for p in results[:SHOP_PAGE_SIZE]
    ]
    return render(request, "shop/index.html", {"shop_name": settings.SHOP_NAME, "products": products, "query": query,
                                               "count": results.count() if query else None})
