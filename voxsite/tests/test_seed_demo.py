"""seed_demo: idempotent, deterministic, complete, and consistent with the shop's own rules.

The demo data is seeded twice, once per module, inside a transaction that is rolled back when the
module ends, so the rest of the suite never sees it. Each test runs in a savepoint inside it.
"""

import hashlib
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import FAQ, Category, Policy, Product, SearchSynonym
from crm.models import Customer
from orders.models import Order, OrderEvent, OrderItem, Return, ReturnEvent, ReturnItem, TrackingEvent
from orders.services import (
    ORDER_TRANSITIONS, RETURN_TRANSITIONS, order_cancel, return_approve, return_create, return_refund,
)
from voxsite.core.errors import InvalidTransition, RuleViolation
from voxsite.core.languages import CODES
from voxsite.core.models import APIKey
from voxsite.demo.plan import CARRIERS, build_plan
from voxsite.demo.table import orders_document

DOC = Path(settings.BASE_DIR) / "docs" / "demo-orders.md"
LOGIN_LINE = (f"Staff login: {settings.DEMO_STAFF_USERNAME} / {settings.DEMO_STAFF_PASSWORD} "
              "(the admin is at /admin/)")
DEVANAGARI, BENGALI = re.compile(r"[\u0900-\u097F]"), re.compile(r"[\u0980-\u09FF]")


def _run(**options):
    out, err = StringIO(), StringIO()
    call_command("seed_demo", stdout=out, stderr=err, **options)
    return SimpleNamespace(out=out.getvalue(), err=err.getvalue())


def _digest() -> str:
    """Every seeded value that matters, keyed by natural keys (never by primary keys)."""
    rows = [
        list(Category.objects.order_by("slug").values_list("slug", "name", "description")),
        list(Product.objects.order_by("sku").values_list(
            "sku", "name", "brand", "category__slug", "description", "price", "stock", "attributes", "tags", "active")),
        list(SearchSynonym.objects.order_by("words").values_list("words", "means", "language", "active")),
        list(Customer.objects.order_by("customer_id").values_list(
            "customer_id", "name", "phone", "email", "preferred_language")),
        list(FAQ.objects.order_by("key", "language").values_list(
            "key", "language", "question", "answer", "category", "tags", "popularity", "active")),
        list(Policy.objects.order_by("kind", "language").values_list(
            "kind", "language", "title", "text", "return_window_days")),
        list(Order.objects.order_by("number").values_list(
            "number", "customer__customer_id", "status", "placed_at", "delivered_at", "expected_delivery", "carrier",
            "tracking_number", "shipping_name", "shipping_phone", "shipping_address", "shipping_city",
            "shipping_state", "shipping_pincode", "payment_method", "subtotal", "shipping_fee", "discount", "total",
            "amount_paid", "amount_refunded")),
        list(OrderItem.objects.order_by("order__number", "sku").values_list(
            "order__number", "sku", "product__sku", "name", "quantity", "unit_price")),
        list(TrackingEvent.objects.order_by("order__number", "occurred_at", "id").values_list(
            "order__number", "status", "description", "location", "carrier", "occurred_at")),
        list(OrderEvent.objects.order_by("order__number", "created_at", "id").values_list(
            "order__number", "from_status", "to_status", "actor", "reason", "created_at")),
        list(Return.objects.order_by("number").values_list(
            "number", "order__number", "reason", "reason_detail", "status", "refund_amount", "requested_at")),
        list(ReturnItem.objects.order_by("ret__number", "order_item__sku").values_list(
            "ret__number", "order_item__sku", "quantity")),
        list(ReturnEvent.objects.order_by("ret__number", "created_at", "id").values_list(
            "ret__number", "from_status", "to_status", "actor", "note", "created_at")),
    ]
    return hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()


