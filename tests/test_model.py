"""Mesa-level checks of the reference model: agents, chair, proposers, agenda, status quo."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, member
from conftest import run_model as run_tables
from hypothesis import given, settings
from hypothesis import strategies as st

from sco_sim.engine import simulate
from sco_sim.inputs.config import build_config
from sco_sim.inputs.scenario import load_scenario, parse_scenario
from sco_sim.model import streams
from sco_sim.model.agents import AgendaItem, MemberState
from sco_sim.model.geometry import acceptance_margin, accepts_points, distance
from sco_sim.model.organisation import SCOModel
from sco_sim.model.outputs import ITEM_COLUMNS, MEETING_COLUMNS, MEMBER_COLUMNS


def make_config(members=None, q=(0.5,), *, dims=None, meetings=1, rule="unanimity", agenda=None,
                negotiation=None, status_quo=None, rivalries=None, generate=None):
    dims = dims or [f"d{k}" for k in range(len(q) if q != "uniform" else 1)]
    raw = {
        "scenario": {"name": "model", "meetings": meetings},
        "space": {"dimensions": list(dims)},
        "rule": {"type": rule},
        "agenda": {"items_per_meeting": 1, **(agenda or {})},
        "negotiation": negotiation or {},
        "status_quo": {"position": q if q == "uniform" else list(q), **(status_quo or {})},
    }
    if members is not None:
        raw["members"] = members
    if generate is not None:
        raw["generate"] = generate
    if rivalries:
        raw["rivalries"] = rivalries
    return build_config(parse_scenario(raw, "<model>"))


def run(config, replications, seed):
    """Replications on the compiled engine (test_exactness holds it equal to the Mesa model)."""
    return simulate(config, replications, seed)


class Finished:
    """A finished Mesa replication: its status quo and ideal points, and its three tables."""

    def __init__(self, config, seed=0, replication=0):
        self.model, self.meetings, self.members, self.items = run_tables(config, seed, replication)
        self.status_quo = self.model.status_quo
        self.ideal = self.model.ideal


def run_model(config, seed=0, replication=0) -> Finished:
    return Finished(config, seed, replication)


def proposers(model) -> list[str]:
    return model.items["proposer"].tolist()


def judges(model, i, p, q, proposer) -> bool:
    """Member i's verdict (``MemberState.judge``) on text p against q, tabled by ``proposer``."""
    item = AgendaItem(0, np.ones(len(q), dtype=bool), False, proposer, q, p,
                      np.array([m.margin_towards(proposer) for m in model.members]),
                      np.array([-m.utility(q) for m in model.members]), np.zeros(len(model.members)))
    return model.members[i].judge(item)


# --------------------------------------------------------------------------- agents vs geometry

THREE_D = make_config(
    [
        member("A", [0.1, 0.9, 0.5], salience=[1.0, 2.0, 0.0], tolerance=0.05, capability=3.0),
        member("B", [0.7, 0.2, 0.4], salience=[0.5, 1.0, 1.0], tolerance=0.0, capability=1.0),
        member("C", [0.4, 0.4, 0.9], salience=[2.0, 0.0, 1.0], tolerance=0.2, capability=1.0),
        member("D", [0.9, 0.8, 0.1], salience=[1.0, 1.0, 1.0], tolerance=0.1, capability=0.0),
    ],
    q=(0.5, 0.5, 0.5),
    rivalries=[{"members": ["A", "C"], "intensity": 0.15}],
)

point3 = st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3).map(np.array)


@settings(max_examples=150, deadline=None, database=None)
@given(p=point3, q=point3, proposer=st.integers(0, 3))
def test_member_state_agrees_with_the_geometry_of_many_points(p, q, proposer) -> None:
    model = SCOModel(THREE_D, seed=0)
    try:
        margin = np.array([acceptance_margin(THREE_D.tolerance[i], THREE_D.rivalry[i, proposer],
                                             THREE_D.cancels[i, proposer], True) for i in range(4)])
        vec_ok = accepts_points(p, q, model.ideal, model.salience, margin)[0]
        for i, m in enumerate(model.members):
            assert judges(model, i, p, q, proposer) == bool(vec_ok[i])
            assert m.utility(p) == -distance(p, model.ideal, model.salience, i)
            assert m.utility(p) == -np.sqrt(np.sum(model.salience[i] * (p - model.ideal[i]) ** 2))
            assert m.margin_towards(proposer) == margin[i]
            # the documented rule: U(p) >= U(q) - margin
            assert judges(model, i, p, q, proposer) == (m.utility(p) >= m.utility(q) - margin[i])
    finally:
        model.finish()


