"""Experiments: scenarios, a parameter space, a design and replications, in one validated file.

An experiment file (``experiments/*.toml``) is checked like a scenario file: pydantic with
``extra="forbid"``, every problem an :class:`~sco_sim.inputs.errors.InputError` naming the file and the
field. Its format::

    [experiment]
    name = "India's tolerance"          # required
    description = "..."                 # optional
    replications = 1000                 # required, >= 1
    seed = 0                            # master seed (default 0): replication k of EVERY design
                                        #   point uses random stream k (common random numbers)
    meetings = 20                       # optional: override every scenario's run length
    engine = "compiled"                 # or "mesa" (identical results, slower)
    chunk = 10000                       # replications per task (default 10 000)

    [[scenarios]]                       # one or more; paths are relative to this file
    path = "../scenarios/sco_2017_3plus5.toml"
    label = "3+5"                       # optional, default the scenario's name; must be unique
    set = { "rule.type" = "majority", "rule.threshold" = 0.667 }   # optional fixed values
    without = ["Pakistan"]              # optional: leave these members (and their rivalries) out

    [design]
    type = "factorial"                  # "factorial" (default), "lhs", "random", "sobol", "morris"
    samples = 64                        # sampling designs: points (lhs, random), base samples N
                                        #   (sobol: N (2D + 2) points, N a power of two) or
                                        #   trajectories (morris: N (D + 1) points)
    levels = 4                          # morris only: grid levels (default 4)
    second_order = true                 # sobol only: also second-order indices (default true)

    [parameters]                        # dotted paths, see sco_sim.inputs.parameters
    "negotiation.max_rounds" = [0, 1, 2, 4]                         # factorial: a list ...
    "members.India.tolerance" = { low = 0.0, high = 0.3, steps = 7 } # ... or an inclusive grid
    # sampling designs take ranges:  "members.*.tolerance" = { low = 0.0, high = 0.1 }

    [attribution]                       # optional: who added how much to a change (see attribution())
    steps = ["2+4", "3+5", "+Iran"]     # scenario labels in order (default: every scenario)
    metric = "deadlock_rate"            # default
    # or several chains: [[attribution]] name = "...", steps = [...]

Design points are numbered ``0 .. P-1``: scenarios outermost (file order), then the design's own
order (factorial: first parameter slowest). Sampling designs use the same points for every
scenario. Values are applied in this order: the scenario file (``extends`` merged), ``without``,
``set``, ``[experiment] meetings``, then the point's parameters.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..analysis.intervals import paired_ci
from ..inputs import parameters
from ..inputs.config import Config, build_config
from ..inputs.errors import InputError, Problem
from ..inputs.parameters import Range
from ..inputs.scenario import (
    MAX_DESCRIPTION,
    MAX_MEETINGS,
    MAX_NAME,
    _field_path,
    load_raw,
    parse_scenario,
    read_toml,
    scenario_hash,
)
from . import designs

DESIGNS = ("factorial", "lhs", "random", "sobol", "morris")
SAMPLING = ("lhs", "random", "sobol", "morris")

#: limits checked before anything is built (docs/MODEL.md §8): replications per point, replications
#: per task, design points, and tasks (points x chunks) of one sweep
MAX_REPLICATIONS = 10_000_000
MAX_CHUNK = 100_000
#: replications per task: enough that a task's tables and transfer cost little beside its runs
#: (10⁶ runs of 3+5 on 2 workers: 41 s at 10,000, 53 s at 2,000; benchmarks/bench_sweep.py)
DEFAULT_CHUNK = 10_000
MAX_POINTS = 100_000
MAX_TASKS = 1_000_000
MAX_SEED = 2**63 - 1
#: run-level metrics an [attribution] may name (columns of sco_sim.analysis.summary.run_table), besides
#: ``objections.<member>`` and ``sole_vetoes.<member>``
ATTRIBUTION_METRICS = (
    "items", "adopted", "consensus", "subset_texts", "deadlocked", "null_drafts", "rounds",
    "side_payments", "meetings", "throughput", "adoption_rate", "deadlock_rate", "consensus_rate",
    "subset_rate", "null_draft_rate", "mean_rounds", "side_payment_rate")


# --------------------------------------------------------------------------- file schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ExperimentMeta(_Strict):
    """`[experiment]`: name, replications, seed and how to run."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    replications: int = Field(strict=True, ge=1, le=MAX_REPLICATIONS)
    seed: int = Field(strict=True, default=0, ge=0, le=MAX_SEED)
    meetings: int | None = Field(strict=True, default=None, ge=1, le=MAX_MEETINGS)
    engine: Literal["compiled", "mesa", "vectorised"] = "compiled"  # "vectorised": version 0.1's name
    chunk: int = Field(strict=True, default=DEFAULT_CHUNK, ge=1, le=MAX_CHUNK)


