"""Parameter sweeps: many design points times many replications, resumable, on any executor.

A sweep is cut into *tasks*: one design point and a block of ``chunk`` consecutive replications
(:func:`plan`). Each task builds its point's configuration from the experiment, runs its
replications and returns tidy rows (:func:`run_task`); the parent process writes every finished
task to its own Parquet file (:class:`~sco_sim.experiments.store.ResultStore`) as soon as it arrives.

* **Same seed, same bytes.** Replication ``k`` of every point always uses random stream ``k`` of
  the experiment's seed, whichever task, process, machine or shard runs it, and a task's file
  depends only on the task. So 1 worker, N workers, Dask and any sharding give identical files.
* **Resumable.** A task whose runs file exists and reads as this task's chunk of this sweep is
  finished; a rerun of the same command skips it and runs only the rest (tasks that failed, and
  chunks that cannot be read, are run again; a chunk of another task or sweep is refused by
  name). A killed sweep loses at most the tasks in flight; a partly written file is never
  mistaken for a finished one. While it writes, a sweep holds the folder's lock, so two runs of
  the same sweep (or shard) cannot write one folder at once.
* **Sharding.** ``--shard i/N`` (``i`` counted from 0) runs the tasks ``j`` with ``j % N == i``
  of the full plan, so N jobs of any job scheduler can share one results folder.
"""

from __future__ import annotations

import copy
import re
import shlex
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from ..analysis.intervals import mean_ci
from ..analysis.summary import run_table
from ..analysis.vocabulary import RUN_COUNTS, RUN_RATES, SWEEP_SUMMARY
from ..engine import simulate
from ..inputs.errors import InputError, Problem
from . import experiment as _experiment
from .executors import Executor, InProcessExecutor
from .output import versions
from .store import ResultStore, task_id, task_key

#: run-level metrics every runs chunk has (error rows carry them as missing values)
RUN_METRICS = (*RUN_COUNTS, "meetings", *RUN_RATES)
#: metrics :func:`summarize_results` reports with 95% intervals
SUMMARY_METRICS = SWEEP_SUMMARY
FORMAT = "sco-sim sweep v1"


# --------------------------------------------------------------------------- tasks


@dataclass(frozen=True, order=True)
class Task:
    """Replications ``first .. first + count - 1`` of design point ``point``."""

    point: int
    first: int
    count: int

    @property
    def task_id(self) -> str:
        """Stable, sortable name, e.g. ``p000012-r000250`` (also the chunk's file name)."""
        return task_id(self.point, self.first)


def plan(points: pd.DataFrame | Iterable[int], replications: int, chunk: int) -> list[Task]:
    """Every task of a sweep: each design point times blocks of ``chunk`` replications.

    Order: by point, then by first replication (the canonical order of the results).
    """
    if replications < 1 or chunk < 1:
        raise ValueError("replications and chunk must be >= 1")
    ids = points["point"].tolist() if isinstance(points, pd.DataFrame) else list(points)
    return [Task(int(p), first, min(chunk, replications - first))
            for p in ids for first in range(0, replications, chunk)]


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/N"`` -> ``(i, N)``, with ``0 <= i < N``; anything else is a one-line InputError."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(text))
    if m is None:
        raise InputError([Problem("--shard", str(text), "expected i/N with 0 <= i < N, e.g. 0/4")])
    i, n = int(m[1]), int(m[2])
    _check_shard(i, n, str(text))
    return i, n


def _check_shard(i: Any, n: Any, where: str) -> None:
    ints = all(isinstance(v, int) and not isinstance(v, bool) for v in (i, n))
    ok = ints and n >= 1 and 0 <= i < n
    if not ok:
        raise InputError([Problem("--shard", where, f"expected i/N with N >= 1 and 0 <= i < N "
                                  f"(shards are counted from 0), got {i}/{n}")])


def shard(tasks: list[Task], i: int, n: int) -> list[Task]:
    """Shard ``i`` of ``n`` (counted from 0): tasks ``j`` of the plan with ``j % n == i``."""
    _check_shard(i, n, f"{i}/{n}")
    return [t for j, t in enumerate(tasks) if j % n == i]


_shard = shard  # run_sweep's argument of the same name hides the function


# --------------------------------------------------------------------------- running one task


@dataclass(frozen=True)
class SweepSpec:
    """What every task needs besides its own numbers; pickles to any worker.

    ``experiment`` is the experiment object (without its cached design table), ``columns`` the
    parameter columns and ``dtypes`` the design table's dtypes, so that every chunk has the same
    column types whatever its values.
    """

    experiment: Any
    seed: int
    engine: str
    columns: tuple[str, ...]
    dtypes: Mapping[str, str]
    meetings_table: bool = False
    key: str = ""  # the experiment's hash: what a cached point configuration belongs to


