"""Known answers from spatial theory (Tsebelis 2002; Romer and Rosenthal 1978; Achen 2006).

Expected values are written as their derivation, so a reader can check the theory, not a number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import into, run_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sco_sim.engine import simulate
from sco_sim.inputs.config import build_config
from sco_sim.inputs.scenario import load_scenario, parse_scenario
from sco_sim.model.agents import AgendaItem
from sco_sim.model.drafting import amend, compromise_draft, setter_draft, step_draft
from sco_sim.model.geometry import acceptance_margin, accepts_points
from sco_sim.model.organisation import SCOModel
from sco_sim.model.rules import RULES, threshold_value, voting_weights

UNIT_1D = np.array([[0.0, 1.0]])
UNIT_2D = np.array([[0.0, 1.0], [0.0, 1.0]])


def run(config, replications, seed):
    """Replications on the compiled engine (test_exactness holds it equal to the Mesa model)."""
    return simulate(config, replications, seed)


def accepts(points, q, ideal, salience, margin):
    """Each member's acceptance of a point (N,) or of each of several points (P, N)."""
    ok = accepts_points(points, q, ideal, salience, margin)
    return ok[0] if np.ndim(points) == 1 else ok


def weighted_distance(points, ideal, salience):
    """Salience-weighted distance of each point (P, D) to one member's ideal (D,)."""
    return np.sqrt((salience * (np.atleast_2d(points) - ideal) ** 2).sum(axis=-1))


def setter(q, proposer, ideal, salience, margin, dims, bounds, rule, weight, threshold):
    """The compiled setter called with a bounds array and a rule name, as the theory reads it."""
    return setter_draft(np.asarray(q, dtype=float), proposer, np.ascontiguousarray(ideal, dtype=float),
                        np.ascontiguousarray(salience, dtype=float), np.asarray(margin, dtype=float),
                        np.asarray(dims), np.ascontiguousarray(bounds[:, 0]), np.ascontiguousarray(bounds[:, 1]),
                        RULES[rule].code, np.asarray(weight, dtype=float), threshold_value(threshold))


def member(name, ideal, salience=None, capability=1.0, tolerance=0.0, group="minor", **extra):
    ideal = list(ideal)
    return {
        "name": name,
        "group": group,
        "ideal": ideal,
        "salience": list(salience) if salience is not None else [1.0] * len(ideal),
        "capability": capability,
        "tolerance": tolerance,
        **extra,
    }


def scenario(members, q, *, dims=("x",), meetings=1, rule=None, agenda=None, negotiation=None,
             status_quo=None, rivalries=None):
    raw = {
        "scenario": {"name": "theory", "meetings": meetings},
        "space": {"dimensions": list(dims)},
        "rule": rule or {"type": "unanimity"},
        "agenda": {"items_per_meeting": 1, **(agenda or {})},
        "negotiation": negotiation or {},
        "status_quo": {"position": q, **(status_quo or {})},
        "members": members,
    }
    if rivalries:
        raw["rivalries"] = rivalries
    return build_config(parse_scenario(raw, "<theory>"))


# --------------------------------------------------------------------------- the median blocks


def test_three_on_a_line_never_adopts(write, three_text) -> None:
    """B sits on the status quo (0.5) and loses from any move: under unanimity nothing passes."""
    config = build_config(load_scenario(write(three_text)))
    res = run(config, replications=50, seed=2024)
    assert len(res.meetings) == 50 * config.meetings
    assert res.meetings["items"].sum() == 50 * config.meetings * config.items_per_meeting
    assert res.meetings["adopted"].sum() == 0
    assert not res.items["adopted"].any()
    # B's distance to the status quo stays zero throughout: the status quo never moved.
    b = res.members[res.members["member"] == "B"]
    assert (b["distance_to_status_quo"] == 0.0).all()


def test_three_on_a_line_moves_when_status_quo_is_outside(write, three_text) -> None:
    """Status quo at 0.0, outside [0.2, 0.8]: everyone gains from a move right, so items pass."""
    text = three_text.replace("position = [0.5]", "position = [0.0]")
    assert text != three_text
    config = build_config(load_scenario(write(text)))
    assert config.status_quo.tolist() == [0.0]
    res = run(config, replications=50, seed=2024)
    assert res.meetings["adopted"].sum() > 0
    # The first item of every replication passes: any step from 0.0 toward an ideal in [0.2, 0.8]
    # lands in [0, 0.4], which A (0.2) accepts, and B and C a fortiori.
    first = res.items[(res.items["meeting"] == 1) & (res.items["item"] == 1)]
    assert first["adopted"].all()


