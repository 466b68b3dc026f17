"""The organisation as a Mesa model: one step is one meeting (a summit cycle).

This is the reference engine: readable first. All arithmetic lives in ``geometry``, ``drafting``,
``agenda`` and ``rules`` so that a faster engine can share it and reproduce these results exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from .agenda import issue_areas, proposer_weights, select_proposer
from .agents import MemberState
from .config import Config
from .drafting import amend, compromise_draft, setter_draft, step_draft
from .geometry import acceptance_margin, accepts, clip_to_bounds, is_null_move, weighted_distance
from .rules import resolve, voting_weights
from .streams import MeetingDraws, draw_generated_ideals, draw_meeting, replication_streams, scale_to_bounds


@dataclass(frozen=True)
class ItemResult:
    """What became of one agenda item."""

    proposer: int
    dims: np.ndarray  # bool (D,)
    adopted: bool
    null_draft: bool  # the first draft left the status quo where it was: nothing to agree on
    rounds: int  # consultation (amendment) rounds used
    objectors: np.ndarray  # bool (N,), at the last vote taken
    outcome: np.ndarray  # the adopted text, or the last draft


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
        n, d = config.n_members, config.n_dims
        if config.generated:
            ideal = draw_generated_ideals(self.streams, n, config.bounds)
        else:
            ideal = np.array(config.ideal, dtype=float)
        self.ideal = ideal
        self.salience = config.salience
        for i, name in enumerate(config.names):
            MemberState(
                self, i, name, config.groups[i], ideal[i], config.salience[i],
                float(config.capability[i]), float(config.tolerance[i]),
            )
        self.members: list[MemberState] = list(self.agents)
        self.rule = resolve(config.rule)
        self.weight = voting_weights(config.capability, config.weighted)
        self.proposer_cumulative = proposer_weights(config.proposer, config.capability, config.groups)
        # margins[i, p]: the loss member i accepts on a draft tabled by member p.
        self.margins = acceptance_margin(config.tolerance[:, None], config.rivalry)
        self.status_quo: np.ndarray | None = (
            None if config.uniform_status_quo else np.array(config.status_quo, dtype=float)
        )
        self.meeting = 0  # meetings held so far
        self.backlog: list[np.ndarray] = []  # issue areas of items carried over
        self.item_log: list[ItemResult] = []
        self.meeting_rows: list[dict] = []
        self.member_rows: list[dict] = []
        self.item_rows: list[dict] = []
        self._d = d

    # ------------------------------------------------------------------ one item

    def negotiate(self, slot: int, dims: np.ndarray, draws: MeetingDraws) -> ItemResult:
        """Draft, consult for up to ``max_rounds`` amendment rounds, and decide one item."""
        cfg = self.config
        proposer = select_proposer(
            cfg.proposer, float(draws.proposer_u[slot]), self.meeting, self.proposer_cumulative,
            cfg.chair_order, cfg.first_chair,
        )
        if cfg.uniform_status_quo:
            q = scale_to_bounds(draws.sq_uniform[slot], cfg.bounds)
            self.status_quo = q
        else:
            q = self.status_quo
        margin = self.margins[:, proposer]
        draft = self.draft(slot, proposer, q, margin, dims, draws)

        rounds = 0
        objectors = np.zeros(cfg.n_members, dtype=bool)
        adopted = False
        null = bool(is_null_move(draft, q))
        accept = None if null else accepts(draft, q, self.ideal, self.salience, margin)
        while accept is not None:
            objectors = ~accept
            if self.rule(accept, self.weight, cfg.threshold):
                adopted = True
                break
            if rounds == cfg.max_rounds:
                break
            amended = amend(draft, self.ideal, objectors, dims, cfg.concession)
            if is_null_move(amended, q):
                break  # the concessions would give back the status quo: the objection stands
            accept_amended = accepts(amended, q, self.ideal, self.salience, margin)
            if not accept_amended[proposer]:
                break  # the proposer withdraws rather than table a text it would itself oppose
            draft, accept = amended, accept_amended
            rounds += 1
        if adopted and not cfg.fixed_status_quo and not cfg.uniform_status_quo:
            self.status_quo = draft
        return ItemResult(proposer, dims, adopted, null, rounds, objectors, draft)

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
            return compromise_draft(q, self.ideal, self.salience, cfg.capability, dims)
        if cfg.drafting == "setter":
            believed = self.ideal + cfg.setter_noise * draws.setter_noise[slot]
            believed[proposer] = self.ideal[proposer]
            return setter_draft(q, proposer, believed, self.salience, margin, dims, cfg.bounds,
                                self.rule, self.weight, cfg.threshold)
        raise ValueError(f"unknown drafting method {cfg.drafting!r}")

    # ------------------------------------------------------------------ one meeting

    def step(self) -> None:
        """Hold one meeting: drift, agenda (carried-over items first), negotiate every item."""
        cfg = self.config
        n, d, slots = cfg.n_members, cfg.n_dims, cfg.items_per_meeting
        draws = draw_meeting(self.streams, slots, n, d)
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
        adopted = nulls = rounds = 0
        meeting_no = self.meeting + 1
        for s, dims in enumerate(agenda):
            res = self.negotiate(s, dims, draws)
            self.item_log.append(res)
            objections += res.objectors
            n_obj = int(res.objectors.sum())
            if not res.adopted and n_obj == 1:
                sole += res.objectors
            adopted += res.adopted
            nulls += res.null_draft
            rounds += res.rounds
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
                "null_draft": res.null_draft,
                "rounds": res.rounds,
                "objectors": ";".join(cfg.names[k] for k in np.flatnonzero(res.objectors)),
            })

        self.meeting_rows.append({
            "replication": self.replication,
            "meeting": meeting_no,
            "items": slots,
            "adopted": adopted,
            "deadlocked": slots - adopted,
            "null_drafts": nulls,
            "rounds": rounds,
            "carried_in": carried_in,
        })
        dist = (weighted_distance(self.status_quo, self.ideal, self.salience)
                if self.status_quo is not None else np.full(n, np.nan))
        for i, name in enumerate(cfg.names):
            self.member_rows.append({
                "replication": self.replication,
                "meeting": meeting_no,
                "member": name,
                "objections": int(objections[i]),
                "sole_vetoes": int(sole[i]),
                "distance_to_status_quo": float(dist[i]),
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
