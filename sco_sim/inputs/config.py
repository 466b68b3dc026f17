"""The numeric form of a validated scenario: arrays the model (and any faster engine) reads.

Kept separate from the schema so the model depends on numbers, not on file formats, and so a
parameter sweep can build variants by copying a `Config` rather than re-reading files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .scenario import Scenario


@dataclass(frozen=True)
class Config:
    """Everything one replication needs, as plain numbers.

    Positions are in the scenario's units (the unit box by default). ``capability`` is
    normalised to shares that sum to one. ``rivalry[i, j]`` is the gain member i needs to accept
    a draft tabled by member j (NaN where they are not rivals).
    """

    name: str
    dimensions: tuple[str, ...]
    bounds: np.ndarray  # (D, 2)
    meetings: int
    names: tuple[str, ...]
    chair_order: tuple[int, ...]  # member indices in the SCO's (Russian alphabetical) order
    first_chair: int  # position in chair_order of the first meeting's chair
    groups: tuple[str, ...]
    ideal: np.ndarray | None  # (N, D); None when generated per replication
    salience: np.ndarray  # (N, D)
    capability: np.ndarray  # (N,)
    tolerance: np.ndarray  # (N,)
    rivalry: np.ndarray  # (N, N)
    rule: str
    threshold: float | None
    weighted: bool
    items_per_meeting: int
    proposer: str
    issue_shares: np.ndarray  # (D,), sums to 1
    package_probability: float
    package_size: int
    carry_over: bool
    drafting: str
    max_rounds: int
    concession: float
    proposal_step: float
    noise: float
    setter_noise: float
    status_quo: np.ndarray | None  # (D,); None = fresh uniform draw per item
    drift: float
    fixed_status_quo: bool
    generated: bool = False
    major_agenda_share: float = 0.0  # share of items tabled by a major power
    subset_texts: int = 0  # max objectors for a text of the others (0 = off)
    subset_moves_status_quo: bool = True
    subset_texts_from: int = 1
    joins: np.ndarray | None = None  # (N,) 1-based meeting each member joins; None = all from 1
    ideal_sd: np.ndarray | None = None  # (N, D) position uncertainty; None = none
    side_payments: bool = False
    side_budget: float = 0.0  # per meeting, times a major's capability share
    community_growth: float = 0.0
    community_decay: float = 0.0
    max_tolerance: np.ndarray | float = float("inf")  # (N,) growth cap per member
    pressure: tuple[tuple[int, np.ndarray], ...] = ()  # (meeting, (N, D) shift of ideals), sorted
    rivalry_cancels: np.ndarray | None = None  # (N, N) bool: the rivalry cancels tolerance
    chairs: tuple[int, ...] | None = None  # member index chairing each meeting, in order; None = rotation

    # ------------------------------------------------------------------ as the compiled code reads it
    @property
    def lower(self) -> np.ndarray:
        """Lower bound of each dimension (D,)."""
        return np.ascontiguousarray(self.bounds[:, 0], dtype=float)

    @property
    def upper(self) -> np.ndarray:
        """Upper bound of each dimension (D,)."""
        return np.ascontiguousarray(self.bounds[:, 1], dtype=float)

    @property
    def rule_code(self) -> int:
        """The decision rule's code in :mod:`sco_sim.model.rules`."""
        from ..model.rules import resolve

        return resolve(self.rule).code

    @property
    def threshold_value(self) -> float:
        """The rule's threshold, NaN when it has none."""
        return np.nan if self.threshold is None else float(self.threshold)

    @property
    def drafting_code(self) -> int:
        """The drafting method's code in :mod:`sco_sim.model.drafting`."""
        from ..model.drafting import DRAFTING_METHODS

        return DRAFTING_METHODS[self.drafting]

    @property
    def proposer_code(self) -> int:
        """The proposer rule's code in :mod:`sco_sim.model.agenda`."""
        from ..model.agenda import PROPOSER_METHODS

        return PROPOSER_METHODS[self.proposer]

    @property
    def tolerance_cap(self) -> np.ndarray:
        """Each member's ceiling for tolerance growth (N,)."""
        return np.broadcast_to(np.asarray(self.max_tolerance, dtype=float), (self.n_members,)).copy()

    @property
    def cancels(self) -> np.ndarray:
        """(N, N) bool: whether a rivalry cancels the member's tolerance towards the other."""
        if self.rivalry_cancels is None:
            return np.zeros((self.n_members, self.n_members), dtype=bool)
        return self.rivalry_cancels

    @property
    def ideal_array(self) -> np.ndarray:
        """The file's ideal points (N, D); zeros for generated members (drawn per replication)."""
        if self.ideal is None:
            return np.zeros((self.n_members, self.n_dims))
        return np.ascontiguousarray(self.ideal, dtype=float)

    @property
    def ideal_sd_array(self) -> np.ndarray:
        """Position uncertainty (N, D); zeros when there is none."""
        if self.ideal_sd is None:
            return np.zeros((self.n_members, self.n_dims))
        return np.ascontiguousarray(self.ideal_sd, dtype=float)

    def present(self, meeting: int) -> np.ndarray:
        """Boolean mask of the members present at a (1-based) meeting."""
        if self.joins is None:
            return np.ones(self.n_members, dtype=bool)
        return self.joins <= meeting

    def pressure_at(self, meeting: int) -> np.ndarray | None:
        """Shift of every member's ideal point at the start of a (1-based) meeting, if any."""
        for m, shift in self.pressure:
            if m == meeting:
                return shift
        return None

    def subset_limit(self, meeting: int) -> int:
        """Most objectors a subset text may leave on record at a (1-based) meeting (0: none)."""
        return self.subset_texts if meeting >= self.subset_texts_from else 0

    def chair(self, meeting: int) -> int:
        """Index of the member chairing a (0-based) meeting.

        With a listed sequence (``chairs``, from ``[agenda] chairs``) the listed chair; past its
        end the rotation continues from the last listed chair. Otherwise the chair passes in
        Russian alphabetical order from ``first_chair``. A member that has not yet joined is
        skipped, and the rotation continues from the last chair (so a new member takes its turn
        when the rotation reaches its name).
        """
        if self.chairs is not None and meeting < len(self.chairs):
            return self.chairs[meeting]
        n = len(self.chair_order)
        pos, start = self.first_chair - 1, 0
        if self.chairs:
            pos, start = self.chair_order.index(self.chairs[-1]), len(self.chairs)
        who = self.chair_order[(pos + 1) % n]
        for t in range(start, meeting + 1):
            present = self.present(t + 1)
            for _ in range(n):
                pos += 1
                who = self.chair_order[pos % n]
                if present[who]:
                    break
        return who

    def budgets(self, meeting: int) -> np.ndarray:
        """Side-payment budget per member at a (1-based) meeting: ``budget`` times the member's
        capability share among the members present, for present major powers (0 otherwise).
        """
        present = self.present(meeting)
        majors = np.array([g == "major" for g in self.groups])
        share = np.where(present, self.capability, 0.0)
        total = share.sum()
        share = share / total if total > 0 else share
        return np.where(majors & present, self.side_budget * share, 0.0)

    @property
    def dynamic_tolerance(self) -> bool:
        """True when tolerance changes with the organisation's record."""
        return self.community_growth > 0 or self.community_decay > 0

    @property
    def n_members(self) -> int:
        """Number of member states."""
        return len(self.names)

    @property
    def n_dims(self) -> int:
        """Number of policy dimensions."""
        return len(self.dimensions)

    @property
    def uniform_status_quo(self) -> bool:
        """True when every agenda item comes with a freshly drawn status quo."""
        return self.status_quo is None


