"""Coleman's power to act and Banzhaf power: known answers, and enumeration vs the fast paths."""

from __future__ import annotations

import time
from dataclasses import replace
from math import comb
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sco_sim.analysis.power import (
    ENUMERATION_LIMIT,
    MAX_MEMBERS,
    RuleSpec,
    banzhaf,
    banzhaf_raw,
    coleman_power_to_act,
    default_specs,
    power_counts,
    rule_label,
    rules_table,
    scenario_spec,
)
from sco_sim.inputs.config import build_config
from sco_sim.inputs.scenario import load_scenario
from sco_sim.model.rules import SHARE_EPS

ROOT = Path(__file__).resolve().parents[1]
SIX = ROOT / "scenarios" / "teaching" / "six_random_members.toml"

UNANIMITY = RuleSpec("unanimity", "unanimity")
CM1 = RuleSpec("consensus-minus-one", "consensus_minus_one")
MAJORITY = RuleSpec("majority > 1/2", "majority")
BOTH = ["enumerate", "fast"]


@pytest.mark.parametrize("method", BOTH)
@pytest.mark.parametrize("n", [1, 2, 3, 6, 9])
def test_unanimity(n, method):
    w = np.ones(n)
    assert coleman_power_to_act(UNANIMITY, w, method) == 1 / 2**n
    np.testing.assert_allclose(banzhaf(UNANIMITY, w, method), np.full(n, 1 / n))
    # each member swings only the all-others-yes coalition
    np.testing.assert_allclose(banzhaf_raw(UNANIMITY, w, method), np.full(n, 1 / 2 ** (n - 1)))


@pytest.mark.parametrize("method", BOTH)
@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_consensus_minus_one(n, method):
    w = np.random.default_rng(n).random(n)  # weights are ignored by this rule
    assert coleman_power_to_act(CM1, w, method) == (n + 1) / 2**n
    np.testing.assert_allclose(banzhaf(CM1, w, method), np.full(n, 1 / n))


@pytest.mark.parametrize("method", BOTH)
@pytest.mark.parametrize("n", [1, 3, 5, 7, 11])
def test_simple_majority_odd(n, method):
    w = np.ones(n)
    assert coleman_power_to_act(MAJORITY, w, method) == 0.5
    np.testing.assert_allclose(banzhaf(MAJORITY, w, method), np.full(n, 1 / n))


def test_even_majority_tie_fails_and_two_thirds_counts_exactly():
    # 6 members: > 1/2 needs 4 yes; 2/3 needs 4 yes too (4/6 meets 2/3 thanks to SHARE_EPS)
    w = np.ones(6)
    expected = sum(comb(6, k) for k in (4, 5, 6)) / 64
    assert coleman_power_to_act(MAJORITY, w) == expected
    two_thirds = RuleSpec("q", "majority", 2 / 3)
    for method in BOTH:
        assert coleman_power_to_act(two_thirds, w, method) == expected
    # weighted version, shares 1/6 each: same answer through enumeration and meet in the middle
    weighted = RuleSpec("w", "majority", 2 / 3, True)
    for method in BOTH:
        assert coleman_power_to_act(weighted, np.full(6, 1 / 6), method) == expected


@pytest.mark.parametrize("method", BOTH)
def test_dictator(method):
    spec = RuleSpec("w", "majority", 0.5, True)
    w = np.array([0.6, 0.2, 0.2])
    np.testing.assert_array_equal(banzhaf(spec, w, method), [1.0, 0.0, 0.0])
    assert coleman_power_to_act(spec, w, method) == 0.5


@pytest.mark.parametrize("method", BOTH)
def test_eec_1958_council_qmv(method):
    # France, Germany, Italy 4 votes; Belgium, Netherlands 2; Luxembourg 1; quota 12 of 17.
    votes = np.array([4, 4, 4, 2, 2, 1])
    spec = RuleSpec("EEC QMV", "majority", 12 / 17, True)
    counts = power_counts(spec, votes / 17, method)
    assert counts.swings == (10, 10, 10, 6, 6, 0)  # Luxembourg doubles each
    np.testing.assert_allclose(counts.banzhaf, np.array([10, 10, 10, 6, 6, 0]) / 42)
    assert counts.passing == 14  # winning coalitions of the six
    assert counts.coleman == 14 / 64


@pytest.mark.parametrize("method", BOTH)
def test_weights_4_2_1_quota_4(method):
    # [4; 4, 2, 1]: player 1 is a dictator
    spec = RuleSpec("w", "majority", 4 / 7, True)
    counts = power_counts(spec, np.array([4, 2, 1]) / 7, method)
    np.testing.assert_array_equal(counts.banzhaf, [1, 0, 0])
    assert counts.passing == 4


def test_thirty_members_fast_path_without_enumeration(monkeypatch):
    import sco_sim.analysis.power as power

    def no_enumeration(*args, **kwargs):
        raise AssertionError("enumerated")

    monkeypatch.setattr(power, "_enumerate", no_enumeration)
    n = 30
    counts = power_counts(UNANIMITY, np.ones(n))
    assert counts.passing == 1 and counts.coleman == 2.0**-30
    np.testing.assert_allclose(counts.banzhaf, np.full(n, 1 / n))
    assert power_counts(CM1, np.ones(n)).passing == n + 1
    assert power_counts(RuleSpec("m", "majority"), np.ones(31)).coleman == 0.5


