"""How a proposer drafts a text, and how it amends one after objections.

Drafts only move the item's issue areas (``dims``, a boolean mask); every other coordinate stays
at the status quo.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from .geometry import (
    acceptance_interval_1d,
    clip_to_bounds,
    coordinate_slack,
    masked_mean,
    nearest_in_segments,
    passing_segments_1d,
    weighted_distance,
    weighted_mean,
)
from .rules import RuleFn


def step_draft(
    status_quo: np.ndarray,
    proposer_ideal: np.ndarray,
    dims: np.ndarray,
    step: float,
    noise_sd: float,
    noise: np.ndarray,
    bounds: np.ndarray,
) -> np.ndarray:
    """Move ``step`` of the way from the status quo toward the proposer's ideal, plus noise."""
    moved = status_quo + step * (proposer_ideal - status_quo) + noise_sd * noise
    return np.where(dims, clip_to_bounds(moved, bounds), status_quo)


def compromise_draft(
    status_quo: np.ndarray,
    ideal: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    dims: np.ndarray,
) -> np.ndarray:
    """The capability x salience weighted mean of positions (Achen's compromise model, 2006)."""
    weights = capability[:, None] * salience
    mean = weighted_mean(ideal, weights)
    return np.where(dims & ~np.isnan(mean), mean, status_quo)


def amend(
    proposal: np.ndarray,
    ideal: np.ndarray,
    objectors: np.ndarray,
    dims: np.ndarray,
    concession: float,
) -> np.ndarray:
    """Consultation: move the draft ``concession`` of the way toward the objectors' mean ideal."""
    target = masked_mean(ideal, objectors)
    moved = proposal + concession * (target - proposal)
    return np.where(dims & ~np.isnan(target), moved, proposal)


# --------------------------------------------------------------------------- agenda setter


def _solve_ellipsoids(
    start: np.ndarray,
    target: np.ndarray,
    w_proposer: np.ndarray,
    ideal: np.ndarray,
    salience: np.ndarray,
    slack: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> np.ndarray:
    """Closest point to ``target`` (proposer's metric) inside every member's ellipsoid, in the box.

    A convex quadratic programme with quadratic constraints, solved with SLSQP from the status
    quo (which is feasible whenever every margin is non-negative).
    """
    # Shrink the constraints by a hair so the optimiser's tolerance cannot leave the draft a
    # rounding error outside a member's acceptance set.
    rhs = slack * (1.0 - 1e-9) - 1e-12

    def objective(z):
        d = z - target
        return float(np.dot(w_proposer, d * d)), 2.0 * w_proposer * d

    constraints = [
        {
            "type": "ineq",
            "fun": lambda z, i=i: rhs[i] - float(np.dot(salience[i], (z - ideal[i]) ** 2)),
            "jac": lambda z, i=i: -2.0 * salience[i] * (z - ideal[i]),
        }
        for i in range(len(slack))
    ]
    res = minimize(
        objective,
        np.clip(start, lo, hi),
        jac=True,
        method="SLSQP",
        bounds=list(zip(lo, hi)),
        constraints=constraints,
        options={"ftol": 1e-12, "maxiter": 200},
    )
    return np.clip(res.x, lo, hi)


def setter_draft(
    status_quo: np.ndarray,
    proposer: int,
    believed_ideal: np.ndarray,
    salience: np.ndarray,
    margin: np.ndarray,
    dims: np.ndarray,
    bounds: np.ndarray,
    rule: RuleFn,
    weight: np.ndarray,
    threshold: float | None,
) -> np.ndarray:
    """Romer-Rosenthal agenda setter: the acceptable point closest to the proposer's ideal.

    ``believed_ideal`` is what the proposer thinks the members want (its own row is exact); with
    setter noise it can misjudge and table a draft that is then rejected. On one coordinate the
    answer is exact for every rule (the winset is a union of intervals). On several it is exact
    for unanimity (a convex programme); for other rules the setter first picks a cheapest winning
    coalition (members ordered by how far its ideal lies outside their acceptance sets) and then
    satisfies that coalition exactly. Returns the status quo when nothing acceptable moves it.
    """
    target = np.where(dims, believed_ideal[proposer], status_quo)
    slack = coordinate_slack(status_quo, believed_ideal, salience, margin, dims)
    idx = np.flatnonzero(dims)
    n = len(slack)

    def passes(accept_mask: np.ndarray) -> bool:
        return bool(rule(accept_mask, weight, threshold))

    if len(idx) == 1:
        j = int(idx[0])
        lo, hi = acceptance_interval_1d(believed_ideal[:, j], salience[:, j], slack)
        segments = passing_segments_1d(lo, hi, bounds[j, 0], bounds[j, 1], passes)
        z = nearest_in_segments(float(target[j]), segments)
        out = status_quo.copy()
        if z is None:
            return out
        out[j] = z
        # Fall back toward the middle of the chosen segment: inside the winset even when the
        # status quo is not (a rival's draft must beat it by the rivalry's intensity).
        anchor = status_quo.copy()
        anchor[j] = next(0.5 * (a + b) for a, b in segments if a <= z <= b)
        return _pull_back(out, anchor, status_quo, believed_ideal, salience, margin, passes)

    # Several coordinates: choose whom to satisfy.
    off_target = weighted_distance(target, believed_ideal, salience)
    radius = weighted_distance(status_quo, believed_ideal, salience) + margin
    cost = off_target - radius
    coalition = np.zeros(n, dtype=bool)
    coalition[proposer] = True
    for i in np.argsort(cost, kind="stable"):
        if passes(coalition):
            break
        if slack[i] >= 0:  # a member no draft on these issue areas can satisfy is left out
            coalition[i] = True
    if not passes(coalition) or np.any(slack[coalition] < 0):
        return status_quo.copy()
    # Members who accept anything (absent members have an infinite margin) add no constraint.
    members = np.flatnonzero(coalition & np.isfinite(slack))
    sub_ideal = believed_ideal[np.ix_(members, idx)]
    sub_sal = salience[np.ix_(members, idx)]
    sub_slack = slack[members]
    z_sub = target[idx]
    inside = np.all(np.einsum("nd,nd->n", sub_sal, (z_sub - sub_ideal) ** 2) <= sub_slack)
    if not inside:
        z_sub = _solve_ellipsoids(
            status_quo[idx],
            target[idx],
            salience[proposer, idx],
            sub_ideal,
            sub_sal,
            sub_slack,
            bounds[idx, 0],
            bounds[idx, 1],
        )
    out = status_quo.copy()
    out[idx] = z_sub
    return _pull_back(out, status_quo, status_quo, believed_ideal, salience, margin, passes)


def _pull_back(draft, anchor, status_quo, believed_ideal, salience, margin, passes) -> np.ndarray:
    """Make sure the setter believes its draft passes, despite rounding in the geometry.

    ``anchor`` is a point believed to pass (the status quo, or the middle of the winning segment
    in 1-D). Acceptance sets are convex, so along the segment from the anchor to the draft the
    members accepting only drop out: bisection finds the furthest point that still passes. A
    rounding error costs ~1e-16 of movement. If not even the anchor passes, the status quo stays.
    """
    dq = weighted_distance(status_quo, believed_ideal, salience) + margin

    def ok(z: np.ndarray) -> bool:
        return passes(weighted_distance(z, believed_ideal, salience) <= dq)

    if ok(draft):
        return draft
    if not ok(anchor):
        return status_quo.copy()
    a, b = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (a + b)
        if ok(anchor + mid * (draft - anchor)):
            a = mid
        else:
            b = mid
    return anchor + a * (draft - anchor)
