"""The interactive dashboard: a Mesa SolaraViz page over :class:`sco_sim.model.SCOModel`.

Run it with ``sco-sim dashboard [SCENARIO]`` (see :mod:`sco_sim.viz.dashboard`) or directly with
``solara run sco_sim.viz.app:page``. The scenario shown first is taken from the environment variable
``SCO_SIM_DASHBOARD_SCENARIO`` (a path), else a bundled default.

The page has
  * a scenario card: a select over the bundled scenarios, an upload button and a drop zone; the
    chosen scenario loads at once; a file that cannot be loaded gives a one-line message on the
    page, never a traceback, and the scenario on screen stays;
  * a settings card whose sliders show their values, all relative to the scenario so that their
    defaults reproduce it: the decision rule ("as in scenario" or one of the three), tolerance
    added to every member, the consultation rounds (-1: as in scenario), a rivalry-intensity
    multiplier and the seed. As always in Mesa, they take effect at Reset (SolaraViz's Reset,
    Play and Step drive the model);
  * cards laid out by the page itself, pictures scaled to their card's width: numeric readouts
    with stable ``data-testid`` attributes ("Meetings held: 3 of 10", "Adopted: 12", "Deadlock
    rate: 0.42", ...), the cumulative adoption / deadlock curves, the policy-space picture
    (ideal points, status quo and its path; member labels placed so that none overprints), the
    current item (the status quo it faced, its winset, the text tabled, who objected; step back
    and forth through the items held), the who-blocks table, and the headline view: two
    bundled configurations (2+4 and 3+5 by default) on common random numbers, replications
    added 50 at a time, deadlock rate and throughput with 95% intervals and their paired
    difference. Every colour is from the Okabe–Ito palette.
"""

from __future__ import annotations

import itertools
import os
import weakref
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..inputs.config import Config, build_config
from ..inputs.errors import InputError, Problem
from ..inputs.scenario import Scenario, load_scenario, load_scenario_text
from ..model.organisation import SCOModel
from ..model.outputs import OUTCOME_NAMES

ENV_SCENARIO = "SCO_SIM_DASHBOARD_SCENARIO"
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
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
    return load_scenario_text(text, name)


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


class Settings:
    """The dashboard's model parameters as the sidebar's sliders last set them (one per session).

    Passed to SolaraViz as a fixed model parameter, so Reset builds the model with the values
    on screen; the page draws its own sliders so that each shows its value.
    """

    def __init__(self) -> None:
        self.values: dict[str, Any] = {k: spec["value"] for k, spec in CONTROLS.items()}


#: the controls of the sidebar: key -> type, default (reproducing the scenario), range, label
CONTROLS: dict[str, dict[str, Any]] = {
    "rule": {"type": "Select", "value": AS_IN_SCENARIO, "values": [AS_IN_SCENARIO, *RULES],
             "label": "Decision rule"},
    "extra_tolerance": {"type": "SliderFloat", "value": 0.0, "min": 0.0, "max": 0.5,
                        "step": 0.01, "label": "Tolerance added to every member"},
    "max_rounds": {"type": "SliderInt", "value": -1, "min": -1, "max": 10, "step": 1,
                   "label": "Rounds (-1: as in scenario)"},
    "rivalry_scale": {"type": "SliderFloat", "value": 1.0, "min": 0.0, "max": 5.0,
                      "step": 0.1, "label": "Rivalry intensity (x scenario's)"},
    "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1, "label": "Seed"},
}


