"""Tidy tables of a run, built from the compiled engine's arrays or the Mesa model's collector."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.outputs import ITEM_COLUMNS, MEETING_COLUMNS, MEMBER_COLUMNS, OUTCOME_NAMES
from . import kernel


@dataclass
class RunResults:
    """Tidy results of one configuration.

    ``meetings``: one row per (replication, meeting); ``members``: one row per (replication,
    meeting, member); ``items``: one row per agenda item (empty when not asked for). The columns
    are declared in :mod:`sco_sim.model.outputs` and listed in docs/MODEL.md section 9.
    """

    config: object
    seed: int
    replications: int
    meetings: pd.DataFrame
    members: pd.DataFrame
    items: pd.DataFrame


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
        "adopted": c[:, :, kernel.ADOPTED].ravel(), "consensus": c[:, :, kernel.N_CONSENSUS].ravel(),
        "subset_texts": c[:, :, kernel.N_SUBSET].ravel(), "deadlocked": c[:, :, kernel.DEADLOCKED].ravel(),
        "null_drafts": c[:, :, kernel.NULLS].ravel(), "rounds": c[:, :, kernel.ROUNDS].ravel(),
        "carried_in": c[:, :, kernel.CARRIED_IN].ravel(), "side_payments": c[:, :, kernel.PAYMENTS].ravel(),
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
    dc = model.datacollector
    meetings = _typed(MEETING_COLUMNS, {c.name: dc.model_vars[c.name] for c in MEETING_COLUMNS})
    agent = dc.get_agent_vars_dataframe().reset_index(drop=True)
    members = _typed(MEMBER_COLUMNS, {c.name: agent[c.name].to_numpy() for c in MEMBER_COLUMNS})
    table = dc.get_table_dataframe("items")
    items = _typed(ITEM_COLUMNS, {c.name: table[c.name].to_numpy() for c in ITEM_COLUMNS})
    return meetings, members, items
