"""What each meeting brings regardless of what happens in it: who is present, who chairs, the
voting weights, the proposer lotteries, the side-payment budgets, the great-power pull on ideal
points and whether subset texts are allowed. Computed once from the configuration's own rules
(:class:`~sco_sim.inputs.config.Config`) and read by both engines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .agenda import major_weights, proposer_weights
from .rules import voting_weights


@dataclass(frozen=True)
class Schedule:
    """Per-meeting arrays, row m for meeting m + 1 (M meetings, N members, D dimensions)."""

    present: np.ndarray  # (M, N) bool
    weight: np.ndarray  # (M, N) voting weight of members present (0 for the others)
    proposer_cumulative: np.ndarray  # (M, N) running sum of the proposer rule's weights
    major_cumulative: np.ndarray  # (M, N) running sum of the major powers' capability
    chair: np.ndarray  # (M,) the chair's index
    budget: np.ndarray  # (M, N) side-payment budget at the start of the meeting
    shift: np.ndarray  # (M, N, D) great-power pressure on ideal points at the start of the meeting
    has_shift: np.ndarray  # (M,) bool
    subset_limit: np.ndarray  # (M,) most objectors a subset text may leave on record (0: none)
    members_present: np.ndarray  # (M,) int

    @classmethod
    def of(cls, config) -> "Schedule":
        """The schedule of a configuration's ``meetings`` meetings."""
        m_total, n, d = config.meetings, config.n_members, config.n_dims
        majors = np.array([g == "major" for g in config.groups])
        base_weight = voting_weights(config.capability, config.weighted)
        present = np.array([config.present(t + 1) for t in range(m_total)], dtype=bool).reshape(m_total, n)
        shift = np.zeros((m_total, n, d))
        has_shift = np.zeros(m_total, dtype=bool)
        for t in range(m_total):
            s = config.pressure_at(t + 1)
            if s is not None:
                shift[t] = s
                has_shift[t] = True
        return cls(
            present=present,
            weight=np.where(present, base_weight, 0.0),
            proposer_cumulative=np.array([proposer_weights(config.proposer, config.capability, majors, p)
                                          for p in present]).reshape(m_total, n),
            major_cumulative=np.array([major_weights(config.capability, majors, p)
                                       for p in present]).reshape(m_total, n),
            chair=np.array([config.chair(t) for t in range(m_total)], dtype=np.int64),
            budget=np.array([config.budgets(t + 1) for t in range(m_total)]).reshape(m_total, n),
            shift=shift,
            has_shift=has_shift,
            subset_limit=np.array([config.subset_limit(t + 1) for t in range(m_total)], dtype=np.int64),
            members_present=present.sum(axis=1).astype(np.int64),
        )
