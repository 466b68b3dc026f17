"""The compiled loop runs without numba's reference counts; these tests hold it to what that needs.

``sco_sim.model.compiled``: the engine's loop and the model's per-item procedures are compiled
without reference counts, which is safe only if nothing in them allocates and no array passes
between them and a function that counts references. Break the rule one way and a count is taken
and never given back: a leak, which this test catches. numba counts every allocation and free
when ``NUMBA_NRT_STATS=1`` is set before it is imported, so a fresh process runs the compiled
engine on every bundled scenario under each drafting method, with every table kept, on one and two
threads, and checks that a block frees exactly what it allocates. Break it the other way and an
array is freed while still in use: that shows as a crash, or as tables that no longer match the
Mesa model's (tests/test_exactness.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys
from pathlib import Path
import numpy as np
from numba.core.runtime import rtsys
from sco_sim.engine import kernel
from sco_sim.inputs import parameters
from sco_sim.inputs.config import build_config
from sco_sim.inputs.scenario import load_raw, parse_scenario
from sco_sim.model.schedule import Schedule

report = []
for path in sorted(Path(sys.argv[1]).glob("**/*.toml")):
    for drafting in ("step", "compromise", "setter"):
        raw = parameters.apply(load_raw(path), "negotiation.drafting", drafting)
        config = build_config(parse_scenario(raw, str(path)))
        params = kernel.params_of(config, Schedule.of(config))
        for threads in (1, 2):
            out = kernel.new_out(8, config.meetings, config.n_members, config.n_dims,
                                 config.items_per_meeting, True)
            kernel.run_block(params, np.uint64(5), np.int64(0), out, True, threads)  # compile first
            before = rtsys.get_allocation_stats()
            kernel.run_block(params, np.uint64(5), np.int64(0), out, True, threads)
            after = rtsys.get_allocation_stats()
            report.append({"case": f"{path.name}:{drafting}:{threads}",
                           "allocated": after.alloc - before.alloc, "freed": after.free - before.free,
                           "meminfos allocated": after.mi_alloc - before.mi_alloc,
                           "meminfos freed": after.mi_free - before.mi_free})
print(json.dumps(report))
"""


def test_the_compiled_loop_frees_what_it_allocates_and_nothing_more() -> None:
    env = {**os.environ, "NUMBA_NRT_STATS": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT / "scenarios")], env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(report) >= 10 * 3 * 2
    for row in report:
        assert row["allocated"] > 0, row  # the scratch of each thread: the stats do count
        assert row["allocated"] == row["freed"], row
        assert row["meminfos allocated"] == row["meminfos freed"], row
