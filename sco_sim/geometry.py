"""Utility and acceptance arithmetic shared by every engine.

Sums over dimensions and members are written as explicit loops over that (small) axis, never as
``np.sum``: numpy may reorder a reduction depending on the array's shape, and a faster engine that
evaluates many items at once must reproduce the reference model to the last bit.
"""

from __future__ import annotations

import numpy as np


def weighted_distance(z: np.ndarray, ideal: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """Salience-weighted Euclidean distance from point(s) ``z`` to each member's ideal point.

    ``z`` has shape (..., D); ``ideal`` and ``salience`` have shape (..., N, D) (broadcasting);
    the result has shape (..., N). This is minus the utility of the issue text: the model's
    spatial preferences follow Tsebelis (2002) with per-dimension salience weights.
    """
    diff = np.asarray(z)[..., None, :] - ideal
    term = salience * diff
    term *= diff  # (w * diff) * diff, in place: the same rounding as ``salience * diff * diff``
    acc = term[..., 0]
    for k in range(1, term.shape[-1]):
        acc = acc + term[..., k]
    return np.sqrt(acc)


def utility(z: np.ndarray, ideal: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """``U_i(z) = -sqrt(sum_d w_id (z_d - x_id)^2)`` for each member i."""
    return -weighted_distance(z, ideal, salience)


def acceptance_margin(tolerance: np.ndarray, rivalry_with_proposer: np.ndarray) -> np.ndarray:
    """The loss each member accepts: its tolerance, or minus the rivalry intensity for a rival's draft.

    A rival's draft must bring a *gain* of at least the intensity, so the member's tolerance
    (its goodwill towards the community) does not apply to it.
    """
    return np.where(np.isnan(rivalry_with_proposer), tolerance, -np.nan_to_num(rivalry_with_proposer))


def accepts(
    proposal: np.ndarray,
    status_quo: np.ndarray,
    ideal: np.ndarray,
    salience: np.ndarray,
    margin: np.ndarray,
) -> np.ndarray:
    """Whether each member accepts the proposal: ``U_i(p) >= U_i(q) - margin_i``.

    Written as ``d_i(p) <= d_i(q) + margin_i``, which is the same comparison in floating point
    (negation is exact).
    """
    return weighted_distance(proposal, ideal, salience) <= (
        weighted_distance(status_quo, ideal, salience) + margin
    )


def accepts_given(
    proposal: np.ndarray, status_quo_distance: np.ndarray, ideal: np.ndarray, salience: np.ndarray,
    margin: np.ndarray,
) -> np.ndarray:
    """:func:`accepts` with each member's distance to the status quo computed once per item."""
    return weighted_distance(proposal, ideal, salience) <= status_quo_distance + margin


def masked_mean(points: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the rows of ``points`` (..., N, D) where ``mask`` (..., N) is true; NaN if none."""
    if points.ndim == 2 and mask.ndim == 1:
        # One item: add only the selected rows. Skipping a row instead of adding 0.0 gives the
        # same number (x + 0.0 == x), so this agrees with the batched branch below.
        chosen = np.flatnonzero(mask)
        if len(chosen) == 0:
            return np.full(points.shape[-1], np.nan)
        acc = points[chosen[0]].copy()
        for i in chosen[1:]:
            acc = acc + points[i]
        return acc / float(len(chosen))
    batch = np.broadcast_shapes(points.shape[:-2], mask.shape[:-1])
    acc = np.zeros(batch + points.shape[-1:])
    count = np.zeros(batch)
    for i in range(points.shape[-2]):
        m = mask[..., i]
        acc = acc + np.where(m[..., None], points[..., i, :], 0.0)
        count = count + m
    with np.errstate(invalid="ignore", divide="ignore"):
        return acc / count[..., None]


def weighted_mean(points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per-dimension weighted mean of ``points`` (..., N, D) with ``weights`` (..., N, D).

    Where all weights of a dimension are zero the result is NaN (the caller keeps the status quo).
    """
    num = np.zeros(points.shape[:-2] + points.shape[-1:])
    den = np.zeros_like(num)
    for i in range(points.shape[-2]):
        num = num + weights[..., i, :] * points[..., i, :]
        den = den + weights[..., i, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def clip_to_bounds(z: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Keep positions inside the policy space (``bounds`` has shape (D, 2))."""
    return np.minimum(np.maximum(z, bounds[:, 0]), bounds[:, 1])


def is_null_move(proposal: np.ndarray, status_quo: np.ndarray, atol: float = 1e-12) -> np.ndarray:
    """True where a draft leaves the status quo where it is (which counts as no agreement)."""
    return np.max(np.abs(np.asarray(proposal) - status_quo), axis=-1) <= atol


def acceptance_interval_1d(
    ideal: np.ndarray, salience: np.ndarray, slack: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each member's acceptable interval on one coordinate.

    Member i accepts coordinate value z iff ``w_i (z - x_i)^2 <= slack_i``. Returns (lo, hi)
    arrays; an empty set has lo > hi, and a member indifferent to the coordinate (w_i = 0) with
    non-negative slack accepts the whole line (-inf, inf).
    """
    w = salience
    with np.errstate(over="ignore"):  # a vanishing salience gives an unbounded (inf) interval
        half = np.sqrt(np.where((slack >= 0) & (w > 0), slack, 0.0) / np.where(w > 0, w, 1.0))
    lo = np.where(w > 0, ideal - half, -np.inf)
    hi = np.where(w > 0, ideal + half, np.inf)
    empty = slack < 0
    return np.where(empty, np.inf, lo), np.where(empty, -np.inf, hi)


def passing_segments_1d(lo, hi, low_bound: float, high_bound: float, passes) -> list[tuple[float, float]]:
    """Exact set of points in [low_bound, high_bound] where the rule passes, as closed segments.

    Between consecutive interval endpoints the set of accepting members is constant, so testing
    each gap's midpoint, and each endpoint on its own (closed intervals may touch at a point),
    gives the set exactly for any rule. Isolated points come back as zero-length segments.
    """
    pts = np.concatenate([lo, hi, [low_bound, high_bound]])
    pts = np.unique(pts[np.isfinite(pts) & (pts >= low_bound) & (pts <= high_bound)])
    segments: list[tuple[float, float]] = []
    for a, b in zip(pts[:-1], pts[1:]):
        mid = 0.5 * (a + b)
        if passes((lo <= mid) & (mid <= hi)):
            segments.append((float(a), float(b)))
    covered = {p for seg in segments for p in seg}
    for a in pts:
        if a not in covered and passes((lo <= a) & (a <= hi)):
            segments.append((float(a), float(a)))
    return sorted(segments)


def nearest_in_segments(target: float, segments: list[tuple[float, float]]) -> float | None:
    """The point of the union of ``segments`` nearest ``target`` (first such on ties); None if empty."""
    best, best_d = None, np.inf
    for a, b in segments:
        z = min(max(target, a), b)
        if abs(z - target) < best_d:
            best, best_d = z, abs(z - target)
    return best


def coordinate_slack(
    status_quo: np.ndarray,
    ideal: np.ndarray,
    salience: np.ndarray,
    margin: np.ndarray,
    dims: np.ndarray,
) -> np.ndarray:
    """Squared weighted radius left for the coordinates ``dims`` in each member's acceptance set.

    Member i accepts z iff ``d_i(z) <= d_i(q) + margin_i``. With the other coordinates held at
    the status quo this is ``sum_{d in dims} w_id (z_d - x_id)^2 <= slack_i``. A negative slack
    means no draft on these issue areas can satisfy member i.
    """
    radius = weighted_distance(status_quo, ideal, salience) + margin
    off = np.where(dims, 0.0, salience * (status_quo - ideal) ** 2).sum(axis=-1)
    return np.where(radius >= 0, radius * radius - off, -1.0)