@dataclass
class ItemView:
    """One agenda item as the item view shows it: the status quo it faced and what became of it."""

    meeting: int
    item: int
    status_quo: np.ndarray | None
    text: np.ndarray
    proposer: str
    outcome: str
    objectors: list[str]
    issue_area: str
    ideal: np.ndarray
    tolerance: np.ndarray
    present: np.ndarray


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
                 seed: int = 0, settings: Settings | None = None) -> None:
        if settings is not None:  # the sidebar's values (Reset), over the keywords
            v = settings.values
            rule, extra_tolerance, max_rounds = v["rule"], v["extra_tolerance"], v["max_rounds"]
            rivalry_scale, seed = v["rivalry_scale"], v["seed"]
        super().__init__(seed=int(seed))
        self.settings = settings
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
        self.items: list[ItemView] = []
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
        self._watch_items()

    def _watch_items(self) -> None:
        """Record the status quo each item faced (the model keeps only the text and the votes)."""
        inner = self.inner
        negotiate = inner.negotiate

        def watched(item):
            res = negotiate(item)
            names = self.config.names
            self.items.append(ItemView(
                inner.meeting + 1, item.slot + 1, np.array(item.status_quo, dtype=float),
                np.array(res.text, dtype=float), names[res.proposer], OUTCOME_NAMES[res.outcome],
                [names[k] for k in np.flatnonzero(~res.accept)],
                "+".join(self.config.dimensions[k] for k in np.flatnonzero(res.dims)),
                np.array(inner.ideal, dtype=float), np.array([a.tolerance for a in inner.members]),
                np.array(inner.present, dtype=bool)))
            return res

        inner.negotiate = watched

    def with_choice(self, choice: ScenarioChoice) -> DashboardModel:
        """A fresh model of another scenario under the same controls."""
        return DashboardModel(choice=choice, settings=self.settings, **self.controls)

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
        return self.inner.tables()[0] if self.inner is not None else pd.DataFrame(
            columns=["meeting", "items", "adopted", "deadlocked", "null_drafts", "rounds"])

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
        df = self.inner.tables()[1] if self.inner is not None else pd.DataFrame()
        if df.empty:
            return pd.DataFrame({"member": names, "objections": 0, "sole_vetoes": 0,
                                 "distance_to_status_quo": np.nan})
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
    with solara.Card("Numbers so far"):
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


# Okabe & Ito (2008): the palette of every figure of the project (sco_sim.viz.plots)
OI = {"blue": "#0072B2", "vermillion": "#D55E00", "green": "#009E73", "orange": "#E69F00",
      "purple": "#CC79A7", "sky": "#56B4E9", "yellow": "#F0E442", "black": "#000000"}


def _png_image(fig: Figure, testid: str, dpi: int = 90):
    """A figure as an image that scales to its card's width (never cut off at the bottom)."""
    import base64

    from .plots import png_bytes

    data = base64.b64encode(png_bytes(fig, dpi=dpi)).decode("ascii")
    return solara.v.Html(tag="img", attributes={
        "src": f"data:image/png;base64,{data}", "data-testid": testid,
        "style": "width: 100%; height: auto; display: block;"})


def _member_points(ax, cfg: Config, ideal: np.ndarray, present: np.ndarray, xdim: int, ydim: int,
                   objectors: set[str] = frozenset(), avoid=()) -> None:
    """Members' ideal points in their plots.member_style, labels placed so none overprints."""
    from .plots import member_style, place_labels

    texts, xs, ys = [], [], []
    for i, name in enumerate(cfg.names):
        c, m = member_style(i)
        alpha = 1.0 if present[i] else 0.35
        x, y = ideal[i, xdim], ideal[i, ydim]
        ax.scatter([x], [y], marker=m, s=46, color=c, edgecolor="black", linewidth=0.7, alpha=alpha,
                   zorder=4)
        if name in objectors:
            ax.scatter([x], [y], marker="o", s=190, facecolor="none", edgecolor=OI["vermillion"],
                       linewidth=2.0, zorder=5)
        texts.append(ax.text(x, y, f" {name}", fontsize=7.5, alpha=alpha, zorder=6,
                             gid="member-label",
                             color=OI["vermillion"] if name in objectors else "#222222"))
        xs.append(x)
        ys.append(y)
    place_labels(ax, texts, xs, ys, avoid=avoid)


