"""Decision rules: small pure functions registered by name.

A rule maps a yes/no profile (``accept``, one boolean per member) and voting weights to pass/fail.
``[rule] type = "..."`` in a scenario file resolves through :data:`RULES`. Each rule is one compiled
function (:func:`passes` dispatches on its code) that the Mesa model, the compiled engine and the
power indices all call; :class:`Rule` applies it to arrays of profiles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from .compiled import procedure

# Shares are compared with this slack so that, e.g., 4 of 6 members meets a 2/3 threshold even
# though 4/6 and 2/3 are rounded differently in binary floating point.
SHARE_EPS = 1e-12

UNANIMITY, CONSENSUS_MINUS_ONE, MAJORITY = 0, 1, 2


@procedure
def yes_share(accept, weight):
    """Share of the voting weight that accepts (summed in member order)."""
    yes = 0.0
    total = 0.0
    for i in range(accept.shape[0]):
        if accept[i]:
            yes += weight[i]
        total += weight[i]
    return yes / total


@njit(cache=True, error_model="numpy", inline="always")
def passes(code, accept, weight, threshold):
    """Whether a profile passes under rule ``code``; ``threshold`` is NaN when the rule has none.

    UNANIMITY: no member objects (the SCO Charter, art. 16). CONSENSUS_MINUS_ONE: at most one
    objects (the Charter's rule for suspension and expulsion). MAJORITY: the yes share (of
    capability when weighted) reaches ``threshold``, or exceeds one half when none is set.
    """
    if code == UNANIMITY:
        for i in range(accept.shape[0]):
            if not accept[i]:
                return False
        return True
    if code == CONSENSUS_MINUS_ONE:
        no = 0
        for i in range(accept.shape[0]):
            if not accept[i]:
                no += 1
        return no <= 1
    share = yes_share(accept, weight)
    if np.isnan(threshold):
        return share > 0.5 + SHARE_EPS
    return share >= threshold - SHARE_EPS


@njit(cache=True, error_model="numpy")
def passes_many(code, accept, weight, threshold):
    """:func:`passes` for every row of a (P, N) array of profiles."""
    out = np.empty(accept.shape[0], dtype=np.bool_)
    for p in range(accept.shape[0]):
        out[p] = passes(code, accept[p], weight, threshold)
    return out


@dataclass(frozen=True)
class Rule:
    """A registered rule: its name in scenario files and its code in the compiled functions."""

    name: str
    code: int
    doc: str

    def __call__(self, accept, weight, threshold: float | None = None):
        """Apply the rule to profiles of any leading shape (..., N)."""
        a = np.asarray(accept, dtype=np.bool_)
        w = np.asarray(weight, dtype=float)
        t = np.nan if threshold is None else float(threshold)
        flat = np.ascontiguousarray(a.reshape(-1, a.shape[-1]))
        out = passes_many(self.code, flat, w, t).reshape(a.shape[:-1])
        return out if out.shape else bool(out)


RULES: dict[str, Rule] = {}


def register(name: str, code: int, doc: str) -> Rule:
    """Add a rule to the registry under the name used in scenario files."""
    RULES[name] = Rule(name, code, doc)
    return RULES[name]


unanimity = register("unanimity", UNANIMITY, """Adopted when no member objects: the SCO Charter's consensus (art. 16).

>>> unanimity([True, True, True], np.ones(3)), unanimity([True, False, True], np.ones(3))
(True, False)
""")
consensus_minus_one = register("consensus_minus_one", CONSENSUS_MINUS_ONE, """Adopted unless two or more members object.

>>> consensus_minus_one([True, False, True], np.ones(3))
True
>>> consensus_minus_one([False, False, True], np.ones(3))
False
""")
majority = register("majority", MAJORITY, """Adopted when the yes share reaches ``threshold`` (more than half if none).

>>> majority([True, True, False], np.ones(3)), majority([True, False], np.ones(2))  # a tie is not a majority
(True, False)
>>> majority([True, True, False], np.ones(3), 2 / 3)
True
>>> majority([True, False, False], np.array([0.6, 0.2, 0.2]), 0.5)
True
""")
__doc__ += "".join(f"\n``{r.name}``: {r.doc}" for r in RULES.values())


def resolve(name: str) -> Rule:
    """Look a rule up by name, with a message listing the known ones."""
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"unknown decision rule {name!r}; known rules: {sorted(RULES)}") from None


def voting_weights(capability: np.ndarray, weighted: bool) -> np.ndarray:
    """Weights a rule counts: capability shares for a weighted rule, one per member otherwise."""
    return np.asarray(capability, dtype=float) if weighted else np.ones(len(capability))


def threshold_value(threshold: float | None) -> float:
    """A rule's threshold as the compiled functions take it (NaN: none)."""
    return np.nan if threshold is None else float(threshold)
