"""The offline dialogue's sturdier turns: corrections and re-tries, declines, side questions while
a request waits, pointing back at a listed product, shop questions told apart from one order, and
replies made for the ear (a short spoken version with an offer of more).

ScriptedTools/Chat (test_offline_brain) follow the tool contract without a database; the real tools
run over factory data where eligibility is the point."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.tests.factories import PolicyFactory
from orders.models import Order, ReturnItem
from orders.tests.factories import DeliveredOrderFactory, OrderFactory, ReturnFactory
from support.assistant.tests.test_offline_brain import ORDERS, Chat, ScriptedTools


def names(calls):
    return [c.name for c in calls]


# --- corrections and re-tries ---------------------------------------------------------------

@pytest.mark.parametrize("right", ["sorry, wrong number, it's 9876543210", "oops, I meant 3210", "नहीं नहीं, 3210",
                                   "ভুল হয়ে গেছে, ঠিক নম্বর 98765 43210"])
def test_a_right_phone_after_a_wrong_one_is_taken(right):
    tools = ScriptedTools()
    chat = Chat(tools)
    chat.say("where is ORD-1042")
    _, calls, _ = chat.say("9123456780")
    assert calls[0].result.code == "verification_failed"
    _, calls, reply = chat.say(right)
    assert calls and calls[0].result.ok and "Delhivery" in reply


@pytest.mark.parametrize("correction", ["no sorry, I meant ORD-1043", "not 1042, it's 1043", "no no, 1043",
                                        "नहीं 1042 नहीं, 1043", "মানে 1043"])
def test_a_corrected_order_number_replaces_the_first_before_the_phone(correction):
    tools = ScriptedTools()
    chat = Chat(tools)
    chat.say("where is my order 1042")
    _, calls, reply = chat.say(correction)
    assert calls == [] and "ORD-1043" in reply  # asks the phone of the corrected order
    _, calls, _ = chat.say("6780")
    assert calls[0].arguments == {"order_number": "ORD-1043", "phone": "6780"} and calls[0].result.ok


def test_a_correction_after_the_answer_redoes_it_for_the_right_order():
    tools = ScriptedTools()
    chat = Chat(tools, customer_id=1)
    chat.say("track ORD-1042")
    _, calls, reply = chat.say("no, I meant ORD-1050")
    assert calls[0].name == "track_order" and calls[0].arguments["order_number"] == "ORD-1050"


def test_order_numbers_said_in_pairs_and_digit_by_digit():
    tools = ScriptedTools()
    chat = Chat(tools)
    chat.say("status of order ten forty two")
    _, calls, _ = chat.say("nine eight seven six five, four three two one zero")
    assert calls[0].arguments == {"order_number": "ORD-1042", "phone": "9876543210"}


# --- declines and side questions -------------------------------------------------------------

@pytest.mark.parametrize("no", ["actually leave it", "mat karo", "থাক", "नको", "hold on", "nope"])
def test_declines_keep_the_order(no):
    ORDERS["ORD-1043"]["status"] = "placed"
    try:
        tools = ScriptedTools()
        chat = Chat(tools, customer_id=2)
        chat.say("cancel ORD-1043")
        _, calls, _ = chat.say(no)
        assert calls == [] and "pending_confirmation" not in chat.ctx.state
    finally:
        ORDERS["ORD-1043"]["status"] = "out_for_delivery"


def test_a_side_question_keeps_the_confirmation_open():
    ORDERS["ORD-1043"]["status"] = "placed"
    try:
        tools = ScriptedTools()
        chat = Chat(tools, customer_id=2)
        chat.say("cancel ORD-1043")
        _, calls, reply = chat.say("wait, what is your return policy?")
        assert names(calls) == ["get_policy"] and reply.endswith("Shall I cancel ORD-1043? Please say yes or no.")
        _, calls, reply = chat.say("ok yes cancel it")
        assert calls[0].arguments == {"order_number": "ORD-1043", "confirmed": True} and calls[0].result.ok
    finally:
        ORDERS["ORD-1043"]["status"] = "out_for_delivery"


def test_a_side_question_while_asking_for_the_phone_keeps_the_request():
    tools = ScriptedTools()
    chat = Chat(tools)
    chat.say("cancel order 1042")
    _, calls, reply = chat.say("how many days does a refund take?")
    assert names(calls) == ["search_faqs"] and "phone number on order ORD-1042" in reply
    _, calls, _ = chat.say("3210")
    assert calls[0].name == "cancel_order" and calls[0].arguments["phone"] == "3210"


# --- shop questions are not about one order ---------------------------------------------------

@pytest.mark.parametrize("text", ["How many days does a refund take?", "रिफंड आने में कितने दिन लगते हैं?",
                                  "রিফান্ড পেতে কত দিন লাগে?", "रिफंड मिळायला किती दिवस लागतात?",
                                  "refund kitne din mein aata hai?"])
def test_refund_time_questions_are_answered_from_the_faq(text):
    tools = ScriptedTools()
    _, calls, reply = Chat(tools).say(text)
    assert names(calls) == ["search_faqs"] and "return number" not in reply


@pytest.mark.parametrize("text, query", [
    ("can I pay cash when the parcel arrives?", "cod"), ("डिलिव्हरीला किती दिवस लागतात?", "delivery time"),
    ("ডেলিভারি হতে কত দিন লাগে?", "delivery time"), ("पेमेंट कैसे करें? कार्ड चलेगा?", "payment"),
])
def test_shop_questions_search_the_faq_in_the_shops_words(text, query):
    tools = ScriptedTools()
    _, calls, _ = Chat(tools).say(text)
    assert names(calls) == ["search_faqs"] and calls[0].arguments["query"].startswith(query)


@pytest.mark.parametrize("text", ["Do you have noise-cancelling earbuds?", "noise cancelling earbuds dikhao",
                                  "নয়েজ ক্যান্সেলিং ইয়ারবাড আছে?", "नॉइज कॅन्सलिंग इयरबड्स आहेत का?"])
def test_noise_cancelling_is_a_product_not_a_cancellation(text):
    tools = ScriptedTools()
    intent, calls, _ = Chat(tools).say(text)
    assert intent.name == "search_products" and "cancel_order" not in names(calls)
    assert "earbuds" in calls[0].arguments["query"]


# --- pointing back at a listed product -------------------------------------------------------

@pytest.mark.parametrize("pointer, sku", [("the cheaper one", "SKU-00001"), ("sasta wala batao", "SKU-00001"),
                                          ("দ্বিতীয়টা", "SKU-00002"), ("दुसऱ्याबद्दल सांगा", "SKU-00002"),
                                          ("what about the second one?", "SKU-00002")])
def test_the_cheaper_one_and_the_second_one(pointer, sku):
    tools = ScriptedTools()
    chat = Chat(tools)
    chat.say("show me kurtas")
    _, calls, _ = chat.say(pointer)
    assert [(c.name, c.arguments) for c in calls] == [("get_product_details", {"sku": sku})]


# --- eligibility before the question (real tools) ---------------------------------------------

@pytest.fixture
def real(db):
    from support.assistant.tools import default_tools
    from support.models import Conversation

    def make(order, language="en"):
        conv = Conversation.objects.create(channel="web-text", language=language, customer=order.customer)
        return Chat(default_tools(), language=language, customer_id=order.customer_id, conversation_id=str(conv.pk))

    return make


def test_a_return_outside_the_window_is_explained_not_put_to_the_shopper(real):
    PolicyFactory(return_window_days=7)
    order = DeliveredOrderFactory(delivered_at=timezone.now() - timedelta(days=35))
    chat = real(order, "hi")
    _, calls, reply = chat.say(f"ऑर्डर {order.number} वापस करना है")
    assert calls[0].result.code == "return_window_expired"
    assert "7 दिनों" in reply and "pending" not in chat.ctx.state["offline"]


def test_a_return_already_requested_names_it(real):
    PolicyFactory(return_window_days=7)
    order = DeliveredOrderFactory()
    ret = ReturnFactory(order=order, with_items=False)
    for item in order.items.all():
        ReturnItem.objects.create(ret=ret, order_item=item, quantity=item.quantity)
    _, calls, reply = real(order).say(f"I want to return {order.number}")
    assert calls[0].result.code == "return_quantity_exceeded" and ret.number in reply and "already" in reply


def test_a_no_said_with_an_action_word_never_cancels(real):
    order = OrderFactory(status=Order.Status.PLACED)
    chat = real(order)
    chat.say(f"cancel {order.number}")
    _, calls, reply = chat.say("no, don't cancel it")
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED and "won't cancel" in reply


# --- replies made for the ear -----------------------------------------------------------------

def test_tracking_is_said_short_and_offers_the_details():
    tools = ScriptedTools()
    chat = Chat(tools, customer_id=1)
    _, _, reply = chat.say("where is ORD-1042")
    assert "TRK123" in reply and "Reached hub" in reply  # the text carries the detail
    assert "TRK123" not in chat.spoken and chat.spoken.endswith("Would you like the tracking details?")
    _, calls, reply = chat.say("yes")
    assert calls == [] and "TRK123" in reply


def test_a_policy_is_said_answer_first_and_read_in_full_on_yes():
    tools = ScriptedTools()
    tools.get_policy = lambda a, ctx: {"kind": "returns", "title": "Returns policy", "return_window_days": 7,
                                       "text": "Return most items within 7 days. Pickup is free. Innerwear cannot be returned."}
    chat = Chat(tools)
    _, _, reply = chat.say("what is your return policy")
    assert "Innerwear" in reply
    assert chat.spoken == "Return most items within 7 days. Shall I read the full policy?"
    _, calls, reply = chat.say("haan")
    assert names(calls) == ["get_policy"] and reply == "Pickup is free. Innerwear cannot be returned."
