"""The interactive dashboard: a Mesa SolaraViz page over :class:`sco_sim.model.SCOModel`.

Run it with ``sco-sim dashboard [SCENARIO]`` (see :mod:`sco_sim.dashboard`) or directly with
``solara run sco_sim.app:page``. The scenario shown first is taken from the environment variable
``SCO_SIM_DASHBOARD_SCENARIO`` (a path), else a bundled default.

The page has
  * a scenario card: a select over the bundled scenarios, an upload button and a drop zone; the
    chosen scenario loads at once; a file that cannot be loaded gives a one-line message on the
    page, never a traceback, and the scenario on screen stays;
  * SolaraViz's controls (Reset, Play, Step) and its model parameters, all relative to the
    scenario so that their defaults reproduce it: the decision rule ("as in scenario" or one of
    the three), tolerance added to every member, the consultation rounds (-1: as in scenario), a
    rivalry-intensity multiplier and the seed. As always in Mesa, they take effect at Reset;
  * numeric readouts with stable ``data-testid`` attributes ("Meetings held: 3 of 10",
    "Adopted: 12", "Deadlock rate: 0.42", ...), the policy-space picture (ideal points, status
    quo and its path), the cumulative adoption / deadlock curves and the who-blocks table.
"""

from __future__ import annotations

import itertools
import os
import tomllib
import weakref
from dataclasses import replace
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .config import Config, build_config
from .errors import InputError, Problem
from .model.organisation import SCOModel
from .scenario import Scenario, _merge, load_raw, load_scenario, parse_scenario

ENV_SCENARIO = "SCO_SIM_DASHBOARD_SCENARIO"
SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"
DEFAULT_SCENARIO = "sco_2017_3plus5.toml"
RULES = ("unanimity", "consensus_minus_one", "majority")
MAX_UPLOAD_BYTES = 1_000_000


# --------------------------------------------------------------------------- scenarios


def bundled_scenarios() -> dict[str, str]:
    """Label (path relative to the bundled folder) -> absolute path, teaching files last."""
    if not SCENARIO_DIR.is_dir():
        return {}
    files = sorted(SCENARIO_DIR.glob("*.toml")) + sorted(SCENARIO_DIR.glob("teaching/*.toml"))
    return {p.relative_to(SCENARIO_DIR).as_posix(): str(p) for p in files}


def one_line(exc: BaseException) -> str:
    """Any failure as a single line of text for the page."""
    if isinstance(exc, InputError):
        return exc.one_line()
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


def load_any(path: str | None = None, text: str | None = None, name: str = "upload") -> Scenario:
    """Load a scenario from a file path, or from uploaded text; raises InputError on bad input.

    Uploaded text passes the same checks as a file; an ``extends`` in it is resolved against the
    bundled scenarios folder (an upload has no folder of its own).
    """
    if text is None:
        if path is None:
            raise InputError([Problem("dashboard", "scenario", "no scenario given")])
        return load_scenario(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(name, "", f"not valid TOML: {exc}")]) from None
    meta = raw.get("scenario")
    ext = meta.get("extends") if isinstance(meta, dict) else None
    if ext is not None:
        if not isinstance(ext, str):
            raise InputError([Problem(name, "scenario.extends", "expected a file path string")])
        parent = (SCENARIO_DIR / ext).resolve()
        if not parent.is_file() or not parent.is_relative_to(SCENARIO_DIR.resolve()):
            raise InputError([Problem(name, "scenario.extends",
                                      f"extended file {ext!r} is not a bundled scenario")])
        raw = _merge(load_raw(parent), raw)
        raw["scenario"] = dict(raw["scenario"])
        raw["scenario"].pop("extends", None)
    return parse_scenario(raw, name)


UPLOAD_PREFIX = "upload: "


def _source_name(label: str) -> str:
    """The file name an uploaded scenario's problems are reported under."""
    return label.removeprefix(UPLOAD_PREFIX) or "upload.toml"


AS_IN_SCENARIO = "as in scenario"


