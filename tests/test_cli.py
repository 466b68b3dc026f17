"""The ``sco-sim`` command line: run, compare, winset, --out folders, manifests, reproducibility."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, SIX_RANDOM, THREE_ON_A_LINE

import sco_sim
from sco_sim.cli import main

FILES = ["meetings.parquet", "members.parquet", "items.parquet", "summary.json", "manifest.json"]
COLUMNS = {
    "meetings": ["replication", "meeting", "items", "adopted", "deadlocked", "null_drafts", "rounds",
                 "carried_in"],
    "members": ["replication", "meeting", "member", "objections", "sole_vetoes",
                "distance_to_status_quo"],
    "items": ["replication", "meeting", "item", "issue_area", "carried_over", "proposer", "adopted",
              "null_draft", "rounds", "objectors"],
}
METRIC_KEYS = {"items", "adopted", "deadlocked", "throughput", "adoption_rate", "deadlock_rate",
               "deadlock_rate_ci95", "mean_rounds"}


def run_ok(capsys, argv: list[str]) -> str:
    rc = main(argv)
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "Traceback" not in cap.err
    return cap.out


def run_json(capsys, argv: list[str]) -> dict:
    return json.loads(run_ok(capsys, [*argv, "--json"]))


@pytest.fixture
def sq0(three_text, write) -> Path:
    """THREE_ON_A_LINE with the status quo at 0 (outside the members' range), so items can pass."""
    assert "position = [0.5]" in three_text
    text = three_text.replace("position = [0.5]", "position = [0.0]").replace(
        'name = "three members on a line"', 'name = "status quo at zero"')
    return write(text, "sq0.toml")


# --------------------------------------------------------------------------- run


def test_run_json_three_on_a_line(capsys):
    s = run_json(capsys, ["run", str(THREE_ON_A_LINE), "--replications", "10", "--seed", "5"])
    assert {"scenario", "replications", "seed", "meetings", "metrics", "members"} <= s.keys()
    assert s["scenario"] == "three members on a line"
    assert (s["replications"], s["seed"], s["meetings"]) == (10, 5, 10)
    m = s["metrics"]
    assert METRIC_KEYS <= m.keys()
    # Status quo at the median's ideal under unanimity: nothing can ever pass.
    assert m["deadlock_rate"] == 1.0
    assert m["deadlock_rate_ci95"] == [1.0, 1.0]
    assert m["adopted"] == 0 and m["adoption_rate"] == 0.0 and m["throughput"] == 0.0
    assert m["items"] == 40 and m["deadlocked"] == 40
    assert m["mean_rounds"] >= 0
    assert set(s["members"]) == {"A", "B", "C"}
    for name, stats in s["members"].items():
        assert {"objections", "sole_vetoes"} <= stats.keys()
        assert 0 <= stats["sole_vetoes"] <= stats["objections"] <= 40, name


def test_run_json_is_a_single_object_and_rates_are_consistent(capsys):
    s = run_json(capsys, ["run", str(SIX_RANDOM), "-r", "20", "--seed", "2"])
    m = s["metrics"]
    assert m["adoption_rate"] + m["deadlock_rate"] == pytest.approx(1.0)
    assert m["adopted"] == pytest.approx(m["adoption_rate"] * m["items"])
    lo, hi = m["deadlock_rate_ci95"]
    assert lo <= m["deadlock_rate"] <= hi
    assert set(s["members"]) == {f"P{i}" for i in range(1, 7)}


def test_meetings_override(capsys):
    s = run_json(capsys, ["run", str(THREE_ON_A_LINE), "-r", "3", "--meetings", "2"])
    assert s["meetings"] == 2
    assert s["metrics"]["items"] == 2 * 4


def test_readable_output(capsys):
    out = run_ok(capsys, ["run", str(THREE_ON_A_LINE), "-r", "3"])
    assert "three members on a line" in out
    assert "deadlock rate" in out
    assert "1.000" in out
    for name in ("A", "B", "C"):
        assert name in out


def test_mesa_engine_matches_compiled(capsys):
    argv = ["run", str(THREE_ON_A_LINE), "-r", "3", "--seed", "9", "--meetings", "3"]
    assert run_json(capsys, [*argv, "--engine", "mesa"]) == run_json(capsys, [*argv, "--engine",
                                                                                "compiled"])


# --------------------------------------------------------------------------- --out


def test_out_writes_the_five_files(capsys, tmp_path):
    out = tmp_path / "results" / "three"
    reps, meetings = 4, 3
    printed = run_json(capsys, ["run", str(THREE_ON_A_LINE), "-r", str(reps), "--meetings",
                                str(meetings), "--seed", "1", "--out", str(out)])
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)  # no leftover temporary folder
    assert json.loads((out / "summary.json").read_text()) == printed

    tables = {k: pd.read_parquet(out / f"{k}.parquet") for k in COLUMNS}
    for key, cols in COLUMNS.items():
        assert set(cols) <= set(tables[key].columns), (key, list(tables[key].columns))
    mt, mb, it = tables["meetings"], tables["members"], tables["items"]
    assert len(mt) == reps * meetings
    assert len(mb) == reps * meetings * 3
    assert len(it) == reps * meetings * 4
    assert sorted(mt["replication"].unique()) == list(range(reps))
    assert sorted(mt["meeting"].unique()) == list(range(1, meetings + 1))
    assert set(mb["member"]) == {"A", "B", "C"}
    assert (mt["items"] == 4).all()
    assert (mt["adopted"] + mt["deadlocked"] == mt["items"]).all()
    assert mt["adopted"].sum() == it["adopted"].sum() == 0
    assert not mt.duplicated(["replication", "meeting"]).any()
    assert not mb.duplicated(["replication", "meeting", "member"]).any()
    # summary member counts are per-replication means of the members table
    per_rep = mb.groupby("member")["objections"].sum() / reps
    for name, value in per_rep.items():
        assert printed["members"][name]["objections"] == pytest.approx(value)


