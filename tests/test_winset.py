"""Winset shares: exact 1-D known answers, a 2-D lens against its exact area, Wilson intervals."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from conftest import THREE_ON_A_LINE
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sco_sim.analysis.winset import exact_share_1d, wilson_interval, winset_share
from sco_sim.inputs.config import build_config
from sco_sim.inputs.scenario import load_scenario, parse_scenario


def config_for(ideals, q, *, salience=None, tolerance=None, capability=None, rule=None,
               bounds=None, dims=None):
    d = len(q) if isinstance(q, list) else len(ideals[0])
    n = len(ideals)
    space = {"dimensions": dims or [f"d{k}" for k in range(d)]}
    if bounds is not None:
        space["bounds"] = bounds
    raw = {
        "scenario": {"name": "winset", "meetings": 1},
        "space": space,
        "rule": rule or {"type": "unanimity"},
        "agenda": {"items_per_meeting": 1},
        "status_quo": {"position": q},
        "members": [
            {
                "name": f"M{i}",
                "group": "minor",
                "ideal": list(ideals[i]),
                "salience": list(salience[i]) if salience else [1.0] * d,
                "capability": capability[i] if capability else 1.0,
                "tolerance": tolerance[i] if tolerance else 0.0,
            }
            for i in range(n)
        ],
    }
    return build_config(parse_scenario(raw, "<winset>"))


# --------------------------------------------------------------------------- exact, 1-D

EXACT_1D = [
    pytest.param(
        dict(ideals=[[0.2], [0.6]], q=[0.0]),
        # M0 accepts [0, 2 * 0.2], M1 accepts [0, 2 * 0.6] (cut at 1): the intersection is [0, 0.4]
        (2 * 0.2 - 0.0) / 1.0,
        id="two-members-q-at-zero",
    ),
    pytest.param(
        dict(ideals=[[0.2], [0.5], [0.8]], q=[0.5]),
        # the median member accepts only {0.5}: a point has no length
        0.0,
        id="three-on-a-line",
    ),
    pytest.param(
        dict(ideals=[[0.2], [0.6]], q=[0.0], tolerance=[0.1, 0.0]),
        # M0 accepts |z - 0.2| <= 0.2 + 0.1, i.e. up to 2 * 0.2 + 0.1
        (2 * 0.2 + 0.1 - 0.0) / 1.0,
        id="tolerance-widens",
    ),
    pytest.param(
        dict(ideals=[[0.2], [0.5], [0.8]], q=[0.5], tolerance=[0.0, 0.05, 0.0]),
        # the median's tolerance opens [0.45, 0.55]; A (0.2) still accepts up to 0.5 and C (0.8)
        # from 0.5: the intersection is the point {0.5} again
        0.0,
        id="median-tolerance-alone-does-not-help",
    ),
    pytest.param(
        dict(ideals=[[0.2], [0.5], [0.8]], q=[0.5], tolerance=[0.05, 0.05, 0.05]),
        # everybody tolerant: A up to 0.2 + 0.3 + 0.05, C down to 0.8 - 0.3 - 0.05, B within 0.05
        (0.55 - 0.45) / 1.0,
        id="all-tolerant",
    ),
    pytest.param(
        dict(ideals=[[0.2], [0.6]], q=[0.0], salience=[[4.0], [1.0]], tolerance=[0.1, 0.0]),
        # 2|z - 0.2| <= 2 * 0.2 + 0.1  =>  z <= 0.2 + 0.2 + 0.1 / 2
        (0.2 + 0.2 + 0.1 / 2) / 1.0,
        id="salience-scales-tolerance",
    ),
    pytest.param(
        dict(ideals=[[0.2], [0.5], [0.8]], q=[0.9], rule={"type": "majority"}),
        # two of three: B accepts [0.1, 0.9], C [0.7, 0.9], A [-0.5, 0.9];
        # A and B agree on [0.1, 0.9]
        (0.9 - (2 * 0.5 - 0.9)) / 1.0,
        id="majority-median-decides",
    ),
    pytest.param(
        dict(ideals=[[0.2], [0.5], [0.8]], q=[0.9]),
        # everyone: C's [2 * 0.8 - 0.9, 0.9] is the smallest
        (0.9 - (2 * 0.8 - 0.9)) / 1.0,
        id="unanimity-nearest-member-decides",
    ),
    pytest.param(
        dict(ideals=[[0.2], [0.5], [0.8]], q=[0.9], rule={"type": "consensus_minus_one"}),
        # C may object: A and B agree on [0.1, 0.9]
        (0.9 - (2 * 0.5 - 0.9)) / 1.0,
        id="consensus-minus-one",
    ),
    pytest.param(
        dict(ideals=[[0.2], [0.5], [0.8]], q=[0.9], rule={"type": "majority", "weighted": True},
             capability=[0.1, 0.1, 0.8]),
        # C alone holds 0.8 of the capability: only C's [0.7, 0.9] and supersets pass
        (0.9 - (2 * 0.8 - 0.9)) / 1.0,
        id="weighted-majority",
    ),
    pytest.param(
        dict(ideals=[[0.2], [0.6]], q=[0.0], bounds=[[0.0, 2.0]]),
        # the same [0, 0.4] in a box twice as long
        (2 * 0.2 - 0.0) / (2.0 - 0.0),
        id="non-unit-bounds",
    ),
    pytest.param(
        dict(ideals=[[0.9], [0.95]], q=[0.2]),
        # M0 accepts [0.2, 1.6]: cut at the upper bound 1
        (1.0 - 0.2) / 1.0,
        id="cut-by-bounds",
    ),
]


@pytest.mark.parametrize(("case", "expected"), EXACT_1D)
def test_exact_share_1d(case, expected) -> None:
    config = config_for(**case)
    res = winset_share(config)
    assert res.method == "exact"
    assert res.samples == 0
    assert res.share == pytest.approx(expected, abs=1e-12)
    assert res.ci95 == (res.share, res.share)


def test_three_on_a_line_file_has_empty_winset() -> None:
    config = build_config(load_scenario(THREE_ON_A_LINE))
    res = winset_share(config)
    assert res.method == "exact"
    assert res.share == 0.0


def test_three_on_a_line_status_quo_outside(write, three_text) -> None:
    """q = 0: A (0.2) accepts [0, 0.4], B and C accept more: share 2 * 0.2 - 0.0."""
    text = three_text.replace("position = [0.5]", "position = [0.0]")
    config = build_config(load_scenario(write(text)))
    assert winset_share(config).share == pytest.approx(2 * 0.2 - 0.0, abs=1e-12)


@settings(max_examples=150, deadline=None, database=None)
@given(
    ideals=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=6),
    q=st.floats(0.0, 1.0),
    rule=st.sampled_from(["unanimity", "consensus_minus_one", "majority"]),
)
def test_exact_share_1d_matches_a_fine_grid(ideals, q, rule) -> None:
    """The exact share agrees with the winset's fraction of a fine grid (within its spacing)."""
    config = config_for([[x] for x in ideals], [q], rule={"type": rule})
    exact = exact_share_1d(config, config.ideal, config.status_quo)
    grid = np.linspace(0.0, 1.0, 20_001)
    d_grid = np.abs(grid[:, None] - config.ideal[None, :, 0])
    ok = d_grid <= np.abs(q - config.ideal[:, 0]) + 1e-12
    from sco_sim.model.rules import RULES

    share = RULES[rule](ok, np.ones(len(ideals)), None).mean()
    n_ends = 2 * len(ideals) + 2  # each interval end misplaces at most one grid cell
    assert abs(exact - share) <= n_ends / 20_000
    assert 0.0 <= exact <= 1.0