def apply_controls(config: Config, rule: str | None = None, tolerance: float | None = None,
                   extra_tolerance: float = 0.0, max_rounds: int | None = None,
                   rivalry_scale: float | None = None) -> Config:
    """Return the scenario's configuration with the dashboard's controls applied.

    ``rule``: one of :data:`RULES` (None or "as in scenario": the file's). ``tolerance``: one value
    for every member (None: the file's), then ``extra_tolerance`` is added to every member's.
    ``max_rounds``: None or negative keeps the file's. ``rivalry_scale`` multiplies every
    rivalry intensity.
    """
    changes: dict[str, Any] = {}
    if rule is not None and rule != AS_IN_SCENARIO:
        if rule not in RULES:
            raise InputError([Problem("dashboard", "rule", f"unknown rule {rule!r}")])
        changes["rule"] = rule
    tol = np.asarray(config.tolerance, dtype=float)
    if tolerance is not None:
        tol = np.full(config.n_members, float(tolerance))
    if tolerance is not None or extra_tolerance:
        changes["tolerance"] = np.maximum(tol + float(extra_tolerance or 0.0), 0.0)
    if max_rounds is not None and int(max_rounds) >= 0:
        changes["max_rounds"] = int(max_rounds)
    if rivalry_scale is not None:
        scale = max(0.0, float(rivalry_scale))
        changes["rivalry"] = np.asarray(config.rivalry, dtype=float) * scale
    return replace(config, **changes) if changes else config


class ScenarioChoice:
    """The scenario a browser session has chosen: what Reset rebuilds the model from.

    One object per session, passed to SolaraViz as a fixed model parameter, so that choosing or
    uploading a scenario changes what Reset builds without remounting SolaraViz.
    """

    def __init__(self, label: str, path: str | None = None, text: str | None = None) -> None:
        self.label, self.path, self.text = label, path, text

    def load(self) -> Scenario:
        """Validate the chosen scenario; raises InputError."""
        return load_any(path=self.path, text=self.text, name=_source_name(self.label))


_MODEL_IDS = itertools.count()


class DashboardModel(mesa.Model):
    """An :class:`SCOModel` built from a scenario choice and the dashboard's controls.

    SolaraViz re-creates this class with its model parameters as keywords on Reset. It never
    raises for bad input: ``error`` then holds one line for the page and ``step`` does nothing.
    The scenario comes from ``choice`` (the page's session) or else from ``scenario`` (a bundled
    label or a path) and ``scenario_text`` (an upload's content). ``running`` stays true so that
    Mesa's Step and Play remain usable after a new scenario is chosen; a step after the
    scenario's last meeting does nothing.
    """

    def __init__(self, choice: ScenarioChoice | None = None, scenario: str | None = None,
                 scenario_text: str | None = None, rule: str | None = None,
                 tolerance: float | None = None, extra_tolerance: float = 0.0,
                 max_rounds: int | None = None, rivalry_scale: float | None = None,
                 seed: int = 0) -> None:
        super().__init__(seed=int(seed))
        self.uid = next(_MODEL_IDS)  # tells the page's memoised figures apart
        if choice is None:
            label = scenario or "(none)"
            choice = ScenarioChoice(label, bundled_scenarios().get(label, scenario), scenario_text)
        self.choice = choice
        self.controls = {"rule": rule, "tolerance": tolerance, "extra_tolerance": extra_tolerance,
                         "max_rounds": max_rounds, "rivalry_scale": rivalry_scale,
                         "seed": int(seed)}
        self.error: str | None = None
        self.inner: SCOModel | None = None
        self.config: Config | None = None
        self.sq_path: list[np.ndarray] = []
        self.running = True
        try:
            scn = choice.load()
            self.config = apply_controls(build_config(scn), rule, tolerance, extra_tolerance,
                                         max_rounds, rivalry_scale)
            self.inner = SCOModel(self.config, seed=int(seed))
        except Exception as exc:  # noqa: BLE001 - shown on the page as one line
            self.error = one_line(exc)
            return
        # Mesa keeps every model in a class-level id registry: drop our agents with us.
        weakref.finalize(self, self.inner.finish)
        self._record_status_quo()

    def with_choice(self, choice: ScenarioChoice) -> DashboardModel:
        """A fresh model of another scenario under the same controls."""
        return DashboardModel(choice=choice, **self.controls)

    @property
    def finished(self) -> bool:
        """True when the scenario's number of meetings has been held (or nothing can run)."""
        return self.inner is None or self.inner.meeting >= self.config.meetings

    def _record_status_quo(self) -> None:
        sq = self.inner.status_quo if self.inner is not None else None
        if sq is not None:
            self.sq_path.append(np.array(sq, dtype=float))

    def step(self) -> None:
        """Hold one meeting, up to the scenario's number of meetings."""
        if self.finished or self.error:
            return
        try:
            self.inner.step()
        except Exception as exc:  # noqa: BLE001
            self.error = one_line(exc)
            return
        self._record_status_quo()

    # ------------------------------------------------------------------ read-outs

    @property
    def meetings(self) -> pd.DataFrame:
        """One row per meeting held."""
        held = self.inner is not None and self.inner.meeting > 0
        if not held:
            return pd.DataFrame(columns=["meeting", "items", "adopted", "deadlocked", "null_drafts", "rounds"])
        return self.inner.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    def totals(self) -> dict[str, float]:
        """Counts and rates over the meetings held so far."""
        m = self.meetings
        held = len(m)
        items = int(m["items"].sum()) if held else 0
        adopted = int(m["adopted"].sum()) if held else 0
        dead = int(m["deadlocked"].sum()) if held else 0
        return {
            "held": held,
            "items": items,
            "adopted": adopted,
            "deadlocked": dead,
            "null_drafts": int(m["null_drafts"].sum()) if held else 0,
            "adoption_rate": adopted / items if items else 0.0,
            "deadlock_rate": dead / items if items else 0.0,
        }

    def who_blocks(self) -> pd.DataFrame:
        """Objections and sole vetoes per member over the meetings held so far."""
        names = list(self.config.names) if self.config is not None else []
        if self.inner is None or self.inner.meeting == 0:
            return pd.DataFrame({"member": names, "objections": 0, "sole_vetoes": 0,
                                 "distance_to_status_quo": np.nan})
        df = self.inner.datacollector.get_agent_vars_dataframe().reset_index(drop=True)
        agg = df.groupby("member", sort=False).agg(objections=("objections", "sum"),
                                                    sole_vetoes=("sole_vetoes", "sum"))
        last = df[df["meeting"] == df["meeting"].max()].set_index("member")
        agg["distance_to_status_quo"] = last["distance_to_status_quo"]
        return agg.reindex(names).reset_index()


