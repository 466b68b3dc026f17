"""Decision rules: small pure functions registered by name.

Each rule maps a yes/no profile to pass/fail. ``accept`` has shape (..., N); ``weight`` (N,) is
each member's voting weight (capability shares when a rule is weighted, ones otherwise).
``sco-sim`` resolves ``[rule] type = "..."`` through :data:`RULES`.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

RuleFn = Callable[[np.ndarray, np.ndarray, "float | None"], np.ndarray]
RULES: dict[str, RuleFn] = {}

# Shares are compared with this slack so that, e.g., 4 of 6 members meets a 2/3 threshold even
# though 4/6 and 2/3 are rounded differently in binary floating point.
SHARE_EPS = 1e-12


def register(name: str) -> Callable[[RuleFn], RuleFn]:
    """Add a rule to the registry under the name used in scenario files."""

    def deco(fn: RuleFn) -> RuleFn:
        RULES[name] = fn
        return fn

    return deco


def _yes_share(accept: np.ndarray, weight: np.ndarray) -> np.ndarray:
    yes = np.zeros(accept.shape[:-1])
    total = 0.0
    for i in range(accept.shape[-1]):
        yes = yes + np.where(accept[..., i], weight[i], 0.0)
        total += weight[i]
    return yes / total


@register("unanimity")
def unanimity(accept: np.ndarray, weight: np.ndarray, threshold: float | None = None) -> np.ndarray:
    """Adopted when no member objects: the SCO Charter's consensus (art. 16).

    >>> bool(unanimity(np.array([True, True, True]), np.ones(3)))
    True
    >>> bool(unanimity(np.array([True, False, True]), np.ones(3)))
    False
    """
    return np.all(accept, axis=-1)


@register("consensus_minus_one")
def consensus_minus_one(
    accept: np.ndarray, weight: np.ndarray, threshold: float | None = None
) -> np.ndarray:
    """Adopted unless two or more members object (the Charter's rule for suspension/expulsion).

    >>> bool(consensus_minus_one(np.array([True, False, True]), np.ones(3)))
    True
    >>> bool(consensus_minus_one(np.array([False, False, True]), np.ones(3)))
    False
    """
    return np.sum(~np.asarray(accept, dtype=bool), axis=-1) <= 1


@register("majority")
def majority(accept: np.ndarray, weight: np.ndarray, threshold: float | None = None) -> np.ndarray:
    """Adopted when the yes share reaches ``threshold`` (more than half when no threshold is set).

    With a weighted rule ``weight`` holds capability shares, so the yes share is a power share.

    >>> bool(majority(np.array([True, True, False]), np.ones(3)))
    True
    >>> bool(majority(np.array([True, False]), np.ones(2)))  # a tie is not a majority
    False
    >>> bool(majority(np.array([True, True, False]), np.ones(3), threshold=2 / 3))
    True
    >>> bool(majority(np.array([True, False, False]), np.array([0.6, 0.2, 0.2]), 0.5))
    True
    """
    share = _yes_share(np.asarray(accept, dtype=bool), np.asarray(weight, dtype=float))
    if threshold is None:
        return share > 0.5 + SHARE_EPS
    return share >= threshold - SHARE_EPS


def resolve(name: str) -> RuleFn:
    """Look a rule up by name, with a message listing the known ones."""
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"unknown decision rule {name!r}; known rules: {sorted(RULES)}") from None


def voting_weights(capability: np.ndarray, weighted: bool) -> np.ndarray:
    """Weights a rule counts: capability shares for a weighted rule, one per member otherwise."""
    return np.asarray(capability, dtype=float) if weighted else np.ones(len(capability))
