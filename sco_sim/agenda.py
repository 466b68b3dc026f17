"""Who tables an item, and which issue area(s) it concerns.

Each function maps a uniform draw to a choice by inverse CDF, so one number per slot decides it
and a vectorised engine can reproduce the choice exactly.
"""

from __future__ import annotations

import numpy as np


def pick_index(u: float, cumulative: np.ndarray) -> int:
    """Index chosen by the uniform ``u`` with probability proportional to the weights whose
    running sum is ``cumulative`` (inverse CDF; zero-weight entries are never chosen).
    """
    idx = int(np.searchsorted(cumulative, u * cumulative[-1], side="right"))
    return min(idx, len(cumulative) - 1)


def proposer_weights(
    method: str, capability: np.ndarray, groups: tuple[str, ...], present: np.ndarray | None = None
) -> np.ndarray:
    """Running sum of the selection weights of a random proposer rule among present members."""
    if method == "capability_weighted":
        w = np.asarray(capability, dtype=float)
    elif method == "major_powers":
        w = np.array([g == "major" for g in groups], dtype=float)
    else:
        w = np.ones(len(groups))
    if present is not None:
        w = np.where(present, w, 0.0)
    return np.cumsum(w)


def major_weights(
    capability: np.ndarray, groups: tuple[str, ...], present: np.ndarray | None = None
) -> np.ndarray:
    """Running sum of the capability of the major powers present (for ``major_agenda_share``)."""
    w = np.where(np.array([g == "major" for g in groups]), np.asarray(capability, dtype=float), 0.0)
    if present is not None:
        w = np.where(present, w, 0.0)
    return np.cumsum(w)


def select_proposer(
    method: str,
    u: float,
    chair: int,
    cumulative: np.ndarray,
    major_share: float = 0.0,
    major_cumulative: np.ndarray | None = None,
) -> int:
    """Index of the member who drafts an item under the scenario's proposer rule.

    ``rotating_chair``: the chair (``Config.chair``) drafts every item of its meeting. ``capability_weighted``: a
    member with probability equal to its capability share. ``major_powers``: a major power, each
    equally likely (the "2+4" leadership of China and Russia). ``random``: any member, equally.
    ``cumulative`` comes from :func:`proposer_weights`. With ``major_share`` > 0 ("major powers
    lead"), a uniform ``u`` below it picks a major power by capability (``major_cumulative``)
    instead, and the rest of the unit interval is rescaled for the rule above.
    """
    if major_cumulative is not None and u < major_share:
        return pick_index(u / major_share, major_cumulative)
    if major_share > 0:
        u = (u - major_share) / (1.0 - major_share)
    if method == "rotating_chair":
        return chair
    if method in ("capability_weighted", "major_powers", "random"):
        return pick_index(u, cumulative)
    raise ValueError(f"unknown proposer rule {method!r}")


def issue_areas(
    keys: np.ndarray, package_u: float, shares: np.ndarray, package_probability: float, package_size: int
) -> np.ndarray:
    """Boolean mask of the dimensions an item concerns.

    One dimension, drawn with the scenario's issue shares, or (with probability
    ``package_probability``) a package of ``package_size`` distinct dimensions: weighted sampling
    without replacement by the Efraimidis-Spirakis keys ``log(u) / share``.
    """
    d = len(shares)
    mask = np.zeros(d, dtype=bool)
    if d == 1:
        mask[0] = True
        return mask
    k = package_size if package_u < package_probability else 1
    with np.errstate(divide="ignore"):
        score = np.where(shares > 0, np.log(keys) / np.where(shares > 0, shares, 1.0), -np.inf)
    if k == 1:
        mask[int(np.argmax(score))] = True
    else:
        mask[np.argsort(-score, kind="stable")[:k]] = True
    return mask