@st.composite
def pareto_status_quo_1d(draw):
    n = draw(st.integers(2, 6))
    ideals = [draw(st.floats(0.0, 1.0)) for _ in range(n)]
    lo, hi = min(ideals), max(ideals)
    if draw(st.booleans()):
        q = draw(st.sampled_from(ideals))  # on a member's ideal point
    else:
        q = min(max(lo + draw(st.floats(0.0, 1.0)) * (hi - lo), lo), hi)
    members = [
        member(f"M{i}", [x], [draw(st.floats(0.1, 3.0))], capability=draw(st.floats(0.01, 1.0)),
               group="major" if i == 0 else "minor")
        for i, x in enumerate(ideals)
    ]
    rivalries = None
    if draw(st.booleans()):
        intensity = draw(st.sampled_from([0.0, 0.05, 0.3]))
        rivalries = [{"members": ["M0", "M1"], "intensity": intensity}]
    config = scenario(
        members,
        [q],
        meetings=draw(st.integers(1, 4)),
        agenda={
            "items_per_meeting": draw(st.integers(1, 4)),
            "proposer": draw(st.sampled_from(
                ["rotating_chair", "capability_weighted", "major_powers", "random"])),
            "deadlocked": draw(st.sampled_from(["drop", "carry_over"])),
        },
        negotiation={
            "drafting": draw(st.sampled_from(["step", "setter", "compromise"])),
            "max_rounds": draw(st.integers(0, 4)),
            "concession": draw(st.floats(0.0, 1.0)),
            "proposal_step": draw(st.floats(0.0, 1.0)),
            "noise": draw(st.sampled_from([0.0, 0.1])),
            "setter_noise": draw(st.sampled_from([0.0, 0.1])),
        },
        rivalries=rivalries,
    )
    return config, q


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(case=pareto_status_quo_1d(), seed=st.integers(0, 2**32 - 1))
def test_status_quo_inside_ideal_range_never_moves(case, seed) -> None:
    """1-D, unanimity, zero tolerances: a status quo in [min ideal, max ideal] is unbeatable.

    Any move right hurts the leftmost member, any move left hurts the rightmost one, whatever
    the proposer, drafting method, noise, consultation or rivalries.
    """
    config, q = case
    model, meetings, _, items = run_model(config, seed=seed)
    assert meetings["adopted"].sum() == 0
    assert not items["adopted"].any()
    assert model.status_quo.tolist() == [q]


# --------------------------------------------------------------------------- agenda setter, 1-D


def _setter_1d(ideals, q, setter, *, salience=None, tolerance=None, rivalry=None,
               rule="unanimity", threshold=None, capability=None, bounds=UNIT_1D):
    n = len(ideals)
    ideal = np.array(ideals, dtype=float)[:, None]
    sal = np.ones((n, 1)) if salience is None else np.array(salience, dtype=float)[:, None]
    tol = np.zeros(n) if tolerance is None else np.array(tolerance, dtype=float)
    riv = np.full(n, np.nan) if rivalry is None else np.array(rivalry, dtype=float)
    margin = np.array([acceptance_margin(t, r, False, True) for t, r in zip(tol, riv)])
    cap = np.ones(n) / n if capability is None else np.array(capability, dtype=float)
    weight = voting_weights(cap, capability is not None)
    draft = globals()["setter"](np.array([q], dtype=float), setter, ideal, sal, margin, np.array([True]),
                                bounds, rule, weight, threshold)
    return draft, ideal, sal, margin, weight


NAN = float("nan")

