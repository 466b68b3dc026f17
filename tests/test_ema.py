"""The EMA Workbench adapter: a small EMA experiment through sco_sim.analysis.ema (skipped without ema_workbench)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

ema = pytest.importorskip("ema_workbench")

from conftest import SCENARIOS  # noqa: E402

from sco_sim import build_config, load_scenario  # noqa: E402
from sco_sim.analysis.ema import ema_name, scenario_model  # noqa: E402
from sco_sim.analysis.summary import per_run  # noqa: E402
from sco_sim.analysis.vocabulary import RUN_RATES as RATE_METRICS  # noqa: E402
from sco_sim.inputs.errors import InputError  # noqa: E402

SCENARIO = SCENARIOS / "sco_2017_3plus5.toml"
UNCERTAINTIES = {
    "members.*.tolerance": (0.0, 0.1),
    "rivalries.India-Pakistan.intensity": (0.0, 0.1),
    "negotiation.max_rounds": (0, 2),
}


def model(seed: int = 3):
    return scenario_model(SCENARIO, uncertainties=UNCERTAINTIES, replications=6, seed=seed, meetings=4)


def experiment(m, order=slice(None)):
    """8 scenarios: a 2-level full factorial over the three uncertainties (no global RNG involved)."""
    from ema_workbench import SequentialEvaluator
    from ema_workbench.em_framework.samplers import FullFactorialSampler, sample_uncertainties

    designs = list(sample_uncertainties(m, 2, sampler=FullFactorialSampler()))[order]
    with SequentialEvaluator(m) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=designs)
    return experiments, pd.DataFrame(outcomes)


def test_ema_experiment_outcomes_are_sane_and_reproducible():
    m = model()
    experiments, outcomes = experiment(m)
    assert len(experiments) == len(outcomes) == 2 ** len(UNCERTAINTIES)
    assert list(outcomes.columns) == list(RATE_METRICS)
    rates = outcomes[["adoption_rate", "deadlock_rate", "consensus_rate", "subset_rate"]]
    assert ((rates >= 0) & (rates <= 1)).all().all()
    # every item ends with a consensus text, a subset text or no text
    np.testing.assert_allclose(outcomes["adoption_rate"] + outcomes["deadlock_rate"], 1.0)
    np.testing.assert_allclose(outcomes["consensus_rate"] + outcomes["subset_rate"], outcomes["adoption_rate"])
    # the meeting's items_per_meeting texts at most
    items_per_meeting = build_config(load_scenario(SCENARIO)).items_per_meeting
    assert (outcomes["throughput"] <= items_per_meeting).all()
    # the inputs reach the model: the eight design points do not all give the same deadlock rate
    assert outcomes["deadlock_rate"].nunique() > 1

    # same seed, same outcomes; in reverse order each design point keeps its outcomes (common random numbers)
    _, again = experiment(model())
    pd.testing.assert_frame_equal(outcomes, again)
    rev_experiments, reversed_ = experiment(model(), order=slice(None, None, -1))
    pd.testing.assert_frame_equal(reversed_.iloc[::-1].reset_index(drop=True), outcomes)
    names = [ema_name(p) for p in UNCERTAINTIES]
    pd.testing.assert_frame_equal(rev_experiments[names].iloc[::-1].reset_index(drop=True), experiments[names])
    # another seed, other random numbers
    _, other = experiment(model(seed=4))
    assert not np.array_equal(other.to_numpy(), outcomes.to_numpy())


def test_an_ema_outcome_is_the_simulators_mean_at_that_point():
    """EMA's names map back to the dotted paths: one experiment redone through the public API."""
    from sco_sim import simulate
    from sco_sim.inputs import parameters
    from sco_sim.inputs.scenario import load_raw, parse_scenario

    m = model()
    experiments, outcomes = experiment(m)
    row = experiments.iloc[5]
    raw = load_raw(SCENARIO)
    for u in m.uncertainties:
        (path,) = u.variable_name
        raw = parameters.apply(raw, path, parameters.coerce(path, row[u.name]))
    raw = parameters.apply(raw, "scenario.meetings", 4)
    runs = per_run(simulate(build_config(parse_scenario(raw, str(SCENARIO))), 6, seed=3, items=False))
    for metric in RATE_METRICS:
        assert outcomes[metric].iloc[5] == pytest.approx(runs[metric].mean(), rel=0, abs=1e-12)


def test_parameter_kinds_follow_the_schema():
    m = scenario_model(SCENARIO, uncertainties=UNCERTAINTIES,
                       levers={"rule.type": ["unanimity", "majority"], "side_payments.enabled": [False, True]})
    kinds = {p.name: type(p).__name__ for p in [*m.uncertainties, *m.levers]}
    assert kinds == {
        "members_all_tolerance": "RealParameter",
        "rivalries_India_Pakistan_intensity": "RealParameter",
        "negotiation_max_rounds": "IntegerParameter",
        "rule_type": "CategoricalParameter",
        "side_payments_enabled": "BooleanParameter",
    }
    assert {c.name: c.value for c in m.constants} == {"seed": 0, "replications": 20}
    kinds = {o.name: o.kind for o in m.outcomes}
    assert kinds["deadlock_rate"] == ema.ScalarOutcome.MINIMIZE
    assert kinds["throughput"] == ema.ScalarOutcome.MAXIMIZE


@pytest.mark.parametrize("spec, message", [
    ({"members.*.tolerance": (-0.1, 0.1)}, "greater than or equal to 0"),
    ({"rule.type": ["unanimity", "dictator"]}, "rule.type"),
    ({"members.Turkey.tolerance": (0.0, 0.1)}, "unknown member 'Turkey'"),
])
def test_values_the_schema_rejects_fail_before_any_experiment(spec, message):
    with pytest.raises(InputError, match=message):
        scenario_model(SCENARIO, uncertainties=spec)


def test_core_does_not_import_the_adapter():
    import subprocess
    import sys

    code = ("import sys, sco_sim, sco_sim.cli, sco_sim.experiments.sweep, sco_sim.engine; "
            "sys.exit('sco_sim.analysis.ema' in sys.modules or 'ema_workbench' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