@dataclass(frozen=True)
class Job:
    """One task with its design point's row (``point``, ``scenario`` and parameter values)."""

    spec: SweepSpec
    task: Task
    row: Mapping[str, Any]


def _api():
    """Return the experiment API (design points, point configurations, hashes)."""
    return _experiment


def _light(exp: Any) -> Any:
    """Copy ``exp`` shallowly without its cached design table (it would travel with every task)."""
    out = copy.copy(exp)
    for attr in ("_points", "_problem"):
        if hasattr(out, attr):
            try:
                setattr(out, attr, None)
            except AttributeError:  # pragma: no cover - frozen stand-ins
                pass
    return out


def make_spec(exp: Any, points: pd.DataFrame, meetings_table: bool = False) -> SweepSpec:
    """Build the picklable spec of a sweep of ``exp`` over the design table ``points``."""
    columns = tuple(c for c in points.columns if c not in ("point", "scenario"))
    dtypes = {c: str(points[c].dtype) for c in ("scenario", *columns)}
    return SweepSpec(experiment=_light(exp), seed=int(exp.seed), engine=str(exp.engine),
                     columns=columns, dtypes=dtypes, meetings_table=meetings_table,
                     key=_api().experiment_hash(exp))


def _simulate(config: Any, engine: str, seed: int, task: Task, meetings_table: bool = False):
    """Run the task's replications into RunResults (either engine; identical numbers).

    Only the run-level table is built unless the sweep also writes the meetings table.
    """
    return simulate(config, task.count, seed, engine=engine, items=False, first=task.first,
                    tables=meetings_table)


def _design_frame(spec: SweepSpec, row: Mapping[str, Any], reps: np.ndarray) -> pd.DataFrame:
    """``point``, ``scenario``, parameter columns (design dtypes), ``replication``."""
    n = len(reps)
    cols: dict[str, Any] = {"point": np.full(n, int(row["point"]), dtype=np.int64)}
    for c in ("scenario", *spec.columns):
        cols[c] = pd.Series([row[c]] * n, dtype=spec.dtypes.get(c, "object"))
    cols["replication"] = reps.astype(np.int64)
    return pd.DataFrame(cols)


def _error_message(exc: BaseException) -> str:
    if isinstance(exc, InputError):
        return f"InputError: {exc.one_line()}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


_CONFIGS: dict[tuple[str, int], Any] = {}  # (experiment hash, point) -> Config, per process


def _point_config(api: Any, spec: SweepSpec, row: Mapping[str, Any]) -> Any:
    """A design point's configuration, built once per process: a point has many tasks, and
    validating its scenario costs more than a task's simulation.
    """
    key = (spec.key, int(row["point"]))
    if not spec.key or key not in _CONFIGS:
        if len(_CONFIGS) > 256:
            _CONFIGS.clear()
        _CONFIGS[key] = api.point_config(spec.experiment, dict(row))
    return _CONFIGS[key]


def run_task(spec: SweepSpec, task: Task,
             row: Mapping[str, Any] | None = None) -> dict[str, pd.DataFrame]:
    """Run one task and return its tables.

    ``runs``: one row per replication: point, scenario, parameter columns, replication, the
    metrics of :func:`sco_sim.analysis.summary.run_table`, ``status`` ("ok") and ``error`` (""). With
    ``spec.meetings_table`` also ``meetings``: one row per (replication, meeting) with ``point``.
    A task that raises gives one row per replication with ``status = "error"``, the message in
    ``error`` and missing metrics, never another run's numbers.
    """
    api = _api()
    if row is None:
        points = api.design_points(spec.experiment)
        row = points.loc[points["point"] == task.point].iloc[0].to_dict()
    reps = np.arange(task.first, task.first + task.count, dtype=np.int64)
    design = _design_frame(spec, row, reps)
    try:
        config = _point_config(api, spec, row)
        results = _simulate(config, spec.engine, spec.seed, task, spec.meetings_table)
        metrics = run_table(results)
        if not np.array_equal(metrics["replication"].to_numpy(), reps):
            raise RuntimeError(f"task {task.task_id} returned replications "
                               f"{metrics['replication'].tolist()[:5]}..., "
                               f"expected {reps[:5].tolist()}...")
        runs = pd.concat([design, metrics.drop(columns="replication")], axis=1)
        runs["status"] = "ok"
        runs["error"] = ""
        out = {"runs": runs}
        if spec.meetings_table:
            meet = results.meetings.reset_index(drop=True)
            meet.insert(0, "point", np.int64(task.point))
            out["meetings"] = meet
        return out
    except Exception as exc:  # noqa: BLE001 - any failure of a task becomes its error rows
        runs = design.copy()
        for name in RUN_METRICS:
            runs[name] = np.nan
        runs["status"] = "error"
        runs["error"] = _error_message(exc)
        runs.attrs["traceback"] = traceback.format_exc()
        return {"runs": runs}