SETTER_1D_CASES = [
    pytest.param(
        dict(ideals=[0.2, 0.6, 0.9], q=0.0, setter=2),
        # the 0.2 member accepts up to its mirror image of q; the others accept more
        2 * 0.2 - 0.0,
        id="unanimity-leftmost-binds",
    ),
    pytest.param(
        dict(ideals=[0.2, 0.6, 0.9], q=0.0, setter=2, tolerance=[0.1, 0.0, 0.0]),
        # |z - 0.2| <= |0.0 - 0.2| + 0.1
        0.2 + (0.2 - 0.0) + 0.1,
        id="tolerance-widens",
    ),
    pytest.param(
        dict(ideals=[0.2, 0.6, 0.9], q=0.0, setter=2, salience=[4.0, 1.0, 1.0],
             tolerance=[0.1, 0.0, 0.0]),
        # sqrt(w)|z - x| <= sqrt(w)|q - x| + tol  =>  |z - x| <= |q - x| + tol / sqrt(w)
        0.2 + (0.2 - 0.0) + 0.1 / math.sqrt(4.0),
        id="salience-scales-tolerance",
    ),
    pytest.param(
        dict(ideals=[0.2, 0.6, 0.9], q=1.0, setter=0),
        # mirror image on the other side: the 0.9 member accepts down to 0.9 - (1.0 - 0.9)
        0.9 - (1.0 - 0.9),
        id="unanimity-rightmost-binds",
    ),
    pytest.param(
        dict(ideals=[0.3, 0.6, 0.9], q=0.0, setter=0),
        # winset [0, 2 * 0.3] contains the setter's ideal, which it then proposes
        0.3,
        id="setter-ideal-inside-winset",
    ),
    pytest.param(
        dict(ideals=[0.25, 0.625, 0.875], q=0.0, setter=2, rivalry=[0.125, NAN, NAN]),
        # the rival demands a gain of 0.125: |z - 0.25| <= |0.0 - 0.25| - 0.125, so its
        # acceptable set [0.125, 0.375] excludes q itself (dyadic numbers: the boundary is exact)
        0.25 + (0.25 - 0.0) - 0.125,
        id="rival-demands-gain-dyadic",
    ),
    pytest.param(
        dict(ideals=[0.2, 0.6, 0.9], q=0.0, setter=2, rivalry=[0.1, NAN, NAN]),
        # the same with non-dyadic numbers: the winset is [0.1, 0.3], so the draft is 0.3
        0.2 + (0.2 - 0.0) - 0.1,
        # (the rounded boundary may fall a hair outside the rival's set, and q itself is not in
        # it: the setter must still find a point of the winset, not fall back to q)
        id="rival-demands-gain",
    ),
    pytest.param(
        dict(ideals=[0.2, 0.3, 0.9], q=0.0, setter=2, rule="majority"),
        # two of three needed: the setter and the 0.3 member, who accepts up to 2 * 0.3 - 0.0
        2 * 0.3 - 0.0,
        id="majority-median-binds",
    ),
    pytest.param(
        dict(ideals=[0.2, 0.6, 0.9], q=0.0, setter=2, rule="majority"),
        # the 0.6 member accepts up to 1.2, so the setter gets its own ideal
        0.9,
        id="majority-setter-gets-ideal",
    ),
    pytest.param(
        dict(ideals=[0.2, 0.3, 0.9], q=0.0, setter=2, rule="consensus_minus_one"),
        # one objector allowed: the 0.2 member may object, the 0.3 member may not
        2 * 0.3 - 0.0,
        id="consensus-minus-one",
    ),
    pytest.param(
        dict(ideals=[0.2, 0.3, 0.9], q=0.0, setter=2, rule="majority",
             capability=[0.2, 0.2, 0.6]),
        # the setter alone holds 0.6 > 1/2 of the capability: its ideal passes
        0.9,
        id="weighted-majority-setter-alone",
    ),
    pytest.param(
        dict(ideals=[0.2, 0.3, 0.9], q=0.0, setter=2, rule="majority", threshold=0.8,
             capability=[0.1, 0.2, 0.7]),
        # 0.7 + 0.2 = 0.9 >= 0.8 needs the 0.3 member; 0.7 + 0.1 = 0.8 would do as well with the
        # 0.2 member, whose limit 0.4 < 0.6: the larger of the two winning intervals is [0, 0.6]
        2 * 0.3 - 0.0,
        id="weighted-threshold",
    ),
    pytest.param(
        dict(ideals=[0.2, 0.6, 0.9], q=0.0, setter=2, bounds=np.array([[0.0, 2.0]]),
             tolerance=[1.0, 1.0, 1.0]),
        # every member accepts up to 0.9 + 0.9 + 1.0 > 0.9: the setter's ideal
        0.9,
        id="wide-tolerance",
    ),
]


