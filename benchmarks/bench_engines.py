"""Benchmark: the Mesa reference engine against the vectorised engine, side by side.

Prints replications per second and member evaluations per second for both engines on the same
scenario, seed and replications, and their ratio. Not a test: the figures depend on the machine,
so the two engines are timed alternately in one process and the ratio is what to quote.

    python benchmarks/bench_engines.py                       # 3+5 scenario, 1000 reps x 50 meetings
    python benchmarks/bench_engines.py --mesa-replications 200 --repeats 3
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from sco_sim.config import build_config
from sco_sim.engine import run_vectorised
from sco_sim.runner import run
from sco_sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def member_evaluations(results, n_members: int) -> int:
    """Acceptance decisions taken: N per vote, one vote per drafted item plus one per amendment."""
    m = results.meetings
    return int(n_members * ((m["items"] - m["null_drafts"]).sum() + m["rounds"].sum()))


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios/sco_2017_3plus5.toml"))
    ap.add_argument("--replications", type=int, default=1000)
    ap.add_argument("--mesa-replications", type=int, default=1000,
                    help="replications for the (slow) Mesa engine; rates are per replication")
    ap.add_argument("--meetings", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1, help="alternate the engines this many times")
    args = ap.parse_args()

    config = build_config(load_scenario(args.scenario), meetings=args.meetings)
    n = config.n_members
    print(f"scenario: {config.name}; {config.n_members} members, {config.n_dims} dimensions, "
          f"{args.meetings} meetings x {config.items_per_meeting} items, drafting={config.drafting}")
    rows = []
    for rep in range(args.repeats):
        vec, tv = timed(lambda: run_vectorised(config, args.replications, args.seed, items=False))
        mesa, tm = timed(lambda: run(config, args.mesa_replications, args.seed))
        # Same streams: the replications both engines ran must agree exactly.
        k = min(args.replications, args.mesa_replications)
        pd.testing.assert_frame_equal(
            vec.meetings[vec.meetings.replication < k].reset_index(drop=True),
            mesa.meetings[mesa.meetings.replication < k].reset_index(drop=True))
        rows.append({
            "repeat": rep,
            "vectorised reps/s": args.replications / tv,
            "mesa reps/s": args.mesa_replications / tm,
            "vectorised evals/s": member_evaluations(vec, n) / tv,
            "mesa evals/s": member_evaluations(mesa, n) / tm,
        })
    df = pd.DataFrame(rows)
    df["ratio"] = df["vectorised reps/s"] / df["mesa reps/s"]
    pd.set_option("display.width", 140)
    print(df.to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
    print(f"median ratio vectorised/mesa: {df['ratio'].median():.1f}x "
          f"(vectorised {args.replications} reps, mesa {args.mesa_replications} reps, results identical)")


if __name__ == "__main__":
    main()
