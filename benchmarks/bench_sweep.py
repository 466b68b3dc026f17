"""Benchmark: a sweep's runs per second with 1 and 2 local workers, side by side.

Runs the same sweep (the 3+5 scenario, 4 design points x 1000 replications by default) into fresh
folders, alternating the worker counts, checks that the result tables are identical, and prints
runs per second and the ratio. Peak memory (max RSS of this process and its children) is printed
too, for a long sweep on either engine.

    python benchmarks/bench_sweep.py
    python benchmarks/bench_sweep.py --replications 2000 --repeats 3 --engine mesa
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from sco_sim.executors import make_executor
from sco_sim.experiment import experiment_from_scenario
from sco_sim.store import ResultStore
from sco_sim.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]


def peak_mb() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios/sco_2017_3plus5.toml"))
    ap.add_argument("--replications", type=int, default=1000)
    ap.add_argument("--chunk", type=int, default=250)
    ap.add_argument("--engine", choices=["vectorised", "mesa"], default="vectorised")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()

    exp = experiment_from_scenario(args.scenario, ["negotiation.max_rounds=0,1,2,4"],
                                   args.replications, 0, None, engine=args.engine, chunk=args.chunk)
    runs = 4 * args.replications
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    rows, tables = [], {}
    try:
        for rep in range(args.repeats):
            for workers in (1, 2):
                out = tmp / f"w{workers}-{rep}"
                t0 = time.perf_counter()
                run_sweep(exp, out, make_executor(workers, None, False))
                wall = time.perf_counter() - t0
                tables[workers] = ResultStore(out).read_runs()
                rows.append({"repeat": rep, "workers": workers, "runs": runs, "seconds": wall,
                             "runs/s": runs / wall})
        pd.testing.assert_frame_equal(tables[1], tables[2])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    df = pd.DataFrame(rows)
    print(f"sweep: {Path(args.scenario).name}, 4 points x {args.replications} replications, "
          f"engine {args.engine}, chunk {args.chunk}")
    print(df.to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
    med = df.groupby("workers")["runs/s"].median()
    print(f"median runs/s: 1 worker {med[1]:,.0f}, 2 workers {med[2]:,.0f}, "
          f"ratio {med[2] / med[1]:.2f} (tables identical)")
    me, kids = peak_mb()
    print(f"peak RSS: this process {me:,.0f} MB, largest worker {kids:,.0f} MB")


if __name__ == "__main__":
    main()