@pytest.mark.parametrize(("case", "expected"), SETTER_1D_CASES)
def test_setter_1d_closed_form(case, expected) -> None:
    case = dict(case)
    draft, ideal, sal, margin, weight = _setter_1d(**case)
    assert draft.shape == (1,)
    assert draft[0] == pytest.approx(expected, abs=1e-9)
    # The setter believes (correctly, no noise) that its draft passes.
    rule = RULES[case.get("rule", "unanimity")]
    ok = accepts(draft, np.array([case["q"]]), ideal, sal, margin)
    assert rule(ok, weight, case.get("threshold"))


@settings(max_examples=200, deadline=None, database=None)
@given(
    x=st.floats(0.05, 1.0),
    s_frac=st.floats(0.0, 1.0),
    i_frac=st.floats(0.0, 0.95),
)
def test_setter_1d_against_a_rival_closed_form(x, s_frac, i_frac) -> None:
    """q = 0, rival at x demanding a gain of i < x, setter at s >= x.

    The rival accepts |z - x| <= x - i, i.e. z in [i, 2x - i] (q itself is outside); the setter
    proposes the point of that interval nearest its ideal: min(s, 2x - i).
    """
    s = x + s_frac * (1.0 - x)
    i = i_frac * x
    draft, ideal, sal, margin, weight = _setter_1d([x, s], 0.0, setter=1, rivalry=[i, NAN])
    assert draft[0] == pytest.approx(min(s, 2 * x - i), abs=1e-9)
    assert accepts(draft, np.array([0.0]), ideal, sal, margin).all()


def test_setter_1d_returns_status_quo_when_nothing_passes() -> None:
    """Status quo at the median's ideal: the median member's acceptable set is {q} itself."""
    draft, *_ = _setter_1d([0.2, 0.5, 0.8], 0.5, setter=0)
    assert draft[0] == pytest.approx(0.5, abs=1e-12)


def test_setter_1d_in_the_model() -> None:
    """End to end: the chair (0.9) sets the agenda against q = 0.0; 2 * 0.2 - 0.0 passes."""
    config = scenario(
        [member("A", [0.2]), member("B", [0.6]), member("C", [0.9])],
        [0.0],
        agenda={"proposer": "rotating_chair", "first_chair": "C"},
        negotiation={"drafting": "setter", "max_rounds": 0},
    )
    model, _, _, items = run_model(config, seed=1)
    (res,) = items.itertuples(index=False)
    assert res.proposer == "C"
    assert res.adopted and res.rounds == 0
    assert model.status_quo[0] == pytest.approx(2 * 0.2 - 0.0, abs=1e-9)


# --------------------------------------------------------------------------- agenda setter, 2-D

SETTER_2D_CASES = [
    pytest.param(
        dict(ideal=[[0.2, 0.3], [0.7, 0.2], [0.5, 0.8], [0.95, 0.9]],
             salience=[[1, 1], [2, 1], [1, 3], [1, 1]], q=[0.1, 0.1], setter=3, tol=[0, 0, 0, 0]),
        id="four-members-unequal-salience",
    ),
    pytest.param(
        dict(ideal=[[0.3, 0.3], [0.6, 0.4], [0.9, 0.9]],
             salience=[[1, 1], [1, 1], [1, 1]], q=[0.05, 0.9], setter=2, tol=[0, 0, 0]),
        id="three-euclidean",
    ),
    pytest.param(
        dict(ideal=[[0.3, 0.3], [0.6, 0.4], [0.9, 0.9]],
             salience=[[1, 1], [1, 1], [1, 1]], q=[0.05, 0.9], setter=2, tol=[0.05, 0.1, 0.0]),
        id="three-with-tolerance",
    ),
    pytest.param(
        dict(ideal=[[0.1, 0.9], [0.4, 0.6], [0.8, 0.1]],
             salience=[[3, 1], [1, 1], [1, 0.5]], q=[0.9, 0.9], setter=0, tol=[0, 0, 0]),
        id="setter-on-the-other-side",
    ),
]


def _grid(h: float) -> np.ndarray:
    g = np.arange(0.0, 1.0 + h / 2, h)
    x, y = np.meshgrid(g, g, indexing="ij")
    return np.stack([x.ravel(), y.ravel()], axis=1)


