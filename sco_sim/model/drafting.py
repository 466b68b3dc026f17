"""How a proposer drafts a text, and how it amends one after objections.

Drafts move only the item's issue areas (``dims``, a boolean mask); every other coordinate stays
at the status quo. Three drafting methods: ``step`` (part-way toward the proposer's ideal, with
noise), ``compromise`` (Achen's capability x salience weighted mean) and ``setter`` (Romer and
Rosenthal's agenda setter: the acceptable text closest to the proposer's ideal, exact for every
rule, see :func:`setter_draft`). All are compiled and shared by both engines.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import streams
from .compiled import procedure
from .geometry import (
    acceptance_interval_1d,
    coordinate_slack,
    distance,
)
from .rules import passes

STEP, COMPROMISE, SETTER = 0, 1, 2
DRAFTING_METHODS = {"step": STEP, "compromise": COMPROMISE, "setter": SETTER}

# The agenda setter enumerates every minimal winning coalition when at most this many members
# could join one (2**13 = 8,192 subsets); beyond it, it satisfies one cheapest coalition.
EXACT_SETTER_MEMBERS = 13
_MAX_SWEEPS = 2000  # dual coordinate-ascent sweeps of the setter's convex programme
_SHRINK = 1e-9  # the setter aims this far inside every acceptance set, so rounding cannot leave it out


@procedure
def step_draft(status_quo, ideal, proposer, dims, step, noise_sd, noise, lo, hi, out):
    """Move ``step`` of the way from the status quo toward the proposer's ideal (row ``proposer``
    of ``ideal``), plus noise, into ``out``.
    """
    for k in range(out.shape[0]):
        if dims[k]:
            moved = status_quo[k] + step * (ideal[proposer, k] - status_quo[k]) + noise_sd * noise[k]
            out[k] = min(max(moved, lo[k]), hi[k])
        else:
            out[k] = status_quo[k]


@procedure
def compromise_draft(status_quo, ideal, salience, capability_present, dims, out):
    """The capability x salience weighted mean of positions (Achen 2006), on the item's dimensions.

    ``capability_present`` is zero for members not yet in the organisation. A dimension nobody
    weighs keeps the status quo. Written into ``out``.
    """
    for k in range(out.shape[0]):
        out[k] = status_quo[k]
        if not dims[k]:
            continue
        num = 0.0
        den = 0.0
        for i in range(ideal.shape[0]):
            w = capability_present[i] * salience[i, k]
            num = num + w * ideal[i, k]
            den = den + w
        if den != 0:
            out[k] = num / den


@procedure
def amend(proposal, ideal, objectors, dims, concession, out):
    """Consultation: move the draft ``concession`` of the way toward the objectors' mean ideal (into ``out``)."""
    for k in range(out.shape[0]):
        out[k] = proposal[k]
    count = 0
    for i in range(objectors.shape[0]):
        count += objectors[i]
    if count == 0:
        return
    for k in range(out.shape[0]):
        if not dims[k]:
            continue
        acc = 0.0
        first = True
        for i in range(objectors.shape[0]):
            if objectors[i]:
                acc = ideal[i, k] if first else acc + ideal[i, k]
                first = False
        target = acc / count
        out[k] = proposal[k] + concession * (target - proposal[k])


# ------------------------------------------------------------------ the agenda setter


@procedure
def misjudged_ideals(seed, replication, m, s, items, ideal, setter, setter_noise, noise, out):
    """What the agenda setter of slot s believes the members want, into ``out`` (N, D).

    Its own row exact; every other member's ideal plus ``setter_noise`` times its SETTER normals
    (``noise`` is scratch of length D). Without setter noise, the ideals themselves.
    """
    n, d = ideal.shape
    for i in range(n):
        if i != setter and setter_noise > 0:
            streams.fill_normals(seed, replication, streams.SETTER, streams.setter_start(m, s, i, items, n, d), noise)
            for k in range(d):
                out[i, k] = ideal[i, k] + setter_noise * noise[k]
        else:
            for k in range(d):
                out[i, k] = ideal[i, k]


@njit(cache=True, error_model="numpy")
def believes_passes(z, status_quo_radius, believed, salience, rule, weight, threshold):
    """Whether the setter believes text ``z`` passes: each member's acceptance by its believed ideal."""
    n = believed.shape[0]
    accept = np.empty(n, dtype=np.bool_)
    for i in range(n):
        accept[i] = distance(z, believed, salience, i) <= status_quo_radius[i]
    return passes(rule, accept, weight, threshold)