class ScenarioRef(_Strict):
    """One `[[scenarios]]` entry: a scenario file, its label, fixed values, members left out."""

    path: str = Field(min_length=1, max_length=1000)
    label: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    set: dict[str, Any] = {}
    without: list[str] = []


class DesignSpec(_Strict):
    """`[design]`: which points of the parameter space to run."""

    type: Literal[DESIGNS] = "factorial"  # type: ignore[valid-type]
    samples: int | None = Field(strict=True, default=None, ge=1, le=MAX_POINTS)
    levels: int | None = Field(strict=True, default=None, ge=2, le=100)
    second_order: bool | None = Field(strict=True, default=None)


class AttributionSpec(_Strict):
    """`[attribution]`: a chain of scenario labels whose successive changes are attributed."""

    name: str = Field(default="expansion", min_length=1, max_length=MAX_NAME)
    steps: list[str] | None = Field(default=None, min_length=2)
    metric: str = Field(default="deadlock_rate", min_length=1, max_length=2 * MAX_NAME)


class ExperimentFile(_Strict):
    """A whole experiment file."""

    experiment: ExperimentMeta
    scenarios: list[ScenarioRef] = Field(min_length=1)
    design: DesignSpec = DesignSpec()
    parameters: dict[str, Any] = {}
    attribution: list[AttributionSpec] = []

    @field_validator("attribution", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, dict) else v