@pytest.mark.parametrize("case", SETTER_2D_CASES)
def test_setter_2d_unanimity_matches_grid_search(case) -> None:
    ideal = np.array(case["ideal"], dtype=float)
    sal = np.array(case["salience"], dtype=float)
    q = np.array(case["q"], dtype=float)
    margin = np.array(case["tol"], dtype=float)
    p = case["setter"]
    n = len(ideal)
    draft = setter(q, p, ideal, sal, margin, np.array([True, True]), UNIT_2D, "unanimity", np.ones(n), None)

    # Every member accepts the setter's draft, and it actually moves the status quo.
    assert accepts(draft, q, ideal, sal, margin).all()
    assert np.max(np.abs(draft - q)) > 1e-3
    assert np.all((draft >= 0.0) & (draft <= 1.0))

    # Brute force: of the grid points every member accepts, the one the setter likes best.
    h = 0.002
    pts = _grid(h)
    ok = accepts(pts, q, ideal, sal, margin).all(axis=-1)
    assert ok.any()
    feasible = pts[ok]
    f_grid = weighted_distance(feasible, ideal[p], sal[p])
    best = feasible[np.argmin(f_grid)]
    f_draft = float(weighted_distance(draft, ideal[p], sal[p])[0])

    # The setter does at least as well as any acceptable grid point (it is the optimum) ...
    assert f_draft <= f_grid.min() + 1e-7
    # ... and no worse than the grid's best by more than the grid's resolution.
    assert f_grid.min() - f_draft <= math.sqrt(sal[p].max()) * h * math.sqrt(2)
    np.testing.assert_allclose(draft, best, atol=3 * h)


def test_setter_2d_takes_its_ideal_when_acceptable() -> None:
    """A setter whose ideal every member prefers to q proposes exactly its ideal."""
    ideal = np.array([[0.5, 0.5], [0.6, 0.55], [0.55, 0.6]])
    sal = np.ones((3, 2))
    q = np.array([0.0, 0.0])
    draft = setter(q, 1, ideal, sal, np.zeros(3), np.array([True, True]), UNIT_2D, "unanimity", np.ones(3), None)
    np.testing.assert_array_equal(draft, ideal[1])


def test_setter_2d_on_one_issue_area_keeps_the_other_coordinate() -> None:
    """An item on x only: y stays at the status quo and x solves the 1-D problem with y fixed.

    Member A at (0.2, 0.5) with q = (0.0, 0.9): A accepts x with (x - 0.2)^2 + (0.9 - 0.5)^2
    <= (0.0 - 0.2)^2 + (0.9 - 0.5)^2, i.e. x <= 2 * 0.2 - 0.0; the setter B at (0.9, 0.1) wants
    x = 0.9 and gets A's limit.
    """
    ideal = np.array([[0.2, 0.5], [0.9, 0.1]])
    sal = np.ones((2, 2))
    q = np.array([0.0, 0.9])
    draft = setter(q, 1, ideal, sal, np.zeros(2), np.array([True, False]), UNIT_2D, "unanimity", np.ones(2), None)
    assert draft[1] == q[1]
    assert draft[0] == pytest.approx(2 * 0.2 - 0.0, abs=1e-9)


# --------------------------------------------------------------------------- compromise


def test_compromise_is_capability_times_salience_weighted_mean() -> None:
    ideal = np.array([[0.2, 0.9, 0.1], [0.6, 0.1, 0.4], [1.0, 0.5, 0.7]])
    sal = np.array([[1.0, 0.0, 2.0], [2.0, 1.0, 1.0], [1.0, 1.0, 0.5]])
    cap = np.array([0.5, 0.3, 0.2])
    q = np.array([0.3, 0.3, 0.3])
    draft = into(np.empty(3), compromise_draft, q, ideal, sal, cap, np.array([True, True, False]))
    x = (0.5 * 1.0 * 0.2 + 0.3 * 2.0 * 0.6 + 0.2 * 1.0 * 1.0) / (0.5 * 1.0 + 0.3 * 2.0 + 0.2 * 1.0)
    # member 0 does not care about y (salience 0): its ideal 0.9 carries no weight there
    y = (0.3 * 1.0 * 0.1 + 0.2 * 1.0 * 0.5) / (0.3 * 1.0 + 0.2 * 1.0)
    np.testing.assert_allclose(draft, [x, y, 0.3], rtol=0, atol=1e-15)
    assert draft[2] == q[2]  # not on the agenda: unchanged


