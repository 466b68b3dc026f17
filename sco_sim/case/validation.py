"""Pattern-oriented validation: the stylized facts of the SCO record against the bundled scenarios.

Pattern-oriented modelling (Grimm et al. 2005) judges a model by whether it reproduces several
qualitative patterns of the system at once. Each :class:`Fact` below is one such pattern from the
project's sources (the facts sheet ``/work/shared/reference/sco-facts.md`` and Xue & Makengo 2021).
Its ``evaluate`` function computes the model's figures from runs of the bundled scenarios and
returns a verdict, *reproduced*, *partly* or *not reproduced*, from explicit criteria on those
figures. The verdicts are computed, never asserted, so a fact the model misses is reported with the
numbers that show it. ``docs/VALIDATION.md`` discusses every fact and ``tests/test_validation.py``
checks that the verdicts documented there still hold.

Measures (all from the ``items`` table of :func:`sco_sim.engine.simulate`):

* an item *ends without a consensus text* when its ``outcome`` is ``"subset"`` (a text of the
  others) or ``"none"`` (no text);
* a member *withholds consent* on an item when the item ends without a consensus text and the member
  is among the objectors at the last vote (objectors who were compensated by a side payment and so
  let a consensus text through are not counted);
* a member is the *sole objector* on an item when the item ends without a consensus text and the
  member is the only objector (the model's ``sole_vetoes``);
* an item belongs to an issue area when the area is one of its ``issue_area`` components.

Intervals are 95 % Student-t intervals over replications: for a rate (events per item, or a share
of some items), of the ratio estimator sum(events) / sum(items), linearised per replication; for a
difference between two rates, of the per-replication paired differences (common random numbers).

Each fact also says how far it can test the model (``basis``): *independent* (no input was coded
from it), *partly circular* (some inputs were coded from the same events) or *built in* (the coding
or the rule guarantees it). :data:`PREDICTIONS` are the model's own predictions that the record
(:mod:`sco_sim.case.record`) can contradict, each scored by one criterion fixed before the runs
(:data:`PREDICTIVE_LEVEL`): the model's predictive probability of what the record shows.

Run ``python -m sco_sim.case.validation --replications 2000 --seed 20010615`` for the tables in
``docs/VALIDATION.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..analysis.intervals import mean_ci, paired_ci, ratio_ci
from ..analysis.summary import per_run, periods
from ..engine import RunResults, simulate
from ..inputs.config import Config, build_config
from ..inputs.scenario import load_scenario

REPRODUCED = "reproduced"
PARTLY = "partly"
NOT_REPRODUCED = "not reproduced"
VERDICTS = (REPRODUCED, PARTLY, NOT_REPRODUCED)

# How far a fact can test the model: whether the inputs were coded from the event it describes.
INDEPENDENT = "independent"        # no input was coded from this fact
PARTLY_CIRCULAR = "partly circular"  # some inputs were coded from the same events
BUILT_IN = "built in"              # the coding or the rule guarantees the pattern
BASES = (INDEPENDENT, PARTLY_CIRCULAR, BUILT_IN)

# Verdicts of a prediction scored against the record (section "Predictions the record contradicts").
CONSISTENT = "consistent"
CONTRADICTED = "contradicted"
RECORD_VERDICTS = (CONSISTENT, CONTRADICTED)
PREDICTIVE_LEVEL = 0.05  # fixed before the runs: the record is contradicted if the model gives it < 5 %

DEFAULT_REPLICATIONS = 2000
DEFAULT_SEED = 20010615  # the founding summit, 15 June 2001

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
SCENARIOS = {
    "2+4": "sco_2001_2plus4.toml",
    "3+5": "sco_2017_3plus5.toml",
    "2024": "sco_2024_belarus.toml",
    "history": "sco_history_2001_2025.toml",
}
EXPANSION_MEETING = 17  # India and Pakistan join at meeting 17 (2017) in the history scenario

FACTS_SHEET = "facts sheet (sco-facts.md)"
PAPER = "Xue & Makengo (2021)"


# --------------------------------------------------------------------------------- result types


@dataclass(frozen=True)
class Figure:
    """One number the model produces for a fact, with its interval and what the record says."""

    scenario: str
    label: str
    value: float
    low: float | None = None
    high: float | None = None
    observed: str = ""
    digits: int = 3

    def formatted(self) -> str:
        """``value [low, high]`` with the figure's precision."""
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            return "n/a"
        v = f"{self.value:.{self.digits}f}"
        if self.low is None or self.high is None:
            return v
        return f"{v} [{self.low:.{self.digits}f}, {self.high:.{self.digits}f}]"


@dataclass(frozen=True)
class FactResult:
    """A fact's verdict, the criteria behind it and the figures."""

    id: str
    statement: str
    source: str
    scenarios: tuple[str, ...]
    verdict: str
    reason: str
    figures: tuple[Figure, ...]
    checks: dict[str, bool] = field(default_factory=dict)
    basis: str = ""
    basis_reason: str = ""

    def figure(self, label_start: str, scenario: str | None = None) -> Figure:
        """Return the first figure whose label starts with ``label_start`` (in ``scenario``)."""
        for f in self.figures:
            if f.label.startswith(label_start) and (scenario is None or f.scenario == scenario):
                return f
        raise KeyError(f"{self.id}: no figure {label_start!r} for scenario {scenario!r}")


@dataclass(frozen=True)
class Fact:
    """A stylized fact: where it comes from, which scenarios test it, and how."""

    id: str
    statement: str
    source: str
    scenarios: tuple[str, ...]
    evaluate: Callable[["Runs"], tuple[str, str, list[Figure], dict[str, bool]]]
    basis: str = ""
    basis_reason: str = ""

    def run(self, runs: "Runs") -> FactResult:
        """Compute the figures and the verdict on ``runs``."""
        verdict, reason, figures, checks = self.evaluate(runs)
        if verdict not in VERDICTS + RECORD_VERDICTS:
            raise ValueError(f"{self.id}: unknown verdict {verdict!r}")
        return FactResult(
            self.id,
            self.statement,
            self.source,
            self.scenarios,
            verdict,
            reason,
            tuple(figures),
            dict(checks),
            self.basis,
            self.basis_reason,
        )


def _verdict(all_of: list[bool], any_of: list[bool] | None = None) -> str:
    """Reproduced if every criterion holds, partly if some do, not reproduced if none does."""
    checks = all_of + (any_of or [])
    if all(all_of) and (any_of is None or all(any_of)):
        return REPRODUCED
    if any(checks):
        return PARTLY
    return NOT_REPRODUCED


# ------------------------------------------------------------------------------------ the items


