"""Who tables an item, and which issue area(s) it concerns.

Each choice maps one uniform number to an option by inverse CDF, so one number per item slot
decides it and both engines reproduce the choice exactly.
"""

from __future__ import annotations

import numpy as np

from . import streams
from .compiled import procedure

ROTATING_CHAIR, CAPABILITY_WEIGHTED, MAJOR_POWERS, RANDOM = 0, 1, 2, 3
PROPOSER_METHODS = {"rotating_chair": ROTATING_CHAIR, "capability_weighted": CAPABILITY_WEIGHTED,
                    "major_powers": MAJOR_POWERS, "random": RANDOM}


def proposer_weights(method: str, capability: np.ndarray, majors: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Running sum of the selection weights of a random proposer rule among present members.

    ``capability_weighted``: capability shares; ``major_powers``: each major power equally;
    ``random`` (and ``rotating_chair``, which ignores it): each member equally.
    """
    if method == "capability_weighted":
        w = np.asarray(capability, dtype=float)
    elif method == "major_powers":
        w = np.asarray(majors, dtype=float)
    else:
        w = np.ones(len(majors))
    return np.cumsum(np.where(present, w, 0.0))


def major_weights(capability: np.ndarray, majors: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Running sum of the capability of the major powers present (for ``major_agenda_share``)."""
    return np.cumsum(np.where(majors & present, np.asarray(capability, dtype=float), 0.0))


@procedure
def pick_index(u, cumulative):
    """Index chosen by the uniform ``u`` with probability proportional to the weights whose running
    sum is ``cumulative`` (inverse CDF; zero-weight entries are never chosen).
    """
    x = u * cumulative[-1]
    n = cumulative.shape[0]
    idx = 0  # the first entry above x: numpy's searchsorted(side="right") on a running sum
    while idx < n and cumulative[idx] <= x:
        idx += 1
    return min(idx, n - 1)


@procedure
def draws_proposer(method, major_share):
    """Whether :func:`select_proposer` reads its uniform (a rotating chair alone does not)."""
    return major_share > 0 or method != ROTATING_CHAIR


@procedure
def select_proposer(method, u, chair, cumulative, major_share, major_cumulative):
    """Index of the member who drafts an item.

    ``ROTATING_CHAIR``: the meeting's chair drafts every item. ``CAPABILITY_WEIGHTED``: a member
    with probability equal to its capability share. ``MAJOR_POWERS``: a major power, each equally
    likely (the "2+4" leadership of China and Russia). ``RANDOM``: any member present, equally.
    With ``major_share`` > 0 ("major powers lead"), a uniform below it picks a major power by
    capability instead, and the rest of the unit interval is rescaled for the rule above.
    """
    if major_share > 0 and u < major_share:
        return pick_index(u / major_share, major_cumulative)
    if major_share > 0:
        u = (u - major_share) / (1.0 - major_share)
    if method == ROTATING_CHAIR:
        return chair
    return pick_index(u, cumulative)


@procedure
def issue_areas(seed, replication, m, s, items, shares, cumulative_shares, package_probability, package_size,
                keys, out):
    """Boolean mask (into ``out``) of the dimensions a new item in slot s of meeting m concerns.

    One dimension, drawn with the scenario's issue shares (inverse CDF of one uniform), or with
    probability ``package_probability`` a package of ``package_size`` distinct dimensions:
    weighted sampling without replacement by the Efraimidis-Spirakis keys ``log(u) / share``.
    Only the numbers a choice uses are computed (``keys`` is scratch of length D).
    """
    d = shares.shape[0]
    out[:] = False
    if d == 1:
        out[0] = True
        return
    start = streams.agenda_start(m, s, items, d)
    if package_probability <= 0.0:  # u < p never holds for u in [0, 1): the draw is not computed
        k = 1
    elif package_probability >= 1.0:
        k = package_size
    else:
        k = package_size if streams.uniform(seed, replication, streams.AGENDA, start) < package_probability else 1
    if k == 1:
        out[pick_index(streams.uniform(seed, replication, streams.AGENDA, start + 1), cumulative_shares)] = True
        return
    streams.fill_uniforms(seed, replication, streams.AGENDA, start + 2, keys)
    for j in range(d):
        keys[j] = np.log(keys[j]) / shares[j] if shares[j] > 0 else -np.inf
    for _ in range(k):  # the k largest keys, first on ties (a stable descending order)
        best = -1
        for j in range(d):
            if not out[j] and (best < 0 or keys[j] > keys[best]):
                best = j
        out[best] = True
