"""The sweep-related commands end to end: sweep, summarize, sensitivity, rules."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import ROOT, THREE_ON_A_LINE

from sco_sim.cli import main


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def test_sweep_with_set_writes_a_summary_and_resumes(tmp_path, capsys, three_text, write):
    scenario = write(three_text.replace("position = [0.5]", "position = [0.0]"))
    out = tmp_path / "sweep"
    args = ["sweep", str(scenario), "--set", "negotiation.max_rounds=0,2",
            "--set", "members.*.tolerance=0:0.2:3", "-r", "40", "--chunk", "20",
            "--workers", "1", "--out", str(out), "--no-progress"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "12 tasks run, 0 already done" in first  # 2 x 3 points x 2 chunks
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 2 * 3
    assert set(summary["negotiation.max_rounds"]) == {0, 2}
    assert (summary["replications"] == 40).all()
    # More tolerance never lowers throughput here: every member accepts more.
    for _, g in summary.groupby("negotiation.max_rounds"):
        assert g.sort_values("members.*.tolerance")["throughput"].is_monotonic_increasing
    runs_before = (out / "runs").stat().st_mtime_ns
    assert main(args) == 0
    assert "0 tasks run, 12 already done" in capsys.readouterr().out
    assert (out / "runs").stat().st_mtime_ns == runs_before


def test_sweep_matches_run_for_the_same_seed(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["sweep", str(THREE_ON_A_LINE), "-r", "10", "--seed", "3", "--workers", "1",
                 "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["run", str(THREE_ON_A_LINE), "-r", "10", "--seed", "3", "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    summary = pd.read_csv(out / "summary.csv")
    assert summary.loc[0, "deadlock_rate"] == pytest.approx(run["metrics"]["deadlock_rate"])


@pytest.mark.parametrize(
    ("option", "field"),
    [
        (["--set", "negotiation.max_rounds"], "--set"),
        (["--set", "members.Nobody.tolerance=0,1"], "members.Nobody"),
        (["--set", "negotiation.max_rounds=0:2:x"], "--set"),
        (["--set", "members.*.tolerance=-1,0"], "tolerance"),
        (["--shard", "3/2"], "--shard"),
    ],
)
def test_bad_sweep_options_are_one_line_errors(tmp_path, capsys, option, field):
    out = tmp_path / "s"
    code = main(["sweep", str(THREE_ON_A_LINE), "-r", "2", "--workers", "1", "--out", str(out),
                 *option])
    assert code == 2
    assert field in one_error_line(capsys)
    assert not out.exists()


def test_summarize_and_sensitivity_reject_a_folder_that_is_not_a_sweep(tmp_path, capsys):
    assert main(["summarize", str(tmp_path)]) == 2
    assert str(tmp_path) in one_error_line(capsys)
    assert main(["sensitivity", str(tmp_path)]) == 2
    one_error_line(capsys)


def test_morris_sweep_then_sensitivity(tmp_path, capsys):
    exp = tmp_path / "morris.toml"
    exp.write_text(f"""
[experiment]
name = "tiny morris"
replications = 20
seed = 1
chunk = 20

[[scenarios]]
path = "{(ROOT / 'scenarios/teaching/lone_blocker.toml').as_posix()}"

[design]
type = "morris"
samples = 4
levels = 4

[parameters]
"members.*.tolerance" = {{ low = 0.0, high = 0.2 }}
"negotiation.max_rounds" = {{ low = 0, high = 3 }}
""")
    out = tmp_path / "m"
    assert main(["sweep", str(exp), "--workers", "1", "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["sensitivity", str(out), "--json"]) == 0
    indices = pd.DataFrame(json.loads(capsys.readouterr().out)["indices"])
    assert set(indices["parameter"]) == {"members.*.tolerance", "negotiation.max_rounds"}
    assert (indices["mu_star"] >= 0).all()
    assert (out / "sensitivity_deadlock_rate.csv").exists()


def test_rules_known_answers(capsys):
    assert main(["rules", str(THREE_ON_A_LINE), "--json"]) == 0
    rules = {r["label"]: r for r in json.loads(capsys.readouterr().out)["rules"]}
    n = 3
    assert rules["unanimity"]["coleman"] == pytest.approx(1 / 2**n)
    assert rules["consensus-minus-one"]["coleman"] == pytest.approx((n + 1) / 2**n)
    assert rules["majority > 1/2"]["coleman"] == pytest.approx(1 / 2)
    assert [rules["unanimity"][m] for m in "ABC"] == pytest.approx([1 / n] * n)
    # Capabilities 0.5 / 0.25 / 0.25: under a weighted simple majority A alone cannot pass
    # (0.5 is not more than half) but A with either other member can, so A swings in 3 of the 4
    # profiles of the others and B and C in 1 each: Banzhaf (3, 1, 1) / 5.
    weighted = rules["weighted majority > 50% (capability)"]
    assert [weighted[m] for m in "ABC"] == pytest.approx([3 / 5, 1 / 5, 1 / 5])