class Items:
    """A run's item table with the per-item quantities the facts need, counted per replication."""

    def __init__(
        self, results: RunResults, first_meeting: int = 1, last_meeting: int | None = None
    ):
        it = results.items
        if it is None or it.empty:
            raise ValueError("validation needs the items table (run with items=True)")
        last = results.config.meetings if last_meeting is None else last_meeting
        it = it[(it["meeting"] >= first_meeting) & (it["meeting"] <= last)]
        self.config = results.config
        self.names = tuple(results.config.names)
        reps = np.sort(results.meetings["replication"].unique())
        self.n_reps = len(reps)
        self.rep = np.searchsorted(reps, it["replication"].to_numpy())
        self.meeting = it["meeting"].to_numpy()
        self.outcome = it["outcome"].to_numpy()
        self.proposer = it["proposer"].to_numpy()
        self.no_consensus = self.outcome != "consensus"
        self.rounds = it["rounds"].to_numpy()
        self.paid = it["payer"].to_numpy() != ""
        codes, uniques = pd.factorize(it["objectors"], use_na_sentinel=False)
        sets = [set(o.split(";")) if o else set() for o in uniques]
        self.objector = {
            name: np.array([name in s for s in sets], dtype=bool)[codes] for name in self.names
        }
        self.n_objectors = np.array([len(s) for s in sets], dtype=np.int64)[codes]
        codes, uniques = pd.factorize(it["issue_area"], use_na_sentinel=False)
        area_sets = [set(a.split("+")) for a in uniques]
        self._area_masks = {
            d: np.array([d in s for s in area_sets], dtype=bool)[codes]
            for d in results.config.dimensions
        }
        self.n_rows = len(it)

    def area(self, name: str) -> np.ndarray:
        """Mask of the items that concern issue area ``name``."""
        return self._area_masks[name]

    def withheld(self, member: str) -> np.ndarray:
        """Items ending without a consensus text with ``member`` among the objectors."""
        return self.no_consensus & self.objector[member]

    def sole(self, member: str) -> np.ndarray:
        """Items ending without a consensus text with ``member`` the only objector."""
        return self.no_consensus & (self.n_objectors == 1) & self.objector[member]

    def count(self, mask: np.ndarray) -> np.ndarray:
        """Per-replication number of items in ``mask``."""
        return np.bincount(self.rep[mask], minlength=self.n_reps).astype(float)

    def rate(
        self, event: np.ndarray, among: np.ndarray | None = None
    ) -> tuple[float, float, float]:
        """Share of the items in ``among`` (default: all) for which ``event`` holds, with its CI."""
        among = np.ones(self.n_rows, dtype=bool) if among is None else among
        return ratio_ci(self.count(event & among), self.count(among))

    def per_rep_rate(self, event: np.ndarray, among: np.ndarray) -> np.ndarray:
        """Per-replication share of ``among`` items with ``event`` (nan where there are none)."""
        den = self.count(among)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, self.count(event & among) / den, np.nan)

    def meeting_share(
        self, event: np.ndarray, among_meetings: np.ndarray | None = None
    ) -> tuple[float, float, float]:
        """Share of meetings with at least one item in ``event``.

        Only meetings with at least one item in ``among_meetings`` count, when it is given.
        """
        m0 = int(self.meeting.min())
        span = int(self.meeting.max()) - m0 + 1
        key = self.rep * span + (self.meeting - m0)
        size = self.n_reps * span
        hit = np.bincount(key[event], minlength=size).reshape(self.n_reps, span) > 0
        if among_meetings is None:
            base = np.bincount(key, minlength=size).reshape(self.n_reps, span) > 0
        else:
            base = np.bincount(key[among_meetings], minlength=size).reshape(self.n_reps, span) > 0
        return ratio_ci((hit & base).sum(axis=1), base.sum(axis=1))


# ------------------------------------------------------------------------------------- the runs


class Runs:
    """Runs of the bundled scenarios (and named counterfactual variants), made once and cached."""

    def __init__(self, replications: int, seed: int, scenario_dir: Path | str | None = None):
        self.replications = int(replications)
        self.seed = int(seed)
        self.scenario_dir = Path(scenario_dir) if scenario_dir is not None else SCENARIO_DIR
        self._configs: dict[str, Config] = {}
        self._results: dict[str, RunResults] = {}
        self._items: dict[tuple, Items] = {}
        self.seconds = 0.0

    def config(self, key: str) -> Config:
        """Return the numeric configuration of a bundled scenario (key of :data:`SCENARIOS`)."""
        if key not in self._configs:
            self._configs[key] = build_config(load_scenario(self.scenario_dir / SCENARIOS[key]))
        return self._configs[key]

    def results(
        self, key: str, variant: str = "", change: Callable[[Config], Config] | None = None
    ) -> RunResults:
        """Results of scenario ``key``, or of a named variant built by ``change`` from it."""
        name = f"{key}|{variant}"
        if name not in self._results:
            cfg = self.config(key)
            if change is not None:
                cfg = change(cfg)
            t0 = time.perf_counter()
            self._results[name] = simulate(cfg, self.replications, self.seed, items=True)
            self.seconds += time.perf_counter() - t0
        return self._results[name]

    def items(
        self,
        key: str,
        first_meeting: int = 1,
        variant: str = "",
        change: Callable[[Config], Config] | None = None,
    ) -> Items:
        """Return the :class:`Items` of a run, optionally from ``first_meeting`` on."""
        name = (key, variant, first_meeting)
        if name not in self._items:
            self._items[name] = Items(self.results(key, variant, change), first_meeting)
        return self._items[name]


def _fig(
    scenario: str, label: str, est: tuple[float, float, float], observed: str = "", digits: int = 3
) -> Figure:
    return Figure(scenario, label, est[0], est[1], est[2], observed, digits)


def _without_rivalries(cfg: Config) -> Config:
    return dataclasses.replace(cfg, rivalry=np.full_like(cfg.rivalry, np.nan))


def _without_side_payments(cfg: Config) -> Config:
    return dataclasses.replace(cfg, side_payments=False)


def _russia_connectivity(value: float) -> Callable[[Config], Config]:
    def change(cfg: Config) -> Config:
        ideal = cfg.ideal.copy()
        ideal[cfg.names.index("Russia"), cfg.dimensions.index("connectivity")] = value
        return dataclasses.replace(cfg, ideal=ideal)

    return change


# ------------------------------------------------------------------------------------ the facts


def _f1(runs: Runs):
    """India most often alone in objecting on connectivity after 2017."""
    figures, checks = [], {}
    for key, first, label in (
        ("3+5", 1, "3+5"),
        ("2024", 1, "2024"),
        ("history", EXPANSION_MEETING, "history, meetings 17-25"),
    ):
        it = runs.items(key, first)
        conn = it.area("connectivity")
        rates = {m: it.rate(it.sole(m), conn) for m in it.names}
        ranked = sorted(rates, key=lambda m: rates[m][0], reverse=True)
        india = rates["India"]
        runner_up = next(m for m in ranked if m != "India")
        nxt = rates[runner_up]
        figures.append(
            _fig(
                label,
                "India: sole objections per connectivity item",
                india,
                "India the member most often alone (BRI paragraph since 2018)",
            )
        )
        figures.append(
            _fig(label, f"next member ({runner_up}): sole objections per connectivity item", nxt)
        )
        all_sole = it.count(it.no_consensus & (it.n_objectors == 1) & conn)
        figures.append(
            _fig(
                label,
                "India's share of all sole objections on connectivity",
                ratio_ci(it.count(it.sole("India") & conn), all_sole),
            )
        )
        checks[f"{label}: India highest, CI above the next member's"] = (
            ranked[0] == "India" and india[1] > nxt[2]
        )
    ok = list(checks.values())
    verdict = _verdict(ok)
    reason = (
        "India is the most frequent sole objector on connectivity items in every post-2017 "
        "configuration, its interval clear of the next member's"
        if verdict == REPRODUCED
        else "India is not the clear most frequent sole objector on connectivity in: "
        + ", ".join(k for k, v in checks.items() if not v)
    )
    return verdict, reason, figures, checks


