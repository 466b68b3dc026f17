"""Global sensitivity indices from a finished sobol or morris sweep (through SALib).

The model output of a design point is the mean of the metric over its replications (every point
ran on the same random streams, so differences between points are not sampling noise in the
streams themselves). SALib's bootstrap for the confidence intervals is seeded with the
experiment's seed, so the same results give the same table.

* sobol: first-order ``S1`` and total ``ST`` indices with their 95% bootstrap half-widths
  (``S1_conf``, ``ST_conf``): the share of the output's variance due to the parameter alone, and
  including all its interactions.
* morris: ``mu`` (mean elementary effect), ``mu_star`` (mean absolute effect, the ranking measure)
  with ``mu_star_conf``, and ``sigma`` (spread of the effects: non-linearity or interactions).
  Effects are per unit of the *normalised* range (SALib's convention), so parameters with
  different ranges are comparable.

With several scenarios in the experiment, each scenario is analysed on its own.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..inputs.errors import InputError, Problem
from . import designs
from .experiment import Experiment, design_points, design_problem


def point_means(exp: Experiment, run_rows: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Return the design points with the metric's mean and replication count per point."""
    if metric not in run_rows.columns:
        shown = [c for c in run_rows.columns if c not in ("point", "scenario", "replication")]
        raise InputError([Problem("results", metric, f"no such metric; the run rows have {shown}")])
    pts = design_points(exp)
    if "point" in run_rows.columns:
        means = run_rows.groupby("point")[metric].agg(["mean", "count"])
        out = pts.merge(means, left_on="point", right_index=True, how="left")
    else:
        keys = ["scenario", *exp.parameter_paths]
        missing = [k for k in keys if k not in run_rows.columns]
        if missing:
            raise InputError([Problem("results", "point", f"the run rows have neither a point column "
                                      f"nor the columns {missing}")])
        means = run_rows.groupby(keys, sort=False)[metric].agg(["mean", "count"]).reset_index()
        out = pts.merge(means, on=keys, how="left")
    out["count"] = out["count"].fillna(0).astype("int64")
    return out


def analyze(exp: Experiment, run_rows: pd.DataFrame, metric: str = "deadlock_rate") -> pd.DataFrame:
    """Sobol (S1, S1_conf, ST, ST_conf) or Morris (mu, mu_star, mu_star_conf, sigma) indices.

    One row per (scenario, parameter). Raises InputError for other designs, an unknown metric,
    or design points without results.
    """
    if exp.design not in ("sobol", "morris"):
        raise InputError([Problem(exp.source, "design.type", f"sensitivity indices need a sobol or "
                                  f"morris design, this experiment is {exp.design!r}")])
    from SALib.analyze import morris as salib_morris
    from SALib.analyze import sobol as salib_sobol

    problem = design_problem(exp)
    assert problem is not None
    salib = {k: problem[k] for k in ("num_vars", "names", "bounds")}
    names = list(problem["names"])
    table = point_means(exp, run_rows, metric)
    rows = []
    for label in exp.labels:
        part = table[table["scenario"] == label].sort_values("point")
        if (part["count"] == 0).any():
            lost = part.loc[part["count"] == 0, "point"].tolist()
            raise InputError([Problem("results", metric, f"scenario {label!r}: {len(lost)} design "
                                      f"point(s) have no results (first: point {lost[0]}); the sweep "
                                      "is incomplete")])
        y = part["mean"].to_numpy(dtype=float)
        if not np.isfinite(y).all():
            raise InputError([Problem("results", metric, f"scenario {label!r}: the metric is not a "
                                      "finite number at every design point")])
        reps = int(part["count"].min())
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            if exp.design == "sobol":
                res = salib_sobol.analyze(salib, y, calc_second_order=exp.calc_second_order,
                                          seed=exp.seed, print_to_console=False)
                for j, name in enumerate(names):
                    rows.append({"scenario": label, "parameter": name, "metric": metric,
                                 "S1": float(res["S1"][j]), "S1_conf": float(res["S1_conf"][j]),
                                 "ST": float(res["ST"][j]), "ST_conf": float(res["ST_conf"][j]),
                                 "points": len(y), "replications": reps})
            else:
                x = designs.morris_unit(len(names), exp.samples, exp.seed, exp.levels or 4)
                res = salib_morris.analyze(salib, x, y, num_levels=exp.levels or 4, seed=exp.seed,
                                           print_to_console=False)
                for j, name in enumerate(names):
                    rows.append({"scenario": label, "parameter": name, "metric": metric,
                                 "mu": float(res["mu"][j]), "mu_star": float(res["mu_star"][j]),
                                 "mu_star_conf": float(res["mu_star_conf"][j]),
                                 "sigma": float(res["sigma"][j]),
                                 "points": len(y), "replications": reps})
    return pd.DataFrame(rows)
