import factory

from support.models import Conversation, Message, ModelCall, ToolCall


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    channel = Conversation.Channel.WEB_TEXT
    language = "en"
    state = factory.LazyFunction(lambda: {"verified_orders": [], "focus_order": None})


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    role = Message.Role.USER
    text = factory.Sequence(lambda n: f"Where is my order {1000 + n}?")
    language = "en"


class ModelCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelCall

    conversation = factory.SubFactory(ConversationFactory)
    stage = ModelCall.Stage.LLM
    provider = "offline"
    model = "rules-v1"
    ok = True
    latency_ms = 3.5
    first_byte_ms = 1.2


class ToolCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ToolCall

    conversation = factory.SubFactory(ConversationFactory)
    name = "track_order"
    arguments = factory.LazyFunction(lambda: {"order_number": "ORD-1001"})
    result = factory.LazyFunction(lambda: {"status": "shipped", "carrier": "Delhivery"})
    ok = True
    latency_ms = 4.0
