"""Write the demo data. Every row is found by its natural key and saved only when a field
differs, so a second run on the same day writes nothing and a run after demo use puts the seeded
rows back as they were. Returns on demo orders that the seed did not make (someone tried "return
it") are removed, so those orders can be returned again; any other row the seed does not know
about (your own orders, customers, products) is left alone.

Seed data bypasses orders.services (it writes finished histories, not live transitions) but is
built to satisfy the same rules; voxsite/tests/test_seed_demo.py checks it against them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError

from catalog.models import FAQ, Category, Policy, Product, SearchSynonym
from crm.models import Customer
from orders.models import Order, OrderEvent, OrderItem, Return, ReturnEvent, ReturnItem, TrackingEvent
from voxsite.core.models import APIKey
from voxsite.core.services import api_key_create

from .catalog_data import CATEGORIES, PRODUCTS
from .customers import CUSTOMERS
from .faqs_more import MORE_FAQS
from .faqs_top import TOP_FAQS
from .plan import DemoPlan, build_plan
from .policies import POLICIES, RETURN_WINDOW_DAYS
from .search_words import SYNONYMS, TAGS

ACTOR = "system"
DEMO_KEY_NAME = "demo"


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self):
        text = f"{self.total} row{'' if self.total == 1 else 's'} ({self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        return text + (f", {self.deleted} replaced)" if self.deleted else ")")


@dataclass
class SeedResult:
    plan: DemoPlan
    tallies: dict[str, Tally] = field(default_factory=dict)
    staff_created: bool = False
    api_key_raw: str | None = None

    @property
    def changed(self) -> bool:
        return any(t.created or t.updated or t.deleted for t in self.tallies.values())


def _differs(obj, values: dict) -> list[str]:
    return [name for name, value in values.items() if getattr(obj, name) != value]


def _save(obj, tally: Tally, *, created: bool) -> None:
    # The database enforces uniqueness; full_clean checks field rules without a query per unique field.
    obj.full_clean(validate_unique=False, validate_constraints=False)
    obj.save()
    if created:
        tally.created += 1
    else:
        tally.updated += 1


def upsert_all(model, key_fields: tuple[str, ...], rows: list[dict], tally: Tally, existing=None) -> dict:
    """update_or_create for many rows at once: one query to load, a write only where a value differs.
    Returns {natural key: row object}."""
    if existing is None:
        first = key_fields[0]
        existing = model.objects.filter(**{f"{first}__in": sorted({r[first] for r in rows})})
    by_key = {tuple(getattr(o, f) for f in key_fields): o for o in existing}
    out = {}
    for row in rows:
        key = tuple(row[f] for f in key_fields)
        values = {k: v for k, v in row.items() if k not in key_fields}
        obj = by_key.get(key)
        if obj is None:
            obj = model(**row)
            _save(obj, tally, created=True)
        elif changed := _differs(obj, values):
            for name in changed:
                setattr(obj, name, values[name])
            _save(obj, tally, created=False)
        else:
            tally.unchanged += 1
        out[key if len(key) > 1 else key[0]] = obj
    return out


def replace_children(model, existing: list, rows: list[dict], tally: Tally, *, stamp: str | None = None) -> None:
    """Make a parent's log rows (tracking, events) exactly `rows`. Log rows have no natural key, so
    when anything differs the whole history is rewritten. `stamp` names an auto_now_add field,
    which Django overwrites on insert, so it is set afterwards."""
    fields = list(rows[0]) if rows else []
    if [tuple(getattr(o, f) for f in fields) for o in existing] == [tuple(r[f] for f in fields) for r in rows]:
        tally.unchanged += len(rows)
        return
    if existing:
        model.objects.filter(pk__in=[o.pk for o in existing]).delete()
        tally.deleted += len(existing)
    created = model.objects.bulk_create([model(**r) for r in rows])
    if stamp:
        for obj, row in zip(created, rows):
            model.objects.filter(pk=obj.pk).update(**{stamp: row[stamp]})
    tally.created += len(rows)


def seed_catalog(result: SeedResult) -> None:
    tally = result.tallies.setdefault("catalog", Tally())
    categories = upsert_all(Category, ("slug",), [
        {"slug": slug, "name": name, "description": description} for slug, name, description in CATEGORIES
    ], tally)
    upsert_all(Product, ("sku",), [
        {**{k: v for k, v in p.items() if k != "category"}, "category_id": categories[p["category"]].pk,
         "tags": TAGS.get(p["sku"], [])}
        for p in PRODUCTS
    ], tally)


def seed_synonyms(result: SeedResult) -> None:
    upsert_all(SearchSynonym, ("words",), [
        {"words": words, "means": means, "language": language, "active": True} for language, words, means in SYNONYMS
    ], result.tallies.setdefault("search synonyms", Tally()))


def seed_customers(result: SeedResult) -> None:
    upsert_all(Customer, ("customer_id",), [
        {k: c[k] for k in ("customer_id", "name", "phone", "email", "preferred_language")} for c in CUSTOMERS
    ], result.tallies.setdefault("customers", Tally()))


def seed_faqs(result: SeedResult) -> None:
    rows = []
    for key, category, tags, popularity, translations in TOP_FAQS:
        for language, (question, answer) in translations.items():
            rows.append({"key": key, "language": language, "question": question, "answer": answer,
                         "category": category, "tags": tags, "popularity": popularity, "active": True})
    for key, category, tags, popularity, question, answer in MORE_FAQS:
        rows.append({"key": key, "language": "en", "question": question, "answer": answer,
                     "category": category, "tags": tags, "popularity": popularity, "active": True})
    upsert_all(FAQ, ("key", "language"), rows, result.tallies.setdefault("FAQs", Tally()))


def seed_policies(result: SeedResult) -> None:
    rows = [
        {"kind": kind, "language": language, "title": title, "text": text,
         "return_window_days": RETURN_WINDOW_DAYS if kind == Policy.Kind.RETURNS else None}
        for kind, texts in POLICIES.items() for language, (title, text) in texts.items()
    ]
    upsert_all(Policy, ("kind", "language"), rows, result.tallies.setdefault("policies", Tally()))


def seed_orders(result: SeedResult) -> None:
    tally = result.tallies.setdefault("orders", Tally())
    plans = result.plan.orders
    customers = dict(Customer.objects.filter(customer_id__in={p.customer_id for p in plans})
                     .values_list("customer_id", "pk"))
    products = dict(Product.objects.filter(sku__in={i.sku for p in plans for i in p.items}).values_list("sku", "pk"))
    existing = Order.objects.filter(number__in=[p.number for p in plans]).prefetch_related(
        "items", "tracking_events", "events")
    orders = upsert_all(Order, ("number",), [
        {"number": p.number, "customer_id": customers[p.customer_id], "status": p.status, "placed_at": p.placed_at,
         "delivered_at": p.delivered_at, "expected_delivery": p.expected_delivery, "carrier": p.carrier,
         "tracking_number": p.tracking_number, **p.shipping, "payment_method": p.payment_method,
         "subtotal": p.subtotal, "shipping_fee": p.shipping_fee, "discount": p.discount, "total": p.total,
         "amount_paid": p.amount_paid, "amount_refunded": p.amount_refunded}
        for p in plans
    ], tally, existing=existing)
    for p in plans:
        order = orders[p.number]
        fresh = not hasattr(order, "_prefetched_objects_cache")  # created just now, nothing to compare
        items_now = [] if fresh else list(order.items.all())
        upsert_all(OrderItem, ("order_id", "sku"), [
            {"order_id": order.pk, "sku": i.sku, "product_id": products[i.sku], "name": i.name,
             "quantity": i.quantity, "unit_price": i.unit_price} for i in p.items
        ], tally, existing=items_now)
        wanted = {i.sku for i in p.items}
        for stale in (i for i in items_now if i.sku not in wanted):
            try:
                stale.delete()
                tally.deleted += 1
            except ProtectedError:
                pass  # a return someone made on it still points at it; keep the line
        replace_children(TrackingEvent, [] if fresh else list(order.tracking_events.all()), [
            {"order_id": order.pk, "status": t.status, "description": t.description, "location": t.location,
             "carrier": t.carrier, "occurred_at": t.at} for t in p.tracking
        ], tally)
        replace_children(OrderEvent, [] if fresh else list(order.events.all()), [
            {"order_id": order.pk, "from_status": e.from_status, "to_status": e.to_status, "actor": ACTOR,
             "reason": e.note, "created_at": e.at} for e in p.events
        ], tally, stamp="created_at")


def seed_returns(result: SeedResult) -> None:
    tally = result.tallies.setdefault("returns", Tally())
    plans = result.plan.returns
    orders = dict(Order.objects.filter(number__in={r.order_number for r in plans}).values_list("number", "pk"))
    items = {(number, sku): pk for number, sku, pk in OrderItem.objects.filter(order__number__in=orders)
             .values_list("order__number", "sku", "pk")}
    existing = Return.objects.filter(number__in=[r.number for r in plans]).prefetch_related("items", "events")
    returns = upsert_all(Return, ("number",), [
        {"number": r.number, "order_id": orders[r.order_number], "reason": r.reason,
         "reason_detail": r.reason_detail, "status": r.status, "refund_amount": r.refund_amount,
         "requested_at": r.requested_at} for r in plans
    ], tally, existing=existing)
    demo_orders = [o.number for o in result.plan.orders]
    extra = Return.objects.filter(order__number__in=demo_orders).exclude(number__in=[r.number for r in plans])
    tally.deleted += extra.count()
    for ret in extra:
        ret.delete()  # items and events cascade
    for r in plans:
        ret = returns[r.number]
        fresh = not hasattr(ret, "_prefetched_objects_cache")
        replace_children(ReturnItem, [] if fresh else sorted(ret.items.all(), key=lambda i: i.pk), [
            {"ret_id": ret.pk, "order_item_id": items[(r.order_number, sku)], "quantity": quantity}
            for sku, quantity in r.items
        ], tally)
        replace_children(ReturnEvent, [] if fresh else list(ret.events.all()), [
            {"ret_id": ret.pk, "from_status": e.from_status, "to_status": e.to_status, "actor": ACTOR,
             "note": e.note, "created_at": e.at} for e in r.events
        ], tally, stamp="created_at")


def seed_staff(result: SeedResult) -> None:
    tally = result.tallies.setdefault("staff login", Tally())
    User = get_user_model()
    username = settings.DEMO_STAFF_USERNAME
    if User.objects.filter(username=username).exists():
        # An existing account keeps its password: the person may have changed it on purpose.
        tally.unchanged += 1
        return
    User.objects.create_superuser(username=username, email=f"{username}@example.com",
                                  password=settings.DEMO_STAFF_PASSWORD)
    tally.created += 1
    result.staff_created = True


def seed_api_key(result: SeedResult) -> None:
    tally = result.tallies.setdefault("API key", Tally())
    if APIKey.objects.filter(name=DEMO_KEY_NAME).exists():
        tally.unchanged += 1
        return
    _, raw = api_key_create(name=DEMO_KEY_NAME, scopes=[APIKey.Scope.READ, APIKey.Scope.WRITE])
    tally.created += 1
    result.api_key_raw = raw


STEPS: list[tuple[str, Callable[[SeedResult], None]]] = [
    ("catalog", seed_catalog),
    ("search synonyms", seed_synonyms),
    ("customers", seed_customers),
    ("FAQs", seed_faqs),
    ("policies", seed_policies),
    ("orders", seed_orders),
    ("returns", seed_returns),
    ("staff login", seed_staff),
    ("API key", seed_api_key),
]


def seed(*, today: date, progress: Callable[[Iterable], Iterable] = iter) -> SeedResult:
    """Seed everything in one transaction: a failure leaves the database as it was.
    `progress` wraps the list of (name, step) pairs, e.g. with a progress bar."""
    result = SeedResult(plan=build_plan(today=today, tz=settings.TIME_ZONE))
    with transaction.atomic():
        for _name, step in progress(STEPS):
            step(result)
    return result


def orders_reseed(*, today: date) -> None:
    """Put the demo orders and returns back as seeded for `today`'s plan, the rest untouched: the
    task-success evaluation's reset after a run that changed them (support.assistant.evals.shop)."""
    result = SeedResult(plan=build_plan(today=today, tz=settings.TIME_ZONE))
    with transaction.atomic():
        seed_orders(result)
        seed_returns(result)
