"""Winset size: the share of the policy space that beats the status quo under the rule.

Tsebelis (2002) measures policy stability by the size of the winset of the status quo; with
tolerances, a point is in the (tolerant) winset when every member whose vote the rule needs
would accept it against the status quo. Rivalries are ignored here: they depend on who tables a
draft, and a winset is a property of positions alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..inputs.config import Config
from ..model.drafting import passing_segments_1d
from ..model.geometry import accepts_points, intervals_1d
from ..model.rules import resolve, voting_weights
from .intervals import wilson_interval

CHUNK = 50_000


@dataclass(frozen=True)
class WinsetResult:
    """Winset share of the policy box, its 95% interval and how it was computed."""

    share: float
    ci95: tuple[float, float]
    method: str  # "exact" or "monte_carlo"
    samples: int


def line_share(config: Config, ideal: np.ndarray, status_quo: np.ndarray, j: int) -> float:
    """Exact winset share on the line through the status quo along dimension j.

    The other coordinates stay at the status quo, as they do for a single-issue agenda item, so
    this is the share of issue area j's range that an item on j could move the status quo to.
    In a one-dimensional space it is the winset share itself.
    """
    weight = voting_weights(config.capability, config.weighted)
    lo, hi = intervals_1d(status_quo, ideal, config.salience, config.tolerance, j)
    blo, bhi = config.bounds[j]
    segments = passing_segments_1d(lo, hi, blo, bhi, config.rule, weight, config.threshold)
    return sum(b - a for a, b in segments) / (bhi - blo)


def exact_share_1d(config: Config, ideal: np.ndarray, status_quo: np.ndarray) -> float:
    """Exact winset share on a one-dimensional space, for any rule (union of intervals)."""
    return line_share(config, ideal, status_quo, 0)


def shares_by_dimension(config: Config) -> dict[str, float] | None:
    """Exact per-issue-area winset shares (lines through the status quo); None if positions are random."""
    if config.generated or config.uniform_status_quo:
        return None
    return {
        name: line_share(config, config.ideal, config.status_quo, j)
        for j, name in enumerate(config.dimensions)
    }


def scale_to_bounds(u: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Map unit-box uniforms onto the policy box."""
    return bounds[:, 0] + u * (bounds[:, 1] - bounds[:, 0])


def winset_share(config: Config, samples: int = 100_000, seed: int = 0) -> WinsetResult:
    """The winset share of the scenario's status quo (expected share where members or the
    status quo are random), exact in one dimension with fixed positions, else Monte Carlo.
    """
    if config.n_dims == 1 and not config.generated and not config.uniform_status_quo:
        share = exact_share_1d(config, config.ideal, config.status_quo)
        return WinsetResult(share, (share, share), "exact", 0)

    rule = resolve(config.rule)
    weight = voting_weights(config.capability, config.weighted)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    n, d = config.n_members, config.n_dims
    hits = 0
    done = 0
    while done < samples:
        m = min(CHUNK, samples - done)
        z = scale_to_bounds(rng.random((m, d)), config.bounds)
        if config.generated:
            ideal = scale_to_bounds(rng.random((m, n, d)), config.bounds)
        else:
            ideal = config.ideal
        if config.uniform_status_quo:
            q = scale_to_bounds(rng.random((m, d)), config.bounds)
        else:
            q = config.status_quo
        ok = accepts_points(z, q, ideal, config.salience, config.tolerance)
        hits += int(np.count_nonzero(rule(ok, weight, config.threshold)))
        done += m
    lo, hi = wilson_interval(hits, samples)
    return WinsetResult(hits / samples, (lo, hi), "monte_carlo", samples)
