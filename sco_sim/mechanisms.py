"""The SCO's own mechanisms beyond the bare vote: side payments, subset texts, sense of community.

Every function works on arrays with any leading batch axes (the Mesa model passes one item, the
vectorised engine a block of replications) and sums over members in a fixed order, so both
engines get the same numbers.
"""

from __future__ import annotations

import numpy as np

from .rules import RuleFn


def shortfall(
    proposal_distance: np.ndarray, status_quo_distance: np.ndarray, margin: np.ndarray
) -> np.ndarray:
    """How much more utility each member needs to accept: ``d_i(p) - d_i(q) - margin_i`` (>= 0)."""
    with np.errstate(invalid="ignore"):
        gap = proposal_distance - (status_quo_distance + margin)
    return np.where(gap > 0, gap, 0.0)


def cheapest_compensation(
    accept: np.ndarray, need: np.ndarray, rule: RuleFn, weight: np.ndarray, threshold: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cheapest set of objectors whose compensation makes the rule pass.

    Objectors are bought in order of their shortfall ``need`` (cheapest first, ties by member
    order) until the rule passes. Returns (``paid`` mask (..., N), total cost (...), feasible
    (...)): under unanimity every objector must be paid; under a majority only enough of them.
    """
    objector = ~accept
    n = accept.shape[-1]
    key = np.where(objector, need, np.inf)
    order = np.argsort(key, axis=-1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(n)[(None,) * (order.ndim - 1)], axis=-1)
    done = np.asarray(rule(accept, weight, threshold), dtype=bool).copy()
    k_needed = np.where(done, 0, -1)
    for k in range(1, n + 1):
        bought = objector & (rank < k)
        ok = np.asarray(rule(accept | bought, weight, threshold), dtype=bool) & ~done
        k_needed = np.where(ok, k, k_needed)
        done |= ok
    paid = objector & (rank < k_needed[..., None]) & (k_needed[..., None] > 0)
    cost = np.zeros(accept.shape[:-1])
    for i in range(n):
        cost = cost + np.where(paid[..., i], need[..., i], 0.0)
    return paid, cost, k_needed >= 0


def choose_payer(
    cost: np.ndarray,
    budget: np.ndarray,
    accept: np.ndarray,
    eligible: np.ndarray,
    proposer: np.ndarray,
) -> np.ndarray:
    """Which major power pays: the proposer if it can, else the richest willing major (-1: none).

    A payer must be eligible (a present major power), accept the draft itself and have
    ``budget >= cost`` left this meeting. Ties go to the first member in file order.
    """
    able = eligible & accept & (budget >= cost[..., None])
    own = np.take_along_axis(able, proposer[..., None], axis=-1)[..., 0]
    richest = np.argmax(np.where(able, budget, -np.inf), axis=-1)
    any_able = able.any(axis=-1)
    return np.where(own, proposer, np.where(any_able, richest, -1))


def update_tolerance(
    tolerance: np.ndarray,
    present: np.ndarray,
    consensus: np.ndarray,
    no_text: np.ndarray,
    growth: float,
    decay: float,
    cap: float,
) -> np.ndarray:
    """The sense of community after an item: up by ``growth`` after a consensus, down by
    ``decay`` after an item with no text, within [0, cap]; absent members are unchanged.
    """
    step = np.where(consensus, growth, 0.0) - np.where(no_text, decay, 0.0)
    new = np.minimum(np.maximum(tolerance + step[..., None], 0.0), cap)
    return np.where(present, new, tolerance)
