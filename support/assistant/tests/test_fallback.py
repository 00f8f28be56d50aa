"""The brain fallback chain: the next brain answers the same turn, state rolled back, records kept."""

from __future__ import annotations

import copy

import pytest

from support.assistant.brain import BrainError, Intent, ModelCalled, TextDelta, ToolCalled, ToolResult, TurnContext
from support.assistant.fallback import Fallback, brains_from_settings, stream_with_fallback
from support.assistant.groq_brain import GroqBrain
from support.assistant.testing.fake_groq import FakeGroq, error_reply, hang_reply, stalled_reply, text_reply, tool_call_reply


class ScriptedBrain:
    """Yields fixed events; optionally scribbles on ctx.state and then fails."""

    def __init__(self, name, events, fail: Exception | None = None, mutate=None):
        self.name = name
        self.events = events
        self.fail = fail
        self.mutate = mutate
        self.calls: list[tuple[str, dict]] = []
        self.closed = False

    def stream(self, text, ctx, tools):
        self.calls.append((text, copy.deepcopy(ctx.state)))
        try:
            if self.mutate:
                self.mutate(ctx.state)
            yield from self.events
            if self.fail:
                raise self.fail
        finally:
            self.closed = True


class NoTools:
    def specs(self):
        return []

    def call(self, name, arguments, ctx):
        raise AssertionError("no tool expected")


def ctx(**kwargs) -> TurnContext:
    return TurnContext(conversation_id="c-1", language="en", **kwargs)


def answer(name: str, text: str) -> ScriptedBrain:
    return ScriptedBrain(name, [Intent(name="chat"), TextDelta(text)])


def test_first_brain_answers_and_the_rest_are_not_asked():
    first, second = answer("one", "Hello from one."), answer("two", "Hello from two.")
    events = list(stream_with_fallback("hi", ctx(), NoTools(), [first, second]))
    assert events == [Intent(name="chat"), TextDelta("Hello from one.")]
    assert second.calls == []


def test_failed_brain_hands_the_same_turn_to_the_next_and_its_state_is_rolled_back():
    tool = ToolCalled("track_order", {"order_number": "ORD-1"}, ToolResult(ok=True, data={"status": "shipped"}), 3.0)
    failed_call = ModelCalled(provider="groq", model="m", ok=False, latency_ms=12.0, error="HTTP 500: boom")

    def scribble(state):
        state["verified_orders"].append("ORD-1")
        state["pending_confirmation"] = {"action": "cancel_order", "order_number": "ORD-1"}

    first = ScriptedBrain(
        "groq",
        [Intent(name="track_order"), tool, TextDelta("Your order is"), failed_call],
        fail=BrainError("HTTP 500: boom"),
        mutate=scribble,
    )
    second = answer("offline", "Your order ORD-1 has shipped.")
    context = ctx(state={"verified_orders": [], "language_history": ["en"]})
    state_dict = context.state

    events = list(stream_with_fallback("where is ORD-1", context, NoTools(), [first, second]))

    # What the failed brain did stays in the stream (it is recorded); its words are voided by the marker.
    assert events == [
        Intent(name="track_order"), tool, TextDelta("Your order is"), failed_call,
        Fallback(from_brain="groq", error="HTTP 500: boom"),
        Intent(name="chat"), TextDelta("Your order ORD-1 has shipped."),
    ]
    assert second.calls == [("where is ORD-1", {"verified_orders": [], "language_history": ["en"]})]
    assert context.state == {"verified_orders": [], "language_history": ["en"]}
    assert context.state is state_dict  # restored in place: holders of the dict see it too


def test_any_exception_falls_back_not_only_brain_errors():
    first = ScriptedBrain("buggy", [TextDelta("Hel")], fail=KeyError("slot"))
    events = list(stream_with_fallback("hi", ctx(), NoTools(), [first, answer("offline", "Hi there.")]))
    [marker] = [e for e in events if isinstance(e, Fallback)]
    assert marker.from_brain == "buggy" and "slot" in marker.error
    assert events[-1] == TextDelta("Hi there.")


def test_each_failure_moves_one_brain_down_the_chain():
    a = ScriptedBrain("a", [], fail=BrainError("a down"))
    b = ScriptedBrain("b", [TextDelta("partial")], fail=BrainError("b down"))
    c = answer("c", "Answer from c.")
    events = list(stream_with_fallback("hi", ctx(), NoTools(), [a, b, c]))
    assert [e for e in events if isinstance(e, Fallback)] == [Fallback("a", "a down"), Fallback("b", "b down")]
    assert events[-1] == TextDelta("Answer from c.")
    assert len(a.calls) == len(b.calls) == len(c.calls) == 1


def test_all_brains_failing_raises_after_reporting_each_failure():
    a = ScriptedBrain("a", [], fail=BrainError("a down"))
    b = ScriptedBrain("b", [], fail=RuntimeError("b crashed"))
    seen = []
    with pytest.raises(BrainError) as info:
        for event in stream_with_fallback("hi", ctx(), NoTools(), [a, b]):
            seen.append(event)
    assert seen == [Fallback("a", "a down"), Fallback("b", "b crashed")]
    assert "a: a down" in str(info.value) and "b: b crashed" in str(info.value)


def test_no_brains_is_an_error():
    with pytest.raises(BrainError):
        list(stream_with_fallback("hi", ctx(), NoTools(), []))


