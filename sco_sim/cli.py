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
    from rich.measure import Measurement
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table
    from rich.text import Text

    from . import __version__
    from .analysis import vocabulary as vocab
    from .analysis.intervals import fmt_ci
    from .analysis.power import rules_table, scenario_spec
    from .analysis.summary import compare as compare_results
    from .analysis.summary import summarize
    from .analysis.winset import shares_by_dimension, winset_share
    from .engine import RunResults
    from .engine import simulate as simulate_runs
    from .experiments.experiment import MAX_CHUNK, MAX_REPLICATIONS, MAX_SEED
    from .experiments.output import (
        check_out_dir,
        manifest,
        stdout_json,
        write_atomically,
        write_json,
        write_parquet,
    )
    from .inputs import catalogue
    from .inputs.config import Config, build_config
    from .inputs.errors import InputError, Problem, printable
    from .inputs.scenario import MAX_MEETINGS, load_scenario, scenario_hash
except KeyboardInterrupt:  # pragma: no cover - timing-dependent; tested by a subprocess test
    sys.stderr.write("sco-sim: interrupted; nothing was written\n")
    raise SystemExit(130) from None

# markup=False: names and paths are printed literally ("[/bold]" in a member's name is a name)
out_console = Console(markup=False)  # as wide as the terminal (COLUMNS when not a terminal, else 80)
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


def table_width(table: Table) -> int:
    """The width a table takes when nothing is wrapped."""
    return Measurement.get(out_console, out_console.options.update(max_width=10_000), table).maximum


def fit_to_width(build, items: list, width: int | None = None) -> list[Table]:
    """Tables of as many consecutive ``items`` each as fit the console's width (at least one).

    ``build(items)`` makes one table; a table too wide for the terminal is split into several
    rather than cut ("negotiati…") or wrapped mid-word.
    """
    width = out_console.width if width is None else width
    tables, start = [], 0
    while start < len(items):
        n = len(items) - start
        while n > 1 and table_width(build(items[start:start + n])) > width:
            n -= 1
        tables.append(build(items[start:start + n]))
        start += n
    return tables


def print_tables(tables: list[Table]) -> None:
    """Print tables one after the other; a title repeated by the parts of a split table once.

    Titles are printed as lines of their own, wrapped at the terminal's width rather than at the
    (possibly narrow) table's.
    """
    last = None
    for t in tables:
        title, t.title = t.title, None
        if title and title != last:
            out_console.print(title, style="italic")
        elif title:
            out_console.print("(continued)", style="italic")
        last = title
        out_console.print(t)


def header_column(t: Table, header: str, **kw) -> None:
    """Add a column whose header wraps at words, never inside one."""
    longest = max((len(w) for w in header.split()), default=1)
    if "max_width" in kw:
        kw["max_width"] = max(kw["max_width"], longest)
    t.add_column(header, min_width=longest, overflow="fold", **kw)


def visible_metrics(summaries: list[dict]) -> list[str]:
    """The metric rows worth showing: mechanisms nobody used are left out of the table."""
    return [k for k in vocab.TABLE_RATES
            if not vocab.metric(k).optional or any(s["metrics"].get(k, 0) for s in summaries)]


def metrics_table(summaries: list[dict]) -> Table:
    """One scenario: metrics as rows, each with its 95% CI."""
    s = summaries[0]
    t = Table(title="Decisions (means over replications, 95% CI)", title_justify="left")
    t.add_column("metric")
    t.add_column(s["scenario"], justify="right", overflow="fold")
    t.add_row("items / run", f"{s['metrics']['items']:.0f}")
    for key in visible_metrics(summaries):
        t.add_row(vocab.label(key), fmt_ci(s["metrics"][key], s["metrics"][f"{key}_ci95"]))
    return t


def periods_table(summary: dict) -> Table | None:
    """Before / after each accession, when the scenario has members joining during the run."""
    if not summary.get("periods"):
        return None
    t = Table(title="By period (accessions during the run; members: how many sit)",
              title_justify="left")
    t.add_column("meetings", justify="right")
    header_column(t, "joined (members)", max_width=20)
    t.add_column(vocab.label("throughput"), justify="right")
    t.add_column(vocab.label("deadlock_rate"), justify="right")
    for p in summary["periods"]:
        t.add_row(f"{p['first_meeting']}–{p['last_meeting']}",
                  f"{', '.join(p['joined']) or '—'} ({p['members_present']})",
                  fmt_ci(p["throughput"], p["throughput_ci95"]),
                  fmt_ci(p["deadlock_rate"], p["deadlock_rate_ci95"]))
    return t


