"""The task-success evaluation itself: its scenario files, its judge, and a few real runs through
the API in-process on a freshly seeded shop (bench/task_eval.py runs them all over HTTP)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils import timezone

from orders.models import Order, Return
from support.models import ModelCall
from support.assistant.evals import scenarios as sc
from support.assistant.evals.groq_script import ScriptedModel
from support.assistant.evals.judge import judge, rule_violations, says
from support.assistant.evals.runner import ClientTransport, Run, Turn, pass_rates, run_phrasing, summarise
from support.assistant.evals.shop import Changes, Shop


def test_scenario_files_cover_four_languages_with_a_held_out_quarter():
    scenarios = sc.load()
    assert len(scenarios) >= 120
    per_language = Counter(s.language for s in scenarios)
    assert set(per_language) == set(sc.LANGUAGES)
    for language, n in per_language.items():
        assert n >= 0.2 * len(scenarios), language
        held = sum(s.held_out for s in scenarios if s.language == language)
        assert 0.2 <= held / n <= 0.3, (language, held, n)
    assert sum(s.script == "latn" for s in scenarios if s.language == "hi") >= 10  # romanised Hinglish
    assert {s.topic for s in scenarios} == sc.TOPICS  # every kind of task in the issue has scenarios
    assert all(len(s.phrasings) == sc.PHRASINGS for s in scenarios)


@pytest.mark.parametrize("body, message", [
    ("- {id: en-x, topic: faq, held_out: false, phrasings: [[a], [b], [c]], expect: {say: [x]}}", "exactly 4 phrasings"),
    ("- {id: en-x, topic: faq, held_out: false, phrasings: [[a], [b], [c], [d]]}", "expect is required"),
    ("- {id: en-x, topic: chit_chat, held_out: false, phrasings: [[a], [b], [c], [d]], expect: {say: [x]}}", "topic"),
    ("- {id: hi-x, topic: faq, held_out: false, phrasings: [[a], [b], [c], [d]], expect: {say: [x]}}", "ids start"),
    ("- {id: en-x, topic: faq, held_out: false, phrasings: [[a], [b], [c], [d]], expect: {sayy: [x]}}", "unknown expect"),
    ("- {id: en-x, topic: faq, held_out: false, phrasings: [[a], [b], [c], [d]], expect: {tools: [{ok: true}]}}", "tool name"),
    ("- {id: en-x, topic: faq, held_out: maybe, phrasings: [[a], [b], [c], [d]], expect: {say: [x]}}", "held_out"),
])
def test_a_malformed_scenario_file_is_refused_with_its_name_and_id(tmp_path, body, message):
    (tmp_path / "en.yaml").write_text("language: en\nscenarios:\n" + body + "\n", encoding="utf-8")
    with pytest.raises(sc.ScenarioError, match=message) as err:
        sc.load(directory=tmp_path)
    assert "en.yaml" in str(err.value)


def _scenario(**expect) -> sc.Scenario:
    return sc.Scenario(id="en-t", language="en", topic="cancel", held_out=False, phrasings=(("x",),) * 4,
                       expect=expect, shopper="cust_123")


def _turn(reply="", calls=(), status=200, conv_status="active") -> Turn:
    return Turn(text="x", http_status=status, body={"reply": reply, "tool_calls": list(calls), "status": conv_status})


def _call(name, ok=True, args=None, **result):
    payload = {"ok": ok, **result}
    return {"name": name, "ok": ok, "arguments": args or {}, "result": payload}


NO_CHANGES = Changes(statuses={}, returns={})
OWNERS = {"ORD-1055": "cust_123", "ORD-1038": "cust_009"}


def test_judge_passes_the_expected_end_state():
    scenario = _scenario(orders={"ORD-1055": "cancelled"},
                         tools=[{"name": "cancel_order", "ok": True, "args": {"order_number": "1055", "confirmed": True}}],
                         say=["16,999|sixteen"], never_say=["Hero"])
    turns = [_turn("Shall I cancel it?", [_call("cancel_order", args={"order_number": "ORD-1055"},
                                                order_number="ORD-1055", needs_confirmation=True)]),
             _turn("Done. A refund of ₹16,999 ...", [_call("cancel_order", args={"order_number": "ORD-1055", "confirmed": True},
                                                         order_number="ORD-1055", cancelled=True)])]
    changes = Changes(statuses={"ORD-1055": ("placed", "cancelled")}, returns={})
    assert judge(scenario, turns, changes, OWNERS) == []


def test_judge_fails_writes_nobody_asked_for_and_disclosures_to_the_wrong_shopper():
    scenario = _scenario(say=["1055"])
    turns = [_turn("Order ORD-1038 is shipped", [_call("track_order", order_number="ORD-1038")], status=200),
             _turn("", status=500)]
    changes = Changes(statuses={"ORD-1055": ("placed", "cancelled")}, returns={"RET-2013": ("ORD-1055", "damaged")})
    failures = "\n".join(judge(scenario, turns, changes, OWNERS))
    assert "turn 2 answered HTTP 500" in failures
    assert "ORD-1055 went from placed to cancelled, not expected" in failures
    assert "a return was created for ORD-1055" in failures
    assert "track_order disclosed ORD-1038 (of cust_009)" in failures
    assert "no reply said '1055'" in failures


def test_judge_picks_products_relative_to_the_latest_search():
    products = [{"sku": "A", "price": "1799.00"}, {"sku": "B", "price": "1490.00"}, {"sku": "C", "price": "9000"}]
    search = _call("search_products", products=products)
    cheapest = _scenario(tools=[{"name": "get_product_details", "ok": True, "pick": "cheapest"}])
    second = _scenario(tools=[{"name": "get_product_details", "ok": True, "pick": 2}])
    picked_b = [_turn("", [search]), _turn("", [_call("get_product_details", args={"sku": "B"})])]
    picked_a = [_turn("", [search]), _turn("", [_call("get_product_details", args={"sku": "A"})])]
    assert judge(cheapest, picked_b, NO_CHANGES, OWNERS) == []
    assert judge(second, picked_b, NO_CHANGES, OWNERS) == []
    assert judge(cheapest, picked_a, NO_CHANGES, OWNERS)


def test_facts_match_across_digit_scripts_and_grouping():
    assert says("রিফান্ডের পরিমাণ: ₹২,১৯৯।", "2,199")
    assert says("Refund amount: ₹4,240.", "4240|nothing")
    assert not says("Refund amount: ₹4,240.", "4,241")


def test_pass_rates_follow_tau_bench():
    runs = []
    for sid, oks in (("en-a", [True] * 4), ("en-b", [True, False, True, True])):
        s = sc.Scenario(id=sid, language="en", topic="faq", held_out=False, phrasings=(("x",),) * 4, expect={"say": ["x"]})
        for i, ok in enumerate(oks):
            runs.append(Run(scenario=s, phrasing=i, voice=False, failures=[] if ok else ["no"]))
    assert pass_rates(runs) == (2, 7 / 8, 1 / 2)
    row = summarise(runs)[0]
    assert (row.scenarios, row.pass1, row.pass4, row.held_scenarios) == (2, 7 / 8, 1 / 2, 0)


@pytest.fixture
def seeded_shop(db):
    from voxsite.demo.seed import orders_reseed, seed

    seed(today=timezone.localdate())
    return Shop(reseed=orders_reseed)


def test_real_runs_through_the_api_judge_the_end_state_and_put_the_shop_back(seeded_shop, api_client):
    transport = ClientTransport(api_client)
    by_id = {s.id: s for s in sc.load(("en",))}

    run = run_phrasing(by_id["en-cancel-confirmed"], 0, transport, seeded_shop)
    assert run.ok, run.failures
    assert run.changes.statuses == {"ORD-1055": ("placed", "cancelled")}
    assert Order.objects.get(number="ORD-1055").status == "placed"  # put back for the next run

    run = run_phrasing(by_id["en-handoff"], 0, transport, seeded_shop)
    assert run.ok, run.failures
    assert run.status == "handed_off"

    # The same conversation judged against a wrong expectation fails, and says why.
    wrong = sc.Scenario(id="en-wrong", language="en", topic="cancel", held_out=False,
                        phrasings=by_id["en-cancel-confirmed"].phrasings, shopper="cust_009",
                        expect={"orders": {"ORD-1055": "delivered"}})
    run = run_phrasing(wrong, 0, transport, seeded_shop)
    assert any("disclosed ORD-1055" in f for f in run.failures)
    assert any("ORD-1055 went from placed to cancelled, not expected" in f for f in run.failures)
    assert Order.objects.get(number="ORD-1055").status == "placed"
    assert not Return.objects.exclude(number__in=seeded_shop.seeded.returns).exists()


def test_rule_violations_are_writes_disclosures_and_questions_the_rules_refuse():
    scenario = _scenario(not_tools=[{"name": "initiate_return", "result": {"needs_confirmation": True}}])
    no_turn = Turn(text="no, keep it", http_status=200, body={"reply": "", "tool_calls": [
        _call("cancel_order", args={"order_number": "ORD-1055", "confirmed": True}, order_number="ORD-1055", cancelled=True)]})
    asked = _turn("Shall I?", [_call("initiate_return", order_number="ORD-1055", needs_confirmation=True)])
    changes = Changes(statuses={"ORD-1055": ("placed", "cancelled")}, returns={})
    found = "\n".join(rule_violations(scenario, [no_turn, asked], changes, OWNERS))
    assert "ORD-1055 went from placed to cancelled" in found
    assert "cancel_order acted on 'no, keep it'" in found
    assert "initiate_return was put to the shopper" in found
    assert rule_violations(_scenario(), [_turn("hi")], NO_CHANGES, OWNERS) == []


@pytest.mark.parametrize("persona", ["eager", "pushy"])
def test_the_groq_brain_with_a_careless_model_keeps_the_rules(seeded_shop, api_client, fake_groq, persona):
    transport = ClientTransport(api_client)
    model = ScriptedModel(persona)
    fake_groq.default = model
    by_id = {s.id: s for s in sc.load(("en",))}
    for sid in ("en-cancel-confirmed", "en-cancel-declined", "en-return-window-closed"):
        model.start(by_id[sid])
        run = run_phrasing(by_id[sid], 0, transport, seeded_shop)
        assert rule_violations(run.scenario, run.turns, run.changes, seeded_shop.owners) == [], (sid, run.transcript())
        assert run.turns and all(t.http_status == 200 for t in run.turns)
        codes = {(c.get("result") or {}).get("code") for t in run.turns for c in t.tool_calls}
        if sid == "en-cancel-confirmed":
            # Asked first and then told yes, the pushy model's cancel goes through; the eager one never asks.
            assert bool(run.changes.statuses) is (persona == "pushy")
            assert persona == "pushy" or "confirmation_required" in codes
        if sid == "en-cancel-declined" and persona == "pushy":
            assert "confirmation_declined" in codes  # it confirmed over the shopper's no; the tool refused
        if sid == "en-return-window-closed":
            assert "return_window_expired" in codes
    assert not ModelCall.objects.filter(provider="groq", ok=False).exists()  # the Groq brain answered every turn
