"""The SCO's own mechanisms (issue 4), each switched on and off in a scenario whose answer is known.

Every test builds a small hand-made scenario in which the mechanism's effect is certain, asserts
that effect with the mechanism on and its absence with it off (same seed), so each test fails if
the mechanism is switched off or broken:

1. subset texts            2. side payments          3. major powers lead
4. package deals           5. great-power game       6. sense of community
7. accession               8. position uncertainty   9. validation of the new fields
10. both engines agree with every mechanism on.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from conftest import member, run_model

from sco_sim.analysis.summary import periods, summarize
from sco_sim.engine import final_status_quo, simulate
from sco_sim.inputs.config import build_config
from sco_sim.inputs.errors import InputError
from sco_sim.inputs.scenario import load_scenario, parse_scenario
from sco_sim.model.mechanisms import cheapest_compensation, choose_payer, shortfall, update_tolerance
from sco_sim.model.organisation import SCOModel
from sco_sim.model.rules import resolve

# --------------------------------------------------------------------------- helpers


def scenario(
    members,
    q,
    *,
    meetings=1,
    items=1,
    rule=None,
    agenda=None,
    negotiation=None,
    status_quo=None,
    **tables,
) -> dict:
    """A raw scenario dictionary (what a TOML file parses to)."""
    d = len(q) if q != "uniform" else len(members[0]["ideal"])
    raw = {
        "scenario": {"name": "mechanisms", "meetings": meetings},
        "space": {"dimensions": [f"d{k}" for k in range(d)]},
        "rule": {"type": "unanimity", **(rule or {})},
        "agenda": {"items_per_meeting": items, **(agenda or {})},
        "negotiation": {
            "drafting": "step",
            "max_rounds": 2,
            "concession": 0.5,
            "proposal_step": 0.5,
            "noise": 0.0,
            **(negotiation or {}),
        },
        "status_quo": {"position": q if q == "uniform" else list(q), **(status_quo or {})},
        "members": copy.deepcopy(members),
    }
    raw.update(copy.deepcopy(tables))
    return raw


def config_of(raw: dict, meetings: int | None = None):
    return build_config(parse_scenario(raw, "<mechanisms>"), meetings=meetings)


def with_(raw: dict, path: str, value) -> dict:
    """A copy of ``raw`` with the dotted ``path`` set to ``value`` (tables created as needed)."""
    out = copy.deepcopy(raw)
    node = out
    *parents, last = path.split(".")
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = value
    return out


def run(config, replications, seed):
    """Replications on the compiled engine (test_exactness holds it equal to the Mesa model)."""
    return simulate(config, replications, seed)


class Finished:
    """A finished Mesa replication: its status quo and ideal points, and its three tables."""

    def __init__(self, config, seed=0, replication=0):
        self.model, self.meetings, self.members, self.items = run_model(config, seed, replication)
        self.status_quo = self.model.status_quo
        self.ideal = self.model.ideal


def model_run(config, seed=0, replication=0) -> Finished:
    return Finished(config, seed, replication)


def items_of(model: Finished) -> pd.DataFrame:
    return model.items


def meetings_of(model: Finished) -> pd.DataFrame:
    return model.meetings


def members_of(model: Finished) -> pd.DataFrame:
    return model.members


# --------------------------------------------------------------------------- 1. subset texts

# A (the only major, so it tables every item) and B sit at 0, L at 1; the status quo at 0.5.
# Each step draft halves the status quo toward 0: A and B gain, L loses, so L objects alone.
# Amending toward L's ideal gives a text beyond the status quo, which A withdraws rather than table.
SUBSET = scenario(
    [member("A", [0.0], group="major"), member("B", [0.0]), member("L", [1.0])],
    q=(0.5,),
    meetings=4,
    items=2,
    agenda={"proposer": "major_powers"},
)
SUBSET_ITEMS = 4 * 2


def test_subset_text_adopts_over_a_lone_objector_and_moves_the_status_quo() -> None:
    model = model_run(config_of(with_(SUBSET, "rule.subset_texts", 1)))
    items = items_of(model)
    assert len(items) == SUBSET_ITEMS
    assert (items["outcome"] == "subset").all()
    assert (items["objectors"] == "L").all()
    assert items["adopted"].all()
    # the status quo moved with every subset text: 0.5 halved once per item
    assert model.status_quo[0] == pytest.approx(0.5 * 2.0**-SUBSET_ITEMS, abs=1e-15)
    meetings = meetings_of(model)
    assert (meetings["subset_texts"] == 2).all()
    assert (meetings["consensus"] == 0).all() and (meetings["deadlocked"] == 0).all()
    assert (meetings["adopted"] == 2).all()
    members = members_of(model)
    assert members.loc[members.member == "L", "sole_vetoes"].tolist() == [2] * 4
    assert members.loc[members.member == "L", "objections"].tolist() == [2] * 4
    assert (members.loc[members.member != "L", "objections"] == 0).all()


def test_subset_text_need_not_move_the_status_quo() -> None:
    raw = with_(with_(SUBSET, "rule.subset_texts", 1), "rule.subset_moves_status_quo", False)
    model = model_run(config_of(raw))
    items = items_of(model)
    assert (items["outcome"] == "subset").all()
    assert (items["objectors"] == "L").all()
    assert model.status_quo[0] == 0.5
    dist = members_of(model).query("member == 'A'")["distance_to_status_quo"]
    assert dist.tolist() == pytest.approx([0.5] * 4)


def test_without_subset_texts_a_lone_objector_blocks() -> None:
    model = model_run(config_of(with_(SUBSET, "rule.subset_texts", 0)))
    items = items_of(model)
    assert (items["outcome"] == "none").all()
    assert (items["objectors"] == "L").all()
    assert not items["adopted"].any()
    assert model.status_quo[0] == 0.5
    meetings = meetings_of(model)
    assert (meetings["deadlocked"] == 2).all() and (meetings["subset_texts"] == 0).all()


def test_subset_texts_start_at_the_given_meeting() -> None:
    raw = with_(with_(SUBSET, "rule.subset_texts", 1), "rule.subset_texts_from", 3)
    items = items_of(model_run(config_of(raw)))
    assert (items.loc[items.meeting < 3, "outcome"] == "none").all()
    assert (items.loc[items.meeting >= 3, "outcome"] == "subset").all()
    assert (items["objectors"] == "L").all()


def test_subset_rates_in_summary_switch_with_the_mechanism() -> None:
    on = summarize(run(config_of(with_(SUBSET, "rule.subset_texts", 1)), 2, 3))["metrics"]
    off = summarize(run(config_of(SUBSET), 2, 3))["metrics"]
    assert on["subset_rate"] == 1.0 and on["consensus_rate"] == 0.0 and on["deadlock_rate"] == 0.0
    assert (
        off["subset_rate"] == 0.0 and off["consensus_rate"] == 0.0 and off["deadlock_rate"] == 1.0
    )
    assert on["adoption_rate"] == 1.0 and off["adoption_rate"] == 0.0


def test_two_objectors_exceed_a_one_objector_subset_rule() -> None:
    two = scenario(
        [member("A", [0.0], group="major"), member("B", [1.0]), member("L", [1.0])],
        q=(0.5,),
        meetings=3,
        items=2,
        agenda={"proposer": "major_powers"},
    )
    one = items_of(model_run(config_of(with_(two, "rule.subset_texts", 1))))
    assert (one["outcome"] == "none").all()
    assert (one["objectors"] == "B;L").all()
    both = items_of(model_run(config_of(with_(two, "rule.subset_texts", 2))))
    assert (both["outcome"] == "subset").all()
    assert (both["objectors"] == "B;L").all()


def test_three_outcomes_add_up_to_the_items() -> None:
    raw = {
        "scenario": {"name": "mixed", "meetings": 8},
        "space": {"dimensions": ["x", "y"]},
        "rule": {"type": "unanimity", "subset_texts": 1},
        "agenda": {"items_per_meeting": 5, "proposer": "random"},
        "negotiation": {"max_rounds": 1},
        "status_quo": {"position": "uniform"},
        "generate": {"members": 4, "tolerance": 0.05},
    }
    res = run(config_of(raw), 4, 11)
    items, meetings = res.items, res.meetings
    counts = items["outcome"].value_counts()
    assert set(counts.index) == {"consensus", "subset", "none"}  # all three occur here
    assert counts.sum() == len(items) == 4 * 8 * 5
    m = meetings
    assert (m["consensus"] + m["subset_texts"] + m["deadlocked"] == m["items"]).all()
    assert (m["adopted"] == m["consensus"] + m["subset_texts"]).all()
    assert m["consensus"].sum() == counts["consensus"]
    assert m["subset_texts"].sum() == counts["subset"]
    assert m["deadlocked"].sum() == counts["none"]
    # a subset text always has between 1 and subset_texts objectors
    n_obj = items["objectors"].str.split(";").map(lambda xs: len([x for x in xs if x]))
    assert (n_obj[items["outcome"] == "subset"] == 1).all()
    metrics = summarize(res)["metrics"]
    assert metrics["consensus_rate"] + metrics["subset_rate"] + metrics[
        "deadlock_rate"
    ] == pytest.approx(1.0)


# --------------------------------------------------------------------------- 2. side payments

# A (major, the proposer) at 0, B at 0.4 with tolerance 0.01, the status quo fixed at 0.5.
# A's draft is 0.25: B loses d_B(p) - d_B(q) = 0.15 - 0.10 = 0.05, 0.04 more than its tolerance.
# A's budget per meeting is budget x its capability share (0.5).
SIDE = scenario(
    [member("A", [0.0], group="major"), member("B", [0.4], tolerance=0.01)],
    q=(0.5,),
    meetings=2,
    items=3,
    agenda={"proposer": "major_powers"},
    negotiation={"max_rounds": 0},
    status_quo={"fixed": True},
)
SIDE_NEED = (abs(0.25 - 0.4) - abs(0.5 - 0.4)) - 0.01  # d_B(p) - d_B(q) - tolerance_B


def test_side_payment_buys_a_small_shortfall() -> None:
    cfg = config_of(with_(SIDE, "side_payments", {"enabled": True, "budget": 0.2}))
    model = model_run(cfg)
    items = items_of(model)
    # A has 0.2 * 0.5 = 0.1 per meeting: it buys two items at 0.04 each, not the third.
    assert items["outcome"].tolist() == ["consensus", "consensus", "none"] * 2
    assert items["payer"].tolist() == ["A", "A", ""] * 2
    paid = items["side_payment"].to_numpy()
    np.testing.assert_allclose(paid, [SIDE_NEED, SIDE_NEED, 0.0] * 2, rtol=1e-12, atol=1e-15)
    assert SIDE_NEED == pytest.approx(0.04)
    assert (items.loc[items.payer == "A", "objectors"] == "B").all()  # B objected and was paid
    meetings = meetings_of(model)
    assert meetings["side_payments"].tolist() == [2, 2]  # the budget is renewed every meeting
    np.testing.assert_allclose(meetings["side_payment_total"], [2 * SIDE_NEED] * 2, rtol=1e-12)
    assert meetings["consensus"].tolist() == [2, 2]


def test_side_payment_capped_by_budget() -> None:
    # 0.06 * 0.5 = 0.03 per meeting, short of the 0.04 needed: nobody is paid.
    model = model_run(config_of(with_(SIDE, "side_payments", {"enabled": True, "budget": 0.06})))
    items = items_of(model)
    assert (items["outcome"] == "none").all()
    assert (items["payer"] == "").all() and (items["side_payment"] == 0.0).all()
    assert (meetings_of(model)["side_payments"] == 0).all()


def test_side_payments_disabled_pay_nothing() -> None:
    model = model_run(config_of(with_(SIDE, "side_payments", {"enabled": False, "budget": 0.2})))
    items = items_of(model)
    assert (items["outcome"] == "none").all()
    assert (items["payer"] == "").all() and (items["side_payment"] == 0.0).all()
    meetings = meetings_of(model)
    assert (meetings["side_payments"] == 0).all() and (meetings["side_payment_total"] == 0.0).all()


def test_side_payment_rate_in_summary() -> None:
    on = summarize(
        run(config_of(with_(SIDE, "side_payments", {"enabled": True, "budget": 0.2})), 2, 0)
    )
    off = summarize(run(config_of(SIDE), 2, 0))
    assert on["metrics"]["side_payment_rate"] == pytest.approx(2 / 3)
    assert on["metrics"]["consensus_rate"] == pytest.approx(2 / 3)
    assert off["metrics"]["side_payment_rate"] == 0.0
    assert off["metrics"]["consensus_rate"] == 0.0


def test_shortfall_is_the_missing_utility() -> None:
    dp = np.array([0.15, 0.1, 0.3, 0.2])
    dq = np.array([0.1, 0.2, 0.1, 0.1])
    margin = np.array(
        [0.01, 0.0, np.inf, -0.05]
    )  # absent (inf) needs nothing; a rival needs a gain
    got = [shortfall(a, b, c) for a, b, c in zip(dp, dq, margin)]
    np.testing.assert_allclose(got, [0.04, 0.0, 0.0, 0.15])


UNANIMITY, MAJORITY = resolve("unanimity").code, resolve("majority").code
NO_THRESHOLD = np.nan


def compensate(accept, need, rule, weight, threshold):
    """:func:`cheapest_compensation` with scratch that starts all True: what it held must not matter."""
    return cheapest_compensation(np.asarray(accept), np.asarray(need), rule, weight, threshold,
                                 np.ones(len(accept), dtype=np.bool_))


def test_cheapest_compensation_under_unanimity_pays_every_objector() -> None:
    accept = np.array([True, False, False, True])
    need = np.array([0.0, 0.3, 0.1, 0.0])
    cost, feasible = compensate(accept, need, UNANIMITY, np.ones(4), NO_THRESHOLD)
    assert float(cost) == pytest.approx(0.3 + 0.1)  # both objectors
    assert bool(feasible)


def test_cheapest_compensation_under_majority_pays_only_the_cheapest_needed() -> None:
    w = np.ones(5)
    accept = np.array([True, True, False, False, False])
    need = np.array([0.0, 0.0, 0.3, 0.1, 0.2])
    cost, feasible = compensate(accept, need, MAJORITY, w, NO_THRESHOLD)
    assert float(cost) == pytest.approx(0.1) and bool(feasible)  # one more yes, the cheapest: 3 of 5
    # two short: the two cheapest
    accept2 = np.array([True, False, False, False, False])
    cost2, _ = compensate(
        accept2, np.array([0.0, 0.5, 0.3, 0.1, 0.2]), MAJORITY, w, NO_THRESHOLD
    )
    assert float(cost2) == pytest.approx(0.1 + 0.2)
    # a weighted rule: the cheapest objectors are bought until the weight suffices; 0.1 (weight
    # 0.5) brings 2.5 of 8, not enough, then 0.2 (weight 5) brings 7.5 of 8
    cost3, _ = compensate(
        accept, np.array([0.0, 0.0, 0.2, 0.1, 0.3]), MAJORITY, np.array([1.0, 1.0, 5.0, 0.5, 0.5]),
        NO_THRESHOLD,
    )
    assert float(cost3) == pytest.approx(0.1 + 0.2)


def test_cheapest_compensation_edge_cases_and_batches() -> None:
    # already passing: nobody is paid
    cost, feasible = compensate(
        np.array([True, True, False]), np.array([0.0, 0.0, 0.5]), MAJORITY, np.ones(3), NO_THRESHOLD
    )
    assert float(cost) == 0.0 and bool(feasible)
    # a zero-weight objector is never needed: already passing, nothing to pay
    cost, feasible = compensate(
        np.array([True, False]), np.array([0.0, 0.1]), MAJORITY, np.array([1.0, 0.0]), 1.0
    )
    assert float(cost) == 0.0 and bool(feasible)
    # each item its own answer
    for accept, need, expected in (([True, False, False], [0.0, 0.2, 0.1], 0.3),
                                   ([True, True, False], [0.0, 0.0, 0.4], 0.4)):
        cost, feasible = compensate(np.array(accept), np.array(need), UNANIMITY, np.ones(3),
                                               NO_THRESHOLD)
        assert float(cost) == pytest.approx(expected) and bool(feasible)


def test_choose_payer() -> None:
    cost = 0.1
    eligible = np.array([True, True, False])  # two majors and a minor
    yes = np.array([True, True, True])
    # the proposer pays first if it can, even when another major is richer
    assert int(choose_payer(cost, np.array([0.5, 0.3, 0.0]), yes, eligible, 1)) == 1
    # a proposer that cannot afford it: the richest willing major
    assert int(choose_payer(cost, np.array([0.5, 0.05, 0.0]), yes, eligible, 1)) == 0
    # a minor proposer never pays; an objecting major is not willing
    assert (
        int(
            choose_payer(
                cost,
                np.array([0.5, 0.3, 9.0]),
                np.array([False, True, True]),
                eligible,
                2,
            )
        )
        == 1
    )
    # nobody able: -1
    assert int(choose_payer(cost, np.array([0.05, 0.05, 9.0]), yes, eligible, 0)) == -1
    assert (
        int(choose_payer(cost, np.array([0.5, 0.3, 9.0]), yes, np.zeros(3, bool), 0))
        == -1
    )
    # ties among the richest go to the first in file order
    assert int(choose_payer(cost, np.array([0.4, 0.4, 0.0]), yes, eligible, 2)) == 0
    # a budget exactly equal to the cost suffices
    assert int(choose_payer(cost, np.array([0.0, 0.1, 0.0]), yes, eligible, 0)) == 1


def test_richest_willing_major_pays_for_a_minor_proposer() -> None:
    # C, a minor, chairs the only meeting and drafts; D objects; two majors could pay.
    raw = scenario(
        [
            member("A", [0.0], group="major", capability=2.0),
            member("B", [0.0], group="major"),
            member("C", [0.0]),
            member("D", [0.4], tolerance=0.01),
        ],
        q=(0.5,),
        meetings=1,
        items=2,
        agenda={"proposer": "rotating_chair", "first_chair": "C"},
        negotiation={"max_rounds": 0},
        status_quo={"fixed": True},
        side_payments={"enabled": True, "budget": 0.4},
    )
    items = items_of(model_run(config_of(raw)))
    assert (items["proposer"] == "C").all()
    # A's budget 0.4 * 0.4 = 0.16, B's 0.08: A (richest) pays the 0.04, then still richest
    assert items["payer"].tolist() == ["A", "A"]
    assert items["outcome"].tolist() == ["consensus", "consensus"]
    np.testing.assert_allclose(items["side_payment"], [SIDE_NEED] * 2, rtol=1e-12)


# --------------------------------------------------------------------------- 3. major powers lead

MAJORS = {"A", "B"}
LEAD = scenario(
    [
        member("A", [0.2], group="major", capability=3.0),
        member("B", [0.4], group="major"),
        member("C", [0.5]),
        member("D", [0.6]),
        member("E", [0.8]),
    ],
    q=(0.5,),
    meetings=10,
    items=5,
    agenda={"proposer": "rotating_chair"},
    status_quo={"fixed": True},
    negotiation={"max_rounds": 0},
)
NAMES = ["A", "B", "C", "D", "E"]  # alphabetical = the chair's order, A chairs first


def _chair(meeting: int) -> str:
    return NAMES[(meeting - 1) % len(NAMES)]


def test_major_agenda_share_one_gives_every_item_to_a_major() -> None:
    items = run(config_of(with_(LEAD, "agenda.major_agenda_share", 1.0)), 4, 5).items
    assert set(items["proposer"]) <= MAJORS
    assert set(items["proposer"]) == MAJORS  # both majors table something
    # also over a random proposer rule
    raw = with_(with_(LEAD, "agenda.major_agenda_share", 1.0), "agenda.proposer", "random")
    assert set(run(config_of(raw), 2, 5).items["proposer"]) <= MAJORS


def test_major_agenda_share_zero_leaves_the_chair_to_draft() -> None:
    items = run(config_of(with_(LEAD, "agenda.major_agenda_share", 0.0)), 4, 5).items
    assert (items["proposer"] == items["meeting"].map(_chair)).all()
    assert set(items["proposer"]) == set(NAMES)  # minors table items too


def test_major_agenda_share_half_gives_about_half_to_majors() -> None:
    items = run(config_of(with_(LEAD, "agenda.major_agenda_share", 0.5)), 20, 5).items
    chair = items["meeting"].map(_chair)
    by_major = items["proposer"].isin(MAJORS)
    # every item is tabled by the chair or by a major power
    assert ((items["proposer"] == chair) | by_major).all()
    # in meetings a minor chairs, the share tabled by majors is Binomial(n, 0.5)
    minor_chair = ~chair.isin(MAJORS)
    n = int(minor_chair.sum())
    k = int(by_major[minor_chair].sum())
    assert n == 20 * 10 * 5 * 3 // 5
    assert abs(k - n / 2) <= 4 * np.sqrt(n * 0.25)
    # a major is drawn by capability: A (3) about three times as often as B (1)
    share_a = float((items.loc[minor_chair & by_major, "proposer"] == "A").mean())
    assert abs(share_a - 0.75) <= 4 * np.sqrt(0.75 * 0.25 / k)


# --------------------------------------------------------------------------- 4. package deals

# A cares about d0 (ideal 1), B about d1 (ideal 1); the status quo, fixed at (0, 0), is B's ideal on
# d0 and A's on d1. The compromise draft on either dimension alone moves toward the one who cares,
# so the other member loses and objects (its ideal there is the status quo: no amendment helps).
# The two-issue package gives each a large gain on its salient dimension for a small loss on the
# other, and both accept.
PACKAGE = scenario(
    [member("A", [1.0, 0.0], salience=[1.0, 0.1]), member("B", [0.0, 1.0], salience=[0.1, 1.0])],
    q=(0.0, 0.0),
    meetings=5,
    items=4,
    agenda={"proposer": "random", "package_size": 2},
    negotiation={"drafting": "compromise"},
    status_quo={"fixed": True},
)


def test_package_deal_passes_where_single_issues_fail() -> None:
    items = run(config_of(with_(PACKAGE, "agenda.package_probability", 1.0)), 2, 9).items
    assert (items["issue_area"] == "d0+d1").all()
    assert (items["outcome"] == "consensus").all()


def test_without_packages_nothing_passes() -> None:
    items = run(config_of(with_(PACKAGE, "agenda.package_probability", 0.0)), 2, 9).items
    assert items["issue_area"].isin(["d0", "d1"]).all()
    assert set(items["issue_area"]) == {"d0", "d1"}
    assert (items["outcome"] == "none").all()
    # the member at the status quo on the item's dimension is the objector
    assert (items.loc[items.issue_area == "d0", "objectors"] == "B").all()
    assert (items.loc[items.issue_area == "d1", "objectors"] == "A").all()


def test_half_packages_pass_exactly_the_packages() -> None:
    items = run(config_of(with_(PACKAGE, "agenda.package_probability", 0.5)), 4, 9).items
    is_package = items["issue_area"].str.contains(r"\+")
    assert is_package.any() and (~is_package).any()
    assert ((items["outcome"] == "consensus") == is_package).all()


# --------------------------------------------------------------------------- 5. great-power game

GAME = scenario(
    [
        member("A", [0.2, 0.5]),
        member("B", [0.8, 0.5]),
        member("C", [0.5, 0.5]),
        member("D", [0.4, 0.4]),
        member("E", [0.5, 0.1]),
    ],
    q=(0.5, 0.5),
    meetings=10,
    items=1,
    agenda={"proposer": "random"},
    pressure=[
        {"member": "A", "drift": [0.01, -0.02]},
        {"member": "B", "drift": [0.1, 0.0]},  # hits the bound at meeting 2
        {"member": "C", "shocks": [{"meeting": 4, "shift": [0.1, 0.1]}]},
        {"member": "D", "drift": [0.05, 0.0], "start": 3, "end": 5},
    ],
)


def test_pressure_moves_named_ideals_meeting_by_meeting() -> None:
    cfg = config_of(GAME)
    model = SCOModel(cfg, seed=1)
    try:
        np.testing.assert_array_equal(model.ideal, cfg.ideal)  # nothing before the first meeting
        for k in range(1, 11):
            model.step()
            x = model.ideal
            np.testing.assert_allclose(x[0], [0.2 + 0.01 * k, 0.5 - 0.02 * k], atol=1e-12)
            np.testing.assert_allclose(x[1], [min(0.8 + 0.1 * k, 1.0), 0.5], atol=1e-12)
            np.testing.assert_allclose(x[2], [0.5, 0.5] if k < 4 else [0.6, 0.6], atol=1e-12)
            drifted = max(0, min(k, 5) - 3 + 1)
            np.testing.assert_allclose(x[3], [0.4 + 0.05 * drifted, 0.4], atol=1e-12)
            np.testing.assert_array_equal(x[4], [0.5, 0.1])  # unnamed: unchanged
            assert np.all((x >= 0.0) & (x <= 1.0))
    finally:
        model.finish()
    assert model.ideal[1, 0] == 1.0  # clipped to the bound, exactly


def test_without_pressure_ideals_stay_put() -> None:
    raw = copy.deepcopy(GAME)
    del raw["pressure"]
    cfg = config_of(raw)
    assert cfg.pressure == ()
    model = model_run(cfg, seed=1)
    np.testing.assert_array_equal(model.ideal, cfg.ideal)


def test_pressure_shows_in_distances_to_a_fixed_status_quo() -> None:
    raw = with_(GAME, "status_quo.fixed", True)
    members = members_of(model_run(config_of(raw), seed=1))
    e = members.query("member == 'E'")["distance_to_status_quo"].to_numpy()
    assert np.all(e == e[0])
    c = members.query("member == 'C'")["distance_to_status_quo"].to_numpy()
    np.testing.assert_allclose(c[:3], 0.0, atol=1e-12)
    np.testing.assert_allclose(c[3:], np.hypot(0.1, 0.1), atol=1e-12)


def test_pressure_over_a_longer_run_keeps_drifting() -> None:
    # A run longer than the file's meetings: an open-ended drift continues to the end.
    cfg = config_of(GAME, meetings=12)
    model = model_run(cfg, seed=1)
    np.testing.assert_allclose(model.ideal[0], [0.2 + 0.12, 0.5 - 0.24], atol=1e-12)


# --------------------------------------------------------------------------- 6. sense of community

# Everyone at 0, the status quo fixed at 1: every draft (0.5) is adopted by consensus. L joins at 3.
COMMUNITY = scenario(
    [
        member("A", [0.0], group="major"),
        member("B", [0.0]),
        member("L", [0.0], tolerance=0.02, joins=3),
    ],
    q=(1.0,),
    meetings=6,
    items=3,
    agenda={"proposer": "random"},
    status_quo={"fixed": True},
)


def tolerance_path(model: Finished, name: str) -> list[float]:
    return members_of(model).query("member == @name")["tolerance"].tolist()


def test_community_grows_with_consensus_up_to_the_cap() -> None:
    raw = with_(COMMUNITY, "community", {"growth": 0.01, "max_tolerance": 0.1})
    model = model_run(config_of(raw))
    assert (items_of(model)["outcome"] == "consensus").all()
    # +0.01 per consensus item, 3 items a meeting, capped at 0.1
    expected_a = [min(0.03 * k, 0.1) for k in range(1, 7)]
    assert tolerance_path(model, "A") == pytest.approx(expected_a, abs=1e-12)
    assert tolerance_path(model, "B") == pytest.approx(expected_a, abs=1e-12)
    # L is absent at meetings 1-2: unchanged; then grows from its own 0.02
    expected_l = [0.02, 0.02] + [min(0.02 + 0.03 * (k - 2), 0.1) for k in range(3, 7)]
    assert tolerance_path(model, "L") == pytest.approx(expected_l, abs=1e-12)
    assert max(members_of(model)["tolerance"]) <= 0.1


def test_community_without_a_cap_keeps_growing() -> None:
    model = model_run(config_of(with_(COMMUNITY, "community", {"growth": 0.01})))
    assert tolerance_path(model, "A") == pytest.approx([0.03 * k for k in range(1, 7)], abs=1e-12)


def test_community_cap_below_a_starting_tolerance_does_not_cut_it() -> None:
    # Growth stops at max_tolerance, or at a member's starting tolerance if that is higher.
    raw = copy.deepcopy(COMMUNITY)
    raw["members"][1]["tolerance"] = 0.2
    raw["community"] = {"growth": 0.01, "max_tolerance": 0.1}
    model = model_run(config_of(raw))
    assert tolerance_path(model, "B") == pytest.approx([0.2] * 6)
    assert tolerance_path(model, "A") == pytest.approx([min(0.03 * k, 0.1) for k in range(1, 7)])


# three on a line with the status quo at the median: every item ends with no text.
DEADLOCK = scenario(
    [
        member("A", [0.2], group="major", tolerance=0.05),
        member("B", [0.5], tolerance=0.05),
        member("C", [0.8], tolerance=0.05),
    ],
    q=(0.5,),
    meetings=8,
    items=4,
    agenda={"proposer": "random"},
)


def test_community_decays_with_deadlock_but_never_below_zero() -> None:
    model = model_run(config_of(with_(DEADLOCK, "community", {"decay": 0.004})))
    assert (items_of(model)["outcome"] == "none").all()
    expected = [max(0.05 - 0.016 * k, 0.0) for k in range(1, 9)]
    for name in "ABC":
        path = tolerance_path(model, name)
        assert path == pytest.approx(expected, abs=1e-12)
        assert min(path) >= 0.0
    assert tolerance_path(model, "A")[-1] == 0.0


def test_subset_texts_neither_grow_nor_erode_the_community() -> None:
    raw = with_(with_(SUBSET, "rule.subset_texts", 1), "community", {"growth": 0.01, "decay": 0.01})
    model = model_run(config_of(raw))
    assert (items_of(model)["outcome"] == "subset").all()
    assert (members_of(model)["tolerance"] == 0.0).all()


@pytest.mark.parametrize("base", ["COMMUNITY", "DEADLOCK"])
def test_no_growth_no_decay_keeps_tolerance_constant(base) -> None:
    raw = with_(globals()[base], "community", {"growth": 0.0, "decay": 0.0, "max_tolerance": 0.5})
    cfg = config_of(raw)
    assert not cfg.dynamic_tolerance
    model = model_run(cfg)
    members = members_of(model)
    start = dict(zip(cfg.names, cfg.tolerance))
    assert (members["tolerance"] == members["member"].map(start)).all()


def test_update_tolerance_unit() -> None:
    t = [0.05, 0.0]
    up = [update_tolerance(x, True, False, 0.1, 0.2, 0.1) for x in t]
    np.testing.assert_allclose(up, [0.1, 0.1])  # capped
    down = [update_tolerance(x, False, True, 0.1, 0.02, 0.1) for x in t]
    np.testing.assert_allclose(down, [0.03, 0.0])  # floored at 0
    same = [update_tolerance(x, False, False, 0.1, 0.2, 0.1) for x in t]
    np.testing.assert_array_equal(same, t)  # a subset text changes nothing
    # an absent member is not updated (the agents skip it, and the engine does the same)
    config = config_of(scenario([member("A", [0.0], group="major"), member("L", [1.0], joins=3, tolerance=0.04)],
                                q=(0.5,), meetings=3, community={"growth": 0.01}))
    tol = run(config, 1, 0).members.query("member == 'L'")["tolerance"].tolist()
    assert tol[:2] == [0.04, 0.04]


# --------------------------------------------------------------------------- 7. accession

# A and B at 0, L at 1 joins at meeting 4; the status quo starts at 0.5 and halves with each text.
# Before L joins every item passes; from meeting 4 on L objects to every move toward 0 and A and B
# to every move toward 1, so under unanimity every item deadlocks.
ACCESSION = scenario(
    [member("A", [0.0], group="major"), member("B", [0.0]), member("L", [1.0], joins=4)],
    q=(0.5,),
    meetings=8,
    items=2,
    agenda={"proposer": "random"},
)


def test_late_joiner_is_absent_before_it_joins() -> None:
    res = run(config_of(ACCESSION), 3, 2)
    members, items, meetings = res.members, res.items, res.meetings
    late = members[members.member == "L"]
    assert (late["present"] == (late["meeting"] >= 4)).all()
    assert (late.loc[late.meeting < 4, "objections"] == 0).all()
    after = items[(items.meeting >= 4) & (items.proposer != "L")]
    assert len(after) > 0 and (after["objectors"] == "L").all()  # L objects to every other draft
    assert (items.loc[(items.meeting >= 4) & (items.proposer == "L"), "objectors"] == "A;B").all()
    assert late.loc[late.meeting >= 4, "objections"].sum() == len(after)
    assert (members.loc[members.member != "L", "present"]).all()
    assert not (items.loc[items.meeting < 4, "proposer"] == "L").any()
    assert (items.loc[items.meeting >= 4, "proposer"] == "L").any()
    assert not items.loc[items.meeting < 4, "objectors"].str.contains("L").any()
    assert (meetings["members_present"] == np.where(meetings["meeting"] >= 4, 3, 2)).all()
    # deadlocks appear exactly from meeting 4
    assert (meetings.loc[meetings.meeting < 4, "deadlocked"] == 0).all()
    assert (meetings.loc[meetings.meeting < 4, "consensus"] == 2).all()
    assert (meetings.loc[meetings.meeting >= 4, "deadlocked"] == 2).all()


def test_late_joiner_never_chairs_before_it_joins() -> None:
    raw = with_(ACCESSION, "agenda.proposer", "rotating_chair")
    items = run(config_of(raw), 1, 2).items
    chairs = items.groupby("meeting")["proposer"].agg(lambda s: set(s))
    assert all(len(c) == 1 for c in chairs)  # the chair drafts every item of its meeting
    chairs = chairs.map(lambda s: next(iter(s)))
    assert "L" not in set(chairs[chairs.index < 4])
    assert "L" in set(chairs[chairs.index >= 4])


def test_periods_split_at_the_accession() -> None:
    res = run(config_of(ACCESSION), 3, 2)
    p = periods(res)
    assert [(x["first_meeting"], x["last_meeting"]) for x in p] == [(1, 3), (4, 8)]
    assert [x["joined"] for x in p] == [[], ["L"]]
    assert [x["members_present"] for x in p] == [2, 3]
    assert p[0]["deadlock_rate"] == 0.0 and p[0]["consensus_rate"] == 1.0
    assert p[1]["deadlock_rate"] == 1.0 and p[1]["consensus_rate"] == 0.0
    assert summarize(res)["periods"] == p


def test_founding_member_deadlocks_from_the_start() -> None:
    raw = copy.deepcopy(ACCESSION)
    raw["members"][2]["joins"] = 1
    res = run(config_of(raw), 3, 2)
    assert (res.meetings["deadlocked"] == 2).all()
    assert (res.meetings["members_present"] == 3).all()
    assert res.members["present"].all()
    assert periods(res) == []


# ----------------------------------------------------------------------- 8. position uncertainty

UNCERTAIN = scenario(
    [
        member("A", [0.5, 0.3], ideal_sd=0.05),
        member("B", [0.0, 1.0], ideal_sd=[0.1, 0.0]),
        member("C", [0.7, 0.7]),
    ],
    q=(0.5, 0.5),
)
REPS = 400


def ideals(cfg, reps=REPS, seed=7) -> np.ndarray:
    out = []
    for k in range(reps):
        model = SCOModel(cfg, seed=seed, replication=k)
        out.append(model.ideal.copy())
        model.finish()
    return np.array(out)


def test_position_uncertainty_draws_ideals_per_replication() -> None:
    cfg = config_of(UNCERTAIN)
    x = ideals(cfg)
    a = x[:, 0]
    assert len(np.unique(a[:, 0])) == REPS  # a different point every replication
    np.testing.assert_allclose(a.mean(axis=0), [0.5, 0.3], atol=4 * 0.05 / np.sqrt(REPS))
    np.testing.assert_allclose(a.std(axis=0, ddof=1), [0.05, 0.05], rtol=0.15)
    # clipped to the space: B sits on the lower bound of d0, about half its draws land on it
    b = x[:, 1]
    assert np.all((x >= 0.0) & (x <= 1.0))
    assert 0.35 * REPS <= int((b[:, 0] == 0.0).sum()) <= 0.65 * REPS
    assert np.all(b[:, 1] == 1.0)  # sd 0 on d1
    np.testing.assert_array_equal(x[:, 2], np.tile([0.7, 0.7], (REPS, 1)))  # no uncertainty
    # the same replication draws the same point again
    np.testing.assert_array_equal(ideals(cfg, reps=3), x[:3])


def test_no_uncertainty_keeps_the_files_ideals() -> None:
    raw = copy.deepcopy(UNCERTAIN)
    for m in raw["members"]:
        m["ideal_sd"] = 0.0
    cfg = config_of(raw)
    assert cfg.ideal_sd is None
    x = ideals(cfg, reps=20)
    np.testing.assert_array_equal(x, np.tile(cfg.ideal, (20, 1, 1)))


def test_uncertainty_changes_outcomes_across_replications() -> None:
    # Three close together on a line, the status quo at B's ideal: fixed positions deadlock in
    # every replication; with uncertain positions the status quo is often outside their range.
    raw = scenario(
        [member("A", [0.4]), member("B", [0.5]), member("C", [0.6])],
        q=(0.5,),
        meetings=4,
        items=4,
        agenda={"proposer": "random"},
    )
    fixed = run(config_of(raw), 30, 4).meetings
    assert fixed["adopted"].sum() == 0
    for m in raw["members"]:
        m["ideal_sd"] = 0.2
    uncertain = run(config_of(raw), 30, 4).meetings
    assert uncertain["adopted"].sum() > 0


# --------------------------------------------------------------------------- 9. validation


def _edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


BAD_FILES = {
    "rule.subset_texts": lambda t: _edit(
        t, 'type = "unanimity"', 'type = "unanimity"\nsubset_texts = 3'
    ),
    "members.C.joins": lambda t: t + "joins = 11\n",
    "pressure[0].drift": lambda t: t + '\n[[pressure]]\nmember = "A"\ndrift = [0.1, 0.2]\n',
    "side_payments.budget": lambda t: t + "\n[side_payments]\nenabled = true\nbudget = -1.0\n",
    "pressure[0].member": lambda t: t + '\n[[pressure]]\nmember = "Z"\ndrift = [0.1]\n',
    "pressure[0].shocks[0].meeting": lambda t: (
        t + '\n[[pressure]]\nmember = "A"\nshocks = [{meeting = 11, shift = [0.1]}]\n'
    ),
    "agenda.major_agenda_share": lambda t: _edit(
        _edit(t, 'group = "major"', 'group = "minor"'),
        'proposer = "random"',
        'proposer = "random"\nmajor_agenda_share = 0.5',
    ),
}

GOOD_FILES = {  # the same fields at their largest valid values
    "rule.subset_texts": lambda t: _edit(
        t, 'type = "unanimity"', 'type = "unanimity"\nsubset_texts = 2'
    ),
    "members.C.joins": lambda t: t + "joins = 10\n",
    "pressure[0].drift": lambda t: t + '\n[[pressure]]\nmember = "A"\ndrift = [0.1]\n',
    "side_payments.budget": lambda t: t + "\n[side_payments]\nenabled = true\nbudget = 0.0\n",
    "pressure[0].member": lambda t: t + '\n[[pressure]]\nmember = "C"\ndrift = [0.1]\n',
    "pressure[0].shocks[0].meeting": lambda t: (
        t + '\n[[pressure]]\nmember = "A"\nshocks = [{meeting = 10, shift = [0.1]}]\n'
    ),
    "agenda.major_agenda_share": lambda t: _edit(
        t, 'proposer = "random"', 'proposer = "random"\nmajor_agenda_share = 0.5'
    ),
}


@pytest.mark.parametrize("field", sorted(BAD_FILES))
def test_bad_new_field_is_a_one_line_error_naming_it(field, write, three_text) -> None:
    path = write(BAD_FILES[field](three_text))
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    err = exc.value
    assert [p.field for p in err.problems] == [field]
    line = err.one_line()
    assert "\n" not in line
    assert line.startswith(f"{path}: {field}: ")


@pytest.mark.parametrize("field", sorted(GOOD_FILES))
def test_boundary_values_of_new_fields_are_accepted(field, write, three_text) -> None:
    build_config(load_scenario(write(GOOD_FILES[field](three_text))))


def test_dict_scenarios_are_checked_the_same_way() -> None:
    raw = with_(SUBSET, "rule.subset_texts", 3)
    with pytest.raises(InputError) as exc:
        parse_scenario(raw, "<dict>")
    assert [p.field for p in exc.value.problems] == ["rule.subset_texts"]


# --------------------------------------------------------------------------- 10. both engines


def everything(drafting: str) -> dict:
    return scenario(
        [
            member("A", [0.1, 0.8], group="major", capability=3.0, salience=[1.0, 0.5]),
            member("B", [0.7, 0.2], group="major", capability=2.0, tolerance=0.02),
            member("C", [0.5, 0.5], ideal_sd=0.1, tolerance=0.05),
            member("D", [0.9, 0.6], salience=[0.3, 1.0], joins=3),
            member("E", [0.3, 0.1], ideal_sd=[0.05, 0.0], joins=5),
        ],
        q=(0.6, 0.4),
        meetings=7,
        items=4,
        rule={"subset_texts": 1},
        agenda={
            "proposer": "rotating_chair",
            "major_agenda_share": 0.4,
            "package_probability": 0.5,
            "deadlocked": "carry_over",
        },
        negotiation={
            "drafting": drafting,
            "max_rounds": 2,
            "noise": 0.05 if drafting == "step" else 0.0,
        },
        status_quo={"drift": 0.03},
        side_payments={"enabled": True, "budget": 0.4},
        community={"growth": 0.01, "decay": 0.005, "max_tolerance": 0.15},
        pressure=[
            {"member": "A", "drift": [0.02, -0.01], "end": 5},
            {"member": "D", "shocks": [{"meeting": 4, "shift": [-0.3, 0.0]}]},
        ],
    )


@pytest.mark.parametrize("drafting", ["step", "compromise"])
def test_both_engines_agree_with_every_mechanism_on(drafting) -> None:
    cfg = config_of(everything(drafting))
    reps, seed = 16, 13
    ref = simulate(cfg, reps, seed, engine="mesa")
    fast = simulate(cfg, reps, seed)
    for table in ("meetings", "members", "items"):
        pd.testing.assert_frame_equal(getattr(ref, table), getattr(fast, table), check_exact=True)
    np.testing.assert_array_equal(final_status_quo(cfg, seed, reps), final_status_quo(cfg, seed, reps, "mesa"))
    # the mechanisms were exercised, so agreement is not vacuous
    m, it, mem = ref.meetings, ref.items, ref.members
    assert m["side_payments"].sum() > 0
    if drafting == "step":
        # (the compromise text is the same point for an issue area until membership or pressure
        # changes, so its items end mostly as null drafts: about one subset text in 20
        # replications; test_exactness covers subset texts under compromise drafting)
        assert m["subset_texts"].sum() > 0
    assert m["consensus"].sum() > 0 and m["deadlocked"].sum() > 0
    assert set(m["members_present"]) == {3, 4, 5}
    assert it["issue_area"].str.contains(r"\+").any()
    assert mem["tolerance"].nunique() > 3
    assert m["carried_in"].sum() > 0


def test_both_engines_agree_with_setter_drafting_and_every_mechanism() -> None:
    cfg = config_of(everything("setter"), meetings=4)
    ref = simulate(cfg, 3, 5, engine="mesa")
    fast = simulate(cfg, 3, 5)
    for table in ("meetings", "members", "items"):
        pd.testing.assert_frame_equal(getattr(ref, table), getattr(fast, table), check_exact=True)


# --------------------------------------------------------------------------- known bugs
# Every present major (or every present member) with zero capability leaves an all-zero cumulative
# weight; agenda.pick_index then returns the *last* member, whoever it is. The docs (MODEL.md 7.4,
# 7.12, 7.16) say absent members and zero-weight members are never chosen. Either validation
# should reject such a file or the draw should stay among the eligible members: both pass here.


def test_major_agenda_share_never_gives_an_item_to_an_absent_member() -> None:
    raw = scenario(
        [
            member("A", [0.0], group="major", capability=0.0),
            member("B", [1.0]),
            member("C", [0.5], group="major", capability=1.0, joins=3),
        ],
        q=(0.5,),
        meetings=4,
        items=2,
        agenda={"proposer": "random", "major_agenda_share": 1.0},
    )
    try:
        cfg = config_of(raw)
    except InputError:
        return  # rejecting the file is a fix too
    items = run(cfg, 2, 0).items
    early = items[items.meeting < 3]
    assert (early["proposer"] == "A").all()  # the only major present


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the budgets bug below
def test_capability_weighted_never_picks_a_member_before_it_joins() -> None:
    raw = scenario(
        [member("A", [0.0], capability=0.0), member("B", [1.0], capability=1.0, joins=3)],
        q=(0.5,),
        meetings=4,
        items=2,
        agenda={"proposer": "capability_weighted"},
    )
    try:
        cfg = config_of(raw)
    except InputError:
        return
    items = run(cfg, 2, 0).items
    assert not (items.loc[items.meeting < 3, "proposer"] == "B").any()


def test_zero_present_capability_runs_without_numeric_warnings() -> None:
    import warnings

    raw = scenario(
        [
            member("A", [0.0], group="major", capability=0.0),
            member("B", [1.0], capability=1.0, joins=3),
        ],
        q=(0.5,),
        meetings=4,
        items=1,
        agenda={"proposer": "random"},
    )
    try:
        cfg = config_of(raw)
    except InputError:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model_run(cfg)
