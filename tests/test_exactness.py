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

from sco_sim.config import build_config
from sco_sim.engine import final_status_quo, simulate
from sco_sim.scenario import load_scenario, parse_scenario

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


@pytest.mark.parametrize("drafting", ["step", "compromise", "setter"])
@pytest.mark.parametrize("rule", RULE_CASES)
def test_random_valid_scenarios_agree(drafting, rule) -> None:
    @settings(max_examples=6, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(raw=valid_scenarios(drafting=drafting, **rule), seed=st.integers(0, 2**64 - 1))
    def agree(raw, seed) -> None:
        config = build_config(parse_scenario(raw, "<random>"))
        assert config.drafting == drafting and config.rule == rule["rule_type"]
        assert_engines_agree(config, replications=2, seed=seed)

    agree()


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
