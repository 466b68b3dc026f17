"""Executors: every backend gives the same files; the pool recycles workers without hanging."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from sco_sim.experiments.executors import (
    DaskExecutor,
    Executor,
    InProcessExecutor,
    ProcessPoolExecutor,
    make_executor,
    worker_pid,
)
from sco_sim.experiments.experiment import experiment_from_scenario
from sco_sim.experiments.store import ResultStore
from sco_sim.experiments.sweep import run_sweep
from sco_sim.inputs.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SCO_2017 = ROOT / "scenarios" / "sco_2017_3plus5.toml"
HAVE_DASK = importlib.util.find_spec("distributed") is not None


def experiment():
    sets = ["negotiation.max_rounds=0,2", "members.*.tolerance=0,0.05"]
    return experiment_from_scenario(SCO_2017, sets, 40, 3, 4, chunk=10)


def chunk_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "runs").glob("*.parquet"))}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("in_process")
    report = run_sweep(experiment(), out, InProcessExecutor())
    assert report.done == 16
    return out


def assert_same_as(reference: Path, out: Path) -> None:
    assert chunk_bytes(out) == chunk_bytes(reference)
    a, b = ResultStore(reference).read_runs(), ResultStore(out).read_runs()
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert a.to_parquet(index=False) == b.to_parquet(index=False)


def test_process_pool_gives_the_same_table(reference: Path, tmp_path: Path) -> None:
    report = run_sweep(experiment(), tmp_path, ProcessPoolExecutor(2, max_tasks_per_child=3))
    assert (report.done, report.workers, report.executor) == (16, 2, "process-pool")
    assert_same_as(reference, tmp_path)


@pytest.mark.skipif(not HAVE_DASK, reason="dask.distributed is not installed")
def test_dask_local_cluster_gives_the_same_table(reference: Path, tmp_path: Path) -> None:
    report = run_sweep(experiment(), tmp_path, DaskExecutor(workers=2))
    assert (report.done, report.workers, report.executor) == (16, 2, "dask")
    assert_same_as(reference, tmp_path)


def test_pool_recycles_workers_without_hanging() -> None:
    """max_tasks_per_child with a backlog hangs the stdlib pool on Python 3.11/3.12 (gh-115634)."""
    with ProcessPoolExecutor(2, max_tasks_per_child=2, window=30) as ex:
        results = list(ex.map_unordered(worker_pid, range(30)))
    assert sorted(item for item, _ in results) == list(range(30))
    assert len({pid for _, pid in results}) >= 15  # a fresh process every two tasks


def test_worker_errors_reach_the_caller() -> None:
    with ProcessPoolExecutor(2) as ex:
        with pytest.raises(TypeError):
            list(ex.map_unordered(abs, [1, "x", 3]))
    with InProcessExecutor() as ex:
        assert sorted(ex.map_unordered(abs, [-1, -2])) == [1, 2]


def test_make_executor_chooses_the_backend() -> None:
    assert isinstance(make_executor(1), InProcessExecutor)
    pool = make_executor(3)
    assert isinstance(pool, ProcessPoolExecutor) and pool.workers == 3
    assert isinstance(make_executor(None), ProcessPoolExecutor)
    for ex in (make_executor(1), pool):
        assert isinstance(ex, Executor)
    for bad in (0, -2, True, 1.5):
        with pytest.raises(InputError) as err:
            make_executor(bad)
        assert "--workers" in str(err.value)
    with pytest.raises(InputError):
        make_executor(2, scheduler="tcp://127.0.0.1:8786", dask_local=True)
    if HAVE_DASK:
        local = make_executor(2, dask_local=True)
        assert isinstance(local, DaskExecutor) and local.address is None and local.n_workers == 2
        remote = make_executor(None, scheduler="tcp://127.0.0.1:8786")
        assert isinstance(remote, DaskExecutor) and remote.address == "tcp://127.0.0.1:8786"


@pytest.mark.skipif(not HAVE_DASK, reason="dask.distributed is not installed")
def test_unreachable_scheduler_is_an_input_error(tmp_path: Path) -> None:
    ex = DaskExecutor(address="tcp://127.0.0.1:9")
    ex.timeout = "1s"
    with pytest.raises(InputError) as err:
        with ex:
            pass
    assert "--scheduler" in str(err.value)
