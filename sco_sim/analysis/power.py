"""A priori voting power of the decision rules: Coleman's power to act and Banzhaf power.

Every yes/no profile of the N members is taken as equally likely (the a priori, Penrose-Banzhaf
view). For a rule, with ``W`` the number of the ``2**N`` profiles that pass and ``W_i`` the number
of passing profiles in which member ``i`` votes yes:

* Coleman's *power of the collectivity to act* is ``W / 2**N``, the share of profiles that pass.
* Member ``i``'s swing count is ``2 W_i - W`` = the sum over coalitions ``S`` without ``i`` of
  ``pass(S + i) - pass(S)`` (for the monotone rules in :data:`~sco_sim.model.rules.RULES` this is the
  usual number of coalitions that ``i`` turns from failing into passing). The raw Banzhaf index
  is ``swings / 2**(N-1)``; the normalised index divides the swings by their total.

All counts are exact integers. Two ways to get them (``method=`` in the functions below):

``"enumerate"`` (the default up to :data:`ENUMERATION_LIMIT` members)
    evaluates the registered rule function on all ``2**N`` profiles in vectorised chunks, so the
    result is by construction the simulation's own rule, ``SHARE_EPS`` slack included.

``"fast"`` (the default above that, up to :data:`MAX_MEMBERS` members)
    * ``unanimity`` and ``consensus_minus_one`` (which ignore weights), and ``majority`` with
      equal weights: the outcome depends only on the number ``k`` of yes votes, so the rule
      function is evaluated on one profile per ``k`` and the counts are binomial sums.
    * ``majority`` with unequal (e.g. capability) weights: meet in the middle. The members are
      split into two halves; the ``2**(N/2)`` subset shares of each half are listed, one list is
      sorted, and for each subset of the other half a binary search finds how many completions
      pass. Subset sums are formed in floating point; their error, like the rule's own rounding,
      is below 2e-14 of the total weight for N <= 40, far inside a guard band of :data:`GUARD`
      around the rule's cut-off (threshold - SHARE_EPS, or 1/2 + SHARE_EPS when no threshold is
      set). Profiles outside the band are classified by their share; every profile inside it is
      listed and evaluated with the registered rule function itself. The result is therefore
      exact and equal to enumeration's, not an approximation over rounded/integerised weights.

Beyond :data:`MAX_MEMBERS` members, or with a rule the fast path does not know, a
:class:`ValueError` is raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import comb
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from ..model.rules import RULES, SHARE_EPS, resolve, voting_weights

ENUMERATION_LIMIT = 20  # members: 2**20 profiles, well under a second
MAX_MEMBERS = 40  # members: meet in the middle lists 2 x 2**20 half-profiles
GUARD = 1e-13  # share band around a weighted cut-off that is settled by the rule function itself
MAX_NEAR_CUTOFF = 1 << 20  # profiles inside the guard band we are prepared to evaluate
_CHUNK = 1 << 16  # profiles per vectorised rule call when enumerating

_WEIGHT_BLIND = ("unanimity", "consensus_minus_one")  # rules that only count objectors


@dataclass(frozen=True)
class RuleSpec:
    """One decision rule to analyse: a display label and the scenario-file fields it stands for."""

    label: str
    rule: str  # a key of RULES
    threshold: float | None = None
    weighted: bool = False

    @property
    def key(self) -> tuple[Any, ...]:
        """What makes two specs the same rule (the label does not; nor do ignored fields)."""
        if self.rule in _WEIGHT_BLIND:
            return (self.rule,)
        return (self.rule, self.threshold, self.weighted)


@dataclass(frozen=True)
class PowerCounts:
    """Exact counts behind the indices for one rule and one weight vector."""

    n: int
    passing: int  # profiles (of 2**n) that pass
    swings: tuple[int, ...]  # per member: sum over S without i of pass(S + i) - pass(S)

    @property
    def coleman(self) -> float:
        """Coleman's power of the collectivity to act: passing / 2**n."""
        return float(Fraction(self.passing, 1 << self.n))

    @property
    def banzhaf_raw(self) -> np.ndarray:
        """Raw (absolute) Banzhaf index: swings / 2**(n-1)."""
        return np.array([float(Fraction(s, 1 << (self.n - 1))) for s in self.swings])

    @property
    def banzhaf(self) -> np.ndarray:
        """Normalised Banzhaf index: swing shares summing to one (zeros if nobody ever swings)."""
        total = sum(self.swings)
        if total == 0:
            return np.zeros(self.n)
        return np.array([float(Fraction(s, total)) for s in self.swings])


# --------------------------------------------------------------------------------------------
# labels and the default set of rules


def _fraction_text(t: float) -> str:
    """55% for 0.55, 2/3 for 0.666..., 70.588% for 0.70588: different thresholds print differently.

    A percentage when one decimal is exact, else a fraction with denominator up to 1000 when the
    threshold is that fraction (as written "12/17" in a file), else the percentage in full.
    """
    pct = 100 * float(t)
    if abs(pct - round(pct, 1)) < 1e-9:
        return f"{round(pct, 1):g}%"
    f = Fraction(float(t)).limit_denominator(1000)
    if abs(float(f) - t) < 1e-12:
        return f"{f.numerator}/{f.denominator}"
    return f"{pct:.12g}%"  # every digit the file gave: 0.70588 and 0.706 are different games


