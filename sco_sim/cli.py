"""The ``sco-sim`` command line: run, compare, winset, validate.

Bad input of any kind ends with one line on standard error naming the file and the field, exit
code 2, and nothing written.
"""

from __future__ import annotations

import os
import signal
import sys

#: where the program is: "loading" (libraries), "running" (a command), "done" (exiting)
_PHASE = {"now": "loading"}


def _on_sigint(signum, frame) -> None:
    """Ctrl-C as a program: quiet while loading or exiting, KeyboardInterrupt while running."""
    if _PHASE["now"] == "running":
        raise KeyboardInterrupt
    if _PHASE["now"] == "loading":
        os.write(2, b"sco-sim: interrupted; nothing was written\n")
        os._exit(130)


def _as_program() -> bool:
    """True when this process is the ``sco-sim`` command (not a notebook importing the module)."""
    main_spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return (os.path.basename(sys.argv[0] if sys.argv else "") == "sco-sim"
            or getattr(main_spec, "name", "") == "sco_sim.__main__"
            or (sys.argv and sys.argv[0].endswith(os.path.join("sco_sim", "__main__.py"))))


if _as_program():
    signal.signal(signal.SIGINT, _on_sigint)

try:  # a Ctrl-C while the libraries load (the first second) ends quietly, not in a traceback
    import shlex
    from contextlib import contextmanager
    from pathlib import Path

    import click
    import pandas as pd
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table
    from rich.text import Text

    from . import __version__, catalogue
    from .config import Config, build_config
    from .engine import RunResults
    from .engine import simulate as simulate_runs
    from .errors import InputError, Problem, printable
    from .experiment import MAX_CHUNK, MAX_REPLICATIONS, MAX_SEED
    from .output import (
        check_out_dir,
        manifest,
        stdout_json,
        write_atomically,
        write_json,
        write_parquet,
    )
    from .power import rules_table, scenario_spec
    from .scenario import MAX_MEETINGS, load_scenario, scenario_hash
    from .summary import compare as compare_results
    from .summary import summarize
    from .winset import shares_by_dimension, winset_share
except KeyboardInterrupt:  # pragma: no cover - timing-dependent; tested by a subprocess test
    sys.stderr.write("sco-sim: interrupted; nothing was written\n")
    raise SystemExit(130) from None

# markup=False: names and paths are printed literally ("[/bold]" in a member's name is a name)
out_console = Console(width=max(100, Console().width), markup=False)
err_console = Console(stderr=True, markup=False)

#: ``run`` and ``compare`` keep one run-level row per replication in memory (at most this many
#: replications) and, with tables, every agenda item (at most MAX_RUN_ITEMS: replications x
#: meetings x items per meeting); ``sweep`` writes as it goes
MAX_RUN_REPLICATIONS = 1_000_000
MAX_RUN_ITEMS = 5_000_000
#: what a command has written, so that an interrupt reports it truthfully
_WRITTEN: list[str] = []

SEED = click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=0, show_default=True,
                    help="Master seed; replication k uses stream k of it.")
REPS = click.option("--replications", "-r", type=click.IntRange(min=1, max=MAX_RUN_REPLICATIONS),
                    default=100, show_default=True, help="Independent replications.")
MEETINGS = click.option("--meetings", type=click.IntRange(min=1, max=MAX_MEETINGS), default=None,
                        help="Override the scenario's number of meetings.")
OUT = click.option("--out", type=click.Path(path_type=Path), default=None,
                   help="Folder for the tables (Parquet), summary.json and manifest.json.")
JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
ENGINE = click.option("--engine", type=click.Choice(["compiled", "mesa"]), default="compiled",
                      show_default=True,
                      help="compiled: the numba engine over replications; mesa: the reference Mesa model. "
                      "Both give identical results.")
TABLES_LIMIT = 10_000  # replications up to which --out also writes the per-meeting, member and item tables
TABLES = click.option("--tables/--no-tables", default=None,
                      help="With --out, also write meetings/members/items.parquet (default: up to "
                      f"{TABLES_LIMIT:,} replications; runs.parquet is always written). Without "
                      "these tables memory stays flat however many replications.")