def test_manifest(capsys, tmp_path):
    out = tmp_path / "out"
    run_ok(capsys, ["run", str(THREE_ON_A_LINE), "-r", "2", "--seed", "42", "--out", str(out)])
    man = json.loads((out / "manifest.json").read_text())
    assert man["versions"]["sco-sim"] == sco_sim.__version__
    for lib in ("python", "mesa", "numpy", "pandas"):
        assert man["versions"][lib]
    assert man["seed"] == 42
    assert man["replications"] == 2
    (entry,) = man["scenarios"]
    assert entry["sha256"] == hashlib.sha256(THREE_ON_A_LINE.read_bytes()).hexdigest()
    assert entry["name"] == "three members on a line"
    assert isinstance(man["command"], str) and man["command"].startswith("sco-sim")


def test_manifest_command_records_main_argv(capsys, tmp_path):
    out = tmp_path / "out"
    argv = ["run", str(THREE_ON_A_LINE), "-r", "2", "--seed", "42", "--out", str(out)]
    run_ok(capsys, argv)
    man = json.loads((out / "manifest.json").read_text())
    assert man["command"] == " ".join(["sco-sim", *argv])


def test_manifest_command_via_console_entry(tmp_path):
    out = tmp_path / "out"
    args = ["run", str(THREE_ON_A_LINE), "-r", "2", "--seed", "7", "--out", str(out)]
    proc = subprocess.run([sys.executable, "-m", "sco_sim", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    man = json.loads((out / "manifest.json").read_text())
    assert man["command"] == " ".join(["sco-sim", *args])


@pytest.mark.parametrize("scenario", [THREE_ON_A_LINE, SIX_RANDOM], ids=["three", "six"])
def test_same_command_gives_identical_bytes(capsys, tmp_path, monkeypatch, scenario):
    # The identical command line (relative --out) run from two working folders.
    argv = ["run", str(scenario), "-r", "8", "--seed", "11", "--out", "res"]
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        monkeypatch.chdir(tmp_path / d)
        run_ok(capsys, argv)
    for name in FILES:
        a, b = (tmp_path / d / "res" / name for d in ("a", "b"))
        assert a.read_bytes() == b.read_bytes(), name


def test_different_seed_different_meetings(capsys, tmp_path):
    for seed in ("1", "2"):
        run_ok(capsys, ["run", str(SIX_RANDOM), "-r", "20", "--seed", seed, "--out",
                        str(tmp_path / seed)])
    a = tmp_path / "1" / "meetings.parquet"
    b = tmp_path / "2" / "meetings.parquet"
    assert a.read_bytes() != b.read_bytes()
    assert not pd.read_parquet(a).equals(pd.read_parquet(b))


def test_out_into_existing_folder_keeps_other_files(capsys, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    run_ok(capsys, ["run", str(THREE_ON_A_LINE), "-r", "2", "--out", str(out)])
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, "notes.txt"])
    assert (out / "notes.txt").read_text() == "mine\n"


# --------------------------------------------------------------------------- compare


def test_compare_status_quo_variant(capsys, sq0):
    s = run_json(capsys, ["compare", str(THREE_ON_A_LINE), str(sq0), "-r", "10", "--seed", "3"])
    assert [x["scenario"] for x in s["scenarios"]] == ["three members on a line", "status quo at zero"]
    for x in s["scenarios"]:
        assert METRIC_KEYS <= x["metrics"].keys()
    (d,) = s["differences"]
    assert d["scenario"] == "status quo at zero"
    assert d["baseline"] == "three members on a line"
    base, var = (x["metrics"] for x in s["scenarios"])
    assert var["adoption_rate"] > base["adoption_rate"] == 0.0
    assert d["adoption_rate"] == pytest.approx(var["adoption_rate"] - base["adoption_rate"])
    lo, hi = d["adoption_rate_ci95"]
    assert 0 < lo <= d["adoption_rate"] <= hi
    lo, hi = d["deadlock_rate_ci95"]
    assert lo <= d["deadlock_rate"] <= hi < 0


def test_compare_same_scenario_twice_has_zero_difference(capsys):
    s = run_json(capsys, ["compare", str(SIX_RANDOM), str(SIX_RANDOM), "-r", "10"])
    (d,) = s["differences"]
    assert d["adoption_rate"] == 0.0 and d["adoption_rate_ci95"] == [0.0, 0.0]


def test_compare_readable_and_out(capsys, tmp_path, sq0):
    out = tmp_path / "cmp"
    text = run_ok(capsys, ["compare", str(THREE_ON_A_LINE), str(sq0), "-r", "3", "--out", str(out)])
    assert "Difference from three members on a line" in text
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    meetings = pd.read_parquet(out / "meetings.parquet")
    assert set(meetings["scenario"]) == {"three members on a line", "status quo at zero"}
    assert len(meetings) == 2 * 3 * 10
    man = json.loads((out / "manifest.json").read_text())
    assert [e["sha256"] for e in man["scenarios"]] == [
        hashlib.sha256(p.read_bytes()).hexdigest() for p in (THREE_ON_A_LINE, sq0)]


def test_compare_needs_two_scenarios(capsys, tmp_path):
    rc = main(["compare", str(THREE_ON_A_LINE), "-r", "2", "--out", str(tmp_path / "out")])
    cap = capsys.readouterr()
    assert rc == 2
    assert len(cap.err.splitlines()) == 1 and "Traceback" not in cap.err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- winset


def test_winset_three_on_a_line(capsys):
    w = run_json(capsys, ["winset", str(THREE_ON_A_LINE)])
    assert w["winset_share"] == 0.0
    assert w["method"] == "exact"
    lo, hi = w["winset_share_ci95"]
    assert lo <= 0.0 <= hi


def test_winset_status_quo_at_zero(capsys, sq0):
    # Unanimity winset of 0: points all three prefer to 0, i.e. (0, 2 * 0.2) -> 0.4 of [0, 1].
    w = run_json(capsys, ["winset", str(sq0)])
    assert w["method"] == "exact"
    assert w["winset_share"] == pytest.approx(0.4)


def test_winset_monte_carlo(capsys):
    w = run_json(capsys, ["winset", str(SIX_RANDOM), "--samples", "2000", "--seed", "1"])
    lo, hi = w["winset_share_ci95"]
    assert 0.0 <= lo <= w["winset_share"] <= hi <= 1.0


def test_winset_readable(capsys):
    out = run_ok(capsys, ["winset", str(THREE_ON_A_LINE)])
    assert "three members on a line" in out and "winset share" in out


# --------------------------------------------------------------------------- help, version, script


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["run", "--help"], ["compare", "--help"],
                                  ["winset", "--help"], ["validate", "--help"]])
def test_help(capsys, argv):
    out = run_ok(capsys, argv)
    assert "Usage:" in out


def test_top_level_help_lists_commands(capsys):
    out = run_ok(capsys, ["--help"])
    for cmd in ("run", "compare", "winset", "validate"):
        assert cmd in out


def test_version(capsys):
    out = run_ok(capsys, ["--version"])
    assert sco_sim.__version__ in out


def test_console_script_missing_file(tmp_path):
    missing = tmp_path / "nope.toml"
    proc = subprocess.run([sys.executable, "-m", "sco_sim", "run", str(missing), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(missing) in lines[0]
    assert proc.stdout == ""
    assert not (tmp_path / "out").exists()
