"""Memory of a long sweep on each engine: resident memory after every block of replications.

Mesa 3.3.1 keeps every model it has seen in a class-level id registry; a finished replication
removes its agents (``SCOModel.finish``), so what is kept is a small shell. This prints RSS as
replications accumulate in one process, so a leak shows as growth; sweeps additionally recycle
worker processes. The compiled engine keeps run-level rows only (``tables=False``).

    python benchmarks/bench_memory.py --engine mesa --blocks 8 --block 250
    python benchmarks/bench_memory.py --engine compiled --blocks 8 --block 50000
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sco_sim.engine import simulate
from sco_sim.inputs.config import build_config
from sco_sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios/sco_2017_3plus5.toml"))
    ap.add_argument("--engine", choices=["compiled", "mesa"], default="mesa")
    ap.add_argument("--blocks", type=int, default=8)
    ap.add_argument("--block", type=int, default=250)
    ap.add_argument("--meetings", type=int, default=10)
    args = ap.parse_args()
    config = build_config(load_scenario(args.scenario), meetings=args.meetings)
    print(f"engine {args.engine}, {args.meetings} meetings per run")
    for b in range(args.blocks):
        first = b * args.block
        simulate(config, args.block, 0, engine=args.engine, first=first, tables=False)
        print(f"after {first + args.block:6d} replications: RSS {rss_mb():7.1f} MB")


if __name__ == "__main__":
    main()