PROGRESS = click.option("--progress/--no-progress", default=None,
                        help="Progress bar on standard error (default: when it is a terminal).")


def load_config(path: str, meetings: int | None) -> Config:
    """Validate a scenario file (a path, or a bundled scenario's name) and build its configuration."""
    return build_config(load_scenario(catalogue.resolve(path)), meetings=meetings)


def check_run_size(config: Config, replications: int, source: str, tables: bool) -> None:
    """Refuse a ``run`` / ``compare`` whose kept tables would not fit in memory (before running)."""
    items = replications * config.meetings * config.items_per_meeting
    if tables and items > MAX_RUN_ITEMS:
        raise InputError([Problem(source, "--replications", (
            f"{replications:,} replications x {config.meetings:,} meetings x "
            f"{config.items_per_meeting:,} items make {items:,} agenda items, more than the "
            f"{MAX_RUN_ITEMS:,} whose tables run and compare hold in memory; use fewer "
            "replications, --no-tables, or `sco-sim sweep`, which writes as it goes"))])


@contextmanager
def sweep_progress(show: bool | None, label: str):
    """A progress callback ``(done, total)`` in replications, with an ETA."""
    if show is None:
        show = sys.stderr.isatty()
    if not show:
        yield lambda done, total: None
        return
    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, total=total, completed=done)

        yield update


@contextmanager
def progress_bar(total: int, label: str, show: bool | None):
    """Yield a callback advancing a progress bar by k replications (a no-op when not shown)."""
    done = 0
    with sweep_progress(show, label) as update:
        update(0, total)

        def advance(k: int = 1) -> None:
            nonlocal done
            done += k
            update(done, total)

        yield advance


def keep_tables(out: Path | None, tables: bool | None, replications: int) -> bool:
    """Whether a run keeps its per-meeting tables: only when they are written (``--out``)."""
    if out is None:
        return False
    return replications <= TABLES_LIMIT if tables is None else tables


def simulate(config: Config, replications: int, seed: int, show: bool | None,
             engine: str = "compiled", tables: bool = False) -> RunResults:
    """Run the replications of one configuration behind a progress bar.

    Without ``tables`` only the run-level table is kept (and no item table is built).
    """
    with progress_bar(replications, config.name, show) as advance:
        return simulate_runs(config, replications, seed, engine=engine, progress=advance, items=tables,
                             tables=tables)


def fmt_ci(value: float, ci: list[float], digits: int = 3) -> str:
    """``0.123 [0.110, 0.136]``."""
    return f"{value:.{digits}f} [{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]"


METRIC_LABELS = {
    "throughput": "throughput (texts / meeting)",
    "deadlock_rate": "deadlock rate (no text)",
    "consensus_rate": "consensus rate",
    "subset_rate": "subset-text rate",
    "mean_rounds": "consultation rounds / item",
    "null_draft_rate": "no-draft rate",
}


def visible_metrics(summaries: list[dict]) -> dict[str, str]:
    """The metric rows worth showing: mechanisms nobody used are left out of the table."""
    keys = dict(METRIC_LABELS)
    for key in ("subset_rate", "null_draft_rate"):
        if all(s["metrics"][key] == 0 for s in summaries):
            keys.pop(key)
    if any(s["metrics"]["side_payment_rate"] > 0 for s in summaries):
        keys["side_payment_rate"] = "side payments / item"
    return keys


def metrics_table(summaries: list[dict]) -> Table:
    """One scenario: metrics as rows, each with its 95% CI."""
    s = summaries[0]
    t = Table(title="Decisions (means over replications, 95% CI)", title_justify="left")
    t.add_column("metric")
    t.add_column(s["scenario"], justify="right")
    t.add_row("items / run", f"{s['metrics']['items']:.0f}")
    for key, label in visible_metrics(summaries).items():
        t.add_row(label, fmt_ci(s["metrics"][key], s["metrics"][f"{key}_ci95"]))
    return t


