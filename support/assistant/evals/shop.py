"""The demo shop as the evaluation sees it: order statuses and returns before and after a run, whose
order is whose, and putting the seeded orders back after a run that changed them (`reseed`, given
by the caller: the demo seed is the composition's, voxsite.demo.seed.orders_reseed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from orders.models import Order, Return


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
    def __init__(self, *, reseed: Callable[..., None]):
        self.reseed = reseed
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
        self.reseed(today=timezone.localdate())