def _policy_figure(model: DashboardModel, xdim: int, ydim: int) -> Figure:
    """Ideal points, the status quo and its path in two chosen dimensions (one: over time)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(4.8, 3.5), dpi=90, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    cfg, inner = model.config, model.inner
    ideal, present = inner.ideal, inner.present
    path = np.array(model.sq_path) if model.sq_path else None
    if cfg.n_dims == 1:
        lo, hi = cfg.bounds[0]
        meetings = max(1, inner.meeting)
        from .plots import member_style

        for i, name in enumerate(cfg.names):
            ax.axvline(ideal[i, 0], color=member_style(i)[0], ls="--", lw=1.2,
                       alpha=1.0 if present[i] else 0.3, label=name)
        if path is not None:
            ax.plot(path[:, 0], np.arange(len(path)), "-o", color=OI["black"], ms=3,
                    label="status quo after each meeting")
        ax.set_xlim(lo, hi)
        ax.set_ylim(-0.5, meetings + 0.8)
        ax.set_xlabel(cfg.dimensions[0].replace("_", " "))
        ax.set_ylabel("meeting")
        fig.legend(loc="outside right upper", fontsize=7, frameon=False)
    else:
        if path is not None:
            ax.plot(path[:, xdim], path[:, ydim], "-", color="#555555", lw=1, zorder=2,
                    label="status quo's path")
            ax.scatter(path[:1, xdim], path[:1, ydim], marker="s", s=40, facecolor="white",
                       edgecolor=OI["black"], zorder=4, label="at the start")
            ax.scatter(path[-1:, xdim], path[-1:, ydim], marker="*", s=140, color=OI["black"],
                       zorder=5, label="status quo now")
            fig.legend(loc="outside lower center", fontsize=7.5, frameon=False, ncols=3)
        ax.set_xlim(*cfg.bounds[xdim])
        ax.set_ylim(*cfg.bounds[ydim])
        ax.set_xlabel(cfg.dimensions[xdim].replace("_", " "))
        ax.set_ylabel(cfg.dimensions[ydim].replace("_", " "))
        # last: the labels are placed in the final layout (legend and axis labels included)
        sq = [] if path is None else [(p[xdim], p[ydim]) for p in (path[0], path[-1])]
        _member_points(ax, cfg, ideal, present, xdim, ydim, avoid=sq)
    if path is None:
        ax.set_title("fresh status quo for every item", fontsize=9)
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

    def make() -> tuple[Figure | None, str]:
        if model.error or model.inner is None:
            return None, ""
        if detailed:
            fig, problem = _detailed_policy_figure(model, x, y)
            if fig is not None:
                return fig, ""
            return _policy_figure(model, x, y), problem
        return _policy_figure(model, x, y), ""

    fig, problem = solara.use_memo(make, deps)
    with solara.Card("Policy space"):
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
        _png_image(fig, "policy-picture", dpi=70 if detailed else 90)


def _detailed_policy_figure(model: DashboardModel, x: int, y: int) -> tuple[Figure | None, str]:
    """Draw the report's veto-player figure (:func:`sco_sim.viz.plots.plot_policy_space`).

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
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(4.8, 3.0), dpi=90, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    m = model.meetings
    if len(m):
        items = m["items"].cumsum()
        ax.plot(m["meeting"], m["adopted"].cumsum() / items, "-o", ms=3, color=OI["blue"],
                label="adoption rate, cumulative")
        ax.plot(m["meeting"], m["deadlocked"].cumsum() / items, "-s", ms=3, color=OI["vermillion"],
                label="deadlock rate, cumulative")
        ax.plot(m["meeting"], m["adopted"] / m["items"], ":^", ms=3, color=OI["sky"],
                label="adopted share of the meeting")
        ax.set_xlim(0.5, max(1.5, len(m) + 0.5))
        fig.legend(loc="outside lower center", fontsize=7.5, frameon=False, ncols=2)
    else:
        ax.text(0.5, 0.5, "no meeting held yet: press Step or Play", ha="center",
                va="center", transform=ax.transAxes, fontsize=9)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("meeting")
    ax.set_ylabel("share of items")
    return fig


@solara.component
def Throughput(model: DashboardModel):
    """Cumulative adoption and deadlock rates, meeting by meeting."""
    from mesa.visualization.utils import update_counter

    update_counter.get()  # re-render after every step
    deps = [model.uid, model.inner.meeting if model.inner is not None else -1]
    fig = solara.use_memo(lambda: None if model.inner is None else _curves_figure(model), deps)
    with solara.Card("Throughput and deadlock"):
        if model.error or fig is None:
            solara.Text("No scenario loaded.")
            return
        _png_image(fig, "curves-picture")


@solara.component
def WhoBlocks(model: DashboardModel):
    """Objections and sole vetoes per member so far."""
    from mesa.visualization.utils import update_counter

    update_counter.get()
    with solara.Card("Who blocks"):
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


