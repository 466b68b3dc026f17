"""Experiment files, the --set form, design points, validation up front, hashing and attribution."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, SCENARIOS

from sco_sim.experiments.experiment import (
    Attribution,
    attribution,
    check,
    design_points,
    experiment_from_scenario,
    experiment_hash,
    load_experiment,
    load_sweep,
    point_config,
    point_raw,
)
from sco_sim.inputs.errors import InputError

EXPERIMENTS = ROOT / "experiments"
BUNDLED = sorted(EXPERIMENTS.glob("*.toml"))
S24 = SCENARIOS / "sco_2001_2plus4.toml"
S35 = SCENARIOS / "sco_2017_3plus5.toml"
S23 = SCENARIOS / "sco_2023_iran.toml"
S24B = SCENARIOS / "sco_2024_belarus.toml"

HEAD = """
[experiment]
name = "t"
replications = 10
seed = 1
"""


def scen(path: Path, label: str | None = None, extra: str = "") -> str:
    lab = f'label = "{label}"\n' if label else ""
    return f'\n[[scenarios]]\npath = "{path.as_posix()}"\n{lab}{extra}\n'


@pytest.fixture
def exp_file(tmp_path):
    def _make(text: str, name: str = "exp.toml") -> Path:
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return p
    return _make


def one_problem(exc: pytest.ExceptionInfo) -> tuple[str, str, str]:
    p = exc.value.problems[0]
    assert "\n" not in exc.value.one_line()
    return p.source, p.field, p.message


# --------------------------------------------------------------------------- bundled experiments


def test_bundled_experiments_exist():
    names = {p.name for p in BUNDLED}
    assert {"expansion.toml", "decision_rules.toml", "community.toml", "rivalry.toml"} <= names


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_experiment_loads_and_checks(path):
    exp = load_experiment(path)
    check(exp)
    pts = design_points(exp)
    assert list(pts["point"]) == list(range(len(pts)))
    assert list(pts.columns) == ["point", "scenario", *exp.parameter_paths]
    assert path.read_text(encoding="utf-8").lstrip().startswith("#")  # commented: what it answers
    assert len(experiment_hash(exp)) == 64


def test_expansion_attribution_steps():
    exp = load_experiment(EXPERIMENTS / "expansion.toml")
    chains = {a.name: a.steps for a in exp.attributions}
    assert chains["accessions"][0] == "2+4" and chains["accessions"][-1] == "+Belarus"
    # the new members of each accession are what the chain attributes to
    members = {s.label: s.members for s in exp.scenarios}
    assert set(members["3+5"]) - set(members["2+4"]) == {"India", "Pakistan"}
    assert set(members["+Iran"]) - set(members["3+5 (2023 data)"]) == {"Iran"}
    assert set(members["+Belarus"]) - set(members["+Iran"]) == {"Belarus"}
    assert "Iran" not in members["3+5 (2023 data)"]


def test_decision_rules_points_have_their_rules():
    exp = load_experiment(EXPERIMENTS / "decision_rules.toml")
    pts = design_points(exp)
    rules = {}
    for rec in pts.to_dict("records"):
        c = point_config(exp, rec)
        rules[rec["scenario"]] = (c.rule, c.threshold, c.weighted)
        assert c.max_rounds == rec["negotiation.max_rounds"]
    assert rules["unanimity"] == ("unanimity", None, False)
    assert rules["consensus minus one"][0] == "consensus_minus_one"
    assert rules["majority 3/4"] == ("majority", 0.75, False)
    assert rules["weighted 2/3"][0::2] == ("majority", True)


# --------------------------------------------------------------------------- design points


def test_design_points_order_scenarios_outermost(exp_file):
    p = exp_file(HEAD + scen(S24, "a") + scen(S35, "b") + """
