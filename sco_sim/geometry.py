"""Utility and acceptance arithmetic shared by every engine.

Sums over dimensions and members are written as explicit loops over that (small) axis, never as
``np.sum``: numpy may reorder a reduction depending on the array's shape, and a faster engine that
evaluates many items at once must reproduce the reference model to the last bit.
"""

from __future__ import annotations

import numpy as np


def weighted_distance(z: np.ndarray, ideal: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """Salience-weighted Euclidean distance from point(s) ``z`` to each member's ideal point.

    ``z`` has shape (..., D); ``ideal`` and ``salience`` have shape (..., N, D) (broadcasting);
    the result has shape (..., N). This is minus the utility of the issue text: the model's
    spatial preferences follow Tsebelis (2002) with per-dimension salience weights.
    """
    diff = np.asarray(z)[..., None, :] - ideal
    term = salience * diff * diff
    acc = term[..., 0]
    for k in range(1, term.shape[-1]):
        acc = acc + term[..., k]
    return np.sqrt(acc)


def utility(z: np.ndarray, ideal: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """``U_i(z) = -sqrt(sum_d w_id (z_d - x_id)^2)`` for each member i."""
    return -weighted_distance(z, ideal, salience)


def acceptance_margin(tolerance: np.ndarray, rivalry_with_proposer: np.ndarray) -> np.ndarray:
    """The loss each member accepts: its tolerance, or minus the rivalry intensity for a rival's draft.

    A rival's draft must bring a *gain* of at least the intensity, so the member's tolerance
    (its goodwill towards the community) does not apply to it.
    """
    return np.where(np.isnan(rivalry_with_proposer), tolerance, -np.nan_to_num(rivalry_with_proposer))


def accepts(
    proposal: np.ndarray,
    status_quo: np.ndarray,
    ideal: np.ndarray,
    salience: np.ndarray,
    margin: np.ndarray,
) -> np.ndarray:
    """Whether each member accepts the proposal: ``U_i(p) >= U_i(q) - margin_i``.

    Written as ``d_i(p) <= d_i(q) + margin_i``, which is the same comparison in floating point
    (negation is exact).
    """
    return weighted_distance(proposal, ideal, salience) <= (
        weighted_distance(status_quo, ideal, salience) + margin
    )


def masked_mean(points: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the rows of ``points`` (..., N, D) where ``mask`` (..., N) is true; NaN if none."""
    acc = np.zeros(points.shape[:-2] + points.shape[-1:])
    count = np.zeros(points.shape[:-2])
    for i in range(points.shape[-2]):
        m = mask[..., i]
        acc = acc + np.where(m[..., None], points[..., i, :], 0.0)
        count = count + m
    with np.errstate(invalid="ignore", divide="ignore"):
        return acc / count[..., None]


def weighted_mean(points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per-dimension weighted mean of ``points`` (..., N, D) with ``weights`` (..., N, D).

    Where all weights of a dimension are zero the result is NaN (the caller keeps the status quo).
    """
    num = np.zeros(points.shape[:-2] + points.shape[-1:])
    den = np.zeros_like(num)
    for i in range(points.shape[-2]):
        num = num + weights[..., i, :] * points[..., i, :]
        den = den + weights[..., i, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def clip_to_bounds(z: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Keep positions inside the policy space (``bounds`` has shape (D, 2))."""
    return np.minimum(np.maximum(z, bounds[:, 0]), bounds[:, 1])


def is_null_move(proposal: np.ndarray, status_quo: np.ndarray, atol: float = 1e-12) -> np.ndarray:
    """True where a draft leaves the status quo where it is (which counts as no agreement)."""
    return np.max(np.abs(np.asarray(proposal) - status_quo), axis=-1) <= atol
