"""The compiled engine: many replications at once, in parallel threads, exact to the Mesa model.

The loop below schedules the same compiled functions the Mesa agents call (``sco_sim.model``:
geometry, agenda, drafting, mechanisms, rules, streams), in the same order, for one replication
after another; :func:`run_block` gives disjoint ranges of replications to threads (the loop
releases the GIL), and since each replication addresses its own random numbers (counter-based
streams) and writes only its own rows, the result does not depend on the number of threads. Only
this scheduling loop exists twice (here and in ``sco_sim.model.organisation``); exactness tests
keep the two identical. The loop is compiled without reference counts and the model's per-item
functions are inlined into it (``sco_sim.model.compiled``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
from numba import njit

from ..model import streams
from ..model.agenda import draws_proposer, issue_areas, select_proposer
from ..model.compiled import loop
from ..model.drafting import COMPROMISE, STEP, amend, compromise_draft, misjudged_ideals, setter_draft, step_draft
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


def new_out(r: int, m: int, n: int, d: int, slots: int, items: bool, members: bool = True) -> Out:
    """Empty outputs for a block of ``r`` replications.

    Without ``items`` the per-item arrays, and without ``members`` the per-member distances and
    tolerances (read only by the members table), have size 0 and are not written.
    """
    ri, mi = (r, m) if items else (0, 0)
    rm = r if members else 0
    return Out(
        counts=np.zeros((r, m, N_COUNTS), dtype=np.int64), paid=np.zeros((r, m)),
        objections=np.zeros((r, m, n), dtype=np.int64), sole=np.zeros((r, m, n), dtype=np.int64),
        distance=np.zeros((rm, m, n)), tolerance=np.zeros((rm, m, n)), final_status_quo=np.zeros((r, d)),
        item_dims=np.zeros((ri, mi, slots, d), dtype=np.bool_), item_carried=np.zeros((ri, mi, slots), dtype=np.bool_),
        item_proposer=np.zeros((ri, mi, slots), dtype=np.int64), item_outcome=np.zeros((ri, mi, slots), dtype=np.int8),
        item_null=np.zeros((ri, mi, slots), dtype=np.bool_), item_rounds=np.zeros((ri, mi, slots), dtype=np.int64),
        item_objectors=np.zeros((ri, mi, slots, n), dtype=np.bool_),
        item_payer=np.zeros((ri, mi, slots), dtype=np.int64), item_payment=np.zeros((ri, mi, slots)),
    )


@njit(cache=True, error_model="numpy", _nrt=True)  # it allocates: reference-counted, though the loop calls it
def _setter_text(seed, rep, m, s, items, q, proposer, ideal, salience, margin, dims, lower, upper, rule, weight,
                 threshold, setter_noise, noise, text):
    """The agenda setter's draft, into ``text``: it misjudges the others' ideals by ``setter_noise``.

    Kept out of :func:`_negotiate` because it allocates; the step and compromise drafts do not.
    """
    believed = np.empty_like(ideal)
    misjudged_ideals(seed, rep, m, s, items, ideal, proposer, setter_noise, noise, believed)
    text[:] = setter_draft(q, proposer, believed, salience, margin, dims, lower, upper, rule, weight, threshold)


@njit(cache=True, error_model="numpy", inline="always")  # into _replication, a loop without reference counts
def _negotiate(p, w, seed, rep, m, s):
    """One item of one replication, as ``SCOModel.negotiate`` does it.

    ``w`` holds the replication's state (ideals, tolerances, status quo ``q`` and each member's
    distance from it ``dq``, this meeting's schedule row, the item's issue areas ``dims``) and
    scratch. Returns (proposer, outcome, null draft, rounds, payer, payment); ``w.accept`` holds
    the last vote and ``w.text`` the last draft.
    """
    n = w.ideal.shape[0]
    q, dq, ideal, dims, text, accept, margin, dp = w.q, w.dq, w.ideal, w.dims, w.text, w.accept, w.margin, w.dp
    present, weight = w.present, w.weight
    proposer = select_proposer(p.proposer, w.proposer_u[s], p.chair[m], w.cumulative, p.major_share,
                               w.major_cumulative)
    for i in range(n):
        margin[i] = acceptance_margin(w.tolerance[i], p.rivalry[i, proposer], p.cancels[i, proposer], present[i])
    if p.drafting == STEP:
        streams.draft_noise(seed, rep, m, s, p.items, dims, p.noise, w.noise)
        step_draft(q, ideal, proposer, dims, p.step, p.noise, w.noise, p.lower, p.upper, text)
    elif p.drafting == COMPROMISE:
        for i in range(n):
            w.capability_present[i] = p.capability[i] if present[i] else 0.0
        compromise_draft(q, ideal, p.salience, w.capability_present, dims, text)
    else:
        _setter_text(seed, rep, m, s, p.items, q, proposer, ideal, p.salience, margin, dims, p.lower, p.upper,
                     p.rule, weight, p.threshold, p.setter_noise, w.noise, text)
    for i in range(n):
        accept[i] = True
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
                cost, feasible = cheapest_compensation(accept, w.need, p.rule, weight, p.threshold, w.bought)
                who = choose_payer(cost, w.budget, accept, w.eligible, proposer)
                if feasible and who >= 0:
                    w.budget[who] -= cost
                    outcome, payer, payment = CONSENSUS, who, cost
                    break
            if rounds == p.max_rounds:
                break
            for i in range(n):
                w.objectors[i] = not accept[i]
            amend(text, ideal, w.objectors, dims, p.concession, w.amended)
            if is_null_move(w.amended, q):
                break  # the concessions would give back the status quo: the objection stands
            w.dp2[proposer] = distance(w.amended, ideal, p.salience, proposer)
            if not accepts(w.dp2[proposer], dq[proposer], margin[proposer]):
                break  # the proposer withdraws rather than table a text it would itself oppose
            for i in range(n):
                w.dp2[i] = distance(w.amended, ideal, p.salience, i)
                w.accept2[i] = accepts(w.dp2[i], dq[i], margin[i])
            for k in range(text.shape[0]):
                text[k] = w.amended[k]
            for i in range(n):
                dp[i] = w.dp2[i]
                accept[i] = w.accept2[i]
            rounds += 1
        n_obj = 0
        for i in range(n):
            n_obj += not accept[i]
        if outcome == NO_TEXT and subset_text(n_obj, p.subset_limit[m], p.members_present[m]):
            outcome = SUBSET
    return proposer, outcome, null, rounds, payer, payment


class Work(NamedTuple):
    """Scratch arrays a thread reuses for every replication and item (nothing is allocated in the loop)."""

    present: np.ndarray  # (N,) bool: this meeting's row of the schedule
    weight: np.ndarray  # (N,)
    cumulative: np.ndarray  # (N,)
    major_cumulative: np.ndarray  # (N,)
    budget: np.ndarray  # (N,) side-payment budgets left this meeting
    margin: np.ndarray  # (N,)
    dq: np.ndarray  # (N,) distances from the status quo
    dp: np.ndarray  # (N,) distances from the draft
    dp2: np.ndarray  # (N,) distances from the amended draft
    need: np.ndarray  # (N,)
    capability_present: np.ndarray  # (N,)
    accept: np.ndarray  # (N,) bool: the last vote
    accept2: np.ndarray  # (N,) bool
    objectors: np.ndarray  # (N,) bool
    eligible: np.ndarray  # (N,) bool
    bought: np.ndarray  # (N,) bool
    tolerance: np.ndarray  # (N,)
    ideal: np.ndarray  # (N, D)
    q: np.ndarray  # (D,) the status quo
    text: np.ndarray  # (D,) the draft on the table
    amended: np.ndarray  # (D,)
    noise: np.ndarray  # (D,)
    draws: np.ndarray  # (D,) scratch for package keys
    dims: np.ndarray  # (D,) bool: the item's issue areas
    agenda: np.ndarray  # (I, D) bool
    backlog: np.ndarray  # (I, D) bool
    proposer_u: np.ndarray  # (I,) this meeting's proposer uniforms, one per slot


@njit(cache=True, error_model="numpy")
def new_work(n, d, slots):
    """Scratch for one thread."""
    b = np.bool_
    return Work(
        present=np.empty(n, dtype=b), weight=np.empty(n), cumulative=np.empty(n), major_cumulative=np.empty(n),
        budget=np.empty(n), margin=np.empty(n), dq=np.empty(n), dp=np.empty(n),
        dp2=np.empty(n), need=np.empty(n), capability_present=np.empty(n), accept=np.empty(n, dtype=b),
        accept2=np.empty(n, dtype=b), objectors=np.empty(n, dtype=b), eligible=np.empty(n, dtype=b),
        bought=np.empty(n, dtype=b), tolerance=np.empty(n), ideal=np.empty((n, d)), q=np.empty(d),
        text=np.empty(d), amended=np.empty(d), noise=np.empty(d), draws=np.empty(d), dims=np.empty(d, dtype=b),
        agenda=np.zeros((slots, d), dtype=b), backlog=np.zeros((slots, d), dtype=b), proposer_u=np.zeros(slots))


@loop
def _replication(p, seed, rep, r, out, items, w):
    """Every meeting of replication ``rep``, written into row ``r`` of ``out`` (``w``: scratch).

    Compiled without reference counts (see ``sco_sim.model.compiled``): nothing here allocates,
    and the model's procedures are inlined, so reading the tuples' fields and calling the
    protocol's functions costs no atomic operation and no call.
    """
    n, d = p.salience.shape
    slots = p.items
    ideal, tolerance, q, dq, dims, accept, noise = w.ideal, w.tolerance, w.q, w.dq, w.dims, w.accept, w.noise
    members_table = out.distance.shape[0] > 0  # per-member arrays have size 0 when no members table is kept
    streams.initial_ideals(seed, rep, p.ideal, p.ideal_sd, p.lower, p.upper, p.generated, p.uncertain, w.draws,
                           ideal)
    for i in range(n):
        tolerance[i] = p.tolerance[i]
    for k in range(d):
        q[k] = p.status_quo[k]
    have_q = not p.uniform_status_quo
    q_moved = True  # dq must be (re)computed: q or the ideals changed since it last was
    backlog_n = 0
    for m in range(p.present.shape[0]):
        for i in range(n):
            w.present[i] = p.present[m, i]
            w.weight[i] = p.weight[m, i]
            w.cumulative[i] = p.proposer_cumulative[m, i]
            w.major_cumulative[i] = p.major_cumulative[m, i]
            w.budget[i] = p.budget[m, i]
            w.eligible[i] = p.majors[i] and w.present[i]  # who may pay a side payment
        if p.has_shift[m]:
            for i in range(n):
                for k in range(d):
                    ideal[i, k] = min(max(ideal[i, k] + p.shift[m, i, k], p.lower[k]), p.upper[k])
            q_moved = True
        if have_q and not p.fixed_status_quo and p.drift > 0:
            streams.fill_normals(seed, rep, streams.DRIFT, streams.drift_start(m, d), noise)
            for k in range(d):
                q[k] = min(max(q[k] + p.drift * noise[k], p.lower[k]), p.upper[k])
            q_moved = True
        if draws_proposer(p.proposer, p.major_share):  # consecutive slots share a Philox block
            streams.fill_uniforms(seed, rep, streams.PROPOSER, streams.slot_index(m, 0, slots), w.proposer_u)
        carried_in = min(backlog_n, slots)
        for s in range(slots):
            if s >= carried_in:
                issue_areas(seed, rep, m, s, slots, p.issue_shares, p.cumulative_shares, p.package_probability,
                            p.package_size, w.draws, dims)
            for k in range(d):
                w.agenda[s, k] = w.backlog[s, k] if s < carried_in else dims[k]
        backlog_n = 0
        c = out.counts
        c[r, m, CARRIED_IN] = carried_in
        for s in range(slots):
            for k in range(d):
                dims[k] = w.agenda[s, k]
            if p.uniform_status_quo:
                streams.fill_uniforms(seed, rep, streams.STATUS_QUO, streams.slot_start(m, s, slots, d), noise)
                for k in range(d):
                    q[k] = p.lower[k] + noise[k] * (p.upper[k] - p.lower[k])
                have_q = True
                q_moved = True
            if q_moved:
                for i in range(n):
                    dq[i] = distance(q, ideal, p.salience, i)
                q_moved = False
            proposer, outcome, null, rounds, payer, payment = _negotiate(p, w, seed, rep, m, s)
            moves = outcome == CONSENSUS or (outcome == SUBSET and p.subset_moves)
            if moves and not p.fixed_status_quo and not p.uniform_status_quo:
                for k in range(d):
                    q[k] = w.text[k]
                q_moved = True
            if p.dynamic_tolerance:
                for i in range(n):
                    if w.present[i]:
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
            c[r, m, ADOPTED] += outcome != NO_TEXT
            c[r, m, N_CONSENSUS] += outcome == CONSENSUS
            c[r, m, N_SUBSET] += outcome == SUBSET
            c[r, m, DEADLOCKED] += outcome == NO_TEXT
            c[r, m, NULLS] += null
            c[r, m, ROUNDS] += rounds
            c[r, m, PAYMENTS] += payer >= 0
            out.paid[r, m] += payment
            if outcome == NO_TEXT and p.carry_over:
                for k in range(d):
                    w.backlog[backlog_n, k] = dims[k]
                backlog_n += 1
            if items:
                _write_item(out, r, m, s, dims, s < carried_in, proposer, outcome, null, rounds, accept, payer,
                            payment)
        if members_table:
            if q_moved and have_q:
                for i in range(n):
                    dq[i] = distance(q, ideal, p.salience, i)
                q_moved = False
            for i in range(n):
                out.distance[r, m, i] = dq[i] if have_q else np.nan
                out.tolerance[r, m, i] = tolerance[i]
    for k in range(d):
        out.final_status_quo[r, k] = q[k]


@loop
def _write_item(out, r, m, s, dims, carried, proposer, outcome, null, rounds, accept, payer, payment):
    """One row of the per-item arrays (only when the items table is asked for)."""
    for k in range(dims.shape[0]):
        out.item_dims[r, m, s, k] = dims[k]
    out.item_carried[r, m, s] = carried
    out.item_proposer[r, m, s] = proposer
    out.item_outcome[r, m, s] = outcome
    out.item_null[r, m, s] = null
    out.item_rounds[r, m, s] = rounds
    for i in range(accept.shape[0]):
        out.item_objectors[r, m, s, i] = not accept[i]
    out.item_payer[r, m, s] = payer
    out.item_payment[r, m, s] = payment


@njit(cache=True, error_model="numpy", nogil=True)
def run_range(p, seed, first, out, items, start, stop):
    """Replications ``first + start .. first + stop - 1`` into rows ``start .. stop - 1`` of ``out``.

    Releases the GIL, so threads can run disjoint ranges of one block at once.
    """
    n, d = p.salience.shape
    w = new_work(n, d, p.items)
    for r in range(start, stop):
        _replication(p, seed, first + r, r, out, items, w)


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