# --------------------------------------------------------------------------- the current item


def _item_figure(model: DashboardModel, view: ItemView, xdim: int, ydim: int) -> Figure:
    """One item: the status quo it faced, its winset, the text tabled and who objected."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from .plots import winset_mask

    cfg = model.config
    fig = Figure(figsize=(4.8, 3.5), dpi=90, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    two = cfg.n_dims > 1
    yd = ydim if two else xdim
    if view.status_quo is not None and two:
        live = replace(cfg, tolerance=view.tolerance)
        X, Y, passes = winset_mask(live, view.ideal, view.status_quo, (xdim, ydim), 121, view.present)
        if passes.any():
            ax.contourf(X, Y, passes.astype(float), levels=[0.5, 1.5], colors=[OI["green"]],
                        alpha=0.35)
    if not two:
        for i, name in enumerate(cfg.names):
            ax.scatter([view.ideal[i, 0]], [i], color=OI["vermillion"] if name in view.objectors
                       else OI["blue"], zorder=4)
        ax.set_yticks(range(cfg.n_members), cfg.names)
    handles = []
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if view.status_quo is not None:
        q = view.status_quo
        ax.scatter([q[xdim]], [q[yd] if two else -0.8], marker="s", s=60, facecolor="white",
                   edgecolor=OI["black"], linewidth=1.6, zorder=7)
        handles.append(Line2D([], [], marker="s", mfc="white", mec=OI["black"], ls="none",
                              label="status quo the item faced"))
        if two:
            handles.append(Patch(color=OI["green"], alpha=0.35, label="its winset (beats it)"))
    t = view.text
    ax.scatter([t[xdim]], [t[yd] if two else -0.8], marker="D", s=55, color=OI["orange"],
               edgecolor=OI["black"], zorder=8)
    handles.append(Line2D([], [], marker="D", color=OI["orange"], mec=OI["black"], ls="none",
                          label="text tabled (last draft)"))
    handles.append(Line2D([], [], marker="o", mfc="none", mec=OI["vermillion"], mew=2, ls="none",
                          ms=10, label="objected at the last vote"))
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=7, frameon=False)
    ax.set_xlim(*cfg.bounds[xdim])
    if two:
        ax.set_ylim(*cfg.bounds[ydim])
        ax.set_ylabel(cfg.dimensions[ydim].replace("_", " "))
    ax.set_xlabel(cfg.dimensions[xdim].replace("_", " "))
    if two:  # last: labels placed in the final layout
        marks = [(t[xdim], t[ydim])] + ([] if view.status_quo is None else
                                        [(view.status_quo[xdim], view.status_quo[ydim])])
        _member_points(ax, cfg, view.ideal, view.present, xdim, ydim, set(view.objectors), marks)
    return fig


@solara.component
def CurrentItem(model: DashboardModel):
    """Follow one agenda item at a time: step through the items of the meetings held."""
    from mesa.visualization.utils import update_counter

    update_counter.get()
    n = len(model.items)
    chosen, set_chosen = solara.use_state(-1)  # -1: the latest item
    k = n - 1 if chosen < 0 or chosen >= n else chosen
    dims = list(model.config.dimensions) if model.config else []
    view = model.items[k] if n else None
    deps = [model.uid, n, k]

    def make():
        if view is None or model.config is None:
            return None
        a, b = (0, 1) if len(dims) > 1 else (0, 0)
        if len(dims) > 1 and view.issue_area:
            touched = [dims.index(d) for d in view.issue_area.split("+") if d in dims]
            if len(touched) >= 2:
                a, b = touched[:2]
            elif touched:
                a = touched[0]
                b = next(i for i in range(len(dims)) if i != a)
        return _item_figure(model, view, a, b)

    fig = solara.use_memo(make, deps)
    with solara.Card("Current item"):
        if view is None:
            solara.Text("No item yet: press Step to hold a meeting.")
            return
        with solara.Row():
            solara.Button("◀ previous item", disabled=k <= 0, on_click=lambda: set_chosen(k - 1))
            solara.Button("next item ▶", disabled=k >= n - 1, on_click=lambda: set_chosen(k + 1))
            solara.Button("latest", disabled=chosen < 0, on_click=lambda: set_chosen(-1))
        _testid("item-position", f"Item {k + 1} of {n}: meeting {view.meeting}, item {view.item}",
                strong=True)
        _testid("item-outcome", f"Outcome: {view.outcome} | proposer: {view.proposer} | "
                                f"issue area: {view.issue_area}")
        _testid("item-objectors", "Objected: " + (", ".join(view.objectors) or "nobody"))
        _png_image(fig, "item-picture")


# --------------------------------------------------------------------------- the headline, live


def run_block(config: Config, replications: int, seed: int, first: int) -> pd.DataFrame:
    """Per-replication metrics of replications ``first ..``: the one call that runs the engine."""
    from ..analysis.summary import per_run
    from ..engine import simulate

    return per_run(simulate(config, replications, seed, first=first, tables=False))


HEADLINE_PAIR = ("sco_2001_2plus4.toml", "sco_2017_3plus5.toml")
HEADLINE_STEP = 50


class Headline:
    """Two configurations on common random numbers, replications accumulating (one per session)."""

    def __init__(self, a: str, b: str, seed: int = 0) -> None:
        self.labels, self.seed = (a, b), seed
        paths = bundled_scenarios()
        self.configs = tuple(build_config(load_scenario(paths[x])) for x in (a, b))
        self.runs: list[pd.DataFrame] = [pd.DataFrame(), pd.DataFrame()]

    @property
    def n(self) -> int:
        """Replications so far (the same for both)."""
        return len(self.runs[0])

    def add(self, k: int = HEADLINE_STEP) -> None:
        """Run replications n .. n + k - 1 of both configurations (the same random streams)."""
        first = self.n
        self.runs = [pd.concat([r, run_block(c, k, self.seed, first)])
                     for r, c in zip(self.runs, self.configs)]

    def numbers(self, metric: str) -> dict[str, tuple[float, float, float]]:
        """Each configuration's mean and 95% CI, and the paired difference b - a."""
        from ..analysis.intervals import mean_ci, paired_ci

        a, b = (r[metric].to_numpy(float) for r in self.runs)
        return {"a": mean_ci(a), "b": mean_ci(b), "diff": paired_ci(b, a)}


