"""The organisation as a Mesa model: one step is one meeting (a summit cycle).

This is the reference engine: readable first. All arithmetic lives in ``geometry``, ``drafting``,
``agenda`` and ``rules`` so that a faster engine can share it and reproduce these results exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from .agenda import issue_areas, major_weights, proposer_weights, select_proposer
from .agents import MemberState
from .config import Config
from .drafting import amend, compromise_draft, setter_draft, step_draft
from .geometry import acceptance_margin, clip_to_bounds, is_null_move, weighted_distance
from .mechanisms import cheapest_compensation, choose_payer, shortfall, update_tolerance
from .rules import resolve, voting_weights
from .streams import (
    MeetingDraws,
    draw_generated_ideals,
    draw_meeting,
    perturb_ideals,
    replication_streams,
    scale_to_bounds,
)

CONSENSUS, SUBSET, NO_TEXT = "consensus", "subset", "none"


@dataclass(frozen=True)
class ItemResult:
    """What became of one agenda item."""

    proposer: int
    dims: np.ndarray  # bool (D,)
    outcome: str  # "consensus", "subset" (a text of the others) or "none"
    null_draft: bool  # the first draft left the status quo where it was: nothing to agree on
    rounds: int  # consultation (amendment) rounds tabled
    objectors: np.ndarray  # bool (N,), at the last vote taken
    text: np.ndarray  # the adopted text, or the last draft
    payment: float = 0.0  # side payment made to buy the objectors off
    payer: int = -1

    @property
    def adopted(self) -> bool:
        """True when a text was adopted, by consensus or as a subset text."""
        return self.outcome != NO_TEXT


class SCOModel(mesa.Model):
    """The SCO deciding under its rule: agenda, drafting, consultation, vote, new status quo.

    Args:
        config: the numeric scenario.
        seed: the run's master seed.
        replication: which replication this is; selects its random streams.

    """

    def __init__(self, config: Config, seed: int = 0, replication: int = 0) -> None:
        # Mesa's own generators are seeded for hygiene but never used: all randomness comes from
        # the per-purpose streams below, which a faster engine can reproduce.
        super().__init__(seed=int(np.random.SeedSequence(seed, spawn_key=(replication,)).generate_state(1)[0]))
        self.config = config
        self.run_seed = seed
        self.replication = replication
        self.streams = replication_streams(seed, replication)
        n = config.n_members
        if config.generated:
            self.ideal = draw_generated_ideals(self.streams, n, config.bounds)
        else:
            self.ideal = perturb_ideals(self.streams, config.ideal, config.ideal_sd, config.bounds)
        self.salience = config.salience
        self.tolerance = np.array(config.tolerance, dtype=float)
        self.present = config.present(1)
        for i, name in enumerate(config.names):
            MemberState(self, i, name, config.groups[i], float(config.capability[i]))
        self.members: list[MemberState] = list(self.agents)
        self.rule = resolve(config.rule)
        self.base_weight = voting_weights(config.capability, config.weighted)
        self.majors = np.array([g == "major" for g in config.groups])
        self.budget = np.zeros(n)
        self.status_quo: np.ndarray | None = (
            None if config.uniform_status_quo else np.array(config.status_quo, dtype=float)
        )
        self.meeting = 0  # meetings held so far
        self.backlog: list[np.ndarray] = []  # issue areas of items carried over
        self.item_log: list[ItemResult] = []
        self.meeting_rows: list[dict] = []
        self.member_rows: list[dict] = []
        self.item_rows: list[dict] = []

    # ------------------------------------------------------------------ one item

    def negotiate(self, slot: int, dims: np.ndarray, draws: MeetingDraws) -> ItemResult:
        """Draft, consult for up to ``max_rounds`` amendment rounds, and decide one item."""
        cfg = self.config
        present = self.present
        proposer = select_proposer(
            cfg.proposer, float(draws.proposer_u[slot]), self.chair, self.proposer_cumulative,
            cfg.major_agenda_share, self.major_cumulative,
        )
        if cfg.uniform_status_quo:
            self.status_quo = scale_to_bounds(draws.sq_uniform[slot], cfg.bounds)
        q = self.status_quo
        # Members not yet in the organisation accept anything and weigh nothing.
        margin = np.where(present, acceptance_margin(self.tolerance, cfg.rivalry[:, proposer]), np.inf)
        weight = self.weight
        draft = self.draft(slot, proposer, q, margin, dims, draws)

        rounds, outcome, payment, payer = 0, NO_TEXT, 0.0, -1
        objectors = np.zeros(cfg.n_members, dtype=bool)
        null = bool(is_null_move(draft, q))
        if not null:
            dq = weighted_distance(q, self.ideal, self.salience)
            dp = weighted_distance(draft, self.ideal, self.salience)
            accept = dp <= dq + margin
            while True:
                objectors = ~accept
                if self.rule(accept, weight, cfg.threshold):
                    outcome = CONSENSUS
                    break
                if cfg.side_payments:
                    need = shortfall(dp, dq, margin)
                    _, cost, feasible = cheapest_compensation(accept, need, self.rule, weight, cfg.threshold)
                    who = int(choose_payer(cost, self.budget, accept, self.majors & present,
                                           np.asarray(proposer)))
                    if feasible and who >= 0:
                        self.budget[who] -= cost
                        outcome, payment, payer = CONSENSUS, float(cost), who
                        break
                if rounds == cfg.max_rounds:
                    break
                amended = amend(draft, self.ideal, objectors, dims, cfg.concession)
                if is_null_move(amended, q):
                    break  # the concessions would give back the status quo: the objection stands
                dp_amended = weighted_distance(amended, self.ideal, self.salience)
                accept_amended = dp_amended <= dq + margin
                if not accept_amended[proposer]:
                    break  # the proposer withdraws rather than table a text it would itself oppose
                draft, dp, accept = amended, dp_amended, accept_amended
                rounds += 1
            n_obj = int(objectors.sum())
            limit = cfg.subset_limit(self.meeting + 1)
            # A subset text needs at least one supporter among the members present.
            if outcome == NO_TEXT and 1 <= n_obj <= limit and n_obj < int(present.sum()):
                outcome = SUBSET
        moves = outcome == CONSENSUS or (outcome == SUBSET and cfg.subset_moves_status_quo)
        if moves and not cfg.fixed_status_quo and not cfg.uniform_status_quo:
            self.status_quo = draft
        if cfg.dynamic_tolerance:
            self.tolerance = update_tolerance(
                self.tolerance, present, np.asarray(outcome == CONSENSUS), np.asarray(outcome == NO_TEXT),
                cfg.community_growth, cfg.community_decay, cfg.max_tolerance)
        return ItemResult(proposer, dims, outcome, null, rounds, objectors, draft, payment, payer)

    def draft(
        self, slot: int, proposer: int, q: np.ndarray, margin: np.ndarray, dims: np.ndarray,
        draws: MeetingDraws,
    ) -> np.ndarray:
        """The proposer's first text under the scenario's drafting method."""
        cfg = self.config
        if cfg.drafting == "step":
            return step_draft(q, self.ideal[proposer], dims, cfg.proposal_step, cfg.noise,
                              draws.draft_noise[slot], cfg.bounds)
        if cfg.drafting == "compromise":
            return compromise_draft(q, self.ideal, self.salience,
                                    np.where(self.present, cfg.capability, 0.0), dims)
        if cfg.drafting == "setter":
            believed = self.ideal + cfg.setter_noise * draws.setter_noise[slot]
            believed[proposer] = self.ideal[proposer]
            return setter_draft(q, proposer, believed, self.salience, margin, dims, cfg.bounds,
                                self.rule, self.weight, cfg.threshold)
        raise ValueError(f"unknown drafting method {cfg.drafting!r}")

    # ------------------------------------------------------------------ one meeting

    def begin_meeting(self) -> None:
        """Who is present, the great-power game's pull on ideals, drift, budgets."""
        cfg = self.config
        meeting_no = self.meeting + 1
        self.present = cfg.present(meeting_no)
        self.weight = np.where(self.present, self.base_weight, 0.0)
        self.proposer_cumulative = proposer_weights(cfg.proposer, cfg.capability, cfg.groups, self.present)
        self.major_cumulative = major_weights(cfg.capability, cfg.groups, self.present)
        shift = cfg.pressure_at(meeting_no)
        if shift is not None:
            self.ideal = clip_to_bounds(self.ideal + shift, cfg.bounds)
        self.chair = cfg.chair(self.meeting)
        self.budget = cfg.budgets(meeting_no)

    def step(self) -> None:
        """Hold one meeting: drift, agenda (carried-over items first), negotiate every item."""
        cfg = self.config
        n, d, slots = cfg.n_members, cfg.n_dims, cfg.items_per_meeting
        draws = draw_meeting(self.streams, slots, n, d)
        self.begin_meeting()
        if not cfg.uniform_status_quo and not cfg.fixed_status_quo and cfg.drift > 0:
            self.status_quo = clip_to_bounds(self.status_quo + cfg.drift * draws.drift, cfg.bounds)

        agenda = self.backlog[:slots]
        carried_in = len(agenda)
        self.backlog = []
        for s in range(carried_in, slots):
            agenda.append(issue_areas(draws.area_keys[s], float(draws.package_u[s]),
                                      cfg.issue_shares, cfg.package_probability, cfg.package_size))

        objections = np.zeros(n, dtype=np.int64)
        sole = np.zeros(n, dtype=np.int64)
        consensus = subset = nulls = rounds = payments = 0
        paid = 0.0
        meeting_no = self.meeting + 1
        for s, dims in enumerate(agenda):
            res = self.negotiate(s, dims, draws)
            self.item_log.append(res)
            objections += res.objectors
            if res.outcome != CONSENSUS and int(res.objectors.sum()) == 1:
                sole += res.objectors
            consensus += res.outcome == CONSENSUS
            subset += res.outcome == SUBSET
            nulls += res.null_draft
            rounds += res.rounds
            payments += res.payer >= 0
            paid += res.payment
            if not res.adopted and cfg.carry_over:
                self.backlog.append(dims)
            self.item_rows.append({
                "replication": self.replication,
                "meeting": meeting_no,
                "item": s + 1,
                "issue_area": "+".join(cfg.dimensions[k] for k in np.flatnonzero(dims)),
                "carried_over": s < carried_in,
                "proposer": cfg.names[res.proposer],
                "adopted": res.adopted,
                "outcome": res.outcome,
                "null_draft": res.null_draft,
                "rounds": res.rounds,
                "objectors": ";".join(cfg.names[k] for k in np.flatnonzero(res.objectors)),
                "payer": cfg.names[res.payer] if res.payer >= 0 else "",
                "side_payment": res.payment,
            })

        self.meeting_rows.append({
            "replication": self.replication,
            "meeting": meeting_no,
            "members_present": int(self.present.sum()),
            "items": slots,
            "adopted": consensus + subset,
            "consensus": consensus,
            "subset_texts": subset,
            "deadlocked": slots - consensus - subset,
            "null_drafts": nulls,
            "rounds": rounds,
            "carried_in": carried_in,
            "side_payments": payments,
            "side_payment_total": paid,
        })
        dist = (weighted_distance(self.status_quo, self.ideal, self.salience)
                if self.status_quo is not None else np.full(n, np.nan))
        for i, name in enumerate(cfg.names):
            self.member_rows.append({
                "replication": self.replication,
                "meeting": meeting_no,
                "member": name,
                "present": bool(self.present[i]),
                "objections": int(objections[i]),
                "sole_vetoes": int(sole[i]),
                "distance_to_status_quo": float(dist[i]),
                "tolerance": float(self.tolerance[i]),
            })
        self.meeting += 1

    def run(self, meetings: int | None = None) -> "SCOModel":
        """Hold ``meetings`` meetings (the scenario's number by default)."""
        for _ in range(self.config.meetings if meetings is None else meetings):
            self.step()
        return self

    def release(self) -> None:
        """Drop this model from Mesa 3.3's class-level agent-id registry.

        ``mesa.Agent._ids`` maps every model ever created to a counter and so keeps it alive for
        the life of the process; a long run of replications would grow without bound.
        """
        mesa.Agent._ids.pop(self, None)
