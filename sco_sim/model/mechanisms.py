"""The SCO's own mechanisms beyond the bare vote: side payments, subset texts, sense of community.

Compiled functions shared by the Mesa agents and the compiled engine; sums over members run in
member order, so both engines get the same numbers.
"""

from __future__ import annotations

from numba import njit

from .compiled import procedure
from .rules import UNANIMITY, passes


@njit(cache=True, error_model="numpy", inline="always")
def shortfall(proposal_distance_i, status_quo_distance_i, margin_i):
    """How much more utility member i needs to accept: ``d_i(p) - d_i(q) - margin_i`` (>= 0)."""
    gap = proposal_distance_i - (status_quo_distance_i + margin_i)
    return gap if gap > 0 else 0.0


@procedure
def cheapest_compensation(accept, need, rule, weight, threshold, bought):
    """The cheapest set of objectors whose compensation makes the rule pass.

    Objectors are bought in order of their shortfall ``need`` (cheapest first, ties by member
    order) until the rule passes. Returns (total cost, feasible): under unanimity every objector
    must be paid; under a majority only enough of them. ``bought`` is scratch (N,), so that
    nothing is allocated per item.
    """
    if passes(rule, accept, weight, threshold):
        return 0.0, True
    n = accept.shape[0]
    if rule == UNANIMITY:  # every objector is bought: the loop below would reach the same sum
        cost = 0.0
        for j in range(n):
            if not accept[j]:
                cost = cost + need[j]
        return cost, True
    for i in range(n):
        bought[i] = accept[i]
    while True:
        cheapest = -1
        for i in range(n):
            if not bought[i] and (cheapest < 0 or need[i] < need[cheapest]):
                cheapest = i
        if cheapest < 0:
            return 0.0, False
        bought[cheapest] = True
        if passes(rule, bought, weight, threshold):
            cost = 0.0
            for j in range(n):
                if bought[j] and not accept[j]:
                    cost = cost + need[j]
            return cost, True


@procedure
def choose_payer(cost, budget, accept, eligible, proposer):
    """Which major power pays: the proposer if it can, else the richest willing one (-1: none).

    A payer must be eligible (a major power present), accept the draft itself and have
    ``budget >= cost`` left this meeting. Ties go to the first member in file order.
    """
    best = -1
    for i in range(budget.shape[0]):
        if eligible[i] and accept[i] and budget[i] >= cost:
            if i == proposer:
                return i
            if best < 0 or budget[i] > budget[best]:
                best = i
    return best


@njit(cache=True, error_model="numpy", inline="always")
def subset_text(objectors, limit, members_present):
    """A text of the others: at most ``limit`` objectors on record and at least one supporter."""
    return 1 <= objectors <= limit and objectors < members_present


@njit(cache=True, error_model="numpy", inline="always")
def update_tolerance(tolerance_i, consensus, no_text, growth, decay, cap_i):
    """Member i's sense of community after an item, within [0, cap].

    Up by ``growth`` after a consensus, down by ``decay`` after an item with no text. Absent
    members are not updated.
    """
    step = (growth if consensus else 0.0) - (decay if no_text else 0.0)
    return min(max(tolerance_i + step, 0.0), cap_i)