def _f2(runs: Runs):
    """Check the BRI paragraph: a text of the others without India, every year since 2018."""
    it = runs.items("3+5")
    conn = it.area("connectivity")
    subset = it.outcome == "subset"
    without_india = subset & it.sole("India")
    share_india = it.rate(without_india, conn & subset)
    rate_text = it.rate(without_india, conn)
    rate_none = it.rate(it.outcome == "none", conn)
    rate_cons = it.rate(it.outcome == "consensus", conn)
    meetings = it.meeting_share(without_india & conn, conn)
    none_with_russia = it.rate(it.withheld("Russia"), conn & (it.outcome == "none"))
    figures = [
        _fig(
            "3+5",
            "share of connectivity subset texts issued without India alone",
            share_india,
            "all of them (the BRI paragraph omits only India)",
        ),
        _fig("3+5", "connectivity items ending as a text without India", rate_text),
        _fig("3+5", "connectivity items ending with a consensus text", rate_cons),
        _fig("3+5", "connectivity items ending with no text at all", rate_none),
        _fig(
            "3+5",
            "Russia among the objectors when a connectivity item ends with no text",
            none_with_russia,
            "Russia endorses the BRI paragraph every year",
        ),
        _fig(
            "3+5",
            "meetings with a connectivity item at which a text without India is issued",
            meetings,
            "every summit since 2018 (1.0)",
        ),
    ]
    china = conn & (it.proposer == "China")
    for outcome, label, obs in (
        ("subset", "a text without India", "1.0"),
        ("consensus", "a consensus text", "0 (India never endorses it)"),
        ("none", "no text", "0"),
    ):
        event = (it.outcome == outcome) & (it.sole("India") if outcome == "subset" else True)
        figures.append(
            _fig(
                "3+5",
                f"China-tabled connectivity items ending with {label}",
                it.rate(event, china),
                obs,
            )
        )
    figures.append(
        _fig(
            "3+5",
            "China-tabled connectivity consensus texts India accepted for a side payment",
            it.rate(it.objector["India"] & it.paid, china & (it.outcome == "consensus")),
        )
    )
    cf = runs.items("3+5", variant="russia_conn_0.7", change=_russia_connectivity(0.7))
    cconn = cf.area("connectivity")
    figures.append(
        _fig(
            "3+5, Russia connectivity 0.7 (diagnostic)",
            "meetings with a connectivity item at which a text without India is issued",
            cf.meeting_share((cf.outcome == "subset") & cf.sole("India") & cconn, cconn),
        )
    )
    checks = {
        "India the lone objector on >= 90 % of connectivity subset texts": share_india[0] >= 0.9,
        "a text without India at >= 90 % of meetings with a connectivity item": meetings[0] >= 0.9,
    }
    verdict = _verdict(list(checks.values()))
    reason = (
        f"when a connectivity text is issued without a member it is without India "
        f"({share_india[0]:.1%}), but only {meetings[0]:.0%} of meetings with a connectivity item "
        f"produce such a text: {rate_none[0]:.0%} of connectivity items end with no text, with "
        f"Russia among the objectors in {none_with_russia[0]:.0%} of them"
    )
    return verdict, reason, figures, checks


_AREAS = (
    "alignment",
    "connectivity",
    "counter_terrorism",
    "institutional_deepening",
    "economic_integration",
)


def _area_rates(it: Items, event: np.ndarray) -> dict[str, np.ndarray]:
    return {a: it.per_rep_rate(event, it.area(a)) for a in _AREAS}


def _f3(runs: Runs):
    """Security cooperation passes more readily than economic institution-building."""
    figures, checks = [], {}
    for key in ("2+4", "3+5"):
        it = runs.items(key)
        cons = it.outcome == "consensus"
        for a in ("counter_terrorism", "institutional_deepening", "economic_integration"):
            figures.append(_fig(key, f"consensus rate, {a}", it.rate(cons, it.area(a))))
        for a in ("counter_terrorism", "institutional_deepening", "economic_integration"):
            figures.append(
                _fig(
                    key,
                    f"adoption rate (consensus or subset text), {a}",
                    it.rate(it.outcome != "none", it.area(a)),
                )
            )
        per = _area_rates(it, cons)
        for other in ("institutional_deepening", "economic_integration"):
            d = paired_ci(per["counter_terrorism"], per[other])
            figures.append(
                _fig(
                    key,
                    f"consensus rate difference counter_terrorism - {other}",
                    d,
                    "> 0 (security the most cohesive area)",
                )
            )
            checks[f"{key}: counter_terrorism above {other}"] = d[1] > 0
    verdict = _verdict(list(checks.values()))
    reason = (
        "counter-terrorism items reach a consensus text more often than institutional and "
        "economic items both among the founders and in 3+5"
        if verdict == REPRODUCED
        else "counter-terrorism does not pass more readily in: "
        + ", ".join(k for k, v in checks.items() if not v)
    )
    return verdict, reason, figures, checks


def _f4(runs: Runs):
    """Check the stalled development bank and FTZ, and Russian reluctance on the bank."""
    figures, checks, num = [], {}, {}
    for key in ("2+4", "3+5"):
        it = runs.items(key)
        cons = it.outcome == "consensus"
        econ = it.area("economic_integration")
        stall_figures, below_mean, lowest = _economic_stall(key, it, cons, econ)
        china_figures, failed, russia, softened, china_sole = _china_economic_items(key, it, cons, econ)
        figures += stall_figures + china_figures
        checks[f"{key}: economic_integration below the other areas' mean consensus rate"] = below_mean
        checks[
            f"{key}: China's economic proposals stall (>= 50 % without consensus text) with Russia "
            "objecting (>= 50 % of those)"
        ] = failed[0] >= 0.5 and russia[0] >= 0.5
        num[key] = (failed[0], russia[0], softened[0], china_sole[0], lowest)
    diagnostic, cf_failed = _economic_without_side_payments(runs)
    figures += diagnostic
    stall = [v for k, v in checks.items() if "mean consensus" in k]
    russia_ok = [v for k, v in checks.items() if "Russia objecting" in k]
    verdict = NOT_REPRODUCED if not any(stall) else _verdict(stall + russia_ok)
    return verdict, _f4_reason(verdict, num, cf_failed), figures, checks


def _economic_stall(key: str, it: Items, cons: np.ndarray, econ: np.ndarray):
    """F4: economic integration's consensus rate against the other areas' (figures, below their mean, lowest)."""
    per = _area_rates(it, cons)
    figures = [_fig(key, "consensus rate, economic_integration", it.rate(cons, econ))]
    others = [a for a in _AREAS if a != "economic_integration"]
    mean_others = np.nanmean(np.stack([per[a] for a in others]), axis=0)
    d = paired_ci(per["economic_integration"], mean_others)
    figures.append(
        _fig(
            key,
            "consensus rate difference economic_integration - mean of the other four areas",
            d,
            "< 0 (stalled)",
        )
    )
    lowest = True
    for other in others:
        dd = paired_ci(per["economic_integration"], per[other])
        figures.append(
            _fig(key, f"consensus rate difference economic_integration - {other}", dd)
        )
        lowest &= dd[2] < 0
    return figures, d[2] < 0, lowest