# --------------------------------------------------------------------------- components


def _testid(testid: str, text: str, strong: bool = False):
    """A line of text with a stable ``data-testid`` (and ``id``) for tests and scripts."""
    style = "font-size: 1.05em; font-weight: 600;" if strong else ""
    return solara.v.Html(tag="div", attributes={"data-testid": testid, "id": testid,
                                                 "style": style}, children=[text])


@solara.component
def Readouts(model: DashboardModel):
    """Clearly labelled numbers: what the test and a reader look at first."""
    from mesa.visualization.utils import update_counter

    update_counter.get()
    with solara.Card("Numbers so far", style={"height": "100%", "overflow": "auto"}):
        _testid("scenario-name", f"Scenario: {model.config.name if model.config else '-'}")
        if model.error:
            solara.Error(model.error, attributes={"data-testid": "model-error"})
            return
        t = model.totals()
        cfg = model.config
        _testid("meetings-held", f"Meetings held: {t['held']} of {cfg.meetings}", strong=True)
        _testid("items-tabled", f"Items tabled: {t['items']}")
        _testid("adopted", f"Adopted: {t['adopted']}", strong=True)
        _testid("deadlocked", f"Deadlocked: {t['deadlocked']}")
        _testid("adoption-rate", f"Adoption rate: {t['adoption_rate']:.2f}")
        _testid("deadlock-rate", f"Deadlock rate: {t['deadlock_rate']:.2f}", strong=True)
        _testid("null-drafts", f"Null drafts: {t['null_drafts']}")
        tol = np.asarray(cfg.tolerance)
        tol_text = (f"{tol[0]:.3f}" if tol.size and np.allclose(tol, tol[0])
                    else f"{tol.min():.3f}-{tol.max():.3f} by member")
        scale = model.controls.get("rivalry_scale")
        scale = 1.0 if scale is None else float(scale)
        _testid("settings", f"Rule: {cfg.rule} | tolerance: {tol_text} | "
                            f"rounds: {cfg.max_rounds} | rivalry x{scale:g} | "
                            f"seed: {model.inner.run_seed}")
        if model.finished:
            _testid("run-complete", "Run complete: press Reset to run it again.")