def rule_label(rule: str, threshold: float | None = None, weighted: bool = False) -> str:
    """A readable name, e.g. "qualified majority 2/3" or "weighted majority 55% (capability)"."""
    if rule == "unanimity":
        return "unanimity"
    if rule == "consensus_minus_one":
        return "consensus-minus-one"
    if rule == "majority":
        if weighted:
            cut = "> 50%" if threshold is None else _fraction_text(threshold)
            return f"weighted majority {cut} (capability)"
        if threshold is None:
            return "majority > 1/2"
        return f"qualified majority {_fraction_text(threshold)}"
    extra = [] if threshold is None else [_fraction_text(threshold)]
    if weighted:
        extra.append("weighted")
    return rule + (f" ({', '.join(extra)})" if extra else "")


def scenario_spec(config: Any) -> RuleSpec:
    """The scenario's own rule (``config.rule``, ``threshold``, ``weighted``)."""
    return RuleSpec(
        rule_label(config.rule, config.threshold, config.weighted),
        config.rule,
        config.threshold,
        bool(config.weighted),
    )


def default_specs(config: Any) -> list[RuleSpec]:
    """Unanimity, consensus-minus-one, simple and 2/3 majorities (unweighted and weighted by
    capability), plus the scenario's own rule when it is none of these.
    """
    specs = [
        RuleSpec(rule_label("unanimity"), "unanimity"),
        RuleSpec(rule_label("consensus_minus_one"), "consensus_minus_one"),
        RuleSpec(rule_label("majority"), "majority"),
        RuleSpec(rule_label("majority", 2 / 3), "majority", 2 / 3),
        RuleSpec(rule_label("majority", None, True), "majority", None, True),
        RuleSpec(rule_label("majority", 2 / 3, True), "majority", 2 / 3, True),
    ]
    own = scenario_spec(config)
    if own.key not in {s.key for s in specs}:
        specs.append(own)
    return specs


# --------------------------------------------------------------------------------------------
# exact counting


