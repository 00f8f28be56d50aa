from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.shortcuts import render

from catalog.selectors import product_search

SHOP_PAGE_SIZE = 24


def format_inr(amount: Decimal) -> str:
    """₹ with Indian digit grouping (last three digits, then pairs): 1234567 -> ₹12,34,567.
    Paise are shown only when there are some."""
    amount = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    rupees, paise = divmod(abs(amount), 1)
    digits = str(int(rupees))
    head, tail = digits[:-3], digits[-3:]
    groups = []
    while head:
        groups.insert(0, head[-2:])
        head = head[:-2]
    grouped = ",".join(groups + [tail])
    suffix = f".{int(paise * 100):02d}" if paise else ""
    return f"{sign}₹{grouped}{suffix}"


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