def _validation_problems(exc: ValidationError, raw: dict, src: str) -> list[Problem]:
    """Pydantic's errors as one Problem each, with the same wording as scenario files."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"]
                    if not (isinstance(p, str) and ("[" in p or p.startswith("function"))))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field (misspelled?)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] == "literal_error":
            msg = f"{msg}, got {err.get('input')!r}"
        elif "input" in err and not isinstance(err["input"], (dict, list)):
            msg = f"{msg}, got {err['input']!r}"
        problems.append(Problem(src, _field_path(loc, raw), msg))
    return list(dict.fromkeys(problems))


# --------------------------------------------------------------------------- the experiment


@dataclass
class ScenarioEntry:
    """A scenario of an experiment, loaded: its raw dictionary after ``without`` and ``set``."""

    label: str
    path: Path
    path_text: str
    raw: dict
    members: list[str]
    fixed: dict[str, Any] = field(default_factory=dict)
    without: list[str] = field(default_factory=list)


@dataclass
class Parameter:
    """One swept parameter: a list of values (factorial) or a range (sampling designs)."""

    path: str
    values: list | None = None
    low: float | int | None = None
    high: float | int | None = None
    origin: tuple[str, str] = ("", "")  # (source, field) for error messages

    @property
    def is_range(self) -> bool:
        """True for a ``{low, high}`` range, False for a list of values."""
        return self.values is None


@dataclass
class Attribution:
    """A chain of scenario labels whose consecutive differences are attributed to membership."""

    name: str
    steps: list[str]
    metric: str = "deadlock_rate"


@dataclass
class Experiment:
    """A validated experiment: everything a sweep needs, picklable."""

    name: str
    description: str
    replications: int
    seed: int
    meetings: int | None
    engine: str
    chunk: int
    scenarios: list[ScenarioEntry]
    design: str = "factorial"
    samples: int | None = None
    levels: int | None = None
    second_order: bool | None = None  # sobol: None means the default, True
    parameters: dict[str, Parameter] = field(default_factory=dict)
    attributions: list[Attribution] = field(default_factory=list)
    source: str = ""
    path: Path | None = None
    cli: dict | None = None  # the canonical command-line form, when built from --set expressions
    overrides: dict = field(default_factory=dict)
    _points: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    _problem: dict | None = field(default=None, repr=False, compare=False)

    @property
    def labels(self) -> list[str]:
        """Scenario labels in order."""
        return [s.label for s in self.scenarios]

    @property
    def parameter_paths(self) -> list[str]:
        """Swept parameter paths in order (the design-point columns after ``point``, ``scenario``)."""
        return list(self.parameters)

    @property
    def calc_second_order(self) -> bool:
        """Whether a Sobol design also estimates second-order indices (default True)."""
        return self.second_order is None or bool(self.second_order)

    @property
    def ranges(self) -> dict[str, tuple[Any, Any]]:
        """``{path: (low, high)}`` of a sampling design."""
        return {p.path: (p.low, p.high) for p in self.parameters.values() if p.is_range}

    def entry(self, label: str) -> ScenarioEntry:
        """Return the scenario entry with this label."""
        for s in self.scenarios:
            if s.label == label:
                return s
        raise KeyError(f"no scenario labelled {label!r}; labels are {self.labels}")

    def describe(self) -> dict:
        """Describe the experiment as a JSON-ready dictionary (for manifests)."""
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "path": str(self.path) if self.path is not None else None,
            "cli": self.cli,
            "replications": self.replications,
            "seed": self.seed,
            "meetings": self.meetings,
            "engine": self.engine,
            "chunk": self.chunk,
            "design": {"type": self.design, "samples": self.samples, "levels": self.levels,
                       "second_order": self.calc_second_order if self.design == "sobol" else None},
            "parameters": {
                p.path: ({"low": p.low, "high": p.high} if p.is_range else list(p.values))
                for p in self.parameters.values()
            },
            "scenarios": [
                {"label": s.label, "path": str(s.path), "sha256": scenario_hash(s.path),
                 "set": s.fixed, "without": s.without}
                for s in self.scenarios
            ],
            "attribution": [{"name": a.name, "steps": a.steps, "metric": a.metric}
                            for a in self.attributions],
            "points": len(design_points(self)),
            "overrides": self.overrides,
            "sha256": experiment_hash(self),
        }


# --------------------------------------------------------------------------- building


def _wrap(exc: InputError, source: str, field_: str, prefix: str = "") -> InputError:
    """Re-home the first problems of an error at (source, field), keeping their text."""
    out = []
    for p in exc.problems:
        where = f"{p.field}: " if p.field and p.field != field_ else ""
        out.append(Problem(source, field_, f"{prefix}{where}{p.message}"))
    return InputError(list(dict.fromkeys(out)))


def _drop_members(raw: dict, names: list[str], src: str, where: str) -> dict:
    out = copy.deepcopy(raw)
    members = out.get("members")
    if not isinstance(members, list):
        raise InputError([Problem(src, where, "the scenario has no [[members]] to leave out")])
    have = [m.get("name") for m in members if isinstance(m, dict)]
    for n in names:
        if n not in have:
            raise InputError([Problem(src, where, f"unknown member {n!r}; members are {have}")])
    out["members"] = [m for m in members if not (isinstance(m, dict) and m.get("name") in names)]
    if isinstance(out.get("rivalries"), list):
        out["rivalries"] = [
            r for r in out["rivalries"]
            if not (isinstance(r, dict) and isinstance(r.get("members"), list)
                    and any(x in names for x in r["members"]))
        ]
    return out


def _load_entry(ref: ScenarioRef, i: int, base: Path, src: str, meetings: int | None) -> ScenarioEntry:
    field_ = f"scenarios[{i}]"
    path = (base / ref.path) if not Path(ref.path).is_absolute() else Path(ref.path)
    if "\0" in ref.path:
        raise InputError([Problem(src, f"{field_}.path", "expected a file path (no NUL bytes)")])
    if not path.exists():
        raise InputError([Problem(src, f"{field_}.path",
                                  f"scenario file {ref.path!r} does not exist (looked for {path})")])
    if path.is_dir():
        raise InputError([Problem(src, f"{field_}.path", f"{ref.path!r} is a directory, expected a "
                                  "scenario file")])
    path = path.resolve()
    raw = load_raw(path)
    parse_scenario(raw, str(path))  # the file itself must be valid: its errors name the file
    if ref.without:
        raw = _drop_members(raw, ref.without, src, f"{field_}.without")
    fixed: dict[str, Any] = {}
    for key, value in ref.set.items():
        value = parameters.coerce(key, value) if _path_ok(key) else value
        raw = parameters.apply(raw, key, value, source=src, field=f"{field_}.set.{key}")
        fixed[key] = value
    if meetings is not None:
        raw = parameters.apply(raw, "scenario.meetings", meetings, source=src)
    try:
        scn = parse_scenario(raw, str(path))
    except InputError as exc:
        what = "set" if ref.set else "without"
        raise _wrap(exc, src, f"{field_}.{what}") from None
    label = ref.label if ref.label is not None else scn.scenario.name
    return ScenarioEntry(label=label, path=path, path_text=ref.path, raw=raw,
                         members=list(scn.member_names), fixed=fixed, without=list(ref.without))


def _path_ok(path: str) -> bool:
    try:
        parameters.parse_path(path)
        return True
    except InputError:
        return False


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _parameter_from_toml(path: str, spec: Any, design: str, src: str) -> Parameter:
    where = f"parameters.{path}"
    parameters.parse_path(path, src, where)
    kind = parameters.kind(path)
    origin = (src, where)
    if isinstance(spec, list):
        if design != "factorial":
            raise InputError([Problem(src, where, f"a {design} design samples a range: expected "
                                      "{ low = ..., high = ... }, not a list of values")])
        if not spec:
            raise InputError([Problem(src, where, "expected at least one value")])
        return Parameter(path, values=[parameters.coerce(path, v) for v in spec], origin=origin)
    if isinstance(spec, dict):
        extra = sorted(set(spec) - {"low", "high", "steps"})
        if extra:
            raise InputError([Problem(src, f"{where}.{extra[0]}", "unknown field (misspelled?); "
                                      "expected low, high and (factorial designs) steps")])
        for k in ("low", "high"):
            if k not in spec:
                raise InputError([Problem(src, f"{where}.{k}", "required field is missing")])
            if not _number(spec[k]):
                raise InputError([Problem(src, f"{where}.{k}", f"expected a finite number, got {spec[k]!r}")])
        lo, hi = spec["low"], spec["high"]
        if kind not in ("int", "float"):
            raise InputError([Problem(src, where, f"{path} is not a numeric field: give a list of "
                                      "values instead of a range")])
        if design == "factorial":
            steps = spec.get("steps")
            if steps is None:
                raise InputError([Problem(src, f"{where}.steps", "a factorial design needs a list of "
                                          "values or { low, high, steps } (steps values, inclusive)")])
            if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
                raise InputError([Problem(src, f"{where}.steps", f"expected an integer >= 1, got {steps!r}")])
            if not lo <= hi:
                raise InputError([Problem(src, where, f"expected low <= high, got {lo} and {hi}")])
            _, values = parameters.parse_set(f"{path}={lo}:{hi}:{steps}")
            return Parameter(path, values=[parameters.coerce(path, v) for v in values], origin=origin)
        if "steps" in spec:
            raise InputError([Problem(src, f"{where}.steps", f"steps applies to factorial designs; a "
                                      f"{design} design samples the range")])
        return _range_parameter(path, lo, hi, kind, origin)
    raise InputError([Problem(src, where, "expected a list of values (factorial) or a table "
                              "{ low = ..., high = ... } (with steps = n for a factorial grid), "
                              f"got {spec!r}")])


def _range_parameter(path: str, lo: Any, hi: Any, kind: str | None, origin: tuple[str, str]) -> Parameter:
    src, where = origin
    if kind not in ("int", "float"):
        raise InputError([Problem(src, where, f"{path} is not a numeric field, so it cannot be "
                                  "sampled from a range")])
    if not lo < hi:
        raise InputError([Problem(src, where, f"expected low < high, got {lo} and {hi}")])
    if kind == "int":
        if not (float(lo).is_integer() and float(hi).is_integer()):
            raise InputError([Problem(src, where, f"{path} takes whole numbers: expected integer "
                                      f"range ends, got {lo} and {hi}")])
        lo, hi = int(lo), int(hi)
    else:
        lo, hi = float(lo), float(hi)
    return Parameter(path, low=lo, high=hi, origin=origin)


def _check_design(exp: Experiment, src: str) -> None:
    d = exp.design
    if d == "factorial":
        for key, val in (("samples", exp.samples), ("levels", exp.levels)):
            if val is not None:
                raise InputError([Problem(src, f"design.{key}", "applies to sampling designs, not "
                                          "to a factorial design")])
    else:
        if exp.samples is None:
            raise InputError([Problem(src, "design.samples", f"required field is missing: a {d} "
                                      "design needs the number of samples")])
        if not exp.parameters:
            raise InputError([Problem(src, "parameters", f"a {d} design needs at least one "
                                      "parameter range")])
        if d == "sobol" and exp.samples & (exp.samples - 1):
            raise InputError([Problem(src, "design.samples", f"a Sobol design needs a power of two "
                                      f"(e.g. 64, 128, 256), got {exp.samples}")])
        if exp.levels is not None and d != "morris":
            raise InputError([Problem(src, "design.levels", f"applies to morris designs, not {d}")])
    if d != "sobol" and exp.second_order is not None:
        raise InputError([Problem(src, "design.second_order", f"applies to sobol designs, not {d}")])


def _finish(exp: Experiment, src: str, sized: bool = True) -> Experiment:
    """Run the checks shared by both forms: labels, paths on every scenario, attribution chains.

    ``sized``: also check the sweep's size (skipped while command-line overrides may still come).
    """
    seen: dict[str, int] = {}
    for i, s in enumerate(exp.scenarios):
        if s.label in seen:
            raise InputError([Problem(src, f"scenarios[{i}].label",
                                      f"label {s.label!r} is already used by scenarios[{seen[s.label]}]; "
                                      "give each scenario a unique label")])
        seen[s.label] = i
    for p in exp.parameters.values():
        probe = p.values[0] if not p.is_range else p.low
        for s in exp.scenarios:
            try:
                parameters.apply(s.raw, p.path, probe, source=p.origin[0], field=p.origin[1])
            except InputError as exc:
                prefix = f"in scenario {s.label!r}: " if len(exp.scenarios) > 1 else ""
                raise _wrap(exc, p.origin[0], p.origin[1], prefix) from None
    for k, a in enumerate(exp.attributions):
        where = f"attribution[{k}]" if len(exp.attributions) > 1 else "attribution"
        for j, label in enumerate(a.steps):
            if label not in seen:
                raise InputError([Problem(src, f"{where}.steps[{j}]", f"unknown scenario label {label!r}; "
                                          f"labels are {list(seen)}")])
        _check_metric(exp, a, src, f"{where}.metric")
    if sized:
        _check_size(exp, src)
    return exp


def _check_metric(exp: Experiment, a: Attribution, src: str, where: str) -> None:
    """An attribution's metric is a run-level metric every scenario of its chain reports."""
    kind, _, member = a.metric.partition(".")
    if kind in ("objections", "sole_vetoes") and member:
        for label in a.steps:
            if member not in exp.entry(label).members:
                raise InputError([Problem(src, where, f"{a.metric!r} names {member!r}, who is not a "
                                          f"member of scenario {label!r}")])
        return
    if a.metric not in ATTRIBUTION_METRICS:
        raise InputError([Problem(src, where, f"unknown metric {a.metric!r}; expected one of "
                                  f"{list(ATTRIBUTION_METRICS)} or objections.<member>, "
                                  "sole_vetoes.<member>")])