def _headline_figure(h: Headline) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(4.8, 2.9), dpi=90, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2)
    for ax, metric, title in zip(axes, ("deadlock_rate", "throughput"),
                                 ("deadlock rate", "throughput (texts / meeting)")):
        nums = h.numbers(metric)
        for j, (key, c, mk) in enumerate((("a", OI["blue"], "o"), ("b", OI["vermillion"], "s"))):
            m, lo, hi = nums[key]
            ax.errorbar([j], [m], yerr=[[m - lo], [hi - m]], fmt=mk, color=c, capsize=5, ms=7)
        ax.set_xticks([0, 1], ["A", "B"], fontsize=8)
        ax.set_xlim(-0.6, 1.6)
        ax.set_title(title, fontsize=9)
        d, dlo, dhi = nums["diff"]
        ax.set_xlabel(f"B − A: {d:+.3f}\n[{dlo:+.3f}, {dhi:+.3f}]", fontsize=8)
    fig.suptitle(f"A: {h.labels[0].removesuffix('.toml')}, B: {h.labels[1].removesuffix('.toml')}; "
                 f"{h.n} replications each (95% CI)", fontsize=8)
    return fig


@solara.component
def HeadlineView():
    """Did enlargement make the SCO deadlock more often? Answered live, replications accumulating."""
    bundled = solara.use_memo(bundled_scenarios, [])
    options = [k for k in bundled if not k.startswith("teaching/")]
    a0, b0 = (x if x in bundled else options[0] for x in HEADLINE_PAIR)
    pair, set_pair = solara.use_state((a0, b0))
    version, set_version = solara.use_state(0)
    state = solara.use_memo(lambda: Headline(*pair), [pair])

    def more() -> None:
        state.add()
        set_version(version + 1)

    fig = solara.use_memo(lambda: _headline_figure(state) if state.n else None, [pair, version])
    with solara.Card("The headline: two configurations side by side"):
        with solara.Row():
            solara.Select("Configuration A", value=pair[0], values=options,
                          on_value=lambda v: set_pair((v, pair[1])))
            solara.Select("Configuration B", value=pair[1], values=options,
                          on_value=lambda v: set_pair((pair[0], v)))
        solara.Button(f"Add {HEADLINE_STEP} replications", on_click=more,
                      attributes={"data-testid": "headline-add"})
        _testid("headline-n", f"Replications: {state.n} of each (replication k of both uses "
                              "random stream k: common random numbers)", strong=True)
        if not state.n:
            solara.Text("Press the button to run the first replications.")
            return
        for metric, name in (("deadlock_rate", "Deadlock rate"), ("throughput", "Throughput")):
            nums = state.numbers(metric)
            key = metric.split("_")[0]
            for side, label in (("a", pair[0]), ("b", pair[1])):
                m, lo, hi = nums[side]
                _testid(f"headline-{side}-{key}", f"{name}, {label}: {m:.3f} [{lo:.3f}, {hi:.3f}]")
            d, lo, hi = nums["diff"]
            _testid(f"headline-diff-{key}", f"{name}, B − A (paired): {d:+.3f} [{lo:+.3f}, {hi:+.3f}]",
                    strong=True)
        _png_image(fig, "headline-picture")