def _china_economic_items(key: str, it: Items, cons: np.ndarray, econ: np.ndarray):
    """F4: how China's economic proposals end, who objects, and whose sole objections stall the area.

    Returns the figures, the share failed, Russia's share among the objectors, the share softened
    by concessions or a side payment, and China's share of the sole objections.
    """
    china = econ & (it.proposer == "China")
    failed = it.rate(it.no_consensus, china)
    russia = it.rate(it.objector["Russia"], china & it.no_consensus)
    softened = ratio_ci(
        it.count(china & cons & ((it.rounds > 0) | it.paid)), it.count(china & cons)
    )
    figures = [
        _fig(
            key,
            "China-tabled economic items ending without a consensus text",
            failed,
            "China's proposals stalled for years",
        ),
        _fig(
            key,
            "Russia among the objectors when they do",
            russia,
            "Russian reluctance on the bank",
        ),
        _fig(
            key,
            "China-tabled economic consensus texts reached only after concessions "
            "or a side payment",
            softened,
        ),
    ]
    sole_all = it.count(econ & it.no_consensus & (it.n_objectors == 1))
    shares = {m: ratio_ci(it.count(it.sole(m) & econ), sole_all) for m in ("Russia", "China")}
    for m, est in shares.items():
        figures.append(_fig(key, f"{m}'s share of sole objections on economic items", est))
    return figures, failed, russia, softened, shares["China"]


def _economic_without_side_payments(runs: Runs):
    """F4's diagnostic: the founders' China-tabled economic items with side payments switched off."""
    cf = runs.items("2+4", variant="no_side_payments", change=_without_side_payments)
    china = cf.area("economic_integration") & (cf.proposer == "China")
    cf_failed = cf.rate(cf.no_consensus, china)
    figures = [
        _fig(
            "2+4, no side payments (diagnostic)",
            "China-tabled economic items ending without a consensus text",
            cf_failed,
        ),
        _fig(
            "2+4, no side payments (diagnostic)",
            "Russia the sole objector on them",
            cf.rate(cf.sole("Russia"), china & cf.no_consensus),
        ),
    ]
    return figures, cf_failed


def _f4_reason(verdict: str, num: dict[str, tuple], cf_failed) -> str:
    """F4's reason, from each configuration's (failed, Russia, softened, China's sole share, lowest)."""
    if verdict == REPRODUCED:
        return "economic integration stalls, and China's proposals fail with Russia objecting"
    f24, f35 = num["2+4"], num["3+5"]
    low = (
        "the lowest consensus rate of the five areas in both configurations"
        if f24[4] and f35[4]
        else "a consensus rate below the other areas' mean"
    )
    return (
        f"economic integration has {low}; in 3+5 China's "
        f"economic items end without a consensus text {f35[0]:.0%} of the time, Russia objecting "
        f"in {f35[1]:.0%} of those, but among the founders only {f24[0]:.0%}: there "
        f"{f24[2]:.0%} of them pass after concessions or a side payment (without side payments "
        f"{cf_failed[0]:.0%} fail), and the founders' economic deadlocks are China's own lone "
        f"objections to others' texts ({f24[3]:.0%} of sole objections)"
    )


def _f5(runs: Runs):
    """India withholds consent on security texts (2025 defence ministers, no communiqué)."""
    it = runs.items("2024")
    ct = it.area("counter_terrorism")
    rates = {m: it.rate(it.sole(m), ct) for m in it.names}
    ranked = sorted(rates, key=lambda m: rates[m][0], reverse=True)
    runner_up = next(m for m in ranked if m != "India")
    india_sole = it.sole("India") & ct
    figures = [
        _fig(
            "2024",
            "India withholds consent, per counter_terrorism item",
            it.rate(it.withheld("India"), ct),
        ),
        _fig(
            "2024",
            "Pakistan withholds consent, per counter_terrorism item",
            it.rate(it.withheld("Pakistan"), ct),
        ),
        _fig(
            "2024",
            "India: sole objections per counter_terrorism item",
            rates["India"],
            "India withheld consent alone (June 2025)",
        ),
        _fig(
            "2024",
            f"next member ({runner_up}): sole objections per counter_terrorism item",
            rates[runner_up],
        ),
        _fig(
            "2024",
            "India's share of all sole objections on counter_terrorism",
            ratio_ci(it.count(india_sole), it.count(ct & it.no_consensus & (it.n_objectors == 1))),
        ),
        _fig(
            "2024",
            "meetings with a counter_terrorism item ending without a consensus text",
            it.meeting_share(ct & it.no_consensus, ct),
        ),
        _fig(
            "2024",
            "meetings with a counter_terrorism item ending with no text, India objecting",
            it.meeting_share(ct & (it.outcome == "none") & it.objector["India"], ct),
        ),
        _fig(
            "2024",
            "India's sole objections on counter_terrorism that end with no text at all",
            it.rate(it.outcome == "none", india_sole),
            "1.0 (no communiqué was issued)",
        ),
        _fig(
            "2024",
            "India's sole objections on counter_terrorism on a text tabled by a rival",
            it.rate(np.isin(it.proposer, ["China", "Pakistan"]), india_sole),
        ),
        _fig(
            "2024",
            "Pakistan's withheld consents on counter_terrorism on a text tabled by India",
            it.rate(it.proposer == "India", it.withheld("Pakistan") & ct),
        ),
    ]
    no_text = it.rate(it.outcome == "none", india_sole)[0]
    india_first = ranked[0] == "India" and rates["India"][1] > rates[runner_up][2]
    checks = {
        "India the most frequent sole objector on counter_terrorism, CI above the next member's": (
            india_first
        ),
        "India's sole objections end with no text (>= 50 %)": no_text >= 0.5,
    }
    verdict = _verdict(list(checks.values()))
    rival_share = it.rate(np.isin(it.proposer, ["China", "Pakistan"]), india_sole)[0]
    pak_on_india = it.rate(it.proposer == "India", it.withheld("Pakistan") & ct)[0]
    reason = (
        f"India is the most frequent lone objector on counter-terrorism items "
        f"({rates['India'][0]:.3f} per item, {runner_up} {rates[runner_up][0]:.3f}), "
        f"{rival_share:.0%} of them on texts tabled by a rival; but {1 - no_text:.0%} of its lone "
        "objections end in a text of the others (subset_texts = 1), not, as in June 2025, with no "
        "text at all; and Pakistan withholds consent on more counter-terrorism items in all "
        f"({pak_on_india:.0%} of them on India's own drafts)"
    )
    if verdict == REPRODUCED:
        reason = "India withholds consent alone on security texts and no text is issued"
    return verdict, reason, figures, checks


