"""Run replications of a scenario and collect tidy tables (no I/O, no printing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from .config import Config
from .model import SCOModel


@dataclass
class RunResults:
    """Tidy results of one configuration.

    ``meetings``: one row per (replication, meeting) with members present, items, texts adopted
    (consensus + subset), deadlocked items (no text), null drafts, consultation rounds, carried-over
    items and side payments. ``members``: one row per (replication, meeting, member) with presence,
    objections, sole vetoes, distance to the status quo and tolerance. ``items``: one row per agenda
    item (issue area, proposer, outcome, rounds, objectors, payer, side payment). docs/MODEL.md
    section 9 lists every column.
    """

    config: Config
    seed: int
    replications: int
    meetings: pd.DataFrame
    members: pd.DataFrame
    items: pd.DataFrame


def run_replication(config: Config, seed: int, replication: int) -> SCOModel:
    """Run one replication to the end and return the finished model."""
    model = SCOModel(config, seed=seed, replication=replication).run()
    model.release()
    return model


def run(
    config: Config,
    replications: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> RunResults:
    """Run ``replications`` independent replications (streams ``0..R-1`` of ``seed``)."""
    meetings: list[dict] = []
    members: list[dict] = []
    items: list[dict] = []
    for k in range(replications):
        model = run_replication(config, seed, k)
        meetings.extend(model.meeting_rows)
        members.extend(model.member_rows)
        items.extend(model.item_rows)
        if progress is not None:
            progress(1)
    return RunResults(
        config=config,
        seed=seed,
        replications=replications,
        meetings=pd.DataFrame(meetings),
        members=pd.DataFrame(members),
        items=pd.DataFrame(items),
    )
