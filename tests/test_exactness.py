"""The compiled engine reproduces the Mesa reference model to the last bit (issue 8, "Done means").

Both engines schedule the same compiled functions of ``sco_sim.model``; only their loops differ.
These tests compare the meetings, members and items tables cell for cell (``check_exact``) and
each replication's final status quo, on every bundled and teaching scenario and on random valid
scenarios that cover every drafting method, every rule and every mechanism.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import valid_scenarios

from sco_sim.engine import final_status_quo, simulate
from sco_sim.inputs.config import build_config
from sco_sim.inputs.scenario import load_scenario, parse_scenario

BUNDLED = sorted(SCENARIOS.glob("**/*.toml"))
TABLES = ("meetings", "members", "items")


def assert_engines_agree(config, replications: int, seed: int) -> None:
    """Identical tables and final status quos from the Mesa model and the compiled engine."""
    mesa = simulate(config, replications, seed, engine="mesa")
    fast = simulate(config, replications, seed, engine="compiled")
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(mesa, table), getattr(fast, table), check_exact=True,
                                      obj=table)
    np.testing.assert_array_equal(final_status_quo(config, seed, replications, engine="mesa"),
                                  final_status_quo(config, seed, replications))


def test_bundled_set_is_complete() -> None:
    """Every bundled and teaching scenario is in the comparison below (five cases, five lessons)."""
    assert len([p for p in BUNDLED if p.parent.name == "teaching"]) >= 5
    assert len([p for p in BUNDLED if p.parent == SCENARIOS]) >= 5


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_and_teaching_scenarios_agree(path: Path) -> None:
    """Each file at its full length (the history file's accessions and late subset texts included)."""
    config = build_config(load_scenario(path))
    assert_engines_agree(config, replications=2, seed=11)


# Every drafting method under every rule; within each, hypothesis draws the rest of the schema
# (dimensions, mechanisms, members, status quo). 3 x 6 combinations x 6 examples = 108 scenarios.
RULE_CASES = [
    pytest.param(dict(rule_type="unanimity"), id="unanimity"),
    pytest.param(dict(rule_type="consensus_minus_one"), id="consensus_minus_one"),
    pytest.param(dict(rule_type="majority", weighted=False, threshold=False), id="majority"),
    pytest.param(dict(rule_type="majority", weighted=False, threshold=True), id="majority-threshold"),
    pytest.param(dict(rule_type="majority", weighted=True, threshold=False), id="weighted-majority"),
    pytest.param(dict(rule_type="majority", weighted=True, threshold=True, min_dims=2),
                 id="weighted-threshold-2d"),
]


def features(raw: dict, config) -> set[str]:
    """What a scenario exercises: drafting method and dimensions, rule, and each mechanism."""
    rivalries = raw.get("rivalries", [])
    shocks = any("shocks" in p for p in raw.get("pressure", []))
    drift = any("drift" in p for p in raw.get("pressure", []))
    return {name for name, on in {
        f"drafting:{config.drafting}": True,
        f"{config.drafting} in 1-D": config.n_dims == 1,
        f"{config.drafting} in several dimensions": config.n_dims >= 2,
        f"rule:{config.rule}{'-weighted' if config.weighted else ''}"
        f"{'-threshold' if config.threshold is not None else ''}": True,
        "weighted rule in 2-D or more": config.weighted and config.n_dims >= 2,
        "subset texts": config.subset_texts > 0,
        "subset texts from a later meeting": config.subset_texts > 0 and config.subset_texts_from > 1,
        "side payments": config.side_payments,
        "dynamic tolerance": config.dynamic_tolerance,
        "carry-over": config.carry_over,
        "pressure drift": drift,
        "pressure shocks": shocks,
        "status quo drift": config.drift > 0 and not config.uniform_status_quo,
        "accession": config.joins is not None and int(np.max(config.joins)) > 1,
        "ideal_sd": config.ideal_sd is not None,
        "generated members": config.generated,
        "uniform status quo": config.uniform_status_quo,
        "fixed status quo": config.fixed_status_quo and not config.uniform_status_quo,
        "rivalry": any(not r.get("cancels_tolerance") and r["intensity"] > 0 for r in rivalries),
        "rivalry of intensity 0": any(r["intensity"] == 0 for r in rivalries),
        "rivalry cancelling tolerance": any(r.get("cancels_tolerance") for r in rivalries),
        "major_agenda_share": config.major_agenda_share > 0,
        "packages": config.package_probability > 0,
        "setter noise": config.drafting == "setter" and config.setter_noise > 0,
        "drafting noise": config.drafting == "step" and config.noise > 0,
        "consultation": config.max_rounds > 0,
    }.items() if on}


EVERY_FEATURE = {
    *(f"drafting:{d}" for d in ("step", "compromise", "setter")),
    "setter in 1-D", "setter in several dimensions", "step in several dimensions",
    "rule:unanimity", "rule:consensus_minus_one", "rule:majority", "rule:majority-threshold",
    "rule:majority-weighted", "rule:majority-weighted-threshold", "weighted rule in 2-D or more",
    "subset texts", "subset texts from a later meeting", "side payments", "dynamic tolerance", "carry-over",
    "pressure drift", "pressure shocks", "status quo drift", "accession", "ideal_sd", "generated members",
    "uniform status quo", "fixed status quo", "rivalry", "rivalry of intensity 0",
    "rivalry cancelling tolerance", "major_agenda_share", "packages", "setter noise", "drafting noise",
    "consultation",
}


def _agreement(drafting: str, case: dict, seen: set[str]):
    """A hypothesis test of six random scenarios with this drafting method and rule."""

    @settings(max_examples=6, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(raw=valid_scenarios(drafting=drafting, **case), seed=st.integers(0, 2**64 - 1))
    def agree(raw, seed) -> None:
        config = build_config(parse_scenario(raw, "<random>"))
        assert config.drafting == drafting and config.rule == case["rule_type"]
        assert_engines_agree(config, replications=2, seed=seed)
        seen.update(features(raw, config))
        seen.add(f"example {len(seen)}: {drafting} {case}")  # counts the scenarios compared

    return agree


def test_random_valid_scenarios_agree() -> None:
    """Every drafting method under every rule; within each of the 18 pairs hypothesis draws six
    scenarios over the rest of the schema (108 in all), and together they exercise every mechanism.
    """
    seen: set[str] = set()
    for drafting in ("step", "compromise", "setter"):
        for rule in RULE_CASES:
            _agreement(drafting, rule.values[0], seen)()
    assert EVERY_FEATURE - seen == set()
    assert sum(f.startswith("example ") for f in seen) >= 100


def _with(path: Path, **changes):
    """A bundled scenario with some fields of its numeric form replaced."""
    from dataclasses import replace

    return replace(build_config(load_scenario(path), meetings=6), **changes)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param(dict(drafting="setter", rule="majority", weighted=True, threshold=None), id="setter-weighted-8d"),
        pytest.param(dict(drafting="setter", rule="consensus_minus_one"), id="setter-cm1-8d"),
        pytest.param(dict(drafting="setter", setter_noise=0.1), id="setter-noise-8d"),
        pytest.param(dict(drafting="compromise", side_payments=True, side_budget=0.5), id="compromise-payments"),
        pytest.param(dict(status_quo=None), id="uniform-status-quo"),
    ],
)
def test_sco_case_variants_agree(changes) -> None:
    """The bundled 3 + 5 case under other drafting methods and rules, in its own dimensions."""
    config = _with(SCENARIOS / "sco_2017_3plus5.toml", **changes)
    assert_engines_agree(config, replications=2, seed=5)


def test_a_comparison_that_differs_is_caught() -> None:
    """The comparison is not vacuous: two seeds give different tables."""
    config = build_config(load_scenario(SCENARIOS / "teaching" / "six_random_members.toml"), meetings=3)
    with pytest.raises(AssertionError):
        pd.testing.assert_frame_equal(simulate(config, 2, 1, engine="mesa").members,
                                      simulate(config, 2, 2).members, check_exact=True)


def test_vectorised_is_an_alias_of_compiled() -> None:
    """Version 0.1's engine name still runs, on the compiled engine."""
    config = build_config(load_scenario(SCENARIOS / "teaching" / "six_random_members.toml"), meetings=3)
    a, b = simulate(config, 3, 9, engine="vectorised"), simulate(config, 3, 9)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), check_exact=True)
    with pytest.raises(ValueError, match="unknown engine"):
        simulate(config, 1, 9, engine="numpy")
