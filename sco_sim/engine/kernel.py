"""The compiled engine: many replications at once, in parallel threads, exact to the Mesa model.

The loop below schedules the same compiled functions the Mesa agents call (``sco_sim.model``:
geometry, agenda, drafting, mechanisms, rules, streams), in the same order, for one replication
after another; ``prange`` spreads replications over threads, and since each replication addresses
its own random numbers (counter-based streams) and writes only its own rows, the result does not
depend on the number of threads. Only this scheduling loop exists twice (here and in
``sco_sim.model.organisation``); exactness tests keep the two identical.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
from numba import njit

from ..model import streams
from ..model.agenda import issue_areas, select_proposer
from ..model.drafting import COMPROMISE, STEP, amend, compromise_draft, setter_draft, step_draft
from ..model.geometry import acceptance_margin, accepts, distance, is_null_move
from ..model.mechanisms import cheapest_compensation, choose_payer, shortfall, subset_text, update_tolerance
from ..model.outputs import CONSENSUS, NO_TEXT, SUBSET
from ..model.rules import passes

# Columns of the per-meeting counter block ``counts`` (R, M, K), in the meetings table's order.
ADOPTED, N_CONSENSUS, N_SUBSET, DEADLOCKED, NULLS, ROUNDS, CARRIED_IN, PAYMENTS = range(8)
N_COUNTS = 8
#: the meetings table's count columns by their position in ``counts``
COUNTS = {"adopted": ADOPTED, "consensus": N_CONSENSUS, "subset_texts": N_SUBSET, "deadlocked": DEADLOCKED,
          "null_drafts": NULLS, "rounds": ROUNDS, "carried_in": CARRIED_IN, "side_payments": PAYMENTS}


class Params(NamedTuple):
    """A configuration as the compiled loop reads it (plain arrays and numbers)."""

    ideal: np.ndarray  # (N, D) file positions (zeros when generated)
    ideal_sd: np.ndarray  # (N, D)
    generated: bool
    uncertain: bool
    salience: np.ndarray  # (N, D)
    capability: np.ndarray  # (N,)
    tolerance: np.ndarray  # (N,)
    tolerance_cap: np.ndarray  # (N,)
    rivalry: np.ndarray  # (N, N), NaN where not rivals
    cancels: np.ndarray  # (N, N) bool
    majors: np.ndarray  # (N,) bool
    lower: np.ndarray  # (D,)
    upper: np.ndarray  # (D,)
    rule: int
    threshold: float
    items: int
    proposer: int
    major_share: float
    issue_shares: np.ndarray  # (D,)
    cumulative_shares: np.ndarray  # (D,)
    package_probability: float
    package_size: int
    carry_over: bool
    drafting: int
    max_rounds: int
    concession: float
    step: float
    noise: float
    setter_noise: float
    uniform_status_quo: bool
    status_quo: np.ndarray  # (D,) (ignored when uniform)
    drift: float
    fixed_status_quo: bool
    subset_moves: bool
    side_payments: bool
    dynamic_tolerance: bool
    growth: float
    decay: float
    # the schedule (sco_sim.model.schedule.Schedule)
    present: np.ndarray  # (M, N) bool
    weight: np.ndarray  # (M, N)
    proposer_cumulative: np.ndarray  # (M, N)
    major_cumulative: np.ndarray  # (M, N)
    chair: np.ndarray  # (M,)
    budget: np.ndarray  # (M, N)
    shift: np.ndarray  # (M, N, D)
    has_shift: np.ndarray  # (M,)
    subset_limit: np.ndarray  # (M,)
    members_present: np.ndarray  # (M,)


def params_of(config, schedule) -> Params:
    """Pack a configuration and its schedule for the compiled loop."""
    c = np.ascontiguousarray
    return Params(
        ideal=c(config.ideal_array), ideal_sd=c(config.ideal_sd_array), generated=bool(config.generated),
        uncertain=config.ideal_sd is not None, salience=c(config.salience, dtype=float),
        capability=c(config.capability, dtype=float), tolerance=c(config.tolerance, dtype=float),
        tolerance_cap=c(config.tolerance_cap), rivalry=c(config.rivalry, dtype=float), cancels=c(config.cancels),
        majors=np.array([g == "major" for g in config.groups]), lower=config.lower, upper=config.upper,
        rule=int(config.rule_code), threshold=float(config.threshold_value), items=int(config.items_per_meeting),
        proposer=int(config.proposer_code), major_share=float(config.major_agenda_share),
        issue_shares=c(config.issue_shares, dtype=float), cumulative_shares=np.cumsum(config.issue_shares),
        package_probability=float(config.package_probability),
        package_size=int(config.package_size), carry_over=bool(config.carry_over),
        drafting=int(config.drafting_code), max_rounds=int(config.max_rounds), concession=float(config.concession),
        step=float(config.proposal_step), noise=float(config.noise), setter_noise=float(config.setter_noise),
        uniform_status_quo=bool(config.uniform_status_quo),
        status_quo=(np.zeros(config.n_dims) if config.uniform_status_quo
                    else c(config.status_quo, dtype=float)),
        drift=float(config.drift), fixed_status_quo=bool(config.fixed_status_quo),
        subset_moves=bool(config.subset_moves_status_quo), side_payments=bool(config.side_payments),
        dynamic_tolerance=bool(config.dynamic_tolerance), growth=float(config.community_growth),
        decay=float(config.community_decay),
        present=c(schedule.present), weight=c(schedule.weight), proposer_cumulative=c(schedule.proposer_cumulative),
        major_cumulative=c(schedule.major_cumulative), chair=c(schedule.chair), budget=c(schedule.budget),
        shift=c(schedule.shift), has_shift=c(schedule.has_shift), subset_limit=c(schedule.subset_limit),
        members_present=c(schedule.members_present),
    )


class Out(NamedTuple):
    """What the loop writes, per replication r of the block (items arrays have size 0 when off)."""

    counts: np.ndarray  # (R, M, N_COUNTS) int64
    paid: np.ndarray  # (R, M) side payments' total
    objections: np.ndarray  # (R, M, N) int64
    sole: np.ndarray  # (R, M, N) int64
    distance: np.ndarray  # (R, M, N)
    tolerance: np.ndarray  # (R, M, N)
    final_status_quo: np.ndarray  # (R, D)
    item_dims: np.ndarray  # (R, M, I, D) bool
    item_carried: np.ndarray  # (R, M, I) bool
    item_proposer: np.ndarray  # (R, M, I) int64
    item_outcome: np.ndarray  # (R, M, I) int8
    item_null: np.ndarray  # (R, M, I) bool
    item_rounds: np.ndarray  # (R, M, I) int64
    item_objectors: np.ndarray  # (R, M, I, N) bool
    item_payer: np.ndarray  # (R, M, I) int64
    item_payment: np.ndarray  # (R, M, I)


def new_out(r: int, m: int, n: int, d: int, slots: int, items: bool) -> Out:
    """Empty outputs for a block of ``r`` replications."""
    ri, mi = (r, m) if items else (0, 0)
    return Out(
        counts=np.zeros((r, m, N_COUNTS), dtype=np.int64), paid=np.zeros((r, m)),
        objections=np.zeros((r, m, n), dtype=np.int64), sole=np.zeros((r, m, n), dtype=np.int64),
        distance=np.zeros((r, m, n)), tolerance=np.zeros((r, m, n)), final_status_quo=np.zeros((r, d)),
        item_dims=np.zeros((ri, mi, slots, d), dtype=np.bool_), item_carried=np.zeros((ri, mi, slots), dtype=np.bool_),
        item_proposer=np.zeros((ri, mi, slots), dtype=np.int64), item_outcome=np.zeros((ri, mi, slots), dtype=np.int8),
        item_null=np.zeros((ri, mi, slots), dtype=np.bool_), item_rounds=np.zeros((ri, mi, slots), dtype=np.int64),
        item_objectors=np.zeros((ri, mi, slots, n), dtype=np.bool_),
        item_payer=np.zeros((ri, mi, slots), dtype=np.int64), item_payment=np.zeros((ri, mi, slots)),
    )


class Work(NamedTuple):
    """Scratch arrays one replication reuses for every item (nothing is allocated per item)."""

    margin: np.ndarray  # (N,)
    dq: np.ndarray  # (N,)
    dp: np.ndarray  # (N,)
    dp2: np.ndarray  # (N,)
    accept: np.ndarray  # (N,) bool: the last vote
    accept2: np.ndarray  # (N,) bool
    objectors: np.ndarray  # (N,) bool
    need: np.ndarray  # (N,)
    eligible: np.ndarray  # (N,) bool
    capability: np.ndarray  # (N,)
    text: np.ndarray  # (D,) the draft on the table
    amended: np.ndarray  # (D,)
    noise: np.ndarray  # (D,)
    draws: np.ndarray  # (D,) scratch for package keys
    dims: np.ndarray  # (D,) bool: the item's issue areas
    present: np.ndarray  # (N,) bool: this meeting's row of the schedule (copied once a meeting)
    weight: np.ndarray  # (N,)
    cumulative: np.ndarray  # (N,)
    major_cumulative: np.ndarray  # (N,)


@njit(cache=True, error_model="numpy")
def _work(n, d):
    return Work(np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(n, dtype=np.bool_),
                np.empty(n, dtype=np.bool_), np.empty(n, dtype=np.bool_), np.empty(n),
                np.empty(n, dtype=np.bool_), np.empty(n), np.empty(d), np.empty(d), np.empty(d),
                np.empty(d), np.empty(d, dtype=np.bool_), np.empty(n, dtype=np.bool_), np.empty(n), np.empty(n),
                np.empty(n))


@njit(cache=True, error_model="numpy", inline="always")
def _negotiate(p, seed, rep, m, s, dims, q, ideal, tolerance, budget, w):
    """One item of one replication, as ``SCOModel.negotiate`` does it.

    Returns (proposer, outcome, null draft, rounds, payer, payment); ``w.accept`` holds the last
    vote and ``w.text`` the last draft.
    """
    n, d = ideal.shape
    present = w.present
    weight = w.weight
    u = streams.uniform(seed, rep, streams.PROPOSER, streams.slot_index(m, s, p.items))
    proposer = select_proposer(p.proposer, u, p.chair[m], w.cumulative, p.major_share, w.major_cumulative)
    margin, dq, dp, accept, text = w.margin, w.dq, w.dp, w.accept, w.text
    for i in range(n):
        margin[i] = acceptance_margin(tolerance[i], p.rivalry[i, proposer], p.cancels[i, proposer], present[i])
        dq[i] = distance(q, ideal, p.salience, i)
    if p.drafting == STEP:
        streams.draft_noise(seed, rep, m, s, p.items, dims, p.noise, w.noise)
        step_draft(q, ideal, proposer, dims, p.step, p.noise, w.noise, p.lower, p.upper, text)
    elif p.drafting == COMPROMISE:
        for i in range(n):
            w.capability[i] = p.capability[i] if present[i] else 0.0
        compromise_draft(q, ideal, p.salience, w.capability, dims, text)
    else:
        believed = ideal.copy()
        if p.setter_noise > 0:
            for i in range(n):
                if i != proposer:
                    streams.fill_normals(seed, rep, streams.SETTER, streams.setter_start(m, s, i, p.items, n, d),
                                         w.noise)
                    for k in range(d):
                        believed[i, k] = ideal[i, k] + p.setter_noise * w.noise[k]
        text[:] = setter_draft(q, proposer, believed, p.salience, margin, dims, p.lower, p.upper, p.rule,
                               weight, p.threshold)
    accept[:] = True
    outcome, rounds, payer, payment = NO_TEXT, 0, -1, 0.0
    null = is_null_move(text, q)
    if not null:
        for i in range(n):
            dp[i] = distance(text, ideal, p.salience, i)
            accept[i] = accepts(dp[i], dq[i], margin[i])
        while True:
            if passes(p.rule, accept, weight, p.threshold):
                outcome = CONSENSUS
                break
            if p.side_payments:
                for i in range(n):
                    w.need[i] = shortfall(dp[i], dq[i], margin[i])
                    w.eligible[i] = p.majors[i] and present[i]
                cost, feasible = cheapest_compensation(accept, w.need, p.rule, weight, p.threshold)
                who = choose_payer(cost, budget, accept, w.eligible, proposer)
                if feasible and who >= 0:
                    budget[who] -= cost
                    outcome, payer, payment = CONSENSUS, who, cost
                    break
            if rounds == p.max_rounds:
                break
            for i in range(n):
                w.objectors[i] = not accept[i]
            amend(text, ideal, w.objectors, dims, p.concession, w.amended)
            if is_null_move(w.amended, q):
                break  # the concessions would give back the status quo: the objection stands
            for i in range(n):
                w.dp2[i] = distance(w.amended, ideal, p.salience, i)
                w.accept2[i] = accepts(w.dp2[i], dq[i], margin[i])
            if not w.accept2[proposer]:
                break  # the proposer withdraws rather than table a text it would itself oppose
            text[:] = w.amended
            dp[:] = w.dp2
            accept[:] = w.accept2
            rounds += 1
        n_obj = 0
        for i in range(n):
            n_obj += not accept[i]
        if outcome == NO_TEXT and subset_text(n_obj, p.subset_limit[m], p.members_present[m]):
            outcome = SUBSET
    return proposer, outcome, null, rounds, payer, payment


@njit(cache=True, error_model="numpy")
def _replication(p, seed, rep, r, out, items):
    """Every meeting of replication ``rep``, written into row ``r`` of ``out``."""
    n, d = p.salience.shape
    m_total = p.present.shape[0]
    slots = p.items
    w = _work(n, d)
    ideal = np.empty((n, d))
    streams.initial_ideals(seed, rep, p.ideal, p.ideal_sd, p.lower, p.upper, p.generated, p.uncertain, ideal)
    tolerance = p.tolerance.copy()
    q = p.status_quo.copy()
    have_q = not p.uniform_status_quo
    backlog = np.zeros((slots, d), dtype=np.bool_)
    backlog_n = 0
    agenda = np.zeros((slots, d), dtype=np.bool_)
    budget = np.empty(n)
    for m in range(m_total):
        w.present[:] = p.present[m]
        w.weight[:] = p.weight[m]
        w.cumulative[:] = p.proposer_cumulative[m]
        w.major_cumulative[:] = p.major_cumulative[m]
        present = w.present
        if p.has_shift[m]:
            for i in range(n):
                for k in range(d):
                    ideal[i, k] = min(max(ideal[i, k] + p.shift[m, i, k], p.lower[k]), p.upper[k])
        budget[:] = p.budget[m]
        if have_q and not p.fixed_status_quo and p.drift > 0:
            streams.fill_normals(seed, rep, streams.DRIFT, streams.drift_start(m, d), w.noise)
            for k in range(d):
                q[k] = min(max(q[k] + p.drift * w.noise[k], p.lower[k]), p.upper[k])
        carried_in = min(backlog_n, slots)
        for s in range(slots):
            if s < carried_in:
                agenda[s] = backlog[s]
            else:
                issue_areas(seed, rep, m, s, slots, p.issue_shares, p.cumulative_shares, p.package_probability,
                            p.package_size, w.draws, agenda[s])
        backlog_n = 0
        c = out.counts[r, m]
        c[CARRIED_IN] = carried_in
        for s in range(slots):
            dims = w.dims
            dims[:] = agenda[s]
            if p.uniform_status_quo:
                streams.fill_uniforms(seed, rep, streams.STATUS_QUO, streams.slot_start(m, s, slots, d), w.noise)
                for k in range(d):
                    q[k] = p.lower[k] + w.noise[k] * (p.upper[k] - p.lower[k])
                have_q = True
            proposer, outcome, null, rounds, payer, payment = _negotiate(
                p, seed, rep, m, s, dims, q, ideal, tolerance, budget, w)
            accept = w.accept
            moves = outcome == CONSENSUS or (outcome == SUBSET and p.subset_moves)
            if moves and not p.fixed_status_quo and not p.uniform_status_quo:
                q[:] = w.text
            if p.dynamic_tolerance:
                for i in range(n):
                    if present[i]:
                        tolerance[i] = update_tolerance(tolerance[i], outcome == CONSENSUS, outcome == NO_TEXT,
                                                        p.growth, p.decay, p.tolerance_cap[i])
            n_obj = 0
            for i in range(n):
                n_obj += not accept[i]
            for i in range(n):
                if not accept[i]:
                    out.objections[r, m, i] += 1
                    if outcome != CONSENSUS and n_obj == 1:
                        out.sole[r, m, i] += 1
            c[ADOPTED] += outcome != NO_TEXT
            c[N_CONSENSUS] += outcome == CONSENSUS
            c[N_SUBSET] += outcome == SUBSET
            c[DEADLOCKED] += outcome == NO_TEXT
            c[NULLS] += null
            c[ROUNDS] += rounds
            c[PAYMENTS] += payer >= 0
            out.paid[r, m] += payment
            if outcome == NO_TEXT and p.carry_over:
                backlog[backlog_n] = dims
                backlog_n += 1
            if items:
                out.item_dims[r, m, s] = dims
                out.item_carried[r, m, s] = s < carried_in
                out.item_proposer[r, m, s] = proposer
                out.item_outcome[r, m, s] = outcome
                out.item_null[r, m, s] = null
                out.item_rounds[r, m, s] = rounds
                for i in range(n):
                    out.item_objectors[r, m, s, i] = not accept[i]
                out.item_payer[r, m, s] = payer
                out.item_payment[r, m, s] = payment
        for i in range(n):
            out.distance[r, m, i] = distance(q, ideal, p.salience, i) if have_q else np.nan
            out.tolerance[r, m, i] = tolerance[i]
    out.final_status_quo[r] = q


@njit(cache=True, error_model="numpy", nogil=True)
def run_range(p, seed, first, out, items, start, stop):
    """Replications ``first + start .. first + stop - 1`` into rows ``start .. stop - 1`` of ``out``.

    Releases the GIL, so threads can run disjoint ranges of one block at once.
    """
    for r in range(start, stop):
        _replication(p, seed, first + r, r, out, items)


def run_block(p, seed, first, out, items, threads: int = 1) -> None:
    """Replications ``first .. first + R - 1`` into ``out`` (R rows), on ``threads`` threads.

    Each replication addresses its own random numbers and writes only its own rows, so the
    result is the same on any number of threads.
    """
    r = out.counts.shape[0]
    if threads <= 1 or r < 2:
        run_range(p, seed, first, out, items, 0, r)
        return
    bounds = np.linspace(0, r, min(threads, r) + 1).astype(np.int64)
    with ThreadPoolExecutor(len(bounds) - 1) as pool:
        for f in [pool.submit(run_range, p, seed, first, out, items, a, b) for a, b in zip(bounds[:-1], bounds[1:])]:
            f.result()