def _f6(runs: Runs):
    """Expansion lowered consensus."""
    base, exp = per_run(runs.results("2+4")), per_run(runs.results("3+5"))
    figures = [
        _fig("2+4", "consensus rate", mean_ci(base["consensus_rate"].to_numpy())),
        _fig("3+5", "consensus rate", mean_ci(exp["consensus_rate"].to_numpy())),
        _fig(
            "3+5 - 2+4",
            "consensus rate, paired difference",
            paired_ci(exp["consensus_rate"].to_numpy(), base["consensus_rate"].to_numpy()),
            "< 0 (expansion made consensus harder)",
        ),
        _fig(
            "3+5 - 2+4",
            "adoption rate (consensus or subset text), paired difference",
            paired_ci(exp["adoption_rate"].to_numpy(), base["adoption_rate"].to_numpy()),
        ),
    ]
    ps = periods(runs.results("history"))
    for p in ps:
        label = f"history, meetings {p['first_meeting']}-{p['last_meeting']}"
        ci = p["consensus_rate_ci95"]
        figures.append(
            Figure(
                label,
                f"consensus rate ({p['members_present']} members)",
                p["consensus_rate"],
                ci[0],
                ci[1],
            )
        )
    before, after = ps[0], ps[1]
    checks = {
        "paired difference 3+5 - 2+4 below 0": figures[2].high < 0,
        "history: consensus after 2017 below before (CIs apart)": after["consensus_rate_ci95"][1]
        < before["consensus_rate_ci95"][0],
    }
    verdict = _verdict(list(checks.values()))
    reason = (
        f"the consensus rate falls from {figures[0].value:.2f} (2+4) to {figures[1].value:.2f} "
        f"(3+5), and from {before['consensus_rate']:.2f} to {after['consensus_rate']:.2f} at "
        "meeting 17 of the history run"
    )
    return verdict, reason, figures, checks


OBSERVED_DOCUMENTS = (11, 31)  # facts sheet: 2023 New Delhi 11 ... 2021 Dushanbe declaration + 30


def _f7(runs: Runs):
    """Documents adopted per summit (11 to about 31, depending on counting)."""
    figures, checks = [], {}
    for key, first in (("3+5", 1), ("2024", 1), ("history", EXPANSION_MEETING + 1)):
        m = runs.results(key).meetings
        m = m[m["meeting"] >= first]
        per = m.groupby("replication")["adopted"].mean().to_numpy()
        label = key if first == 1 else f"{key}, meetings {first}-{runs.config(key).meetings}"
        figures.append(
            _fig(
                label,
                "texts adopted per meeting (consensus + subset)",
                mean_ci(per),
                "11-31 documents per summit (2018-2025)",
                digits=2,
            )
        )
        figures.append(
            Figure(
                label,
                "most texts adopted at any meeting",
                float(m["adopted"].max()),
                observed="",
                digits=0,
            )
        )
        figures.append(
            Figure(
                label,
                "items per meeting (assumption)",
                float(runs.config(key).items_per_meeting),
                digits=0,
            )
        )
        checks[f"{key}: mean texts per meeting within 11-31"] = (
            OBSERVED_DOCUMENTS[0] <= figures[-3].value <= OBSERVED_DOCUMENTS[1]
        )
    verdict = _verdict(list(checks.values()))
    reason = (
        "not comparable: the model's texts per meeting are capped by items_per_meeting = 8 (an "
        "assumption about items tabled, not documents adopted), so it cannot reach the 11-31 "
        "documents of a summit; the model's item is closer to a contested paragraph or decision "
        "than to a document"
    )
    return verdict, reason, figures, checks


def _f8(runs: Runs):
    """Check the June 2025 statement on Israel's strikes on Iran, issued without India's backing."""
    it = runs.items("2024")
    al = it.area("alignment")
    subset = it.outcome == "subset"
    india_text = subset & it.sole("India") & al
    share = it.rate(it.sole("India"), al & subset)
    rate = it.rate(india_text, al)
    rival = it.rate(np.isin(it.proposer, ["China", "Pakistan"]), it.sole("India") & al)
    cf = runs.items("2024", variant="no_rivalries", change=_without_rivalries)
    cf_rate = cf.rate((cf.outcome == "subset") & cf.sole("India"), cf.area("alignment"))
    figures = [
        _fig(
            "2024",
            "share of alignment subset texts issued without India alone",
            share,
            "the statement was issued without India",
        ),
        _fig("2024", "alignment items ending as a text without India", rate),
        _fig(
            "2024",
            "meetings with an alignment item at which a text without India is issued",
            it.meeting_share(india_text, al),
        ),
        _fig(
            "2024",
            "India's sole objections on alignment on a text tabled by a rival (China, Pakistan)",
            rival,
        ),
        _fig(
            "2024, no rivalries (diagnostic)",
            "alignment items ending as a text without India",
            cf_rate,
        ),
    ]
    checks = {
        "alignment texts without India occur (>= 1 % of alignment items)": rate[0] >= 0.01,
        "India the lone objector on >= 90 % of alignment subset texts": share[0] >= 0.9,
        "India objects to alignment texts on substance (< 90 % of its sole objections on a rival's "
        "text)": rival[0] < 0.9,
    }
    verdict = _verdict(list(checks.values()))
    reason = (
        f"the model issues alignment texts without India ({rate[0]:.1%} of alignment items, India "
        f"the lone objector on {share[0]:.0%} of alignment subset texts), but {rival[0]:.0%} of "
        "India's lone objections are on texts tabled by a rival: the rivalry margin, not India's "
        f"alignment position, produces them (without rivalries: {cf_rate[0]:.1%})"
        if verdict == PARTLY
        else "see checks"
    )
    return verdict, reason, figures, checks


def _f9(runs: Runs):
    """Check that the organisation still adopts texts at every summit after expansion."""
    figures, checks = [], {}
    for key, first in (("3+5", 1), ("2024", 1), ("history", EXPANSION_MEETING)):
        m = runs.results(key).meetings
        m = m[m["meeting"] >= first]
        label = key if first == 1 else f"{key}, meetings {first}-{runs.config(key).meetings}"
        per = m.assign(ok=m["consensus"] > 0).groupby("replication")["ok"].mean().to_numpy()
        est = mean_ci(per)
        figures.append(
            _fig(
                label,
                "meetings with at least one consensus text",
                est,
                "every summit (a declaration signed by all)",
            )
        )
        checks[f"{key}: >= 99 % of meetings adopt a consensus text"] = est[0] >= 0.99
    h = periods(runs.results("history"))
    ratio = h[1]["throughput"] / h[0]["throughput"]
    figures.append(
        Figure(
            "history",
            "throughput after 2017 / before",
            ratio,
            observed="falls but does not collapse",
        )
    )
    checks["history: throughput after 2017 at least half of before"] = ratio >= 0.5
    verdict = _verdict(list(checks.values()))
    reason = (
        "a consensus text is adopted at practically every meeting; "
        "throughput falls but does not collapse"
    )
    return verdict, reason, figures, checks


FIRST_SUBSET_TEXT_MEETING = (
    18  # the 2018 Qingdao declaration: the first text without a member on record
)


