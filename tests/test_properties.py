"""Invariants for every scenario: monotonicity of unanimity, reproducibility, table sanity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, SIX_RANDOM
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import valid_scenarios

from sco_sim.analysis.winset import exact_share_1d
from sco_sim.engine import simulate
from sco_sim.engine.results import mesa_frames
from sco_sim.inputs.config import build_config
from sco_sim.inputs.scenario import load_scenario, parse_scenario
from sco_sim.model.geometry import accepts_points
from sco_sim.model.organisation import SCOModel
from sco_sim.model.rules import RULES, unanimity, voting_weights

TEACHING = sorted((SCENARIOS / "teaching").glob("*.toml"))
TABLES = ("meetings", "members", "items")


def run(config, replications, seed, engine="compiled"):
    return simulate(config, replications, seed, engine=engine)


def accepts(p, q, ideal, salience, margin):
    """Each member's acceptance of text p against q (N,)."""
    return accepts_points(p, q, ideal, salience, margin)[0]

# --------------------------------------------------------------------------- adding a member


@st.composite
def members_and_texts(draw):
    d = draw(st.integers(1, 3))
    n = draw(st.integers(1, 7))
    unit = st.floats(0.0, 1.0, allow_nan=False)
    ideal = draw(hnp.arrays(float, (n + 1, d), elements=unit))
    salience = draw(hnp.arrays(float, (n + 1, d), elements=st.floats(0.0, 3.0)))
    tolerance = draw(hnp.arrays(float, (n + 1,), elements=st.sampled_from([0.0, 0.01, 0.1, 0.3])))
    p = draw(hnp.arrays(float, (d,), elements=unit))
    q = draw(hnp.arrays(float, (d,), elements=unit))
    return ideal, salience, tolerance, p, q


@settings(max_examples=200, deadline=None, database=None)
@given(case=members_and_texts())
def test_adding_a_member_never_makes_passing_easier_under_unanimity(case) -> None:
    ideal, salience, tolerance, p, q = case
    n1 = len(ideal)
    ok = accepts(p, q, ideal, salience, tolerance)
    with_new = bool(unanimity(ok, np.ones(n1)))
    without = bool(unanimity(ok[:-1], np.ones(n1 - 1)))
    # the N members' votes do not depend on whether the newcomer is in the room
    np.testing.assert_array_equal(ok[:-1], accepts(p, q, ideal[:-1], salience[:-1], tolerance[:-1]))
    if with_new:
        assert without
    # and the newcomer decides exactly when the others agree: with_new == without and newcomer
    assert with_new == (without and bool(ok[-1]))


def _config_1d(ideals, q, tolerance, rule="unanimity"):
    raw = {
        "scenario": {"name": "prop", "meetings": 1},
        "space": {"dimensions": ["x"]},
        "rule": {"type": rule},
        "agenda": {"items_per_meeting": 1},
        "status_quo": {"position": [q]},
        "members": [
            {"name": f"M{i}", "group": "minor", "ideal": [x], "salience": [1.0], "capability": 1.0,
             "tolerance": t}
            for i, (x, t) in enumerate(zip(ideals, tolerance))
        ],
    }
    return build_config(parse_scenario(raw, "<prop>"))


@settings(max_examples=150, deadline=None, database=None)
@given(
    ideals=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=7),
    q=st.floats(0.0, 1.0),
    tol=st.sampled_from([0.0, 0.05, 0.2]),
)
def test_adding_a_member_never_grows_the_1d_unanimity_winset(ideals, q, tol) -> None:
    big = _config_1d(ideals, q, [tol] * len(ideals))
    small = _config_1d(ideals[:-1], q, [tol] * (len(ideals) - 1))
    share_big = exact_share_1d(big, big.ideal, big.status_quo)
    share_small = exact_share_1d(small, small.ideal, small.status_quo)
    assert share_big <= share_small + 1e-12


# --------------------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.name)
def test_same_seed_same_output(path: Path) -> None:
    config = build_config(load_scenario(path))
    a = run(config, 4, seed=123)
    b = run(config, 4, seed=123)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), check_exact=True)
    assert len(a.meetings) == 4 * config.meetings


def test_different_seeds_differ() -> None:
    config = build_config(load_scenario(SIX_RANDOM))
    a = run(config, 30, seed=1)
    b = run(config, 30, seed=2)
    # generated ideal points and uniform status quos differ: distances differ everywhere
    da = a.members["distance_to_status_quo"].to_numpy()
    db = b.members["distance_to_status_quo"].to_numpy()
    assert np.all(da != db)
    # random proposers differ somewhere in 30 draws
    assert not a.items["proposer"].equals(b.items["proposer"])