def comparison_tables(summary: dict) -> list[Table]:
    """Several scenarios: metrics as rows, one column per scenario (split to fit the terminal),
    then the paired differences from the first scenario laid out the same way.
    """
    shown = visible_metrics(summary["scenarios"])
    base = summary["scenarios"][0]["scenario"]

    def levels(scen: list[dict]) -> Table:
        t = Table(title="Decisions (means over replications, 95% CI)", title_justify="left")
        header_column(t, "metric", max_width=16)
        for s in scen:
            header_column(t, s["scenario"], justify="right", max_width=20)
        for k in shown:
            t.add_row(vocab.label(k), *[fmt_ci(s["metrics"][k], s["metrics"][k + "_ci95"]) for s in scen])
        return t

    def diffs(ds: list[dict]) -> Table:
        t = Table(title=f"Difference from {base} (paired, common random numbers, 95% CI)",
                  title_justify="left")
        header_column(t, "metric", max_width=16)
        for d in ds:
            header_column(t, f"{d['scenario']} − {base}", justify="right", max_width=24)
        for k in shown:
            t.add_row(vocab.label(k), *[fmt_ci(d[k], d[k + "_ci95"], signed=True) for d in ds])
        return t

    return (fit_to_width(levels, list(summary["scenarios"]))
            + fit_to_width(diffs, list(summary["differences"])))


def members_tables(summaries: list[dict]) -> list[Table]:
    """Who objected how often: objection and sole-veto rates per agenda item, by scenario."""
    title = ("Objections per agenda item: objects / sole veto\n(at the last vote taken; sole "
             "veto = the only objector on an item without a consensus text)")
    names: list[str] = []
    for s in summaries:
        names += [n for n in s["members"] if n not in names]
    if len(summaries) == 1:
        members = summaries[0]["members"]
        t = Table(title=title, title_justify="left")
        t.add_column("member")
        header_column(t, f"{vocab.label('objection_rate')} (95% CI)", justify="right")
        header_column(t, f"{vocab.label('sole_veto_rate')} (95% CI)", justify="right")
        for name in names:
            m = members[name]
            t.add_row(name, fmt_ci(m["objection_rate"], m["objection_rate_ci95"]),
                      fmt_ci(m["sole_veto_rate"], m["sole_veto_rate_ci95"]))
        return [t]

    def build(scen: list[dict]) -> Table:
        t = Table(title=title, title_justify="left")
        t.add_column("member")
        for s in scen:
            header_column(t, s["scenario"], justify="right", max_width=18)
        for name in names:
            cells = []
            for s in scen:
                m = s["members"].get(name)
                cells.append("—" if m is None else f"{m['objection_rate']:.3f} / {m['sole_veto_rate']:.3f}")
            t.add_row(name, *cells)
        return t

    return fit_to_width(build, list(summaries))


def print_summary(summary: dict) -> None:
    """The tables of a run's or a comparison's summary (``summary.json``)."""
    if "scenarios" in summary:
        print_tables(comparison_tables(summary))
        print_tables(members_tables(summary["scenarios"]))
        return
    print_tables([metrics_table([summary])])
    by_period = periods_table(summary)
    if by_period is not None:
        print_tables([by_period])
    print_tables(members_tables([summary]))


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
    print_summary(summary)
    if out is not None:
        written = ", ".join(f"{k}.parquet" for k in tables_for([results]))
        out_console.print(f"wrote {out}/ ({written}, summary.json, manifest.json)", soft_wrap=True)


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
    print_summary(summary)


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
        print_tables([t])


# --------------------------------------------------------------------------- sweeps


def default_out(target: str) -> Path:
    """``results/<file stem>`` when a sweep is given no --out."""
    return Path("results") / Path(target).stem


