"""Fuzzing the inputs: whatever a user (or a careless script) gives, sco-sim ends cleanly.

Every invocation must end with exit code 0 or 2 (130 for an interrupt), never print a traceback,
and a failed one must print one line ``sco-sim: error: ...`` (short, control characters escaped)
and leave nothing behind. Hypothesis mutates the schema's fields of a scenario file, the fields
of an experiment file and ``--set`` expressions; the cases found by the fuzz campaign of issue 10
are fixtures below. Examples replay (the suite's derandomized profile); ``HYPOTHESIS_PROFILE=
explore`` searches anew.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import typing
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, THREE_ON_A_LINE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sco_sim.cli import main
from sco_sim.experiments.experiment import ExperimentFile
from sco_sim.experiments.store import ResultStore
from sco_sim.inputs import parameters
from sco_sim.inputs.errors import InputError
from sco_sim.inputs.scenario import MAX_EXTENDS, Scenario, load_scenario_text

THREE = THREE_ON_A_LINE.read_text(encoding="utf-8")
BASE = tomllib.loads(THREE)

# --------------------------------------------------------------------------- helpers


def toml_value(v: typing.Any) -> str:
    """A Python value as a TOML value (inline tables for dicts)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def to_toml(raw: dict) -> str:
    """A scenario or experiment dictionary as TOML text (tables, arrays of tables)."""
    head, body = [], []
    for key, value in raw.items():
        k = json.dumps(key)
        if isinstance(value, dict):
            body.append(f"[{k}]")
            body += [f"{json.dumps(str(f))} = {toml_value(x)}" for f, x in value.items()]
        elif isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            for entry in value:
                body.append(f"[[{k}]]")
                body += [f"{json.dumps(str(f))} = {toml_value(x)}" for f, x in entry.items()]
        else:
            head.append(f"{k} = {toml_value(value)}")
    return "\n".join(head + body) + "\n"


class Outcome(typing.NamedTuple):
    rc: int
    out: str
    err: str


#: (command, exit code) -> invocations, over the whole module (reported by the last test)
TALLY: collections.Counter = collections.Counter()