def test_member_state_attributes() -> None:
    model = SCOModel(THREE_D, seed=0)
    try:
        assert all(isinstance(m, MemberState) for m in model.members)
        assert [m.name for m in model.members] == ["A", "B", "C", "D"]
        assert [m.index for m in model.members] == [0, 1, 2, 3]
        # capability shares: 3 / (3 + 1 + 1 + 0)
        assert [m.capability for m in model.members] == pytest.approx([3 / 5, 1 / 5, 1 / 5, 0.0])
        assert [m.tolerance for m in model.members] == [0.05, 0.0, 0.2, 0.1]
        np.testing.assert_array_equal(model.members[2].ideal, [0.4, 0.4, 0.9])
        # the rivalry is symmetric and takes its intensity off each side's tolerance
        assert model.members[0].margin_towards(2) == 0.05 - 0.15
        assert model.members[2].margin_towards(0) == 0.2 - 0.15
        assert model.members[0].margin_towards(1) == 0.05
        assert model.members[1].margin_towards(2) == 0.0
        assert len(model.agents) == 4
    finally:
        model.finish()


# --------------------------------------------------------------------------- chair and proposers

SCO3 = [
    member("China", [0.5], name_ru="Китай", group="major"),
    member("Russia", [0.5], name_ru="Россия", group="major"),
    member("Kazakhstan", [0.5], name_ru="Казахстан"),
]


@pytest.mark.parametrize(
    ("first_chair", "expected"),
    [
        # Russian alphabetical order: Казахстан < Китай < Россия (English would put China first)
        (None, ["Kazakhstan", "China", "Russia"]),
        ("Kazakhstan", ["Kazakhstan", "China", "Russia"]),
        ("China", ["China", "Russia", "Kazakhstan"]),
        ("Russia", ["Russia", "Kazakhstan", "China"]),
    ],
)
def test_rotating_chair_follows_russian_alphabetical_order(first_chair, expected) -> None:
    agenda = {"proposer": "rotating_chair", "items_per_meeting": 2}
    if first_chair:
        agenda["first_chair"] = first_chair
    config = make_config(SCO3, q=(0.5,), meetings=7, agenda=agenda)
    assert [config.names[i] for i in config.chair_order] == ["Kazakhstan", "China", "Russia"]
    model = run_model(config)
    chairs = [expected[m % 3] for m in range(7)]
    # the chair drafts every item of its meeting
    assert proposers(model) == [c for c in chairs for _ in range(2)]


def test_chair_order_without_russian_names_is_alphabetical() -> None:
    config = make_config(
        [member("Uzbekistan", [0.5]), member("India", [0.5]), member("Pakistan", [0.5])],
        meetings=3, agenda={"proposer": "rotating_chair"},
    )
    assert proposers(run_model(config)) == ["India", "Pakistan", "Uzbekistan"]


def test_generated_members_chair_in_file_order() -> None:
    """No Russian names: P1, P2, ..., P11 in order (not the string order P1, P10, P11, P2)."""
    config = make_config(generate={"members": 11}, q=(0.5,), meetings=12,
                         agenda={"proposer": "rotating_chair"})
    assert proposers(run_model(config)) == [f"P{i + 1}" for i in range(11)] + ["P1"]


def test_capability_weighted_picks_in_proportion_to_capability() -> None:
    config = make_config(
        [member("Big", [0.2], capability=3.0), member("Small", [0.8], capability=1.0),
         member("Zero", [0.5], capability=0.0)],
        meetings=20, agenda={"proposer": "capability_weighted", "items_per_meeting": 50},
    )
    chosen = pd.Series(proposers(run_model(config, seed=3)))
    assert len(chosen) == 1000
    assert "Zero" not in set(chosen)  # a member without capability never drafts
    share_big = (chosen == "Big").mean()
    # expected 3 / (3 + 1); the standard error over 1000 draws is sqrt(0.75 * 0.25 / 1000) ~ 0.014
    assert abs(share_big - 3 / (3 + 1)) < 0.06