def plus_minus(value: float, low: float, high: float, digits: int = 3) -> str:
    """``0.123±0.006``: a mean with the half-width of its (symmetric) interval."""
    if pd.isna(value):
        return "—"
    return f"{value:.{digits}f}±{max(high - value, value - low):.{digits}f}"


def points_tables(summary: pd.DataFrame, params: list[str],
                  metrics: tuple[str, ...]) -> tuple[list[Table], str]:
    """Per design point: parameters (human labels), then each metric's mean ± 95% half-width.

    Split into several tables of metrics when they do not fit the terminal; when even one
    metric does not fit, the parameters are headed P1, P2, ... Returns the tables and the legend
    to print after them (labels, codes and the dotted paths for ``--set``).
    """
    several = summary["scenario"].nunique() > 1
    rows = summary.to_dict(orient="records")

    def build(ms: list[str], codes: bool) -> Table:
        t = Table(title="Per design point (means over replications ± half-width of the 95% CI)",
                  title_justify="left")
        t.add_column("point", justify="right")
        if several:
            header_column(t, "scenario", max_width=16)
        for k, p in enumerate(params, start=1):
            header_column(t, f"P{k}" if codes else vocab.parameter_label(p), justify="right",
                          max_width=14)
        t.add_column("runs", justify="right")
        for m in ms:
            header_column(t, vocab.label(m), justify="right", max_width=12)
        for row in rows:
            cells = [str(row["point"])] + ([str(row["scenario"])] if several else [])
            cells += [f"{row[p]:.4g}" if isinstance(row[p], float) else str(row[p]) for p in params]
            cells.append(str(row["replications"]))
            cells += [plus_minus(row[m], row[f"{m}_ci_low"], row[f"{m}_ci_high"]) for m in ms]
            t.add_row(*cells)
        return t

    tables = fit_to_width(lambda ms: build(ms, False), list(metrics))
    codes = any(table_width(t) > out_console.width for t in tables)
    if codes:
        tables = fit_to_width(lambda ms: build(ms, True), list(metrics))
    return tables, parameter_legend(params, codes)


def parameter_legend(params: list[str], codes: bool = False) -> str:
    """``parameters: India's tolerance = members.India.tolerance; ...`` (for --set and files)."""
    if not params:
        return ""
    return "parameters: " + "; ".join(
        (f"P{k} " if codes else "") + f"{vocab.parameter_label(p)} = {p}"
        for k, p in enumerate(params, start=1))


def _names(value) -> str:
    return ", ".join(value) if isinstance(value, (list, tuple)) else str(value or "")


def attribution_tables(frame: pd.DataFrame) -> list[Table]:
    """Which accession added how much: one table per chain, one row per step (paired differences)."""
    tables = []
    for chain, part in frame.groupby("chain", sort=False):
        metric = str(part["metric"].iloc[0]) if "metric" in part.columns else "deadlock_rate"
        t = Table(title=f"Attribution, chain {chain!r}: change in {vocab.label(metric)} "
                  "(paired by replication, 95% CI)", title_justify="left")
        header_column(t, "step", max_width=26)
        header_column(t, "members", max_width=18)
        t.add_column("from → to", justify="right", no_wrap=True)
        t.add_column("difference", justify="right", no_wrap=True)
        for row in part.to_dict(orient="records"):
            change = " ".join(x for x in (f"+{_names(row.get('added'))}" if _names(row.get("added")) else "",
                                          f"−{_names(row.get('removed'))}" if _names(row.get("removed")) else "")
                              if x) or "—"
            t.add_row(f"{row['step']}. {row['from']} → {row['to']}", change,
                      f"{row['from_mean']:.3f} → {row['to_mean']:.3f}",
                      fmt_ci(row["difference"], [row["ci_low"], row["ci_high"]], signed=True))
        tables.append(t)
    return tables