def test_compromise_keeps_status_quo_where_nobody_cares() -> None:
    ideal = np.array([[0.2, 0.9], [0.6, 0.1]])
    sal = np.array([[1.0, 0.0], [3.0, 0.0]])  # nobody weighs y
    cap = np.array([0.5, 0.5])
    q = np.array([0.0, 0.4])
    draft = into(np.empty(2), compromise_draft, q, ideal, sal, cap, np.array([True, True]))
    x = (0.5 * 1.0 * 0.2 + 0.5 * 3.0 * 0.6) / (0.5 * 1.0 + 0.5 * 3.0)
    assert draft[0] == pytest.approx(x, abs=1e-15)
    assert draft[1] == q[1]


# --------------------------------------------------------------------------- step drafting


@pytest.mark.parametrize(
    ("q", "x", "dims", "step", "noise_sd", "noise", "expected"),
    [
        pytest.param([0.1, 0.2, 0.3], [0.9, 0.8, 0.7], [True, False, False], 0.5, 0.0, [0, 0, 0],
                     [0.1 + 0.5 * (0.9 - 0.1), 0.2, 0.3], id="one-dim"),
        pytest.param([0.1, 0.2, 0.3], [0.9, 0.8, 0.7], [False, True, True], 0.25, 0.0, [0, 0, 0],
                     [0.1, 0.2 + 0.25 * (0.8 - 0.2), 0.3 + 0.25 * (0.7 - 0.3)], id="package"),
        pytest.param([0.6, 0.2], [0.2, 0.9], [True, False], 1.0, 0.0, [0, 0],
                     [0.2, 0.2], id="full-step-reaches-ideal"),
        pytest.param([0.6, 0.2], [0.2, 0.9], [True, True], 0.0, 0.0, [0, 0],
                     [0.6, 0.2], id="zero-step-is-null"),
        pytest.param([0.5, 0.5], [0.7, 0.9], [True, False], 0.5, 0.1, [1.5, -2.0],
                     [0.5 + 0.5 * (0.7 - 0.5) + 0.1 * 1.5, 0.5], id="noise-on-item-dims-only"),
        pytest.param([0.5, 0.5], [0.9, 0.1], [True, True], 0.5, 0.2, [2.0, -3.0],
                     [1.0, 0.0], id="noise-clipped-to-bounds"),
    ],
)
def test_step_draft(q, x, dims, step, noise_sd, noise, expected) -> None:
    d = len(q)
    draft = into(np.empty(d), step_draft, np.array(q), np.array([x]), 0, np.array(dims), step, noise_sd,
                 np.array(noise, dtype=float), np.zeros(d), np.ones(d))
    np.testing.assert_allclose(draft, expected, rtol=0, atol=1e-15)
    off = ~np.array(dims)
    np.testing.assert_array_equal(draft[off], np.array(q)[off])


# --------------------------------------------------------------------------- consultation


def test_amend_moves_toward_objectors_mean_ideal() -> None:
    ideal = np.array([[0.1, 0.9], [0.5, 0.5], [0.3, 0.2]])
    proposal = np.array([0.8, 0.6])
    objectors = np.array([True, False, True])
    draft = into(np.empty(2), amend, proposal, ideal, objectors, np.array([True, False]), 0.25)
    mean_x = (0.1 + 0.3) / 2
    np.testing.assert_allclose(draft, [0.8 + 0.25 * (mean_x - 0.8), 0.6], rtol=0, atol=1e-15)


@pytest.mark.parametrize("concession", [0.0, 1.0])
def test_amend_extremes(concession) -> None:
    ideal = np.array([[0.1, 0.9], [0.5, 0.5]])
    proposal = np.array([0.8, 0.6])
    draft = into(np.empty(2), amend, proposal, ideal, np.array([True, True]), np.array([True, True]), concession)
    mean = ideal.mean(axis=0)
    np.testing.assert_allclose(draft, proposal + concession * (mean - proposal), atol=1e-15)