# --------------------------------------------------------------------------- the page


@solara.component
def Controls(settings: Settings):
    """The model parameters, each slider showing its value; they take effect at Reset."""
    with solara.Card("Settings"):
        solara.Text("They take effect at Reset (SolaraViz's own parameter card below stays empty).")
        values = solara.use_reactive(dict(settings.values))
        for key, spec in CONTROLS.items():
            def change(v, key=key) -> None:
                settings.values[key] = v
                values.set({**values.value, key: v})

            value = values.value[key]
            if spec["type"] == "Select":
                solara.Select(spec["label"], value=value, values=spec["values"], on_value=change)
                continue
            slider = solara.SliderFloat if spec["type"] == "SliderFloat" else solara.SliderInt
            slider(spec["label"], value=value, min=spec["min"], max=spec["max"], step=spec["step"],
                   on_value=change)
            shown = f"{value:.2f}" if spec["type"] == "SliderFloat" else str(value)
            _testid(f"value-{key}", f"{spec['label']}: {shown}")


def model_params(choice: ScenarioChoice, settings: Settings | None = None) -> dict[str, Any]:
    """SolaraViz's model parameters: the session's scenario choice and the sidebar's settings.

    Both are fixed objects the page mutates, so Reset builds what is on screen; every control's
    default reproduces the scenario, whichever scenario is chosen later.
    """
    return {"choice": choice, "settings": settings if settings is not None else Settings()}


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
    """The dashboard page (``solara run sco_sim.viz.app:page``)."""
    from mesa.visualization import SolaraViz

    bundled = solara.use_memo(bundled_scenarios, [])
    first = solara.use_memo(initial_choice, [])
    # The session's choice: one mutable object that SolaraViz passes to every Reset.
    choice = solara.use_memo(lambda: ScenarioChoice(first.label, first.path, first.text), [])
    model = solara.use_reactive(solara.use_memo(lambda: DashboardModel(choice=choice), []))
    label = solara.use_reactive(choice.label)
    message = solara.use_reactive(model.value.error)  # one line about the last load attempt
    settings = solara.use_memo(Settings, [])
    params = solara.use_memo(lambda: model_params(choice, settings), [])

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
        Controls(settings)

    cfg = model.value.config
    title = f"SCO consensus: {cfg.name}" if cfg is not None else "SCO consensus"

    # SolaraViz gives the controls (Reset, Step, Play); the page lays out its own cards, whose
    # pictures scale with their width (SolaraViz's fixed-height grid cut them off, and added
    # a tab bar for one page).
    SolaraViz(model, components=[], model_params=params, name=title, play_interval=300)
    current = model.value
    with solara.Column(style={"padding": "4px 8px"}):
        with solara.Columns([1, 1]):
            Readouts(current)
            Throughput(current)
        with solara.Columns([1, 1]):
            PolicySpace(current)
            CurrentItem(current)
        with solara.Columns([1, 1]):
            WhoBlocks(current)
            HeadlineView()


page = Page