def on_disk(out: Path) -> str:
    """What an interrupted sweep left in ``out``: finished chunks are kept and resume."""
    from .experiments.store import ResultStore

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
    from .experiments.experiment import attribution, from_description
    from .experiments.store import ResultStore
    from .experiments.sweep import summarize_results

    summary = summarize_results(out, metrics=vocab.SWEEP_SUMMARY)
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
    tables, legend = points_tables(summary, params, vocab.SWEEP_TABLE)
    print_tables(tables)
    if legend:
        out_console.print(legend)
    if attr is not None and len(attr):
        print_tables(attribution_tables(attr))
    out_console.print(f"wrote {out}/summary.csv, summary.parquet"
                      + (", attribution.csv" if attr is not None else ""), soft_wrap=True)
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
    from .experiments.executors import make_executor
    from .experiments.experiment import check, load_sweep
    from .experiments.sweep import parse_shard, run_sweep

    if scheduler is not None and workers is not None:
        raise InputError([Problem("sweep", "--workers", "cannot be used with --scheduler (the Dask "
                                  "cluster decides how many workers run); drop one of them")])
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
    """Means with 95% CIs of a results folder: per design point for a sweep (printed and written
    beside it), the summary tables of a run or compare folder (printed; summary.json has them).
    """
    from .experiments.results import load_results

    res = load_results(results)
    if res.is_sweep:
        summarize_folder(results)
        return
    out_console.print(Text.assemble((res.title, "bold"), (
        f" — {res.layout} folder, {res.replications} replications, seed {res.seed} "
        f"(read from {results}/summary.json)")))
    print_summary(res.summary_data)
    out_console.print(f"nothing written: {results}/summary.json already holds these numbers")


SENSITIVITY_COLUMNS = {"S1": "S1 (first order)", "ST": "ST (total)", "mu_star": "μ* (mean |effect|)",
                       "sigma": "σ (spread)", "mu": "μ (mean effect)"}


def sensitivity_tables(indices: pd.DataFrame, metric: str) -> list[Table]:
    """Indices per parameter (human labels), each with its 95% bootstrap half-width."""
    several = "scenario" in indices.columns and indices["scenario"].nunique() > 1
    cols = [c for c in SENSITIVITY_COLUMNS if c in indices.columns]
    rows = indices.to_dict(orient="records")

    def build(cs: list[str]) -> Table:
        t = Table(title=f"Sensitivity of the {vocab.label(metric)} (± 95% bootstrap half-width)",
                  title_justify="left")
        if several:
            header_column(t, "scenario", max_width=16)
        header_column(t, "parameter", max_width=30)
        for c in cs:
            header_column(t, SENSITIVITY_COLUMNS[c], justify="right", max_width=12)
        for r in rows:
            cells = [str(r["scenario"])] if several else []
            cells.append(vocab.parameter_label(str(r["parameter"])))
            for c in cs:
                conf = r.get(f"{c}_conf")
                cells.append(f"{r[c]:.3f}" if conf is None or pd.isna(conf) else f"{r[c]:.3f}±{conf:.3f}")
            t.add_row(*cells)
        return t

    return fit_to_width(build, cols)


@cli.command("sensitivity")
@click.argument("results", type=click.Path(path_type=Path))
@click.option("--metric", default="deadlock_rate", show_default=True, help="Run-level metric to analyse.")
@JSON
def sensitivity_cmd(results: Path, metric: str, as_json: bool) -> None:
    """Sobol or Morris sensitivity indices of a sweep run with that design (via SALib)."""
    from .experiments.experiment import from_description
    from .experiments.results import load_results
    from .experiments.sensitivity import analyze
    from .viz.plots import sensitivity_warnings

    res = load_results(results)
    if not res.is_sweep:
        raise InputError([Problem(str(results), "RESULTS", f"is a {res.layout} folder (written by "
                                  f"`sco-sim {res.layout}`); sensitivity indices need a sweep with a "
                                  "sobol or morris design: sco-sim sweep EXPERIMENT.toml --out DIR")])
    if res.design not in ("sobol", "morris"):
        raise InputError([Problem(str(results), "design.type", f"this sweep has a {res.design!r} "
                                  "design; sensitivity indices need [design] type = \"sobol\" or "
                                  "\"morris\"")])
    exp = from_description(res.manifest["experiment"])
    indices = analyze(exp, res.runs, metric=metric)
    write_atomically(results, {f"sensitivity_{metric}.csv": lambda p: indices.to_csv(p, index=False)})
    warnings = sensitivity_warnings(indices)
    for w in warnings:
        click.echo(f"sco-sim: warning: {w}", err=True)
    if as_json:
        stdout_json({"metric": metric, "indices": indices.to_dict(orient="records"),
                     "warnings": warnings})
        return
    print_tables(sensitivity_tables(indices, metric))
    params = list(dict.fromkeys(indices["parameter"].astype(str)))
    out_console.print(parameter_legend(params))
    if {"points", "replications"} <= set(indices.columns) and len(indices):
        out_console.print(f"{int(indices['points'].iloc[0])} design points × "
                          f"{int(indices['replications'].iloc[0])} replications")
    out_console.print(f"wrote {results}/sensitivity_{metric}.csv", soft_wrap=True)


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
    print_tables([act])
    members = [c for c in table.columns if c not in ("label", "coleman")]

    def power(ks: list[int]) -> Table:
        t = Table(title="Normalised Banzhaf power (each rule's column sums to 1)", title_justify="left")
        t.add_column("member")
        for k in ks:
            header_column(t, labels[k], justify="right", max_width=14)
        for m in members:
            t.add_row(m, *[f"{rows[k][m]:.3f}" for k in ks])
        return t

    print_tables(fit_to_width(power, list(range(len(rows)))))
    out_console.print("* the scenario's own rule")


