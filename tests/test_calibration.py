"""Calibration (`sco-sim calibrate`): a proper score with known answers, ABC recovering a known parameter."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sco_sim.analysis.uncertainty import load_configuration, run_model
from sco_sim.case import calibration as C
from sco_sim.cli import main

SYNTHETIC = """
[scenario]
name = "synthetic"
meetings = {meetings}

[space]
dimensions = ["security", "trade"]

[agenda]
items_per_meeting = 6
proposer = "random"

[negotiation]
max_rounds = 1
noise = 0.05
setter_noise = 0.0

[status_quo]
position = [0.5, 0.5]
drift = 0.05

[[members]]
name = "A"
group = "major"
ideal = [0.2, 0.3]
salience = [1.0, 1.0]
capability = 0.5
tolerance = 0.02

[[members]]
name = "B"
group = "minor"
ideal = [0.8, 0.7]
salience = [1.0, 1.0]
capability = 0.5
tolerance = 0.02

[[uncertain]]
path = "agenda.items_per_meeting"
low = 2
high = 12
reason = "items tabled per summit are not recorded"

[[uncertain]]
path = "negotiation.setter_noise"
low = 0.0
high = 0.2
reason = "read only by setter drafting: no influence here"
"""


def _scenario(tmp_path: Path, meetings: int = 6) -> Path:
    p = tmp_path / "synthetic.toml"
    p.write_text(SYNTHETIC.format(meetings=meetings), encoding="utf-8")
    return p


def test_crps_known_answers():
    assert C.crps(np.array([3.0]), 5.0) == 2.0  # one member: its absolute error
    assert C.crps(np.array([5.0, 5.0, 5.0]), 5.0) == 0.0  # a sure, right forecast
    # {0, 1} against 0: E|X - y| = 1/2, E|X - X'| = 1/2, so 1/2 - 1/4
    assert C.crps(np.array([0.0, 1.0]), 0.0) == pytest.approx(0.5 - 0.25)
    # a proper score: the truth's own distribution scores better than a shifted one
    x = np.random.default_rng(0).normal(size=4000)
    ys = np.random.default_rng(1).normal(size=200)
    assert np.mean([C.crps(x, y) for y in ys]) < np.mean([C.crps(x + 1.0, y) for y in ys])


def test_record_targets_from_tables():
    summits = pd.DataFrame({"meeting": [1, 2, 3, 4], "documents": [2, None, 4, 10]})
    blockages = pd.DataFrame({
        "body": ["heads_of_state", "heads_of_state", "foreign_ministers", "heads_of_state"],
        "kind": ["subset_text", "subset_text", "subset_text", "no_text"],
        "meeting": [3, 3, None, 4], "withheld_by": [("India",), ("India", "Pakistan"), ("India",), ("Russia",)]})
    rec = C.record_from_tables(summits, blockages)
    assert rec.texts_without_member == {1: 0, 2: 0, 3: 2, 4: 0}
    assert rec.outside[3] == ["India", "India", "Pakistan"]
    stats = rec.fit_statistics((1, 3))
    assert stats["documents_mean"] == (2 + 4) / 2 and stats["documents_sd"] == pytest.approx(math.sqrt(2))


def test_abc_recovers_a_known_parameter(tmp_path):
    c = load_configuration(_scenario(tmp_path))
    bounds = C.priors(c, ["agenda.items_per_meeting", "negotiation.setter_noise"])
    truth = 6
    observed = C.model_statistics(run_model(c.config({"agenda.items_per_meeting": truth}), 20, 99), (1, 6))
    fit = C.calibrate(c, observed, bounds, populations=3, population_size=20, replications=4, seed=1, fit=(1, 6))
    post = C.posterior_summary(fit["posterior"], bounds)
    lo, hi = post["agenda.items_per_meeting"]["ci90"]
    assert lo <= truth <= hi and hi - lo < 0.6 * (12 - 2)
    # the parameter without influence learns nothing: its interval keeps most of the prior
    lo, hi = post["negotiation.setter_noise"]["ci90"]
    assert hi - lo > 0.5 * (0.2 - 0.0)
    assert len(fit["epsilons"]) == 3 and fit["runs"] >= 3 * 20
    again = C.calibrate(c, observed, bounds, populations=1, population_size=5, replications=2, seed=5, fit=(1, 6))
    same = C.calibrate(c, observed, bounds, populations=1, population_size=5, replications=2, seed=5, fit=(1, 6))
    pd.testing.assert_frame_equal(again["posterior"], same["posterior"])


def _record(meetings: int = 25) -> C.Record:
    docs = {m: float(3 + (m % 3)) if m <= 17 else float(8 + (m % 2)) for m in range(1, meetings + 1)}
    texts = {m: (1 if m >= 18 else 0) for m in docs}
    return C.Record(docs, texts, {m: (["India"] if m >= 18 else []) for m in docs})


def test_out_of_sample_scores_a_perfect_forecast_above_the_baseline():
    rec = _record()
    rows = [{"draw": 0, "replication": 0, "meeting": m, "documents": rec.documents[m],
             "texts_without_member": 1, "india_outside": 1} for m in range(18, 26)]
    scores = C.out_of_sample(pd.DataFrame(rows), rec)
    assert scores["documents_per_summit"]["model"] == 0.0 < scores["documents_per_summit"]["baseline"]
    assert scores["texts_without_member_per_summit"]["model"] == 0.0
    assert scores["india_outside_share"] == pytest.approx({**scores["india_outside_share"], "model": 0.0,
                                                           "baseline": 1 - 1 / 8})


def test_cli_calibrate_end_to_end(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(C, "load_record", _record)
    scenario = _scenario(tmp_path, meetings=25)
    out = tmp_path / "cal"
    assert main(["calibrate", str(scenario), "--populations", "1", "--population-size", "10",
                 "--predictive-draws", "3", "--out", str(out), "--json", "--no-progress"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["posterior"]) == {"agenda.items_per_meeting"}
    assert {"mean", "ci90"} <= set(result["posterior"]["agenda.items_per_meeting"])
    assert set(result["out_of_sample"]) == {"documents_per_summit", "texts_without_member_per_summit",
                                            "india_outside_share"}
    for e in result["out_of_sample"].values():
        assert {"model", "baseline"} <= set(e)
    post = pd.read_parquet(out / "posterior.parquet")
    assert len(post) == 10 and post["weight"].sum() == pytest.approx(1.0)
    assert len(pd.read_parquet(out / "predictive.parquet")) == 3 * 5 * 25
    assert (out / "figures" / "posterior.png").stat().st_size > 0
    assert (out / "figures" / "predictive.png").stat().st_size > 0


def test_nothing_to_calibrate_is_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(C, "load_record", _record)
    text = SYNTHETIC.format(meetings=25).split("[[uncertain]]")[0] + (
        '[[uncertain]]\npath = "negotiation.setter_noise"\nlow = 0.0\nhigh = 0.2\nreason = "x"\n')
    p = tmp_path / "none.toml"
    p.write_text(text, encoding="utf-8")
    assert main(["calibrate", str(p)]) == 2
    assert capsys.readouterr().err.startswith(f"sco-sim: error: {p}: uncertain: declares none of the free")
