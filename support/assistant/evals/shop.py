"""The demo shop as the evaluation sees it: order statuses and returns before and after a run, whose
order is whose, and putting the seeded orders back after a run that changed them."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orders.models import Order, Return
from voxsite.demo.plan import build_plan
from voxsite.demo.seed import SeedResult, seed_orders, seed_returns


@dataclass(frozen=True)
class Snapshot:
    statuses: dict[str, str]
    returns: frozenset[str]


@dataclass(frozen=True)
class Changes:
    statuses: dict[str, tuple[str, str]]  # order -> (before, after)
    returns: dict[str, tuple[str, str]]  # new return number -> (order, reason)

    def __bool__(self) -> bool:
        return bool(self.statuses or self.returns)


class Shop:
    def __init__(self):
        self.owners: dict[str, str] = dict(Order.objects.values_list("number", "customer__customer_id"))
        self.seeded = self.snapshot()

    def snapshot(self) -> Snapshot:
        return Snapshot(statuses=dict(Order.objects.values_list("number", "status")),
                        returns=frozenset(Return.objects.values_list("number", flat=True)))

    def changes(self, before: Snapshot) -> Changes:
        after = self.snapshot()
        statuses = {n: (before.statuses.get(n, ""), s) for n, s in after.statuses.items() if before.statuses.get(n) != s}
        new = Return.objects.filter(number__in=after.returns - before.returns).values_list("number", "order__number", "reason")
        return Changes(statuses=statuses, returns={number: (order, reason) for number, order, reason in new})

    def reset(self) -> None:
        """Put the demo orders and returns back as seeded (the same day's plan)."""
        result = SeedResult(plan=build_plan(today=timezone.localdate(), tz=settings.TIME_ZONE))
        with transaction.atomic():
            seed_orders(result)
            seed_returns(result)
