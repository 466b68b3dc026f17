"""Declared uncertainty of a scenario's inputs: the ``[[uncertain]]`` entries, checked and mapped.

Every coded assumption of a scenario file can say how wrong it could plausibly be::

    [[uncertain]]
    path = "members.India.ideal.connectivity"   # a --set path (sco_sim.inputs.parameters)
    low = 0.0
    high = 0.3
    distribution = "uniform"                     # or "triangular" (mode), "normal" (sd), "categorical"
    reason = "coded 0.1 (rejects BRI); one level of the five-level scale either way"
    group = "India positions"                    # optional: one factor of the sensitivity analysis

Categorical inputs give ``values = ["major", "minor"]`` instead of a range (each value equally
likely). A "triangular" input peaks at ``mode`` (default: the file's value); a "normal" one is
centred on ``mode`` (default: the file's value) with standard deviation ``sd``, truncated to
``[low, high]``. Integer fields (``agenda.items_per_meeting``) take whole numbers only.

``group``: inputs with the same group are analysed as ONE factor (one Sobol index; the Saltelli
design swaps them together), each still drawn from its own distribution independently (SALib's
groups). Without a group an input is its own factor.

:func:`Input.value` maps a point ``u`` of the unit interval to a value (the quantile function), so
a sampling design in the unit cube gives the same input values to every configuration that
declares the same path the same way (common input draws).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from .errors import InputError, Problem
from .parameters import apply, coerce, kind, parse_path
from .scenario import Scenario, Uncertain, parse_scenario


@dataclass(frozen=True)
class Input:
    """One declared uncertain input: where it is, its distribution, and why it is uncertain."""

    path: str
    distribution: str  # "uniform", "triangular", "normal" or "categorical"
    low: float | None
    high: float | None
    values: tuple[Any, ...] | None
    centre: float | None  # the triangular mode or the normal mean
    sd: float | None
    integer: bool
    reason: str
    group: str | None

    @property
    def factor(self) -> str:
        """The factor this input belongs to in a sensitivity analysis (its group, or its path)."""
        return self.group or self.path

    def value(self, u: float) -> Any:
        """The input's value at quantile ``u`` in [0, 1] (clipped)."""
        u = min(max(float(u), 0.0), 1.0)
        if self.distribution == "categorical":
            assert self.values is not None
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        lo, hi = float(self.low), float(self.high)  # type: ignore[arg-type]
        if self.distribution == "uniform" and self.integer:
            return int(min(hi, math.floor(lo + u * (hi - lo + 1))))
        if self.distribution == "uniform":
            x = lo + u * (hi - lo)
        elif self.distribution == "triangular":
            c = (self.centre - lo) / (hi - lo)  # type: ignore[operator]
            x = float(stats.triang.ppf(u, c, loc=lo, scale=hi - lo))
        else:
            a, b = (lo - self.centre) / self.sd, (hi - self.centre) / self.sd  # type: ignore[operator]
            x = float(stats.truncnorm.ppf(u, a, b, loc=self.centre, scale=self.sd))
        x = min(max(x, lo), hi)
        return int(round(x)) if self.integer else x


def value_at(raw: dict, path: str) -> list[Any]:
    """The file's current value(s) at ``path`` (several for ``members.*.field``); [] if unset."""
    t = parse_path(path)
    if t.table == "members":
        rows = [m for m in raw.get("members") or [] if isinstance(m, dict)
                and (t.selector == "*" or m.get("name") == t.selector)]
    elif t.table == "rivalries":
        rows = [r for r in raw.get("rivalries") or [] if isinstance(r, dict) and (
            t.selector == "*" or t.selector in ("-".join(map(str, r.get("members", []))),
                                                "-".join(map(str, reversed(r.get("members", []))))))]
    else:
        rows = [raw[t.table]] if isinstance(raw.get(t.table), dict) else []
    out = []
    dims = (raw.get("space") or {}).get("dimensions") or []
    for row in rows:
        if t.field not in row:
            continue
        v = row[t.field]
        if t.element is not None and isinstance(v, list):
            i = dims.index(t.element) if isinstance(t.element, str) else t.element
            v = v[i]
        out.append(v)
    return out


def _to_input(u: Uncertain, current: list[Any]) -> Input:
    categorical = u.values is not None
    dist = "categorical" if categorical else u.distribution
    path_kind = kind(u.path)
    centre = u.mode
    if centre is None and current and dist in ("triangular", "normal"):
        centre = float(current[0])
    return Input(path=u.path, distribution=dist, low=u.low, high=u.high,
                 values=tuple(u.values) if categorical else None, centre=centre, sd=u.sd,
                 integer=path_kind == "int" and not categorical, reason=u.reason.strip(),
                 group=u.group)


