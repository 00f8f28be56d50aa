from django.conf import settings
from django.shortcuts import render

from catalog.selectors import product_search
from voxsite.money import format_inr

SHOP_PAGE_SIZE = 24


def shop_index(request):
    """The demo shop page: a placeholder product grid that the support widget sits on."""
    products = [
        {
            "name": p.name,
            "brand": p.brand,
            "category": p.category.name,
            "price": format_inr(p.price),
            "in_stock": p.in_stock,
            "sku": p.sku,
        }
        for p in product_search()[:SHOP_PAGE_SIZE]
    ]
    return render(request, "shop/index.html", {"shop_name": settings.SHOP_NAME, "products": products})