def execute(job: Job) -> tuple[Task, dict[str, pd.DataFrame]]:
    """Run one job and return ``(task, tables)``: what executors call (module level: picklable)."""
    return job.task, run_task(job.spec, job.task, job.row)


# --------------------------------------------------------------------------- the sweep


@dataclass
class SweepReport:
    """What a call of :func:`run_sweep` did."""

    tasks: int  # tasks of this shard (the whole plan when not sharded)
    done: int  # tasks run and written now without error
    skipped: int  # tasks already finished in the folder
    failed: int  # tasks run now whose rows are errors
    replications: int  # replications run now
    wall_time: float  # seconds
    executor: str = ""
    workers: int = 1
    errors: list[str] = field(default_factory=list)  # first few "task_id: message"

    @property
    def runs_per_second(self) -> float:
        """Replications run now per second of wall time."""
        return self.replications / self.wall_time if self.wall_time > 0 else float("nan")


def _manifest(exp: Any, points: pd.DataFrame, n_tasks: int, meetings_table: bool,
              command: str | None) -> dict:
    api = _api()
    describe = getattr(exp, "describe", None)
    try:
        described = describe() if callable(describe) else None
    except Exception:  # noqa: BLE001 - a description is informative only
        described = None
    return {
        "format": FORMAT,
        "experiment_sha256": api.experiment_hash(exp),
        "experiment": described if described is not None else {"name": getattr(exp, "name", "")},
        "seed": int(exp.seed),
        "replications": int(exp.replications),
        "chunk": int(exp.chunk),
        "meetings": getattr(exp, "meetings", None),
        "engine": str(exp.engine),
        "points": int(len(points)),
        "parameters": [c for c in points.columns if c not in ("point", "scenario")],
        "tasks": n_tasks,
        "tables": ["runs", "meetings"] if meetings_table else ["runs"],
        "versions": versions(),
        "command": command if command is not None else shlex.join(["sco-sim", *sys.argv[1:]]),
    }


#: manifest entries that must agree for a rerun to add to a folder
_SAME = ("format", "experiment_sha256", "seed", "replications", "chunk", "points")


def _check_compatible(old: dict, new: dict, out_dir: Path) -> None:
    for key in _SAME:
        if old.get(key) != new.get(key):
            what = "experiment" if key == "experiment_sha256" else key
            raise InputError([Problem(str(out_dir), "manifest.json", (
                f"the folder holds results of a different sweep ({what}: {old.get(key)!r} there, "
                f"{new.get(key)!r} now); rerun the same command to resume it, "
                "or choose a new --out"))])
    old_v = (old.get("versions") or {}).get("sco-sim")
    new_v = new["versions"].get("sco-sim")
    if old_v != new_v:
        raise InputError([Problem(str(out_dir), "manifest.json", (
            f"the folder holds results of sco-sim {old_v}, this is {new_v}; results of two "
            "versions must not be mixed: choose a new --out"))])


