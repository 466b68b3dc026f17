"""The vectorised engine: many replications at once in numpy arrays, exact to the Mesa model.

The Mesa model (``model.py``) is the reference and the readable one. This engine runs the same
meeting, item by item, but for a whole block of replications at once: every array gains a leading
replication axis, and all arithmetic goes through the same functions (``geometry``, ``drafting``,
``rules``, ``agenda``), written so that their results do not depend on that axis. Random numbers
come from the same per-replication streams, each drawn for the whole run in one call (each stream
holds one distribution, so this equals the model's meeting-by-meeting draws). The agenda setter
in several dimensions solves one optimisation per item and is called item by item.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from .agenda import major_weights, proposer_weights
from .config import Config
from .drafting import amend, compromise_draft, setter_draft, step_draft
from .geometry import (
    acceptance_margin,
    clip_to_bounds,
    is_null_move,
    weighted_distance,
)
from .mechanisms import cheapest_compensation, choose_payer, shortfall, update_tolerance
from .rules import resolve, voting_weights
from .runner import RunResults
from .streams import (
    PURPOSES,
    draw_generated_ideals,
    perturb_ideals,
    replication_streams,
    scale_to_bounds,
)

BLOCK = 1024  # replications per block: bounds memory (~100 MB at 50 meetings), amortises numpy overhead


class _Draws:
    """A block of replications' random numbers for the whole run, shape (R, M, ...).

    Streams whose numbers the configuration never uses (e.g. draft noise when ``noise = 0``) are
    not built at all: streams are independent, so skipping one leaves every other number as the
    Mesa model sees it.
    """

    def __init__(self, config: Config, seed: int, reps: range):
        m, i, n, d = config.meetings, config.items_per_meeting, config.n_members, config.n_dims
        r = len(reps)
        need = {
            "members": config.generated or config.ideal_sd is not None,
            "agenda": True,
            "proposer": config.proposer != "rotating_chair" or config.major_agenda_share > 0,
            "draft": config.drafting == "step" and config.noise > 0,
            "drift": config.drift > 0 and not config.fixed_status_quo,
            "status_quo": config.uniform_status_quo,
            "setter": config.drafting == "setter" and config.setter_noise > 0,
        }
        purposes = tuple(p for p in PURPOSES if need[p])
        streams = [replication_streams(seed, k, purposes) for k in reps]

        def fill(purpose: str, per_rep: int, normal: bool) -> np.ndarray | None:
            if not need[purpose]:
                return None
            out = np.empty((r, per_rep))
            for k, st in enumerate(streams):
                gen = st[purpose]
                if normal:
                    gen.standard_normal(out=out[k])
                else:
                    gen.random(out=out[k])
            return out

        # Fixed members: one (N, D) array shared by every replication (broadcast in arithmetic).
        if config.generated:
            self.ideal = np.stack([draw_generated_ideals(st, n, config.bounds) for st in streams])
        elif config.ideal_sd is not None:
            self.ideal = np.stack([perturb_ideals(st, config.ideal, config.ideal_sd, config.bounds)
                                   for st in streams])
        else:
            self.ideal = np.asarray(config.ideal, dtype=float)
        agenda = fill("agenda", m * (i * d + i), False).reshape(r, m, i * d + i)
        self.area_keys = agenda[:, :, : i * d].reshape(r, m, i, d)
        self.package_u = agenda[:, :, i * d :]
        proposer = fill("proposer", m * i, False)
        self.proposer_u = None if proposer is None else proposer.reshape(r, m, i)
        noise = fill("draft", m * i * d, True)
        self.draft_noise = None if noise is None else noise.reshape(r, m, i, d)
        drift = fill("drift", m * d, True)
        self.drift = None if drift is None else drift.reshape(r, m, d)
        sq = fill("status_quo", m * i * d, False)
        self.sq_uniform = None if sq is None else sq.reshape(r, m, i, d)
        setter = fill("setter", m * i * n * d, True)
        self.setter_noise = None if setter is None else setter.reshape(r, m, i, n, d)


def _issue_areas(keys: np.ndarray, package_u: np.ndarray, config: Config) -> np.ndarray:
    """Vectorised :func:`sco_sim.agenda.issue_areas` over a leading replication axis."""
    r, d = keys.shape
    mask = np.zeros((r, d), dtype=bool)
    if d == 1:
        mask[:, 0] = True
        return mask
    shares = config.issue_shares
    with np.errstate(divide="ignore"):
        score = np.where(shares > 0, np.log(keys) / np.where(shares > 0, shares, 1.0), -np.inf)
    package = package_u < config.package_probability
    rows = np.arange(r)
    mask[rows, np.argmax(score, axis=1)] = True
    if package.any():
        top = np.argsort(-score[package], axis=1, kind="stable")[:, : config.package_size]
        pm = np.zeros((int(package.sum()), d), dtype=bool)
        np.put_along_axis(pm, top, True, axis=1)
        mask[package] = pm
    return mask


OUTCOME_NAMES = np.array(["none", "consensus", "subset"], dtype=object)  # codes 0, 1, 2


class _Tables:
    """Collects per-meeting, per-member and per-item arrays and turns them into tidy frames."""

    def __init__(self, r: int, m: int, i: int, n: int, d: int, items: bool):
        self.present = np.zeros((m, n), dtype=bool)
        self.consensus = np.zeros((r, m), dtype=np.int64)
        self.subset = np.zeros((r, m), dtype=np.int64)
        self.nulls = np.zeros((r, m), dtype=np.int64)
        self.rounds = np.zeros((r, m), dtype=np.int64)
        self.carried_in = np.zeros((r, m), dtype=np.int64)
        self.payments = np.zeros((r, m), dtype=np.int64)
        self.paid = np.zeros((r, m))
        self.objections = np.zeros((r, m, n), dtype=np.int64)
        self.sole = np.zeros((r, m, n), dtype=np.int64)
        self.distance = np.zeros((r, m, n))
        self.tolerance = np.zeros((r, m, n))
        self.items = items
        if items:
            self.item_dims = np.zeros((r, m, i, d), dtype=bool)
            self.item_carried = np.zeros((r, m, i), dtype=bool)
            self.item_proposer = np.zeros((r, m, i), dtype=np.int64)
            self.item_outcome = np.zeros((r, m, i), dtype=np.int64)
            self.item_null = np.zeros((r, m, i), dtype=bool)
            self.item_rounds = np.zeros((r, m, i), dtype=np.int64)
            self.item_objectors = np.zeros((r, m, i, n), dtype=bool)
            self.item_payer = np.full((r, m, i), -1, dtype=np.int64)
            self.item_payment = np.zeros((r, m, i))

    def frames(self, config: Config, reps: range) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        r, m = self.consensus.shape
        n, slots = config.n_members, config.items_per_meeting
        rep = np.asarray(reps, dtype=np.int64)
        meet = np.arange(1, m + 1, dtype=np.int64)
        adopted = self.consensus + self.subset
        meetings = pd.DataFrame({
            "replication": np.repeat(rep, m),
            "meeting": np.tile(meet, r),
            "members_present": np.tile(self.present.sum(axis=1).astype(np.int64), r),
            "items": np.full(r * m, slots, dtype=np.int64),
            "adopted": adopted.ravel(),
            "consensus": self.consensus.ravel(),
            "subset_texts": self.subset.ravel(),
            "deadlocked": (slots - adopted).ravel(),
            "null_drafts": self.nulls.ravel(),
            "rounds": self.rounds.ravel(),
            "carried_in": self.carried_in.ravel(),
            "side_payments": self.payments.ravel(),
            "side_payment_total": self.paid.ravel(),
        })
        members = pd.DataFrame({
            "replication": np.repeat(rep, m * n),
            "meeting": np.tile(np.repeat(meet, n), r),
            "member": np.tile(np.array(config.names, dtype=object), r * m),
            "present": np.tile(self.present.ravel(), r),
            "objections": self.objections.ravel(),
            "sole_vetoes": self.sole.ravel(),
            "distance_to_status_quo": self.distance.ravel(),
            "tolerance": self.tolerance.ravel(),
        })
        if not self.items:
            return meetings, members, pd.DataFrame()
        names = np.array(config.names, dtype=object)
        dims = np.array(config.dimensions, dtype=object)

        def label(mask: np.ndarray, vocab: np.ndarray, sep: str) -> list[str]:
            cache: dict[bytes, str] = {}
            out = []
            for row in mask:
                key = row.tobytes()
                if key not in cache:
                    cache[key] = sep.join(vocab[row])
                out.append(cache[key])
            return out

        total = r * m * slots
        outcome = self.item_outcome.ravel()
        payer = self.item_payer.ravel()
        items = pd.DataFrame({
            "replication": np.repeat(rep, m * slots),
            "meeting": np.tile(np.repeat(meet, slots), r),
            "item": np.tile(np.arange(1, slots + 1, dtype=np.int64), r * m),
            "issue_area": label(self.item_dims.reshape(total, -1), dims, "+"),
            "carried_over": self.item_carried.ravel(),
            "proposer": names[self.item_proposer.ravel()],
            "adopted": outcome != 0,
            "outcome": OUTCOME_NAMES[outcome],
            "null_draft": self.item_null.ravel(),
            "rounds": self.item_rounds.ravel(),
            "objectors": label(self.item_objectors.reshape(total, -1), names, ";"),
            "payer": np.where(payer >= 0, names[np.maximum(payer, 0)], ""),
            "side_payment": self.item_payment.ravel(),
        })
        return meetings, members, items


def _run_block(config: Config, seed: int, reps: range, items: bool):
    cfg = config
    m_total, slots, n, d = cfg.meetings, cfg.items_per_meeting, cfg.n_members, cfg.n_dims
    r = len(reps)
    draws = _Draws(cfg, seed, reps)
    ideal = draws.ideal  # (N, D) shared, or (R, N, D) when positions differ by replication
    sal = cfg.salience
    rule = resolve(cfg.rule)
    base_weight = voting_weights(cfg.capability, cfg.weighted)
    majors = np.array([g == "major" for g in cfg.groups])
    tolerance = (np.tile(cfg.tolerance, (r, 1)) if cfg.dynamic_tolerance
                 else np.asarray(cfg.tolerance, dtype=float))
    rows = np.arange(r)
    out = _Tables(r, m_total, slots, n, d, items)

    q = (np.zeros((r, d)) if cfg.uniform_status_quo
         else np.broadcast_to(np.asarray(cfg.status_quo, dtype=float), (r, d)).copy())
    have_q = not cfg.uniform_status_quo
    backlog = np.zeros((r, slots, d), dtype=bool)
    backlog_n = np.zeros(r, dtype=np.int64)

    for mt in range(m_total):
        meeting_no = mt + 1
        present = cfg.present(meeting_no)
        out.present[mt] = present
        weight = np.where(present, base_weight, 0.0)
        cumulative = proposer_weights(cfg.proposer, cfg.capability, cfg.groups, present)
        major_cumulative = major_weights(cfg.capability, cfg.groups, present)
        shift = cfg.pressure_at(meeting_no)
        if shift is not None:
            ideal = clip_to_bounds(ideal + shift, cfg.bounds)
        chair_now = cfg.chair(mt)
        budget = np.broadcast_to(cfg.budgets(meeting_no), (r, n)).copy()
        payers_ok = majors & present
        if have_q and not cfg.fixed_status_quo and cfg.drift > 0:
            q = clip_to_bounds(q + cfg.drift * draws.drift[:, mt], cfg.bounds)
        carried_in = backlog_n.copy()
        out.carried_in[:, mt] = carried_in
        failed = np.zeros((r, slots), dtype=bool)
        dims_all = np.zeros((r, slots, d), dtype=bool)
        for s in range(slots):
            new_dims = _issue_areas(draws.area_keys[:, mt, s], draws.package_u[:, mt, s], cfg)
            carried = s < carried_in
            dims = np.where(carried[:, None], backlog[:, s], new_dims)
            dims_all[:, s] = dims
            share = cfg.major_agenda_share
            u = draws.proposer_u[:, mt, s] if draws.proposer_u is not None else None
            u_rule = u
            if share > 0:
                with np.errstate(divide="ignore", invalid="ignore"):
                    u_rule = (u - share) / (1.0 - share)
            if cfg.proposer == "rotating_chair":
                proposer = np.full(r, chair_now, dtype=np.int64)
            else:
                proposer = np.minimum(
                    np.searchsorted(cumulative, u_rule * cumulative[-1], side="right"), n - 1
                ).astype(np.int64)
            if share > 0:
                by_major = np.minimum(
                    np.searchsorted(major_cumulative, (u / share) * major_cumulative[-1], side="right"),
                    n - 1).astype(np.int64)
                proposer = np.where(u < share, by_major, proposer)
            if cfg.uniform_status_quo:
                q = scale_to_bounds(draws.sq_uniform[:, mt, s], cfg.bounds)
                have_q = True
            margin = np.where(present, acceptance_margin(tolerance, cfg.rivalry[:, proposer].T), np.inf)
            x_prop = ideal[rows, proposer] if ideal.ndim == 3 else ideal[proposer]  # (R, D)

            if cfg.drafting == "step":
                noise = draws.draft_noise[:, mt, s] if draws.draft_noise is not None else np.zeros((r, d))
                draft = step_draft(q, x_prop, dims, cfg.proposal_step, cfg.noise, noise, cfg.bounds)
            elif cfg.drafting == "compromise":
                draft = compromise_draft(q, ideal, sal, np.where(present, cfg.capability, 0.0), dims)
            else:
                draft = np.empty((r, d))
                for k in range(r):
                    noise = (draws.setter_noise[k, mt, s] if draws.setter_noise is not None
                             else np.zeros((n, d)))
                    ideal_k = ideal[k] if ideal.ndim == 3 else ideal
                    believed = ideal_k + cfg.setter_noise * noise
                    believed[proposer[k]] = ideal_k[proposer[k]]
                    draft[k] = setter_draft(q[k], int(proposer[k]), believed, sal, margin[k],
                                            dims[k], cfg.bounds, rule, weight, cfg.threshold)

            null = is_null_move(draft, q)
            consensus = np.zeros(r, dtype=bool)
            voted = ~null
            objectors = np.zeros((r, n), dtype=bool)
            rounds = np.zeros(r, dtype=np.int64)
            payer = np.full(r, -1, dtype=np.int64)
            payment = np.zeros(r)
            # Consultation on the replications still negotiating only (``live`` indexes them).
            live = np.flatnonzero(voted)
            if len(live):
                ideal_l = ideal[live] if ideal.ndim == 3 else ideal
                q_l, margin_l, dims_l, draft_l = q[live], margin[live], dims[live], draft[live]
                prop_l = proposer[live]
                dq_l = weighted_distance(q_l, ideal_l, sal)
                dp_l = weighted_distance(draft_l, ideal_l, sal)
                acc = dp_l <= dq_l + margin_l
                for rnd in range(cfg.max_rounds + 1):
                    objectors[live] = ~acc
                    draft[live] = draft_l
                    done = rule(acc, weight, cfg.threshold)
                    if cfg.side_payments:
                        need = shortfall(dp_l, dq_l, margin_l)
                        _, cost, feasible = cheapest_compensation(acc, need, rule, weight, cfg.threshold)
                        who = choose_payer(cost, budget[live], acc, payers_ok, prop_l)
                        buy = ~done & feasible & (who >= 0)
                        if buy.any():
                            budget[live[buy], who[buy]] -= cost[buy]
                            payer[live[buy]] = who[buy]
                            payment[live[buy]] = cost[buy]
                        done = done | buy
                    consensus[live[done]] = True
                    if rnd == cfg.max_rounds:
                        break
                    keep = ~done
                    live, q_l, margin_l, dims_l, draft_l, dq_l, acc, prop_l = (
                        live[keep], q_l[keep], margin_l[keep], dims_l[keep], draft_l[keep],
                        dq_l[keep], acc[keep], prop_l[keep])
                    ideal_l = ideal_l[keep] if ideal.ndim == 3 else ideal
                    if not len(live):
                        break
                    amended = amend(draft_l, ideal_l, ~acc, dims_l, cfg.concession)
                    dp_amended = weighted_distance(amended, ideal_l, sal)
                    acc_amended = dp_amended <= dq_l + margin_l
                    # Go on only where the concessions still move the status quo and the
                    # proposer would itself accept the amended text (otherwise it withdraws).
                    go = ~is_null_move(amended, q_l) & acc_amended[np.arange(len(live)), prop_l]
                    live, q_l, margin_l, dims_l, draft_l, dq_l, acc, prop_l, dp_l = (
                        live[go], q_l[go], margin_l[go], dims_l[go], amended[go], dq_l[go],
                        acc_amended[go], prop_l[go], dp_amended[go])
                    ideal_l = ideal_l[go] if ideal.ndim == 3 else ideal
                    if not len(live):
                        break
                    rounds[live] += 1

            n_obj = objectors.sum(axis=1)
            subset = (voted & ~consensus & (n_obj >= 1) & (n_obj <= cfg.subset_limit(meeting_no))
                      & (n_obj < int(present.sum())))
            adopted = consensus | subset
            moves = consensus | (subset & cfg.subset_moves_status_quo)
            if not cfg.fixed_status_quo and not cfg.uniform_status_quo:
                q = np.where(moves[:, None], draft, q)
            if cfg.dynamic_tolerance:
                tolerance = update_tolerance(tolerance, present, consensus, ~adopted,
                                             cfg.community_growth, cfg.community_decay,
                                             cfg.max_tolerance)
            failed[:, s] = ~adopted
            out.objections[:, mt] += objectors
            out.sole[:, mt] += objectors & ((~consensus) & (n_obj == 1))[:, None]
            out.consensus[:, mt] += consensus
            out.subset[:, mt] += subset
            out.nulls[:, mt] += null
            out.rounds[:, mt] += rounds
            out.payments[:, mt] += payer >= 0
            out.paid[:, mt] += payment
            if items:
                out.item_dims[:, mt, s] = dims
                out.item_carried[:, mt, s] = carried
                out.item_proposer[:, mt, s] = proposer
                out.item_outcome[:, mt, s] = np.where(consensus, 1, np.where(subset, 2, 0))
                out.item_null[:, mt, s] = null
                out.item_rounds[:, mt, s] = rounds
                out.item_objectors[:, mt, s] = objectors
                out.item_payer[:, mt, s] = payer
                out.item_payment[:, mt, s] = payment

        if cfg.carry_over:
            order = np.argsort(~failed, axis=1, kind="stable")
            backlog = np.take_along_axis(dims_all, order[:, :, None], axis=1)
            backlog_n = failed.sum(axis=1)
        out.distance[:, mt] = weighted_distance(q, ideal, sal) if have_q else np.nan
        out.tolerance[:, mt] = tolerance
    return out.frames(cfg, reps), q


def run_vectorised(
    config: Config,
    replications: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
    items: bool = True,
    first: int = 0,
) -> RunResults:
    """Run replications ``first .. first + replications - 1`` in blocks; same tables as ``runner.run``."""
    parts = []
    for start in range(first, first + replications, BLOCK):
        reps = range(start, min(first + replications, start + BLOCK))
        parts.append(_run_block(config, seed, reps, items)[0])
        if progress is not None:
            progress(len(reps))
    meetings, members, item_frames = (pd.concat(p, ignore_index=True) for p in zip(*parts))
    return RunResults(config, seed, replications, meetings, members, item_frames)


def final_status_quo(config: Config, seed: int, replications: int) -> np.ndarray:
    """Each replication's status quo after the last meeting (R, D), for exactness checks."""
    return np.concatenate([
        _run_block(config, seed, range(s, min(replications, s + BLOCK)), False)[1]
        for s in range(0, replications, BLOCK)
    ])