def _counts() -> dict:
    models = [Category, Product, Customer, FAQ, Policy, Order, OrderItem, TrackingEvent, OrderEvent, Return,
              ReturnItem, ReturnEvent, APIKey, get_user_model()]
    return {m.__name__: m.objects.count() for m in models}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    doc = tmp_path_factory.mktemp("docs") / "demo-orders.md"
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            first = _run(quiet=True)
            state = SimpleNamespace(first=first, digest1=_digest(), counts1=_counts(), doc=doc)
            state.second = _run(print_orders=True, orders_file=str(doc))
            state.digest2, state.counts2 = _digest(), _counts()
            yield state
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(seeded, db):
    return seeded


# --- idempotent and deterministic -------------------------------------------------------------

def test_second_run_changes_nothing(demo):
    assert demo.counts2 == demo.counts1
    assert demo.digest2 == demo.digest1
    summary = [line for line in demo.second.out.splitlines() if line.startswith("  ")]
    assert len(summary) == 9
    assert all(re.search(r"\(0 created, 0 updated, \d+ unchanged\)$", line) for line in summary), summary
    assert "Demo data is up to date." in demo.second.out


@pytest.mark.parametrize("query, sku", [
    ("press", "HK-BAJAJ-DX6"), ("आटा", "GRO-AASH-ATTA10"), ("तूप", "GRO-AMUL-GHEE1L"), ("ঘি", "GRO-AMUL-GHEE1L"),
    ("bottle", "HK-MILTON-FLASK1L"), ("samsung phone", "MOB-SGM34-128"),
])
def test_seeded_tags_and_synonyms_find_everyday_words(demo, query, sku):
    from catalog.selectors import product_search

    assert product_search(query=query)[0].sku == sku


def test_progress_bar_on_stderr_and_quiet_silences_it(demo):
    assert "Seeding demo data" in demo.second.err and "9/9" in demo.second.err
    assert demo.first.err == ""
    assert "rows (" not in demo.first.out  # no summary when quiet


def test_plan_is_a_pure_function_of_the_day():
    day = date(2025, 3, 1)
    assert build_plan(today=day, tz="Asia/Kolkata") == build_plan(today=day, tz="Asia/Kolkata")
    later = build_plan(today=day + timedelta(days=40), tz="Asia/Kolkata")
    base = build_plan(today=day, tz="Asia/Kolkata")
    # Another day moves every time by the same amount and changes nothing else.
    assert [(o.number, o.status, o.total, o.tracking_number) for o in later.orders] == \
        [(o.number, o.status, o.total, o.tracking_number) for o in base.orders]
    assert {o.placed_at - b.placed_at for o, b in zip(later.orders, base.orders)} == {timedelta(days=40)}


def test_plan_holds_on_any_day_of_the_year():
    """The planner refuses a plan with a future event or ORD-1042 not shipped; the README's table
    must not depend on the day either."""
    table = DOC.read_text(encoding="utf-8")
    for offset in range(0, 366, 5):
        plan = build_plan(today=date(2024, 1, 1) + timedelta(days=offset), tz=settings.TIME_ZONE)
        assert plan.orders[41].number == "ORD-1042" and plan.orders[41].status == "shipped"
        assert orders_document(plan) == table


# --- credentials ------------------------------------------------------------------------------

def test_login_and_api_key_are_printed_only_when_created(demo):
    assert LOGIN_LINE in demo.first.out
    assert "http" not in demo.first.out  # no address it cannot know (the server's is set by HOST/PORT)
    assert "Staff login" not in demo.second.out
    raw = re.search(r"Demo API key \(read\+write, shown only now\): (\S+)", demo.first.out).group(1)
    key = APIKey.objects.get(name="demo")
    assert key.hashed_key == APIKey.hash(raw) and sorted(key.scopes) == ["read", "write"]
    assert "API key (" not in demo.second.out
    assert APIKey.objects.filter(name="demo").count() == 1


