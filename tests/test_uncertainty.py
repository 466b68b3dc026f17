"""Declared input uncertainty and its propagation (`sco-sim uncertainty`): known answers, exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sco_sim.analysis.uncertainty import (
    analyse,
    load_configuration,
    make_design,
    nominal_differences,
    prim_box,
    propagate,
)
from sco_sim.cli import main
from sco_sim.inputs.scenario import load_scenario
from sco_sim.inputs.uncertain import Input

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted((ROOT / "scenarios").glob("sco_*.toml"))

BASE = """
[scenario]
name = "three"
meetings = 6

[space]
dimensions = ["security", "trade"]

[agenda]
items_per_meeting = 4
proposer = "random"
issue_shares = [1.0, 0.0]

[negotiation]
max_rounds = 2
noise = 0.05
setter_noise = 0.0

[status_quo]
position = [0.5, 0.5]
drift = 0.05

[[members]]
name = "A"
group = "major"
ideal = [0.2, 0.5]
salience = [1.0, 1.0]
capability = 0.5
tolerance = 0.02

[[members]]
name = "B"
group = "minor"
ideal = [0.5, 0.5]
salience = [1.0, 1.0]
capability = 0.25
tolerance = 0.02

[[members]]
name = "C"
group = "minor"
ideal = [0.8, 0.5]
salience = [1.0, 1.0]
capability = 0.25
tolerance = 0.02

[[uncertain]]
path = "members.*.tolerance"
low = 0.0
high = 0.2
reason = "no measure of tolerance"

[[uncertain]]
path = "negotiation.setter_noise"
low = 0.0
high = 0.2
reason = "only the setter drafting method reads it; this scenario drafts by steps"

[[uncertain]]
path = "members.A.ideal.security"
low = 0.1
high = 0.3
reason = "coded position"
group = "A position"
"""

CHILD = """
[scenario]
extends = "base.toml"
name = "four"

[[members]]
name = "D"
group = "minor"
ideal = [0.9, 0.5]
salience = [1.0, 1.0]
capability = 0.25
tolerance = 0.02

[[uncertain]]
path = "members.D.ideal.security"
low = 0.8
high = 1.0
reason = "coded position of the newcomer"

