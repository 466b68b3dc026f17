"""Sweeps: planning and sharding, resuming after a kill, error rows, per-point summaries."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sco_sim.analysis.summary import mean_ci
from sco_sim.experiments.executors import InProcessExecutor
from sco_sim.experiments.experiment import design_points, experiment_from_scenario
from sco_sim.experiments.store import ResultStore
from sco_sim.experiments.sweep import (
    Task,
    make_spec,
    parse_shard,
    plan,
    run_sweep,
    run_task,
    shard,
    summarize_results,
)
from sco_sim.inputs.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SCO_2017 = ROOT / "scenarios" / "sco_2017_3plus5.toml"


def small(sets=("negotiation.max_rounds=0,2",), replications=30, seed=7, chunk=8, meetings=4,
          engine="vectorised"):
    return experiment_from_scenario(SCO_2017, list(sets), replications, seed, meetings,
                                    engine=engine, chunk=chunk)


class Counting(InProcessExecutor):
    """In-process executor that counts the tasks it is given."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def map_unordered(self, fn, items):
        for item in items:
            self.calls.append(item.task.task_id)
            yield fn(item)


def chunk_bytes(out: Path, table: str = "runs") -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / table).glob("*.parquet"))}


# --------------------------------------------------------------------------- plan and shards


def test_plan_covers_every_replication_once() -> None:
    tasks = plan(range(3), replications=10, chunk=4)
    ids = [t.task_id for t in tasks][:3]
    assert ids == ["p000000-r000000", "p000000-r000004", "p000000-r000008"]
    assert [t.count for t in tasks[:3]] == [4, 4, 2]
    cells = [(t.point, k) for t in tasks for k in range(t.first, t.first + t.count)]
    assert sorted(cells) == [(p, k) for p in range(3) for k in range(10)]
    assert tasks == sorted(tasks)


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_shards_partition_the_plan(n: int) -> None:
    tasks = plan(range(5), replications=23, chunk=5)
    parts = [shard(tasks, i, n) for i in range(n)]
    ids = [t.task_id for part in parts for t in part]
    assert sorted(ids) == sorted(t.task_id for t in tasks)
    assert len(ids) == len(set(ids))
    assert all(abs(len(a) - len(b)) <= 1 for a in parts for b in parts)


