"""Experimental designs: which parameter values each design point of a sweep gets.

Every function returns a list of points, each a ``{path: value}`` dictionary, in a deterministic
order (and, for the sampling designs, the same points for the same seed).

* :func:`factorial`: every combination of the listed values, the first parameter varying slowest.
* :func:`latin_hypercube`, :func:`random_sample`: ``n`` points in the box of ``ranges``.
* :func:`sobol`, :func:`morris`: SALib's samples for the matching sensitivity analysis
  (:mod:`sco_sim.experiments.sensitivity`); they also return SALib's ``problem`` dictionary.

Ranges are ``{path: (low, high)}``. A range whose two ends are both Python ints (not bools) is an
*integer* parameter (e.g. ``negotiation.max_rounds``): its unit-interval sample ``u`` becomes
``min(high, floor(low + u * (high - low + 1)))``, which gives every integer in ``low..high`` the
same probability. Float ranges map linearly, ``low + u * (high - low)``.
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any, Mapping

import numpy as np
from scipy.stats import qmc

Ranges = Mapping[str, tuple[float, float]]


def factorial(params: Mapping[str, list]) -> list[dict[str, Any]]:
    """Return the cartesian product of the value lists; the first parameter varies slowest.

    No parameters give one empty point (the scenario as it is).
    """
    names = list(params)
    for name in names:
        if len(params[name]) == 0:
            raise ValueError(f"parameter {name!r} has no values")
    return [dict(zip(names, combo)) for combo in itertools.product(*(params[n] for n in names))]


def _is_int_range(lo: Any, hi: Any) -> bool:
    return all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in (lo, hi))


def _check_ranges(ranges: Ranges) -> list[str]:
    names = list(ranges)
    if not names:
        raise ValueError("a sampling design needs at least one parameter range")
    for name in names:
        lo, hi = ranges[name]
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"parameter {name!r}: expected a finite range with low < high, got {(lo, hi)}")
    return names


def scale(unit: np.ndarray, ranges: Ranges) -> list[dict[str, Any]]:
    """Map points of the unit cube (rows, one column per parameter) onto ``ranges``."""
    names = list(ranges)
    unit = np.asarray(unit, dtype=float).reshape(-1, len(names))
    columns: list[list[Any]] = []
    for j, name in enumerate(names):
        lo, hi = ranges[name]
        u = np.clip(unit[:, j], 0.0, 1.0)
        if _is_int_range(lo, hi):
            v = np.minimum(int(hi), np.floor(int(lo) + u * (int(hi) - int(lo) + 1)))
            columns.append([int(x) for x in v])
        else:
            columns.append([float(x) for x in float(lo) + u * (float(hi) - float(lo))])
    return [dict(zip(names, row)) for row in zip(*columns)]


def latin_hypercube(ranges: Ranges, n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` Latin hypercube points: each of the ``n`` equal strata of every range is hit once."""
    names = _check_ranges(ranges)
    if n < 1:
        raise ValueError("a Latin hypercube needs n >= 1 points")
    sampler = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(seed))
    return scale(sampler.random(n), ranges)


def random_sample(ranges: Ranges, n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` independent uniform points in the box of ``ranges``."""
    names = _check_ranges(ranges)
    if n < 1:
        raise ValueError("a random design needs n >= 1 points")
    return scale(np.random.default_rng(seed).random((n, len(names))), ranges)


def salib_problem(ranges: Ranges) -> dict[str, Any]:
    """SALib's problem dictionary for ``ranges`` (names and bounds, in order)."""
    names = _check_ranges(ranges)
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": [[float(ranges[n][0]), float(ranges[n][1])] for n in names],
    }


def sobol(ranges: Ranges, n: int, seed: int, calc_second_order: bool = True
          ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Saltelli's scheme for Sobol indices: ``n * (2D + 2)`` points (``n * (D + 2)`` first order only).

    ``n`` should be a power of two (the Sobol sequence's balance properties need it).
    """
    from SALib.sample import sobol as salib_sobol

    problem = salib_problem(ranges)
    if n < 1:
        raise ValueError("a Sobol design needs n >= 1 base samples")
    unit = {"num_vars": problem["num_vars"], "names": problem["names"],
            "bounds": [[0.0, 1.0]] * problem["num_vars"]}
    with warnings.catch_warnings():
        # scipy warns when n is not a power of two; the experiment schema asks for one already.
        warnings.simplefilter("ignore", UserWarning)
        x = salib_sobol.sample(unit, n, calc_second_order=calc_second_order, seed=seed)
    problem["calc_second_order"] = calc_second_order
    return scale(x, ranges), problem


def morris_unit(num_vars: int, n: int, seed: int, levels: int = 4) -> np.ndarray:
    """SALib's Morris trajectories in the unit cube, shape ``(n (D + 1), D)``.

    The analysis reads which coordinate moved up or down between consecutive points from this
    matrix; the integer rounding of :func:`scale` can merge two grid levels, so it needs these.
    """
    from SALib.sample import morris as salib_morris

    if n < 1:
        raise ValueError("a Morris design needs n >= 1 trajectories")
    if levels < 2:
        raise ValueError("a Morris design needs levels >= 2")
    unit = {"num_vars": num_vars, "names": [f"x{i}" for i in range(num_vars)],
            "bounds": [[0.0, 1.0]] * num_vars}
    return salib_morris.sample(unit, n, num_levels=levels, seed=seed)


def morris(ranges: Ranges, n: int, seed: int, levels: int = 4
           ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Morris's elementary-effects design: ``n`` trajectories of ``D + 1`` points on a ``levels`` grid."""
    problem = salib_problem(ranges)
    x = morris_unit(problem["num_vars"], n, seed, levels)
    problem["num_levels"] = levels
    return scale(x, ranges), problem


def points_matrix(points: list[Mapping[str, Any]], names: list[str]) -> np.ndarray:
    """Return the design as a (points, parameters) float matrix, columns in ``names`` order."""
    return np.array([[float(p[n]) for n in names] for p in points], dtype=float).reshape(-1, len(names))