def prepare(exp: Any, out_dir: str | Path, meetings_table: bool = False,
            command: str | None = None) -> tuple[ResultStore, pd.DataFrame, list[Task]]:
    """Open (or start) the results folder of ``exp``: check or write the manifest, clean temp files.

    Returns the store, the design table and the full plan. Refuses (InputError) a folder that holds
    another experiment's results, or that is not a folder.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError([Problem(str(out), "--out", "exists and is not a directory")])
    api = _api()
    points = api.design_points(exp)
    tasks = plan(points, int(exp.replications), int(exp.chunk))
    store = ResultStore(out)
    new = _manifest(exp, points, len(tasks), meetings_table, command)
    old = store.read_manifest()
    if old is None:
        if out.exists() and any(store.done("runs")):
            raise InputError([Problem(str(out), "--out", "holds sweep chunks but no manifest.json; "
                                      "choose a new --out")])
        store.write_manifest(new)
    else:
        _check_compatible(old, new, out)
        if meetings_table and "meetings" not in old.get("tables", []):
            store.write_manifest({**old, "tables": ["runs", "meetings"]})
    store.clean_temp()
    return store, points, tasks


def run_sweep(
    exp: Any,
    out_dir: str | Path,
    executor: Executor | None = None,
    shard: tuple[int, int] | None = None,
    meetings_table: bool = False,
    progress: Callable[[int, int], None] | None = None,
    command: str | None = None,
) -> SweepReport:
    """Run (or resume) the sweep of ``exp`` into ``out_dir``; write each task as it finishes.

    ``shard=(i, n)`` runs only tasks ``j % n == i`` of the plan. ``progress(done, total)`` is called
    with replications: first ``(0, total)`` for the work left to do, then after every task.
    Tasks already in the folder are skipped (with ``meetings_table``, a task lacking its meetings
    chunk is run again); tasks that failed before are tried again.
    """
    started = time.perf_counter()
    store = ResultStore(out_dir)
    if Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise InputError([Problem(str(out_dir), "--out", "exists and is not a directory")])
    with store.lock(shard):
        report = _run_locked(exp, out_dir, executor, shard, meetings_table, progress, command)
    report.wall_time = time.perf_counter() - started
    return report


def _run_locked(exp: Any, out_dir: str | Path, executor: Executor | None,
                shard: tuple[int, int] | None, meetings_table: bool,
                progress: Callable[[int, int], None] | None, command: str | None) -> SweepReport:
    """The body of :func:`run_sweep`, run while the folder's lock is held."""
    store, points, tasks = prepare(exp, out_dir, meetings_table, command)
    if shard is not None:
        tasks = _shard(tasks, *shard)
    finished, _damaged = store.verified("runs")  # a damaged chunk is not done: it runs again
    if meetings_table:
        finished &= store.verified("meetings")[0]
    finished -= store.failed()
    todo = [t for t in tasks if t.task_id not in finished]
    skipped = len(tasks) - len(todo)
    total = sum(t.count for t in todo)
    spec = make_spec(exp, points, meetings_table)
    rows = {int(r["point"]): r for r in points.to_dict("records")}
    executor = executor if executor is not None else InProcessExecutor()
    report = SweepReport(tasks=len(tasks), done=0, skipped=skipped, failed=0, replications=0,
                         wall_time=0.0, executor=getattr(executor, "name", type(executor).__name__))
    if progress is not None:
        progress(0, total)
    if todo:
        jobs = (Job(spec, t, rows[t.point]) for t in todo)
        with executor as ex:
            report.workers = int(getattr(ex, "workers", 1) or 1)
            for task, tables in ex.map_unordered(execute, jobs):
                runs = tables["runs"]
                bad = runs["status"] != "ok"
                error = None
                if bad.any():
                    error = f"{task.task_id}: {runs.loc[bad, 'error'].iloc[0]}"
                    tb = runs.attrs.get("traceback")
                    error_text = error + ("\n" + tb if tb else "")
                    runs.attrs.clear()
                    store.write_chunk(task.task_id, tables, error=error_text)
                    report.failed += 1
                    if len(report.errors) < 10:
                        report.errors.append(error)
                else:
                    store.write_chunk(task.task_id, tables)
                    report.done += 1
                report.replications += task.count
                if progress is not None:
                    progress(report.replications, total)
    return report


# --------------------------------------------------------------------------- summaries


def summarize_results(out_dir: str | Path,
                      metrics: tuple[str, ...] = SUMMARY_METRICS) -> pd.DataFrame:
    """Summarize a sweep per design point: means with 95% Student-t intervals over replications.

    Columns: point, scenario, the parameter columns, replications (runs with status ok), errors
    (runs with status error), then for every metric ``<metric>``, ``<metric>_ci_low`` and
    ``<metric>_ci_high``. Reads one chunk at a time (a point's chunks are consecutive), so memory
    holds one point's replications at most. Raises InputError if the folder holds no sweep.
    """
    store = ResultStore(out_dir)
    manifest = store.read_manifest()
    if manifest is None or not Path(out_dir).is_dir():
        raise InputError([Problem(str(out_dir), "",
                                  "is not a sweep results folder (no manifest.json)")])
    params = list(manifest.get("parameters") or [])
    keep = ["point", "scenario", *params, "replication", "status", *metrics]
    out: list[dict] = []
    current: list[pd.DataFrame] = []

    def flush() -> None:
        if not current:
            return
        df = pd.concat(current, ignore_index=True).sort_values("replication", kind="stable")
        ok = df["status"] == "ok"
        first = df.iloc[0]
        rec: dict[str, Any] = {"point": int(first["point"]), "scenario": first.get("scenario")}
        for p in params:
            rec[p] = first.get(p)
        rec["replications"] = int(ok.sum())
        rec["errors"] = int((~ok).sum())
        for m in metrics:
            vals = df.loc[ok, m].to_numpy(dtype=float) if m in df.columns else np.array([])
            mean, lo, hi = mean_ci(vals)
            rec[m], rec[f"{m}_ci_low"], rec[f"{m}_ci_high"] = mean, lo, hi
        out.append(rec)
        current.clear()

    point = None
    for tid, chunk in store.iter_chunks("runs", columns=keep):
        p = task_key(tid)[0]
        if p != point:
            flush()
            point = p
        current.append(chunk)
    flush()
    columns = ["point", "scenario", *params, "replications", "errors"]
    for m in metrics:
        columns += [m, f"{m}_ci_low", f"{m}_ci_high"]
    return pd.DataFrame(out, columns=columns)