def test_staff_user_can_log_in_to_the_admin(demo, client):
    assert client.login(username=settings.DEMO_STAFF_USERNAME, password=settings.DEMO_STAFF_PASSWORD)
    assert client.get("/admin/").status_code == 200
    user = get_user_model().objects.get(username=settings.DEMO_STAFF_USERNAME)
    assert user.is_staff and user.is_superuser


def test_existing_staff_password_is_left_alone(demo):
    user = get_user_model().objects.get(username=settings.DEMO_STAFF_USERNAME)
    user.set_password("changed-on-purpose")
    user.save()
    out = _run(quiet=True).out
    user.refresh_from_db()
    assert user.check_password("changed-on-purpose")
    assert "Staff login" not in out


# --- coverage -----------------------------------------------------------------------------------

def test_catalog_and_customers(demo):
    assert Product.objects.count() >= 60
    assert Category.objects.filter(products__isnull=False).distinct().count() >= 6
    assert Product.objects.filter(stock=0).count() >= 3
    assert set(Product.objects.values_list("price", flat=True)) and not Product.objects.filter(price__lte=0).exists()
    assert Product.objects.get(sku="MOB-RDMN13-128").price == Decimal("16999.00")
    assert Customer.objects.count() >= 25
    phones = list(Customer.objects.values_list("phone", flat=True))
    assert len(set(phones)) == len(phones) and all(re.fullmatch(r"\+91[6-9]\d{9}", p) for p in phones)
    assert Customer.objects.filter(customer_id="cust_123").exists()
    for customer in Customer.objects.all():
        customer.full_clean()
    for language in CODES:
        assert Order.objects.filter(customer__preferred_language=language).exists(), language


def test_orders_cover_every_status(demo):
    assert Order.objects.count() >= 50
    assert set(Order.objects.values_list("status", flat=True)) == set(Order.Status.values)
    assert Order.objects.get(number="ORD-1042").status == Order.Status.SHIPPED
    numbers = sorted(int(n[4:]) for n in Order.objects.values_list("number", flat=True))
    assert numbers == list(range(1001, 1001 + len(numbers)))


def test_returns_cover_every_status(demo):
    assert set(Return.objects.values_list("status", flat=True)) == set(Return.Status.values)
    numbers = sorted(int(n[4:]) for n in Return.objects.values_list("number", flat=True))
    assert numbers == list(range(2001, 2001 + len(numbers)))


def test_numbers_follow_time(demo):
    placed = list(Order.objects.order_by("number").values_list("placed_at", flat=True))
    assert placed == sorted(placed)
    requested = list(Return.objects.order_by("number").values_list("requested_at", flat=True))
    assert requested == sorted(requested)


def test_faqs_top_ten_in_four_languages(demo):
    assert FAQ.objects.values("key").distinct().count() >= 30
    top = list(FAQ.objects.filter(language="en").order_by("-popularity").values_list("key", flat=True)[:10])
    for key in top:
        rows = {f.language: f for f in FAQ.objects.filter(key=key)}
        assert set(rows) == set(CODES), key
        for lang, script in (("hi", DEVANAGARI), ("mr", DEVANAGARI), ("bn", BENGALI)):
            assert script.search(rows[lang].question) and script.search(rows[lang].answer), (key, lang)
        # Marathi is its own language, not Hindi in the same script.
        assert rows["mr"].answer != rows["hi"].answer
        assert re.search(r"आहे|आणि|किंवा|तुम्ही|तुमच|करा|नाही", rows["mr"].answer), key
        assert re.search(r"है|हैं|में|नहीं|कीजिए|आप", rows["hi"].answer), key


def test_every_policy_in_every_language(demo):
    for kind in Policy.Kind.values:
        assert set(Policy.objects.filter(kind=kind).values_list("language", flat=True)) == set(CODES), kind
    assert set(Policy.objects.filter(kind="returns").values_list("return_window_days", flat=True)) == {7}
    assert not Policy.objects.exclude(kind="returns").filter(return_window_days__isnull=False).exists()
    mr = Policy.objects.get(kind="returns", language="mr").text
    assert DEVANAGARI.search(mr) and mr != Policy.objects.get(kind="returns", language="hi").text