def test_amend_without_objectors_keeps_the_draft() -> None:
    ideal = np.array([[0.1, 0.9], [0.5, 0.5]])
    proposal = np.array([0.8, 0.6])
    draft = into(np.empty(2), amend, proposal, ideal, np.array([False, False]), np.array([True, True]), 0.5)
    np.testing.assert_array_equal(draft, proposal)


def test_consultation_in_the_model() -> None:
    """C (0.9) drafts its ideal against q = 0.0; A (0.2) accepts only up to 2 * 0.2 - 0.0 = 0.4.

    Round 1 concedes half-way to A: 0.9 + 0.5 (0.2 - 0.9) = 0.55, still too far; round 2:
    0.55 + 0.5 (0.2 - 0.55) = 0.375 <= 0.4, adopted after two rounds.
    """
    config = scenario(
        [member("A", [0.2]), member("C", [0.9])],
        [0.0],
        agenda={"proposer": "rotating_chair", "first_chair": "C"},
        negotiation={"drafting": "step", "proposal_step": 1.0, "max_rounds": 3, "concession": 0.5},
    )
    model, _, _, items = run_model(config)
    (res,) = items.itertuples(index=False)
    r1 = 0.9 + 0.5 * (0.2 - 0.9)
    r2 = r1 + 0.5 * (0.2 - r1)
    assert res.adopted
    assert res.rounds == 2
    assert model.status_quo[0] == pytest.approx(r2, abs=1e-12)
    assert res.objectors == ""

    # With only one round allowed the item fails, and A is recorded as the (sole) objector.
    short = scenario(
        [member("A", [0.2]), member("C", [0.9])],
        [0.0],
        agenda={"proposer": "rotating_chair", "first_chair": "C"},
        negotiation={"drafting": "step", "proposal_step": 1.0, "max_rounds": 1, "concession": 0.5},
    )
    m2, _, members2, items2 = run_model(short)
    (res2,) = items2.itertuples(index=False)
    assert not res2.adopted and res2.rounds == 1
    # the text on the table after one round is r1, which A still rejects: |r1 - 0.2| > 0.2
    assert abs(r1 - 0.2) > abs(0.0 - 0.2)
    assert res2.objectors == "A"
    assert members2["sole_vetoes"].tolist() == [1, 0]
    assert m2.status_quo[0] == 0.0


# --------------------------------------------------------------------------- rivalry and tolerance

# Dyadic numbers throughout, so the boundary comparisons are exact in binary floating point.
EPS = 2.0**-20


def _rival_model():
    config = scenario(
        [member("R", [0.0], tolerance=0.0), member("P", [1.0]), member("F", [0.75])],
        [0.5],
        rivalries=[{"members": ["R", "P"], "intensity": 0.125}],
    )
    return SCOModel(config, seed=0)


def judges(model, i, p, q, proposer) -> bool:
    """Member i's verdict (``MemberState.judge``) on text p against status quo q, tabled by ``proposer``."""
    member = model.members[i]
    n = model.config.n_members
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    item = AgendaItem(0, np.ones(len(q), dtype=bool), False, proposer, q, p,
                      np.array([m.margin_towards(proposer) for m in model.members]),
                      np.array([-m.utility(q) for m in model.members]), np.zeros(n))
    return member.judge(item)


@pytest.mark.parametrize(
    ("p", "from_rival", "expected"),
    [
        # R at 0.0, q = 0.5: a rival's draft must bring a gain of at least 0.125,
        # i.e. |p - 0.0| <= 0.5 - 0.125
        (0.5 - 0.125, True, True),
        (0.5 - 0.125 + EPS, True, False),
        (0.4375, True, False),  # a gain of 0.0625 < 0.125
        # the same drafts from a non-rival (tolerance 0): any gain, or none, will do
        (0.4375, False, True),
        (0.5, False, True),
        (0.5 + EPS, False, False),
        # even no change at all is not enough from a rival
        (0.5, True, False),
    ],
)
def test_rivalry_demands_a_gain(p, from_rival, expected) -> None:
    model = _rival_model()
    try:
        r = model.members[0]
        assert r.name == "R"
        proposer = 1 if from_rival else 2  # P is R's rival, F is not
        assert judges(model, 0, [p], [0.5], proposer) is expected
        # The acceptance of many points at once (winsets, pictures) agrees.
        margin = np.array([m.margin_towards(proposer) for m in model.members])
        ok = accepts(np.array([p]), np.array([0.5]), model.ideal, model.salience, margin)
        assert bool(ok[0]) is expected
    finally:
        model.finish()


