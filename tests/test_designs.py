"""Designs (factorial, LHS, random, Sobol, Morris) and the sensitivity indices computed from them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

from sco_sim.experiments import designs
from sco_sim.experiments.experiment import design_points, load_experiment
from sco_sim.experiments.sensitivity import analyze
from sco_sim.inputs.errors import InputError

RANGES = {"a": (0.0, 1.0), "b": (10.0, 20.0), "c": (-1.0, 0.0)}


def test_factorial_size_and_order():
    pts = designs.factorial({"x": [1, 2, 3], "y": ["u", "v"], "z": [0.5, 0.7]})
    assert len(pts) == 12
    assert pts[0] == {"x": 1, "y": "u", "z": 0.5}
    assert pts[1] == {"x": 1, "y": "u", "z": 0.7}  # last parameter varies fastest
    assert pts[2] == {"x": 1, "y": "v", "z": 0.5}
    assert pts[4] == {"x": 2, "y": "u", "z": 0.5}  # first parameter varies slowest
    assert [p["x"] for p in pts] == [1] * 4 + [2] * 4 + [3] * 4
    assert len({tuple(p.values()) for p in pts}) == 12


def test_factorial_no_parameters_is_one_point():
    assert designs.factorial({}) == [{}]


def test_lhs_stratification_and_bounds():
    n = 37
    pts = designs.latin_hypercube(RANGES, n, seed=5)
    assert len(pts) == n
    for name, (lo, hi) in RANGES.items():
        v = np.array([p[name] for p in pts])
        assert ((v >= lo) & (v <= hi)).all()
        strata = np.floor((v - lo) / (hi - lo) * n).astype(int)
        assert sorted(strata.tolist()) == list(range(n))  # each stratum hit exactly once


def test_lhs_reproducible_by_seed():
    assert designs.latin_hypercube(RANGES, 10, 1) == designs.latin_hypercube(RANGES, 10, 1)
    assert designs.latin_hypercube(RANGES, 10, 1) != designs.latin_hypercube(RANGES, 10, 2)


def test_random_sample_bounds_and_seed():
    pts = designs.random_sample(RANGES, 500, seed=3)
    assert pts == designs.random_sample(RANGES, 500, seed=3)
    assert pts != designs.random_sample(RANGES, 500, seed=4)
    b = np.array([p["b"] for p in pts])
    assert b.min() >= 10 and b.max() <= 20 and 14 < b.mean() < 16


def test_integer_ranges_are_uniform_integers():
    pts = designs.random_sample({"r": (0, 4), "t": (0.0, 4.0)}, 5000, seed=0)
    r = [p["r"] for p in pts]
    assert all(isinstance(x, int) for x in r)
    counts = np.bincount(r, minlength=5)
    assert set(np.unique(r)) == {0, 1, 2, 3, 4}
    assert counts.min() > 850 and counts.max() < 1150  # each about 1000
    assert all(isinstance(p["t"], float) for p in pts)
    lhs = designs.latin_hypercube({"r": (0, 4)}, 10, seed=0)
    assert sorted(p["r"] for p in lhs) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


@pytest.mark.parametrize("second_order, per", [(True, lambda d: 2 * d + 2), (False, lambda d: d + 2)])
def test_sobol_count_and_problem(second_order, per):
    n = 16
    pts, problem = designs.sobol(RANGES, n, seed=0, calc_second_order=second_order)
    assert len(pts) == n * per(3)
    assert problem["num_vars"] == 3 and problem["names"] == ["a", "b", "c"]
    assert problem["bounds"] == [[0.0, 1.0], [10.0, 20.0], [-1.0, 0.0]]
    for name, (lo, hi) in RANGES.items():
        v = np.array([p[name] for p in pts])
        assert ((v >= lo) & (v <= hi)).all()
    assert pts == designs.sobol(RANGES, n, seed=0, calc_second_order=second_order)[0]
    assert pts != designs.sobol(RANGES, n, seed=1, calc_second_order=second_order)[0]


def test_morris_count_and_grid():
    pts, problem = designs.morris(RANGES, 10, seed=0, levels=4)
    assert len(pts) == 10 * (3 + 1)
    assert problem["num_levels"] == 4
    a = {round(p["a"], 9) for p in pts}
    assert a <= {0.0, round(1 / 3, 9), round(2 / 3, 9), 1.0}
    # within a trajectory consecutive points differ in exactly one parameter
    for t in range(10):
        traj = pts[t * 4:(t + 1) * 4]
        for x, y in zip(traj, traj[1:]):
            assert sum(x[k] != y[k] for k in RANGES) == 1
    assert pts == designs.morris(RANGES, 10, seed=0, levels=4)[0]


def test_bad_ranges():
    with pytest.raises(ValueError):
        designs.latin_hypercube({"a": (1.0, 1.0)}, 5, 0)
    with pytest.raises(ValueError):
        designs.latin_hypercube({}, 5, 0)
    with pytest.raises(ValueError):
        designs.factorial({"a": []})


# --------------------------------------------------------------------------- sensitivity


def _exp_file(tmp_path, design: str, samples: int, extra: str = "") -> object:
    scen = (SCENARIOS / "sco_2017_3plus5.toml").as_posix()
    p = tmp_path / f"{design}.toml"
    p.write_text(f"""
