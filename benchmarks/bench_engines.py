"""Benchmark: the compiled engine against the Mesa reference and version 0.1's numpy engine.

In one run, alternating the cases, on the same scenario (3+5 by default, 20 meetings, run-level
outputs only, every engine on one core; ``--threads`` gives the compiled engine more):
replications per second of the compiled engine, of the Mesa model, and of the vectorised numpy
engine of an earlier commit (``--baseline``, checked out into a temporary git worktree and timed
in a subprocess of the same Python). Prints each figure and the ratios; the machine is shared and
noisy, so quote the ratios of one run.

    python benchmarks/bench_engines.py
    python benchmarks/bench_engines.py --repeats 3 --baseline 43227b3 --mesa-replications 50
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import pandas as pd

from sco_sim.engine import simulate
from sco_sim.inputs.config import build_config
from sco_sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE_SCRIPT = """
import sys, time
from sco_sim.inputs.config import build_config
from sco_sim.engine import run_vectorised
from sco_sim.inputs.scenario import load_scenario
cfg = build_config(load_scenario(sys.argv[1]), meetings=int(sys.argv[2]))
n = int(sys.argv[3])
run_vectorised(cfg, 64, 0, items=False)
t = time.perf_counter()
run_vectorised(cfg, n, 1, items=False)
print(n / (time.perf_counter() - t))
"""


def rate(fn, n: int) -> float:
    """Replications per second of ``fn()`` running ``n`` replications."""
    t0 = time.perf_counter()
    fn()
    return n / (time.perf_counter() - t0)


def baseline_rate(worktree: Path, scenario: str, meetings: int, n: int) -> float:
    """The old engine's replications per second, in a fresh process on one core's worth of BLAS."""
    env = {**os.environ, "PYTHONPATH": str(worktree), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", BASELINE_SCRIPT, scenario, str(meetings), str(n)],
                         cwd=worktree, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios/sco_2017_3plus5.toml"))
    ap.add_argument("--replications", type=int, default=20000)
    ap.add_argument("--mesa-replications", type=int, default=40)
    ap.add_argument("--baseline-replications", type=int, default=4096)
    ap.add_argument("--meetings", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=2, help="alternate the cases this many times")
    ap.add_argument("--threads", type=int, default=1,
                    help="the compiled engine's threads (1: one core, like the Mesa model and the baseline)")
    ap.add_argument("--baseline", default="43227b3",
                    help="commit of the vectorised numpy engine to compare against ('' to skip)")
    args = ap.parse_args()

    numba.set_num_threads(1)  # nothing uses numba's own threads; the engine's are set below
    config = build_config(load_scenario(args.scenario), meetings=args.meetings)
    simulate(config, 16, 0, tables=False)  # compile (or load the cache) before timing
    simulate(config, 2, 0, engine="mesa", tables=False)
    worktree = None
    if args.baseline:
        worktree = Path(tempfile.mkdtemp(prefix="bench-baseline-")) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(worktree), args.baseline],
                       check=True)
    # the baseline reads its own commit's copy of the scenario (older schemas reject newer fields)
    scenario = Path(args.scenario).resolve()
    baseline_scenario = (worktree / scenario.relative_to(ROOT)) if worktree is not None else None
    rows = []
    try:
        for rep in range(args.repeats):
            row = {"repeat": rep}
            row["compiled reps/s"] = rate(lambda: simulate(config, args.replications, rep, tables=False,
                                                                   threads=args.threads),
                                          args.replications)
            row["mesa reps/s"] = rate(lambda: simulate(config, args.mesa_replications, rep, engine="mesa",
                                                       tables=False), args.mesa_replications)
            if worktree is not None:
                row["vectorised (baseline) reps/s"] = baseline_rate(worktree, str(baseline_scenario), args.meetings,
                                                                    args.baseline_replications)
            rows.append(row)
    finally:
        if worktree is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)], check=False)
    df = pd.DataFrame(rows)
    df["compiled / mesa"] = df["compiled reps/s"] / df["mesa reps/s"]
    if worktree is not None:
        df["compiled / vectorised"] = df["compiled reps/s"] / df["vectorised (baseline) reps/s"]
    print(f"engines: {Path(args.scenario).name}, {args.meetings} meetings x {config.items_per_meeting} items, "
          f"run-level outputs, compiled engine on {args.threads} thread(s), Mesa and baseline on one; "
          f"baseline {args.baseline or 'skipped'}")
    print(df.to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
    med = df.median(numeric_only=True)
    line = f"median: compiled {med['compiled reps/s']:,.0f} reps/s, {med['compiled / mesa']:,.0f}x Mesa"
    if worktree is not None:
        line += f", {med['compiled / vectorised']:.1f}x the vectorised engine of {args.baseline}"
    print(line)


if __name__ == "__main__":
    main()
