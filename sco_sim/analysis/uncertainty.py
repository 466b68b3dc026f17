"""Propagating declared input uncertainty through the model: ``sco-sim uncertainty``.

The declared inputs of every configuration (:mod:`sco_sim.inputs.uncertain`) are sampled in ONE unit
cube whose columns are parameter paths (the union over the configurations). Every configuration
reads the same column for the same path, so a founder's drawn position is the same in 2+4 and in
3+5 (**common input draws**); a path a configuration does not declare is not applied there.
Every draw of every configuration runs on the same random streams (**common random numbers**),
so the paired difference of a draw is the effect of membership, not of noise or of the inputs.

For every metric of :data:`sco_sim.analysis.vocabulary.RUN_RATES` and every configuration after the first,
the paired difference ``d = metric(config) - metric(first)`` (a mean over the replications of a
draw) is summarised as

* ``nominal``: the difference at the file's own values with its Monte Carlo 95% interval over
  replications (what `sco-sim compare` reports: it covers replication noise only);
* ``mean`` and ``mc_ci95``: the mean of ``d`` over all input draws and the Monte Carlo 95%
  interval of that mean (its half-width a Student-t interval over the independent draws only —
  with a Sobol design the A and B matrices, since the other rows reuse their columns; it narrows
  with more samples);
* ``assumption_interval90``: the 5% and 95% quantiles of ``d`` over all input draws (each row of
  a Saltelli design is a draw from the declared distributions) — where the difference lies when
  the assumptions take any of their declared values;
* ``sobol``: first-order and total Sobol indices of ``d`` per factor (Saltelli design, SALib's
  estimators; Sobol design only): which assumptions drive the difference;
* ``flip``: scenario discovery (PRIM, EMA Workbench): the region of the inputs where a conclusion
  (by default: "the difference keeps its sign and at least half its nominal size") fails.

Model logic only: no files, no plotting (see :mod:`sco_sim.viz.uncertainty_plots` and the CLI).
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from scipy.stats import qmc

from ..engine import RunResults
from ..inputs.config import Config, build_config
from ..inputs.errors import InputError, Problem
from ..inputs.parameters import apply, coerce
from ..inputs.scenario import load_raw, load_scenario, parse_scenario
from ..inputs.uncertain import Input, declarations
from .summary import mean_ci, per_run
from .vocabulary import RUN_RATES

DESIGNS = ("sobol", "lhs")


def run_model(config: Config, replications: int, seed: int, items: bool = False) -> RunResults:
    """Run replications ``0 .. R-1`` of ``config``: the one place this module and calibration run the model."""
    from .. import simulate

    return simulate(config, replications, seed, items=items)


def run_metrics(config: Config, replications: int, seed: int) -> pd.DataFrame:
    """Per-replication run-level metrics (:func:`sco_sim.analysis.summary.per_run`) of ``config``."""
    return per_run(run_model(config, replications, seed))[list(RUN_RATES)]


@dataclass
class Configuration:
    """One scenario file: its merged raw dictionary and its declared inputs by path."""

    source: str
    name: str
    raw: dict
    inputs: dict[str, Input]

    def config(self, values: dict[str, Any]) -> Config:
        """The numeric configuration with the declared ``values`` applied (other paths ignored)."""
        raw = self.raw
        for path, value in values.items():
            if path in self.inputs:
                raw = apply(raw, path, coerce(path, value), self.source, f"uncertain {path}")
        return build_config(parse_scenario(raw, self.source))


def load_configuration(path: str | Path) -> Configuration:
    """Load and check a scenario file with its ``[[uncertain]]`` declarations."""
    scn = load_scenario(path)
    raw = load_raw(Path(path))
    inputs = {i.path: i for i in declarations(raw, scn)}
    # the declarations are not needed to build a draw's configuration (and would be copied at every path)
    return Configuration(str(path), scn.scenario.name, {k: v for k, v in raw.items() if k != "uncertain"}, inputs)


@dataclass
class Design:
    """Points of the unit cube, one column per declared path (the union over configurations)."""

    kind: str  # "sobol" or "lhs"
    unit: np.ndarray  # (draws, paths)
    paths: list[str]
    inputs: dict[str, Input]  # by path: the first configuration's declaration
    base: int  # Sobol base samples N (rows = N (G + 2)); for lhs, the number of draws
    seed: int
    roles: list[str] = field(default_factory=list)  # "A", "B" or "AB" (Sobol), "lhs"

    @property
    def factors(self) -> list[str]:
        """The factors of the analysis (groups and ungrouped paths), in order of first appearance."""
        return list(dict.fromkeys(self.inputs[p].factor for p in self.paths))

    def salib_problem(self) -> dict:
        """SALib's problem dictionary for the unit cube (groups = factors)."""
        return {"num_vars": len(self.paths), "names": list(self.paths), "bounds": [[0.0, 1.0]] * len(self.paths),
                "groups": [self.inputs[p].factor for p in self.paths]}

    def values(self, i: int) -> dict[str, Any]:
        """Draw ``i`` as ``{path: value}`` under the first declaring configuration's distributions."""
        return {p: self.inputs[p].value(self.unit[i, j]) for j, p in enumerate(self.paths)}

    def values_for(self, configuration: Configuration, i: int) -> dict[str, Any]:
        """Draw ``i`` for one configuration: its own declaration of each path, the shared quantile."""
        return {p: configuration.inputs[p].value(self.unit[i, j]) for j, p in enumerate(self.paths)
                if p in configuration.inputs}

    @property
    def independent(self) -> np.ndarray:
        """Rows that form an independent sample of the inputs (Sobol: the A and B matrices)."""
        return np.array([r in ("A", "B", "lhs") for r in self.roles])