def periods_table(summary: dict) -> Table | None:
    """Before / after each accession, when the scenario has members joining during the run."""
    if not summary.get("periods"):
        return None
    t = Table(title="By period (accessions during the run)", title_justify="left")
    for col in ("meetings", "joined", "members", "throughput", "deadlock rate"):
        t.add_column(col, justify="right" if col not in ("joined",) else "left")
    for p in summary["periods"]:
        t.add_row(f"{p['first_meeting']}–{p['last_meeting']}", ", ".join(p["joined"]) or "—",
                  str(p["members_present"]), fmt_ci(p["throughput"], p["throughput_ci95"]),
                  fmt_ci(p["deadlock_rate"], p["deadlock_rate_ci95"]))
    return t


def comparison_tables(summary: dict) -> tuple[Table, Table]:
    """Several scenarios: one row each, then one row per paired difference with the baseline."""
    levels = Table(title="Decisions (means over replications, 95% CI)", title_justify="left")
    diffs = Table(title=f"Difference from {summary['scenarios'][0]['scenario']} "
                  "(paired, common random numbers, 95% CI)", title_justify="left")
    shown = visible_metrics(summary["scenarios"])
    for t in (levels, diffs):
        t.add_column("scenario", max_width=28)
        for label in shown.values():
            t.add_column(label, justify="right", max_width=16)
    for s in summary["scenarios"]:
        levels.add_row(s["scenario"], *[
            f"{s['metrics'][k]:.3f}\n[{s['metrics'][k + '_ci95'][0]:.3f}, {s['metrics'][k + '_ci95'][1]:.3f}]"
            for k in shown])
    for d in summary["differences"]:
        diffs.add_row(d["scenario"], *[
            f"{d[k]:+.3f}\n[{d[k + '_ci95'][0]:+.3f}, {d[k + '_ci95'][1]:+.3f}]" for k in shown])
    return levels, diffs


def members_table(summaries: list[dict]) -> Table:
    """Who objected how often: objection and sole-veto rates per agenda item, by scenario."""
    t = Table(title="Objections per agenda item: objects / sole veto\n(at the last vote taken; sole "
              "veto = the only objector on an item without a consensus text)", title_justify="left")
    t.add_column("member")
    names: list[str] = []
    for s in summaries:
        names += [n for n in s["members"] if n not in names]
    if len(summaries) == 1:
        members = summaries[0]["members"]
        t.add_column("objections per item (95% CI)", justify="right")
        t.add_column("sole vetoes per item (95% CI)", justify="right")
        for name in names:
            m = members[name]
            t.add_row(name, fmt_ci(m["objection_rate"], m["objection_rate_ci95"]),
                      fmt_ci(m["sole_veto_rate"], m["sole_veto_rate_ci95"]))
        return t
    for s in summaries:
        t.add_column(s["scenario"], justify="right", max_width=18)
    for name in names:
        cells = []
        for s in summaries:
            m = s["members"].get(name)
            cells.append("—" if m is None else f"{m['objection_rate']:.3f} / {m['sole_veto_rate']:.3f}")
        t.add_row(name, *cells)
    return t