def _subset_rate(results: RunResults, first: int, last: int) -> tuple[float, float, float]:
    m = results.meetings
    m = m[(m["meeting"] >= first) & (m["meeting"] <= last)]
    per = m.groupby("replication")[["subset_texts", "items"]].sum()
    return ratio_ci(per["subset_texts"].to_numpy(), per["items"].to_numpy())


def _f10(runs: Runs):
    """Texts without a member are a workaround of the enlarged SCO (none on record before 2018)."""
    last_before = FIRST_SUBSET_TEXT_MEETING - 1
    total = runs.config("history").meetings
    h = runs.results("history")
    before = _subset_rate(h, 1, last_before)
    after = _subset_rate(h, FIRST_SUBSET_TEXT_MEETING, total)
    cfg = runs.config("history")
    cf = runs.results(
        "history", "subset_texts_from_1", lambda c: dataclasses.replace(c, subset_texts_from=1)
    )
    cf_before = _subset_rate(cf, 1, last_before)
    b_label = f"history, meetings 1-{last_before}"
    figures = [
        _fig(
            b_label,
            "items ending as a text without a member",
            before,
            "0 (no such text before 2018 in the sources)",
        ),
        _fig(
            f"history, meetings {FIRST_SUBSET_TEXT_MEETING}-{total}",
            "items ending as a text without a member",
            after,
            "> 0 (BRI paragraph, Iran statement)",
        ),
        Figure("history", "rule.subset_texts_from (input)", float(cfg.subset_texts_from), digits=0),
        _fig(
            f"{b_label}, subset texts from meeting 1 (diagnostic)",
            "items ending as a text without a member",
            cf_before,
        ),
    ]
    first = FIRST_SUBSET_TEXT_MEETING
    checks = {
        f"history: no texts without a member in meetings 1-{last_before} (< 0.5 % of items)": (
            before[0] < 0.005
        ),
        f"history: texts without a member from meeting {first} (>= 1 % of items)": after[0] >= 0.01,
    }
    verdict = _verdict(list(checks.values()))
    if verdict == REPRODUCED:
        reason = (
            f"no text without a member before 2018 and {after[0]:.1%} of items from 2018 on; by "
            f"construction, since the history file sets subset_texts_from = "
            f"{cfg.subset_texts_from} (with subset texts from 2001, "
            f"{cf_before[0]:.1%} of the founders' items would end as one)"
        )
    else:
        reason = (
            f"{before[0]:.1%} of items in meetings 1-{last_before} end as a text without a "
            f"member, which the sources do not record before 2018; {after[0]:.1%} from 2018 on"
        )
    return verdict, reason, figures, checks


FACTS: tuple[Fact, ...] = (
    Fact(
        "F1",
        "After 2017 India is the member most often alone in objecting on connectivity "
        "(Belt and Road) items.",
        f"{FACTS_SHEET}, 'Observed blockages': BRI paragraph names every member except India since "
        f"2018; {PAPER} sec. 4.3",
        ("3+5", "2024", "history"),
        _f1,
        basis=PARTLY_CIRCULAR,
        basis_reason=(
            "India's connectivity position (0.1, salience 2) was coded from the record that the "
            "Belt and Road paragraph omits India since 2018: the fact that India objects is an "
            "input; only that it is the most frequent lone objector is tested"
        ),
    ),
    Fact(
        "F2",
        "The Belt and Road paragraph is issued every year since 2018 as a text of all members "
        "except India.",
        f"{FACTS_SHEET}, 'Observed blockages'",
        ("3+5",),
        _f2,
        basis=PARTLY_CIRCULAR,
        basis_reason=(
            "India's connectivity coding and the 3+5 file's subset-text rule were both taken from"
            " the Belt and Road paragraph without India; what is tested is how often the "
            "paragraph appears, not that it can"
        ),
    ),
    Fact(
        "F3",
        "Security (counter-terrorism) cooperation passes more readily than economic "
        "institution-building.",
        f"{PAPER} sec. 3.3 (security 'the most cohesive and vigorous area'), sec. 5.2; "
        f"{FACTS_SHEET} (bank and FTZ stalled)",
        ("2+4", "3+5"),
        _f3,
        basis=BUILT_IN,
        basis_reason=(
            "every founder is coded 0.5 on counter_terrorism and the status quo starts there, so "
            "founders' security items fail only through drafting noise; the 2+4 half of the fact "
            "follows from the coding"
        ),
    ),
    Fact(
        "F4",
        "China's proposals for a development bank and a free-trade zone stalled for years; "
        "Russian reluctance on the bank.",
        f"{FACTS_SHEET}, 'Observed blockages'",
        ("2+4", "3+5"),
        _f4,
        basis=PARTLY_CIRCULAR,
        basis_reason=(
            "Russia's economic position (0.3, salience 2) was coded from its reported reluctance "
            "on the bank; China's 0.9 from its own proposals"
        ),
    ),
    Fact(
        "F5",
        "India withholds consent on security texts: the June 2025 defence ministers' meeting "
        "ended without a joint communiqué.",
        f"{FACTS_SHEET}, 'Observed blockages'",
        ("2024",),
        _f5,
        basis=PARTLY_CIRCULAR,
        basis_reason=(
            "India's counter_terrorism position (0.9, salience 2) was coded from the June 2025 "
            "communique it blocked"
        ),
    ),
    Fact(
        "F6",
        "Expansion (2017) made consensus harder.",
        f"{PAPER} sec. 4.3 ('2 + 4' -> '3 + 5'), sec. 4.2 (consensus 'greatly limits the "
        "decision-making efficiency')",
        ("2+4", "3+5", "history"),
        _f6,
        basis=BUILT_IN,
        basis_reason=(
            "under unanimity an added member can only add objectors to a given draft, and India "
            "and Pakistan are coded outside the founders' range; the direction is guaranteed, "
            "only the size is informative"
        ),
    ),
    Fact(
        "F7",
        "Summits adopt 11 to about 31 documents each (2018-2025; counting conventions differ).",
        f"{FACTS_SHEET}, documents adopted per summit",
        ("3+5", "2024", "history"),
        _f7,
        basis=INDEPENDENT,
        basis_reason=(
            "no input was coded from the documents adopted per summit (items_per_meeting is an "
            "assumption about items tabled); the one quantitative target, fitted by sco-sim "
            "calibrate on 2001-2017 and predicted for 2018-2025"
        ),
    ),
    Fact(
        "F8",
        "June 2025: an SCO statement on Israel's strikes on Iran was issued without India's "
        "backing.",
        f"{FACTS_SHEET}, 'Observed blockages'",
        ("2024",),
        _f8,
        basis=PARTLY_CIRCULAR,
        basis_reason=(
            "the 3+5 file's subset-text rule cites this statement, and India's positions and "
            "rivalries were coded from the same record"
        ),
    ),
    Fact(
        "F9",
        "The organisation still adopts texts, including a declaration of all members, at "
        "every summit after expansion: throughput falls but does not collapse.",
        f"{FACTS_SHEET}, documents per summit; docs/MODEL.md pattern 4",
        ("3+5", "2024", "history"),
        _f9,
        basis=INDEPENDENT,
        basis_reason=(
            "not used in any coding, but weak: with 8 items per meeting and a deadlock rate well "
            "under one half, a consensus text at every meeting is almost certain in any "
            "configuration"
        ),
    ),
    Fact(
        "F10",
        "Texts without a member are a workaround of the enlarged SCO: none is on record before "
        "2018.",
        f"{FACTS_SHEET}, 'Observed blockages and workarounds after "
        "2017' (the first, the BRI paragraph, from 2018)",
        ("history",),
        _f10,
        basis=BUILT_IN,
        basis_reason=(
            "the history file sets rule.subset_texts_from = 18 from the year the record's first "
            "text without a member appears"
        ),
    ),
)