def point_count(exp: Experiment) -> int:
    """Design points of ``exp``, computed without building them (for the limits)."""
    d = len(exp.parameters)
    if exp.design == "factorial":
        per = math.prod(len(p.values or ()) for p in exp.parameters.values()) if d else 1
    elif exp.design == "sobol":
        per = (exp.samples or 0) * ((2 * d + 2) if exp.calc_second_order else (d + 2))
    elif exp.design == "morris":
        per = (exp.samples or 0) * (d + 1)
    else:
        per = exp.samples or 0
    return per * len(exp.scenarios)


def _check_size(exp: Experiment, src: str) -> None:
    """Refuse, before any point is built, a sweep beyond the design-point or task limits."""
    def where(option: str) -> tuple[str, str]:
        """The command-line option if it set the value, else the experiment file's field."""
        if exp.cli is not None or option in exp.overrides:
            return f"--{option}", ""
        return src, f"experiment.{option}"

    if not isinstance(exp.replications, int) or not 1 <= exp.replications <= MAX_REPLICATIONS:
        raise InputError([Problem(*where("replications"), f"expected an integer from 1 to "
                                  f"{MAX_REPLICATIONS:,}, got {exp.replications!r}")])
    if not isinstance(exp.chunk, int) or not 1 <= exp.chunk <= MAX_CHUNK:
        raise InputError([Problem(*where("chunk"), f"expected an integer from 1 to {MAX_CHUNK:,}, "
                                  f"got {exp.chunk!r}")])
    points = point_count(exp)
    if points > MAX_POINTS:
        raise InputError([Problem(src, "parameters", f"the design has {points:,} points; the limit "
                                  f"is {MAX_POINTS:,} (fewer values, or a sampling design)")])
    tasks = points * -(-exp.replications // exp.chunk)
    if tasks > MAX_TASKS:
        raise InputError([Problem(*where("replications"), f"{points:,} points x {exp.replications:,} "
                                  f"replications in chunks of {exp.chunk:,} make {tasks:,} tasks; "
                                  f"the limit is {MAX_TASKS:,} (raise chunk or lower replications)")])


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file; every problem is an InputError naming file and field."""
    p = Path(path)
    src = str(path)
    raw = read_toml(p)
    try:
        spec = ExperimentFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_validation_problems(exc, raw, src)) from None
    meta = spec.experiment
    base = p.resolve().parent
    entries = [_load_entry(ref, i, base, src, meta.meetings) for i, ref in enumerate(spec.scenarios)]
    params = {k: _parameter_from_toml(k, v, spec.design.type, src) for k, v in spec.parameters.items()}
    attributions = [
        Attribution(a.name, list(a.steps) if a.steps else [e.label for e in entries], a.metric)
        for a in spec.attribution
    ]
    exp = Experiment(
        name=meta.name, description=meta.description, replications=meta.replications,
        seed=meta.seed, meetings=meta.meetings, engine=meta.engine, chunk=meta.chunk,
        scenarios=entries, design=spec.design.type, samples=spec.design.samples,
        levels=spec.design.levels,
        second_order=spec.design.second_order,
        parameters=params, attributions=attributions, source=src, path=p.resolve(),
    )
    _check_design(exp, src)
    if len(exp.attributions) == 1 and exp.attributions[0].steps and len(exp.attributions[0].steps) < 2:
        raise InputError([Problem(src, "attribution.steps", "expected at least two scenario labels")])
    return _finish(exp, src, sized=False)  # load_sweep checks the size after its overrides


def _sets_to_parameters(sets: list[str] | tuple[str, ...], design: str) -> dict[str, Parameter]:
    params: dict[str, Parameter] = {}
    for expr in sets:
        path, values = parameters.parse_set(expr)
        origin = ("--set", expr)
        if path in params:
            raise InputError([Problem("--set", expr, f"{path} is already set by "
                                      f"{params[path].origin[1]!r}; give each parameter once")])
        if isinstance(values, Range):
            if design == "factorial":
                raise InputError([Problem("--set", expr, "lo:hi is a range for sampling designs; for "
                                          "a factorial sweep give a list v1,v2,... or lo:hi:n")])
            params[path] = _range_parameter(path, values.low, values.high, parameters.kind(path), origin)
        else:
            if design != "factorial":
                raise InputError([Problem("--set", expr, f"a {design} design samples a range: "
                                          "expected path=lo:hi")])
            params[path] = Parameter(path, values=[parameters.coerce(path, v) for v in values],
                                     origin=origin)
    return params


def experiment_from_scenario(
    scenario_path: str | Path,
    sets: list[str] | tuple[str, ...],
    replications: int,
    seed: int,
    meetings: int | None = None,
    *,
    design: str = "factorial",
    samples: int | None = None,
    levels: int | None = None,
    engine: str = "compiled",
    chunk: int = DEFAULT_CHUNK,
    label: str | None = None,
) -> Experiment:
    """Build the command-line form: one scenario plus ``--set`` expressions (factorial by default)."""
    if not isinstance(replications, int) or replications < 1:
        raise InputError([Problem("--replications", "", f"expected an integer >= 1, got {replications!r}")])
    if not isinstance(seed, int) or seed < 0:
        raise InputError([Problem("--seed", "", f"expected an integer >= 0, got {seed!r}")])
    if meetings is not None and (not isinstance(meetings, int) or meetings < 1):
        raise InputError([Problem("--meetings", "", f"expected an integer >= 1, got {meetings!r}")])
    if design not in DESIGNS:
        raise InputError([Problem("--design", "", f"expected one of {list(DESIGNS)}, got {design!r}")])
    src = str(scenario_path)
    p = Path(scenario_path)
    if not p.exists():
        raise InputError([Problem(src, "", "no such file")])
    raw = load_raw(p)
    scn = parse_scenario(raw, src)
    if meetings is not None:
        raw = parameters.apply(raw, "scenario.meetings", meetings)
    entry = ScenarioEntry(label=label or scn.scenario.name, path=p.resolve(), path_text=src, raw=raw,
                          members=list(scn.member_names))
    params = _sets_to_parameters(list(sets), design)
    cli = {"scenario": src, "sets": list(sets), "replications": replications, "seed": seed,
           "meetings": meetings, "design": design, "samples": samples, "levels": levels,
           "engine": engine, "chunk": chunk, "label": label}
    exp = Experiment(
        name=f"sweep of {scn.scenario.name}", description="", replications=replications, seed=seed,
        meetings=meetings, engine=engine, chunk=chunk, scenarios=[entry], design=design,
        samples=samples, levels=levels, parameters=params, source="--set", path=None, cli=cli,
    )
    _check_design(exp, "--design")
    return _finish(exp, "--set")


def is_experiment_file(path: str | Path) -> bool:
    """Tell whether a TOML file has an ``[experiment]`` table (else it is taken for a scenario)."""
    return isinstance(read_toml(Path(path)).get("experiment"), dict)


def load_sweep(
    target: str | Path,
    sets: list[str] | tuple[str, ...] = (),
    replications: int | None = None,
    seed: int | None = None,
    meetings: int | None = None,
    engine: str | None = None,
    chunk: int | None = None,
) -> Experiment:
    """Load what ``sco-sim sweep TARGET [--set ...] [--replications ...]`` runs.

    An experiment file is loaded and the options override its values (``--set`` adds parameters or
    replaces those of the same path); a scenario file becomes :func:`experiment_from_scenario`
    (100 replications and seed 0 unless given). Overrides enter :func:`experiment_hash`.
    """
    if not is_experiment_file(target):
        return experiment_from_scenario(
            target, list(sets), 100 if replications is None else replications,
            0 if seed is None else seed, meetings, engine=engine or "compiled", chunk=chunk or DEFAULT_CHUNK)
    exp = load_experiment(target)
    overrides = {k: v for k, v in (("replications", replications), ("seed", seed),
                                   ("meetings", meetings), ("engine", engine), ("chunk", chunk))
                 if v is not None}
    for key, value in overrides.items():
        if key in ("replications", "chunk", "meetings") and (not isinstance(value, int) or value < 1):
            raise InputError([Problem(f"--{key}", "", f"expected an integer >= 1, got {value!r}")])
        if key == "seed" and (not isinstance(value, int) or value < 0):
            raise InputError([Problem("--seed", "", f"expected an integer >= 0, got {value!r}")])
        setattr(exp, key, value)
    if meetings is not None:
        for s in exp.scenarios:
            s.raw = parameters.apply(s.raw, "scenario.meetings", meetings)
    if sets:
        extra = _sets_to_parameters(list(sets), exp.design)
        exp.parameters.update(extra)
        overrides["sets"] = list(sets)
        if exp.design != "factorial":
            _check_design(exp, "--set")
    exp.overrides = overrides
    exp._points = None
    return _finish(exp, exp.source)


def from_description(described: Mapping[str, Any]) -> Experiment:
    """Rebuild an experiment from :meth:`Experiment.describe` (e.g. a results folder's manifest).

    The experiment file (or, for the command-line form, the scenario file) is read again from the
    absolute path recorded; compare :func:`experiment_hash` with the recorded ``sha256`` to know
    whether the inputs are still the ones that produced the results.
    """
    cli = described.get("cli")
    if cli:
        scenario = described.get("scenarios", [{}])[0].get("path") or cli["scenario"]
        return experiment_from_scenario(
            scenario, list(cli.get("sets") or []), int(cli["replications"]), int(cli["seed"]),
            cli.get("meetings"), design=cli.get("design") or "factorial",
            samples=cli.get("samples"), levels=cli.get("levels"),
            engine=cli.get("engine") or "compiled", chunk=int(cli.get("chunk") or DEFAULT_CHUNK),
            label=cli.get("label"))
    path = described.get("path") or described.get("source")
    if not path:
        raise InputError([Problem("manifest", "experiment.path", "no experiment file recorded")])
    o = described.get("overrides") or {}
    return load_sweep(path, list(o.get("sets") or []), o.get("replications"), o.get("seed"),
                      o.get("meetings"), o.get("engine"), o.get("chunk"))


# --------------------------------------------------------------------------- design points


def _design(exp: Experiment) -> tuple[list[dict[str, Any]], dict | None]:
    if exp.design == "factorial":
        return designs.factorial({p.path: p.values for p in exp.parameters.values()}), None
    ranges = exp.ranges
    if exp.design == "lhs":
        return designs.latin_hypercube(ranges, exp.samples, exp.seed), None
    if exp.design == "random":
        return designs.random_sample(ranges, exp.samples, exp.seed), None
    if exp.design == "sobol":
        return designs.sobol(ranges, exp.samples, exp.seed, calc_second_order=exp.calc_second_order)
    return designs.morris(ranges, exp.samples, exp.seed, levels=exp.levels or 4)


def design_problem(exp: Experiment) -> dict | None:
    """SALib's problem dictionary of a sobol or morris experiment (None for other designs)."""
    if exp._points is None:
        design_points(exp)
    return exp._problem


def design_points(exp: Experiment) -> pd.DataFrame:
    """One row per design point: ``point``, ``scenario`` (label) and one column per parameter path.

    Points are numbered ``0 .. P-1``, scenarios outermost, then the design's order.
    """
    if exp._points is not None:
        return exp._points
    _check_size(exp, exp.source)  # before anything is built
    points, problem = _design(exp)
    paths = exp.parameter_paths
    rows = []
    for s in exp.scenarios:
        for pt in points:
            rows.append({"scenario": s.label, **{k: parameters.coerce(k, pt[k]) for k in paths}})
    df = pd.DataFrame(rows, columns=["scenario", *paths])
    df.insert(0, "point", np.arange(len(df), dtype=np.int64))
    for k in paths:  # keep whole numbers as ints, reals as floats, text as objects
        col = df[k]
        if all(isinstance(v, bool) for v in col):
            df[k] = col.astype(bool)
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in col):
            df[k] = col.astype("int64")
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in col):
            df[k] = col.astype("float64")
    exp._points = df
    exp._problem = problem
    return df


