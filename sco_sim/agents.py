"""Member states as Mesa agents."""

from __future__ import annotations

import mesa
import numpy as np

from .geometry import acceptance_margin, accepts, utility


class MemberState(mesa.Agent):
    """A member state: its interests over the policy space and its weight in the organisation.

    Attributes:
        name: the state's name as used in scenario files (e.g. ``"India"``).
        index: its row in the model's arrays (file order).
        group: ``"major"`` or ``"minor"`` (the paper's "3 + 5": three big, five small/medium).
        capability: share of the organisation's power (sums to one over members).
        ideal, salience, tolerance, present: views of the model's current state (see properties);
            tolerance is the loss against the status quo it accepts without objecting, the paper's
            "sense of community" (Xue & Makengo 2021, sec. 4.2), in utility units.

    """

    def __init__(
        self,
        model: mesa.Model,
        index: int,
        name: str,
        group: str,
        capability: float,
    ) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.group = group
        self.capability = capability

    # Position and tolerance live in the model's arrays (one row per member) because the
    # great-power game moves ideal points and the sense of community moves tolerance during a run.
    @property
    def ideal(self) -> np.ndarray:
        """Current ideal point (D,)."""
        return self.model.ideal[self.index]

    @property
    def salience(self) -> np.ndarray:
        """Salience weights (D,)."""
        return self.model.salience[self.index]

    @property
    def tolerance(self) -> float:
        """Current tolerance (utility units)."""
        return float(self.model.tolerance[self.index])

    @property
    def present(self) -> bool:
        """Whether the member has joined by the current meeting."""
        return bool(self.model.present[self.index])

    def utility(self, z: np.ndarray) -> float:
        """``U(z) = -sqrt(sum_d w_d (z_d - x_d)^2)``."""
        return float(utility(np.asarray(z, dtype=float), self.ideal[None, :], self.salience[None, :])[0])

    def margin_against(self, proposer: int) -> float:
        """The loss this member accepts on a draft by ``proposer`` (negative: a gain it demands)."""
        rivalry = self.model.config.rivalry[self.index, proposer]
        return float(acceptance_margin(np.array([self.tolerance]), np.array([rivalry]))[0])

    def accepts(self, proposal: np.ndarray, status_quo: np.ndarray, proposer: int) -> bool:
        """Accept iff ``U(p) >= U(q) - tolerance`` (a rival's draft: iff ``U(p) >= U(q) + intensity``)."""
        return bool(
            accepts(
                np.asarray(proposal, dtype=float),
                np.asarray(status_quo, dtype=float),
                self.ideal[None, :],
                self.salience[None, :],
                np.array([self.margin_against(proposer)]),
            )[0]
        )