def test_thirty_weighted_members_in_seconds():
    w = np.random.default_rng(30).random(30)
    w /= w.sum()
    t0 = time.perf_counter()
    for thr in (None, 2 / 3):
        counts = power_counts(RuleSpec("w", "majority", thr, True), w)
        assert counts.banzhaf.sum() == pytest.approx(1.0)
        assert all(s > 0 for s in counts.swings)
        # bigger weight, at least as many swings (weighted games are monotone in weight)
        order = np.argsort(w)
        assert np.all(np.diff(np.array(counts.swings)[order]) >= 0)
    assert time.perf_counter() - t0 < 10


def test_limits():
    with pytest.raises(ValueError):
        power_counts(UNANIMITY, np.ones(MAX_MEMBERS + 1))
    with pytest.raises(ValueError):
        power_counts(UNANIMITY, np.ones(ENUMERATION_LIMIT + 5), "enumerate")
    with pytest.raises(ValueError):
        power_counts(UNANIMITY, np.array([1.0, -1.0]))
    with pytest.raises(KeyError):
        power_counts(RuleSpec("x", "no_such_rule"), np.ones(3))


weights = st.lists(
    st.one_of(
        st.floats(0.0, 1.0, allow_nan=False),
        st.integers(0, 9).map(float),  # ties and exact-share boundaries
    ),
    min_size=1,
    max_size=12,
).filter(lambda w: sum(w) > 0)
thresholds = st.one_of(
    st.none(),
    st.floats(0.01, 1.0),
    st.sampled_from([0.5, 2 / 3, 0.55, 0.75, 1.0]),
)


@settings(max_examples=150, deadline=None)
@given(weights, thresholds, st.sampled_from(["unanimity", "consensus_minus_one", "majority"]))
def test_fast_path_equals_enumeration(w, threshold, rule):
    spec = RuleSpec("r", rule, threshold, True)
    assert power_counts(spec, w, "fast") == power_counts(spec, w, "enumerate")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=2, max_size=10), st.data())
def test_guard_band_profiles_settled_by_rule(votes, data):
    # Thresholds placed exactly on a coalition's share (minus SHARE_EPS, give or take rounding):
    # the meet-in-the-middle path has to ask the rule function about these profiles.
    w = np.array(votes, dtype=float)
    k = data.draw(st.integers(1, len(w)))
    share = w[:k].sum() / w.sum()
    nudge = data.draw(st.sampled_from([0.0, 1e-16, -1e-16, 3e-15, -3e-15]))
    spec = RuleSpec("r", "majority", share + SHARE_EPS + nudge, True)
    assert power_counts(spec, w, "fast") == power_counts(spec, w, "enumerate")


def test_guard_band_uses_the_rule_function(monkeypatch):
    import sco_sim.analysis.power as power

    w = np.array([1.0, 2.0, 3.0, 1.0, 2.0])
    spec = RuleSpec("r", "majority", 3 / 9 + SHARE_EPS, True)  # members 0+1 sit on the cut-off
    seen = []
    real = power._passes

    def spy(spec, accept, w):
        seen.append(len(accept))
        return real(spec, accept, w)

    monkeypatch.setattr(power, "_passes", spy)
    fast = power_counts(spec, w, "fast")
    assert seen and sum(seen) < 2 ** len(w)  # a few profiles, not all of them
    assert fast == power_counts(spec, w, "enumerate")


def test_symmetric_weights_equal_banzhaf():
    for spec in (MAJORITY, RuleSpec("q", "majority", 2 / 3), RuleSpec("w", "majority", 0.6, True)):
        b = banzhaf(spec, np.full(7, 1 / 7))
        np.testing.assert_allclose(b, np.full(7, 1 / 7))


def test_labels():
    assert rule_label("majority", 2 / 3) == "qualified majority 2/3"
    assert rule_label("majority", 0.55, True) == "weighted majority 55% (capability)"
    assert rule_label("majority", None, True) == "weighted majority > 50% (capability)"
    assert rule_label("consensus_minus_one") == "consensus-minus-one"


def test_default_specs_and_table():
    config = build_config(load_scenario(SIX))
    specs = default_specs(config)
    assert [s.rule for s in specs[:2]] == ["unanimity", "consensus_minus_one"]
    assert len(specs) == 6  # the scenario's own rule is one of the defaults
    assert scenario_spec(config).key in {s.key for s in specs}

    own = replace(config, rule="majority", threshold=0.55, weighted=True)
    specs = default_specs(own)
    assert len(specs) == 7
    assert specs[-1].label == "weighted majority 55% (capability)"

    table = rules_table(own)
    n = config.n_members
    assert list(table.columns) == ["label", "coleman", *config.names]
    assert len(table) == 7
    np.testing.assert_allclose(table[list(config.names)].sum(axis=1), 1.0)
    first = table.iloc[0]
    assert first["label"] == "unanimity" and first["coleman"] == 1 / 2**n
    # unweighted rules give every member the same power
    for i in range(4):
        np.testing.assert_allclose(table.iloc[i][list(config.names)].astype(float), 1 / n)