@njit(cache=True, error_model="numpy")
def pull_back(draft, anchor, status_quo, status_quo_radius, believed, salience, rule, weight, threshold):
    """Make sure the setter believes its draft passes despite rounding in the geometry.

    ``anchor`` is a point believed to pass. Acceptance sets are convex, so along the segment from
    the anchor to the draft members only drop out: bisection finds the furthest point that still
    passes (a rounding error costs ~1e-16 of movement). If not even the anchor passes, the status
    quo stays.
    """
    if believes_passes(draft, status_quo_radius, believed, salience, rule, weight, threshold):
        return draft
    if not believes_passes(anchor, status_quo_radius, believed, salience, rule, weight, threshold):
        return status_quo.copy()
    a, b = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (a + b)
        if believes_passes(anchor + mid * (draft - anchor), status_quo_radius, believed, salience,
                           rule, weight, threshold):
            a = mid
        else:
            b = mid
    return anchor + a * (draft - anchor)


@njit(cache=True, error_model="numpy")
def _passing_segments(lo, hi, low_bound, high_bound, rule, weight, threshold):
    """Exact set of points in [low_bound, high_bound] where the rule passes, as closed segments.

    Between consecutive interval endpoints the set of accepting members is constant, so testing
    each gap's midpoint, and each endpoint on its own (closed intervals may touch at a point),
    gives the set exactly for any rule. Returns (starts, ends), sorted; isolated points have
    start == end.
    """
    n = lo.shape[0]
    pts = np.empty(2 * n + 2)
    m = 0
    for v in (low_bound, high_bound):
        pts[m] = v
        m += 1
    for i in range(n):
        for v in (lo[i], hi[i]):
            if np.isfinite(v) and low_bound <= v <= high_bound:
                pts[m] = v
                m += 1
    pts = np.unique(pts[:m])
    accept = np.empty(n, dtype=np.bool_)
    starts = np.empty(2 * pts.shape[0])
    ends = np.empty(2 * pts.shape[0])
    count = 0
    for g in range(pts.shape[0] - 1):
        mid = 0.5 * (pts[g] + pts[g + 1])
        for i in range(n):
            accept[i] = lo[i] <= mid <= hi[i]
        if passes(rule, accept, weight, threshold):
            starts[count] = pts[g]
            ends[count] = pts[g + 1]
            count += 1
    segments = count
    for g in range(pts.shape[0]):
        a = pts[g]
        covered = False
        for c in range(segments):
            if starts[c] == a or ends[c] == a:
                covered = True
                break
        if covered:
            continue
        for i in range(n):
            accept[i] = lo[i] <= a <= hi[i]
        if passes(rule, accept, weight, threshold):
            starts[count] = a
            ends[count] = a
            count += 1
    order = np.argsort(starts[:count], kind="mergesort")
    return starts[:count][order], ends[:count][order]


def passing_segments_1d(lo, hi, low_bound, high_bound, rule, weight, threshold=None):
    """:func:`_passing_segments` for analysis code: a list of (start, end) for a named rule."""
    from .rules import resolve, threshold_value

    starts, ends = _passing_segments(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float),
                                     float(low_bound), float(high_bound), resolve(rule).code,
                                     np.asarray(weight, dtype=float), threshold_value(threshold))
    return [(float(a), float(b)) for a, b in zip(starts, ends)]


@njit(cache=True, error_model="numpy")
def _setter_1d(status_quo, proposer, believed, salience, margin, j, lo_box, hi_box, radius, rule,
               weight, threshold, dims):
    """The setter on one coordinate: exact for every rule (the winset is a union of intervals)."""
    n = believed.shape[0]
    lo = np.empty(n)
    hi = np.empty(n)
    for i in range(n):
        slack = coordinate_slack(status_quo, believed, salience, i, margin[i], dims)
        lo[i], hi[i] = acceptance_interval_1d(believed[i, j], salience[i, j], slack)
    starts, ends = _passing_segments(lo, hi, lo_box, hi_box, rule, weight, threshold)
    out = status_quo.copy()
    if starts.shape[0] == 0:
        return out
    target = believed[proposer, j]
    best, best_d, seg = 0.0, np.inf, -1
    for c in range(starts.shape[0]):
        z = min(max(target, starts[c]), ends[c])
        if abs(z - target) < best_d:
            best, best_d, seg = z, abs(z - target), c
    out[j] = best
    # Fall back toward the middle of the chosen segment: inside the winset even when the status
    # quo is not (a rival's draft may have to beat it by the rivalry's intensity).
    anchor = status_quo.copy()
    anchor[j] = 0.5 * (starts[seg] + ends[seg])
    return pull_back(out, anchor, status_quo, radius, believed, salience, rule, weight, threshold)