def _row(exp: Experiment, row: Any) -> Mapping[str, Any]:
    if isinstance(row, (int, np.integer)) and not isinstance(row, bool):
        pts = design_points(exp)
        if not 0 <= int(row) < len(pts):
            raise IndexError(f"design point {row} does not exist (0 .. {len(pts) - 1})")
        return pts.iloc[int(row)]
    return row


def point_raw(exp: Experiment, row: Any) -> dict:
    """Return the raw scenario dictionary of a design point (a design_points row or its number)."""
    r = _row(exp, row)
    raw = exp.entry(str(r["scenario"])).raw
    for path in exp.parameter_paths:
        p = exp.parameters[path]
        raw = parameters.apply(raw, path, parameters.coerce(path, r[path]),
                               source=p.origin[0], field=p.origin[1])
    return raw


def point_config(exp: Experiment, row: Any) -> Config:
    """Return the numeric configuration of a design point (validated; meetings override applied)."""
    r = _row(exp, row)
    entry = exp.entry(str(r["scenario"]))
    return build_config(parse_scenario(point_raw(exp, r), str(entry.path)))


def _culprit(exp: Experiment, problem_field: str) -> Parameter | None:
    """Find the swept parameter a scenario problem is about, if it can be told."""
    for p in exp.parameters.values():
        t = parameters.parse_path(p.path)
        head = problem_field.split(".")[0].split("[")[0]
        if head == t.table and (f".{t.field}" in problem_field or problem_field == t.table):
            if t.selector in (None, "*") or t.table == "rivalries" or f".{t.selector}." in f"{problem_field}.":
                return p
    if len(exp.parameters) == 1:
        return next(iter(exp.parameters.values()))
    return None