def invoked_args() -> list[str] | None:
    """The arguments ``main`` was called with (recorded in manifests)."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return obj.get("argv") if isinstance(obj, dict) else None


def tables_for(results: list[RunResults]) -> dict[str, pd.DataFrame]:
    """The tidy tables of one or more configurations, tagged with the scenario name."""
    out: dict[str, list[pd.DataFrame]] = {"runs": [], "meetings": [], "members": [], "items": []}
    for r in results:
        for key in out:
            df = getattr(r, key)
            if df.empty and key != "runs":
                continue
            df = df.copy()
            df.insert(0, "scenario", r.config.name)
            out[key].append(df)
    return {k: pd.concat(v, ignore_index=True) for k, v in out.items() if v}


def save(out: Path, results: list[RunResults], summary: dict, files: list[str], seed: int,
         replications: int, meetings: int | None) -> None:
    """Write tables, summary and manifest into ``out`` atomically."""
    tables = tables_for(results)
    scenarios = [{"path": f, "sha256": scenario_hash(f), "name": r.config.name}
                 for f, r in zip(files, results)]
    man = manifest(scenarios, seed, replications, meetings, invoked_args())
    writers = {f"{k}.parquet": (lambda p, df=df: write_parquet(p, df)) for k, df in tables.items()}
    writers["summary.json"] = lambda p: write_json(p, summary)
    writers["manifest.json"] = lambda p: write_json(p, man)
    write_atomically(out, writers)
    _WRITTEN.append(f"{out} was written in full")


# --------------------------------------------------------------------------- commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sco-sim")
def cli() -> None:
    """Simulate Shanghai Cooperation Organization decisions under its consensus rule."""


def simulation_options(command):
    """The options ``run`` and ``compare`` share."""
    for option in reversed((REPS, SEED, MEETINGS, OUT, TABLES, JSON, ENGINE, PROGRESS)):
        command = option(command)
    return command


@cli.command("run")
@click.argument("scenario", type=str)
@simulation_options
def run_cmd(scenario: str, replications: int, seed: int, meetings: int | None, out: Path | None,
            tables: bool | None, as_json: bool, engine: str, progress: bool | None) -> None:
    """Run SCENARIO and report throughput, deadlock rate and who objected."""
    config = load_config(scenario, meetings)
    keep = keep_tables(out, tables, replications)
    check_run_size(config, replications, scenario, keep)
    if out is not None:
        check_out_dir(out)
    results = simulate(config, replications, seed, progress, engine, keep)
    summary = summarize(results)
    if out is not None:
        save(out, [results], summary, [scenario], seed, replications, meetings)
    if as_json:
        stdout_json(summary)
        return
    out_console.print(Text.assemble((config.name, "bold"), (
        f" — {replications} replications × {config.meetings} meetings × "
        f"{config.items_per_meeting} items, rule {config.rule}, seed {seed}, {engine} engine")))
    out_console.print(metrics_table([summary]))
    by_period = periods_table(summary)
    if by_period is not None:
        out_console.print(by_period)
    out_console.print(members_table([summary]))
    if out is not None:
        written = ", ".join(f"{k}.parquet" for k in tables_for([results]))
        out_console.print(f"wrote {out}/ ({written}, summary.json, manifest.json)")


@cli.command("compare")
@click.argument("scenarios", nargs=-1, required=True, type=str)
@simulation_options
def compare_cmd(scenarios: tuple[str, ...], replications: int, seed: int, meetings: int | None,
                out: Path | None, tables: bool | None, as_json: bool, engine: str, progress: bool | None) -> None:
    """Run two or more SCENARIOS on the same random numbers and compare them with the first."""
    if len(scenarios) < 2:
        raise InputError([Problem("compare", "SCENARIOS", "give at least two scenario files")])
    configs = [load_config(s, meetings) for s in scenarios]
    keep = keep_tables(out, tables, replications)
    for s, c in zip(scenarios, configs):
        check_run_size(c, replications, s, keep)
    if out is not None:
        check_out_dir(out)
    results = [simulate(c, replications, seed, progress, engine, keep) for c in configs]
    summary = compare_results(results)
    if out is not None:
        save(out, results, summary, list(scenarios), seed, replications, meetings)
    if as_json:
        stdout_json(summary)
        return
    out_console.print(f"{len(scenarios)} scenarios, {replications} replications each, seed {seed}, "
                      "common random numbers")
    for table in comparison_tables(summary):
        out_console.print(table)
    out_console.print(members_table(summary["scenarios"]))


@cli.command("winset")
@click.argument("scenario", type=str)
@click.option("--samples", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Monte Carlo points (ignored where the share is exact).")
@SEED
@JSON
def winset_cmd(scenario: str, samples: int, seed: int, as_json: bool) -> None:
    """Share of the policy space that beats the status quo under the rule (Tsebelis's winset)."""
    config = load_config(scenario, None)
    res = winset_share(config, samples=samples, seed=seed)
    payload = {
        "scenario": config.name,
        "rule": config.rule,
        "winset_share": res.share,
        "winset_share_ci95": list(res.ci95),
        "method": res.method,
        "samples": res.samples,
        "seed": seed,
        "winset_share_by_dimension": shares_by_dimension(config),
    }
    if as_json:
        stdout_json(payload)
        return
    how = "exact" if res.method == "exact" else f"Monte Carlo, {samples} points, seed {seed}"
    out_console.print(f"{config.name}: winset share {fmt_ci(res.share, list(res.ci95), 4)} "
                      f"of the policy space under {config.rule} ({how})")
    by_dim = payload["winset_share_by_dimension"]
    if by_dim and config.n_dims > 1:
        t = Table(title="Exact winset share along each issue area (a single-issue item moves the "
                  "status quo along one line)", title_justify="left")
        t.add_column("issue area")
        t.add_column("share of its range", justify="right")
        for name, share in by_dim.items():
            t.add_row(name, f"{share:.4f}")
        out_console.print(t)


# --------------------------------------------------------------------------- sweeps


def default_out(target: str) -> Path:
    """``results/<file stem>`` when a sweep is given no --out."""
    return Path("results") / Path(target).stem


def points_table(summary: pd.DataFrame, params: list[str], metrics: tuple[str, ...]) -> Table:
    """Per design point: parameters, then each metric's mean and 95% CI."""
    t = Table(title="Per design point (means over replications, 95% CI)", title_justify="left")
    t.add_column("point", justify="right")
    several = summary["scenario"].nunique() > 1
    if several:
        t.add_column("scenario", max_width=24)
    for p in params:
        t.add_column(p, justify="right", max_width=24, overflow="fold")
    t.add_column("runs", justify="right")
    for m in metrics:
        t.add_column(m.replace("_", " "), justify="right")
    for row in summary.to_dict(orient="records"):
        cells = [str(row["point"])] + ([str(row["scenario"])] if several else [])
        cells += [f"{row[p]:.4g}" if isinstance(row[p], float) else str(row[p]) for p in params]
        cells.append(str(row["replications"]))
        cells += [fmt_ci(row[m], [row[f"{m}_ci_low"], row[f"{m}_ci_high"]]) for m in metrics]
        t.add_row(*cells)
    return t


def attribution_table(frame: pd.DataFrame) -> Table:
    """Which accession added how much: paired differences along each chain of scenarios."""
    t = Table(title="Attribution along each chain (paired by replication, 95% CI)", title_justify="left")
    for col in ("chain", "step", "added", "removed", "from → to", "difference"):
        t.add_column(col, justify="right" if col == "difference" else "left")
    for row in frame.to_dict(orient="records"):
        added = row.get("added")
        removed = row.get("removed")
        t.add_row(str(row.get("chain", "")), str(row.get("step", "")),
                  ", ".join(added) if isinstance(added, (list, tuple)) else str(added or "—"),
                  ", ".join(removed) if isinstance(removed, (list, tuple)) else str(removed or "—"),
                  f"{row['from_mean']:.3f} → {row['to_mean']:.3f}",
                  f"{row['difference']:+.3f} [{row['ci_low']:+.3f}, {row['ci_high']:+.3f}]")
    return t


SWEEP_METRICS = ("throughput", "deadlock_rate", "consensus_rate", "subset_rate")


def on_disk(out: Path) -> str:
    """What an interrupted sweep left in ``out``: finished chunks are kept and resume."""
    from .store import ResultStore

    try:
        store = ResultStore(out)
        man = store.read_manifest()
        done = len(store.done("runs"))
    except (InputError, OSError):
        return f"{out} may hold part of the sweep"
    if man is None:
        return "nothing was written" if not done else f"{done} finished task(s) are in {out}"
    return (f"{done} of {man.get('tasks', '?')} tasks are finished in {printable(str(out), 200)}; "
            "rerun the same command to resume")


def summarize_folder(out: Path, show_attribution: bool = True) -> dict:
    """Summarise a sweep folder: print per-point CIs (and attribution), write summary files."""
    from .experiment import attribution, from_description
    from .store import ResultStore
    from .sweep import summarize_results

    metrics = SWEEP_METRICS + ("adoption_rate", "mean_rounds")
    summary = summarize_results(out, metrics=metrics)
    store = ResultStore(out)
    manifest = store.read_manifest() or {}
    params = list(manifest.get("parameters") or [])
    files: dict = {"summary.csv": lambda p: summary.to_csv(p, index=False),
                   "summary.parquet": lambda p: write_parquet(p, summary)}
    attr = None
    described = manifest.get("experiment")
    if show_attribution and isinstance(described, dict) and described.get("attribution"):
        exp = from_description(described)
        attr = attribution(store.read_runs(), exp)
        files["attribution.csv"] = lambda p: attr.to_csv(p, index=False)
    write_atomically(out, files)
    out_console.print(points_table(summary, params, SWEEP_METRICS))
    if attr is not None and len(attr):
        out_console.print(attribution_table(attr))
    out_console.print(f"wrote {out}/summary.csv, summary.parquet"
                      + (", attribution.csv" if attr is not None else ""))
    return {"summary": summary, "attribution": attr}


@cli.command("sweep")
@click.argument("target", type=str)
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUES",
              help="Parameter values: PATH=v1,v2,... or PATH=lo:hi:n (n evenly spaced). Repeatable.")
