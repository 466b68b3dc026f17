"""Benchmark: numba's first-run compile time and the cached start-up of a fresh process.

Each figure comes from a fresh Python process: ``import sco_sim`` alone; a 1-replication run of the
compiled engine with an empty numba cache (the first run on a new machine: everything is compiled);
and the same run again with the cache warm. The issue's bound: warm start-up adds at most 2 s over
importing the package. The cache lives in the package's ``__pycache__`` folders, or in a user cache
folder when the package folder is not writable (numba's own fallback); here a temporary
``NUMBA_CACHE_DIR`` keeps the measurement from touching the real cache.

    python benchmarks/bench_startup.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN = ("from sco_sim import build_config, load_scenario, simulate; "
       f"simulate(build_config(load_scenario({str(ROOT / 'scenarios/sco_2017_3plus5.toml')!r})), 1, 0, tables=False)")


def seconds(code: str, env: dict) -> float:
    """Wall seconds of a fresh interpreter running ``code``."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        imp = seconds("import sco_sim.engine", env)
        cold = seconds(RUN, env)
        warm = min(seconds(RUN, env) for _ in range(3))
        imp = min(imp, *(seconds("import sco_sim.engine", env) for _ in range(2)))
    print(f"import sco_sim.engine: {imp:.2f} s")
    print(f"first run, empty cache (compiles everything): {cold:.1f} s")
    print(f"first run, warm cache: {warm:.2f} s, i.e. {warm - imp:.2f} s over the import (bound: 2 s)")


if __name__ == "__main__":
    main()