def check(exp: Experiment) -> None:
    """Validate every design point before any simulation; the first bad point is an InputError.

    The error names the parameter's origin (the experiment file and ``parameters.<path>``, or
    ``--set`` and the expression), the point, its values and what the scenario schema expected.
    """
    pts = design_points(exp)
    paths = exp.parameter_paths
    for rec in pts.to_dict("records"):
        try:
            point_config(exp, rec)
        except InputError as exc:
            p = exc.problems[0]
            culprit = _culprit(exp, p.field)
            source, where = culprit.origin if culprit else (exp.source, "parameters")
            values = ", ".join(f"{k}={rec[k]!r}" for k in paths)
            scen = f"scenario {rec['scenario']!r}" + (f", {values}" if values else "")
            raise InputError([Problem(source, where, f"design point {rec['point']} ({scen}): "
                                      f"{p.field + ': ' if p.field else ''}{p.message}")]) from None


# --------------------------------------------------------------------------- hashing


def experiment_hash(exp: Experiment) -> str:
    """Hash the experiment: SHA-256 over its inputs.

    Covers the experiment file (or the canonical command-line form), every scenario file it uses
    (with the files they extend) and the command-line overrides.
    """
    h = hashlib.sha256(b"sco-sim experiment v1\0")
    if exp.cli is not None:
        h.update(json.dumps(exp.cli, sort_keys=True, separators=(",", ":")).encode())
    elif exp.path is not None:
        h.update(exp.path.read_bytes())
    h.update(b"\0")
    for s in exp.scenarios:
        h.update(scenario_hash(s.path).encode())
    h.update(b"\0")
    h.update(json.dumps(exp.overrides, sort_keys=True, separators=(",", ":"), default=str).encode())
    return h.hexdigest()