@click.option("--replications", "-r", type=click.IntRange(min=1, max=MAX_REPLICATIONS), default=None,
              help="Replications per design point (default: the experiment's, or 100).")
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=None,
              help="Master seed (common to all points).")
@MEETINGS
@click.option("--engine", type=click.Choice(["compiled", "mesa", "vectorised"]), default=None,
              help="Default: the experiment's, or compiled ('vectorised' is version 0.1's name for it).")
@click.option("--chunk", type=click.IntRange(min=1, max=MAX_CHUNK), default=None,
              help="Replications per task (the unit of resuming and of parallel work).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Results folder (default results/<file name>). Rerun to resume.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes (default: one per core; 1 runs in this process).")
@click.option("--scheduler", type=str, default=None, help="Dask scheduler address, e.g. tcp://head:8786.")
@click.option("--dask", "dask_mode", type=click.Choice(["local"]), default=None,
              help="Run on a Dask LocalCluster on this machine.")
@click.option("--shard", type=str, default=None, metavar="i/N",
              help="Run only shard i of N (0-based) of the tasks, e.g. 0/4.")
@click.option("--meetings-table", is_flag=True, help="Also store the per-meeting table.")
@PROGRESS
def sweep_cmd(target: str, sets: tuple[str, ...], replications: int | None, seed: int | None,
              meetings: int | None, engine: str | None, chunk: int | None, out: Path | None,
              workers: int | None, scheduler: str | None, dask_mode: str | None, shard: str | None,
              meetings_table: bool, progress: bool | None) -> None:
    """Sweep an experiment file, or a scenario with --set parameters; resumable."""
    from .executors import make_executor
    from .experiment import check, load_sweep
    from .sweep import parse_shard, run_sweep

    exp = load_sweep(catalogue.resolve(target), list(sets), replications, seed, meetings, engine, chunk)
    check(exp)
    shard_spec = parse_shard(shard) if shard is not None else None
    out = out if out is not None else default_out(target)
    check_out_dir(out)
    executor = make_executor(workers, scheduler, dask_mode == "local")
    try:
        with sweep_progress(progress, f"sweep {printable(Path(target).name, 80)}") as update:
            report = run_sweep(exp, out, executor, shard=shard_spec, meetings_table=meetings_table,
                               progress=update,
                               command=shlex.join(["sco-sim", *(invoked_args() or [])]))
    except KeyboardInterrupt:
        _WRITTEN.append(on_disk(out))
        raise
    rate = report.runs_per_second
    out_console.print(
        f"{report.done} tasks run, {report.skipped} already done, {report.failed} failed; "
        f"{report.replications} replications in {report.wall_time:.1f} s"
        + (f" ({rate:,.0f} runs/s, {report.executor}, {report.workers} worker(s))"
           if report.replications else ""))
    for err in report.errors:
        click.echo(f"sco-sim: task failed: {err}", err=True)
    if shard_spec is None or report.skipped + report.done == report.tasks:
        summarize_folder(out)
    if report.failed:
        raise click.exceptions.Exit(1)