@njit(cache=True, error_model="numpy")
def _violation(z, x, w, s):
    acc = 0.0
    for d in range(z.shape[0]):
        diff = z[d] - x[d]
        acc += w[d] * diff * diff
    return acc - s


@njit(cache=True, error_model="numpy")
def _primal(num, den, lo, hi, fallback, z):
    for d in range(z.shape[0]):
        v = num[d] / den[d] if den[d] > 0 else fallback[d]
        z[d] = min(max(v, lo[d]), hi[d])


@njit(cache=True, error_model="numpy")
def solve_ellipsoids(target, wp, lo, hi, fallback, x, w, s):
    """Closest point to ``target`` in the proposer's metric ``wp`` inside every ellipsoid
    ``sum_d w[c, d] (z_d - x[c, d])^2 <= s[c]`` and the box [lo, hi].

    A convex programme with separable quadratics, solved exactly in its Lagrange dual: for given
    multipliers the minimiser is closed-form per coordinate (a weighted mean, clipped to the box),
    and the concave dual is maximised by coordinate ascent, each multiplier by a safeguarded
    Newton step on its constraint. Returns (z, squared weighted distance to the target, feasible).
    """
    m, k = x.shape
    lam = np.zeros(m)
    z = np.empty(k)
    num = np.empty(k)
    den = np.empty(k)
    for sweep in range(_MAX_SWEEPS):
        change = 0.0
        for c in range(m):
            for d in range(k):  # the Lagrangian's coefficients without constraint c
                num[d] = wp[d] * target[d]
                den[d] = wp[d]
                for e in range(m):
                    if e != c and lam[e] > 0:
                        num[d] += lam[e] * w[e, d] * x[e, d]
                        den[d] += lam[e] * w[e, d]
            old = lam[c]
            _primal(num, den, lo, hi, fallback, z)
            if _violation(z, x[c], w[c], s[c]) <= 0:
                new = 0.0
            else:
                a, b = 0.0, max(1.0, 2.0 * old)
                while True:  # bracket the root of the constraint in this multiplier
                    for d in range(k):
                        z[d] = min(max((num[d] + b * w[c, d] * x[c, d]) / (den[d] + b * w[c, d])
                                       if den[d] + b * w[c, d] > 0 else fallback[d], lo[d]), hi[d])
                    if _violation(z, x[c], w[c], s[c]) <= 0 or b > 1e30:
                        break
                    a, b = b, 4.0 * b
                lam_c = b
                for _ in range(100):  # safeguarded Newton inside [a, b]
                    val = 0.0
                    slope = 0.0
                    for d in range(k):
                        dd = den[d] + lam_c * w[c, d]
                        zz = (num[d] + lam_c * w[c, d] * x[c, d]) / dd if dd > 0 else fallback[d]
                        clipped = zz < lo[d] or zz > hi[d]
                        zz = min(max(zz, lo[d]), hi[d])
                        diff = zz - x[c, d]
                        val += w[c, d] * diff * diff
                        if not clipped and dd > 0:
                            slope -= 2.0 * w[c, d] * w[c, d] * diff * diff / dd
                    val -= s[c]
                    if val > 0:
                        a = lam_c
                    else:
                        b = lam_c
                    if b - a <= 1e-15 * b or val == 0:
                        break
                    step = lam_c - val / slope if slope < 0 else 0.5 * (a + b)
                    lam_c = step if a < step < b else 0.5 * (a + b)
                new = b
            lam[c] = new
            change = max(change, abs(new - old) / (1.0 + new))
        if change <= 1e-14:
            break
    for d in range(k):
        num[d] = wp[d] * target[d]
        den[d] = wp[d]
        for e in range(m):
            if lam[e] > 0:
                num[d] += lam[e] * w[e, d] * x[e, d]
                den[d] += lam[e] * w[e, d]
    _primal(num, den, lo, hi, fallback, z)
    feasible = True
    for c in range(m):
        if _violation(z, x[c], w[c], s[c]) > 1e-12 * (1.0 + abs(s[c])):
            feasible = False
    obj = 0.0
    for d in range(k):
        diff = z[d] - target[d]
        obj += wp[d] * diff * diff
    return z, obj, feasible