def _check(spec: RuleSpec, weight: Any) -> np.ndarray:
    w = np.asarray(weight, dtype=float)
    if w.ndim != 1 or len(w) == 0:
        raise ValueError("weight must be a non-empty 1-D array (one weight per member)")
    if len(w) > MAX_MEMBERS:
        raise ValueError(
            f"{len(w)} members: exact voting power is computed for at most {MAX_MEMBERS} members"
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    resolve(spec.rule)  # KeyError listing the known rules
    return w


def _profiles(start: int, stop: int, n: int) -> np.ndarray:
    """Rows start..stop-1 of the profile table: bit i of the row number = member i votes yes."""
    idx = np.arange(start, stop, dtype=np.int64)
    return ((idx[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(bool)


def _passes(spec: RuleSpec, accept: np.ndarray, w: np.ndarray) -> np.ndarray:
    out = np.asarray(RULES[spec.rule](accept, w, spec.threshold), dtype=bool)
    return np.broadcast_to(out, accept.shape[:-1])


def _from_yes_counts(n: int, passing: int, yes: Sequence[int]) -> PowerCounts:
    return PowerCounts(n, int(passing), tuple(2 * int(y) - int(passing) for y in yes))


def _enumerate(spec: RuleSpec, w: np.ndarray) -> PowerCounts:
    n = len(w)
    passing = 0
    yes = np.zeros(n, dtype=np.int64)
    total = 1 << n
    for start in range(0, total, _CHUNK):
        accept = _profiles(start, min(start + _CHUNK, total), n)
        ok = _passes(spec, accept, w)
        passing += int(ok.sum())
        yes += accept[ok].sum(axis=0)
    return _from_yes_counts(n, passing, yes.tolist())


def _by_count(spec: RuleSpec, w: np.ndarray) -> PowerCounts:
    """Anonymous rules: evaluate one profile per number of yes votes, then binomial sums."""
    n = len(w)
    canon = np.arange(n)[None, :] < np.arange(n + 1)[:, None]  # row k: the first k vote yes
    ok = _passes(spec, canon, w)
    passing = sum(comb(n, k) for k in range(n + 1) if ok[k])
    yes_i = sum(comb(n - 1, k - 1) for k in range(1, n + 1) if ok[k])
    return _from_yes_counts(n, passing, [yes_i] * n)


def _half_shares(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All subset sums of ``p`` (index bit i = member i in) and the membership bits."""
    bits = _profiles(0, 1 << len(p), len(p))
    sums = np.zeros(len(bits))
    for i in range(len(p)):  # sequential sums: error <= len(p) ulps of the total
        sums += np.where(bits[:, i], p[i], 0.0)
    return sums, bits


def _meet_in_the_middle(spec: RuleSpec, w: np.ndarray) -> PowerCounts:
    """Weighted majority: exact counts via sorted half-sums plus rule calls near the cut-off."""
    n = len(w)
    if spec.threshold is None:
        cut = 0.5 + SHARE_EPS
    else:
        cut = float(spec.threshold) - SHARE_EPS
    p = w / w.sum()
    a = n // 2
    left, lbits = _half_shares(p[:a])
    right, rbits = _half_shares(p[a:])
    order = np.argsort(right, kind="stable")
    right, rbits = right[order], rbits[order]

    # For each left subset: right subsets with share < lo_idx clearly fail, >= hi_idx clearly
    # pass, and those in between lie inside the guard band.
    lo_idx = np.searchsorted(right, (cut - GUARD) - left, side="left")
    hi_idx = np.searchsorted(right, (cut + GUARD) - left, side="left")
    lo_idx = np.minimum(lo_idx, hi_idx)
    n_right = len(right)
    clear = (n_right - hi_idx).astype(np.int64)  # clearly passing completions per left subset

    passing = int(clear.sum())
    yes = np.zeros(n, dtype=np.int64)
    yes[:a] = lbits.T.astype(np.int64) @ clear
    # suffix[j, m] = number of right subsets at sorted rank >= j that include right member m
    for m in range(n - a):
        suffix = np.concatenate([np.cumsum(rbits[::-1, m].astype(np.int64))[::-1], [0]])
        yes[a + m] = int(suffix[hi_idx].sum())

    # Profiles inside the guard band: ask the rule itself.
    band = hi_idx - lo_idx
    n_band = int(band.sum())
    if n_band > MAX_NEAR_CUTOFF:
        raise ValueError(
            f"{n_band} profiles lie within {GUARD:g} of the cut-off; too many to settle exactly"
        )
    if n_band:
        rows = np.nonzero(band)[0]
        width = band[rows]
        li = np.repeat(rows, width)  # left half-profile of each band profile
        first = np.repeat(np.cumsum(width) - width, width)
        ri = np.repeat(lo_idx[rows], width) + np.arange(n_band) - first  # sorted right rank
        for s in range(0, n_band, _CHUNK):
            sl = slice(s, s + _CHUNK)
            accept = np.concatenate([lbits[li[sl]], rbits[ri[sl]]], axis=1)
            ok = _passes(spec, accept, w)
            passing += int(ok.sum())
            yes += accept[ok].sum(axis=0)
    return _from_yes_counts(n, passing, yes.tolist())


def power_counts(spec: RuleSpec, weight: Any, method: str = "auto") -> PowerCounts:
    """Exact passing and swing counts for ``spec`` with voting weights ``weight`` (N,).

    ``method``: "enumerate" (all 2**N profiles through the rule function), "fast" (binomial
    counts or meet in the middle; see the module docstring) or "auto" (enumerate up to
    :data:`ENUMERATION_LIMIT` members, fast above).
    """
    w = _check(spec, weight)
    n = len(w)
    if method == "auto":
        method = "enumerate" if n <= ENUMERATION_LIMIT else "fast"
    if method == "enumerate":
        if n > ENUMERATION_LIMIT + 4:  # explicit enumeration allowed a little past the default
            raise ValueError(f"{n} members: too many to enumerate all 2**{n} profiles")
        return _enumerate(spec, w)
    if method != "fast":
        raise ValueError(f"unknown method {method!r}; use 'auto', 'enumerate' or 'fast'")
    if spec.rule in _WEIGHT_BLIND or (spec.rule == "majority" and np.all(w == w[0])):
        return _by_count(spec, w)
    if spec.rule == "majority":
        return _meet_in_the_middle(spec, w)
    raise ValueError(
        f"no exact method for rule {spec.rule!r} with {n} members beyond enumeration "
        f"(at most {ENUMERATION_LIMIT} members)"
    )


def coleman_power_to_act(spec: RuleSpec, weight: Any, method: str = "auto") -> float:
    """Coleman's power of the collectivity to act: the share of the 2**N profiles that pass."""
    return power_counts(spec, weight, method).coleman


def banzhaf(spec: RuleSpec, weight: Any, method: str = "auto") -> np.ndarray:
    """Normalised Banzhaf power of each member (shares summing to one)."""
    return power_counts(spec, weight, method).banzhaf


def banzhaf_raw(spec: RuleSpec, weight: Any, method: str = "auto") -> np.ndarray:
    """Raw Banzhaf index of each member: swings / 2**(N-1)."""
    return power_counts(spec, weight, method).banzhaf_raw


def rules_table(config: Any, specs: Iterable[RuleSpec] | None = None) -> pd.DataFrame:
    """One row per rule: ``label``, ``coleman`` (power to act), then each member's normalised
    Banzhaf power in a column named after the member. Weighted rules use capability shares.
    """
    names = list(config.names)
    cap = np.asarray(config.capability, dtype=float)
    rows = []
    for spec in default_specs(config) if specs is None else specs:
        counts = power_counts(spec, voting_weights(cap, spec.weighted))
        rows.append([spec.label, counts.coleman, *counts.banzhaf.tolist()])
    return pd.DataFrame(rows, columns=["label", "coleman", *names])