# --------------------------------------------------------------------------- Monte Carlo, 2-D


def lens_area(r1: float, r2: float, d: float) -> float:
    """Area of the intersection of two discs with radii r1, r2 whose centres are d apart."""
    a1 = r1 * r1 * math.acos((d * d + r1 * r1 - r2 * r2) / (2 * d * r1))
    a2 = r2 * r2 * math.acos((d * d + r2 * r2 - r1 * r1) / (2 * d * r2))
    k = 0.5 * math.sqrt((-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2))
    return a1 + a2 - k


def test_lens_area_formula_sanity() -> None:
    # two unit circles whose centres are 1 apart: 2 pi / 3 - sqrt(3) / 2
    assert lens_area(1.0, 1.0, 1.0) == pytest.approx(2 * math.pi / 3 - math.sqrt(3) / 2)


def test_two_member_winset_is_the_lens() -> None:
    """Equal saliences, both circles through q: the unanimity winset is the lens of two discs."""
    x1, x2, q = np.array([0.35, 0.5]), np.array([0.6, 0.55]), np.array([0.5, 0.35])
    r1, r2 = float(np.hypot(*(q - x1))), float(np.hypot(*(q - x2)))
    # both discs lie inside the unit square, so the lens does too
    for x, r in ((x1, r1), (x2, r2)):
        assert np.all(x - r > 0) and np.all(x + r < 1)
    area = lens_area(r1, r2, float(np.hypot(*(x1 - x2))))
    assert 0.02 < area < min(r1, r2) ** 2 * math.pi / 2  # a real lens, under half the smaller disc

    config = config_for([x1.tolist(), x2.tolist()], q.tolist())
    res = winset_share(config, samples=200_000, seed=0)
    assert res.method == "monte_carlo"
    assert res.samples == 200_000
    lo, hi = res.ci95
    assert lo <= area <= hi
    assert abs(res.share - area) < 0.005
    assert lo <= res.share <= hi
    assert res.ci95 == wilson_interval(round(res.share * res.samples), res.samples)