# --- consistency ----------------------------------------------------------------------------------

def test_order_totals_are_consistent(demo):
    for order in Order.objects.prefetch_related("items"):
        assert order.subtotal == sum(i.line_total for i in order.items.all()) > 0, order.number
        assert order.total == order.subtotal + order.shipping_fee - order.discount, order.number
        unpaid_cod = order.payment_method == "cod" and order.status not in ("delivered", "returned")
        assert order.amount_paid == (Decimal("0.00") if unpaid_cod else order.total), order.number
        assert order.amount_refunded <= order.amount_paid, order.number
        if order.status == "cancelled":
            assert order.amount_refunded == order.amount_paid, order.number
        order.full_clean()


def test_refunds_never_exceed_what_was_paid(demo):
    for order in Order.objects.prefetch_related("returns__items__order_item", "items"):
        refunded = [r for r in order.returns.all() if r.status == "refunded"]
        assert all(r.refund_amount and r.refund_amount > 0 for r in refunded)
        assert sum((r.refund_amount for r in refunded), Decimal(0)) <= order.amount_paid, order.number
        if order.status != "cancelled":
            assert order.amount_refunded == sum((r.refund_amount for r in refunded), Decimal(0)), order.number
        if order.status == "returned":  # every unit bought came back and was refunded
            back = {}
            for r in refunded:
                for ri in r.items.all():
                    back[ri.order_item_id] = back.get(ri.order_item_id, 0) + ri.quantity
            assert back == {i.pk: i.quantity for i in order.items.all()}, order.number
    assert not Return.objects.exclude(status="refunded").filter(refund_amount__isnull=False).exists()


def test_histories_follow_the_transition_rules(demo):
    now = timezone.now()
    for order in Order.objects.prefetch_related("events", "tracking_events"):
        events = list(order.events.all())
        status = "placed"
        for e in events:
            assert e.from_status == status and e.to_status in ORDER_TRANSITIONS[e.from_status], order.number
            assert e.actor == "system"
            status = e.to_status
        assert status == order.status, order.number
        tracking = list(order.tracking_events.all())
        assert tracking[0].status == "placed" and tracking[-1].status == order.status, order.number
        times = [t.occurred_at for t in tracking]
        assert times == sorted(times) and times[-1] < now and order.placed_at == times[0]
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        labelled = any(t.status == "packed" for t in tracking)
        assert bool(order.carrier) == labelled == bool(order.tracking_number), order.number
        assert order.carrier in CARRIERS + [""]
        assert all(t.carrier in (order.carrier, "") for t in tracking)
        assert (order.delivered_at is not None) == (order.status in ("delivered", "returned")), order.number
    for ret in Return.objects.prefetch_related("events").select_related("order"):
        status = ""
        for e in ret.events.all():
            assert e.from_status == status, ret.number
            assert not status or e.to_status in RETURN_TRANSITIONS[status], ret.number
            status = e.to_status
        assert status == ret.status and ret.requested_at == ret.events.first().created_at
        assert ret.requested_at - ret.order.delivered_at <= timedelta(days=7), ret.number


def test_shipped_orders_have_realistic_tracking(demo):
    order = Order.objects.get(number="ORD-1042")
    locations = [t.location for t in order.tracking_events.all()]
    assert any("hub" in loc for loc in locations) and any("sorting centre" in loc for loc in locations)
    assert order.expected_delivery > timezone.localdate()


# --- the demo states work with the real services -----------------------------------------------

def _returnable():
    window = timezone.now() - timedelta(days=7)
    return Order.objects.filter(status="delivered", delivered_at__gt=window, returns__isnull=True)


