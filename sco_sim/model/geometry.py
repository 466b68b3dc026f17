"""Utility and acceptance: the spatial arithmetic every engine shares.

Preferences follow Tsebelis (2002) with per-dimension salience weights: member i's utility of a
text z is ``U_i(z) = -sqrt(sum_d w_id (z_d - x_id)^2)``. Each function is compiled (numba) and
called by the Mesa agents and by the compiled engine alike, so both give the same bits. Sums run
over dimensions and members in index order, never as a reduction numpy may reorder.
"""

from __future__ import annotations

import numpy as np
from numba import njit

NULL_MOVE_ATOL = 1e-12  # a draft within this of the status quo on every coordinate moves nothing


@njit(cache=True, error_model="numpy", inline="always")
def distance(z, ideal, salience, i):
    """Salience-weighted Euclidean distance from ``z`` (D,) to member i's ideal point: -U_i(z).

    ``ideal`` and ``salience`` are the members' rows (N, D); member i is row ``i`` (indexing the
    rows rather than slicing them keeps the compiled loop free of array views).
    """
    diff = z[0] - ideal[i, 0]
    acc = (salience[i, 0] * diff) * diff
    for k in range(1, z.shape[0]):
        diff = z[k] - ideal[i, k]
        acc = acc + (salience[i, k] * diff) * diff
    return np.sqrt(acc)


@njit(cache=True, error_model="numpy")
def distances(z, ideal, salience, out):
    """:func:`distance` for every member (rows of ``ideal`` and ``salience``), into ``out`` (N,)."""
    for i in range(ideal.shape[0]):
        out[i] = distance(z, ideal, salience, i)
    return out


@njit(cache=True, error_model="numpy", inline="always")
def acceptance_margin(tolerance_i, rivalry_ij, cancels_tolerance_ij, present_i):
    """The loss member i accepts on a draft tabled by member j.

    Its tolerance (the "sense of community", Xue & Makengo 2021 sec. 4.2), less the intensity of a
    rivalry with j: a rivalry of intensity 0 changes nothing. Where the rivalry is declared to
    cancel goodwill, the tolerance does not apply and the draft must bring a gain of at least the
    intensity. A member not yet in the organisation accepts anything (an infinite margin).
    """
    if not present_i:
        return np.inf
    if np.isnan(rivalry_ij):
        return tolerance_i
    if cancels_tolerance_ij:
        return -rivalry_ij
    return tolerance_i - rivalry_ij


@njit(cache=True, error_model="numpy", inline="always")
def accepts(proposal_distance_i, status_quo_distance_i, margin_i):
    """Member i accepts iff ``U_i(p) >= U_i(q) - margin_i``, i.e. ``d_i(p) <= d_i(q) + margin_i``."""
    return proposal_distance_i <= status_quo_distance_i + margin_i


@njit(cache=True, error_model="numpy")
def judge_all(dp, dq, margin, out):
    """:func:`accepts` for every member, into the boolean ``out`` (N,)."""
    for i in range(dp.shape[0]):
        out[i] = accepts(dp[i], dq[i], margin[i])
    return out


@njit(cache=True, error_model="numpy", inline="always")
def is_null_move(proposal, status_quo):
    """True where a draft leaves the status quo where it is (which counts as no agreement)."""
    for k in range(proposal.shape[0]):
        if abs(proposal[k] - status_quo[k]) > NULL_MOVE_ATOL:
            return False
    return True


@njit(cache=True, error_model="numpy")
def clip_into(z, lo, hi):
    """Keep a position inside the policy box, in place."""
    for k in range(z.shape[0]):
        z[k] = min(max(z[k], lo[k]), hi[k])
    return z


@njit(cache=True, error_model="numpy")
def coordinate_slack(status_quo, ideal, salience, i, margin_i, dims):
    """Squared weighted radius left on the coordinates ``dims`` in member i's acceptance set.

    Member i accepts z iff ``d_i(z) <= d_i(q) + margin_i``. With the other coordinates held at the
    status quo this is ``sum_{d in dims} w_id (z_d - x_id)^2 <= slack``. Negative: no draft on these
    issue areas can satisfy the member; infinite: it accepts anything.
    """
    radius = distance(status_quo, ideal, salience, i) + margin_i
    if radius < 0:
        return -1.0
    off = 0.0
    for k in range(status_quo.shape[0]):
        if not dims[k]:
            diff = status_quo[k] - ideal[i, k]
            off += salience[i, k] * diff * diff
    return radius * radius - off


@njit(cache=True, error_model="numpy")
def acceptance_interval_1d(ideal_i, salience_i, slack_i):
    """Member i's acceptable interval on one coordinate: ``w (z - x)^2 <= slack``.

    An empty set has lo > hi; a member indifferent to the coordinate (w = 0) with non-negative
    slack, or with infinite slack, accepts the whole line.
    """
    if slack_i < 0:
        return np.inf, -np.inf
    if salience_i <= 0 or np.isinf(slack_i):
        return -np.inf, np.inf
    half = np.sqrt(slack_i / salience_i)
    return ideal_i - half, ideal_i + half


# ------------------------------------------------------------------ many points at once (analysis)


@njit(cache=True, error_model="numpy")
def _accepts_points(points, status_quo, ideal, salience, margin, out):
    for p in range(points.shape[0]):
        for i in range(ideal.shape[1]):
            dq = distance(status_quo[p], ideal[p], salience, i)
            out[p, i] = accepts(distance(points[p], ideal[p], salience, i), dq, margin[i])
    return out


def accepts_points(points, status_quo, ideal, salience, margin) -> np.ndarray:
    """Acceptance of each member at each point (P, N), for winsets and pictures.

    ``points`` (P, D); ``status_quo`` (D,) or (P, D); ``ideal`` (N, D) or (P, N, D): the same
    :func:`accepts` the members apply to a draft, against each point's status quo.
    """
    pts = np.ascontiguousarray(np.atleast_2d(points), dtype=float)
    p, d = pts.shape
    q = np.ascontiguousarray(np.broadcast_to(np.asarray(status_quo, dtype=float), (p, d)))
    x = np.asarray(ideal, dtype=float)
    x = np.ascontiguousarray(np.broadcast_to(x, (p, *x.shape[-2:])))
    out = np.empty((p, x.shape[1]), dtype=np.bool_)
    return _accepts_points(pts, q, x, np.ascontiguousarray(salience, dtype=float),
                           np.asarray(margin, dtype=float), out)


def intervals_1d(status_quo, ideal, salience, margin, j) -> tuple[np.ndarray, np.ndarray]:
    """Each member's acceptable interval on coordinate j, the others held at the status quo."""
    q = np.asarray(status_quo, dtype=float)
    x = np.ascontiguousarray(ideal, dtype=float)
    w = np.ascontiguousarray(salience, dtype=float)
    dims = np.zeros(q.shape[0], dtype=np.bool_)
    dims[j] = True
    n = x.shape[0]
    lo, hi = np.empty(n), np.empty(n)
    for i in range(n):
        slack = coordinate_slack(q, x, w, i, float(margin[i]), dims)
        lo[i], hi[i] = acceptance_interval_1d(x[i, j], w[i, j], slack)
    return lo, hi
