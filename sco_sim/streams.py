"""Random numbers: one stream per replication and purpose, drawn in fixed-shape blocks.

Replication k of a run seeded with ``seed`` owns the streams
``SeedSequence(seed).spawn(R)[k].spawn(len(PURPOSES))[j]`` (built directly from the spawn key, which
is the same thing). Every meeting draws the same-shaped block from each stream whatever happened
before, so (a) two configurations share their random numbers (common random numbers) and (b) an
engine that draws all meetings at once reproduces the meeting-by-meeting model exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Each stream draws one distribution only, so an engine can take a whole run's numbers from it
# in a single call and reshape them (numpy fills arrays in stream order).
PURPOSES = ("members", "agenda", "proposer", "draft", "drift", "status_quo", "setter")


def replication_streams(
    seed: int, replication: int, purposes: tuple[str, ...] = PURPOSES
) -> dict[str, np.random.Generator]:
    """The independent generators of one replication, one per purpose (or only those asked for).

    A purpose's stream is the same whichever others are built: its spawn key is its index in
    :data:`PURPOSES`.
    """
    return {
        purpose: np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replication, PURPOSES.index(purpose))))
        )
        for purpose in purposes
    }


@dataclass(frozen=True)
class MeetingDraws:
    """One meeting's random numbers; row s belongs to agenda slot s.

    area_keys (I, D) uniform: which issue area(s) a new item concerns.
    package_u (I,) uniform: whether a new item is a package.
    proposer_u (I,) uniform: who tables the item (unless the chair does).
    draft_noise (I, D) standard normal: error in a step draft.
    drift (D,) standard normal: the status quo's per-meeting erosion.
    sq_uniform (I, D) uniform: a fresh status quo per item (``position = "uniform"``).
    setter_noise (I, N, D) standard normal: an agenda setter's misjudgement of others' ideals.
    """

    area_keys: np.ndarray
    package_u: np.ndarray
    proposer_u: np.ndarray
    draft_noise: np.ndarray
    drift: np.ndarray
    sq_uniform: np.ndarray
    setter_noise: np.ndarray


def draw_meeting(
    streams: dict[str, np.random.Generator], items: int, members: int, dims: int
) -> MeetingDraws:
    """Draw one meeting's block. Shapes depend only on the configuration, never on the run."""
    agenda = streams["agenda"]
    area_keys = agenda.random((items, dims))
    package_u = agenda.random(items)
    proposer_u = streams["proposer"].random(items)
    draft_noise = streams["draft"].standard_normal((items, dims))
    drift = streams["drift"].standard_normal(dims)
    sq_uniform = streams["status_quo"].random((items, dims))
    setter_noise = streams["setter"].standard_normal((items, members, dims))
    return MeetingDraws(area_keys, package_u, proposer_u, draft_noise, drift, sq_uniform, setter_noise)


def draw_generated_ideals(
    streams: dict[str, np.random.Generator], members: int, bounds: np.ndarray
) -> np.ndarray:
    """Ideal points for ``[generate]`` members: uniform in the policy box, drawn once per replication."""
    return scale_to_bounds(streams["members"].random((members, bounds.shape[0])), bounds)


def scale_to_bounds(u: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Map unit-box uniforms onto the policy box."""
    return bounds[:, 0] + u * (bounds[:, 1] - bounds[:, 0])


def perturb_ideals(
    streams: dict[str, np.random.Generator],
    ideal: np.ndarray,
    ideal_sd: np.ndarray | None,
    bounds: np.ndarray,
) -> np.ndarray:
    """Position uncertainty: ideal + sd * N(0, 1), clipped to the space, drawn once per replication."""
    ideal = np.array(ideal, dtype=float)
    if ideal_sd is None:
        return ideal
    z = streams["members"].standard_normal(ideal.shape)
    return np.minimum(np.maximum(ideal + ideal_sd * z, bounds[:, 0]), bounds[:, 1])