def _policy_figure(model: DashboardModel, xdim: int, ydim: int) -> Figure:
    """Ideal points, the status quo and its path in two chosen dimensions (one: over time)."""
    # Small enough to fit the dashboard's card without scrolling (the card height is fixed).
    fig = Figure(figsize=(4.6, 2.3), dpi=80)
    ax = fig.subplots()
    cfg, inner = model.config, model.inner
    ideal = inner.ideal
    present = inner.present
    majors = np.array([g == "major" for g in cfg.groups])
    path = np.array(model.sq_path) if model.sq_path else None
    if cfg.n_dims == 1:
        lo, hi = cfg.bounds[0]
        meetings = max(1, inner.meeting)
        for i, name in enumerate(cfg.names):
            ax.axvline(ideal[i, 0], color="tab:red" if majors[i] else "tab:blue", ls="--", lw=1,
                       alpha=1.0 if present[i] else 0.3)
            ax.annotate(name, (ideal[i, 0], meetings), textcoords="offset points", xytext=(3, 2),
                        fontsize=8)
        if path is not None:
            ax.plot(path[:, 0], np.arange(len(path)), "-o", color="black", ms=3,
                    label="status quo")
        ax.set_xlim(lo, hi)
        ax.set_ylim(-0.5, meetings + 0.8)
        ax.set_xlabel(cfg.dimensions[0])
        ax.set_ylabel("meeting")
    else:
        ax.scatter(ideal[majors, xdim], ideal[majors, ydim], marker="s", color="tab:red",
                   label="major power", zorder=3)
        ax.scatter(ideal[~majors, xdim], ideal[~majors, ydim], marker="o", color="tab:blue",
                   label="other member", zorder=3)
        for i, name in enumerate(cfg.names):
            ax.annotate(name, (ideal[i, xdim], ideal[i, ydim]), textcoords="offset points",
                        xytext=(4, 3), fontsize=8, alpha=1.0 if present[i] else 0.4)
        if path is not None:
            ax.plot(path[:, xdim], path[:, ydim], "-", color="0.4", lw=1, zorder=2)
            ax.scatter(path[:1, xdim], path[:1, ydim], marker="x", color="0.4", zorder=4,
                       label="initial status quo")
            ax.scatter(path[-1:, xdim], path[-1:, ydim], marker="*", s=160, color="gold",
                       edgecolor="black", zorder=5, label="status quo")
        ax.set_xlim(*cfg.bounds[xdim])
        ax.set_ylim(*cfg.bounds[ydim])
        ax.set_xlabel(cfg.dimensions[xdim])
        ax.set_ylabel(cfg.dimensions[ydim])
    if path is None:
        ax.set_title("fresh status quo for every item", fontsize=9)
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


@solara.component
def PolicySpace(model: DashboardModel):
    """The policy-space picture with a choice of the two dimensions shown."""
    from mesa.visualization.utils import update_counter

    update_counter.get()  # re-render after every step
    dims = list(model.config.dimensions) if model.config else []
    xdim, set_xdim = solara.use_state(dims[0] if dims else "")
    ydim, set_ydim = solara.use_state(dims[1] if len(dims) > 1 else "")
    detailed, set_detailed = solara.use_state(False)
    x = dims.index(xdim) if xdim in dims else 0
    y = dims.index(ydim) if ydim in dims else min(1, max(len(dims) - 1, 0))
    held = model.inner.meeting if model.inner is not None else -1
    deps = [model.uid, held, x, y, detailed]

    def make() -> tuple[Figure | None, str, int]:
        if model.error or model.inner is None:
            return None, "", 80
        if detailed:
            fig, problem = _detailed_policy_figure(model, x, y)
            if fig is not None:
                return fig, "", 55
            return _policy_figure(model, x, y), problem, 80
        return _policy_figure(model, x, y), "", 80

    fig, problem, dpi = solara.use_memo(make, deps)
    with solara.Card("Policy space", style={"height": "100%", "overflow": "auto"}):
        if fig is None:
            solara.Text("No scenario loaded.")
            return
        if len(dims) > 2:
            with solara.Row():
                solara.Select("x axis", value=dims[x], values=dims, on_value=set_xdim)
                solara.Select("y axis", value=dims[y], values=dims, on_value=set_ydim)
        solara.Checkbox(label="Detailed picture: winset and indifference curves (slower)",
                        value=detailed, on_value=set_detailed)
        if problem:
            solara.Warning(f"Detailed picture unavailable: {problem}")
        solara.FigureMatplotlib(fig, format="png", dpi=dpi, dependencies=deps)