def test_stopping_early_closes_the_brain():
    brain = ScriptedBrain("one", [TextDelta("a"), TextDelta("b"), TextDelta("c")])
    stream = stream_with_fallback("hi", ctx(), NoTools(), [brain])
    assert next(stream) == TextDelta("a")
    stream.close()  # barge-in
    assert brain.closed


# --------------------------------------------------------------------------- with the real Groq brain
@pytest.fixture
def fake():
    with FakeGroq() as server:
        yield server


def groq(fake, **overrides):
    options = {"api_key": "k", "model": "llama-test", "base_url": fake.base_url, "timeout": 0.5, "max_steps": 2}
    return GroqBrain(**{**options, **overrides})


@pytest.mark.parametrize("failure", [
    error_reply(500, "boom"),
    error_reply(429, "slow down", code="rate_limit_exceeded"),
    hang_reply(30),
    stalled_reply("Your order", after=2, seconds=30),
], ids=["500", "429", "hang", "stall"])
def test_groq_failure_is_recorded_and_the_next_brain_answers(fake, failure):
    fake.push(failure)
    offline = answer("offline", "Our return window is 7 days.")

    events = list(stream_with_fallback("return policy?", ctx(), NoTools(), [groq(fake), offline]))

    calls = [e for e in events if isinstance(e, ModelCalled)]
    assert len(calls) == 1 and not calls[0].ok and calls[0].provider == "groq"
    [marker] = [e for e in events if isinstance(e, Fallback)]
    assert marker.from_brain == "groq" and marker.error == calls[0].error
    # Only text after the marker is the answer.
    after = events[events.index(marker) + 1:]
    assert "".join(e.text for e in after if isinstance(e, TextDelta)) == "Our return window is 7 days."
    assert len(fake.requests) == 1  # no retries
    assert len(offline.calls) == 1


def test_groq_failure_after_a_tool_keeps_the_tool_record_and_rolls_back_state(fake):
    class Tools:
        def __init__(self):
            self.calls = 0

        def specs(self):
            return []

        def call(self, name, arguments, ctx):
            self.calls += 1
            ctx.state.setdefault("verified_orders", []).append(arguments["order_number"])
            return ToolCalled(name, arguments, ToolResult(ok=True, data={"status": "shipped"}), 1.0)

    fake.push(tool_call_reply(("track_order", {"order_number": "ORD-7"})), error_reply(502, "bad gateway"))
    offline = answer("offline", "Please tell me your order number.")
    context = ctx(state={"turns": 3})
    tools = Tools()

    events = list(stream_with_fallback("where is ORD-7", context, tools, [groq(fake), offline]))

    assert tools.calls == 1
    assert [type(e).__name__ for e in events] == [
        "Intent", "ModelCalled", "ToolCalled", "ModelCalled", "Fallback", "Intent", "TextDelta",
    ]
    assert offline.calls == [("where is ORD-7", {"turns": 3})]
    assert context.state == {"turns": 3}


def test_groq_success_needs_no_fallback(fake):
    fake.push(text_reply("Hello! How can I help?"))
    offline = answer("offline", "unused")
    events = list(stream_with_fallback("hi", ctx(), NoTools(), [groq(fake), offline]))
    assert not any(isinstance(e, Fallback) for e in events)
    assert offline.calls == []


# --------------------------------------------------------------------------- configuration
def test_brains_from_settings_without_a_key_is_offline_only(settings):
    from support.assistant.offline.dialogue import OfflineBrain

    settings.GROQ_API_KEY = ""
    [brain] = brains_from_settings()
    assert isinstance(brain, OfflineBrain)


def test_brains_from_settings_with_a_key_puts_groq_first_and_reuses_its_client(settings):
    from support.assistant.offline.dialogue import OfflineBrain

    settings.GROQ_API_KEY = "gsk_test"
    settings.GROQ_BASE_URL = "http://127.0.0.1:9"
    settings.GROQ_MODEL = "llama-test"
    settings.GROQ_TIMEOUT = 1.5
    settings.AGENT_MAX_TOOL_STEPS = 3
    first, second = brains_from_settings()
    assert isinstance(first, GroqBrain) and isinstance(second, OfflineBrain)
    assert (first.model, first.timeout, first.max_steps) == ("llama-test", 1.5, 3)
    assert str(first._client.base_url).startswith("http://127.0.0.1:9")
    assert first._client.max_retries == 0
    assert brains_from_settings()[0] is first

    settings.GROQ_TIMEOUT = 2.5
    assert brains_from_settings()[0] is not first


@pytest.mark.django_db
def test_groq_down_the_real_offline_brain_answers_the_turn(fake, settings):
    from support.assistant.tools import default_tools

    settings.GROQ_API_KEY = "gsk_test"
    settings.GROQ_BASE_URL = fake.base_url
    settings.GROQ_TIMEOUT = 0.5
    fake.push(error_reply(500, "boom"))

    events = list(stream_with_fallback("Hello", ctx(), default_tools(), brains_from_settings()))

    [marker] = [e for e in events if isinstance(e, Fallback)]
    assert marker.from_brain == "groq" and "500" in marker.error
    after = events[events.index(marker) + 1:]
    assert "".join(e.text for e in after if isinstance(e, TextDelta)).strip()
    assert len(fake.requests) == 1