# --------------------------------------------------------------------------- attribution


def attribution(run_rows: pd.DataFrame, exp: Experiment, metric: str | None = None) -> pd.DataFrame:
    """Attribute the change in a metric between successive scenarios to the members added.

    For every chain in ``exp.attributions`` (``[attribution]`` of the file; without one, the
    scenarios in file order) and every consecutive pair of its labels, the rows of the later
    scenario are paired with those of the earlier one by replication (the same random streams,
    common random numbers) and the per-replication difference is averaged, with a 95% Student-t
    interval. ``run_rows`` needs the columns ``scenario``, ``replication`` and the metric; if it
    also has parameter columns the attribution is done separately for each parameter combination.

    Columns of the result: chain, step (1, 2, ...), from, to, added, removed (member names joined
    with ", "), metric, from_mean, to_mean, difference, ci_low, ci_high, replications, then the
    parameter columns.
    """
    chains = exp.attributions or [Attribution("expansion", exp.labels)]
    keys = [k for k in exp.parameter_paths if k in run_rows.columns]
    need = {"scenario", "replication"}
    missing = need - set(run_rows.columns)
    if missing:
        raise ValueError(f"run rows lack the columns {sorted(missing)}")
    out = []
    for chain in chains:
        m = metric or chain.metric
        if m not in run_rows.columns:
            raise InputError([Problem("results", m, "no such metric in the run rows; columns are "
                                      f"{[c for c in run_rows.columns if c not in ('scenario', 'point')]}")])
        for step, (a, b) in enumerate(zip(chain.steps, chain.steps[1:]), start=1):
            ea, eb = exp.entry(a), exp.entry(b)
            added = [n for n in eb.members if n not in ea.members]
            removed = [n for n in ea.members if n not in eb.members]
            ra = run_rows.loc[run_rows["scenario"] == a, ["replication", *keys, m]]
            rb = run_rows.loc[run_rows["scenario"] == b, ["replication", *keys, m]]
            if ra.empty or rb.empty:
                raise ValueError(f"no run rows for scenario {a if ra.empty else b!r}")
            paired = ra.merge(rb, on=["replication", *keys], suffixes=("_from", "_to"))
            groups = paired.groupby(keys, sort=False) if keys else [((), paired)]
            for gkey, g in groups:
                x, y = g[f"{m}_from"].to_numpy(float), g[f"{m}_to"].to_numpy(float)
                d, lo, hi = paired_ci(y, x)
                rec = {"chain": chain.name, "step": step, "from": a, "to": b,
                       "added": ", ".join(added), "removed": ", ".join(removed), "metric": m,
                       "from_mean": float(x.mean()), "to_mean": float(y.mean()),
                       "difference": d, "ci_low": lo, "ci_high": hi, "replications": len(g)}
                gkey = gkey if isinstance(gkey, tuple) else (gkey,)
                rec.update(dict(zip(keys, gkey)))
                out.append(rec)
    cols = ["chain", "step", "from", "to", "added", "removed", "metric", "from_mean", "to_mean",
            "difference", "ci_low", "ci_high", "replications", *keys]
    return pd.DataFrame(out, columns=cols)