def union_inputs(configurations: list[Configuration]) -> dict[str, Input]:
    """Declared inputs by path over all configurations; the first declaration of a path wins."""
    out: dict[str, Input] = {}
    for c in configurations:
        for p, inp in c.inputs.items():
            out.setdefault(p, inp)
    return out


def make_design(configurations: list[Configuration], samples: int, kind: str, seed: int) -> Design:
    """A Sobol (Saltelli, first and total order) or Latin hypercube design over the declared inputs."""
    inputs = union_inputs(configurations)
    if not inputs:
        raise InputError([Problem(configurations[0].source, "uncertain",
                                  "no [[uncertain]] inputs are declared in any of the scenarios")])
    paths = list(inputs)
    if kind == "lhs":
        unit = qmc.LatinHypercube(d=len(paths), rng=np.random.default_rng(seed)).random(samples)
        return Design(kind, unit, paths, inputs, samples, seed, ["lhs"] * samples)
    if kind != "sobol":
        raise ValueError(f"unknown design {kind!r}; expected one of {DESIGNS}")
    from SALib.sample import sobol as salib_sobol

    design = Design(kind, np.empty((0, len(paths))), paths, inputs, samples, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scipy warns when N is not a power of two
        unit = salib_sobol.sample(design.salib_problem(), samples, calc_second_order=False, seed=seed)
    g = len(design.factors)
    design.unit = unit
    design.roles = (["A"] + ["AB"] * g + ["B"]) * samples
    return design


def propagate(configurations: list[Configuration], design: Design, replications: int, seed: int,
              progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Run every configuration at every draw; one row per (draw, scenario) with the metric means.

    Every run uses master ``seed`` and replications ``0 .. R-1`` (common random numbers).
    """
    rows = []
    for i in range(len(design.unit)):
        for k, c in enumerate(configurations):
            runs = run_metrics(c.config(design.values_for(c, i)), replications, seed)
            rows.append({"draw": i, "role": design.roles[i], "configuration": k, "scenario": c.name,
                         **runs.mean().to_dict()})
            if progress is not None:
                progress(1)
    return pd.DataFrame(rows)


def draws_table(design: Design) -> pd.DataFrame:
    """One row per draw: its role, the unit-cube point (``u:<path>``) and the values (``<path>``)."""
    data: dict[str, Any] = {"draw": np.arange(len(design.unit)), "role": design.roles}
    for j, p in enumerate(design.paths):
        data[f"u:{p}"] = design.unit[:, j]
    for j, p in enumerate(design.paths):
        vals = [design.inputs[p].value(u) for u in design.unit[:, j]]
        data[p] = [str(v) for v in vals] if design.inputs[p].distribution == "categorical" else \
            np.asarray(vals, dtype=float)
    return pd.DataFrame(data)


# --------------------------------------------------------------------------- analysis

_FLIP = re.compile(r"^\s*(?P<metric>[a-z_]+)\s*(?P<op><|>)\s*(?P<value>[-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class Flip:
    """A conclusion that fails where the difference of ``metric`` is ``op`` ``value``."""

    metric: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.value:g}"

    def test(self, d: np.ndarray) -> np.ndarray:
        """Which differences fail the conclusion."""
        return d < self.value if self.op == "<" else d > self.value


def parse_flip(text: str) -> Flip:
    """``"deadlock_rate<0.1"``: the conclusion fails where the difference falls below 0.1."""
    m = _FLIP.match(text)
    if not m or m.group("metric") not in RUN_RATES:
        raise InputError([Problem("--flip", text, f"expected METRIC<VALUE or METRIC>VALUE with a metric of "
                                  f"{list(RUN_RATES)}, e.g. deadlock_rate<0.1")])
    try:
        value = float(m.group("value"))
    except ValueError:
        raise InputError([Problem("--flip", text, "expected a number after < or >")]) from None
    return Flip(m.group("metric"), m.group("op"), value)


def default_flip(metric: str, nominal: float) -> Flip | None:
    """The conclusion "the difference keeps its sign and at least half its nominal size"."""
    if nominal == 0 or not math.isfinite(nominal):
        return None
    return Flip(metric, "<", nominal / 2) if nominal > 0 else Flip(metric, ">", nominal / 2)


def _interval(values: np.ndarray) -> list[float]:
    return [float(np.quantile(values, 0.05)), float(np.quantile(values, 0.95))]


def _mean_ci(values: np.ndarray, independent: np.ndarray) -> tuple[float, float, float]:
    """Mean over all draws; 95% half-width from the independent draws (Student-t)."""
    mean = float(np.mean(values))
    _, lo, hi = mean_ci(values[independent])
    half = (hi - lo) / 2
    return mean, mean - half, mean + half


def sobol_indices(design: Design, y: np.ndarray) -> dict[str, dict[str, float]]:
    """First-order and total Sobol indices per factor (SALib, Saltelli/Jansen estimators).

    An output that does not vary at all gives indices of 0 (no variance to apportion).
    """
    from SALib.analyze import sobol as salib_sobol

    factors = design.factors
    if float(np.var(y)) == 0.0:
        zero = dict.fromkeys(factors, 0.0)
        return {"S1": dict(zero), "ST": dict(zero), "S1_conf": dict(zero), "ST_conf": dict(zero)}
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        res = salib_sobol.analyze(design.salib_problem(), y, calc_second_order=False, seed=design.seed,
                                  print_to_console=False)
    return {key: {f: float(v) for f, v in zip(factors, res[key])} for key in ("S1", "ST", "S1_conf", "ST_conf")}


def prim_box(x: pd.DataFrame, flips: np.ndarray, threshold: float = 0.8, max_inputs: int = 3) -> dict:
    """Scenario discovery: PRIM's box of inputs where the conclusion fails (EMA Workbench).

    Of the peeling trajectory, only boxes restricting at most ``max_inputs`` inputs are kept (a
    region a reader can state); of those, the one with the highest coverage among the boxes with a
    density of at least ``threshold``, or else the densest.

    Returns the restricted inputs with their limits (a range, or the set of categories), and the
    box's coverage (share of all failures inside it), density (share of failures among the draws
    inside it) and mass (share of draws inside it).
    """
    share = float(flips.mean())
    out: dict[str, Any] = {"failures": int(flips.sum()), "draws": len(flips), "failure_share": share}
    if flips.all() or not flips.any():
        out["box"] = None
        out["note"] = "the conclusion fails in every draw" if flips.all() else "the conclusion holds in every draw"
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import logging

        logging.getLogger("EMA").setLevel(logging.ERROR)
        from ema_workbench.analysis import prim

        p = prim.Prim(x, flips.astype(bool), threshold=threshold)
        box = p.find_box()
        # The last box of the peeling trajectory restricts many inputs a little; read the box that
        # covers most failures among those dense enough with at most `max_inputs` restricted inputs.
        traj = box.peeling_trajectory
        small = traj[traj["res_dim"] <= max_inputs]
        dense = small[small["density"] >= threshold]
        pick = dense.sort_values(["coverage", "density"], ascending=False) if len(dense) else \
            small.sort_values(["density", "coverage"], ascending=False)
        box.select(int(pick["id"].iloc[0]))
    lims, init = box.box_lim, p.box_init
    restricted = {}
    for col in x.columns:
        lo, hi = lims[col].iloc[0], lims[col].iloc[1]
        lo0, hi0 = init[col].iloc[0], init[col].iloc[1]
        if isinstance(lo, (set, frozenset)):
            if set(lo) != set(lo0):
                restricted[col] = sorted(map(str, lo))
        elif lo != lo0 or hi != hi0:
            restricted[col] = [float(lo), float(hi)]
    out["box"] = {"inputs": restricted, "coverage": float(box.coverage), "density": float(box.density),
                  "mass": float(box.mass)}
    return out


def nominal_differences(configurations: list[Configuration], replications: int, seed: int) -> list[pd.DataFrame]:
    """Per-replication metrics of every configuration at the file's own values."""
    return [run_metrics(c.config({}), replications, seed) for c in configurations]


def analyse(configurations: list[Configuration], design: Design, runs: pd.DataFrame,
            nominal: list[pd.DataFrame], flips: list[Flip] | None = None) -> dict:
    """The summary: every metric of every configuration, every paired difference from the first."""
    indep = design.independent
    by = {k: g.sort_values("draw") for k, g in runs.groupby("configuration")}
    x = draws_table(design)[design.paths]
    for p in design.paths:
        if design.inputs[p].distribution == "categorical":
            x[p] = x[p].astype("category")
    metrics: dict[str, dict] = {}
    for k, c in enumerate(configurations):
        entry = {}
        for m in RUN_RATES:
            y = by[k][m].to_numpy(dtype=float)
            mean, lo, hi = _mean_ci(y, indep)
            nm, nlo, nhi = mean_ci(nominal[k][m].to_numpy(dtype=float))
            entry[m] = {"mean": mean, "mc_ci95": [lo, hi], "assumption_interval90": _interval(y),
                        "nominal": {"mean": nm, "mc_ci95": [nlo, nhi]}}
        metrics[c.name] = entry
    differences: dict[str, dict] = {}
    for k, c in enumerate(configurations[1:], start=1):
        entry = {}
        for m in RUN_RATES:
            d = by[k][m].to_numpy(dtype=float) - by[0][m].to_numpy(dtype=float)
            mean, lo, hi = _mean_ci(d, indep)
            nd = nominal[k][m].to_numpy(dtype=float) - nominal[0][m].to_numpy(dtype=float)
            nm, nlo, nhi = mean_ci(nd)
            entry[m] = {"mean": mean, "mc_ci95": [lo, hi], "assumption_interval90": _interval(d),
                        "nominal": {"mean": nm, "mc_ci95": [nlo, nhi]},
                        "sobol": sobol_indices(design, d) if design.kind == "sobol" else None}
        chosen = flips or [f for f in [default_flip("deadlock_rate", entry["deadlock_rate"]["nominal"]["mean"])] if f]
        entry["flips"] = []
        for f in chosen:
            d = by[k][f.metric].to_numpy(dtype=float) - by[0][f.metric].to_numpy(dtype=float)
            entry["flips"].append({"conclusion_fails_where": str(f), **prim_box(x, f.test(d))})
        differences[c.name] = entry
    return {
        "design": design.kind,
        "samples": design.base,
        "draws": len(design.unit),
        "seed": design.seed,
        "baseline": configurations[0].name,
        "factors": design.factors,
        "inputs": {p: {"factor": i.factor, "distribution": i.distribution, "reason": i.reason,
                       **({"values": list(i.values)} if i.values else {"low": i.low, "high": i.high})}
                   for p, i in design.inputs.items()},
        "metrics": metrics,
        "differences": differences,
        "notes": "differences are (scenario - baseline) per draw, each a mean over the same replications "
        "(common random numbers) at the same input quantiles (common input draws). nominal: at the files' "
        "values, 95% Student-t interval over replications (Monte Carlo noise only). mean: over all input draws; "
        "mc_ci95: its 95% interval, the half-width from the independent draws (Sobol: the A and B matrices). "
        "assumption_interval90: 5-95% quantiles over all input draws. sobol: first-order S1 and total ST "
        "indices of the difference per factor (SALib). "
        "flips: PRIM boxes (EMA Workbench) of the inputs where the conclusion fails.",
    }