@cli.command("summarize")
@click.argument("results", type=click.Path(path_type=Path))
def summarize_cmd(results: Path) -> None:
    """Per-point means with 95% CIs of a sweep folder (printed, and written beside it)."""
    summarize_folder(results)


@cli.command("sensitivity")
@click.argument("results", type=click.Path(path_type=Path))
@click.option("--metric", default="deadlock_rate", show_default=True, help="Run-level metric to analyse.")
@JSON
def sensitivity_cmd(results: Path, metric: str, as_json: bool) -> None:
    """Sobol or Morris sensitivity indices of a sweep run with that design (via SALib)."""
    from .experiment import from_description
    from .sensitivity import analyze
    from .store import ResultStore

    store = ResultStore(results)
    manifest = store.read_manifest()
    if manifest is None or not isinstance(manifest.get("experiment"), dict):
        raise InputError([Problem(str(results), "RESULTS", "is not a sweep results folder (no manifest.json)")])
    exp = from_description(manifest["experiment"])
    indices = analyze(exp, store.read_runs(), metric=metric)
    write_atomically(results, {f"sensitivity_{metric}.csv": lambda p: indices.to_csv(p, index=False)})
    if as_json:
        stdout_json({"metric": metric, "indices": indices.to_dict(orient="records")})
        return
    t = Table(title=f"Sensitivity of {metric}", title_justify="left")
    for col in indices.columns:
        t.add_column(col, justify="left" if indices[col].dtype == object else "right")
    for row in indices.to_dict(orient="records"):
        t.add_row(*[f"{v:.4f}" if isinstance(v, float) else str(v) for v in row.values()])
    out_console.print(t)
    out_console.print(f"wrote {results}/sensitivity_{metric}.csv")


