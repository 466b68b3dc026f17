"""Benchmark: a million runs of a sweep, and 1 against 2 workers side by side.

``--runs`` runs of the 3+5 scenario (20 meetings; a grid over consultation rounds, equal
replications per point) swept with run-level tables only, by default on 2 worker processes;
prints the wall time, runs per second and peak memory: the sweep's parent process alone, and the
whole process tree (parent, forkserver, workers), sampled, as proportional set size so that pages
the processes share count once.
With ``--compare-workers`` it also runs a smaller sweep on 1 and 2 workers alternately and checks
that the tables are identical.

    python benchmarks/bench_sweep.py                      # 10**6 runs on 2 workers
    python benchmarks/bench_sweep.py --runs 200000 --compare-workers
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import pyarrow.parquet as pq

from sco_sim.experiments.executors import make_executor
from sco_sim.experiments.experiment import DEFAULT_CHUNK, experiment_from_scenario
from sco_sim.experiments.store import ResultStore
from sco_sim.experiments.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = "negotiation.max_rounds=0,1,2,4"


def peak_mb() -> float:
    """Max RSS of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class TreeMemory(threading.Thread):
    """The peak, over samples every ``every`` seconds, of the summed PSS of this process and all its
    descendants (forkserver workers are not this process's waited-for children, so ``getrusage``
    cannot see them).
    """

    def __init__(self, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.every, self.peak_mb, self.processes = every, 0.0, 0
        self._stop_event = threading.Event()

    def sample(self) -> None:
        """One sample: the tree's summed PSS now (a process that ends meanwhile is skipped)."""
        me = psutil.Process()
        total, count = 0, 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                total += proc.memory_full_info().pss
                count += 1
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        if total / 2**20 > self.peak_mb:
            self.peak_mb, self.processes = total / 2**20, count

    def run(self) -> None:
        """Sample until stopped."""
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.every)

    def stop(self) -> None:
        """Stop sampling and wait for the last sample."""
        self._stop_event.set()
        self.join()


def sweep(scenario: str, runs: int, workers: int, chunk: int, out: Path) -> float:
    """Wall seconds of one sweep of ``runs`` runs over 4 design points."""
    exp = experiment_from_scenario(scenario, [ROUNDS], runs // 4, 0, None, chunk=chunk)
    t0 = time.perf_counter()
    run_sweep(exp, out, make_executor(workers, None, False))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios/sco_2017_3plus5.toml"))
    ap.add_argument("--runs", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=None, help="replications per task (default: the experiment's)")
    ap.add_argument("--compare-workers", action="store_true")
    ap.add_argument("--compare-runs", type=int, default=40_000)
    args = ap.parse_args()
    chunk = args.chunk or DEFAULT_CHUNK
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        out = tmp / "big"
        tree = TreeMemory()
        tree.start()
        wall = sweep(args.scenario, args.runs, args.workers, chunk, out)
        tree.stop()
        me = peak_mb()  # before anything reads the table back
        n = sum(pq.ParquetFile(f).metadata.num_rows for f in sorted((out / "runs").rglob("*.parquet")))
        print(f"sweep: {Path(args.scenario).name}, {n:,} runs (4 points), 20 meetings, run-level tables, "
              f"{args.workers} workers, chunk {chunk}")
        print(f"  {wall:,.1f} s wall, {n / wall:,.0f} runs/s; peak memory of the whole process tree "
              f"{tree.peak_mb:,.0f} MB (PSS of {tree.processes} processes); peak RSS of the parent alone "
              f"{me:,.0f} MB")
        if args.compare_workers:
            rows, tables = [], {}
            for rep in range(2):
                for workers in (1, 2):
                    o = tmp / f"w{workers}-{rep}"
                    w = sweep(args.scenario, args.compare_runs, workers, chunk, o)
                    tables[workers] = ResultStore(o).read_runs()
                    rows.append({"repeat": rep, "workers": workers, "runs/s": args.compare_runs / w})
            pd.testing.assert_frame_equal(tables[1], tables[2])
            df = pd.DataFrame(rows)
            med = df.groupby("workers")["runs/s"].median()
            print(df.to_string(index=False, float_format=lambda x: f"{x:,.0f}"))
            print(f"median runs/s: 1 worker {med[1]:,.0f}, 2 workers {med[2]:,.0f}, ratio {med[2] / med[1]:.2f} "
                  "(tables identical)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
