"""Random numbers that cost nothing to address: number = f(seed, replication, purpose, index).

Every random number of a run is a pure function of the master seed, the replication, the
purpose it serves and its index within that purpose: the Philox4x32-10 counter-based generator
(Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as easy as 1, 2, 3") keyed by the
seed, with the counter (index, replication, purpose). Nothing is constructed per replication, so
replication k is the same whether it runs alone, in a block of a million, in a sweep's chunk on
another machine, in the Mesa model or in the compiled engine; and configurations that differ only
in parameters share their random numbers (common random numbers).

Each meeting takes a fixed-shape block from every purpose (see the ``*_index`` functions), so what
is drawn never depends on what happened before. Uniforms have 53 random bits; normals come from
the Box-Muller transform of two uniforms of the same Philox block. Both engines call these same
compiled functions, so they agree to the last bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .compiled import procedure

# Purposes: the counter's last word. Each purpose draws one kind of number only.
MEMBERS = 0  # uniforms: generated members' ideal points (once per replication)
AGENDA = 1  # uniforms: issue-area keys and the package draw of each item slot
PROPOSER = 2  # uniforms: who tables each item slot
DRAFT = 3  # normals: drafting error of a step draft
DRIFT = 4  # normals: the status quo's per-meeting erosion
STATUS_QUO = 5  # uniforms: a fresh status quo per item (``position = "uniform"``)
SETTER = 6  # normals: an agenda setter's misjudgement of the others' ideal points
POSITIONS = 7  # normals: position uncertainty (``ideal_sd``), once per replication
PURPOSES = ("members", "agenda", "proposer", "draft", "drift", "status_quo", "setter", "positions")

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_MASK = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)
_TWO_PI = 2.0 * np.pi
MAX_SEED = 2**64 - 1
MAX_REPLICATION = 2**32 - 1


@njit(cache=True, error_model="numpy", inline="always")
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of counter (c0..c3) under key (k0, k1): four 32-bit words (as uint64).

    Checked against the Random123 known-answer vectors in the tests.
    """
    m0, m1, w0, w1, mask, sh = _M0, _M1, _W0, _W1, _MASK, _SHIFT
    for _ in range(10):
        p0 = m0 * c0
        p1 = m1 * c2
        hi0, lo0 = p0 >> sh, p0 & mask
        hi1, lo1 = p1 >> sh, p1 & mask
        c0, c1, c2, c3 = (hi1 ^ c1 ^ k0) & mask, lo1, (hi0 ^ c3 ^ k1) & mask, lo0
        k0 = (k0 + w0) & mask
        k1 = (k1 + w1) & mask
    return c0, c1, c2, c3


@njit(cache=True, error_model="numpy", inline="always")
def _block(seed, replication, purpose, block):
    mask, sh = _MASK, _SHIFT
    s = np.uint64(seed)
    b = np.uint64(block)
    return philox4x32(b & mask, b >> sh, np.uint64(replication) & mask, np.uint64(purpose),
                      s & mask, s >> sh)


@njit(cache=True, error_model="numpy", inline="always")
def _unit(a, b):
    """A double in [0, 1) from two 32-bit words (53 random bits, numpy's convention)."""
    return ((a >> np.uint64(5)) * 67108864.0 + (b >> np.uint64(6))) / 9007199254740992.0


@njit(cache=True, error_model="numpy", inline="always")
def uniform(seed, replication, purpose, index):
    """The uniform number ``index`` of a purpose's stream, in [0, 1)."""
    x0, x1, x2, x3 = _block(seed, replication, purpose, index >> 1)
    if index & 1:
        return _unit(x2, x3)
    return _unit(x0, x1)


@njit(cache=True, error_model="numpy", inline="always")
def normal(seed, replication, purpose, index):
    """The standard normal number ``index`` of a purpose's stream (Box-Muller on one block)."""
    x0, x1, x2, x3 = _block(seed, replication, purpose, index >> 1)
    radius = np.sqrt(-2.0 * np.log(1.0 - _unit(x0, x1)))
    angle = _TWO_PI * _unit(x2, x3)
    if index & 1:
        return radius * np.sin(angle)
    return radius * np.cos(angle)


@procedure
def fill_uniforms(seed, replication, purpose, start, out):
    """Write the uniforms ``start .. start + len(out) - 1`` of a stream into ``out``.

    Each Philox block gives two numbers, so consecutive numbers share their evaluation; the
    values are those :func:`uniform` addresses one by one, from any ``start``.
    """
    count = out.shape[0]
    k = 0
    while k < count:
        index = start + k
        x0, x1, x2, x3 = _block(seed, replication, purpose, index >> 1)
        if index & 1:
            out[k] = _unit(x2, x3)
            k += 1
        else:
            out[k] = _unit(x0, x1)
            if k + 1 < count:
                out[k + 1] = _unit(x2, x3)
            k += 2