[[uncertain]]
path = "members.A.ideal.security"
low = 0.15
high = 0.25
distribution = "triangular"
reason = "the child narrows the parent's range"
group = "A position"
"""


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    base = tmp_path / "base.toml"
    base.write_text(BASE, encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text(CHILD, encoding="utf-8")
    return base, child


@pytest.fixture(scope="module")
def sobol_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("u")
    (d / "base.toml").write_text(BASE, encoding="utf-8")
    (d / "child.toml").write_text(CHILD, encoding="utf-8")
    configs = [load_configuration(d / "base.toml"), load_configuration(d / "child.toml")]
    design = make_design(configs, 8, "sobol", seed=3)
    runs = propagate(configs, design, replications=6, seed=3)
    summary = analyse(configs, design, runs, nominal_differences(configs, 20, 3))
    return configs, design, runs, summary


# ----------------------------------------------------------------------------- declarations


def test_child_adds_and_overrides_declarations_by_path(pair):
    base, child = (load_configuration(p) for p in pair)
    assert set(base.inputs) == {"members.*.tolerance", "negotiation.setter_noise", "members.A.ideal.security"}
    assert set(child.inputs) == set(base.inputs) | {"members.D.ideal.security"}
    a = child.inputs["members.A.ideal.security"]
    assert (a.low, a.high, a.distribution) == (0.15, 0.25, "triangular")
    assert a.centre == 0.2  # the triangular mode defaults to the file's value


def _input(**kw) -> Input:
    base = dict(path="p", distribution="uniform", low=0.0, high=1.0, values=None, centre=None, sd=None,
                integer=False, reason="r", group=None)
    return Input(**{**base, **kw})


def test_quantile_functions_have_known_answers():
    assert _input(low=2.0, high=4.0).value(0.25) == 2.0 + 0.25 * (4.0 - 2.0)
    ints = _input(low=4, high=7, integer=True)
    # every whole number of low..high gets a quarter of the unit interval
    assert [ints.value(u) for u in (0.0, 0.24, 0.26, 0.5, 0.99, 1.0)] == [4, 4, 5, 6, 7, 7]
    cat = _input(distribution="categorical", low=None, high=None, values=("major", "minor"))
    assert [cat.value(u) for u in (0.1, 0.49, 0.51, 1.0)] == ["major", "major", "minor", "minor"]
    tri = _input(distribution="triangular", low=0.0, high=1.0, centre=0.5)
    assert tri.value(0.5) == pytest.approx(0.5)  # a symmetric triangle's median is its mode
    norm = _input(distribution="normal", low=0.0, high=1.0, centre=0.5, sd=0.1)
    assert norm.value(0.5) == pytest.approx(0.5)
    assert 0.0 <= norm.value(0.0) <= norm.value(1.0) <= 1.0


BAD = [
    ('path = "members.Z.tolerance"\nlow = 0.0\nhigh = 0.1\nreason = "x"', "uncertain[0].path", "unknown member"),
    ('path = "negotiation.maxrounds"\nlow = 0\nhigh = 3\nreason = "x"', "uncertain[0].path", "unknown field"),
    ('path = "members.*.tolerance"\nlow = 0.05\nhigh = 0.1\nreason = "x"', "uncertain[0].low", "does not contain"),
    ('path = "members.*.tolerance"\nlow = 0.0\nhigh = 0.1\nreason = "  "', "uncertain[0].reason", "non-empty"),
    ('path = "members.*.tolerance"\nlow = 0.0\nhigh = 0.1', "uncertain[0].reason", "required"),
    ('path = "members.*.tolerance"\nlow = 0.1\nhigh = 0.0\nreason = "x"', "uncertain[0].high", "low < high"),
    ('path = "members.A.group"\nvalues = ["minor", "none"]\nreason = "x"', "uncertain[0].values", "not among"),
    ('path = "members.*.tolerance"\nlow = 0.0\nhigh = 0.1\ndistribution = "normal"\nreason = "x"',
     "uncertain[0].sd", "needs sd"),
    ('path = "agenda.items_per_meeting"\nlow = 2.5\nhigh = 6\nreason = "x"', "uncertain[0].low", "whole"),
    ('path = "members.*.tolerance"\nlow = -1.0\nhigh = 0.1\nreason = "x"', "uncertain[0].low", "invalid scenario"),
    ('path = "members.*.tolerance"\nlow = 0.0\nhigh = 0.1\nreason = "x"\nspread = 2', "uncertain[0].spread",
     "unknown field"),
]


@pytest.mark.parametrize("block, field, message", BAD)
def test_bad_declarations_exit_2_naming_file_and_field(tmp_path, capsys, block, field, message):
    path = tmp_path / "bad.toml"
    path.write_text(BASE.split("[[uncertain]]")[0] + "[[uncertain]]\n" + block + "\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: {field}:" in err and message in err, err
    assert main(["uncertainty", str(path), "-n", "1"]) == 2
    line = capsys.readouterr().err
    assert line.startswith(f"sco-sim: error: {path}: {field}:") and len(line.strip().splitlines()) == 1


def test_duplicate_declaration_is_an_error(tmp_path):
    text = BASE + '\n[[uncertain]]\npath = "members.*.tolerance"\nlow = 0.0\nhigh = 0.1\nreason = "again"\n'
    path = tmp_path / "dup.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(Exception, match=r"uncertain\[3\]\.path: 'members\.\*\.tolerance' is declared twice"):
        load_scenario(path)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_scenarios_declare_their_coded_assumptions(path):
    c = load_configuration(path)
    assert len(c.inputs) >= 9
    assert all(i.reason for i in c.inputs.values())


def test_data_md_lists_every_declared_path():
    text = (ROOT / "docs" / "DATA.md").read_text(encoding="utf-8")
    section = re.split(r"^## (?:\d+\. )?Declared uncertainty$", text, maxsplit=1, flags=re.M)[1]
    listed = set(re.findall(r"`([^`]+)`", section))
    missing = {p for f in BUNDLED for p in load_configuration(f).inputs} - listed
    assert not missing, f"DATA.md does not list {sorted(missing)}"


# ----------------------------------------------------------------------------- propagation


def test_common_input_draws_same_path_same_value(sobol_run):
    configs, design, _, _ = sobol_run
    base, child = configs
    for i in range(len(design.unit)):
        vb, vc = design.values_for(base, i), design.values_for(child, i)
        # declared the same way in both (inherited): the very same value
        assert vb["members.*.tolerance"] == vc["members.*.tolerance"]
        assert vb["negotiation.setter_noise"] == vc["negotiation.setter_noise"]
        # declared differently: the same quantile of each declaration
        u = design.unit[i, design.paths.index("members.A.ideal.security")]
        assert vb["members.A.ideal.security"] == pytest.approx(0.1 + u * (0.3 - 0.1))
        assert vc["members.A.ideal.security"] == child.inputs["members.A.ideal.security"].value(u)
        # a path the base does not declare is not applied there
        assert "members.D.ideal.security" not in vb
    drawn = base.config(design.values_for(base, 1))
    assert list(drawn.tolerance) == [design.values_for(base, 1)["members.*.tolerance"]] * 3


def test_input_without_influence_gets_sobol_zero(sobol_run):
    _, design, _, summary = sobol_run
    assert len(design.unit) == 8 * (len(design.factors) + 2)
    diff = summary["differences"]["four"]
    for metric in ("deadlock_rate", "consensus_rate", "mean_rounds"):
        sob = diff[metric]["sobol"]
        # setter_noise is read only by setter drafting: swapping it leaves every run identical
        assert sob["S1"]["negotiation.setter_noise"] == pytest.approx(0.0, abs=1e-12)
        assert sob["ST"]["negotiation.setter_noise"] == pytest.approx(0.0, abs=1e-12)
    # tolerance does move the deadlock difference
    assert diff["deadlock_rate"]["sobol"]["ST"]["members.*.tolerance"] > 0.05


def test_summary_intervals_are_ordered(sobol_run):
    _, _, runs, summary = sobol_run
    for name, diff in summary["differences"].items():
        for m, e in diff.items():
            if m == "flips":
                continue
            lo, hi = e["assumption_interval90"]
            assert lo <= hi
            assert e["mc_ci95"][0] <= e["mean"] <= e["mc_ci95"][1]
            n = e["nominal"]
            assert n["mc_ci95"][0] <= n["mean"] <= n["mc_ci95"][1]
    assert set(runs["scenario"]) == {"three", "four"}


def test_same_seed_same_draws_and_results(pair):
    configs = [load_configuration(p) for p in pair]
    a = make_design(configs, 5, "lhs", seed=1)
    b = make_design(configs, 5, "lhs", seed=1)
    assert np.array_equal(a.unit, b.unit)
    ra, rb = propagate(configs, a, 3, 1), propagate(configs, b, 3, 1)
    pd.testing.assert_frame_equal(ra, rb)
    assert not np.array_equal(make_design(configs, 5, "lhs", seed=2).unit, a.unit)


def test_prim_finds_a_known_box():
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.random(400), "b": rng.random(400)})
    flips = (x["a"] < 0.3).to_numpy()
    out = prim_box(x, flips)
    assert set(out["box"]["inputs"]) == {"a"}
    lo, hi = out["box"]["inputs"]["a"]
    assert hi == pytest.approx(0.3, abs=0.05) and out["box"]["density"] > 0.8
    assert prim_box(x, np.zeros(400, dtype=bool))["box"] is None


def test_cli_writes_tables_figures_and_json(pair, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["uncertainty", *map(str, pair), "-n", "2", "-r", "3", "--nominal-replications", "5",
            "--out", str(out), "--json", "--flip", "deadlock_rate<0.0", "--no-progress"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    entry = result["differences"]["four"]["deadlock_rate"]
    assert {"mean", "mc_ci95", "assumption_interval90", "sobol"} <= set(entry)
    assert {"S1", "ST"} <= set(entry["sobol"])
    assert result["differences"]["four"]["flips"][0]["conclusion_fails_where"] == "deadlock_rate < 0"
    draws = pd.read_parquet(out / "draws.parquet")
    assert len(draws) == result["draws"] == 2 * (len(result["factors"]) + 2)
    assert len(pd.read_parquet(out / "runs.parquet")) == 2 * len(draws)
    assert json.loads((out / "summary.json").read_text()) == result
    assert (out / "figures" / "differences_0.png").stat().st_size > 0
    assert (out / "figures" / "indices_0.png").stat().st_size > 0
    assert not [p for p in out.iterdir() if p.name.startswith(".partial")]


def test_bad_flip_exits_2_before_running(pair, capsys):
    assert main(["uncertainty", str(pair[0]), "--flip", "deadlock<0.1"]) == 2
    assert "sco-sim: error: --flip: deadlock<0.1:" in capsys.readouterr().err


def test_categorical_group_coding_reaches_the_configuration():
    c = load_configuration(ROOT / "scenarios" / "sco_2017_3plus5.toml")
    assert c.inputs["members.India.group"].values == ("major", "minor")
    india = c.config({}).names.index("India")
    assert c.config({"members.India.group": "minor"}).groups[india] == "minor"
    assert c.config({}).groups[india] == "major"
