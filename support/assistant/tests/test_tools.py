"""The tool registry: identity, confirmation and validation hold whatever brain calls the tools."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.tests.factories import FAQFactory, PolicyFactory, ProductFactory
from crm.models import CRMRecord
from orders.models import Order, Return, ReturnItem
from orders.tests.factories import DeliveredOrderFactory, OrderFactory, ReturnFactory
from support.assistant.brain import TurnContext
from support.assistant.tools import CONFIRMATION_TURNS, MAX_VERIFY_FAILURES, default_tools
from support.models import Conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def tools():
    return default_tools()


@pytest.fixture
def conv():
    return Conversation.objects.create(channel="web-text", language="en")


def ctx_for(conv, **kw):
    return TurnContext(conversation_id=str(conv.pk), language=kw.pop("language", "en"), state=kw.pop("state", {"turn": 1}), **kw)


def next_turn(ctx):
    ctx.state["turn"] = ctx.state.get("turn", 0) + 1


def test_specs_are_valid_function_definitions(tools):
    names = {spec["function"]["name"] for spec in tools.specs()}
    assert names == {
        "search_products", "get_product_details", "track_order", "get_order_details", "cancel_order", "search_faqs",
        "initiate_return", "get_return_status", "get_policy", "create_crm_record", "handoff_to_human",
    }
    for spec in tools.specs():
        assert spec["type"] == "function"
        assert spec["function"]["parameters"]["type"] == "object"


def test_search_products_filters_by_price(tools, conv):
    ProductFactory(name="Cotton Kurta Blue", price=Decimal("899.00"))
    ProductFactory(name="Silk Kurta Red", price=Decimal("4599.00"))
    called = tools.call("search_products", {"query": "kurta", "max_price": "2000"}, ctx_for(conv))
    assert called.result.ok
    assert [p["name"] for p in called.result.data["products"]] == ["Cotton Kurta Blue"]
    assert called.result.data["products"][0]["price"] == "899.00"


def test_order_is_not_disclosed_without_phone(tools, conv):
    order = OrderFactory(status=Order.Status.SHIPPED)
    called = tools.call("track_order", {"order_number": order.number}, ctx_for(conv))
    assert not called.result.ok
    assert called.result.code == "verification_required"
    assert "shipped" not in str(called.result.as_payload()).lower()


def test_wrong_phone_is_refused_and_reveals_nothing(tools, conv):
    order = OrderFactory(status=Order.Status.SHIPPED)
    called = tools.call("track_order", {"order_number": order.number, "phone": "9000000000"}, ctx_for(conv))
    assert called.result.code == "verification_failed"
    payload = str(called.result.as_payload()).lower()
    assert "shipped" not in payload and order.customer.name.lower() not in payload


def test_missing_order_and_wrong_phone_look_the_same(tools, conv):
    order = OrderFactory()
    missing = tools.call("track_order", {"order_number": "ORD-99999", "phone": order.customer.phone}, ctx_for(conv))
    wrong = tools.call("track_order", {"order_number": order.number, "phone": "9000000000"}, ctx_for(conv))
    assert missing.result.code == wrong.result.code == "verification_failed"
    assert missing.result.error == wrong.result.error


@pytest.mark.parametrize("phone_of", ["full", "local", "last4"])
def test_right_phone_verifies_and_is_remembered(tools, conv, phone_of):
    order = OrderFactory(status=Order.Status.SHIPPED, carrier="Delhivery")
    phone = {"full": order.customer.phone, "local": order.customer.phone[3:], "last4": order.customer.phone[-4:]}[phone_of]
    ctx = ctx_for(conv)
    called = tools.call("track_order", {"order_number": order.number, "phone": phone}, ctx)
    assert called.result.ok, called.result
    assert called.result.data["status"] == "shipped"
    assert called.result.data["carrier"] == "Delhivery"
    assert order.number in ctx.state["verified_orders"]
    again = tools.call("get_order_details", {"order_number": order.number.lower()}, ctx)
    assert again.result.ok
    assert again.result.data["items"][0]["quantity"] == 2


def test_verification_for_one_order_does_not_open_another(tools, conv):
    mine = OrderFactory()
    theirs = OrderFactory()
    ctx = ctx_for(conv)
    assert tools.call("track_order", {"order_number": mine.number, "phone": mine.customer.phone}, ctx).result.ok
    # Another customer's order with MY phone: refused.
    called = tools.call("track_order", {"order_number": theirs.number, "phone": mine.customer.phone}, ctx)
    assert called.result.code == "verification_failed"


def test_bound_customer_sees_own_orders_only(tools, conv):
    mine = OrderFactory()
    theirs = OrderFactory()
    ctx = ctx_for(conv, customer_id=mine.customer_id)
    assert tools.call("track_order", {"order_number": mine.number}, ctx).result.ok
    # Even the other customer's correct phone does not open their order in a bound session.
    called = tools.call("track_order", {"order_number": theirs.number, "phone": theirs.customer.phone}, ctx)
    assert called.result.code == "order_not_found"


def test_repeated_failures_lock_verification(tools, conv):
    order = OrderFactory()
    ctx = ctx_for(conv)
    for _ in range(MAX_VERIFY_FAILURES):
        tools.call("track_order", {"order_number": order.number, "phone": "9000000000"}, ctx)
    called = tools.call("track_order", {"order_number": order.number, "phone": order.customer.phone}, ctx)
    assert called.result.code == "verification_locked"


def test_cancel_needs_confirmation_on_a_later_turn(tools, conv):
    order = OrderFactory(status=Order.Status.PLACED)
    ctx = ctx_for(conv)
    first = tools.call("cancel_order", {"order_number": order.number, "phone": order.customer.phone}, ctx)
    assert first.result.ok and first.result.data["needs_confirmation"]
    # Confirming in the same turn (a model that skips asking) is refused.
    same_turn = tools.call("cancel_order", {"order_number": order.number, "confirmed": True}, ctx)
    assert same_turn.result.code == "confirmation_required"
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    next_turn(ctx)
    done = tools.call("cancel_order", {"order_number": order.number, "confirmed": True}, ctx)
    assert done.result.ok and done.result.data["cancelled"]
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.events.get().actor == f"agent:{conv.pk}"


def test_confirmation_without_question_is_refused(tools, conv):
    order = OrderFactory()
    ctx = ctx_for(conv)
    called = tools.call("cancel_order", {"order_number": order.number, "phone": order.customer.phone, "confirmed": True}, ctx)
    assert called.result.code == "confirmation_required"
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED


def test_confirmation_is_bound_to_the_order_asked_about(tools, conv):
    a = OrderFactory()
    b = OrderFactory(customer=a.customer)
    ctx = ctx_for(conv)
    tools.call("cancel_order", {"order_number": a.number, "phone": a.customer.phone}, ctx)
    tools.call("track_order", {"order_number": b.number, "phone": a.customer.phone}, ctx)
    next_turn(ctx)
    called = tools.call("cancel_order", {"order_number": b.number, "confirmed": True}, ctx)
    assert called.result.code == "confirmation_required"
    b.refresh_from_db()
    assert b.status == Order.Status.PLACED


def test_shipped_order_cannot_be_cancelled(tools, conv):
    order = OrderFactory(status=Order.Status.SHIPPED)
    called = tools.call("cancel_order", {"order_number": order.number, "phone": order.customer.phone}, ctx_for(conv))
    assert called.result.code == "order_not_cancellable"


def test_return_flow(tools, conv):
    PolicyFactory(return_window_days=7)
    order = DeliveredOrderFactory(delivered_at=timezone.now() - timedelta(days=2))
    ctx = ctx_for(conv)
    ask = tools.call("initiate_return", {"order_number": order.number, "phone": order.customer.phone[-4:], "reason": "size_fit"}, ctx)
    assert ask.result.data["needs_confirmation"]
    next_turn(ctx)
    done = tools.call("initiate_return", {"order_number": order.number, "reason": "size_fit", "confirmed": True}, ctx)
    assert done.result.ok, done.result
    ret = Return.objects.get(number=done.result.data["return_number"])
    assert ret.order == order and ret.status == "requested"
    status = tools.call("get_return_status", {"return_number": ret.number}, ctx)
    assert status.result.data["status"] == "requested"


def test_return_status_of_someone_elses_return_is_refused(tools, conv):
    ret = ReturnFactory()
    ctx = ctx_for(conv)
    assert tools.call("get_return_status", {"return_number": ret.number}, ctx).result.code == "verification_required"
    assert tools.call("get_return_status", {"return_number": ret.number, "phone": "9000000000"}, ctx).result.code == "verification_failed"


def test_return_of_undelivered_order_refused(tools, conv):
    order = OrderFactory(status=Order.Status.SHIPPED)
    called = tools.call("initiate_return", {"order_number": order.number, "phone": order.customer.phone}, ctx_for(conv))
    assert called.result.code == "return_order_not_delivered"


def test_policy_and_faq_in_conversation_language(tools, conv):
    PolicyFactory(kind="shipping", language="en", title="Shipping", text="Free shipping above ₹499.", return_window_days=None)
    PolicyFactory(kind="shipping", language="hi", title="शिपिंग", text="₹499 से ऊपर मुफ़्त शिपिंग।", return_window_days=None)
    FAQFactory(key="cod", language="en", question="Do you offer cash on delivery?", answer="Yes, up to ₹10,000.")
    FAQFactory(key="cod", language="hi", question="क्या कैश ऑन डिलीवरी है?", answer="हाँ, ₹10,000 तक।")
    ctx = ctx_for(conv, language="hi")
    assert "मुफ़्त" in tools.call("get_policy", {"kind": "shipping"}, ctx).result.data["text"]
    faqs = tools.call("search_faqs", {"query": "cash on delivery"}, ctx).result.data["faqs"]
    assert faqs and faqs[0]["answer"] == "हाँ, ₹10,000 तक।"


@pytest.mark.parametrize(
    "name,args",
    [
        ("track_order", {}),
        ("track_order", {"order_number": "ORD-1", "admin": True}),
        ("get_policy", {"kind": "everything"}),
        ("search_products", {"query": "tv", "max_price": "cheap"}),
        ("cancel_order", {"order_number": "ORD-1", "confirmed": "maybe"}),
        ("search_products", "not an object"),
        ("drop_tables", {}),
    ],
)
def test_bad_arguments_become_tool_errors(tools, conv, name, args):
    called = tools.call(name, args, ctx_for(conv))
    assert not called.result.ok
    assert called.result.code in ("invalid_arguments", "unknown_tool")


def test_crm_record_and_handoff(tools, conv):
    ctx = ctx_for(conv)
    rec = tools.call("create_crm_record", {"scenario": "billing", "intent": "refund", "summary": "Charged twice"}, ctx)
    assert CRMRecord.objects.get(pk=rec.result.data["crm_record_id"]).conversation == conv
    handoff = tools.call("handoff_to_human", {"reason": "Shopper asked for a person"}, ctx)
    assert handoff.result.ok
    conv.refresh_from_db()
    assert conv.status == Conversation.Status.HANDED_OFF
    record = CRMRecord.objects.get(pk=handoff.result.data["crm_record_id"])
    assert record.scenario == "handoff" and record.priority == "high"


# --- eligibility before the question, and the shopper's own yes -----------------------------


def _asked(tools, ctx, order, name="cancel_order", **args):
    called = tools.call(name, {"order_number": order.number, "phone": order.customer.phone, **args}, ctx)
    assert called.result.ok and called.result.data["needs_confirmation"], called.result
    next_turn(ctx)


@pytest.mark.parametrize("text", ["yes", "haan ji, kar do", "ঠিক আছে", "हो करा", "cancel it"])
def test_a_confirmed_cancel_needs_the_shoppers_yes_this_turn(tools, conv, text):
    order = OrderFactory(status=Order.Status.PLACED)
    ctx = ctx_for(conv)
    _asked(tools, ctx, order)
    ctx.text = text
    assert tools.call("cancel_order", {"order_number": order.number, "confirmed": True}, ctx).result.ok
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


@pytest.mark.parametrize("text, code", [
    ("no, keep it", "confirmation_declined"), ("नको", "confirmation_declined"), ("hold on", "confirmation_declined"),
    ("what is your refund policy?", "confirmation_required"),
])
def test_a_model_that_confirms_over_a_no_changes_nothing(tools, conv, text, code):
    order = OrderFactory(status=Order.Status.PLACED)
    ctx = ctx_for(conv)
    _asked(tools, ctx, order)
    ctx.text = text
    called = tools.call("cancel_order", {"order_number": order.number, "confirmed": True}, ctx)
    assert called.result.code == code
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    # A no ends the question: a later yes needs it asked again.
    ctx.text = "yes"
    again = tools.call("cancel_order", {"order_number": order.number, "confirmed": True}, ctx)
    assert again.result.ok is (code == "confirmation_required")


def test_a_question_expires_after_a_few_turns(tools, conv):
    order = OrderFactory(status=Order.Status.PLACED)
    ctx = ctx_for(conv)
    _asked(tools, ctx, order)
    for _ in range(CONFIRMATION_TURNS):
        next_turn(ctx)
    ctx.text = "yes"
    assert tools.call("cancel_order", {"order_number": order.number, "confirmed": True}, ctx).result.code == "confirmation_required"


def test_return_outside_the_window_is_refused_before_any_question(tools, conv):
    PolicyFactory(return_window_days=7)
    order = DeliveredOrderFactory(delivered_at=timezone.now() - timedelta(days=35))
    ctx = ctx_for(conv)
    called = tools.call("initiate_return", {"order_number": order.number, "phone": order.customer.phone}, ctx)
    assert called.result.code == "return_window_expired"
    assert called.result.as_payload()["window_days"] == 7
    assert "pending_confirmation" not in ctx.state


def test_return_already_requested_is_refused_before_any_question_and_names_the_return(tools, conv):
    PolicyFactory(return_window_days=7)
    order = DeliveredOrderFactory()
    ret = ReturnFactory(order=order, with_items=False)
    for item in order.items.all():
        ReturnItem.objects.create(ret=ret, order_item=item, quantity=item.quantity)
    ctx = ctx_for(conv)
    called = tools.call("initiate_return", {"order_number": order.number, "phone": order.customer.phone}, ctx)
    assert called.result.code == "return_quantity_exceeded"
    assert called.result.as_payload()["returns"] == [ret.number]
    assert "pending_confirmation" not in ctx.state


def test_returned_and_cancelled_orders_say_so_with_their_refund(tools, conv):
    returned = OrderFactory(status=Order.Status.RETURNED, amount_paid=Decimal("500"), amount_refunded=Decimal("500"))
    ctx = ctx_for(conv)
    called = tools.call("initiate_return", {"order_number": returned.number, "phone": returned.customer.phone}, ctx)
    assert called.result.code == "order_already_returned"
    assert called.result.as_payload()["refund_amount"] == "500.00"
    cancelled = OrderFactory(status=Order.Status.CANCELLED, amount_paid=Decimal("438"), amount_refunded=Decimal("438"))
    called = tools.call("cancel_order", {"order_number": cancelled.number, "phone": cancelled.customer.phone}, ctx)
    assert called.result.code == "order_already_cancelled"
    tracked = tools.call("track_order", {"order_number": cancelled.number}, ctx)
    assert tracked.result.data["refund_amount"] == "438.00"