[parameters]
"negotiation.max_rounds" = [0, 3]
"members.*.tolerance" = { low = 0.0, high = 0.1, steps = 3 }
""")
    exp = load_experiment(p)
    pts = design_points(exp)
    assert len(pts) == 2 * 2 * 3
    assert list(pts["scenario"]) == ["a"] * 6 + ["b"] * 6
    assert list(pts["negotiation.max_rounds"]) == [0, 0, 0, 3, 3, 3] * 2
    assert list(pts["members.*.tolerance"]) == pytest.approx([0.0, 0.05, 0.1] * 4)
    assert pts["negotiation.max_rounds"].dtype == np.int64
    assert pts["members.*.tolerance"].dtype == np.float64
    # each point's configuration carries its values, and nothing else changes
    base = point_config(exp, 0)
    for rec in pts.to_dict("records"):
        c = point_config(exp, rec)
        assert c.max_rounds == rec["negotiation.max_rounds"]
        assert np.all(c.tolerance == rec["members.*.tolerance"])
        if rec["scenario"] == "a":
            assert c.concession == base.concession and c.names == base.names


def test_no_parameters_one_point_per_scenario(exp_file):
    exp = load_experiment(exp_file(HEAD + scen(S24) + scen(S35)))
    pts = design_points(exp)
    assert list(pts.columns) == ["point", "scenario"]
    assert list(pts["scenario"]) == ["SCO 2001: six founders (2+4)", "SCO 2017: eight members (3+5)"]


def test_sampling_design_same_points_for_every_scenario(exp_file):
    p = exp_file(HEAD + scen(S35, "a") + scen(S24B, "b") + """
[design]
type = "lhs"
samples = 8
[parameters]
"members.*.tolerance" = { low = 0.0, high = 0.2 }
"negotiation.max_rounds" = { low = 0, high = 4 }
""")
    exp = load_experiment(p)
    pts = design_points(exp)
    assert len(pts) == 16
    a = pts[pts.scenario == "a"].drop(columns=["point", "scenario"]).reset_index(drop=True)
    b = pts[pts.scenario == "b"].drop(columns=["point", "scenario"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert pts["negotiation.max_rounds"].dtype == np.int64
    check(exp)


def test_set_and_without_and_meetings(exp_file):
    p = exp_file("""
