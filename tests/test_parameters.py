"""Dotted parameter paths (apply) and --set expressions (parse_set)."""

from __future__ import annotations

import copy

import pytest
from conftest import SCENARIOS, SIX_RANDOM

from sco_sim.inputs.errors import InputError
from sco_sim.inputs.parameters import Range, apply, coerce, kind, parse_set
from sco_sim.inputs.scenario import load_raw, parse_scenario

S35 = SCENARIOS / "sco_2017_3plus5.toml"


@pytest.fixture(scope="module")
def raw35() -> dict:
    return load_raw(S35)


def _diff(a, b, path=""):
    """Every leaf path where two nested dict/list structures differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            out += _diff(a.get(k, "<missing>"), b.get(k, "<missing>"), f"{path}.{k}" if path else str(k))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += _diff(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [path]


def _member_index(raw, name):
    return [m["name"] for m in raw["members"]].index(name)


def test_table_field_changes_exactly_that_field(raw35):
    before = copy.deepcopy(raw35)
    out = apply(raw35, "negotiation.max_rounds", 7)
    assert out["negotiation"]["max_rounds"] == 7
    assert _diff(raw35, out) == ["negotiation.max_rounds"]
    assert raw35 == before  # the input is not modified


@pytest.mark.parametrize("path, value, where", [
    ("status_quo.drift", 0.1, ("status_quo", "drift")),
    ("scenario.meetings", 3, ("scenario", "meetings")),
    ("agenda.items_per_meeting", 2, ("agenda", "items_per_meeting")),
    ("rule.type", "majority", ("rule", "type")),
])
def test_other_tables(raw35, path, value, where):
    out = apply(raw35, path, value)
    assert out[where[0]][where[1]] == value
    assert _diff(raw35, out) == [path]


def test_absent_table_field_is_created(raw35):
    # rule.threshold is not in the file (unanimity); setting it adds it
    out = apply(raw35, "rule.threshold", 0.75)
    assert out["rule"]["threshold"] == 0.75
    assert _diff(raw35, out) == ["rule.threshold"]


def test_one_member(raw35):
    out = apply(raw35, "members.India.tolerance", 0.2)
    i = _member_index(out, "India")
    assert out["members"][i]["tolerance"] == 0.2
    assert _diff(raw35, out) == [f"members[{i}].tolerance"]


def test_all_members(raw35):
    out = apply(raw35, "members.*.tolerance", 0.11)
    assert [m["tolerance"] for m in out["members"]] == [0.11] * 8
    assert len(_diff(raw35, out)) == 8
    assert all(p.endswith(".tolerance") for p in _diff(raw35, out))


def test_vector_by_index_and_by_dimension_name(raw35):
    i = _member_index(raw35, "India")
    by_index = apply(raw35, "members.India.ideal[1]", 0.55)
    by_name = apply(raw35, "members.India.ideal.connectivity", 0.55)
    assert by_index == by_name
    assert by_index["members"][i]["ideal"][1] == 0.55
    assert _diff(raw35, by_index) == [f"members[{i}].ideal[1]"]
    sq = apply(raw35, "status_quo.position.counter_terrorism", 0.6)
    assert sq["status_quo"]["position"][2] == 0.6
    assert _diff(raw35, sq) == ["status_quo.position[2]"]


def test_all_members_vector_element(raw35):
    out = apply(raw35, "members.*.salience.alignment", 3.0)
    assert all(m["salience"][0] == 3.0 for m in out["members"])
    assert all(m["salience"][1:] == o["salience"][1:] for m, o in zip(out["members"], raw35["members"]))


@pytest.mark.parametrize("pair", ["India-Pakistan", "Pakistan-India"])
def test_rivalry_either_order(raw35, pair):
    out = apply(raw35, f"rivalries.{pair}.intensity", 0.3)
    changed = _diff(raw35, out)
    assert len(changed) == 1
    k = int(changed[0].split("[")[1].split("]")[0])
    assert set(out["rivalries"][k]["members"]) == {"India", "Pakistan"}
    assert out["rivalries"][k]["intensity"] == 0.3


def test_all_rivalries(raw35):
    out = apply(raw35, "rivalries.*.intensity", 0.0)
    assert [r["intensity"] for r in out["rivalries"]] == [0.0, 0.0]


def test_generate_field():
    raw = load_raw(SIX_RANDOM)
    out = apply(raw, "generate.members", 9)
    assert out["generate"]["members"] == 9
    assert parse_scenario(out, "x").member_names == [f"P{i}" for i in range(1, 10)]


def test_applied_scenario_still_validates(raw35):
    out = apply(apply(raw35, "members.*.tolerance", 0.1), "negotiation.max_rounds", 0)
    s = parse_scenario(out, "x")
    assert s.negotiation.max_rounds == 0
    assert all(m.tolerance == 0.1 for m in s.members)


@pytest.mark.parametrize("path, needle", [
    ("members.Indai.tolerance", "unknown member 'Indai'"),
    ("members.India.tolerence", "unknown field 'tolerence'"),
    ("negotiation.max_round", "unknown field 'max_round'"),
    ("negotation.max_rounds", "unknown table 'negotation'"),
    ("rivalries.India-Iran.intensity", "no rivalry 'India-Iran'"),
    ("members.India.ideal.trade", "unknown dimension 'trade'"),
    ("members.India.ideal[9]", "out of range"),
    ("members.India.tolerance[0]", "not a vector"),
    ("negotiation", "names a table"),
    ("members.India", "incomplete"),
    ("generate.members", "not [generate]"),
    ("agenda.issue_shares", None),  # valid: whole vector
    ("scenario.extends", "unknown field 'extends'"),
    ("members.India.name", "unknown field 'name'"),
])
def test_bad_paths_name_the_path(raw35, path, needle):
    if needle is None:
        apply(raw35, path, [1.0] * 5)
        return
    with pytest.raises(InputError) as exc:
        apply(raw35, path, 1, source="exp.toml", field=f"parameters.{path}")
    p = exc.value.problems[0]
    assert p.source == "exp.toml"
    assert p.field == f"parameters.{path}"
    assert needle in p.message
    assert "\n" not in str(exc.value)


def test_unknown_member_lists_members(raw35):
    with pytest.raises(InputError) as exc:
        apply(raw35, "members.Iran.tolerance", 0.1)
    assert "Pakistan" in exc.value.problems[0].message and "China" in exc.value.problems[0].message
    assert exc.value.problems[0].field == "members.Iran.tolerance"
    assert exc.value.problems[0].source == "<set>"


def test_unknown_field_lists_expected(raw35):
    with pytest.raises(InputError) as exc:
        apply(raw35, "negotiation.rounds", 1)
    assert "max_rounds" in exc.value.problems[0].message


def test_bad_value_is_caught_by_the_schema(raw35):
    out = apply(raw35, "members.India.tolerance", -0.1)
    with pytest.raises(InputError) as exc:
        parse_scenario(out, "x")
    assert exc.value.problems[0].field == "members.India.tolerance"


def test_kind_and_coerce():
    assert kind("negotiation.max_rounds") == "int"
    assert kind("members.*.tolerance") == "float"
    assert kind("members.India.ideal.connectivity") == "float"
    assert kind("rule.type") == "str"
    assert kind("rule.weighted") == "bool"
    assert coerce("negotiation.max_rounds", 2.0) == 2 and isinstance(coerce("negotiation.max_rounds", 2.0), int)
    assert coerce("negotiation.max_rounds", 2.5) == 2.5  # left for the schema to reject
    assert isinstance(coerce("members.*.tolerance", 0), float)


@pytest.mark.parametrize("expr, path, values", [
    ("negotiation.max_rounds=0,1,2,4", "negotiation.max_rounds", [0, 1, 2, 4]),
    ("members.India.tolerance=0:0.3:7", "members.India.tolerance", [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]),
    ("negotiation.max_rounds=0:4:5", "negotiation.max_rounds", [0, 1, 2, 3, 4]),
    ("negotiation.max_rounds=0:4:1", "negotiation.max_rounds", [0]),
    ("rule.type=unanimity,majority", "rule.type", ["unanimity", "majority"]),
    ("rule.weighted=true,false", "rule.weighted", [True, False]),
    ("rule.threshold=0.5, 0.75", "rule.threshold", [0.5, 0.75]),
    ("status_quo.drift=1e-2", "status_quo.drift", [0.01]),
    (" members.*.tolerance = 0.1 ", "members.*.tolerance", [0.1]),
    ("members.India.tolerance=0:0.3", "members.India.tolerance", Range(0, 0.3)),
    ("rivalries.Pakistan-India.intensity=-1:1", "rivalries.Pakistan-India.intensity", Range(-1, 1)),
])
def test_parse_set_good(expr, path, values):
    p, v = parse_set(expr)
    assert p == path
    assert v == values
    if isinstance(values, list):
        assert [type(x) for x in v] == [type(x) for x in values]


@pytest.mark.parametrize("expr, needle", [
    ("negotiation.max_rounds", "expected path=values"),
    ("=1,2", "missing parameter path"),
    ("negotiation.max_rounds=", "no values"),
    ("negotiation.max_rounds=1,,2", "empty value"),
    ("negotiation.max_rounds=1,", "empty value"),
    ("negotiation.max_rounds=a:b:3", "must be numbers"),
    ("negotiation.max_rounds=0:4:0", "integer >= 1"),
    ("negotiation.max_rounds=0:4:2.5", "integer >= 1"),
    ("negotiation.max_rounds=0:4:-3", "integer >= 1"),
    ("negotiation.max_rounds=0:4:5:6", "expected lo:hi:n"),
    ("negotiation.max_rounds=3:1", "lo < hi"),
    ("negotiation.max_rounds=:3", "expected lo:hi:n"),
    ("negotation.max_rounds=1", "unknown table"),
    ("negotiation.nope=1", "unknown field"),
])
def test_parse_set_bad(expr, needle):
    with pytest.raises(InputError) as exc:
        parse_set(expr)
    p = exc.value.problems[0]
    assert p.source == "--set"
    assert p.field == expr
    assert needle in p.message


@pytest.mark.parametrize("text, expected", [
    ("3", 3), ("-2", -2), ("0.5", 0.5), ("true", True),
    ("٣", "٣"),  # an Arabic-Indic digit is text, not 3
    ("1e309", "1e309"), ("inf", "inf"), ("nan", "nan"),  # not finite: left for the schema to refuse
    ("99999999999999999999999", "99999999999999999999999"),  # too long to be an int field's value
])
def test_parse_value_reads_only_ascii_finite_numbers(text, expected):
    from sco_sim.inputs.parameters import parse_value

    value = parse_value(text)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("expr, needle", [
    ("members.A.tolerance=0:1:1000000000", "limit is 10,000"),
    ("members.A.tolerance=-1e308:1e308:3", "±1e+15"),
    ("members.A.tolerance=" + ",".join(["0"] * 10_001), "limit is 10,000"),
    ("members.A.tolerance=" + "1" * 20_000, "characters long"),
])
def test_parse_set_limits_are_checked_before_building(expr, needle):
    from sco_sim.inputs.parameters import parse_set

    with pytest.raises(InputError) as err:
        parse_set(expr)
    assert needle in str(err.value) and len(str(err.value)) < 1500
