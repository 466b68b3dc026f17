"""The organisation as a Mesa model: one step is one meeting (a summit cycle).

This is the reference engine, readable first: the members (:class:`MemberState` agents, scheduled
through the model's ``AgentSet``) draft, judge, concede and pay; the organisation keeps the agenda,
applies the decision rule and records the meeting with a Mesa ``DataCollector`` whose columns are
declared once in :mod:`sco_sim.model.outputs`. Every rule it applies is a compiled function that
the fast engine (:mod:`sco_sim.engine.kernel`) calls in the same order, so the two agree exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
import pandas as pd

from . import streams
from .agenda import issue_areas, select_proposer
from .agents import AgendaItem, MemberState
from .drafting import misjudged_ideals
from .geometry import clip_into, distance, is_null_move
from .mechanisms import cheapest_compensation, choose_payer, subset_text
from .outputs import CONSENSUS, ITEM_COLUMNS, MEETING_COLUMNS, MEMBER_COLUMNS, NO_TEXT, OUTCOME_NAMES, SUBSET
from .rules import passes
from .schedule import Schedule

if TYPE_CHECKING:  # the numeric scenario; the model reads its fields and never builds one
    from ..inputs.config import Config


class SCOModel(mesa.Model):
    """The SCO deciding under its rule: agenda, drafting, consultation, vote, new status quo.

    Args:
        config: the numeric scenario (:class:`sco_sim.inputs.config.Config`).
        schedule: what each meeting brings, if already computed (shared by many replications).
        seed: the run's master seed.
        replication: which replication this is; with the seed it addresses every random number.

    """

    def __init__(self, config: "Config", seed: int = 0, replication: int = 0,
                 schedule: Schedule | None = None) -> None:
        streams.check_seed(seed, 1, replication)
        # Mesa's own generators are seeded for hygiene but never drawn from: every random number
        # comes from the counter-based streams, which the compiled engine addresses identically.
        super().__init__(seed=replication)
        self.config = config
        self.run_seed = np.uint64(seed)
        self.replication = int(replication)
        self.schedule_ = schedule if schedule is not None else Schedule.of(config)
        n, d = config.n_members, config.n_dims
        self.ideal = np.empty((n, d))
        streams.initial_ideals(self.run_seed, self.replication, config.ideal_array, config.ideal_sd_array,
                               config.lower, config.upper, config.generated, config.ideal_sd is not None,
                               np.empty(d), self.ideal)
        self.salience = np.ascontiguousarray(config.salience, dtype=float)
        for i, name in enumerate(config.names):
            MemberState(self, i, name, config.groups[i], float(config.capability[i]), self.ideal[i],
                        self.salience[i], float(config.tolerance[i]))
        self.members: list[MemberState] = list(self.agents)
        self.rule = config.rule_code
        self.threshold = config.threshold_value
        self.status_quo: np.ndarray | None = (
            None if config.uniform_status_quo else np.array(config.status_quo, dtype=float))
        self.meeting = 0  # meetings held so far (0-based index of the next one)
        self.present = self.schedule_.present[0]
        self.weight = self.schedule_.weight[0]
        self.backlog: list[np.ndarray] = []  # issue areas of items carried over
        self.record: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={c.name: (lambda m, k=c.name: m.record[k]) for c in MEETING_COLUMNS},
            agent_reporters={c.name: (lambda a, k=c.name: a.model.member_value(a, k))
                             for c in MEMBER_COLUMNS},
            tables={"items": [c.name for c in ITEM_COLUMNS]},
        )

    # ------------------------------------------------------------------ one item

    def believed_ideals(self, setter: MemberState, item: AgendaItem) -> np.ndarray:
        """What an agenda setter thinks the members want: their ideals plus its misjudgement."""
        cfg = self.config
        believed = np.empty_like(self.ideal)
        misjudged_ideals(self.run_seed, self.replication, self.meeting, item.slot, cfg.items_per_meeting, self.ideal,
                         setter.index, cfg.setter_noise, np.empty(cfg.n_dims), believed)
        return believed

    def table(self, item: AgendaItem) -> MemberState:
        """Who tables the item (the proposer rule), on which status quo."""
        cfg, sched, m = self.config, self.schedule_, self.meeting
        u = streams.uniform(self.run_seed, self.replication, streams.PROPOSER,
                            streams.slot_index(m, item.slot, cfg.items_per_meeting))
        item.proposer = int(select_proposer(cfg.proposer_code, u, sched.chair[m], sched.proposer_cumulative[m],
                                            cfg.major_agenda_share, sched.major_cumulative[m]))
        if cfg.uniform_status_quo:
            u = np.empty(cfg.n_dims)
            streams.fill_uniforms(self.run_seed, self.replication, streams.STATUS_QUO,
                                  streams.slot_start(m, item.slot, cfg.items_per_meeting, cfg.n_dims), u)
            self.status_quo = cfg.lower + u * (cfg.upper - cfg.lower)
        item.status_quo = self.status_quo
        return self.members[item.proposer]

    def vote(self, item: AgendaItem) -> np.ndarray:
        """Every member judges the text on the table; returns who accepts."""
        return np.array(self.agents.map("judge", item), dtype=bool)

    def negotiate(self, item: AgendaItem) -> AgendaItem:
        """Draft, consult for up to ``max_rounds`` amendment rounds, and decide one item."""
        cfg = self.config
        n = cfg.n_members
        proposer = self.table(item)
        q = item.status_quo
        item.margins = np.array(self.agents.map("margin_towards", item.proposer), dtype=float)
        item.status_quo_distance = np.array([distance(q, self.ideal, self.salience, a.index) for a in self.members])
        item.text_distance = np.zeros(n)
        item.text = proposer.draft(item)
        item.accept = np.ones(n, dtype=bool)
        item.null_draft = bool(is_null_move(item.text, q))
        if not item.null_draft:
            accept = self.vote(item)
            while True:
                item.accept = accept
                if passes(self.rule, accept, self.weight, self.threshold):
                    item.outcome = CONSENSUS
                    break
                if cfg.side_payments and self.buy_off(item, accept):
                    item.outcome = CONSENSUS
                    break
                if item.rounds == cfg.max_rounds:
                    break
                amended = AgendaItem(item.slot, item.dims, item.carried_over, item.proposer, q,
                                     proposer.concede(item, ~accept), item.margins, item.status_quo_distance,
                                     np.zeros(n))
                if is_null_move(amended.text, q):
                    break  # the concessions would give back the status quo: the objection stands
                accept_amended = self.vote(amended)
                if not accept_amended[item.proposer]:
                    break  # the proposer withdraws rather than table a text it would itself oppose
                item.text, item.text_distance, accept = amended.text, amended.text_distance, accept_amended
                item.rounds += 1
            objectors = int((~item.accept).sum())
            if item.outcome == NO_TEXT and subset_text(objectors, self.schedule_.subset_limit[self.meeting],
                                                       self.schedule_.members_present[self.meeting]):
                item.outcome = SUBSET
        moves = item.outcome == CONSENSUS or (item.outcome == SUBSET and cfg.subset_moves_status_quo)
        if moves and not cfg.fixed_status_quo and not cfg.uniform_status_quo:
            self.status_quo = item.text
        if cfg.dynamic_tolerance:
            self.agents.do("grow_into_community", item.outcome == CONSENSUS, item.outcome == NO_TEXT)
        return item

    def buy_off(self, item: AgendaItem, accept: np.ndarray) -> bool:
        """Side payments: the cheapest objectors bought off by a major power that can afford it."""
        need = np.array(self.agents.map("price", item), dtype=float)
        cost, feasible = cheapest_compensation(accept, need, self.rule, self.weight, self.threshold,
                                               np.empty(len(accept), dtype=np.bool_))
        budgets = np.array(self.agents.get("budget"), dtype=float)
        eligible = np.array([a.is_major and a.present for a in self.members])
        who = int(choose_payer(cost, budgets, accept, eligible, item.proposer))
        if not feasible or who < 0:
            return False
        self.members[who].pay(cost)
        item.payer, item.payment = who, float(cost)
        return True

    # ------------------------------------------------------------------ one meeting

    def begin_meeting(self) -> None:
        """Who is present, the great-power game's pull on ideals, budgets, the status quo's drift."""
        cfg, sched, m = self.config, self.schedule_, self.meeting
        self.present = sched.present[m]
        self.weight = sched.weight[m]
        if sched.has_shift[m]:
            for i in range(cfg.n_members):
                clip_into(np.add(self.ideal[i], sched.shift[m, i], out=self.ideal[i]), cfg.lower, cfg.upper)
        for a in self.members:
            a.budget = float(sched.budget[m, a.index])
            a.objections = a.sole_vetoes = 0
        if not cfg.uniform_status_quo and not cfg.fixed_status_quo and cfg.drift > 0:
            noise = np.empty(cfg.n_dims)
            streams.fill_normals(self.run_seed, self.replication, streams.DRIFT, streams.drift_start(m, cfg.n_dims),
                                 noise)
            self.status_quo = clip_into(self.status_quo + cfg.drift * noise, cfg.lower, cfg.upper)

    def agenda(self) -> list[AgendaItem]:
        """Carried-over items first, then new ones drawn by issue share (and packages)."""
        cfg, m = self.config, self.meeting
        slots, d = cfg.items_per_meeting, cfg.n_dims
        items = [AgendaItem(s, dims, True) for s, dims in enumerate(self.backlog[:slots])]
        self.backlog = []
        cumulative = np.cumsum(cfg.issue_shares)
        for s in range(len(items), slots):
            dims = np.zeros(d, dtype=bool)
            issue_areas(self.run_seed, self.replication, m, s, slots, cfg.issue_shares, cumulative,
                        cfg.package_probability, cfg.package_size, np.empty(d), dims)
            items.append(AgendaItem(s, dims, False))
        return items

    def step(self) -> None:
        """Hold one meeting: the agenda, every item negotiated in turn, the record collected."""
        cfg = self.config
        self.begin_meeting()
        items = [self.negotiate(item) for item in self.agenda()]
        for item in items:
            objectors = ~item.accept
            sole = item.outcome != CONSENSUS and int(objectors.sum()) == 1
            for a in self.members:
                a.objections += int(objectors[a.index])
                a.sole_vetoes += int(sole and objectors[a.index])
            if item.outcome == NO_TEXT and cfg.carry_over:
                self.backlog.append(item.dims)
            self.datacollector.add_table_row("items", self.item_row(item))
        consensus = sum(i.outcome == CONSENSUS for i in items)
        subset = sum(i.outcome == SUBSET for i in items)
        self.record = {
            "replication": self.replication, "meeting": self.meeting + 1,
            "members_present": int(self.present.sum()), "items": len(items),
            "adopted": consensus + subset, "consensus": consensus, "subset_texts": subset,
            "deadlocked": len(items) - consensus - subset,
            "null_drafts": sum(i.null_draft for i in items), "rounds": sum(i.rounds for i in items),
            "carried_in": sum(i.carried_over for i in items),
            "side_payments": sum(i.payer >= 0 for i in items),
            "side_payment_total": float(sum((i.payment for i in items), 0.0)),
        }
        self.datacollector.collect(self)
        self.meeting += 1

    def item_row(self, item: AgendaItem) -> dict:
        """One row of the items table."""
        cfg = self.config
        return {
            "replication": self.replication, "meeting": self.meeting + 1, "item": item.slot + 1,
            "issue_area": "+".join(cfg.dimensions[k] for k in np.flatnonzero(item.dims)),
            "carried_over": item.carried_over, "proposer": cfg.names[item.proposer],
            "adopted": item.outcome != NO_TEXT, "outcome": OUTCOME_NAMES[item.outcome],
            "null_draft": item.null_draft, "rounds": item.rounds,
            "objectors": ";".join(cfg.names[k] for k in np.flatnonzero(~item.accept)),
            "payer": cfg.names[item.payer] if item.payer >= 0 else "", "side_payment": item.payment,
        }

    def member_value(self, agent: MemberState, column: str):
        """One member's entry in a column of the members table, after the current meeting."""
        if column == "replication":
            return self.replication
        if column == "meeting":
            return self.meeting + 1
        if column == "member":
            return agent.name
        if column == "present":
            return agent.present
        if column == "distance_to_status_quo":
            return (np.nan if self.status_quo is None
                    else float(distance(self.status_quo, self.ideal, self.salience, agent.index)))
        return getattr(agent, column)

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The meetings, members and items tables of the meetings held so far (DataCollector)."""
        dc = self.datacollector

        def typed(columns, data) -> pd.DataFrame:
            return pd.DataFrame({c.name: pd.Series(data[c.name], dtype=object).astype(c.dtype) for c in columns})

        agents = dc.get_agent_vars_dataframe().reset_index(drop=True) if self.meeting else None
        items = dc.get_table_dataframe("items")
        return (typed(MEETING_COLUMNS, {c.name: dc.model_vars.get(c.name, []) for c in MEETING_COLUMNS}),
                typed(MEMBER_COLUMNS, {c.name: [] if agents is None else agents[c.name].to_numpy()
                                       for c in MEMBER_COLUMNS}),
                typed(ITEM_COLUMNS, {c.name: items[c.name].to_numpy() if len(items) else []
                                     for c in ITEM_COLUMNS}))

    def run(self, meetings: int | None = None) -> "SCOModel":
        """Hold ``meetings`` meetings (the scenario's number by default)."""
        for _ in range(self.config.meetings if meetings is None else meetings):
            self.step()
        return self

    def finish(self, keep_record: bool = True) -> None:
        """Remove the agents (and, unless ``keep_record``, the collected record) once it is read.

        Mesa 3.3 keeps every model it has seen in a class-level id registry, so a finished model
        should hold as little as possible.
        """
        for agent in list(self.agents):
            agent.remove()
        if not keep_record:
            self.datacollector = None
            self.schedule_ = None