[experiment]
name = "t"
replications = 3
meetings = 4
""" + scen(S35, "no pak", 'without = ["Pakistan"]\nset = { "rule.type" = "consensus_minus_one", '
           '"members.India.ideal.connectivity" = 0.5 }'))
    exp = load_experiment(p)
    c = point_config(exp, 0)
    assert "Pakistan" not in c.names and len(c.names) == 7
    assert c.rule == "consensus_minus_one"
    assert c.meetings == 4
    assert c.ideal[c.names.index("India"), 1] == 0.5
    # only the China-India rivalry is left
    assert np.count_nonzero(~np.isnan(c.rivalry)) == 2


def test_point_raw_applies_values_to_a_copy(exp_file):
    exp = experiment_from_scenario(S35, ["members.India.tolerance=0.2,0.3"], 5, 0)
    before = pickle.dumps(exp.scenarios[0].raw)
    raw = point_raw(exp, 1)
    india = next(m for m in raw["members"] if m["name"] == "India")
    assert india["tolerance"] == 0.3
    assert pickle.dumps(exp.scenarios[0].raw) == before


def test_experiment_is_picklable():
    exp = load_experiment(EXPERIMENTS / "rivalry.toml")
    design_points(exp)
    again = pickle.loads(pickle.dumps(exp))
    np.testing.assert_array_equal(point_config(again, 7).rivalry, point_config(exp, 7).rivalry)
    pd.testing.assert_frame_equal(design_points(again), design_points(exp))


# --------------------------------------------------------------------------- CLI form


def test_cli_form_issue_example():
    exp = experiment_from_scenario(
        S35, ["negotiation.max_rounds=0,1,2,4", "members.India.tolerance=0:0.3:7"], 1000, 0, None)
    pts = design_points(exp)
    assert len(pts) == 28
    assert exp.replications == 1000 and exp.design == "factorial"
    assert list(pts.columns) == ["point", "scenario", "negotiation.max_rounds", "members.India.tolerance"]
    assert list(pts["members.India.tolerance"][:7]) == [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
    check(exp)


def test_cli_form_sampling_design():
    exp = experiment_from_scenario(S35, ["members.*.tolerance=0:0.1", "negotiation.max_rounds=0:4"],
                                   10, 2, design="sobol", samples=8)
    assert len(design_points(exp)) == 8 * (2 * 2 + 2)
    check(exp)


@pytest.mark.parametrize("sets, kwargs, field, needle", [
    (["members.Indai.tolerance=0.1"], {}, "members.Indai.tolerance=0.1", "unknown member 'Indai'"),
    (["members.India.tolerance=-0.1,0.1"], {}, "members.India.tolerance=-0.1,0.1", "greater than or equal to 0"),
    (["negotiation.max_rounds=1.5"], {}, "negotiation.max_rounds=1.5", "integer"),
    (["rule.type=unanimous"], {}, "rule.type=unanimous", "unanimity"),
    (["rule.threshold=0.5"], {}, "rule.threshold=0.5", "only to type = \"majority\""),
    (["negotiation.max_rounds=0:4"], {}, "negotiation.max_rounds=0:4", "range for sampling designs"),
    (["negotiation.max_rounds=1,2", "negotiation.max_rounds=3"], {}, "negotiation.max_rounds=3", "already set"),
    (["negotiation.max_rounds=1,2"], {"design": "lhs", "samples": 4}, "negotiation.max_rounds=1,2", "samples a range"),
    (["negotiation.max_rounds=0.5:3"], {"design": "lhs", "samples": 4}, "negotiation.max_rounds=0.5:3", "whole numbers"),
    (["rule.type=0:1"], {"design": "lhs", "samples": 4}, "rule.type=0:1", "not a numeric field"),
])
def test_cli_form_errors(sets, kwargs, field, needle):
    with pytest.raises(InputError) as exc:
        check(experiment_from_scenario(S35, sets, 10, 0, **kwargs))
    source, where, message = one_problem(exc)
    assert source == "--set"
    assert where == field
    assert needle in message


def test_cli_form_option_errors():
    with pytest.raises(InputError, match="--replications"):
        experiment_from_scenario(S35, [], 0, 0)
    with pytest.raises(InputError, match="--seed"):
        experiment_from_scenario(S35, [], 1, -1)
    with pytest.raises(InputError, match="no such file"):
        experiment_from_scenario(SCENARIOS / "nope.toml", [], 1, 0)
    with pytest.raises(InputError, match="design.samples"):
        experiment_from_scenario(S35, ["members.*.tolerance=0:0.1"], 1, 0, design="lhs")


def test_load_sweep_dispatches_and_overrides():
    scenario = load_sweep(S35, ["negotiation.max_rounds=0,1"], replications=7)
    assert scenario.cli is not None and scenario.replications == 7 and len(design_points(scenario)) == 2
    exp = load_sweep(EXPERIMENTS / "rivalry.toml", ["negotiation.max_rounds=0,2"], replications=5, seed=9)
    assert exp.replications == 5 and exp.seed == 9
    assert exp.parameter_paths[-1] == "negotiation.max_rounds"
    assert len(design_points(exp)) == 2 * 5 * 4 * 2
    plain = load_experiment(EXPERIMENTS / "rivalry.toml")
    assert experiment_hash(exp) != experiment_hash(plain)
    assert experiment_hash(load_sweep(EXPERIMENTS / "rivalry.toml")) == experiment_hash(plain)


# --------------------------------------------------------------------------- hashing


def test_hash_is_stable_and_sensitive(exp_file, tmp_path):
    text = HEAD + scen(S35) + '\n[parameters]\n"negotiation.max_rounds" = [0, 1]\n'
    h1 = experiment_hash(load_experiment(exp_file(text, "a.toml")))
    assert h1 == experiment_hash(load_experiment(exp_file(text, "b.toml")))
    h2 = experiment_hash(load_experiment(exp_file(text.replace("[0, 1]", "[0, 2]"), "c.toml")))
    assert h1 != h2
    # a change in a scenario file the experiment uses changes the hash too
    child = tmp_path / "child.toml"
    child.write_text(f'[scenario]\nextends = "{S35.as_posix()}"\nname = "c"\n', encoding="utf-8")
    t2 = HEAD + scen(child)
    h3 = experiment_hash(load_experiment(exp_file(t2, "d.toml")))
    child.write_text(f'[scenario]\nextends = "{S35.as_posix()}"\nname = "c2"\n', encoding="utf-8")
    assert experiment_hash(load_experiment(exp_file(t2, "d.toml"))) != h3
    c1 = experiment_from_scenario(S35, ["negotiation.max_rounds=0,1"], 10, 0)
    c2 = experiment_from_scenario(S35, ["negotiation.max_rounds=0,1"], 10, 0)
    c3 = experiment_from_scenario(S35, ["negotiation.max_rounds=0,1"], 10, 1)
    assert experiment_hash(c1) == experiment_hash(c2) != experiment_hash(c3)


# --------------------------------------------------------------------------- malformed files


MALFORMED = [
    # (body after HEAD, expected field, expected text)
    (scen(S35) + "\n[design]\ntype = \"grid\"\n", "design.type", "factorial"),
    (scen(S35) + "\n[design]\nkind = \"lhs\"\n", "design.kind", "unknown field"),
    (scen(S35) + "\n[parameters]\n\"negotiation.max_rounds\" = [0]\n[experiment2]\nx = 1\n",
     "experiment2", "unknown field"),
    (scen(SCENARIOS / "missing.toml"), "scenarios[0].path", "does not exist"),
    ("", "scenarios", "required field is missing"),
    (scen(S35) + "\n[parameters]\n\"members.Indai.tolerance\" = [0.1]\n",
     "parameters.members.Indai.tolerance", "unknown member 'Indai'"),
    (scen(S35) + "\n[parameters]\n\"negotiation.max_round\" = [1]\n",
     "parameters.negotiation.max_round", "unknown field 'max_round'"),
    (scen(S35) + "\n[parameters]\n\"rivalries.India-Iran.intensity\" = [0.1]\n",
     "parameters.rivalries.India-Iran.intensity", "no rivalry"),
    (scen(S35) + "\n[parameters]\n\"members.India.tolerance\" = [0.1, -0.2]\n",
     "parameters.members.India.tolerance", "greater than or equal to 0"),
    (scen(S35) + "\n[parameters]\n\"members.*.tolerance\" = { low = -0.1, high = 0.1, steps = 3 }\n",
     "parameters.members.*.tolerance", "greater than or equal to 0"),
    (scen(S35) + "\n[parameters]\n\"members.*.tolerance\" = { low = 0.0, high = 0.1 }\n",
     "parameters.members.*.tolerance.steps", "factorial design needs"),
    (scen(S35) + "\n[parameters]\n\"members.*.tolerance\" = { low = 0.0, hi = 0.1, steps = 2 }\n",
     "parameters.members.*.tolerance.hi", "unknown field"),
    (scen(S35) + "\n[parameters]\n\"members.*.tolerance\" = 0.1\n",
     "parameters.members.*.tolerance", "expected a list of values"),
    (scen(S35) + "\n[parameters]\n\"members.*.tolerance\" = []\n",
     "parameters.members.*.tolerance", "at least one value"),
    (scen(S35) + "\n[design]\ntype = \"lhs\"\nsamples = 4\n[parameters]\n\"members.*.tolerance\" = [0.1]\n",
     "parameters.members.*.tolerance", "samples a range"),
    (scen(S35) + "\n[design]\ntype = \"lhs\"\n[parameters]\n\"members.*.tolerance\" = { low = 0.0, high = 0.1 }\n",
     "design.samples", "required"),
    (scen(S35) + "\n[design]\ntype = \"sobol\"\nsamples = 10\n[parameters]\n\"members.*.tolerance\" = { low = 0.0, high = 0.1 }\n",
     "design.samples", "power of two"),
    (scen(S35) + "\n[design]\ntype = \"lhs\"\nsamples = 4\n[parameters]\n\"members.*.tolerance\" = { low = 0.2, high = 0.1 }\n",
     "parameters.members.*.tolerance", "low < high"),
    (scen(S35) + "\n[design]\ntype = \"morris\"\nsamples = 4\n[parameters]\n\"members.*.tolerance\" = { low = -0.5, high = 0.1 }\n",
     "parameters.members.*.tolerance", "greater than or equal to 0"),
    (scen(S35) + "\n[design]\nsamples = 4\n", "design.samples", "sampling designs"),
    (scen(S35) + "\n[design]\ntype = \"lhs\"\nsamples = 4\nlevels = 3\n[parameters]\n\"members.*.tolerance\" = { low = 0.0, high = 0.1 }\n",
     "design.levels", "morris"),
    (scen(S35, "x") + scen(S24, "x"), "scenarios[1].label", "already used"),
    (scen(S35, "x", 'without = ["Iran"]'), "scenarios[0].without", "unknown member 'Iran'"),
    (scen(S35, "x", 'set = { "rule.threshold" = 0.5 }'), "scenarios[0].set", "only to type"),
    (scen(S35, "x", 'set = { "members.Iran.tolerance" = 0.5 }'), "scenarios[0].set.members.Iran.tolerance",
     "unknown member"),
    (scen(S35, "x", "colour = 1"), "scenarios[0].colour", "unknown field"),
    (scen(S24, "a") + scen(S35, "b") + "\n[parameters]\n\"members.India.tolerance\" = [0.1]\n",
     "parameters.members.India.tolerance", "in scenario 'a'"),
    (scen(S35, "a") + "\n[attribution]\nsteps = [\"a\", \"b\"]\n", "attribution.steps[1]", "unknown scenario label 'b'"),
    (scen(S35, "a") + "\n[attribution]\nsteps = [\"a\"]\n", "attribution[0].steps", "at least 2"),
]


@pytest.mark.parametrize("body, field, needle", MALFORMED, ids=[m[1] for m in MALFORMED])
def test_malformed_experiment_files(exp_file, body, field, needle):
    p = exp_file(HEAD + body)
    with pytest.raises(InputError) as exc:
        check(load_experiment(p))
    source, where, message = one_problem(exc)
    assert source == str(p)
    assert where == field
    assert needle in message


@pytest.mark.parametrize("head, field, needle", [
    ('[experiment]\nname = "t"\n', "experiment.replications", "required"),
    ('[experiment]\nname = "t"\nreplications = 0\n', "experiment.replications", "greater than or equal to 1"),
    ('[experiment]\nname = "t"\nreplications = 2\nseed = -1\n', "experiment.seed", "greater than or equal to 0"),
    ('[experiment]\nname = "t"\nreplications = 2\nengine = "fast"\n', "experiment.engine", "vectorised"),
    ('[experiment]\nname = "t"\nreplications = "many"\n', "experiment.replications", "integer"),
])
def test_malformed_experiment_table(exp_file, head, field, needle):
    p = exp_file(head + scen(S35))
    with pytest.raises(InputError) as exc:
        load_experiment(p)
    source, where, message = one_problem(exc)
    assert (source, where) == (str(p), field)
    assert needle in message


def test_not_toml_and_missing_file(exp_file, tmp_path):
    with pytest.raises(InputError, match="not valid TOML"):
        load_experiment(exp_file("[experiment\n"))
    with pytest.raises(InputError, match="no such file"):
        load_experiment(tmp_path / "nope.toml")


def test_check_names_the_point(exp_file):
    p = exp_file(HEAD + scen(S35, "3+5") + '\n[parameters]\n"negotiation.max_rounds" = [0, 1]\n'
                 '"negotiation.concession" = [0.5, 1.5]\n')
    exp = load_experiment(p)
    with pytest.raises(InputError) as exc:
        check(exp)
    source, where, message = one_problem(exc)
    assert (source, where) == (str(p), "parameters.negotiation.concession")
    assert "design point 1" in message and "1.5" in message and "3+5" in message


# --------------------------------------------------------------------------- attribution


def _attribution_experiment(exp_file):
    p = exp_file(HEAD + scen(S24, "2+4") + scen(S35, "3+5") + scen(S23, "+Iran")
                 + '\n[attribution]\nsteps = ["2+4", "3+5", "+Iran"]\n')
    return load_experiment(p)


def test_attribution_known_answer(exp_file):
    exp = _attribution_experiment(exp_file)
    rng = np.random.default_rng(0)
    n = 50
    base = rng.uniform(0.1, 0.3, n)  # shared per-replication level (common random numbers)
    noise = np.tile([0.01, -0.01], n // 2)
    rows = pd.concat([
        pd.DataFrame({"scenario": "2+4", "replication": np.arange(n), "deadlock_rate": base}),
        pd.DataFrame({"scenario": "3+5", "replication": np.arange(n), "deadlock_rate": base + 0.3}),
        pd.DataFrame({"scenario": "+Iran", "replication": np.arange(n), "deadlock_rate": base + 0.25 + noise}),
    ]).sample(frac=1, random_state=1)  # order must not matter: pairing is by replication
    res = attribution(rows, exp)
    assert list(res["step"]) == [1, 2]
    assert list(res["added"]) == ["India, Pakistan", "Iran"]
    assert list(res["removed"]) == ["", ""]
    assert res.loc[0, "difference"] == pytest.approx(0.3)
    assert res.loc[0, "ci_low"] == pytest.approx(0.3) and res.loc[0, "ci_high"] == pytest.approx(0.3)
    assert res.loc[1, "difference"] == pytest.approx(-0.05)
    half = 2.0095752 * 0.01 * np.sqrt(n / (n - 1)) / np.sqrt(n)  # t(0.975, 49) * sd / sqrt(n)
    assert res.loc[1, "ci_high"] - res.loc[1, "difference"] == pytest.approx(half, rel=1e-4)
    assert res.loc[1, "from_mean"] == pytest.approx(base.mean() + 0.3)
    assert (res["replications"] == n).all()


def test_attribution_with_parameters_and_default_chain(exp_file):
    p = exp_file(HEAD + scen(S24, "a") + scen(S35, "b") + '\n[parameters]\n"negotiation.max_rounds" = [0, 2]\n')
    exp = load_experiment(p)
    assert exp.attributions == []
    rows = []
    for lab, shift in (("a", 0.0), ("b", 0.1)):
        for r in (0, 2):
            for k in range(4):
                rows.append({"scenario": lab, "negotiation.max_rounds": r, "replication": k,
                             "deadlock_rate": 0.5 - 0.1 * r + shift * (1 + r) + 0.01 * k})
    res = attribution(pd.DataFrame(rows), exp)
    assert len(res) == 2
    got = dict(zip(res["negotiation.max_rounds"], res["difference"]))
    assert got[0] == pytest.approx(0.1) and got[2] == pytest.approx(0.3)
    assert set(res["added"]) == {"India, Pakistan"}


def test_attribution_removed_members_and_bad_metric(exp_file):
    exp = _attribution_experiment(exp_file)
    exp.attributions = [Attribution("back", ["+Iran", "2+4"])]
    rows = pd.DataFrame({"scenario": ["2+4", "+Iran"], "replication": [0, 0], "deadlock_rate": [0.1, 0.2]})
    res = attribution(rows, exp)
    assert res.loc[0, "added"] == ""
    assert res.loc[0, "removed"] == "India, Pakistan, Iran"
    assert res.loc[0, "difference"] == pytest.approx(-0.1)
    with pytest.raises(InputError, match="no such metric"):
        attribution(rows, exp, metric="nope")


def test_from_description_round_trip():
    import json

    from sco_sim.experiments.experiment import from_description

    for exp in (load_sweep(EXPERIMENTS / "rivalry.toml", ["negotiation.max_rounds=0,2"], replications=5),
                experiment_from_scenario(S35, ["members.*.tolerance=0:0.1"], 4, 2, design="lhs", samples=3)):
        d = json.loads(json.dumps(exp.describe()))
        again = from_description(d)
        assert experiment_hash(again) == d["sha256"] == experiment_hash(exp)
        pd.testing.assert_frame_equal(design_points(again), design_points(exp))


def test_sweep_size_is_checked_after_the_command_line_overrides(exp_file):
    big = HEAD.replace("replications = 10", "replications = 10000000\nchunk = 1")
    p = exp_file(big + scen(S35) + '\n[parameters]\n"negotiation.max_rounds" = [0, 1]\n')
    with pytest.raises(InputError) as err:
        load_sweep(p)
    source, field, message = one_problem(err)
    assert (source, field) == (str(p), "experiment.replications") and "20,000,000 tasks" in message
    exp = load_sweep(p, chunk=100_000)  # the command line fixes it: 2 points x 100 chunks
    assert exp.chunk == 100_000
    with pytest.raises(InputError) as err:
        load_sweep(p, chunk=1, replications=9_000_000)
    assert one_problem(err)[0] == "--replications"
    exp = load_experiment(p)  # loading alone builds nothing; building the points checks the size
    with pytest.raises(InputError, match="tasks"):
        design_points(exp)


@pytest.mark.parametrize("body, field", [
    ("replications = true", "experiment.replications"),
    ('replications = "2"', "experiment.replications"),
    ("replications = 1e8", "experiment.replications"),
    ('replications = 2\nseed = "7"', "experiment.seed"),
    ("replications = 2\nchunk = true", "experiment.chunk"),
    ("replications = 2\nmeetings = 100000", "experiment.meetings"),
])
def test_experiment_numbers_have_strict_types_and_limits(exp_file, body, field):
    p = exp_file(f'[experiment]\nname = "t"\n{body}\n' + scen(S35))
    with pytest.raises(InputError) as err:
        load_experiment(p)
    assert one_problem(err)[1] == field


@pytest.mark.parametrize("metric, ok", [("deadlock_rate", True), ("subset_rate", True),
                                        ("objections.India", True), ("objections.Nobody", False),
                                        ("replication", False), ("point", False), ("nope", False)])
def test_attribution_metric_is_checked_when_loading(exp_file, metric, ok):
    p = exp_file(HEAD + scen(S35, "a") + scen(S35, "b") + f'\n[attribution]\nmetric = "{metric}"\n')
    if ok:
        assert load_experiment(p).attributions[0].metric == metric
    else:
        with pytest.raises(InputError) as err:
            load_experiment(p)
        assert one_problem(err)[1] == "attribution.metric"


def test_attribution_metrics_are_run_table_columns():
    from sco_sim import build_config, load_scenario, simulate
    from sco_sim.analysis.summary import run_table
    from sco_sim.experiments.experiment import ATTRIBUTION_METRICS

    config = build_config(load_scenario(SCENARIOS / "teaching" / "three_on_a_line.toml"), meetings=1)
    runs = run_table(simulate(config, 2, 0))
    assert set(ATTRIBUTION_METRICS) == {c for c in runs.columns if c != "replication" and "." not in c}