def test_returnable_orders_accept_a_return(demo):
    orders = list(_returnable())
    assert orders
    for order in orders:
        ret = return_create(order=order, reason="size_fit", actor="test")
        assert ret.status == "requested" and ret.number.startswith("RET-")


def test_old_deliveries_are_outside_the_return_window(demo):
    old = Order.objects.filter(status="delivered", delivered_at__lt=timezone.now() - timedelta(days=8))
    assert old.count() >= 3
    for order in old:
        with pytest.raises(RuleViolation) as err:
            return_create(order=order, reason="size_fit", actor="test")
        assert err.value.code == "return_window_expired"


def test_shipped_order_cannot_be_cancelled_but_placed_ones_can(demo):
    with pytest.raises(InvalidTransition) as err:
        order_cancel(order=Order.objects.get(number="ORD-1042"), actor="test")
    assert err.value.code == "order_not_cancellable"
    for order in Order.objects.filter(status__in=["placed", "confirmed", "packed"]):
        cancelled = order_cancel(order=order, actor="test", reason="demo")
        assert cancelled.status == "cancelled" and cancelled.amount_refunded == cancelled.amount_paid


def test_open_returns_move_on_through_the_services(demo):
    requested = Return.objects.filter(status="requested").order_by("number").first()
    approved = return_approve(ret=requested, actor="test")
    assert approved.status == "approved"
    picked = Return.objects.get(status="picked_up")
    refunded = return_refund(ret=picked, actor="test")
    assert refunded.status == "refunded"
    order = Order.objects.get(pk=picked.order_id)
    assert order.amount_refunded <= order.amount_paid


# --- reseeding after demo use, and a failed seed -----------------------------------------------

def test_reseeding_puts_demo_orders_back(demo):
    placed = Order.objects.filter(status="placed").order_by("number").first()
    order_cancel(order=placed, actor="test", reason="trying the demo")
    returnable = _returnable().order_by("number").first()
    return_create(order=returnable, reason="damaged", actor="test")
    Product.objects.filter(sku="MOB-BOAT141").update(price=Decimal("999.00"))
    TrackingEvent.objects.filter(order__number="ORD-1042").last().delete()

    out = _run().out
    assert "Demo data seeded." in out and "replaced" in out
    assert _digest() == demo.digest1
    assert _returnable().filter(pk=returnable.pk).exists()


def test_a_failed_seed_writes_nothing(demo):
    Product.objects.filter(sku="MOB-BOAT141").update(price=Decimal("999.00"))
    # Someone else now holds cust_001's phone number: restoring it breaks the unique constraint.
    Customer.objects.filter(customer_id="cust_001").update(phone="+919000000001")
    Customer.objects.create(customer_id="walk_in", name="Walk-in", phone="+919876543001")
    with pytest.raises(IntegrityError):
        _run(quiet=True)
    # The catalog step ran first and was rolled back with the rest.
    assert Product.objects.get(sku="MOB-BOAT141").price == Decimal("999.00")


# --- the README table -------------------------------------------------------------------------------

def test_print_orders_writes_the_committed_table(demo):
    written = demo.doc.read_text(encoding="utf-8")
    assert written == DOC.read_text(encoding="utf-8"), "docs/demo-orders.md is stale: run seed_demo --print-orders"
    assert written == orders_document(build_plan(today=timezone.localdate(), tz=settings.TIME_ZONE))
    rows = [line for line in demo.second.out.splitlines() if line.startswith("| ORD-")]
    assert 10 <= len(rows) <= 16 and any(r.startswith("| ORD-1042 ") for r in rows)
    for row in rows:
        number, _name, phone, _language, status = [c.strip() for c in row.strip("|").split("|")[:5]]
        order = Order.objects.select_related("customer").get(number=number)
        assert order.customer.phone == phone and order.get_status_display() == status
    tried = " ".join(rows)
    for action in ("Track it", "Cancel it", "Return it", "refund"):
        assert action in tried