def test_major_powers_never_picks_a_minor() -> None:
    members = [
        member("China", [0.2], group="major", capability=0.1),
        member("Russia", [0.8], group="major", capability=0.1),
    ] + [member(f"Minor{i}", [0.5], capability=1.0) for i in range(4)]
    config = make_config(members, meetings=10,
                         agenda={"proposer": "major_powers", "items_per_meeting": 20})
    chosen = proposers(run_model(config, seed=5))
    assert len(chosen) == 200
    assert set(chosen) == {"China", "Russia"}  # each major drafts, no minor ever does
    # "each major equally likely", whatever their capability: about half each
    assert abs(chosen.count("China") / 200 - 0.5) < 0.15


def test_random_proposer_can_pick_anyone() -> None:
    members = [member(f"M{i}", [0.5], capability=[5.0, 0.0, 1.0][i]) for i in range(3)]
    config = make_config(members, meetings=10,
                         agenda={"proposer": "random", "items_per_meeting": 20})
    assert set(proposers(run_model(config, seed=5))) == {"M0", "M1", "M2"}


# --------------------------------------------------------------------------- carry over


def _with_carry_over(name: str, extra: str = "") -> str:
    text = (SCENARIOS / "teaching" / name).read_text(encoding="utf-8")
    out = text.replace("[agenda]\n", f'[agenda]\ndeadlocked = "carry_over"\n{extra}', 1)
    assert out != text
    return out


@pytest.mark.parametrize("name", ["two_majors_four_minors.toml", "lone_blocker.toml",
                                  "pentagon_majority.toml"])
def test_carry_over_puts_deadlocked_items_first(write, name) -> None:
    config = build_config(load_scenario(write(_with_carry_over(name))))
    assert config.carry_over
    res = run(config, 4, seed=21)
    items, meetings = res.items, res.meetings
    slots = config.items_per_meeting
    checked = 0
    for (rep, m), group in items.groupby(["replication", "meeting"]):
        group = group.sort_values("item")
        row = meetings[(meetings.replication == rep) & (meetings.meeting == m)]
        carried = row["carried_in"].item()
        assert group["carried_over"].tolist() == [True] * carried + [False] * (slots - carried)
        if m == 1:
            assert carried == 0
            continue
        prev = items[(items.replication == rep) & (items.meeting == m - 1)].sort_values("item")
        failed = prev[~prev["adopted"]]
        # every deadlocked item comes back, first, in its order, on the same issue area(s)
        assert carried == len(failed)
        assert group["issue_area"].iloc[:carried].tolist() == failed["issue_area"].tolist()
        checked += carried
    assert checked > 0  # the scenario does produce deadlocks to carry


def test_drop_carries_nothing() -> None:
    config = build_config(load_scenario(SCENARIOS / "teaching" / "lone_blocker.toml"))
    assert not config.carry_over
    res = run(config, 3, seed=21)
    assert (~res.items["adopted"]).any()  # there were deadlocks to drop
    assert not res.items["carried_over"].any()
    assert (res.meetings["carried_in"] == 0).all()


# --------------------------------------------------------------------------- status quo


def _line(q, *, fixed=False, drift=0.0, step=0.5, meetings=8):
    """A at 0.0 (its distance to the status quo is the status quo itself), B at 1.0."""
    return make_config(
        [member("A", [0.0]), member("B", [1.0])],
        q=(q,), meetings=meetings,
        agenda={"proposer": "random", "items_per_meeting": 2},
        negotiation={"drafting": "step", "proposal_step": step, "max_rounds": 0},
        status_quo={"fixed": fixed, "drift": drift},
    )


def _a_distance(model) -> list[float]:
    return model.members.loc[model.members["member"] == "A", "distance_to_status_quo"].tolist()