def invoke(args: list[str]) -> Outcome:
    """Run the CLI in this process, capturing what it prints."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in args])
    TALLY[(str(args[0]), rc)] += 1
    return Outcome(rc, out.getvalue(), err.getvalue())


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")} if folder.exists() else set()


def assert_clean(o: Outcome, out_dir: Path | None = None) -> None:
    """Exit 0 or 2, no traceback; a failure is one short escaped line and writes nothing."""
    assert o.rc in (0, 2), (o.rc, o.err[-2000:])
    assert "Traceback" not in o.err and "Traceback" not in o.out
    if o.rc == 2:
        lines = o.err.splitlines()
        assert len(lines) == 1, o.err[:2000]
        assert lines[0].startswith("sco-sim: error: "), lines[0][:300]
        assert len(lines[0]) < 2000, len(lines[0])
        assert "\x1b" not in o.err and "\r" not in o.err
        if out_dir is not None:
            assert not out_dir.exists(), sorted(files_under(out_dir))[:5]
    assert "\x1b" not in o.out  # names never reach the terminal as escape sequences


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def fresh(base: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=base))


# --------------------------------------------------------------------------- strategies

WILD_SCALARS = st.one_of(
    st.integers(min_value=-10**30, max_value=10**30),
    st.sampled_from([0, 1, -1, 2, 10**9, 10**8, 100_000, 1_000_000_000, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 0.5, 1.0, -0.5, 1e308, -1e308, 1e-320, 0.70588]),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["1.5", "2", "", "[/]", "[/bold]", "[link=http://x]x", "\x1b[31mred", "a\rb",
                     "unanimity", "majority", "12/17", "0/0", "x" * 5000, "\u202eevil", "٣"]),
)
WILD = st.one_of(WILD_SCALARS, st.lists(WILD_SCALARS, max_size=4),
                 st.dictionaries(st.text(max_size=5), WILD_SCALARS, max_size=2))


def _schema_fields() -> list[tuple[str, str]]:
    out = []
    for table, model in parameters.TABLES.items():
        out += [(table, f) for f in model.model_fields]
    return out


FIELDS = _schema_fields()


def plausible(old: typing.Any) -> st.SearchStrategy:
    """Values of the same kind as ``old``, near the valid range (so that many files still run)."""
    if isinstance(old, bool):
        return st.booleans()
    if isinstance(old, int):
        return st.integers(0, 12)
    if isinstance(old, float):
        return st.floats(-0.5, 1.5, allow_nan=False)
    if isinstance(old, list) and old and all(isinstance(x, float) for x in old):
        return st.lists(st.floats(0, 1), min_size=len(old), max_size=len(old) + 1)
    return st.just(old)


@st.composite
def mutated_scenarios(draw) -> str:
    """The three-member scenario with one to three schema fields replaced, dropped or added."""
    raw = json.loads(json.dumps(BASE))
    for _ in range(draw(st.integers(1, 3))):
        table, field = draw(st.sampled_from(FIELDS))
        action = draw(st.sampled_from(["set", "set", "set", "drop", "unknown"]))
        if table in ("members", "rivalries", "pressure"):
            entries = raw.setdefault(table, [])
            if not entries or draw(st.booleans()) and table != "members":
                entries.append({"member": "A"} if table == "pressure" else
                               {"members": ["A", "B"], "intensity": 0.1} if table == "rivalries" else {})
            target = entries[draw(st.integers(0, len(entries) - 1))]
        else:
            target = raw.setdefault(table, {})
            if not isinstance(target, dict):
                continue
        if action == "drop":
            target.pop(field, None)
        elif action == "unknown":
            target[field + "_x"] = draw(WILD_SCALARS)
        elif field in target and draw(st.booleans()):
            target[field] = draw(plausible(target[field]))  # a value of the field's own kind
        else:
            target[field] = draw(WILD)
    text = to_toml(raw)
    if draw(st.integers(0, 9)) == 0:
        text = text.replace("\n", "\r")  # CR-only line endings: accepted, read the same everywhere
    return text


# --------------------------------------------------------------------------- hypothesis: scenarios


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=mutated_scenarios())
def test_mutated_scenario_files_end_cleanly(base_dir, text):
    work = fresh(base_dir)
    path = work / "s.toml"
    path.write_text(text, encoding="utf-8", newline="")
    checked = invoke(["validate", path])
    assert checked.rc in (0, 2) and "Traceback" not in checked.err
    out = work / "out"
    ran = invoke(["run", path, "-r", "1", "--out", out, "--no-progress"])
    assert_clean(ran, out if ran.rc else None)
    assert checked.rc == ran.rc, (checked.err[:500], ran.err[:500])  # one reader, one verdict
    if ran.rc == 0:
        assert {"runs.parquet", "summary.json", "manifest.json"} <= {p.name for p in out.iterdir()}
        assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left


# --------------------------------------------------------------------------- hypothesis: experiments

EXP_BASE = {
    "experiment": {"name": "fuzz", "replications": 2, "seed": 0, "chunk": 2},
    "scenarios": [{"path": str(THREE_ON_A_LINE), "label": "three"}],
    "design": {"type": "factorial"},
    "parameters": {"negotiation.max_rounds": [0, 1]},
}
EXP_FIELDS = [(t, f) for t, m in (("experiment", ExperimentFile.model_fields["experiment"].annotation),
                                  ("design", ExperimentFile.model_fields["design"].annotation))
              for f in m.model_fields] + [("scenarios", "path"), ("scenarios", "label"),
                                          ("scenarios", "set"), ("scenarios", "without"),
                                          ("parameters", "negotiation.max_rounds"),
                                          ("parameters", "members.*.tolerance"),
                                          ("attribution", "metric"), ("attribution", "steps")]


@st.composite
def mutated_experiments(draw) -> dict:
    raw = json.loads(json.dumps(EXP_BASE))
    for _ in range(draw(st.integers(1, 2))):
        table, field = draw(st.sampled_from(EXP_FIELDS))
        value = draw(st.one_of(st.integers(0, 4), WILD, st.sampled_from(
            [10**8, 1e8, True, "2", "7", 0, -1, 10**7, "replication", "deadlock_rate", "lhs",
             "sobol", {"low": 0.0, "high": 0.2, "steps": 3}, {"low": 0, "high": 10**9, "steps": 10**9},
             ["three", "three"], "/dev/zero", "../nope.toml"])))
        if table == "scenarios":
            raw["scenarios"][0][field] = value
        elif table == "attribution":
            raw.setdefault("attribution", {})[field] = value
        else:
            raw[table][field] = value
    return raw


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=mutated_experiments())
def test_mutated_experiment_files_end_cleanly(base_dir, raw):
    work = fresh(base_dir)
    path = work / "e.toml"
    path.write_text(to_toml(raw), encoding="utf-8")
    out = work / "out"
    o = invoke(["sweep", path, "--out", out, "--workers", "1", "--no-progress"])
    assert_clean(o, out)


# --------------------------------------------------------------------------- hypothesis: --set

PATHS = ["negotiation.max_rounds", "members.A.tolerance", "members.*.capability", "rule.threshold",
         "rule.type", "agenda.items_per_meeting", "scenario.meetings", "members.A.ideal[0]",
         "members.A.ideal.security", "status_quo.position[0]", "space.bounds", "nope.x", "members"]
VALUES = st.one_of(
    st.sampled_from(["99999999999999999999999", "0:1:1000000000", "-1e308:1e308:3", "1e309", "٣",
                     "inf", "nan", "-inf", "0:1:3", "0:0.3:2", "1,2", "true", "12/17", "0.70588",
                     "0:1", "1:0:2", "0:1:0", "a:b:3", ",", "0,,1", "1e15", "1e16"]),
    st.text(max_size=10),
    st.lists(st.integers(-5, 5), min_size=1, max_size=3).map(lambda v: ",".join(map(str, v))),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(path=st.one_of(st.sampled_from(PATHS), st.text(max_size=12)), values=VALUES)
def test_set_expressions_end_cleanly(base_dir, path, values):
    work = fresh(base_dir)
    out = work / "out"
    o = invoke(["sweep", THREE_ON_A_LINE, "--set", f"{path}={values}", "-r", "2", "--chunk", "2",
                "--workers", "1", "--out", out, "--no-progress"])
    assert_clean(o, out)


# --------------------------------------------------------------------------- the campaign's cases


def three(old: str, new: str) -> str:
    assert old in THREE
    return THREE.replace(old, new, 1)


NAME = 'name = "A"'
BAD_FILES = {
    "pressure-end-huge": THREE + '\n[[pressure]]\nmember = "A"\ndrift = [0.01]\nend = 100000000\n',
    "majors-huge": three("[[members]]", "[generate]\nmembers = 3\nmajors = 1000000000\n\n[[xmembers]]")
    .split("[[xmembers]]")[0],
    "deep-inline-tables": "x = " + "{a = " * 1000 + "1" + "}" * 1000 + "\n" + THREE,
    "deep-arrays": "x = " + "[" * 1000 + "]" * 1000 + "\n" + THREE,
    "dotted-key-100000": "a" + ".a" * 100_000 + " = 1\n" + THREE,
    "nesting-40": "x = " + "[" * 40 + "]" * 40 + "\n" + THREE,
    "capability-1e308": THREE.replace("capability = 0.5", "capability = 1e308"),
    "capabilities-all-1e308": THREE.replace("capability = 0.25", "capability = 1e308")
    .replace("capability = 0.5", "capability = 1e308"),
    "growth-1e308": THREE + "\n[community]\ngrowth = 1e308\n",
    "bounds-1e308": three('dimensions = ["security"]', 'dimensions = ["security"]\nbounds = [[-1e308, 1e308]]'),
    "capability-string": THREE.replace("capability = 0.5", 'capability = "1.5"'),
    "meetings-100000": THREE.replace("meetings = 10", "meetings = 100000"),
    "items-10000": THREE.replace("items_per_meeting = 4", "items_per_meeting = 10000"),
    "name-100000": THREE.replace('name = "three members on a line"', f'name = "{"x" * 100_000}"'),
    "value-1000000": THREE.replace('proposer = "random"', f'proposer = "{"y" * 1_000_000}"'),
    "esc-in-name": THREE.replace(NAME, 'name = "A\\u001b[31m"'),
    "osc-in-name": THREE.replace(NAME, 'name = "A\\u001b]8;;http://x\\u0007B"'),
    "cr-in-name": THREE.replace(NAME, 'name = "A\\rB"'),
    "bidi-in-name": THREE.replace(NAME, 'name = "A\\u202eB"'),
    "threshold-zero-fraction": three('type = "unanimity"', 'type = "majority"\nthreshold = "1/0"'),
    "threshold-bool": three('type = "unanimity"', 'type = "majority"\nthreshold = true'),
    "joins-bool": THREE.replace(NAME, NAME + "\njoins = true"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_scenario_files_exit_2_quickly(base_dir, name):
    work = fresh(base_dir)
    path = work / "s.toml"
    path.write_text(BAD_FILES[name], encoding="utf-8")
    for args in (["validate", path], ["run", path, "-r", "2", "--out", work / "out", "--no-progress"],
                 ["sweep", path, "--out", work / "sw", "-r", "2", "--workers", "1", "--no-progress"]):
        started = time.monotonic()
        o = invoke(args)
        assert o.rc == 2, (name, args[0], o.err[:500])
        if args[0] != "validate":
            assert_clean(o, work / ("out" if args[0] == "run" else "sw"))
        assert len(o.err) < 5000 and "\x1b" not in o.err
        assert time.monotonic() - started < 30  # a guard against hangs, not a timing claim


def _extends(target: str) -> str:
    return f'[scenario]\nname = "child"\nmeetings = 1\nextends = {json.dumps(target)}\n'


def test_extends_cases_exit_2(base_dir):
    work = fresh(base_dir)
    fifo = work / "fifo.toml"
    os.mkfifo(fifo)
    outside = fresh(base_dir)
    (outside / "p.toml").write_text(THREE, encoding="utf-8")
    cases = {
        "/dev/zero": "outside", "/dev/urandom": "outside", str(fifo): "not a regular file", "a\0b.toml": "NUL", "x" * 300 + ".toml": "scenario.extends",
        str(outside / "p.toml"): "outside", "../" * 5 + "etc/passwd": "outside",
    }
    for target, needle in cases.items():
        child = work / "child.toml"
        child.write_text(_extends(target), encoding="utf-8")
        o = invoke(["validate", child])
        assert o.rc == 2 and ("scenario.extends" in o.err or "fifo" in o.err), (target[:40], o.err)
        assert needle in o.err, (target[:40], o.err)
        assert "Traceback" not in o.err and len(o.err.splitlines()) == 1


def test_a_long_extends_chain_is_refused_without_recursion(base_dir):
    work = fresh(base_dir)
    (work / "f0.toml").write_text(THREE, encoding="utf-8")
    for i in range(1, 1100):
        (work / f"f{i}.toml").write_text(_extends(f"f{i - 1}.toml"), encoding="utf-8")
    o = invoke(["validate", work / "f1099.toml"])
    assert o.rc == 2 and "scenario.extends" in o.err and f"{MAX_EXTENDS} files" in o.err, o.err
    ok = invoke(["validate", work / f"f{MAX_EXTENDS - 1}.toml"])
    assert ok.rc == 0, ok.err


def test_child_files_with_bad_member_names_or_duplicates(base_dir):
    work = fresh(base_dir)
    (work / "parent.toml").write_text(THREE, encoding="utf-8")
    child = work / "child.toml"
    child.write_text(_extends("parent.toml") + '\n[[members]]\nname = ["A"]\ncapability = 1.0\n',
                     encoding="utf-8")
    o = invoke(["validate", child])
    assert o.rc == 2 and "Traceback" not in o.err and "members" in o.err, o.err
    child.write_text(_extends("parent.toml") + '\n[[members]]\nname = "A"\ntolerance = 0.1\n'
                     '\n[[members]]\nname = "A"\ntolerance = 0.2\n', encoding="utf-8")
    o = invoke(["validate", child])
    assert o.rc == 2 and "members.A.name" in o.err and str(child) in o.err, o.err


def test_cr_only_line_endings_run_everywhere(base_dir):
    work = fresh(base_dir)
    path = work / "cr.toml"
    path.write_bytes(THREE.replace("\n", "\r").encode())
    assert invoke(["validate", path]).rc == 0
    assert invoke(["run", path, "-r", "2", "--out", work / "out", "--no-progress"]).rc == 0
    o = invoke(["sweep", path, "-r", "2", "--out", work / "sw", "--workers", "1", "--no-progress"])
    assert o.rc == 0, o.err


@pytest.mark.parametrize("name", ["[/]", "[/bold]", "[link=http://example.org]x", "[bold]B"])
def test_markup_in_names_is_printed_literally(base_dir, name):
    work = fresh(base_dir)
    path = work / "m.toml"
    path.write_text(THREE.replace(NAME, f"name = {json.dumps(name)}")
                    .replace('name = "three members on a line"', f"name = {json.dumps(name + ' s')}"),
                    encoding="utf-8")
    o = invoke(["run", path, "-r", "2", "--out", work / "out", "--progress"])  # the bar shows it too
    assert o.rc == 0, o.err
    assert name in o.out and f"{name} s" in o.out


CLI_CASES = {
    "run-replications-10M": (["run", THREE_ON_A_LINE, "--replications", "10000000"], "--replications"),
    "run-items-too-many": (["run", THREE_ON_A_LINE, "--replications", "10000", "--meetings", "1000",
                            "--tables"], "agenda items"),
    "set-huge-int": (["sweep", THREE_ON_A_LINE, "--set", "negotiation.max_rounds=99999999999999999999999"],
                     "max_rounds"),
    "set-huge-grid": (["sweep", THREE_ON_A_LINE, "--set", "members.A.tolerance=0:1:1000000000"], "limit"),
    "set-cube": (["sweep", THREE_ON_A_LINE, "--set", "members.A.tolerance=0:1:1000",
                  "--set", "members.B.tolerance=0:1:1000", "--set", "members.C.tolerance=0:1:1000"],
                 "points"),
    "set-1e308": (["sweep", THREE_ON_A_LINE, "--set", "members.A.tolerance=-1e308:1e308:3"], "1e+15"),
    "set-arabic-digit": (["sweep", THREE_ON_A_LINE, "--set", "negotiation.max_rounds=٣"], "max_rounds"),
    "set-1e309": (["sweep", THREE_ON_A_LINE, "--set", "members.A.tolerance=1e309"], "tolerance"),
    "set-inf": (["sweep", THREE_ON_A_LINE, "--set", "members.A.tolerance=inf"], "tolerance"),
}


@pytest.mark.parametrize("name", sorted(CLI_CASES))
def test_bad_command_lines_exit_2(base_dir, name):
    args, needle = CLI_CASES[name]
    work = fresh(base_dir)
    o = invoke([*args, "--out", work / "out", "--no-progress"])
    assert_clean(o, work / "out")
    assert o.rc == 2 and needle in o.err, o.err


EXP_CASES = {
    "replications-1e8": ('replications = 1e8', "experiment.replications"),
    "replications-true": ("replications = true", "experiment.replications"),
    "replications-string": ('replications = "2"', "experiment.replications"),
    "seed-string": ('replications = 2\nseed = "7"', "experiment.seed"),
    "chunk-true": ("replications = 2\nchunk = true", "experiment.chunk"),
    "samples-true": ('replications = 2\n[design]\ntype = "lhs"\nsamples = true', "design.samples"),
    "metric-unknown": ('replications = 2\n[attribution]\nmetric = "nope"', "attribution.metric"),
    "metric-replication": ('replications = 2\n[attribution]\nmetric = "replication"', "attribution.metric"),
    "tasks-too-many": ("replications = 10000000\nchunk = 1", "tasks"),
}


@pytest.mark.parametrize("name", sorted(EXP_CASES))
def test_bad_experiment_files_exit_2_before_running(base_dir, name):
    body, needle = EXP_CASES[name]
    work = fresh(base_dir)
    path = work / "e.toml"
    head, _, tail = body.partition("\n[")
    tail = ("[" + tail) if tail else ""
    path.write_text(f'[experiment]\nname = "x"\n{head}\n\n[[scenarios]]\npath = {json.dumps(str(THREE_ON_A_LINE))}\n'
                    f'label = "a"\n\n[[scenarios]]\npath = {json.dumps(str(THREE_ON_A_LINE))}\nlabel = "b"\n'
                    f"{tail}\n", encoding="utf-8")
    o = invoke(["sweep", path, "--out", work / "out", "--workers", "1", "--no-progress"])
    assert_clean(o, work / "out")
    assert o.rc == 2 and needle in o.err, o.err


def test_thresholds_print_differently_and_quotas_are_exact(base_dir):
    work = fresh(base_dir)
    labels = []
    for t in ("0.70588", "0.706", '"12/17"'):
        path = work / f"t{len(labels)}.toml"
        path.write_text(three('type = "unanimity"', f'type = "majority"\nthreshold = {t}'), encoding="utf-8")
        o = invoke(["rules", path, "--json"])
        assert o.rc == 0, o.err
        labels.append(json.loads(o.out)["scenario_rule"])
    assert len(set(labels)) == 3, labels
    assert labels[2].endswith("12/17"), labels


def test_load_scenario_text_resolves_extends_in_its_folder(base_dir):
    work = fresh(base_dir)
    (work / "parent.toml").write_text(THREE, encoding="utf-8")
    child = _extends("parent.toml").replace("meetings = 1", "meetings = 3")
    s = load_scenario_text(child, "mine.toml", base_dir=work)
    assert isinstance(s, Scenario) and s.scenario.meetings == 3 and s.member_names == ["A", "B", "C"]
    with pytest.raises(InputError, match="does not exist"):  # an upload extends bundled files only
        load_scenario_text(child, "mine.toml")
    with pytest.raises(InputError, match="not a bundled scenario"):
        load_scenario_text(_extends(str(work / "parent.toml")), "mine.toml")
    bundled = load_scenario_text(_extends("sco_2017_3plus5.toml"), "mine.toml")
    assert len(bundled.member_names) == 8


# --------------------------------------------------------------------------- results on disk


def _small_sweep(work: Path) -> tuple[list[str], Path]:
    out = work / "sw"
    return ["sweep", THREE_ON_A_LINE, "--set", "negotiation.max_rounds=0,1", "-r", "4", "--chunk", "2",
            "--workers", "1", "--out", out, "--no-progress"], out


def test_damaged_chunks_run_again_and_foreign_ones_are_refused(base_dir):
    work = fresh(base_dir)
    args, out = _small_sweep(work)
    assert invoke(args).rc == 0
    store = ResultStore(out)
    ids = store.chunk_ids()
    reference = store.read_runs()
    truncated, empty = store.chunk_path("runs", ids[0]), store.chunk_path("runs", ids[1])
    truncated.write_bytes(truncated.read_bytes()[:100])
    empty.write_bytes(b"")
    o = invoke(["summarize", out])
    assert o.rc == 2 and ids[0] in o.err and "damaged" in o.err, o.err
    o = invoke(args)
    assert o.rc == 0 and "2 tasks run, 2 already done" in o.out, o.out + o.err
    pd.testing.assert_frame_equal(store.read_runs(), reference)
    store.chunk_path("runs", ids[3]).write_bytes(store.chunk_path("runs", ids[2]).read_bytes())
    o = invoke(args)
    assert o.rc == 2 and ids[3] in o.err and "not this sweep's chunk" in o.err, o.err
    assert pq.read_table(store.chunk_path("runs", ids[2])).num_rows == 2


def test_two_sweeps_cannot_write_one_folder(base_dir):
    work = fresh(base_dir)
    args, out = _small_sweep(work)
    with ResultStore(out).lock():
        o = invoke(args)
    assert o.rc == 2 and str(out) in o.err and f"pid {os.getpid()}" in o.err, o.err
    assert not (out / "runs").exists()
    assert invoke(args).rc == 0  # the lock is gone with its holder
    with ResultStore(out).lock(shard=(0, 2)):  # shards of one sweep share the folder
        assert invoke([*args, "--shard", "1/2"]).rc == 0
        o = invoke([*args, "--shard", "0/2"])
        assert o.rc == 2 and "another sweep" in o.err


def test_write_errors_exit_2_with_the_path_and_leave_nothing(base_dir, monkeypatch):
    import errno

    import sco_sim.experiments.output as output

    work = fresh(base_dir)

    def full(path, df, metadata=None):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(output, "write_parquet", full)
    monkeypatch.setattr("sco_sim.cli.write_parquet", full)
    out = work / "out"
    o = invoke(["run", THREE_ON_A_LINE, "-r", "2", "--out", out, "--no-progress"])
    assert o.rc == 2 and "No space left on device" in o.err and str(out) in o.err, o.err
    assert not out.exists()
    monkeypatch.setattr("sco_sim.experiments.store.write_parquet", full)
    args, sw = _small_sweep(work)
    o = invoke(args)
    assert o.rc == 2 and "No space left on device" in o.err and str(sw / "runs") in o.err, o.err


def test_partial_folders_of_killed_runs_are_removed(base_dir):
    work = fresh(base_dir)
    out = work / "out"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    from sco_sim.experiments.output import host_tag

    stale = [out / f".partial-{host_tag()}-{dead.pid}-ab12.tmp", out / ".partial-k2j4h1"]
    for p in stale:
        (p / "sub").mkdir(parents=True)
        (p / "meetings.parquet").write_bytes(b"half")
    assert invoke(["run", THREE_ON_A_LINE, "-r", "2", "--out", out, "--no-progress"]).rc == 0
    assert not any(p.exists() for p in stale)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_markdown_report_escapes_html(base_dir):
    work = fresh(base_dir)
    path = work / "x.toml"
    path.write_text(THREE.replace('name = "three members on a line"', 'name = "<script>alert(1)</script>"')
                    .replace(NAME, 'name = "<b>A</b>"'), encoding="utf-8")
    out = work / "out"
    assert invoke(["run", path, "-r", "2", "--out", out, "--no-progress"]).rc == 0
    o = invoke(["report", out, "--format", "md"])
    assert o.rc == 0, o.err
    text = (out / "report.md").read_text(encoding="utf-8")
    prose = re.sub(r"(?ms)^(`{3,})[^\n]*\n.*?^\1$", "", text)  # code blocks show text, never run it
    assert "&lt;script&gt;" in prose and "<script>" not in prose and "<b>" not in prose


# --------------------------------------------------------------------------- interrupts (subprocess)


def _cli(args: list[str], **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "sco_sim", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@pytest.mark.parametrize("after", ["numpy", "pandas", "sco_sim.cli"])
def test_sigint_while_starting_prints_no_traceback(after, base_dir):
    """Ctrl-C while the libraries load (the run's first second) ends quietly.

    The signal is sent when ``-X importtime`` reports the module ``after`` loaded, so each case
    interrupts at the same place every time.
    """
    out = fresh(base_dir) / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "sco_sim", "run", str(THREE_ON_A_LINE),
                          "-r", "200", "--out", str(out)], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    seen = []
    for line in p.stderr:
        seen.append(line)
        if line.startswith("import time:") and line.rstrip().endswith(f"| {after}"):
            p.send_signal(signal.SIGINT)
            break
    rest = p.stderr.read()
    p.wait(timeout=60)
    err = "".join(x for x in [*seen, *rest.splitlines(keepends=True)] if not x.startswith("import time:"))
    assert "Traceback" not in err, err
    assert p.returncode in (0, 130), (p.returncode, err)
    if p.returncode == 130:
        assert err.strip().splitlines()[-1].startswith("sco-sim: interrupted; ")
        if "nothing was written" in err:
            assert not out.exists()


def test_sigint_during_a_sweep_reports_what_is_on_disk(base_dir):
    out = fresh(base_dir) / "sw"
    p = _cli(["sweep", THREE_ON_A_LINE, "--set", "negotiation.max_rounds=0:20:21", "-r", "200",
              "--chunk", "5", "--workers", "1", "--out", out, "--no-progress"])
    deadline = time.monotonic() + 60
    while not (out / "runs").is_dir() and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert "Traceback" not in err, err
    if p.returncode == 130:
        done = len(list((out / "runs").glob("*.parquet")))
        assert f"interrupted; {done} of 840 tasks are finished in {out}" in err, err


def test_plot_and_report_name_a_damaged_chunk(base_dir):
    work = fresh(base_dir)
    args, out = _small_sweep(work)
    assert invoke(args).rc == 0
    store = ResultStore(out)
    bad = store.chunk_path("runs", store.chunk_ids()[1])
    bad.write_bytes(bad.read_bytes()[:-20])
    for command in (["plot", out], ["report", out], ["summarize", out]):
        o = invoke(command)
        assert o.rc == 2 and str(bad) in o.err and "damaged" in o.err, (command, o.err)


def test_the_fuzzing_reached_both_outcomes():
    """The generated inputs are neither all accepted nor all refused (else the fuzz is vacuous)."""
    if not TALLY:
        pytest.skip("run with the rest of the module")
    print("\nfuzz tally (command, exit code): invocations", dict(sorted(TALLY.items())))
    for command in ("validate", "run", "sweep"):
        assert TALLY[(command, 0)] > 0 and TALLY[(command, 2)] > 0, dict(TALLY)
    assert set(rc for _, rc in TALLY) <= {0, 2, 130}
