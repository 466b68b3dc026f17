"""Member states as Mesa agents: they draft, judge, concede, pay and grow into a community.

Every action is one compiled function of ``sco_sim.model`` (geometry, drafting, mechanisms), the
same the compiled engine calls, so an agent's behaviour is readable here and exact there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa
import numpy as np

from . import streams
from .drafting import COMPROMISE, SETTER, STEP, amend, compromise_draft, setter_draft, step_draft
from .geometry import acceptance_margin, accepts, distance
from .mechanisms import shortfall, update_tolerance


@dataclass
class AgendaItem:
    """One agenda item as the members see it while they negotiate it."""

    slot: int  # 0-based position on the meeting's agenda
    dims: np.ndarray  # bool (D,): the issue area(s) it concerns
    carried_over: bool
    proposer: int = -1
    status_quo: np.ndarray | None = None
    text: np.ndarray | None = None  # the draft on the table
    margins: np.ndarray | None = None  # (N,) each member's acceptance margin towards the proposer
    status_quo_distance: np.ndarray | None = None  # (N,)
    text_distance: np.ndarray | None = None  # (N,)
    accept: np.ndarray | None = None  # (N,) bool, at the last vote
    rounds: int = 0
    null_draft: bool = False
    outcome: int = 0
    payer: int = -1
    payment: float = 0.0
    paid: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


class MemberState(mesa.Agent):
    """A member state: its interests over the policy space and its weight in the organisation.

    Attributes:
        name: the state's name as used in scenario files (e.g. ``"India"``).
        index: its row in the organisation's arrays (file order).
        group: ``"major"`` or ``"minor"`` (the paper's "3 + 5": three big, five small and medium).
        capability: its share of the organisation's power (shares sum to one).
        ideal: its current ideal point (D,); the great-power game can move it during a run.
        salience: how much each dimension matters to it (D,).
        tolerance: the loss against the status quo it accepts without objecting, the paper's
            "sense of community" (Xue & Makengo 2021, sec. 4.2), in utility units.
        budget: what it has left this meeting to buy objectors off (major powers only).

    """

    def __init__(self, model: mesa.Model, index: int, name: str, group: str, capability: float,
                 ideal: np.ndarray, salience: np.ndarray, tolerance: float) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.group = group
        self.capability = capability
        self.ideal = ideal
        self.salience = salience
        self.tolerance = tolerance
        self.budget = 0.0
        self.objections = 0  # this meeting
        self.sole_vetoes = 0

    @property
    def present(self) -> bool:
        """Whether the member has joined by the current meeting."""
        return bool(self.model.present[self.index])

    @property
    def is_major(self) -> bool:
        """A major power: it may lead the agenda and pay others off."""
        return self.group == "major"

    # ------------------------------------------------------------------ judging

    def utility(self, z: np.ndarray) -> float:
        """``U(z) = -sqrt(sum_d w_d (z_d - x_d)^2)``."""
        return -distance(np.asarray(z, dtype=float), self.model.ideal, self.model.salience, self.index)

    def margin_towards(self, proposer: int) -> float:
        """The loss it accepts on a draft by ``proposer`` (less a rivalry's intensity; negative:
        a gain it demands; infinite while it is not yet a member).
        """
        cfg = self.model.config
        return float(acceptance_margin(self.tolerance, cfg.rivalry[self.index, proposer],
                                       cfg.cancels[self.index, proposer], self.present))

    def judge(self, item: AgendaItem) -> bool:
        """Accept or object to the text on the table: ``U(text) >= U(status quo) - margin``."""
        i = self.index
        item.text_distance[i] = distance(item.text, self.model.ideal, self.model.salience, i)
        return bool(accepts(item.text_distance[i], item.status_quo_distance[i], item.margins[i]))

    def price(self, item: AgendaItem) -> float:
        """What it would take to buy its objection off: its shortfall in utility."""
        i = self.index
        return shortfall(item.text_distance[i], item.status_quo_distance[i], item.margins[i])

    # ------------------------------------------------------------------ drafting

    def draft(self, item: AgendaItem) -> np.ndarray:
        """Its first text for an item it tables, by the scenario's drafting method."""
        model, cfg = self.model, self.model.config
        q, dims = item.status_quo, item.dims
        method = cfg.drafting_code
        text = np.empty(cfg.n_dims)
        if method == STEP:
            noise = np.empty(cfg.n_dims)
            streams.draft_noise(model.run_seed, model.replication, model.meeting, item.slot,
                                cfg.items_per_meeting, dims, cfg.noise, noise)
            step_draft(q, model.ideal, self.index, dims, cfg.proposal_step, cfg.noise, noise, cfg.lower,
                       cfg.upper, text)
            return text
        if method == COMPROMISE:
            compromise_draft(q, model.ideal, model.salience, np.where(model.present, cfg.capability, 0.0), dims,
                             text)
            return text
        if method == SETTER:
            return setter_draft(q, self.index, model.believed_ideals(self, item), model.salience,
                                item.margins, dims, cfg.lower, cfg.upper, model.rule, model.weight,
                                model.threshold)
        raise ValueError(f"unknown drafting method {cfg.drafting!r}")

    def concede(self, item: AgendaItem, objectors: np.ndarray) -> np.ndarray:
        """Consultation: amend its text ``concession`` of the way toward the objectors' mean ideal."""
        cfg = self.model.config
        text = np.empty(cfg.n_dims)
        amend(item.text, self.model.ideal, objectors, item.dims, cfg.concession, text)
        return text

    # ------------------------------------------------------------------ side payments

    def can_pay(self, cost: float, accepts_text: bool) -> bool:
        """A major power present that accepts the text itself and has the budget left."""
        return self.is_major and self.present and accepts_text and self.budget >= cost

    def pay(self, cost: float) -> None:
        """Buy the objectors off from this meeting's budget."""
        self.budget -= cost

    # ------------------------------------------------------------------ community

    def grow_into_community(self, consensus: bool, no_text: bool) -> None:
        """Tolerance grows with joint decisions and erodes with deadlock (while a member)."""
        cfg = self.model.config
        if self.present:
            self.tolerance = update_tolerance(self.tolerance, consensus, no_text, cfg.community_growth,
                                              cfg.community_decay, cfg.tolerance_cap[self.index])
