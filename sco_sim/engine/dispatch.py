"""``simulate``: replications of a configuration on the compiled engine or the Mesa reference."""

from __future__ import annotations

import multiprocessing
import os
from typing import Callable

import numpy as np
import pandas as pd

from ..model import streams
from ..model.organisation import SCOModel
from ..model.schedule import Schedule
from . import kernel
from .results import RunResults, frames, mesa_frames, run_rows, run_rows_of_frames

ENGINES = ("compiled", "mesa")
ALIASES = {"vectorised": "compiled"}  # version 0.1's name for the fast engine, still accepted in files
BLOCK = 4096  # replications per compiled block: bounds memory, keeps both threads busy


def _blocks(first: int, replications: int, size: int):
    for start in range(first, first + replications, size):
        yield start, min(size, first + replications - start)


def default_threads() -> int:
    """All cores in a main process; one in a worker process (the pool already fills the cores)."""
    return 1 if multiprocessing.parent_process() is not None else max(1, os.cpu_count() or 1)


def run_compiled(config, replications: int, seed: int, progress: Callable[[int], None] | None = None,
                 items: bool = True, first: int = 0, block: int | None = None, threads: int | None = None,
                 members: bool = True):
    """Yield ``(first, Out)`` for each block of replications run on the compiled engine.

    ``items`` / ``members``: whether the per-item arrays and the per-member distances and
    tolerances are kept (the items and members tables need them; run-level totals do not).
    """
    streams.check_seed(seed, replications, first)
    threads = threads or default_threads()
    block = block or BLOCK
    params = kernel.params_of(config, Schedule.of(config))
    key = np.uint64(seed)
    for start, count in _blocks(first, replications, block):
        out = kernel.new_out(count, config.meetings, config.n_members, config.n_dims,
                             config.items_per_meeting, items, members)
        kernel.run_block(params, key, np.int64(start), out, items, threads)
        yield start, out
        if progress is not None:
            progress(count)


def run_mesa_replication(config, seed: int, replication: int, schedule: Schedule | None = None) -> SCOModel:
    """One replication of the Mesa reference model, run to the end."""
    return SCOModel(config, seed=seed, replication=replication, schedule=schedule).run()


def simulate(
    config,
    replications: int,
    seed: int,
    engine: str = "compiled",
    progress: Callable[[int], None] | None = None,
    items: bool = True,
    first: int = 0,
    tables: bool = True,
    threads: int | None = None,
) -> RunResults:
    """Run replications ``first .. first + replications - 1`` of ``config`` under master ``seed``.

    ``engine`` is ``"compiled"`` (numba, the default) or ``"mesa"`` (the reference agent model);
    both give the same tables. The run-level table (``RunResults.runs``) is always built, block by
    block; ``tables=False`` keeps no per-meeting or per-member rows (memory then stays flat
    however many replications), and ``items=False`` skips the per-item table. ``threads``: the
    compiled engine's threads (default: every core in a main process, one in a worker).
    """
    engine = ALIASES.get(engine, engine)
    parts, runs = [], []
    empty = (pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    if engine == "compiled":
        for start, out in run_compiled(config, replications, seed, progress, items and tables, first,
                                       threads=threads, members=tables):
            runs.append(run_rows(config, out.counts, out.paid, out.objections, out.sole, start))
            if tables:
                parts.append(frames(config, out, start, items))
    elif engine == "mesa":
        streams.check_seed(seed, replications, first)
        schedule = Schedule.of(config)
        for k in range(first, first + replications):
            model = run_mesa_replication(config, seed, k, schedule)
            meetings, members, item_frame = mesa_frames(model)
            model.finish(keep_record=False)
            runs.append(run_rows_of_frames(config, meetings, members, k, 1))
            if tables:
                parts.append((meetings, members, item_frame if items else pd.DataFrame()))
            if progress is not None:
                progress(1)
    else:
        raise ValueError(f"unknown engine {engine!r}; known engines: {list(ENGINES)}")
    meetings, members, item_frames = (pd.concat(p, ignore_index=True) for p in zip(*parts)) if parts else empty
    return RunResults(config, seed, replications, meetings, members, item_frames,
                      pd.concat(runs, ignore_index=True))


def final_status_quo(config, seed: int, replications: int, engine: str = "compiled") -> np.ndarray:
    """Each replication's status quo after the last meeting (R, D), for exactness checks."""
    if engine == "mesa":
        schedule = Schedule.of(config)
        rows = []
        for k in range(replications):
            model = run_mesa_replication(config, seed, k, schedule)
            rows.append(np.full(config.n_dims, np.nan) if model.status_quo is None else model.status_quo)
            model.finish(keep_record=False)
        return np.array(rows)
    return np.concatenate([out.final_status_quo for _, out in run_compiled(config, replications, seed, items=False,
                                                                                members=False)])