@njit(cache=True, error_model="numpy")
def _coalition_draft(coalition, idx, target, status_quo, proposer, believed, salience, slack, lo_box,
                     hi_box):
    """The best text for the proposer that every member of ``coalition`` accepts (believed)."""
    members = np.flatnonzero(coalition)
    k = idx.shape[0]
    m = members.shape[0]
    x = np.empty((m, k))
    w = np.empty((m, k))
    s = np.empty(m)
    for c in range(m):
        i = members[c]
        for d in range(k):
            x[c, d] = believed[i, idx[d]]
            w[c, d] = salience[i, idx[d]]
        s[c] = slack[i] * (1.0 - _SHRINK) - 1e-12
    t = np.empty(k)
    wp = np.empty(k)
    lo = np.empty(k)
    hi = np.empty(k)
    q = np.empty(k)
    for d in range(k):
        t[d] = target[idx[d]]
        wp[d] = salience[proposer, idx[d]]
        lo[d] = lo_box[idx[d]]
        hi[d] = hi_box[idx[d]]
        q[d] = status_quo[idx[d]]
    inside = True
    for c in range(m):
        if _violation(np.minimum(np.maximum(t, lo), hi), x[c], w[c], s[c]) > 0:
            inside = False
            break
    if inside:
        return np.minimum(np.maximum(t, lo), hi), 0.0, True
    return solve_ellipsoids(t, wp, lo, hi, q, x, w, s)


@njit(cache=True, error_model="numpy")
def setter_draft(status_quo, proposer, believed, salience, margin, dims, lo_box, hi_box, rule, weight,
                 threshold):
    """Romer-Rosenthal agenda setter: the text closest to the proposer's ideal that it believes passes.

    ``believed`` is what the proposer thinks the members want (its own row exact); with setter
    noise it can misjudge and table a text that is then rejected. On one coordinate the answer is
    exact for every rule (the winset is a union of intervals). On several, the acceptable set is
    the union, over the winning coalitions, of the intersection of their members' acceptance
    ellipsoids: the setter solves the convex programme of every minimal winning coalition that
    includes itself (it tables nothing it would oppose) and takes the best, exact up to the
    solver's tolerance for every rule when at most ``EXACT_SETTER_MEMBERS`` others are present;
    beyond that it satisfies one cheapest coalition. Returns the status quo when nothing
    acceptable moves it.
    """
    n = believed.shape[0]
    radius = np.empty(n)
    slack = np.empty(n)
    for i in range(n):
        radius[i] = distance(status_quo, believed, salience, i) + margin[i]
        slack[i] = coordinate_slack(status_quo, believed, salience, i, margin[i], dims)
    idx = np.flatnonzero(dims)
    if idx.shape[0] == 1:
        return _setter_1d(status_quo, proposer, believed, salience, margin, idx[0], lo_box[idx[0]],
                          hi_box[idx[0]], radius, rule, weight, threshold, dims)
    target = status_quo.copy()
    for d in idx:
        target[d] = believed[proposer, d]
    # Who could be in a coalition: members present (finite slack) that some text can satisfy.
    always = np.isinf(slack)  # members not yet in the organisation accept anything
    cand = np.flatnonzero(~always & (slack >= 0))
    cand = cand[cand != proposer]
    accept = np.empty(n, dtype=np.bool_)
    best = status_quo.copy()
    best_obj = np.inf
    if cand.shape[0] <= EXACT_SETTER_MEMBERS:
        for mask in range(1 << cand.shape[0]):
            accept[:] = always
            accept[proposer] = True
            for c in range(cand.shape[0]):
                if mask >> c & 1:
                    accept[cand[c]] = True
            if not passes(rule, accept, weight, threshold):
                continue
            minimal = True
            for c in range(cand.shape[0]):
                if mask >> c & 1:
                    accept[cand[c]] = False
                    if passes(rule, accept, weight, threshold):
                        minimal = False
                    accept[cand[c]] = True
                    if not minimal:
                        break
            if not minimal:
                continue
            coalition = accept & ~always
            z, obj, feasible = _coalition_draft(coalition, idx, target, status_quo, proposer, believed,
                                                salience, slack, lo_box, hi_box)
            if feasible and obj < best_obj:
                best_obj = obj
                for c in range(idx.shape[0]):
                    best[idx[c]] = z[c]
                if obj == 0.0:
                    break
    else:
        cost = np.empty(n)  # how far the proposer's ideal lies outside each member's acceptance set
        for i in range(n):
            cost[i] = distance(target, believed, salience, i) - radius[i]
        accept[:] = always
        accept[proposer] = True
        for i in np.argsort(cost, kind="mergesort"):
            if passes(rule, accept, weight, threshold):
                break
            if slack[i] >= 0:
                accept[i] = True
        if passes(rule, accept, weight, threshold):
            z, obj, feasible = _coalition_draft(accept & ~always, idx, target, status_quo, proposer,
                                                believed, salience, slack, lo_box, hi_box)
            if feasible:
                best_obj = obj
                for c in range(idx.shape[0]):
                    best[idx[c]] = z[c]
    if not np.isfinite(best_obj):
        return status_quo.copy()
    return pull_back(best, status_quo, status_quo, radius, believed, salience, rule, weight, threshold)