[experiment]
name = "synthetic"
replications = 2
seed = 3

[[scenarios]]
path = "{scen}"
label = "3+5"

[design]
type = "{design}"
samples = {samples}
{extra}

[parameters]
"members.*.tolerance" = {{ low = 0.0, high = 0.1 }}
"negotiation.concession" = {{ low = 0.1, high = 0.9 }}
"status_quo.drift" = {{ low = 0.0, high = 0.1 }}
""", encoding="utf-8")
    return load_experiment(p)


def _synthetic_rows(exp, f) -> pd.DataFrame:
    """Run rows whose metric is a known function of the parameters (plus replication noise)."""
    pts = design_points(exp)
    rows = []
    for rec in pts.to_dict("records"):
        for k in range(exp.replications):
            rows.append({"point": rec["point"], "scenario": rec["scenario"], "replication": k,
                         "deadlock_rate": f(rec) + 0.001 * (k - 0.5)})
    return pd.DataFrame(rows)


def test_sobol_indices_find_the_driving_parameter(tmp_path):
    exp = _exp_file(tmp_path, "sobol", 256)
    rows = _synthetic_rows(exp, lambda r: 10 * r["members.*.tolerance"] + 0.1 * r["negotiation.concession"])
    res = analyze(exp, rows).set_index("parameter")
    assert list(res.columns[:2]) == ["scenario", "metric"]
    assert res.loc["members.*.tolerance", "S1"] > 0.9
    assert res.loc["members.*.tolerance", "ST"] > 0.9
    assert abs(res.loc["status_quo.drift", "S1"]) < 0.05
    assert abs(res.loc["status_quo.drift", "ST"]) < 0.05
    for c in ("S1_conf", "ST_conf"):
        assert (res[c] >= 0).all()
    # seeded bootstrap: the same rows give the same table
    assert analyze(exp, rows).equals(analyze(exp, rows))


def test_morris_indices_rank_parameters(tmp_path):
    exp = _exp_file(tmp_path, "morris", 20, "levels = 4")
    rows = _synthetic_rows(exp, lambda r: 10 * r["members.*.tolerance"] - 1.0 * r["negotiation.concession"])
    res = analyze(exp, rows).set_index("parameter")
    # effects per unit of normalised range: 10 * 0.1 = 1.0 and -1 * 0.8 = -0.8, drift 0
    assert res.loc["members.*.tolerance", "mu_star"] == pytest.approx(1.0, abs=0.01)
    assert res.loc["negotiation.concession", "mu"] == pytest.approx(-0.8, abs=0.01)
    assert res.loc["status_quo.drift", "mu_star"] == pytest.approx(0.0, abs=0.01)
    assert res.loc["members.*.tolerance", "sigma"] == pytest.approx(0.0, abs=0.01)


def test_sensitivity_errors(tmp_path):
    exp = _exp_file(tmp_path, "morris", 4)
    rows = _synthetic_rows(exp, lambda r: 0.0)
    with pytest.raises(InputError, match="no such metric"):
        analyze(exp, rows, metric="nope")
    with pytest.raises(InputError, match="no results"):
        analyze(exp, rows[rows["point"] != 3])
    lhs = _exp_file(tmp_path, "lhs", 4)
    with pytest.raises(InputError, match="sobol or morris"):
        analyze(lhs, _synthetic_rows(lhs, lambda r: 0.0))