def test_two_member_lens_with_tolerance() -> None:
    """A tolerance t widens a member's disc from radius |q - x| to |q - x| + t."""
    x1, x2, q = np.array([0.35, 0.5]), np.array([0.6, 0.55]), np.array([0.5, 0.35])
    t = 0.03
    r1, r2 = float(np.hypot(*(q - x1))) + t, float(np.hypot(*(q - x2))) + t
    area = lens_area(r1, r2, float(np.hypot(*(x1 - x2))))
    config = config_for([x1.tolist(), x2.tolist()], q.tolist(), tolerance=[t, t])
    res = winset_share(config, samples=200_000, seed=8)
    assert res.ci95[0] <= area <= res.ci95[1]
    assert abs(res.share - area) < 0.005


def test_majority_winset_contains_unanimity_winset() -> None:
    """Same points (same seed): a point every member accepts also has a majority."""
    ideals = [[0.2, 0.3], [0.7, 0.25], [0.45, 0.8], [0.9, 0.6]]
    config = config_for(ideals, [0.5, 0.5])
    unanimity = winset_share(config, samples=50_000, seed=3)
    for rule, threshold in (("majority", None), ("majority", 0.75), ("consensus_minus_one", None)):
        other = dataclasses.replace(config, rule=rule, threshold=threshold)
        res = winset_share(other, samples=50_000, seed=3)
        assert res.share >= unanimity.share
    majority = winset_share(dataclasses.replace(config, rule="majority"), samples=50_000, seed=3)
    assert majority.share > unanimity.share


def test_monte_carlo_is_reproducible_per_seed() -> None:
    config = config_for([[0.2, 0.3], [0.7, 0.25], [0.45, 0.8]], [0.0, 0.0])
    a = winset_share(config, samples=20_000, seed=5)
    b = winset_share(config, samples=20_000, seed=5)
    c = winset_share(config, samples=20_000, seed=6)
    assert a == b
    assert a.share != c.share


def test_uniform_status_quo_uses_monte_carlo_in_1d() -> None:
    """A random status quo has an expected share, estimated by sampling even on one dimension.

    Two members at 0.2 and 0.8, q uniform on [0, 1]: for q in [0.2, 0.8] the winset is empty;
    for q < 0.2 it is [q, 2 * 0.2 - q] of length 2 (0.2 - q); by symmetry the expected share is
    2 * integral_0^0.2 2 (0.2 - q) dq = 2 * 0.2^2.
    """
    config = config_for([[0.2], [0.8]], "uniform", dims=["x"])
    res = winset_share(config, samples=200_000, seed=1)
    assert res.method == "monte_carlo"
    assert res.ci95[0] <= 2 * 0.2**2 <= res.ci95[1]


# --------------------------------------------------------------------------- Wilson interval


@pytest.mark.parametrize("n", [1, 10, 100, 10_000])
def test_wilson_zero_successes(n) -> None:
    """x = 0: the centre and half-width coincide, lo = 0 and hi = z^2 / (n + z^2)."""
    z = stats.norm.ppf(0.975)
    lo, hi = wilson_interval(0, n)
    assert lo == pytest.approx(0.0, abs=1e-15)
    assert hi == pytest.approx(z * z / (n + z * z), rel=1e-12)


@pytest.mark.parametrize("n", [1, 10, 100, 10_000])
def test_wilson_all_successes(n) -> None:
    """x = n mirrors x = 0: hi = 1 and lo = n / (n + z^2)."""
    z = stats.norm.ppf(0.975)
    lo, hi = wilson_interval(n, n)
    assert hi == pytest.approx(1.0, abs=1e-15)
    assert lo == pytest.approx(n / (n + z * z), rel=1e-12)


def test_wilson_extremes_are_exact_and_contain_the_estimate() -> None:
    for n in range(1, 201):
        lo, _ = wilson_interval(0, n)
        _, hi = wilson_interval(n, n)
        assert lo == 0.0, f"wilson_interval(0, {n}) lo = {lo!r}"
        assert hi == 1.0, f"wilson_interval({n}, {n}) hi = {hi!r}"


def test_wilson_no_trials() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


@settings(max_examples=200, deadline=None, database=None)
@given(
    n=st.integers(1, 10**6),
    frac=st.floats(0.0, 1.0),
    level=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_wilson_contains_p_and_is_symmetric(n, frac, level) -> None:
    x = round(frac * n)
    lo, hi = wilson_interval(x, n, level)
    assert 0.0 <= lo <= hi <= 1.0
    if 0 < x < n:  # (the extremes are checked exactly above)
        assert lo < x / n < hi
    # swapping successes and failures mirrors the interval
    lo2, hi2 = wilson_interval(n - x, n, level)
    assert lo2 == pytest.approx(1 - hi, abs=1e-12)
    assert hi2 == pytest.approx(1 - lo, abs=1e-12)


def test_wilson_narrows_with_n_and_widens_with_level() -> None:
    w = [hi - lo for lo, hi in (wilson_interval(n // 2, n) for n in (10, 100, 1000))]
    assert w[0] > w[1] > w[2]
    lo90, hi90 = wilson_interval(30, 100, 0.90)
    lo99, hi99 = wilson_interval(30, 100, 0.99)
    assert lo99 < lo90 and hi99 > hi90
