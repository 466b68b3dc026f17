"""Interval statistics, in one place: every confidence interval sco-sim prints comes from here.

Replications are independent draws, so the interval of a mean is a Student-t interval over the
per-replication values (:func:`mean_ci`). Two configurations run on common random numbers are
compared replication by replication (:func:`paired_ci`: the t interval of the differences, which
is narrower than two separate intervals suggest). A pooled ratio sum(num) / sum(den) gets a
linearised (delta-method) t interval (:func:`ratio_ci`); a binomial proportion of Monte Carlo
points the Wilson score interval (:func:`wilson_interval`, sound at 0 and n successes).

These intervals cover Monte Carlo noise only (the spread between replications), never the
uncertainty of a scenario's coded assumptions.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

LEVEL = 0.95


def t_quantile(n: int, level: float = LEVEL) -> float:
    """The two-sided Student-t quantile for ``n`` values (0 when ``n < 2``: no spread known)."""
    return float(stats.t.ppf(0.5 + level / 2, n - 1)) if n > 1 else 0.0


def mean_ci(values, level: float = LEVEL, lower: float | None = None,
            upper: float | None = None) -> tuple[float, float, float]:
    """Mean and Student-t interval over the finite values: ``(mean, low, high)``.

    NaN values are dropped (a failed or empty replication); none left gives NaNs; one value (or
    no spread) gives a point interval. ``lower`` / ``upper`` clip the interval to the quantity's
    range (a rate cannot be negative).
    """
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return math.nan, math.nan, math.nan
    m = float(v.mean())
    if len(v) < 2:
        return m, m, m
    half = t_quantile(len(v), level) * float(v.std(ddof=1)) / math.sqrt(len(v))
    lo, hi = m - half, m + half
    if lower is not None:
        lo = max(lo, lower)
    if upper is not None:
        hi = min(hi, upper)
    return m, lo, hi


def paired_ci(a, b, level: float = LEVEL) -> tuple[float, float, float]:
    """Mean of the per-replication differences ``a - b`` with its t interval.

    ``a[k]`` and ``b[k]`` must come from the same random streams (replication k of each
    configuration); replications where either is NaN are dropped.
    """
    return mean_ci(np.asarray(a, dtype=float) - np.asarray(b, dtype=float), level)


def ratio_ci(num, den, level: float = LEVEL) -> tuple[float, float, float]:
    """sum(num) / sum(den) over replications with a linearised t interval (NaN if no items).

    When every replication's ``num`` lies in ``[0, den]`` the ratio is a share and its interval
    is clipped to [0, 1].
    """
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    total = den.sum()
    if total <= 0:
        return math.nan, math.nan, math.nan
    r = float(num.sum() / total)
    n = len(num)
    if n < 2:
        return r, r, r
    z = (num - r * den) / den.mean()
    half = t_quantile(n, level) * float(z.std(ddof=1)) / math.sqrt(n)
    lo, hi = r - half, r + half
    if np.all(num >= 0) and np.all(num <= den):  # a share: keep the interval inside [0, 1]
        lo, hi = max(lo, 0.0), min(hi, 1.0)
    return r, lo, hi


def wilson_interval(successes: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (sound even at 0 or n successes)."""
    if n == 0:
        return 0.0, 1.0
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = successes / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    # At 0 or n successes the bound is exactly 0 or 1 in theory; rounding would leave a hair off
    # and the interval would exclude its own estimate.
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return lo, hi


def grouped_mean_ci(frame, keys: list[str], value: str, level: float = LEVEL):
    """:func:`mean_ci` of ``value`` per group of ``keys``: a DataFrame with mean, lo, hi, n.

    Vectorised over the groups (a sweep can have thousands); NaN values are dropped.
    """
    g = frame.groupby(keys, sort=True, observed=True)[value]
    out = g.agg(["mean", "std", "count"]).reset_index()
    n = out["count"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        tq = np.where(n > 1, stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)), 0.0)
        half = np.where(n > 1, tq * out["std"].fillna(0).to_numpy() / np.sqrt(n), 0.0)
    out["lo"] = out["mean"] - half
    out["hi"] = out["mean"] + half
    return out.rename(columns={"count": "n"}).drop(columns="std")


def fmt_ci(value: float | None, interval, digits: int = 3, signed: bool = False) -> str:
    """``0.123 [0.110, 0.136]`` (``+0.012 [+0.004, +0.020]`` when ``signed``; ``—`` if missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    f = f"{{:{'+' if signed else ''}.{digits}f}}"
    if interval is None or len(interval) == 0:
        return f.format(value)
    return f"{f.format(value)} [{f.format(interval[0])}, {f.format(interval[1])}]"


def crosses_zero(low: float, high: float) -> bool:
    """True when an interval contains 0 (an effect not distinguished from none)."""
    return bool(low <= 0.0 <= high)


__all__ = ["LEVEL", "crosses_zero", "fmt_ci", "grouped_mean_ci", "mean_ci", "paired_ci", "ratio_ci",
           "t_quantile", "wilson_interval"]