def test_fixed_status_quo_never_moves() -> None:
    """Outside the members' range (two members at 0.2 and 0.9, q = 0) drafts pass, yet q stays."""
    base = dict(
        members=[member("A", [0.2]), member("B", [0.9])], q=(0.0,), meetings=6,
        agenda={"proposer": "random", "items_per_meeting": 3},
        negotiation={"drafting": "step", "proposal_step": 0.5},
    )
    moving = run_model(make_config(**base), seed=2)
    assert moving.status_quo[0] != 0.0  # control: without `fixed`, adoptions move q
    for drift in (0.0, 0.1):
        config = make_config(**base, status_quo={"fixed": True, "drift": drift})
        model = run_model(config, seed=2)
        assert model.meetings["adopted"].sum() > 0
        assert model.status_quo.tolist() == [0.0]
        assert all(d == 0.2 for d in _a_distance(model))  # |0.0 - 0.2| every meeting


def test_without_drift_a_deadlocked_status_quo_stays() -> None:
    """q = 0.5 between A (0.0) and B (1.0): nothing passes and, without drift, nothing moves."""
    model = run_model(_line(0.5), seed=4)
    assert model.meetings["adopted"].sum() == 0
    assert _a_distance(model) == [0.5] * 8


@pytest.mark.parametrize("seed", [0, 1])
def test_drift_moves_the_status_quo_by_its_stream(seed) -> None:
    """Null drafts (step 0), so only drift moves q: q_m = clip(q_{m-1} + drift * z_m, 0, 1)."""
    drift = 0.1
    model = run_model(_line(0.5, drift=drift, step=0.0), seed=seed)
    assert (model.meetings["null_drafts"] == model.meetings["items"]).all()
    q = 0.5
    expected = []
    for m in range(8):
        z = streams.normals(np.uint64(seed), 0, streams.DRIFT, streams.drift_start(m, 1), 1)[0]
        q = min(max(q + drift * z, 0.0), 1.0)
        expected.append(q)
    np.testing.assert_allclose(_a_distance(model), expected, rtol=0, atol=1e-15)
    assert len(set(expected)) > 1