def test_different_seeds_differ_for_random_proposers(write, three_text) -> None:
    """A fixed-member file: only the agenda and the proposers are random, and they differ."""
    text = three_text.replace("position = [0.5]", "position = [0.0]")
    config = build_config(load_scenario(write(text)))
    a = run(config, 10, seed=1)
    b = run(config, 10, seed=2)
    assert not a.items["proposer"].equals(b.items["proposer"])


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.name)
def test_replication_rows_do_not_depend_on_how_many_are_run(path: Path) -> None:
    config = build_config(load_scenario(path), meetings=5)
    three = run(config, 3, seed=77)
    five = run(config, 5, seed=77)
    for table in TABLES:
        small = getattr(three, table)
        big = getattr(five, table)
        assert set(big["replication"]) == set(range(5))
        head = big[big["replication"] < 3].reset_index(drop=True)
        pd.testing.assert_frame_equal(small, head, check_exact=True)


def test_replication_alone_equals_replication_in_a_run() -> None:
    """Replication k is a function of (seed, k) alone: run on its own it gives the same rows."""
    path = SCENARIOS / "teaching" / "two_majors_four_minors.toml"
    config = build_config(load_scenario(path), meetings=5)
    whole = run(config, 4, seed=9)
    model = SCOModel(config, seed=9, replication=3).run()
    alone = mesa_frames(model)[0]
    model.finish()
    part = whole.meetings[whole.meetings["replication"] == 3].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, part, check_exact=True)


# --------------------------------------------------------------------------- random scenarios