@pytest.mark.parametrize("text", ["2/2", "-1/2", "1/0", "a/b", "1", "1/2/3", ""])
def test_bad_shards_are_input_errors(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_shard(text)
    assert "--shard" in str(err.value)


def test_parse_shard() -> None:
    assert parse_shard("0/4") == (0, 4)
    assert parse_shard(" 3 / 4 ") == (3, 4)
    with pytest.raises(InputError):
        shard(plan(range(1), 4, 2), 1, 1)


# --------------------------------------------------------------------------- running


def test_sweep_table_columns_and_manifest(tmp_path: Path) -> None:
    exp = small()
    report = run_sweep(exp, tmp_path / "out", command="sco-sim sweep test")
    assert (report.tasks, report.done, report.skipped, report.failed) == (8, 8, 0, 0)
    assert report.replications == 60
    df = ResultStore(tmp_path / "out").read_runs()
    assert len(df) == 60 and not df.duplicated(["point", "replication"]).any()
    head = ["point", "scenario", "negotiation.max_rounds", "replication", "items"]
    assert list(df.columns[:5]) == head
    assert list(df.columns[-2:]) == ["status", "error"]
    assert "objections.India" in df.columns and "sole_vetoes.Pakistan" in df.columns
    assert (df["status"] == "ok").all() and (df["error"] == "").all()
    assert df.groupby("point")["negotiation.max_rounds"].first().tolist() == [0, 2]
    assert (df["meetings"] == 4).all()
    m = ResultStore(tmp_path / "out").read_manifest()
    assert m["seed"] == 7 and m["replications"] == 30 and m["chunk"] == 8 and m["points"] == 2
    assert m["command"] == "sco-sim sweep test"
    assert len(m["experiment_sha256"]) == 64
    assert m["experiment"]["scenarios"][0]["sha256"]
    assert m["versions"]["sco-sim"]
    assert not (tmp_path / "out" / "meetings").exists()


def test_rows_equal_a_direct_run(tmp_path: Path) -> None:
    """A sweep's row for (point, k) is the run-level row of replication k run on its own."""
    from sco_sim.analysis.summary import run_table
    from sco_sim.engine import simulate
    from sco_sim.experiments.experiment import point_config

    exp = small()
    run_sweep(exp, tmp_path)
    df = ResultStore(tmp_path).read_runs()
    row = design_points(exp).to_dict("records")[1]
    direct = run_table(simulate(point_config(exp, row), 30, 7, tables=False))
    got = df[df["point"] == 1].reset_index(drop=True)[direct.columns]
    pd.testing.assert_frame_equal(got, direct)


def test_rerun_runs_nothing(tmp_path: Path) -> None:
    exp = small()
    first = Counting()
    run_sweep(exp, tmp_path, first)
    assert len(first.calls) == 8
    before = chunk_bytes(tmp_path)
    again = Counting()
    report = run_sweep(exp, tmp_path, again)
    assert again.calls == []
    assert (report.done, report.skipped, report.failed) == (0, 8, 0)
    assert chunk_bytes(tmp_path) == before


def test_rerun_fills_in_missing_chunks_only(tmp_path: Path) -> None:
    exp = small()
    run_sweep(exp, tmp_path)
    reference = ResultStore(tmp_path).read_runs()
    (tmp_path / "runs" / "p000001-r000016.parquet").unlink()
    counting = Counting()
    run_sweep(exp, tmp_path, counting)
    assert counting.calls == ["p000001-r000016"]
    pd.testing.assert_frame_equal(ResultStore(tmp_path).read_runs(), reference)


def test_shards_into_one_folder_equal_the_whole(tmp_path: Path) -> None:
    exp = small(sets=("negotiation.max_rounds=0,2", "negotiation.concession=0.2,0.8"))
    whole = tmp_path / "whole"
    run_sweep(exp, whole)
    split = tmp_path / "split"
    r0 = run_sweep(exp, split, shard=(0, 2))
    assert len(ResultStore(split).done()) == r0.done < r0.tasks * 2
    r1 = run_sweep(exp, split, shard=(1, 2))
    assert r0.done + r1.done == 16 and r0.skipped == r1.skipped == 0
    assert chunk_bytes(split) == chunk_bytes(whole)
    a, b = ResultStore(whole).read_runs(), ResultStore(split).read_runs()
    assert a.to_parquet(index=False) == b.to_parquet(index=False)


def test_meetings_table_only_when_asked(tmp_path: Path) -> None:
    exp = small()
    run_sweep(exp, tmp_path)
    assert ResultStore(tmp_path).read_meetings().empty
    counting = Counting()
    run_sweep(exp, tmp_path, counting, meetings_table=True)  # asked later: runs what lacks it
    assert len(counting.calls) == 8
    meet = ResultStore(tmp_path).read_meetings()
    assert len(meet) == 2 * 30 * 4
    assert list(meet.columns[:3]) == ["point", "replication", "meeting"]
    runs = ResultStore(tmp_path).read_runs()
    totals = meet.groupby(["point", "replication"])["adopted"].sum().reset_index(drop=True)
    assert totals.tolist() == runs["adopted"].tolist()
    assert "meetings" in ResultStore(tmp_path).read_manifest()["tables"]


def test_a_different_sweep_is_refused(tmp_path: Path) -> None:
    run_sweep(small(), tmp_path)
    for other in (small(seed=8), small(replications=31), small(chunk=9),
                  small(sets=("negotiation.max_rounds=0,3",))):
        with pytest.raises(InputError) as err:
            run_sweep(other, tmp_path)
        assert "different sweep" in str(err.value)
    assert len(ResultStore(tmp_path).read_runs()) == 60


def test_mesa_engine_gives_the_same_rows(tmp_path: Path) -> None:
    fast = small(replications=6, chunk=4, meetings=3)
    ref = small(replications=6, chunk=4, meetings=3, engine="mesa")
    run_sweep(fast, tmp_path / "v")
    run_sweep(ref, tmp_path / "m")
    # the rows are identical; the files differ only in the experiment hash stamped into each
    v, m = ResultStore(tmp_path / "v"), ResultStore(tmp_path / "m")
    assert v.chunk_ids() == m.chunk_ids()
    for tid in v.chunk_ids():
        assert pq.read_table(v.chunk_path("runs", tid)).replace_schema_metadata(None).equals(
            pq.read_table(m.chunk_path("runs", tid)).replace_schema_metadata(None))


def test_a_failing_task_gives_error_rows(tmp_path: Path) -> None:
    # concession = 7 is outside [0, 1]: those points fail when their configuration is built.
    exp = small(sets=("negotiation.concession=0.5,7",), replications=10, chunk=4)
    report = run_sweep(exp, tmp_path)
    assert (report.done, report.failed) == (3, 3)
    assert "concession" in report.errors[0]
    df = ResultStore(tmp_path).read_runs()
    bad = df[df["point"] == 1]
    assert len(bad) == 10 and (bad["status"] == "error").all()
    assert bad["error"].str.contains("concession").all()
    assert bad[["items", "adopted", "throughput", "deadlock_rate"]].isna().all().all()
    assert bad["replication"].tolist() == list(range(10))
    good = df[df["point"] == 0]
    assert (good["status"] == "ok").all() and good["items"].notna().all()
    failed = {"p000001-r000000", "p000001-r000004", "p000001-r000008"}
    assert ResultStore(tmp_path).failed() == failed
    summary = summarize_results(tmp_path)
    assert summary["errors"].tolist() == [0, 10] and summary["replications"].tolist() == [10, 0]
    assert np.isnan(summary.loc[1, "throughput"])
    # A rerun tries the failed tasks again (and only them).
    counting = Counting()
    run_sweep(exp, tmp_path, counting)
    assert sorted(counting.calls) == sorted(failed)


def test_run_task_error_never_reports_numbers(monkeypatch) -> None:
    import sco_sim.experiments.sweep as sweep

    exp = small(replications=5)
    spec = make_spec(exp, design_points(exp))

    def explode(*args, **kwargs):
        raise MemoryError("out of memory in the engine")

    monkeypatch.setattr(sweep, "_simulate", explode)
    runs = run_task(spec, Task(0, 0, 5))["runs"]
    assert (runs["status"] == "error").all()
    assert runs["error"].iloc[0] == "MemoryError: out of memory in the engine"
    assert runs["throughput"].isna().all() and runs["replication"].tolist() == list(range(5))


def test_summarize_results_matches_the_runs(tmp_path: Path) -> None:
    exp = small(replications=30, chunk=7)
    run_sweep(exp, tmp_path)
    summary = summarize_results(tmp_path)
    runs = ResultStore(tmp_path).read_runs()
    assert summary["point"].tolist() == [0, 1]
    assert summary["negotiation.max_rounds"].tolist() == [0, 2]
    assert (summary["replications"] == 30).all() and (summary["errors"] == 0).all()
    for metric in ("throughput", "deadlock_rate", "adoption_rate", "mean_rounds"):
        for point in (0, 1):
            m, lo, hi = mean_ci(runs.loc[runs["point"] == point, metric].to_numpy())
            row = summary.loc[summary["point"] == point].iloc[0]
            assert (row[metric], row[f"{metric}_ci_low"], row[f"{metric}_ci_high"]) == (m, lo, hi)


def test_summarize_needs_a_sweep_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        summarize_results(tmp_path / "nothing")


# --------------------------------------------------------------------------- killed and resumed

SCRIPT = """
import sys
from sco_sim.experiments.executors import make_executor
from sco_sim.experiments.experiment import experiment_from_scenario
from sco_sim.experiments.sweep import run_sweep

if __name__ == "__main__":
    exp = experiment_from_scenario({scenario!r}, ["negotiation.max_rounds=0,1,2,4"], 96, 11, 4,
                                   chunk=12)
    run_sweep(exp, sys.argv[1], make_executor(int(sys.argv[2])))
"""


def test_killed_sweep_resumes_to_the_same_table(tmp_path: Path) -> None:
    script = tmp_path / "sweep_script.py"
    script.write_text(textwrap.dedent(SCRIPT.format(scenario=str(SCO_2017))), encoding="utf-8")
    out = tmp_path / "killed"
    log = (tmp_path / "stderr.txt").open("wb")
    proc = subprocess.Popen([sys.executable, str(script), str(out), "2"], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=log)
    runs = out / "runs"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if runs.is_dir() and len(list(runs.glob("*.parquet"))) >= 2:
                break
            time.sleep(0.005)
    finally:
        # SIGKILL the sweep, its pool workers and forkserver (the session started above).
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        log.close()
    assert proc.returncode == -signal.SIGKILL, (
        "the sweep ended before it could be killed:\n" + (tmp_path / "stderr.txt").read_text())
    store = ResultStore(out)
    finished = store.done()
    assert 2 <= len(finished) < 32, len(finished)

    exp = experiment_from_scenario(SCO_2017, ["negotiation.max_rounds=0,1,2,4"], 96, 11, 4,
                                   chunk=12)
    counting = Counting()
    report = run_sweep(exp, out, counting)
    assert report.skipped == len(finished)
    assert set(counting.calls).isdisjoint(finished)
    assert len(counting.calls) == 32 - len(finished)
    assert not [p for p in out.rglob("*.tmp")]

    reference = tmp_path / "whole"
    run_sweep(exp, reference)
    resumed = store.read_runs()
    assert len(resumed) == 4 * 96
    assert not resumed.duplicated(["point", "replication"]).any()
    pd.testing.assert_frame_equal(resumed, ResultStore(reference).read_runs(), check_exact=True)
    assert chunk_bytes(out) == chunk_bytes(reference)