def test_rivalry_in_the_model() -> None:
    """Everyone's ideal is 0.0 and q = 0.5; a step of 0.125 offers each member a gain of 0.0625.

    That is below the rivalry intensity 0.125: R objects to P's draft (meeting 1, P in the chair)
    and P to R's (meeting 2), while F's identical draft passes (meeting 3).
    """
    config = scenario(
        [member("F", [0.0]), member("P", [0.0]), member("R", [0.0])],
        [0.5],
        meetings=3,
        agenda={"proposer": "rotating_chair", "first_chair": "P"},
        negotiation={"drafting": "step", "proposal_step": 0.125, "max_rounds": 0},
        rivalries=[{"members": ["R", "P"], "intensity": 0.125}],
    )
    model, _, _, items = run_model(config)
    assert items["proposer"].tolist() == ["P", "R", "F"]
    assert items["objectors"].tolist() == ["R", "P", ""]
    assert items["adopted"].tolist() == [False, False, True]
    assert model.status_quo[0] == 0.5 + 0.125 * (0.0 - 0.5)


def test_rivalry_is_symmetric_and_only_between_rivals() -> None:
    model = _rival_model()
    try:
        assert model.members[0].margin_towards(1) == -0.125
        assert model.members[1].margin_towards(0) == -0.125
        assert model.members[0].margin_towards(2) == 0.0
        assert model.members[2].margin_towards(0) == 0.0
    finally:
        model.finish()


@pytest.mark.parametrize(
    ("ideal", "salience", "q", "tol", "p", "expected"),
    [
        # 1-D: x = 0, q = 0.25, tolerance 0.125: accepts up to |p| = 0.25 + 0.125
        ([0.0], [1.0], [0.25], 0.125, [0.25 + 0.125], True),
        ([0.0], [1.0], [0.25], 0.125, [0.25 + 0.125 + EPS], False),
        ([0.0], [1.0], [0.25], 0.0, [0.25], True),
        ([0.0], [1.0], [0.25], 0.0, [0.25 + EPS], False),
        # 2-D, 3-4-5 triangle scaled by 1/8: d(q) = sqrt(0.375^2 + 0.5^2) = 0.625,
        # and d(p) = 0.75 = 0.625 + 0.125 at the boundary
        ([0.0, 0.0], [1.0, 1.0], [0.375, 0.5], 0.125, [0.75, 0.0], True),
        ([0.0, 0.0], [1.0, 1.0], [0.375, 0.5], 0.125, [0.75 + EPS, 0.0], False),
        # salience: d(q) = sqrt(4 * 0.25^2) = 0.5; p on y with weight 1: d(p) = 0.75 = 0.5 + 0.25
        ([0.0, 0.0], [4.0, 1.0], [0.25, 0.0], 0.25, [0.0, 0.5 + 0.25], True),
        ([0.0, 0.0], [4.0, 1.0], [0.25, 0.0], 0.25, [0.0, 0.5 + 0.25 + EPS], False),
        # the same displacement on x costs twice as much: d = 2 * 0.375 = 0.75 is accepted,
        # 0.375 + EPS is not
        ([0.0, 0.0], [4.0, 1.0], [0.25, 0.0], 0.25, [0.375, 0.0], True),
        ([0.0, 0.0], [4.0, 1.0], [0.25, 0.0], 0.25, [0.375 + EPS, 0.0], False),
    ],
)
def test_tolerance_boundary(ideal, salience, q, tol, p, expected) -> None:
    d = len(ideal)
    config = scenario(
        [member("A", ideal, salience, tolerance=tol), member("B", [1.0] * d)],
        q,
        dims=[f"d{k}" for k in range(d)],
    )
    model = SCOModel(config, seed=0)
    try:
        a = model.members[0]
        p_arr, q_arr = np.array(p), np.array(q)
        assert judges(model, 0, p_arr, q_arr, proposer=1) is expected
        # U(p) >= U(q) - tol, in utility terms
        assert (a.utility(p_arr) >= a.utility(q_arr) - tol) is expected
    finally:
        model.finish()