def _run_models(config, replications, seed):
    models, tables = [], []
    for k in range(replications):
        model = SCOModel(config, seed=seed, replication=k).run()
        tables.append(mesa_frames(model))
        model.finish()
        models.append(model)
    meetings, members, items = (pd.concat(t, ignore_index=True) for t in zip(*tables))
    return models, meetings, members, items


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raw=valid_scenarios(), seed=st.integers(0, 2**32 - 1))
def test_random_valid_scenario_runs_and_keeps_invariants(raw, seed) -> None:
    config = build_config(parse_scenario(raw, "<random>"))
    reps = 2
    models, meetings, members, items = _run_models(config, reps, seed)
    m_count, slots, n = config.meetings, config.items_per_meeting, config.n_members
    rule = RULES[config.rule]
    base_weight = voting_weights(config.capability, config.weighted)
    names = list(config.names)

    # Shapes: one row per meeting / member-meeting / item.
    assert len(meetings) == reps * m_count
    assert len(members) == reps * m_count * n
    assert len(items) == reps * m_count * slots

    # Meetings.
    assert (meetings["items"] == slots).all()
    assert (meetings["adopted"] + meetings["deadlocked"] == meetings["items"]).all()
    assert (meetings["adopted"] == meetings["consensus"] + meetings["subset_texts"]).all()
    assert (meetings["adopted"] >= 0).all() and (meetings["deadlocked"] >= 0).all()
    assert (meetings["null_drafts"] >= 0).all()
    assert (meetings["null_drafts"] <= meetings["deadlocked"]).all()
    assert (meetings["rounds"] >= 0).all()
    assert (meetings["rounds"] <= config.max_rounds * meetings["items"]).all()
    assert (meetings["carried_in"] >= 0).all() and (meetings["carried_in"] <= slots).all()
    if not config.carry_over:
        assert (meetings["carried_in"] == 0).all()
        assert not items["carried_over"].any()
    if config.subset_texts == 0:
        assert (meetings["subset_texts"] == 0).all()
    if not config.side_payments:
        assert (meetings["side_payments"] == 0).all()
        assert (meetings["side_payment_total"] == 0.0).all()

    # Members.
    assert (members["objections"] >= 0).all()
    assert (members["objections"] <= slots).all()
    assert (members["sole_vetoes"] >= 0).all()
    assert (members["sole_vetoes"] <= members["objections"]).all()
    dist = members["distance_to_status_quo"].to_numpy()
    assert np.all(np.isfinite(dist)) and np.all(dist >= 0)
    absent = members[~members["present"]]
    assert (absent["objections"] == 0).all() and (absent["sole_vetoes"] == 0).all()
    tol = members["tolerance"].to_numpy().reshape(reps, m_count, n)
    assert np.all(tol >= 0) and np.all(tol <= config.max_tolerance + 1e-12)
    if not config.dynamic_tolerance:
        assert np.all(tol == config.tolerance)
    present = members["present"].to_numpy().reshape(reps, m_count, n)
    assert np.all(present[:, 1:] >= present[:, :-1])  # once a member, always a member
    for k in range(m_count):
        assert np.array_equal(present[0, k], config.present(k + 1))
    np.testing.assert_array_equal(present.sum(axis=2).ravel(), meetings["members_present"])

    # Items, one by one, against the rule and against the meeting and member tables.
    obj_count = np.zeros((reps, m_count, n), dtype=int)
    sole_count = np.zeros((reps, m_count, n), dtype=int)
    paid = {}
    for row in items.itertuples(index=False):
        here = present[row.replication, row.meeting - 1]
        weight = np.where(here, base_weight, 0.0)
        objectors = [] if row.objectors == "" else row.objectors.split(";")
        assert set(objectors) <= {nm for nm, p in zip(names, here) if p}  # only members object
        mask = np.array([nm in objectors for nm in names])
        passes = bool(rule(~mask, weight, config.threshold))
        assert 0 <= row.rounds <= config.max_rounds
        assert row.proposer in names and here[names.index(row.proposer)]  # a member drafts
        assert row.adopted == (row.outcome != "none")
        if row.null_draft:
            assert row.outcome == "none" and row.rounds == 0 and not mask.any()
        if row.payer:
            # bought: the rule failed on the vote, a present major who accepts paid the objectors
            assert config.side_payments and row.outcome == "consensus" and not passes
            assert row.side_payment > 0
            assert row.payer not in objectors and config.groups[names.index(row.payer)] == "major"
            assert here[names.index(row.payer)]
            key = (row.replication, row.meeting, row.payer)
            paid[key] = paid.get(key, 0.0) + row.side_payment
        else:
            assert row.side_payment == 0.0
            if not row.null_draft:
                # the recorded vote is the last one taken: it passed iff consensus was reached
                assert (row.outcome == "consensus") == passes
        # A subset text needs at least one supporter among the members present (MODEL.md §7.10):
        # an item every present member objects to ends with no text.
        subset_possible = (1 <= mask.sum() <= config.subset_limit(row.meeting)
                           and mask.sum() < here.sum())
        if row.outcome == "subset":
            assert subset_possible
        if row.outcome == "none" and not row.null_draft:
            assert not subset_possible
        if config.rule == "unanimity" and row.outcome == "consensus" and not row.payer:
            assert row.objectors == ""
        if config.proposer == "major_powers":
            assert config.groups[names.index(row.proposer)] == "major"
        areas = row.issue_area.split("+")
        assert set(areas) <= set(config.dimensions) and len(areas) == len(set(areas))
        assert len(areas) in ({1, config.package_size} if config.package_probability > 0 else {1})
        obj_count[row.replication, row.meeting - 1] += mask
        if row.outcome != "consensus" and mask.sum() == 1:
            sole_count[row.replication, row.meeting - 1] += mask
    np.testing.assert_array_equal(members["objections"].to_numpy(), obj_count.ravel())
    np.testing.assert_array_equal(members["sole_vetoes"].to_numpy(), sole_count.ravel())
    per_meeting = items.groupby(["replication", "meeting"], sort=True)
    for item_col, meeting_col in (("adopted", "adopted"), ("null_draft", "null_drafts"),
                                  ("rounds", "rounds"), ("carried_over", "carried_in")):
        np.testing.assert_array_equal(
            per_meeting[item_col].sum().to_numpy(), meetings[meeting_col].to_numpy()
        )
    np.testing.assert_array_equal(
        per_meeting["payer"].apply(lambda s: int((s != "").sum())).to_numpy(),
        meetings["side_payments"].to_numpy(),
    )
    np.testing.assert_allclose(per_meeting["side_payment"].sum().to_numpy(),
                               meetings["side_payment_total"].to_numpy(), rtol=1e-12, atol=0)
    # a major spends no more than its budget in a meeting: the budget times its capability share
    # among the members PRESENT at that meeting (MODEL.md §7.11), computed here from the tables
    for (rep, meeting, payer), total in paid.items():
        here = present[rep, meeting - 1]
        share = config.capability[names.index(payer)] / config.capability[here].sum()
        assert total <= config.side_budget * share * (1 + 1e-12) + 1e-12

    # The status quo, every text and every ideal point stay inside the policy box.
    lo, hi = config.bounds[:, 0], config.bounds[:, 1]
    for model in models:
        assert model.status_quo is not None
        assert np.all(model.status_quo >= lo - 1e-12) and np.all(model.status_quo <= hi + 1e-12)
        assert np.all(np.isfinite(model.status_quo))
        assert np.all(model.ideal >= lo) and np.all(model.ideal <= hi)
        if config.fixed_status_quo and not config.uniform_status_quo:
            np.testing.assert_array_equal(model.status_quo, config.status_quo)


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raw=valid_scenarios(), seed=st.integers(0, 2**32 - 1))
def test_random_scenario_replications_are_independent_of_run_length(raw, seed) -> None:
    config = build_config(parse_scenario(raw, "<random>"))
    two = run(config, 2, seed)
    three = run(config, 3, seed)
    for table in TABLES:
        big = getattr(three, table)
        pd.testing.assert_frame_equal(
            getattr(two, table),
            big[big["replication"] < 2].reset_index(drop=True),
            check_exact=True,
        )


def test_unanimity_adopted_items_have_no_objector() -> None:
    """On the bundled plain-unanimity files (no subset texts, no side payments), where items do
    pass, an adopted item has no objector and a failed non-null item has at least one."""
    configs = [build_config(load_scenario(p)) for p in TEACHING]
    plain = [c for c in configs
             if c.rule == "unanimity" and c.subset_texts == 0 and not c.side_payments]
    assert len(plain) >= 2
    adopted_total = 0
    for config in plain:
        res = run(config, 5, seed=4)
        adopted = res.items[res.items["adopted"]]
        adopted_total += len(adopted)
        assert (adopted["objectors"] == "").all(), config.name
        failed = res.items[~res.items["adopted"] & ~res.items["null_draft"]]
        assert (failed["objectors"] != "").all(), config.name
    assert adopted_total > 0