# ------------------------------------------------------------ predictions the record contradicts
#
# Each prediction is scored the same way, with the criterion fixed before the runs: the statistic
# the record gives (a count or a share over the history scenario's summits) is set against the
# model's predictive distribution of the same statistic over replications. The record CONTRADICTS
# the model if the model gives the record's value a probability under PREDICTIVE_LEVEL (a count of
# zero) or puts it outside its central 1 - 2 * PREDICTIVE_LEVEL range (a share). The record lists
# what the sources report, so an item ending with no text may be invisible in it: for the counts
# the figures also give the items ending as a text without the member, which the record would show.

FOUNDERS_LAST_MEETING = EXPANSION_MEETING - 1  # 2016 Tashkent, the last summit of the six alone
ENLARGED_FIRST_MEETING = FIRST_SUBSET_TEXT_MEETING  # 2018 Qingdao, the first summit after accession


def _record_outside(member: str, first: int, last: int) -> tuple[int, int]:
    """Heads-of-state texts without ``member`` and documents adopted, at summits first..last.

    Documents are summed over the summits whose count is sourced, and so are the texts.
    """
    from .record import summits

    s = summits()
    s = s[(s["meeting"] >= first) & (s["meeting"] <= last) & s["documents"].notna()]
    texts = 0
    for names, outside in zip(s["texts_without_member"], s["outside"]):
        if member in outside:
            texts += len([t for t in str(names).split(";") if t.strip()])
    return texts, int(s["documents"].sum())


def _record_summit_texts_without(member: str, first: int, last: int) -> int:
    """Heads-of-state texts issued without ``member`` at summits first..last (all summits)."""
    from .record import summits

    s = summits()
    s = s[(s["meeting"] >= first) & (s["meeting"] <= last)]
    return sum(
        len([t for t in str(names).split(";") if t.strip()])
        for names, outside in zip(s["texts_without_member"], s["outside"])
        if member in outside
    )


def _record_withheld(member: str, first_year: int, last_year: int) -> int:
    """Known blockages or texts without ``member``, at any SCO body, in the years given."""
    from .record import blockages

    b = blockages()
    years = b["date"].dt.year
    mask = (years >= first_year) & (years <= last_year)
    return int(sum(member in w for w in b.loc[mask, "withheld_by"]))


def _zero_count(
    it: Items, event: np.ndarray, label: str, scenario: str, observed: str
) -> tuple[Figure, float]:
    """The model's mean count of ``event`` items per run and its probability of none at all."""
    counts = it.count(event)
    p_zero = float(np.mean(counts == 0))
    return (
        Figure(scenario, label, float(counts.mean()), float(np.quantile(counts, 0.05)),
               float(np.quantile(counts, 0.95)), observed, digits=2),
        p_zero,
    )


def _p1(runs: Runs):
    """Pakistan: the model has it object to counter-terrorism items the record never shows."""
    last = runs.config("history").meetings
    it = Items(runs.results("history"), ENLARGED_FIRST_MEETING, last)
    ct = it.area("counter_terrorism")
    scenario = f"history, meetings {ENLARGED_FIRST_MEETING}-{last}"
    record = _record_withheld("Pakistan", 2017, 2025)
    count, p_zero = _zero_count(
        it, it.withheld("Pakistan") & ct,
        "counter_terrorism items Pakistan withholds consent on, per run (5-95 %)", scenario,
        f"{record} (no blockage or text without Pakistan at any body, 2017-2025)")
    texts, p_zero_texts = _zero_count(
        it, it.withheld("Pakistan") & ct & (it.outcome == "subset"),
        "counter_terrorism texts issued without Pakistan, per run (5-95 %)", scenario, f"{record}")
    figures = [
        _fig(scenario, "share of counter_terrorism items Pakistan withholds consent on",
             it.rate(it.withheld("Pakistan"), ct), "0"),
        _fig("3+5", "share of counter_terrorism items Pakistan withholds consent on",
             runs.items("3+5").rate(runs.items("3+5").withheld("Pakistan"),
                                    runs.items("3+5").area("counter_terrorism")), "0"),
        count,
        Figure(scenario, "model probability of the record's count (none)", p_zero, digits=3),
        texts,
        Figure(scenario, "model probability of no such text", p_zero_texts, digits=3),
    ]
    checks = {
        f"history 2018-2025: model gives no Pakistani withholding on counter_terrorism "
        f">= {PREDICTIVE_LEVEL:.0%} probability": record == 0 and p_zero >= PREDICTIVE_LEVEL,
    }
    verdict = CONSISTENT if all(checks.values()) else CONTRADICTED
    reason = (
        f"the model has Pakistan withhold consent on {figures[0].value:.0%} of counter_terrorism "
        f"items after 2017 ({count.value:.1f} items per run) and gives the record's none a "
        f"probability of {p_zero:.3f}; the record shows {record}"
    )
    return verdict, reason, figures, checks


def _p2(runs: Runs):
    """India: the model has it withhold consent on far more texts than the record shows."""
    last = runs.config("history").meetings
    first = ENLARGED_FIRST_MEETING
    it = Items(runs.results("history"), first, last)
    scenario = f"history, meetings {first}-{last}"
    texts, documents = _record_outside("India", first, last)
    record_share = texts / documents
    per_rep = it.per_rep_rate(it.withheld("India"), np.ones(it.n_rows, dtype=bool))
    low, high = np.nanquantile(per_rep, [PREDICTIVE_LEVEL, 1 - PREDICTIVE_LEVEL])
    per_meeting = it.count(it.withheld("India")) / (last - first + 1)
    n_summits = int((last - first + 1))
    figures = [
        Figure(scenario, "share of all items India withholds consent on (90 % predictive)",
               float(np.nanmean(per_rep)), float(low), float(high),
               f"{record_share:.3f} ({texts} heads-of-state texts without India / {documents} "
               "documents at the summits with a sourced count)"),
        _fig("3+5", "share of all items India withholds consent on",
             runs.items("3+5").rate(runs.items("3+5").withheld("India")), ""),
        Figure(scenario, "items India withholds consent on, per meeting",
               float(per_meeting.mean()), float(np.quantile(per_meeting, 0.05)),
               float(np.quantile(per_meeting, 0.95)),
               f"{_record_summit_texts_without('India', first, last) / n_summits:.2f} "
               "heads-of-state texts without India per summit (diagnostic: items are fewer than "
               "documents)", digits=2),
    ]
    checks = {
        "history 2018-2025: the record's share inside the model's 90 % predictive range":
            bool(low <= record_share <= high),
    }
    verdict = CONSISTENT if all(checks.values()) else CONTRADICTED
    reason = (
        f"the model has India withhold consent on {figures[0].value:.0%} of all items after 2017 "
        f"(90 %: {low:.0%}-{high:.0%}); the record's texts without India are {record_share:.1%} "
        "of the documents adopted"
    )
    return verdict, reason, figures, checks