@cli.command("plot")
@click.argument("results", type=click.Path(path_type=Path))
@click.option("--kind", default=None, help="One figure kind (default: every kind the folder supports): "
              "comparison, timeseries, blockers, policy, sweep-line, sweep-heatmap, sensitivity.")
@click.option("--format", "fmt", default="png", show_default=True, help="png, svg or pdf.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Folder for the figures (default RESULTS/figures).")
@click.option("--dpi", type=click.IntRange(min=30, max=1200), default=None,
              help="Resolution of PNG figures (default 110; 300 for print).")
def plot_cmd(results: Path, kind: str | None, fmt: str, out: Path | None, dpi: int | None) -> None:
    """Publication figures from a results folder (run, compare or sweep)."""
    from .viz.plots import DPI, plot_results

    for path in plot_results(results, kind=kind, fmt=fmt, out_dir=out, dpi=dpi or DPI):
        out_console.print(f"wrote {path}", soft_wrap=True)  # a path stays whole for copy and paste


@cli.command("report")
@click.argument("results", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Report file (default RESULTS/report.html or report.md).")
@click.option("--format", "fmt", type=click.Choice(["html", "md"]), default="html", show_default=True)
def report_cmd(results: Path, out: Path | None, fmt: str) -> None:
    """One self-contained report (HTML with embedded figures, or Markdown) of a results folder."""
    from .viz.report import write_report

    target = out if out is not None else Path(results) / f"report.{fmt}"
    out_console.print(f"wrote {write_report(results, target, fmt=fmt)}", soft_wrap=True)


@cli.command("dashboard")
@click.argument("scenario", required=False, type=str)
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--open/--no-open", "open_browser", default=False, help="Open a browser tab.")
def dashboard_cmd(scenario: str | None, port: int, host: str, open_browser: bool) -> None:
    """Interactive dashboard (Mesa SolaraViz) on localhost: sliders, step, play."""
    from .viz.dashboard import launch

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


# --------------------------------------------------------------------------- uncertainty, calibrate


@cli.command("uncertainty")
@click.argument("scenarios", nargs=-1, required=True, type=str)
@click.option("--samples", "-n", type=click.IntRange(min=1), default=8, show_default=True,
              help="Sobol: base samples N (N (G + 2) draws for G factors; a power of two); lhs: draws.")
@click.option("--replications", "-r", type=click.IntRange(min=1), default=20, show_default=True,
              help="Replications per draw (the same streams at every draw).")
@SEED
@click.option("--design", type=click.Choice(["sobol", "lhs"]), default="sobol", show_default=True)
@click.option("--nominal-replications", type=click.IntRange(min=2), default=200, show_default=True,
              help="Replications at the files' own values (the Monte Carlo interval).")
@click.option("--flip", "flips", multiple=True, metavar="METRIC<VALUE",
              help="A conclusion to test with PRIM, e.g. 'deadlock_rate<0.1' (fails where the "
              "difference is below 0.1). Default: the deadlock difference keeps half its nominal size.")
@OUT
@JSON
@PROGRESS
def uncertainty_cmd(scenarios: tuple[str, ...], samples: int, replications: int, seed: int, design: str,
                    nominal_replications: int, flips: tuple[str, ...], out: Path | None, as_json: bool,
                    progress: bool | None) -> None:
    """Propagate the declared [[uncertain]] inputs of SCENARIOS; differences from the first one."""
    from .analysis import uncertainty as U

    tests = [U.parse_flip(f) for f in flips]
    if out is not None:
        check_out_dir(out)
    configs = [U.load_configuration(s) for s in scenarios]
    dsg = U.make_design(configs, samples, design, seed)
    with progress_bar(len(dsg.unit) * len(configs), "input draws", progress) as advance:
        runs = U.propagate(configs, dsg, replications, seed, progress=advance)
    nominal = U.nominal_differences(configs, nominal_replications, seed)
    summary = U.analyse(configs, dsg, runs, nominal, tests or None)
    summary["replications"] = replications
    summary["nominal_replications"] = nominal_replications
    if out is not None:
        from .viz import uncertainty_plots as P

        draws = U.draws_table(dsg)
        files = {"draws.parquet": lambda p: write_parquet(p, draws),
                 "runs.parquet": lambda p: write_parquet(p, runs),
                 "summary.json": lambda p: write_json(p, summary),
                 "manifest.json": lambda p: write_json(p, manifest(
                     [{"path": s, "sha256": scenario_hash(s)} for s in scenarios], seed, replications, None,
                     invoked_args()))}
        for k, name in enumerate(summary["differences"]):
            files[f"figures/differences_{k}.png"] = \
                lambda p, name=name: P.differences_figure(summary, runs, name, p)
            if dsg.kind == "sobol":
                files[f"figures/indices_{k}.png"] = \
                    lambda p, name=name: P.indices_figure(summary, name, "deadlock_rate", p)
        write_atomically(out, files)
    if as_json:
        stdout_json(summary)
        return
    t = Table(title=f"Differences from {summary['baseline']} ({summary['draws']} input draws, {design})",
              title_justify="left")
    for col in ("scenario", "metric", "at the files' values (MC 95%)", "over inputs: mean (MC 95%)",
                "assumption interval 90%", "top factor (ST)"):
        t.add_column(col)
    for name, diff in summary["differences"].items():
        for m in ("deadlock_rate", "consensus_rate", "subset_rate", "throughput"):
            e = diff[m]
            top = ""
            if e["sobol"]:
                f = max(e["sobol"]["ST"], key=e["sobol"]["ST"].get)
                top = f"{f} ({e['sobol']['ST'][f]:.2f})"
            t.add_row(name, m, fmt_ci(e["nominal"]["mean"], e["nominal"]["mc_ci95"]),
                      fmt_ci(e["mean"], e["mc_ci95"]),
                      f"[{e['assumption_interval90'][0]:.3f}, {e['assumption_interval90'][1]:.3f}]", top)
    out_console.print(t)
    for name, diff in summary["differences"].items():
        for f in diff["flips"]:
            box = f["box"]
            where = "; ".join(f"{k} in {v}" for k, v in box["inputs"].items()) if box else f.get("note", "")
            out_console.print(f"{name}: '{f['conclusion_fails_where']}' in {f['failures']} of {f['draws']} "
                              f"draws. {'PRIM box: ' + where if box else where}")
    if out is not None:
        out_console.print(f"wrote {out}")


HISTORY = Path(__file__).resolve().parents[1] / "scenarios" / "sco_history_2001_2025.toml"


@cli.command("calibrate")
@click.argument("scenario", required=False, type=str)
@click.option("--populations", type=click.IntRange(min=1), default=4, show_default=True,
              help="ABC-SMC generations.")
@click.option("--population-size", type=click.IntRange(min=2), default=100, show_default=True,
              help="Particles per generation.")
@click.option("--replications", "-r", type=click.IntRange(min=1), default=2, show_default=True,
              help="Replications per model run inside ABC.")
@click.option("--predictive-draws", type=click.IntRange(min=1), default=100, show_default=True,
              help="Posterior draws for the posterior predictive (5 replications each).")
@click.option("--compare", "compare_with", nargs=2, type=str, default=None, metavar="BASE OTHER",
              help="Also give the calibrated posterior predictive of OTHER minus BASE (deadlock rate).")
@SEED
@OUT
@JSON
@PROGRESS
def calibrate_cmd(scenario: str | None, populations: int, population_size: int, replications: int,
                  predictive_draws: int, compare_with: tuple[str, str] | None, seed: int, out: Path | None,
                  as_json: bool, progress: bool | None) -> None:
    """ABC-SMC of SCENARIO's free parameters (default: the history file) on 2001-2017; scored on 2018-2025."""
    from .analysis.uncertainty import load_configuration
    from .case import calibration as C

    path = scenario or str(HISTORY)
    if out is not None:
        check_out_dir(out)
    configuration = load_configuration(path)
    others = [load_configuration(p) for p in compare_with] if compare_with else []
    rec = C.load_record()
    bounds = C.priors(configuration)
    observed = rec.fit_statistics()
    fit = C.calibrate(configuration, observed, bounds, populations, population_size, replications, seed)
    draws = C.resample(fit["posterior"], predictive_draws, seed)
    with progress_bar(predictive_draws, "posterior predictive", progress) as advance:
        pred = C.predictive(configuration, draws, 5, seed, (C.FIT[0], C.TEST[1]), progress=advance)
    test = pred[pred["meeting"] >= C.TEST[0]]
    summary = {
        "scenario": configuration.name,
        "posterior": C.posterior_summary(fit["posterior"], bounds),
        "observed_fit_statistics": observed,
        "out_of_sample": C.out_of_sample(test, rec),
        "abc": {"populations": populations, "population_size": population_size, "replications": replications,
                "model_runs": fit["runs"], "epsilons": fit["epsilons"], "seed": seed,
                "fit_meetings": list(C.FIT), "test_meetings": list(C.TEST),
                "notes": "uniform priors over the declared ranges; adaptive p=2 distance on the fit statistics; "
                "pyabc's particle draws seeded through numpy.random.seed(seed), one core; model runs on the "
                "project's streams with seeds derived from (seed, run number)"},
    }
    if others:
        summary["posterior_predictive_differences"] = C.predictive_differences(
            others, draws.iloc[: min(40, len(draws))], 20, seed)
    if out is not None:
        from .viz import uncertainty_plots as P

        posterior = fit["posterior"]
        figure_data, figure_observed = C.test_period_means(test, rec)
        write_atomically(out, {
            "posterior.parquet": lambda p: write_parquet(p, posterior),
            "predictive.parquet": lambda p: write_parquet(p, pred),
            "summary.json": lambda p: write_json(p, summary),
            "manifest.json": lambda p: write_json(p, manifest([{"path": path, "sha256": scenario_hash(path)}],
                                                              seed, replications, None, invoked_args())),
            "figures/posterior.png": lambda p: P.posterior_figure(posterior, posterior["weight"].to_numpy(),
                                                                  bounds, p),
            "figures/predictive.png": lambda p: P.predictive_figure(figure_data, figure_observed, p),
        })
    if as_json:
        stdout_json(summary)
        return
    t = Table(title=f"Posterior ({populations} generations x {population_size} particles)", title_justify="left")
    for col in ("parameter", "prior", "posterior mean", "90% interval"):
        t.add_column(col)
    for name, e in summary["posterior"].items():
        t.add_row(name, f"[{e['prior'][0]:g}, {e['prior'][1]:g}]", f"{e['mean']:.4g}",
                  f"[{e['ci90'][0]:.4g}, {e['ci90'][1]:.4g}]")
    out_console.print(t)
    s = Table(title="Out of sample, 2018-2025 (CRPS, lower is better)", title_justify="left")
    for col in ("target", "model", "baseline", "model beats baseline"):
        s.add_column(col)
    for name, e in summary["out_of_sample"].items():
        s.add_row(name, f"{e['model']:.3f}", f"{e['baseline']:.3f} ({e['baseline_is']})",
                  "yes" if e["model_beats_baseline"] else "no")
    out_console.print(s)
    if out is not None:
        out_console.print(f"wrote {out}")