def _chair_order(names: list[str], russian: list[str | None]) -> tuple[int, ...]:
    """Member indices sorted by Russian name (the SCO's order for rotating posts)."""
    keys = [(ru or name).casefold().replace("ё", "е") for name, ru in zip(names, russian)]
    return tuple(sorted(range(len(names)), key=lambda i: (keys[i], names[i])))


def build_config(s: Scenario, meetings: int | None = None) -> Config:
    """Turn a validated scenario into arrays; `meetings` overrides the file's run length."""
    members = _member_fields(s)
    return Config(
        name=s.scenario.name,
        dimensions=tuple(s.space.dimensions),
        bounds=np.array(s.bounds, dtype=float),
        meetings=int(meetings if meetings is not None else s.scenario.meetings),
        **members,
        **_chair_fields(s),
        **_rivalry_fields(s),
        **_joins_and_ideal_sd(s),
        pressure=_pressure_shifts(s, meetings),
        **_protocol_fields(s),
        **_mechanism_fields(s, members["tolerance"]),
    )


def _member_fields(s: Scenario) -> dict[str, Any]:
    """Names, groups, positions, salience, capability shares and tolerance, listed or generated."""
    d = s.n_dims
    names = s.member_names
    n = len(names)
    if s.members is not None:
        groups = [m.group for m in s.members]
        ideal = np.array([m.ideal for m in s.members], dtype=float)
        salience = np.array([m.salience for m in s.members], dtype=float)
        cap = np.array([m.capability for m in s.members], dtype=float)
        tolerance = np.array([m.tolerance for m in s.members], dtype=float)
    else:
        g = s.generate
        assert g is not None
        groups = ["major"] * g.majors + ["minor"] * (n - g.majors)
        ideal = None
        sal = g.salience if isinstance(g.salience, list) else [g.salience] * d
        salience = np.tile(np.array(sal, dtype=float), (n, 1))
        cap = np.array([g.major_capability if grp == "major" else 1.0 for grp in groups])
        tolerance = np.full(n, g.tolerance)
    return dict(names=tuple(names), groups=tuple(groups), ideal=ideal, salience=salience,
                capability=cap / cap.sum(), tolerance=tolerance, generated=s.members is None)