def _detailed_policy_figure(model: DashboardModel, x: int, y: int) -> tuple[Figure | None, str]:
    """Draw the report's veto-player figure (:func:`sco_sim.plots.plot_policy_space`).

    It replays the meetings held so far with the same configuration and seed, so its status-quo
    path is the live model's. Any failure gives ``(None, one line)`` and the simple picture.
    """
    try:
        from . import plots

        dims = (x, y) if model.config.n_dims > 1 and x != y else None
        fig = plots.plot_policy_space(model.config, dims=dims, seed=model.inner.run_seed,
                                      replication=model.inner.replication,
                                      meetings=model.inner.meeting, grid=121)
        return fig, ""
    except Exception as exc:  # noqa: BLE001 - the simple picture is shown instead
        return None, one_line(exc)


def _curves_figure(model: DashboardModel) -> Figure:
    fig = Figure(figsize=(5.0, 3.5), dpi=80)
    ax = fig.subplots()
    m = model.meetings
    if len(m):
        items = m["items"].cumsum()
        ax.plot(m["meeting"], m["adopted"].cumsum() / items, "-o", ms=3, color="tab:green",
                label="adoption rate (cumulative)")
        ax.plot(m["meeting"], m["deadlocked"].cumsum() / items, "-o", ms=3, color="tab:red",
                label="deadlock rate (cumulative)")
        ax.plot(m["meeting"], m["adopted"] / m["items"], ":", color="tab:green", alpha=0.6,
                label="adopted share, this meeting")
        ax.set_xlim(0.5, max(1.5, len(m) + 0.5))
        ax.legend(loc="best", fontsize=7)
    else:
        ax.text(0.5, 0.5, "no meeting held yet: press Step or Play", ha="center",
                va="center", transform=ax.transAxes, fontsize=9)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("meeting")
    ax.set_ylabel("share of items")
    fig.tight_layout()
    return fig


@solara.component
def Throughput(model: DashboardModel):
    """Cumulative adoption and deadlock rates, meeting by meeting."""
    from mesa.visualization.utils import update_counter

    update_counter.get()  # re-render after every step
    deps = [model.uid, model.inner.meeting if model.inner is not None else -1]
    fig = solara.use_memo(lambda: None if model.inner is None else _curves_figure(model), deps)
    with solara.Card("Throughput and deadlock", style={"height": "100%", "overflow": "auto"}):
        if model.error or fig is None:
            solara.Text("No scenario loaded.")
            return
        solara.FigureMatplotlib(fig, format="png", dependencies=deps)


@solara.component
def WhoBlocks(model: DashboardModel):
    """Objections and sole vetoes per member so far."""
    from mesa.visualization.utils import update_counter

    update_counter.get()
    with solara.Card("Who blocks", style={"height": "100%", "overflow": "auto"}):
        if model.error or model.inner is None:
            solara.Text("No scenario loaded.")
            return
        df = model.who_blocks().sort_values(["objections", "sole_vetoes"], ascending=False,
                                            kind="stable")
        header = solara.v.Html(tag="tr", children=[
            solara.v.Html(tag="th", children=[c], attributes={"style": "text-align: left"})
            for c in ("member", "objections", "sole vetoes", "distance to status quo")])
        body = []
        for r in df.itertuples(index=False):
            dist = "" if pd.isna(r.distance_to_status_quo) else f"{r.distance_to_status_quo:.3f}"
            body.append(solara.v.Html(
                tag="tr", attributes={"data-testid": f"who-blocks-{r.member}"},
                children=[solara.v.Html(tag="td", children=[str(v)])
                          for v in (r.member, int(r.objections), int(r.sole_vetoes), dist)]))
        solara.v.SimpleTable(dense=True, attributes={"data-testid": "who-blocks"}, children=[
            solara.v.Html(tag="thead", children=[header]),
            solara.v.Html(tag="tbody", children=body)])


COMPONENTS = [(Readouts, 0), (PolicySpace, 0), (Throughput, 0), (WhoBlocks, 0)]


# --------------------------------------------------------------------------- the page


def model_params(choice: ScenarioChoice) -> dict[str, Any]:
    """SolaraViz's model parameters: the session's scenario choice and the controls.

    Every control's default reproduces the scenario, whichever scenario is chosen later.
    """
    return {
        "choice": choice,
        "rule": {"type": "Select", "value": AS_IN_SCENARIO, "values": [AS_IN_SCENARIO, *RULES],
                 "label": "Decision rule"},
        "extra_tolerance": {"type": "SliderFloat", "value": 0.0, "min": 0.0, "max": 0.5,
                            "step": 0.01, "label": "Tolerance added to every member"},
        "max_rounds": {"type": "SliderInt", "value": -1, "min": -1, "max": 10, "step": 1,
                       "label": "Rounds (-1: as in scenario)"},
        "rivalry_scale": {"type": "SliderFloat", "value": 1.0, "min": 0.0, "max": 5.0,
                          "step": 0.1, "label": "Rivalry intensity (x scenario's)"},
        "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1,
                 "label": "Seed"},
    }