@cli.command("rules")
@click.argument("scenario", type=str)
@JSON
def rules_cmd(scenario: str, as_json: bool) -> None:
    """Coleman's power to act and normalised Banzhaf power under each decision rule (exact)."""
    config = load_config(scenario, None)
    try:
        table = rules_table(config)
    except ValueError as exc:
        raise InputError([Problem(scenario, "members", str(exc))]) from None
    own = scenario_spec(config).label
    if as_json:
        stdout_json({
            "scenario": config.name,
            "scenario_rule": own,
            "rules": table.to_dict(orient="records"),
            "notes": "coleman = share of all 2^N yes/no profiles that pass (power of the "
            "collectivity to act); member columns = normalised Banzhaf power; computed exactly.",
        })
        return
    rows = table.to_dict(orient="records")
    labels = [r["label"] + (" *" if r["label"] == own else "") for r in rows]
    act = Table(title=f"{config.name}: Coleman's power of the collectivity to act (exact)",
                title_justify="left")
    act.add_column("rule")
    act.add_column("share of the 2^N yes/no profiles that pass", justify="right")
    for label, row in zip(labels, rows):
        act.add_row(label, f"{row['coleman']:.4g}")
    out_console.print(act)
    power = Table(title="Normalised Banzhaf power (each rule's column sums to 1)", title_justify="left")
    power.add_column("member")
    for label in labels:
        power.add_column(label, justify="right", max_width=14)
    for m in [c for c in table.columns if c not in ("label", "coleman")]:
        power.add_row(m, *[f"{row[m]:.3f}" for row in rows])
    out_console.print(power)
    out_console.print("* the scenario's own rule")


@cli.command("plot")
@click.argument("results", type=click.Path(path_type=Path))
@click.option("--kind", default=None, help="One figure kind (default: every kind the folder supports): "
              "comparison, timeseries, blockers, policy, sweep-line, sweep-heatmap, sensitivity.")