@procedure
def fill_normals(seed, replication, purpose, start, out):
    """Write the standard normals ``start .. start + len(out) - 1`` of a stream into ``out`` (start even)."""
    count = out.shape[0]
    for k in range(0, count, 2):
        x0, x1, x2, x3 = _block(seed, replication, purpose, (start + k) >> 1)
        radius = np.sqrt(-2.0 * np.log(1.0 - _unit(x0, x1)))
        angle = _TWO_PI * _unit(x2, x3)
        out[k] = radius * np.cos(angle)
        if k + 1 < count:
            out[k + 1] = radius * np.sin(angle)


@njit(cache=True, error_model="numpy")
def uniforms(seed, replication, purpose, start, count):
    """``count`` consecutive uniforms of a stream from ``start``."""
    out = np.empty(count)
    for k in range(count):
        out[k] = uniform(seed, replication, purpose, start + k)
    return out


@njit(cache=True, error_model="numpy")
def normals(seed, replication, purpose, start, count):
    """``count`` consecutive standard normals of a stream from ``start``."""
    out = np.empty(count)
    for k in range(count):
        out[k] = normal(seed, replication, purpose, start + k)
    return out


def check_seed(seed: int, replications: int = 1, first: int = 0) -> None:
    """Seeds are 64-bit and replications 32-bit numbers: the key and a counter word."""
    if not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"seed must be an integer from 0 to 2**64 - 1, got {seed}")
    if first < 0 or first + replications - 1 > MAX_REPLICATION:
        raise ValueError(f"replications must be numbered 0 .. 2**32 - 1, got {first} .. {first + replications - 1}")


# ------------------------------------------------------------------ fixed-shape blocks per meeting
# Where each number of meeting m (0-based), item slot s, member i, dimension d sits in its stream.
# I = items per meeting, N = members, D = dimensions. Every block starts on an even index (a whole
# Philox block), so a block of k numbers costs ceil(k / 2) evaluations. Written once; both engines
# use them.


@njit(cache=True, error_model="numpy")
def even(k):
    """``k`` rounded up to an even number: the stride of a block of k numbers."""
    return k + (k & 1)


@njit(cache=True, error_model="numpy")
def agenda_start(m, s, items, dims):
    """AGENDA uniforms of slot s: the package draw, the single-area draw, then D package keys."""
    return (m * items + s) * even(dims + 2)


@njit(cache=True, error_model="numpy")
def slot_index(m, s, items):
    """PROPOSER uniform of slot s."""
    return m * items + s


@procedure
def draft_noise(seed, replication, m, s, items, dims, noise_sd, out):
    """The drafting error of slot s on the item's own dimensions (0 elsewhere, and everywhere
    when there is no drafting noise: those numbers are never used, so they are not computed).
    """
    start = slot_start(m, s, items, dims.shape[0])
    for k in range(dims.shape[0]):
        out[k] = normal(seed, replication, DRAFT, start + k) if dims[k] and noise_sd != 0 else 0.0


@njit(cache=True, error_model="numpy")
def slot_start(m, s, items, dims):
    """DRAFT normals / STATUS_QUO uniforms of slot s: one per dimension."""
    return (m * items + s) * even(dims)


@njit(cache=True, error_model="numpy")
def drift_start(m, dims):
    """DRIFT normals of meeting m: one per dimension."""
    return m * even(dims)


@njit(cache=True, error_model="numpy")
def setter_start(m, s, i, items, members, dims):
    """SETTER normals: the setter's error about member i's ideal, one per dimension, at slot s."""
    return ((m * items + s) * members + i) * even(dims)


@njit(cache=True, error_model="numpy")
def member_start(i, dims):
    """MEMBERS uniforms / POSITIONS normals of member i, one per dimension (once per replication)."""
    return i * even(dims)


@procedure
def initial_ideals(seed, replication, ideal, ideal_sd, lo, hi, generated, uncertain, draws, out):
    """Each replication's starting ideal points, written into ``out`` (N, D).

    Generated members: uniform in the policy box. Position uncertainty: ideal + sd * N(0, 1),
    clipped to the box. Otherwise the file's positions. ``draws`` is scratch (D,).
    """
    n, d = out.shape
    for i in range(n):
        if generated:
            fill_uniforms(seed, replication, MEMBERS, member_start(i, d), draws)
            for k in range(d):
                out[i, k] = lo[k] + draws[k] * (hi[k] - lo[k])
        elif uncertain:
            fill_normals(seed, replication, POSITIONS, member_start(i, d), draws)
            for k in range(d):
                out[i, k] = min(max(ideal[i, k] + ideal_sd[i, k] * draws[k], lo[k]), hi[k])
        else:
            for k in range(d):
                out[i, k] = ideal[i, k]