def initial_choice() -> ScenarioChoice:
    """Return the scenario to show first: the environment's, else a bundled default."""
    bundled = bundled_scenarios()
    env = os.environ.get(ENV_SCENARIO, "").strip()
    if env:
        p = Path(env).expanduser()
        for label, path in bundled.items():
            if p.exists() and Path(path).resolve() == p.resolve():
                return ScenarioChoice(label, path)
        return ScenarioChoice(env, str(p))
    if DEFAULT_SCENARIO in bundled:
        return ScenarioChoice(DEFAULT_SCENARIO, bundled[DEFAULT_SCENARIO])
    if bundled:
        label, path = next(iter(bundled.items()))
        return ScenarioChoice(label, path)
    return ScenarioChoice("(no scenario)")


def _upload_text(name: str, data: bytes) -> str:
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError([Problem(name, "", f"file too large ({len(data)} bytes; at most "
                                            f"{MAX_UPLOAD_BYTES})")])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(name, "", f"cannot be read as UTF-8 text ({exc})")]) from None


@solara.component
def Page():
    """The dashboard page (``solara run sco_sim.app:page``)."""
    from mesa.visualization import SolaraViz

    bundled = solara.use_memo(bundled_scenarios, [])
    first = solara.use_memo(initial_choice, [])
    # The session's choice: one mutable object that SolaraViz passes to every Reset.
    choice = solara.use_memo(lambda: ScenarioChoice(first.label, first.path, first.text), [])
    model = solara.use_reactive(solara.use_memo(lambda: DashboardModel(choice=choice), []))
    label = solara.use_reactive(choice.label)
    message = solara.use_reactive(model.value.error)  # one line about the last load attempt
    params = solara.use_memo(lambda: model_params(choice), [])

    def accept(new: ScenarioChoice) -> None:
        try:
            new.load()
        except Exception as exc:  # noqa: BLE001 - keep what is on screen; say why, in one line
            message.set(one_line(exc))
            return
        choice.label, choice.path, choice.text = new.label, new.path, new.text
        message.set(None)
        label.set(new.label)
        model.set(model.value.with_choice(choice))

    def choose(value: str) -> None:
        if value in bundled:
            accept(ScenarioChoice(value, bundled[value]))
        elif value == first.label:  # the file given on the command line
            accept(ScenarioChoice(first.label, first.path, first.text))
        else:  # only offered files can be chosen
            message.set(f"{value}: not one of the offered scenarios")

    def on_upload(name: str, data: bytes) -> None:
        name = Path(name).name or "upload.toml"
        try:
            text = _upload_text(name, data)
        except InputError as exc:
            message.set(exc.one_line())
            return
        accept(ScenarioChoice(f"{UPLOAD_PREFIX}{name}", None, text))

    def on_drop(file_info) -> None:
        on_upload(file_info["name"], bytes(file_info["data"] or b""))

    def on_widget_upload(value) -> None:
        if value:
            on_upload(value[-1]["name"], bytes(value[-1]["content"]))

    with solara.Sidebar():
        with solara.Card("Scenario"):
            options = list(bundled)
            if label.value not in options:
                options = [label.value, *options]
            solara.Select("Scenario file", value=label.value, values=options, on_value=choose)
            import ipywidgets

            solara.Text("Or load your own scenario file (.toml):")
            ipywidgets.FileUpload.element(accept=".toml", multiple=False,
                                          description="Upload scenario", on_value=on_widget_upload)
            solara.FileDrop(label="... or drop a scenario file here", on_file=on_drop,
                            lazy=False)
            if message.value:
                solara.Error(message.value, attributes={"data-testid": "scenario-error"})
            solara.Text("A new scenario loads at once; the model parameters below take effect "
                        "at Reset.")

    cfg = model.value.config
    title = f"SCO consensus: {cfg.name}" if cfg is not None else "SCO consensus"
    SolaraViz(model, components=COMPONENTS, model_params=params, name=title, play_interval=300)


page = Page