@click.option("--format", "fmt", default="png", show_default=True, help="png, svg or pdf.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Folder for the figures (default RESULTS/figures).")
def plot_cmd(results: Path, kind: str | None, fmt: str, out: Path | None) -> None:
    """Publication figures from a results folder (run, compare or sweep)."""
    from .plots import plot_results

    for path in plot_results(results, kind=kind, fmt=fmt, out_dir=out):
        out_console.print(f"wrote {path}")


@cli.command("report")
@click.argument("results", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Report file (default RESULTS/report.html or report.md).")
@click.option("--format", "fmt", type=click.Choice(["html", "md"]), default="html", show_default=True)
def report_cmd(results: Path, out: Path | None, fmt: str) -> None:
    """One self-contained report (HTML with embedded figures, or Markdown) of a results folder."""
    from .report import write_report

    target = out if out is not None else Path(results) / f"report.{fmt}"
    out_console.print(f"wrote {write_report(results, target, fmt=fmt)}")


@cli.command("dashboard")
@click.argument("scenario", required=False, type=str)
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--open/--no-open", "open_browser", default=False, help="Open a browser tab.")
def dashboard_cmd(scenario: str | None, port: int, host: str, open_browser: bool) -> None:
    """Interactive dashboard (Mesa SolaraViz) on localhost: sliders, step, play."""
    from .dashboard import launch

    raise click.exceptions.Exit(launch(scenario, port=port, host=host, open_browser=open_browser))


@cli.command("list")
def list_cmd() -> None:
    """List the bundled scenarios and experiments (name them without a path in any command)."""
    for kind in catalogue.KINDS:
        files = catalogue.bundled(kind)
        t = Table(title=f"Bundled {kind} ({catalogue.folder(kind) or 'none in this install'})",
                  title_justify="left")
        t.add_column("name", no_wrap=True)
        t.add_column("title")
        for name, path in files.items():
            t.add_row(name, catalogue.describe(path))
        out_console.print(t)


@cli.command("validate")
@click.argument("files", nargs=-1, required=True, type=str)
def validate_cmd(files: tuple[str, ...]) -> None:
    """Check scenario FILES and report every problem (exit code 2 if any)."""
    bad = 0
    for f in files:
        try:
            build_config(load_scenario(catalogue.resolve(f)))
        except InputError as exc:
            bad += 1
            for p in exc.problems:
                click.echo(str(p), err=True)
        else:
            click.echo(f"{printable(f, 300)}: ok")
    if bad:
        raise click.exceptions.Exit(2)


def main(argv: list[str] | None = None) -> int:
    """Entry point: turn every input error into one line and exit code 2."""
    _WRITTEN.clear()
    _PHASE["now"] = "running"
    try:
        args = sys.argv[1:] if argv is None else list(argv)
        rv = cli.main(args=args, prog_name="sco-sim", standalone_mode=False, obj={"argv": args})
        return int(rv or 0)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except InputError as exc:
        click.echo(f"sco-sim: error: {exc.one_line()}", err=True)
        return 2
    except click.ClickException as exc:
        click.echo(f"sco-sim: error: {printable(exc.format_message(), 600)}", err=True)
        return 2
    except (click.exceptions.Abort, KeyboardInterrupt):
        written = "; ".join(_WRITTEN) or "nothing was written"
        click.echo(f"sco-sim: interrupted; {written}", err=True)
        return 130
    except OSError as exc:  # disk full, permissions, ...: the environment, not a bug
        where = exc.filename if exc.filename else "sco-sim"
        click.echo(f"sco-sim: error: {printable(str(where), 300)}: {exc.strerror or exc}", err=True)
        return 2
    except Exception as exc:  # a bug, not bad input: one line unless debugging
        if os.environ.get("SCO_SIM_DEBUG"):
            raise
        click.echo(f"sco-sim: internal error: {type(exc).__name__}: {printable(str(exc), 600)} "
                   "(set SCO_SIM_DEBUG=1 for a traceback)", err=True)
        return 1
    finally:
        _PHASE["now"] = "done"


def entry() -> None:
    """Console-script wrapper."""
    try:
        code = main()
    except KeyboardInterrupt:  # in one of main's own handlers
        code = 130
    sys.exit(code)
