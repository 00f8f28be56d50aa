"""Rupee amounts as Indians write them: the last three digits, then pairs (₹12,34,567)."""

from decimal import ROUND_HALF_UP, Decimal


def format_inr(value, *, always_paise: bool = False) -> str:
    """1234567 -> "₹12,34,567"; paise shown when there are some (or always: "₹1,29,999.00")."""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, paise = f"{abs(amount):.2f}".split(".")
    head, tail = whole[:-3], whole[-3:]
    groups = []
    while head:
        groups.insert(0, head[-2:])
        head = head[:-2]
    text = f"{'-' if amount < 0 else ''}₹{','.join(groups + [tail])}"
    return f"{text}.{paise}" if always_paise or paise != "00" else text
