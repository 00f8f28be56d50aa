"""The README's table of demo orders worth trying, rendered from the plan."""

from voxsite.core.languages import Language

from .customers import CUSTOMERS
from .plan import DemoPlan

STATUS_NAMES = {
    "placed": "Placed", "confirmed": "Confirmed", "packed": "Packed", "shipped": "Shipped",
    "out_for_delivery": "Out for delivery", "delivered": "Delivered", "cancelled": "Cancelled",
    "returned": "Returned",
}
HEADER = """# Demo orders

`python manage.py seed_demo` creates these orders (and {others} more). Dates are relative to the
day you seed: the orders to return were delivered one or two days before it, so they stay inside
the 7-day return window for about five days. Run `seed_demo` again after that, or after trying a
cancel or a return, to put the demo orders back as listed here. Tell the assistant the order
number, or the phone number it was ordered with.
"""


def orders_table(plan: DemoPlan) -> str:
    customers = {c["customer_id"]: c for c in CUSTOMERS}
    languages = {lang.value: lang.label.split(" (")[-1].rstrip(")") for lang in Language}
    lines = ["| Order | Customer | Phone | Language | Status | Try |", "| --- | --- | --- | --- | --- | --- |"]
    for order in plan.orders:
        if not order.hint:
            continue
        customer = customers[order.customer_id]
        cells = [order.number, customer["name"], customer["phone"], languages[customer["preferred_language"]],
                 STATUS_NAMES[order.status], order.hint.replace("|", "\\|")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def orders_document(plan: DemoPlan) -> str:
    others = sum(1 for o in plan.orders if not o.hint)
    return HEADER.format(others=others) + "\n" + orders_table(plan)