def test_uniform_status_quo_is_a_fresh_draw_per_item() -> None:
    """Each item gets q from the "status_quo" stream, one uniform per dimension at its slot; the
    member table reports the distance to the meeting's last item's q."""
    config = make_config(
        [member("A", [0.2, 0.3]), member("B", [0.8, 0.6])], q="uniform", dims=["x", "y"],
        meetings=3, agenda={"items_per_meeting": 2, "proposer": "random"},
    )
    model = run_model(config, seed=8)
    expected = []
    for m in range(3):
        last = streams.uniforms(np.uint64(8), 0, streams.STATUS_QUO, streams.slot_start(m, 1, 2, 2), 2)
        expected.append(float(np.hypot(*(last - np.array([0.2, 0.3])))))
    np.testing.assert_allclose(_a_distance(model), expected, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(model.status_quo, last)
    assert len(set(expected)) == 3


# --------------------------------------------------------------------------- generated members


@pytest.mark.parametrize(
    ("generate", "names", "groups"),
    [
        ({"members": 5, "majors": 2}, ["Major1", "Major2", "Minor1", "Minor2", "Minor3"],
         ["major"] * 2 + ["minor"] * 3),
        ({"members": 3}, ["P1", "P2", "P3"], ["minor"] * 3),
        ({"members": 2, "majors": 2}, ["Major1", "Major2"], ["major"] * 2),
    ],
)
def test_generated_member_names(generate, names, groups) -> None:
    config = make_config(generate={**generate, "major_capability": 4.0}, q=(0.5, 0.5),
                         dims=["x", "y"])
    assert list(config.names) == names
    assert list(config.groups) == groups
    n_major = groups.count("major")
    # majors weigh major_capability, minors 1: shares 4 / total and 1 / total
    total = 4.0 * n_major + 1.0 * (len(names) - n_major)
    expected_shares = [4.0 / total if g == "major" else 1.0 / total for g in groups]
    np.testing.assert_allclose(config.capability, expected_shares)
    model = SCOModel(config, seed=1, replication=2)
    try:
        assert [m.name for m in model.members] == names
        assert [m.group for m in model.members] == groups
        assert np.all((model.ideal >= 0.0) & (model.ideal <= 1.0))
        # ideal points are drawn per replication from the "members" stream, one uniform per
        # dimension at the member's block (the unit box: lower + u * (upper - lower) = u)
        expected = np.array([streams.uniforms(np.uint64(1), 2, streams.MEMBERS, streams.member_start(i, 2), 2)
                             for i in range(len(names))])
        np.testing.assert_array_equal(model.ideal, expected)
    finally:
        model.finish()


def test_generated_ideals_differ_between_replications_and_respect_bounds() -> None:
    raw = {
        "scenario": {"name": "gen", "meetings": 1},
        "space": {"dimensions": ["x", "y"], "bounds": [[-1.0, 1.0], [10.0, 12.0]]},
        "agenda": {"items_per_meeting": 1},
        "status_quo": {"position": [0.0, 11.0]},
        "generate": {"members": 4, "majors": 1},
    }
    config = build_config(parse_scenario(raw, "<gen>"))
    ideals = []
    for k in range(3):
        model = run_model(config, 0, k)
        ideals.append(model.ideal)
        assert np.all(model.ideal[:, 0] >= -1.0) and np.all(model.ideal[:, 0] <= 1.0)
        assert np.all(model.ideal[:, 1] >= 10.0) and np.all(model.ideal[:, 1] <= 12.0)
    assert not np.array_equal(ideals[0], ideals[1])
    np.testing.assert_array_equal(run_model(config, 0, 1).ideal, ideals[1])


# --------------------------------------------------------------------------- Mesa's idiom


def test_members_are_agents_in_an_agentset() -> None:
    model = SCOModel(THREE_D, seed=0)
    try:
        assert isinstance(model.agents, mesa.agent.AgentSet)
        assert len(model.agents) == THREE_D.n_members
        assert all(isinstance(a, MemberState) for a in model.agents)
        assert sorted(a.name for a in model.agents) == sorted(THREE_D.names)
        assert len(model.agents.select(lambda a: a.group == "minor")) == 4  # THREE_D has no major
        assert len(model.agents.select(lambda a: a.is_major)) == 0
        # the organisation asks its members through the AgentSet
        assert model.agents.map("margin_towards", 0) == [a.margin_towards(0) for a in model.agents]
    finally:
        model.finish()


def test_the_datacollector_holds_the_three_tables() -> None:
    config = make_config([member("A", [0.2]), member("B", [0.8]), member("C", [0.6])], q=(0.0,),
                         meetings=3, agenda={"items_per_meeting": 2, "proposer": "random"})
    model = SCOModel(config, seed=4).run()
    try:
        dc = model.datacollector
        assert isinstance(dc, mesa.DataCollector)
        meetings = dc.get_model_vars_dataframe()
        assert list(meetings.columns) == [c.name for c in MEETING_COLUMNS] and len(meetings) == 3
        members = dc.get_agent_vars_dataframe()
        assert list(members.columns) == [c.name for c in MEMBER_COLUMNS] and len(members) == 3 * 3
        items = dc.get_table_dataframe("items")
        assert list(items.columns) == [c.name for c in ITEM_COLUMNS] and len(items) == 3 * 2
        assert meetings["adopted"].sum() == items["adopted"].sum() > 0
        # the same tables the engine dispatch returns
        res = simulate(config, 1, 4, engine="mesa")
        pd.testing.assert_frame_equal(res.items.reset_index(drop=True),
                                      items.astype(res.items.dtypes.to_dict()), check_exact=True)
    finally:
        model.finish()


def test_finish_removes_the_agents_and_keeps_the_record() -> None:
    config = make_config([member("A", [0.2]), member("B", [0.8])], meetings=2)
    model = SCOModel(config, seed=0).run()
    assert len(model.agents) == 2
    model.finish()
    assert len(model.agents) == 0
    assert len(model.datacollector.get_model_vars_dataframe()) == 2  # the record is still there


def test_no_code_touches_mesa_private_attributes() -> None:
    """Mesa's private registry (``Agent._ids``) and AgentSet internals are not ours to read."""
    import re

    from conftest import ROOT

    private = re.compile(r"(mesa\.|Agent\.|agents\.|AgentSet\.)_[a-z]")
    files = [*ROOT.joinpath("sco_sim").rglob("*.py"), *ROOT.joinpath("tests").glob("*.py")]
    offenders = [f"{f.name}:{n}" for f in files if f.name != "test_model.py"
                 for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1) if private.search(line)]
    assert offenders == []
    assert private.search("mesa.Agent._ids")  # control: the pattern finds what it looks for