def _chair_fields(s: Scenario) -> dict[str, Any]:
    """The chair rotation (Russian alphabetical order), its first chair and any listed sequence."""
    names = s.member_names
    # Generated members have no Russian names: they take the chair in file order.
    order = (tuple(range(len(names))) if s.members is None
             else _chair_order(names, [m.name_ru for m in s.members]))
    first = 0
    if s.agenda.first_chair is not None:
        first = order.index(names.index(s.agenda.first_chair))
    chairs = tuple(names.index(c) for c in s.agenda.chairs) if s.agenda.chairs else None
    return dict(chair_order=order, first_chair=first, chairs=chairs)


def _rivalry_fields(s: Scenario) -> dict[str, Any]:
    """Rivalry intensities (NaN where none) and whether each cancels tolerance, both symmetric."""
    names = s.member_names
    n = len(names)
    rivalry = np.full((n, n), np.nan)
    cancels = np.zeros((n, n), dtype=bool)
    for r in s.rivalries:
        i, j = names.index(r.members[0]), names.index(r.members[1])
        rivalry[i, j] = rivalry[j, i] = r.intensity
        cancels[i, j] = cancels[j, i] = r.cancels_tolerance
    return dict(rivalry=rivalry, rivalry_cancels=cancels)


def _joins_and_ideal_sd(s: Scenario) -> dict[str, Any]:
    """When each listed member joins and how uncertain its position is; None when nobody varies."""
    joins = ideal_sd = None
    if s.members is not None:
        j = np.array([m.joins for m in s.members], dtype=np.int64)
        joins = j if np.any(j > 1) else None
        sd = np.array([m.ideal_sd if isinstance(m.ideal_sd, list) else [m.ideal_sd] * s.n_dims
                       for m in s.members], dtype=float)
        ideal_sd = sd if np.any(sd > 0) else None
    return dict(joins=joins, ideal_sd=ideal_sd)


def _pressure_shifts(s: Scenario, meetings: int | None) -> tuple[tuple[int, np.ndarray], ...]:
    """Summed shifts of the members' ideal points by meeting: drifts over their span, plus shocks."""
    names = s.member_names
    n, d = len(names), s.n_dims
    shifts: dict[int, np.ndarray] = {}
    for pr in s.pressure:
        i = names.index(pr.member)
        if pr.drift is not None:
            last = pr.end if pr.end is not None else max(s.scenario.meetings, meetings or 0)
            for m in range(pr.start, last + 1):
                shifts.setdefault(m, np.zeros((n, d)))[i] += np.array(pr.drift, dtype=float)
        for sh in pr.shocks:
            shifts.setdefault(sh.meeting, np.zeros((n, d)))[i] += np.array(sh.shift, dtype=float)
    return tuple(sorted(shifts.items()))


def _protocol_fields(s: Scenario) -> dict[str, Any]:
    """The decision rule, the agenda, the negotiation and the status quo, as the file gives them."""
    shares = np.array(s.agenda.issue_shares if s.agenda.issue_shares else [1.0] * s.n_dims, dtype=float)
    sq = s.status_quo.position
    return dict(
        rule=s.rule.type,
        threshold=s.rule.threshold,
        weighted=s.rule.weighted,
        items_per_meeting=s.agenda.items_per_meeting,
        proposer=s.agenda.proposer,
        issue_shares=shares / shares.sum(),
        package_probability=s.agenda.package_probability,
        package_size=s.agenda.package_size,
        carry_over=s.agenda.deadlocked == "carry_over",
        major_agenda_share=s.agenda.major_agenda_share,
        drafting=s.negotiation.drafting,
        max_rounds=s.negotiation.max_rounds,
        concession=s.negotiation.concession,
        proposal_step=s.negotiation.proposal_step,
        noise=s.negotiation.noise,
        setter_noise=s.negotiation.setter_noise,
        status_quo=None if sq == "uniform" else np.array(sq, dtype=float),
        drift=s.status_quo.drift,
        fixed_status_quo=s.status_quo.fixed,
    )


def _mechanism_fields(s: Scenario, tolerance: np.ndarray) -> dict[str, Any]:
    """Subset texts, side payments and the sense of community."""
    cm = s.community
    return dict(
        subset_texts=s.rule.subset_texts,
        subset_moves_status_quo=s.rule.subset_moves_status_quo,
        subset_texts_from=s.rule.subset_texts_from,
        side_payments=s.side_payments.enabled,
        side_budget=s.side_payments.budget,
        community_growth=cm.growth,
        community_decay=cm.decay,
        # Growth stops at the cap, or at a member's starting tolerance if that is higher.
        max_tolerance=(float("inf") if cm.max_tolerance is None
                       else np.maximum(cm.max_tolerance, tolerance)),
    )
