"""Tidy tables of a run, built from the compiled engine's arrays or the Mesa model's collector."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..model.outputs import ITEM_COLUMNS, MEETING_COLUMNS, MEMBER_COLUMNS, OUTCOME_NAMES
from . import kernel

RUN_TOTALS = ("items", "adopted", "consensus", "subset_texts", "deadlocked", "null_drafts", "rounds",
              "side_payments")  # meeting-table counts summed over a run (plus ``meetings``)
PERIOD_TOTALS = ("items", "adopted", "consensus", "subset_texts", "deadlocked")


@dataclass
class RunResults:
    """Tidy results of one configuration.

    ``runs``: one row per replication with the run's totals (:data:`RUN_TOTALS`, ``meetings``,
    ``side_payment_total``), each member's ``objections.<name>`` and ``sole_vetoes.<name>``, and
    the totals of each accession period ``p<k>.<total>`` (:func:`periods_of`); always there, and
    all that summaries need. ``meetings`` (one row per replication and meeting), ``members`` (per
    replication, meeting and member) and ``items`` (per agenda item) are kept only when asked
    for (empty otherwise), so memory does not grow with replications. Columns are declared in
    :mod:`sco_sim.model.outputs` and listed in docs/MODEL.md section 9.
    """

    config: object
    seed: int
    replications: int
    meetings: pd.DataFrame
    members: pd.DataFrame
    items: pd.DataFrame
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)


def periods_of(config) -> list[tuple[int, int]]:
    """(first, last) meeting of each period between accessions; one period when nobody joins later."""
    if config.joins is None:
        return [(1, config.meetings)]
    starts = sorted({1, *[int(j) for j in config.joins if 1 < j <= config.meetings]})
    return list(zip(starts, [s - 1 for s in starts[1:]] + [config.meetings]))


def run_rows(config, counts: np.ndarray, paid: np.ndarray, objections: np.ndarray, sole: np.ndarray,
             first: int) -> pd.DataFrame:
    """The run-level table of a block of replications from its per-meeting arrays.

    ``counts`` (R, M, K) holds the meeting-table counts in the kernel's column order
    (:data:`sco_sim.engine.kernel.COUNTS`); ``paid`` (R, M); ``objections``, ``sole`` (R, M, N).
    """
    r, m, _ = counts.shape
    slots = config.items_per_meeting
    cols: dict[str, np.ndarray] = {"replication": np.arange(first, first + r, dtype=np.int64)}
    by_name = kernel.COUNTS
    for name in RUN_TOTALS:
        cols[name] = (np.full(r, m * slots, dtype=np.int64) if name == "items"
                      else counts[:, :, by_name[name]].sum(axis=1))
    cols["meetings"] = np.full(r, m, dtype=np.int64)
    cols["side_payment_total"] = paid.sum(axis=1)
    for i, name in enumerate(config.names):
        cols[f"objections.{name}"] = objections[:, :, i].sum(axis=1)
    for i, name in enumerate(config.names):
        cols[f"sole_vetoes.{name}"] = sole[:, :, i].sum(axis=1)
    for k, (a, b) in enumerate(periods_of(config)):
        span = slice(a - 1, b)
        for name in PERIOD_TOTALS:
            cols[f"p{k}.{name}"] = (np.full(r, (b - a + 1) * slots, dtype=np.int64) if name == "items"
                                    else counts[:, span, by_name[name]].sum(axis=1))
        cols[f"p{k}.meetings"] = np.full(r, b - a + 1, dtype=np.int64)
    return pd.DataFrame(cols)


def run_rows_of_frames(config, meetings: pd.DataFrame, members: pd.DataFrame, first: int, replications: int):
    """:func:`run_rows` of tables (the Mesa engine's), reshaped to the kernel's arrays."""
    r, m, n = replications, config.meetings, config.n_members
    counts = np.zeros((r, m, kernel.N_COUNTS), dtype=np.int64)
    for name, k in kernel.COUNTS.items():
        counts[:, :, k] = meetings[name].to_numpy().reshape(r, m)
    paid = meetings["side_payment_total"].to_numpy().reshape(r, m)
    objections = members["objections"].to_numpy().reshape(r, m, n)
    sole = members["sole_vetoes"].to_numpy().reshape(r, m, n)
    return run_rows(config, counts, paid, objections, sole, first)


def _typed(columns, data: dict) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(data[c.name]).astype(c.dtype) for c in columns})


def _labels(mask: np.ndarray, vocab: np.ndarray, sep: str) -> list[str]:
    cache: dict[bytes, str] = {}
    out = []
    for row in mask:
        key = row.tobytes()
        if key not in cache:
            cache[key] = sep.join(vocab[row])
        out.append(cache[key])
    return out


def frames(config, out: kernel.Out, first: int, items: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three tables of a block of replications ``first ..``."""
    r, m, n = out.objections.shape
    slots = config.items_per_meeting
    rep = np.arange(first, first + r, dtype=np.int64)
    meet = np.arange(1, m + 1, dtype=np.int64)
    c = out.counts
    present = np.array([config.present(t + 1) for t in range(m)], dtype=bool).reshape(m, n)
    meetings = _typed(MEETING_COLUMNS, {
        "replication": np.repeat(rep, m), "meeting": np.tile(meet, r),
        "members_present": np.tile(present.sum(axis=1), r), "items": np.full(r * m, slots),
        **{name: c[:, :, k].ravel() for name, k in kernel.COUNTS.items()},
        "side_payment_total": out.paid.ravel(),
    })
    members = _typed(MEMBER_COLUMNS, {
        "replication": np.repeat(rep, m * n), "meeting": np.tile(np.repeat(meet, n), r),
        "member": np.tile(np.array(config.names, dtype=object), r * m), "present": np.tile(present.ravel(), r),
        "objections": out.objections.ravel(), "sole_vetoes": out.sole.ravel(),
        "distance_to_status_quo": out.distance.ravel(), "tolerance": out.tolerance.ravel(),
    })
    if not items:
        return meetings, members, pd.DataFrame()
    names = np.array(config.names, dtype=object)
    dims = np.array(config.dimensions, dtype=object)
    total = r * m * slots
    outcome = out.item_outcome.ravel().astype(np.int64)
    payer = out.item_payer.ravel()
    item_frame = _typed(ITEM_COLUMNS, {
        "replication": np.repeat(rep, m * slots), "meeting": np.tile(np.repeat(meet, slots), r),
        "item": np.tile(np.arange(1, slots + 1, dtype=np.int64), r * m),
        "issue_area": _labels(out.item_dims.reshape(total, -1), dims, "+"),
        "carried_over": out.item_carried.ravel(), "proposer": names[out.item_proposer.ravel()],
        "adopted": outcome != 0, "outcome": np.array(OUTCOME_NAMES, dtype=object)[outcome],
        "null_draft": out.item_null.ravel(), "rounds": out.item_rounds.ravel(),
        "objectors": _labels(out.item_objectors.reshape(total, -1), names, ";"),
        "payer": np.where(payer >= 0, names[np.maximum(payer, 0)], ""), "side_payment": out.item_payment.ravel(),
    })
    return meetings, members, item_frame


def mesa_frames(model) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three tables of one finished Mesa replication, from its DataCollector."""
    return model.tables()