def _p3(runs: Runs):
    """China: the model makes it the founders' lone blocker; the record shows Russia, once."""
    it = Items(runs.results("history"), 1, FOUNDERS_LAST_MEETING)
    scenario = f"history, meetings 1-{FOUNDERS_LAST_MEETING}"
    record_china = _record_withheld("China", 2001, 2016)
    record_russia = _record_withheld("Russia", 2001, 2016)
    count, p_zero = _zero_count(
        it, it.sole("China"), "items China alone blocks, per run (5-95 %)", scenario,
        f"{record_china} (the founders' one blockage on record is Russia's, the bank)")
    all_sole = it.count(it.no_consensus & (it.n_objectors == 1))
    share = ratio_ci(it.count(it.sole("China")), all_sole)
    it24 = runs.items("2+4")
    share24 = ratio_ci(it24.count(it24.sole("China")),
                       it24.count(it24.no_consensus & (it24.n_objectors == 1)))
    figures = [
        _fig(scenario, "China's share of the founders' lone objections", share,
             f"{record_china} of {record_china + record_russia}"),
        _fig("2+4", "China's share of the founders' lone objections", share24, ""),
        count,
        Figure(scenario, "model probability of the record's count (none)", p_zero, digits=3),
        Figure(scenario, "Russia: items it alone blocks, per run",
               float(it.count(it.sole("Russia")).mean()), observed=f"{record_russia}", digits=2),
    ]
    checks = {
        f"history 2001-2016: model gives China no lone block >= {PREDICTIVE_LEVEL:.0%} "
        "probability": record_china == 0 and p_zero >= PREDICTIVE_LEVEL,
    }
    verdict = CONSISTENT if all(checks.values()) else CONTRADICTED
    reason = (
        f"the model makes China {share[0]:.0%} of the founders' lone objections "
        f"({count.value:.1f} items per run in 2001-2016) and gives the record's none a "
        f"probability of {p_zero:.3f}; the record's one founders' blockage is Russia's"
    )
    return verdict, reason, figures, checks


PREDICTIONS: tuple[Fact, ...] = (
    Fact(
        "P1",
        "The model predicts Pakistan withholding consent on a large share of counter-terrorism "
        "items; the record shows no blockage and no text without Pakistan.",
        "sco_sim.case.record.blockages() (2017-2025); docs/DATA.md section 5",
        ("history", "3+5"),
        _p1,
        basis=INDEPENDENT,
        basis_reason=(
            "Pakistan's counter_terrorism position was coded as the other side of India's "
            "demand, not from any Pakistani blockage; the record of none was not used"
        ),
    ),
    Fact(
        "P2",
        "The model predicts India withholding consent on a large share of all items; the record "
        "shows it outside about one text a summit.",
        "sco_sim.case.record.summits() and blockages() (2018-2025)",
        ("history", "3+5"),
        _p2,
        basis=PARTLY_CIRCULAR,
        basis_reason=(
            "India's positions were coded from the texts it stood outside, but not their number"
        ),
    ),
    Fact(
        "P3",
        "The model predicts China the founders' lone blocker; the record shows China never "
        "blocking among the founders (the stalled development bank was Russia's reluctance).",
        "sco_sim.case.record.blockages() (2001-2016)",
        ("history", "2+4"),
        _p3,
        basis=INDEPENDENT,
        basis_reason=(
            "China's positions were coded from its own proposals (BRI, bank, FTZ), not from "
            "who blocked what"
        ),
    ),
)


def run_predictions(
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = DEFAULT_SEED,
    scenario_dir: Path | str | None = None,
) -> list[FactResult]:
    """Run the history and bundled scenarios and score every prediction against the record."""
    runs = Runs(replications, seed, scenario_dir)
    return [f.run(runs) for f in PREDICTIONS]


def run_validation(
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = DEFAULT_SEED,
    facts: tuple[str, ...] | None = None,
    scenario_dir: Path | str | None = None,
) -> list[FactResult]:
    """Run the bundled scenarios (compiled engine) and evaluate every fact (or ``facts``)."""
    runs = Runs(replications, seed, scenario_dir)
    chosen = [f for f in FACTS if facts is None or f.id in facts]
    return [f.run(runs) for f in chosen]


def validation_table(results: list[FactResult]) -> pd.DataFrame:
    """One row per figure: fact, scenario, figure, model value with CI, observed, verdict."""
    rows = []
    for r in results:
        for f in r.figures:
            rows.append(
                {
                    "fact": r.id,
                    "scenario": f.scenario,
                    "figure": f.label,
                    "model": f.formatted(),
                    "observed": f.observed,
                    "verdict": r.verdict,
                    "value": f.value,
                    "ci_low": f.low,
                    "ci_high": f.high,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "fact",
            "scenario",
            "figure",
            "model",
            "observed",
            "verdict",
            "value",
            "ci_low",
            "ci_high",
        ],
    )


def verdict_table(results: list[FactResult]) -> pd.DataFrame:
    """One row per fact: statement, source, scenarios, verdict and the reason with its numbers."""
    return pd.DataFrame(
        [
            {
                "fact": r.id,
                "statement": r.statement,
                "source": r.source,
                "scenarios": ", ".join(r.scenarios),
                "verdict": r.verdict,
                "reason": r.reason,
            }
            for r in results
        ]
    )


def _md(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in df.iterrows():
        out.append("| " + " | ".join(str(row[c]).replace("|", "\\|") for c in cols) + " |")
    return "\n".join(out)


def markdown(results: list[FactResult]) -> str:
    """Render the verdict table and, per fact, its figures and checks, as Markdown."""
    parts = ["| fact | verdict | basis | reason |", "|---|---|---|---|"]
    for r in results:
        parts.append(f"| {r.id} | {r.verdict} | {r.basis} | {r.reason} |")
    table = validation_table(results)
    for r in results:
        parts.append(f"\n### {r.id}: {r.verdict} ({r.basis})\n")
        if r.basis_reason:
            parts.append(f"Basis: {r.basis_reason}.\n")
        sub = table[table["fact"] == r.id][["scenario", "figure", "model", "observed"]]
        parts.append(_md(sub))
        parts.append("")
        for k, v in r.checks.items():
            parts.append(f"- [{'x' if v else ' '}] {k}")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """``python -m sco_sim.case.validation``: print the validation in Markdown."""
    p = argparse.ArgumentParser(
        prog="python -m sco_sim.case.validation", description=__doc__.split("\n")[0]
    )
    p.add_argument("--replications", type=int, default=DEFAULT_REPLICATIONS)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    results = run_validation(args.replications, args.seed)
    print(markdown(results))
    print("\n## Predictions the record contradicts\n")
    print(markdown(run_predictions(args.replications, args.seed)))
    print(f"\n{args.replications} replications, seed {args.seed}, {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