def _problems_of(u: Uncertain, i: int, raw: dict, src: str) -> list[Problem]:
    """Everything wrong with one declaration, checked against the merged file ``raw``."""
    f = f"uncertain[{i}]"
    bad: list[Problem] = []

    def fail(field: str, msg: str) -> list[Problem]:
        bad.append(Problem(src, f"{f}.{field}" if field else f, msg))
        return bad

    if not u.reason.strip():
        return fail("reason", "expected a non-empty reason saying why the input is uncertain")
    if u.group is not None and not u.group.strip():
        return fail("group", "expected a non-empty group name (or no group)")
    try:
        apply(raw, u.path, None, src, f"{f}.path")  # the path resolves in this file
        current = value_at(raw, u.path)
        if not current:
            return fail("path", f"{u.path!r} is not set in the scenario; declare the uncertainty of a "
                        "number the file gives")
    except InputError as exc:
        return exc.problems[:1]
    explicit = u.model_fields_set
    if u.values is not None:
        if "distribution" in explicit and u.distribution != "categorical":
            return fail("distribution", f"values are categorical; a {u.distribution!r} distribution needs "
                        "low and high instead of values")
        if u.low is not None or u.high is not None:
            return fail("values", "give either values (categorical) or low and high (a range), not both")
        if len(u.values) < 2 or len(set(map(repr, u.values))) != len(u.values):
            return fail("values", "expected at least two distinct values")
        for v in current:
            if v not in u.values:
                return fail("values", f"the file's value {v!r} is not among the declared values {u.values}")
    else:
        if u.distribution == "categorical":
            return fail("values", "a categorical input needs values = [...]")
        if u.low is None or u.high is None:
            return fail("low" if u.low is None else "high", "expected low and high (a range) or values")
        if not u.low < u.high:
            return fail("high", f"expected low < high, got {u.low} and {u.high}")
        for v in current:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return fail("path", f"{u.path!r} holds {v!r}, not a number; use values = [...]")
            if not u.low <= v <= u.high:
                return fail("low", f"the range [{u.low}, {u.high}] does not contain the file's value {v}")
        if kind(u.path) == "int" and not (float(u.low).is_integer() and float(u.high).is_integer()):
            return fail("low", f"{u.path} takes whole numbers; expected whole-number low and high")
        if u.distribution == "triangular" and u.mode is None and len({float(v) for v in current}) > 1:
            return fail("mode", "the path has several values in the file; give the triangular mode")
        if u.mode is not None and not u.low <= u.mode <= u.high:
            return fail("mode", f"expected the mode inside [{u.low}, {u.high}], got {u.mode}")
        if u.distribution == "normal" and u.sd is None:
            return fail("sd", "a normal distribution needs sd (it is truncated to [low, high])")
        if u.distribution == "uniform" and (u.mode is not None or u.sd is not None):
            return fail("distribution", "mode and sd apply to triangular and normal distributions")
    return bad


def _ends(u: Uncertain) -> list[Any]:
    """The values that bound a declaration: its range's two ends, or its categories."""
    return list(u.values) if u.values is not None else [u.low, u.high]


def _end_problems(u: Uncertain, i: int, raw: dict, src: str) -> list[Problem]:
    """Each end of one declaration's range must give a valid scenario by itself."""
    for v in _ends(u):
        try:
            parse_scenario(apply(raw, u.path, coerce(u.path, v), src, f"uncertain[{i}].path"), src)
        except InputError as exc:
            p = exc.problems[0]
            field = "low" if u.values is None else "values"
            return [Problem(src, f"uncertain[{i}].{field}",
                            f"the value {v!r} gives an invalid scenario ({p.field}: {p.message})")]
    return []


def declaration_problems(raw: dict, scn: Scenario, src: str) -> list[Problem]:
    """Every problem of a file's ``[[uncertain]]`` entries (path, range, reason, duplicates).

    The ends of the ranges are tried all at once (every low together, every high together) and
    one by one only if that fails, so a file with a hundred declarations still loads quickly.
    """
    raw = {k: v for k, v in raw.items() if k != "uncertain"}
    out: list[Problem] = []
    seen: set[str] = set()
    good: list[tuple[int, Uncertain]] = []
    for i, u in enumerate(scn.uncertain):
        if u.path in seen:
            out.append(Problem(src, f"uncertain[{i}].path", f"{u.path!r} is declared twice"))
            continue
        seen.add(u.path)
        found = _problems_of(u, i, raw, src)
        out += found
        if not found:
            good.append((i, u))
    for end in (0, -1):
        try:
            trial = raw
            for i, u in good:
                trial = apply(trial, u.path, coerce(u.path, _ends(u)[end]), src, f"uncertain[{i}].path")
            parse_scenario(trial, src)
        except InputError:
            for i, u in good:
                out += _end_problems(u, i, raw, src)
            break
    return out


def declarations(raw: dict, scn: Scenario) -> list[Input]:
    """The scenario's declared inputs (already checked by :func:`sco_sim.inputs.scenario.load_scenario`)."""
    return [_to_input(u, value_at(raw, u.path)) for u in scn.uncertain]


def draw_values(inputs: list[Input], unit: np.ndarray, columns: dict[str, int]) -> list[dict[str, Any]]:
    """Map the rows of a unit-cube design to ``{path: value}``, reading column ``columns[path]``."""
    return [{inp.path: inp.value(row[columns[inp.path]]) for inp in inputs} for row in np.atleast_2d(unit)]


def markdown_table(files: list[str]) -> str:
    """The declared inputs of scenario files as Markdown tables (one per file, its own entries only).

    ``python -c "from sco_sim.inputs.uncertain import markdown_table; print(markdown_table([...]))"``
    writes the table of docs/DATA.md; a test checks that DATA.md lists every declared path.
    """
    from pathlib import Path

    from .scenario import read_toml

    out = []
    for f in files:
        own = read_toml(Path(f)).get("uncertain") or []
        if not own:
            continue
        out.append(f"**{Path(f).name}** ({len(own)} declared here; a file also inherits its parent's)\n")
        out.append("| path | range | distribution | group | reason |")
        out.append("|---|---|---|---|---|")
        for u in own:
            rng = ", ".join(map(str, u["values"])) if "values" in u else f"{u['low']} – {u['high']}"
            dist = "categorical" if "values" in u else u.get("distribution", "uniform")
            out.append(f"| `{u['path']}` | {rng} | {dist} | {u.get('group', '')} | {u['reason']} |")
        out.append("")
    return "\n".join(out)
