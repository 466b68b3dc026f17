"""Bad input of every kind ends with exit code 2, one line on stderr naming file and field, nothing written.

Each case mutates the canonical three-member scenario (``three_text``) and runs it through the
testable entry point ``sco_sim.cli.main``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from conftest import SCENARIOS, SIX_RANDOM, THREE_ON_A_LINE

from sco_sim.cli import main
from sco_sim.inputs.errors import InputError, Problem
from sco_sim.inputs.scenario import load_scenario

# --------------------------------------------------------------------------- helpers


def sub(old: str, new: str) -> Callable[[str], str]:
    """A mutation replacing the first ``old`` (which must occur, so a changed fixture fails loudly)."""

    def mutate(text: str) -> str:
        assert old in text, f"fixture no longer contains {old!r}"
        return text.replace(old, new, 1)

    return mutate


def append(extra: str) -> Callable[[str], str]:
    return lambda text: text + "\n" + extra


def without_members(text: str) -> str:
    assert "[[members]]" in text
    return text.split("[[members]]")[0]


def names_file(line: str, path: Path) -> bool:
    """The message names the file as given or as resolved (extends/TOML errors resolve it)."""
    return str(path) in line or str(path.resolve()) in line


def assert_one_line_error(capsys, rc: int, *needles: str) -> str:
    cap = capsys.readouterr()
    assert rc == 2, (rc, cap.err)
    assert "Traceback" not in cap.err
    lines = cap.err.splitlines()
    assert len(lines) == 1, cap.err
    line = lines[0]
    assert line.startswith("sco-sim: error: "), line
    for n in needles:
        assert n in line, (n, line)
    assert cap.out == "", "nothing may be printed on stdout on bad input"
    return line


# --------------------------------------------------------------------------- the table

# (mutation of three_text, expected field substring)
BAD_SCENARIOS = [
    pytest.param(sub("meetings = 10\n", ""), "scenario.meetings", id="missing-field"),
    pytest.param(sub('[space]\ndimensions = ["security"]\n', ""), "space", id="missing-table"),
    pytest.param(sub("max_rounds = 2", "max_round = 2"), "negotiation.max_round", id="misspelled-field"),
    pytest.param(sub("tolerance = 0.0", "tolerence = 0.0"), "members.A.tolerence",
                 id="misspelled-member-field"),
    pytest.param(sub("[negotiation]", "[negotiaton]"), "negotiaton", id="misspelled-table"),
    pytest.param(sub("ideal = [0.2]", "ideal = [0.2, 0.3]"), "members.A.ideal", id="ideal-wrong-length"),
    pytest.param(sub("salience = [1.0]", "salience = []"), "members.A.salience",
                 id="salience-wrong-length"),
    pytest.param(sub("position = [0.5]", "position = [0.5, 0.5]"), "status_quo.position",
                 id="status-quo-wrong-length"),
    pytest.param(sub("salience = [1.0]", "salience = [-1.0]"), "members.A.salience",
                 id="negative-salience"),
    pytest.param(sub("capability = 0.5", "capability = -0.5"), "members.A.capability",
                 id="negative-capability"),
    pytest.param(sub('type = "unanimity"', 'type = "consensus"'), "rule.type", id="unknown-rule"),
    pytest.param(append('[[rivalries]]\nmembers = ["A", "Z"]\nintensity = 0.1\n'),
                 "rivalries[0].members", id="rivalry-unknown-member"),
    pytest.param(append('[[rivalries]]\nmembers = ["A", "A"]\nintensity = 0.1\n'),
                 "rivalries[0].members", id="rivalry-same-member"),
    pytest.param(append('[[rivalries]]\nmembers = ["A", "B"]\nintensity = -0.1\n'),
                 "rivalries[0].intensity", id="rivalry-negative-intensity"),
    pytest.param(sub("ideal = [0.2]", "ideal = [nan]"), "members.A.ideal", id="nan-ideal"),
    pytest.param(sub("salience = [1.0]", "salience = [nan]"), "members.A.salience", id="nan-salience"),
    pytest.param(sub("concession = 0.5", "concession = nan"), "negotiation.concession",
                 id="nan-concession"),
    pytest.param(sub("noise = 0.0", "noise = inf"), "negotiation.noise", id="inf-noise"),
    pytest.param(sub("capability = 0.5", "capability = nan"), "members.A.capability",
                 id="nan-capability"),
    pytest.param(sub('proposer = "random"', 'proposer = "chairman"'), "agenda.proposer",
                 id="unknown-proposer"),
    pytest.param(sub("[negotiation]\n", '[negotiation]\ndrafting = "magic"\n'), "negotiation.drafting",
                 id="unknown-drafting"),
    pytest.param(sub("position = [0.5]", "position = [1.5]"), "status_quo.position",
                 id="status-quo-outside-bounds"),
    pytest.param(sub("ideal = [0.2]", "ideal = [-0.2]"), "members.A.ideal", id="ideal-outside-bounds"),
    pytest.param(sub('name = "C"', 'name = "B"'), "members.B.name", id="duplicate-member-names"),
    pytest.param(sub('proposer = "random"', 'proposer = "random"\nfirst_chair = "Z"'),
                 "agenda.first_chair", id="first-chair-unknown"),
    pytest.param(sub('type = "unanimity"', 'type = "unanimity"\nthreshold = 0.6'), "rule.threshold",
                 id="threshold-on-unanimity"),
    pytest.param(sub('type = "unanimity"', 'type = "consensus_minus_one"\nthreshold = 0.6'),
                 "rule.threshold", id="threshold-on-consensus-minus-one"),
    pytest.param(sub('type = "unanimity"', 'type = "majority"\nthreshold = 1.5'), "rule.threshold",
                 id="threshold-above-one"),
    pytest.param(append("[generate]\nmembers = 3\n"), "members", id="generate-and-members"),
    pytest.param(without_members, "members", id="neither-generate-nor-members"),
    pytest.param(sub('name = "three members on a line"', 'name = "x"\nextends = "nope.toml"'),
                 "scenario.extends", id="extends-missing-file"),
    pytest.param(sub('name = "three members on a line"', 'name = "x"\nextends = 3'),
                 "scenario.extends", id="extends-not-a-string"),
    pytest.param(sub("meetings = 10", "meetings = 0"), "scenario.meetings", id="zero-meetings"),
    pytest.param(sub("meetings = 10", 'meetings = "ten"'), "scenario.meetings", id="meetings-string"),
    pytest.param(sub("items_per_meeting = 4", "items_per_meeting = 0"), "agenda.items_per_meeting",
                 id="zero-items"),
    pytest.param(sub('group = "major"', 'group = "big"'), "members.A.group", id="unknown-group"),
    pytest.param(sub("concession = 0.5", "concession = 1.5"), "negotiation.concession",
                 id="concession-above-one"),
    pytest.param(sub('dimensions = ["security"]', 'dimensions = ["security"]\nbounds = [[1.0, 0.0]]'),
                 "space.bounds", id="bounds-reversed"),
    pytest.param(sub('dimensions = ["security"]', 'dimensions = ["security", "security"]'),
                 "space.dimensions", id="duplicate-dimensions"),
    pytest.param(sub("[agenda]\n", "[agenda]\nissue_shares = [1.0, 2.0]\n"), "agenda.issue_shares",
                 id="issue-shares-wrong-length"),
    pytest.param(sub("[agenda]\n", '[agenda]\ndeadlocked = "keep"\n'), "agenda.deadlocked",
                 id="unknown-deadlock-policy"),
    pytest.param(lambda t: without_members(t) + "[generate]\nmembers = 2\nmajors = 3\n",
                 "generate.majors", id="generate-too-many-majors"),
    pytest.param(lambda t: sub('proposer = "random"', 'proposer = "major_powers"')(t)
                 .replace('group = "major"', 'group = "minor"'),
                 "agenda.proposer", id="major-powers-without-majors"),
]


@pytest.mark.parametrize("mutate, field", BAD_SCENARIOS)
def test_run_rejects_bad_scenario(capsys, tmp_path, three_text, write, mutate, field):
    path = write(mutate(three_text), "bad.toml")
    out = tmp_path / "results" / "run1"
    rc = main(["run", str(path), "--replications", "2", "--json", "--out", str(out)])
    line = assert_one_line_error(capsys, rc, field)
    assert names_file(line, path), line
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("mutate, field", BAD_SCENARIOS)
def test_validate_names_file_and_field(capsys, three_text, write, mutate, field):
    path = write(mutate(three_text), "bad.toml")
    rc = main(["validate", str(path)])
    cap = capsys.readouterr()
    assert rc == 2
    assert "Traceback" not in cap.err
    assert field in cap.err
    assert all(names_file(line, path) for line in cap.err.splitlines()), cap.err
    assert "ok" not in cap.out


# --------------------------------------------------------------------------- file-level problems


def test_missing_file(capsys, tmp_path):
    path = tmp_path / "nope.toml"
    out = tmp_path / "out"
    line = assert_one_line_error(capsys, main(["run", str(path), "--out", str(out)]), str(path),
                                 "no such file")
    assert line.endswith("no such file")
    assert not out.exists()


def test_not_toml(capsys, tmp_path, write):
    path = write("this is not TOML [[[\n", "garbage.toml")
    out = tmp_path / "out"
    line = assert_one_line_error(capsys, main(["run", str(path), "--out", str(out)]), "not valid TOML")
    assert names_file(line, path)
    assert not out.exists()


def test_not_utf8(capsys, tmp_path):
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00\x01 bad")
    line = assert_one_line_error(capsys, main(["run", str(path), "--out", str(tmp_path / "out")]),
                                 "UTF-8")
    assert names_file(line, path)
    assert not (tmp_path / "out").exists()


def test_directory_instead_of_file(capsys, tmp_path):
    d = tmp_path / "adir"
    d.mkdir()
    line = assert_one_line_error(capsys, main(["run", str(d)]), "directory")
    assert names_file(line, d)


def test_extends_cycle(capsys, write):
    write('[scenario]\nname = "a"\nmeetings = 1\nextends = "b.toml"\n', "a.toml")
    b = write('[scenario]\nname = "b"\nmeetings = 1\nextends = "a.toml"\n', "b.toml")
    assert_one_line_error(capsys, main(["run", str(b)]), "scenario.extends", "cycle")


def test_error_in_extended_parent_names_the_parent(capsys, write):
    parent = write("not = valid = toml\n", "parent.toml")
    child = write('[scenario]\nname = "c"\nmeetings = 1\nextends = "parent.toml"\n', "child.toml")
    line = assert_one_line_error(capsys, main(["run", str(child)]), "not valid TOML")
    assert names_file(line, parent)


# --------------------------------------------------------------------------- bad command-line values

BAD_OPTIONS = [
    pytest.param(["run", "{s}", "--replications", "0"], "--replications", id="replications-0"),
    pytest.param(["run", "{s}", "--replications", "abc"], "--replications", id="replications-abc"),
    pytest.param(["run", "{s}", "-r", "-3"], "--replications", id="replications-negative"),
    pytest.param(["run", "{s}", "--seed", "-1"], "--seed", id="seed-negative"),
    pytest.param(["run", "{s}", "--seed", "1.5"], "--seed", id="seed-float"),
    pytest.param(["run", "{s}", "--meetings", "0"], "--meetings", id="meetings-0"),
    pytest.param(["run", "{s}", "--engine", "turbo"], "--engine", id="unknown-engine"),
    pytest.param(["run", "{s}", "--bogus"], "--bogus", id="unknown-option"),
    pytest.param(["compare", "{s}", "{s}", "--replications", "0"], "--replications",
                 id="compare-replications-0"),
    pytest.param(["winset", "{s}", "--samples", "0"], "--samples", id="winset-samples-0"),
    pytest.param(["winset", "{s}", "--seed", "-1"], "--seed", id="winset-seed-negative"),
]


@pytest.mark.parametrize("argv, option", BAD_OPTIONS)
def test_bad_option_values(capsys, tmp_path, argv, option):
    out = tmp_path / "out"
    argv = [a.replace("{s}", str(THREE_ON_A_LINE)) for a in argv]
    if argv[0] != "winset":
        argv += ["--out", str(out)]
    assert_one_line_error(capsys, main(argv), option)
    assert not out.exists()


def test_out_is_an_existing_regular_file(capsys, tmp_path):
    target = tmp_path / "results.txt"
    target.write_text("precious\n")
    line = assert_one_line_error(
        capsys, main(["run", str(THREE_ON_A_LINE), "-r", "2", "--json", "--out", str(target)]),
        "--out", str(target))
    assert "not a directory" in line
    assert target.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.txt"]


def test_out_below_an_existing_regular_file(capsys, tmp_path):
    target = tmp_path / "results.txt"
    target.write_text("precious\n")
    assert_one_line_error(
        capsys,
        main(["run", str(THREE_ON_A_LINE), "-r", "2", "--json", "--out", str(target / "sub")]),
        "--out")
    assert target.read_text() == "precious\n"


def test_existing_out_dir_is_unchanged_on_bad_input(capsys, tmp_path, three_text, write):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old\n")
    bad = write(three_text.replace('type = "unanimity"', 'type = "consensus"'), "bad.toml")
    assert_one_line_error(capsys, main(["run", str(bad), "-r", "2", "--out", str(out)]), "rule.type")
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert (out / "old.txt").read_text() == "old\n"


@pytest.mark.parametrize("cmd", ["run", "winset"])
def test_other_commands_reject_bad_scenarios(capsys, three_text, write, cmd):
    bad = write(three_text.replace("salience = [1.0]", "salience = [-1.0]", 1), "bad.toml")
    line = assert_one_line_error(capsys, main([cmd, str(bad)]), "members.A.salience")
    assert names_file(line, bad)


def test_compare_rejects_a_bad_second_scenario_before_running(capsys, tmp_path, three_text, write):
    bad = write(three_text.replace("ideal = [0.2]", "ideal = [nan]"), "bad.toml")
    out = tmp_path / "out"
    line = assert_one_line_error(
        capsys, main(["compare", str(THREE_ON_A_LINE), str(bad), "-r", "2", "--out", str(out)]),
        "members.A.ideal")
    assert names_file(line, bad)
    assert not out.exists()


def test_one_line_counts_the_other_problems(capsys, three_text, write):
    bad = write(three_text.replace('name = "C"', 'name = "B"')
                .replace('proposer = "random"', 'proposer = "random"\nfirst_chair = "Z"'), "bad.toml")
    line = assert_one_line_error(capsys, main(["run", str(bad)]))
    assert "1 more problem" in line and "sco-sim validate" in line


# --------------------------------------------------------------------------- validate


def test_validate_lists_every_schema_problem(capsys, three_text, write):
    text = (three_text.replace("max_rounds = 2", "max_round = 2")
            .replace('type = "unanimity"', 'type = "consensus"')
            .replace("ideal = [0.2]", "ideal = [nan]"))
    path = write(text, "bad.toml")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) >= 3
    for field in ("negotiation.max_round", "rule.type", "members.A.ideal"):
        assert any(field in line for line in lines), (field, err)
    assert all(names_file(line, path) for line in lines)
    assert "Traceback" not in err


def test_validate_lists_every_consistency_problem(capsys, three_text, write):
    text = (three_text.replace('name = "C"', 'name = "B"')
            .replace("position = [0.5]", "position = [1.5]")
            .replace('proposer = "random"', 'proposer = "random"\nfirst_chair = "Z"')
            .replace('type = "unanimity"', 'type = "unanimity"\nthreshold = 0.6')
            + '\n[[rivalries]]\nmembers = ["A", "Q"]\nintensity = 0.1\n')
    path = write(text, "bad.toml")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    fields = ["members.B.name", "status_quo.position", "agenda.first_chair", "rule.threshold",
              "rivalries[0].members"]
    assert len(lines) >= len(fields)
    for field in fields:
        assert any(field in line for line in lines), (field, err)


def test_validate_lists_schema_and_consistency_problems_together(capsys, three_text, write):
    text = (three_text.replace("max_rounds = 2", "max_round = 2")
            .replace("position = [0.5]", "position = [1.5]")
            .replace('name = "C"', 'name = "B"'))
    path = write(text, "bad.toml")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    for field in ("negotiation.max_round", "status_quo.position", "members.B.name"):
        assert field in err, (field, err)


def test_validate_mixed_good_bad_and_missing(capsys, tmp_path, three_text, write):
    bad = write(three_text.replace("salience = [1.0]", "salience = [-1.0]", 1), "bad.toml")
    missing = tmp_path / "missing.toml"
    assert main(["validate", str(THREE_ON_A_LINE), str(bad), str(missing)]) == 2
    cap = capsys.readouterr()
    assert f"{THREE_ON_A_LINE}: ok" in cap.out.splitlines()
    assert "bad.toml: ok" not in cap.out
    assert f"{missing}: no such file" in cap.err
    assert "members.A.salience" in cap.err
    assert "Traceback" not in cap.err


def test_validate_bundled_scenarios():
    files = sorted(SCENARIOS.glob("**/*.toml"))
    assert THREE_ON_A_LINE in files and SIX_RANDOM in files
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["validate", *map(str, files)])
    assert rc == 0, err.getvalue()
    assert err.getvalue() == ""
    assert out.getvalue().splitlines() == [f"{f}: ok" for f in files]


def test_validate_good_file_prints_ok(capsys, three_text, write):
    path = write(three_text, "good.toml")
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: ok\n"


# --------------------------------------------------------------------------- load_scenario directly


def test_load_scenario_problem_fields(three_text, write):
    path = write(three_text.replace("max_rounds = 2", "max_round = 2"), "bad.toml")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    problems = info.value.problems
    assert len(problems) == 1
    p = problems[0]
    assert isinstance(p, Problem)
    assert (p.source, p.field) == (str(path), "negotiation.max_round")
    assert "unknown field" in p.message
    assert str(info.value) == str(p) == f"{path}: negotiation.max_round: {p.message}"


def test_load_scenario_collects_all_consistency_problems(three_text, write):
    path = write(three_text.replace('name = "C"', 'name = "B"')
                 .replace('proposer = "random"', 'proposer = "random"\nfirst_chair = "Z"')
                 .replace('type = "unanimity"', 'type = "unanimity"\nthreshold = 0.6'), "bad.toml")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    fields = {p.field for p in info.value.problems}
    assert {"members.B.name", "agenda.first_chair", "rule.threshold"} <= fields
    assert all(p.source == str(path) for p in info.value.problems)
    assert "more problems" in info.value.one_line()


def test_load_scenario_missing_file_has_no_field(tmp_path):
    with pytest.raises(InputError) as info:
        load_scenario(tmp_path / "nope.toml")
    (p,) = info.value.problems
    assert p.field == "" and p.message == "no such file"
    assert str(p) == f"{tmp_path / 'nope.toml'}: no such file"


def test_load_scenario_extends_merges_members_by_name(three_text, write):
    write(three_text, "parent.toml")
    child = write(
        '[scenario]\nname = "child"\nmeetings = 3\nextends = "parent.toml"\n\n'
        "[status_quo]\nposition = [0.0]\n\n"
        '[[members]]\nname = "A"\nideal = [0.1]\n', "child.toml")
    s = load_scenario(child)
    assert s.scenario.name == "child" and s.scenario.meetings == 3
    assert s.scenario.extends is None
    assert s.member_names == ["A", "B", "C"]
    assert s.members[0].ideal == [0.1] and s.members[0].salience == [1.0]
    assert s.status_quo.position == [0.0]
    assert s.agenda.items_per_meeting == 4


def test_input_error_needs_a_problem():
    with pytest.raises(ValueError):
        InputError([])


def test_the_documented_limits_are_the_enforced_ones():
    """docs/MODEL.md §8 states each size limit; a changed constant must change the text too."""
    from sco_sim import cli
    from sco_sim.experiments import experiment
    from sco_sim.inputs import parameters, scenario

    text = (SCENARIOS.parent / "docs" / "MODEL.md").read_text(encoding="utf-8")

    def spaced(n: int) -> str:
        return f"{n:,}".replace(",", " ")

    stated = [  # (limit, the phrase of MODEL.md that states it)
        (scenario.MAX_MEETINGS, f"| `meetings` | int | **req.** | 1–{scenario.MAX_MEETINGS} |"),
        (scenario.MAX_ITEMS, f"| `items_per_meeting` | int | **req.** | 1–{scenario.MAX_ITEMS} |"),
        (scenario.MAX_FILE_BYTES, f"({spaced(scenario.MAX_FILE_BYTES)} bytes)"),
        (scenario.MAX_NESTING, f"nested at most {scenario.MAX_NESTING} levels"),
        (scenario.MAX_DOTS_PER_LINE, f"at most {scenario.MAX_DOTS_PER_LINE} dots on a line"),
        (scenario.MAX_EXTENDS, f"a chain of at most {scenario.MAX_EXTENDS} files"),
        (scenario.MAX_MEMBERS, f"at most {scenario.MAX_MEMBERS} members"),
        (scenario.MAX_DIMENSIONS, f"{scenario.MAX_DIMENSIONS} dimensions"),
        (cli.MAX_RUN_REPLICATIONS, f"{spaced(cli.MAX_RUN_REPLICATIONS)} replications and"),
        (cli.MAX_RUN_ITEMS, f"{spaced(cli.MAX_RUN_ITEMS)} agenda items"),
        (experiment.MAX_REPLICATIONS, f"{spaced(experiment.MAX_REPLICATIONS)} replications per point"),
        (experiment.MAX_CHUNK, f"chunks of at most {spaced(experiment.MAX_CHUNK)}"),
        (experiment.MAX_POINTS, f"{spaced(experiment.MAX_POINTS)} design points"),
        (experiment.MAX_TASKS, f"{spaced(experiment.MAX_TASKS)} tasks"),
        (parameters.MAX_GRID, f"at most {spaced(parameters.MAX_GRID)} values"),
    ]
    flat = " ".join(text.split())
    for limit, phrase in stated:
        assert " ".join(phrase.split()) in flat, (limit, phrase)
    assert scenario.MAX_ABS == 1e6 and "within ±10⁶" in flat
    assert parameters.MAX_NUMBER == 1e15 and "within ±10¹⁵" in flat
