"""Dotted parameter paths into a scenario, and the ``--set`` expressions that give their values.

A *parameter* names one field of a scenario file (after ``extends`` has been merged):

=====================================  ===========================================================
``negotiation.max_rounds``             any ``table.field`` (``scenario``, ``space``, ``rule``,
                                       ``agenda``, ``negotiation``, ``status_quo``, ``generate``)
``members.India.tolerance``            one member's field (by name)
``members.*.tolerance``                that field of every member
``rivalries.India-Pakistan.intensity`` one rivalry (either order of the pair); ``rivalries.*.intensity``
                                       sets every rivalry
``members.India.ideal[2]``             one coordinate of a vector field, by position ...
``members.India.ideal.connectivity``   ... or by dimension name (``[space] dimensions``)
=====================================  ===========================================================

:func:`apply` sets a path in a deep copy of the raw scenario dictionary; the values themselves are
checked afterwards by :func:`sco_sim.inputs.scenario.parse_scenario`, so a wrong type or an out-of-range
number is a one-line error like any other bad scenario field.

:func:`parse_set` reads the command line's ``--set path=values`` expressions:

* ``path=v1,v2,v3``: a list of values. Numbers are ints when written as integers (``4``), floats
  otherwise (``0.5``, ``1e-3``); ``true`` / ``false`` are booleans; anything else is a string
  (``rule.type=unanimity,majority``).
* ``path=lo:hi:n``: ``n`` evenly spaced values from ``lo`` to ``hi`` inclusive (``numpy.linspace``);
  ints when ``lo`` and ``hi`` are written as integers and every value is a whole number; floats
  are rounded to 12 significant digits so that ``0:0.3:7`` gives ``0.05``, not ``0.0499...``.
* ``path=lo:hi``: a :class:`Range` (not a list) for the sampling designs (``lhs``, ``random``,
  ``sobol``, ``morris``); a factorial design rejects it.
"""

from __future__ import annotations

import copy
import math
import re
import typing
from typing import Any, NamedTuple

import numpy as np
from pydantic import BaseModel

from .errors import InputError, Problem
from .scenario import Scenario

#: top-level tables a parameter may name, each with its schema (``members`` / ``rivalries`` are lists)
TABLES: dict[str, type[BaseModel]] = {}
for _name, _f in Scenario.model_fields.items():
    # Optional tables (``X | None``) and lists (``list[X]``) both lead to the model X.
    _ann = _f.annotation
    while typing.get_origin(_ann) is not None:
        _ann = next(a for a in typing.get_args(_ann) if a is not type(None))
    TABLES[_name] = _ann
del _name, _f, _ann

#: fields that make no sense as parameters (merging has already happened; names are identities)
FIXED = {("scenario", "extends"), ("members", "name"), ("rivalries", "members")}

_INDEX = re.compile(r"^(?P<field>[^\[\]]+)\[(?P<index>-?\d+)\]$")


class Range(NamedTuple):
    """``lo:hi`` from a ``--set`` expression: a continuous range for sampling designs."""

    low: float
    high: float


# --------------------------------------------------------------------------- schema look-ups


def _fields(table: str) -> list[str]:
    model = TABLES[table]
    return [f for f in model.model_fields if (table, f) not in FIXED]


def _scalar_kind(annotation: Any) -> str | None:
    """``"int"``, ``"float"``, ``"bool"`` or ``"str"`` for a scalar annotation, else None."""
    if annotation in (int, float, bool, str):
        return annotation.__name__
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _scalar_kind(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return "str"
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        kinds = {_scalar_kind(a) for a in typing.get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else None
    return None


def _element_kind(annotation: Any) -> str | None:
    """Return the scalar kind of a vector field's elements (``list[float]`` -> ``"float"``)."""
    for a in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(a) is list:
            return _scalar_kind(typing.get_args(a)[0])
        if typing.get_origin(a) is typing.Annotated:
            inner = _element_kind(typing.get_args(a)[0])
            if inner:
                return inner
    return None


class Target(NamedTuple):
    """Where a path points: table, optional member / rivalry selector, field, optional element."""

    table: str
    selector: str | None  # member name, "A-B", "*" or None for a plain table
    field: str
    element: int | str | None  # index or dimension name into a vector field


def _fail(source: str, field: str, message: str) -> InputError:
    return InputError([Problem(source, field, message)])


def parse_path(path: str, source: str = "<set>", field: str | None = None) -> Target:
    """Split a dotted path into its parts and check it against the schema (not against a file)."""
    where = field if field is not None else path
    if not isinstance(path, str) or not path.strip():
        raise _fail(source, where, "expected a dotted parameter path such as negotiation.max_rounds")
    parts = path.strip().split(".")
    if any(not p for p in parts):
        raise _fail(source, where, f"empty part in parameter path {path!r}")
    table = parts[0]
    if table not in TABLES:
        raise _fail(source, where, f"unknown table {table!r} in {path!r}; expected one of "
                    f"{sorted(TABLES)} (e.g. negotiation.max_rounds, members.India.tolerance)")
    rest = parts[1:]
    selector: str | None = None
    if table in ("members", "rivalries"):
        example = ("members.<name>.tolerance or members.*.tolerance" if table == "members"
                   else "rivalries.<A>-<B>.intensity or rivalries.*.intensity")
        if len(rest) < 2:
            raise _fail(source, where, f"{path!r} is incomplete; expected {example}")
        selector, rest = rest[0], rest[1:]
    if not rest:
        raise _fail(source, where, f"{path!r} names a table, not a field; expected one of "
                    f"{[f'{table}.{f}' for f in _fields(table)]}")
    head = rest[0]
    element: int | str | None = None
    m = _INDEX.match(head)
    if m:
        head, element = m.group("field"), int(m.group("index"))
    if len(rest) > 2 or (len(rest) == 2 and element is not None):
        raise _fail(source, where, f"{path!r} has too many parts after the field {head!r}; expected "
                    f"{table}{'.' + selector if selector else ''}.{head}, .{head}[i] or .{head}.<dimension>")
    if len(rest) == 2:
        element = rest[1]
    model = TABLES[table]
    if head not in _fields(table):
        raise _fail(source, where, f"unknown field {head!r} in {path!r}; [{table}] fields are "
                    f"{_fields(table)}")
    if element is not None and _element_kind(model.model_fields[head].annotation) is None \
            and not _is_list_field(model, head):
        raise _fail(source, where, f"{table}.{head} is not a vector; {path!r} cannot index into it")
    return Target(table, selector, head, element)


def _is_list_field(model: type[BaseModel], field: str) -> bool:
    ann = model.model_fields[field].annotation
    return any(typing.get_origin(a) is list for a in (ann, *typing.get_args(ann)))


def kind(path: str) -> str | None:
    """Scalar kind a path's value must have: ``"int"``, ``"float"``, ``"bool"``, ``"str"`` or None.

    None means the field takes something else (a list, or a number-or-list such as
    ``generate.salience``); sweeps then pass values through unchanged.
    """
    t = parse_path(path)
    ann = TABLES[t.table].model_fields[t.field].annotation
    return _element_kind(ann) if t.element is not None else _scalar_kind(ann)


def coerce(path: str, value: Any) -> Any:
    """Give a value the Python type its field expects where that is lossless.

    Whole floats become ints for int fields (``2.0`` -> ``2``), ints become floats for float fields,
    numpy scalars become Python scalars. Anything else is returned as it is for pydantic to judge.
    """
    if isinstance(value, np.generic):
        value = value.item()
    k = kind(path)
    if isinstance(value, bool):
        return value
    if k == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    if k == "float" and isinstance(value, int):
        return float(value)
    return value


# --------------------------------------------------------------------------- apply


def _element_index(raw: dict, element: int | str, vec: Any, path: str, source: str, where: str) -> int:
    dims = raw.get("space", {}).get("dimensions") if isinstance(raw.get("space"), dict) else None
    if isinstance(element, str):
        if not isinstance(dims, list) or element not in dims:
            raise _fail(source, where, f"unknown dimension {element!r} in {path!r}; dimensions are "
                        f"{dims if isinstance(dims, list) else '(none: the scenario has no [space] table)'}")
        i = dims.index(element)
    else:
        i = element
    n = len(vec)
    if not -n <= i < n:
        raise _fail(source, where, f"index {i} is out of range in {path!r}: the vector has {n} values")
    return i % n


def _set_field(table_dict: dict, raw: dict, t: Target, value: Any, path: str, source: str,
               where: str, owner: str) -> None:
    if t.element is None:
        table_dict[t.field] = value
        return
    vec = table_dict.get(t.field)
    if not isinstance(vec, list):
        what = "is not set" if vec is None else f"is {vec!r}, not a list"
        raise _fail(source, where, f"{owner}.{t.field} {what} in the scenario, so {path!r} cannot set "
                    "one of its values; set the whole field instead")
    i = _element_index(raw, t.element, vec, path, source, where)
    vec = list(vec)
    vec[i] = value
    table_dict[t.field] = vec


def apply(raw: dict, path: str, value: Any, source: str = "<set>", field: str | None = None) -> dict:
    """Return a deep copy of the raw scenario dictionary with ``path`` set to ``value``.

    ``source`` and ``field`` name the place the path came from in error messages (``field``
    defaults to the path itself). Unknown tables, fields, members, rivalries and dimensions raise
    an :class:`InputError` naming the path and what was expected; the value is not checked here.
    """
    where = field if field is not None else path
    t = parse_path(path, source, field)
    out = copy.deepcopy(raw)
    if isinstance(value, np.generic):
        value = value.item()
    if t.table == "members":
        members = out.get("members")
        if not isinstance(members, list):
            hint = " it generates its members ([generate]); use generate.<field>" \
                if isinstance(out.get("generate"), dict) else ""
            raise _fail(source, where, f"the scenario has no [[members]] for {path!r};{hint}")
        names = [m.get("name") for m in members if isinstance(m, dict)]
        if t.selector == "*":
            chosen = [m for m in members if isinstance(m, dict)]
        else:
            chosen = [m for m in members if isinstance(m, dict) and m.get("name") == t.selector]
            if not chosen:
                raise _fail(source, where, f"unknown member {t.selector!r} in {path!r}; members are {names}")
        for m in chosen:
            _set_field(m, out, t, value, path, source, where, f"members.{m.get('name')}")
        return out
    if t.table == "rivalries":
        rivalries = out.get("rivalries")
        rivalries = rivalries if isinstance(rivalries, list) else []
        pairs = [r for r in rivalries if isinstance(r, dict) and isinstance(r.get("members"), list)]
        keys = ["-".join(map(str, r["members"])) for r in pairs]
        if t.selector == "*":
            chosen = pairs
            if not chosen:
                raise _fail(source, where, f"the scenario has no [[rivalries]] for {path!r}")
        else:
            chosen = [r for r in pairs if _pair_matches(t.selector, r["members"])]
            if not chosen:
                raise _fail(source, where, f"no rivalry {t.selector!r} in {path!r}; rivalries are "
                            f"{keys or '(none)'} (either order of the pair)")
        for r in chosen:
            _set_field(r, out, t, value, path, source, where, f"rivalries.{t.selector}")
        return out
    table = out.get(t.table)
    if table is None:
        if t.table == "generate":
            raise _fail(source, where, f"the scenario has fixed [[members]], not [generate], so "
                        f"{path!r} does not apply; use members.<name>.<field> or members.*.<field>")
        table = out[t.table] = {}
    if not isinstance(table, dict):
        raise _fail(source, where, f"[{t.table}] is not a table in the scenario")
    _set_field(table, out, t, value, path, source, where, t.table)
    return out


def _pair_matches(selector: str, members: list) -> bool:
    """``"A-B"`` names the rivalry between A and B in either order (names may contain '-')."""
    a, b = (str(x) for x in members[:2]) if len(members) >= 2 else ("", "")
    return selector in (f"{a}-{b}", f"{b}-{a}")


# --------------------------------------------------------------------------- --set expressions

_INT = re.compile(r"^[+-]?[0-9]+$")
#: numbers in ``--set`` lie in [-MAX_NUMBER, MAX_NUMBER] (far beyond any scenario field's bound)
MAX_NUMBER = 1e15
#: values of one ``lo:hi:n`` grid or ``v1,v2,...`` list, and characters of one expression
MAX_GRID = 10_000
MAX_EXPRESSION = 10_000


def parse_value(text: str) -> Any:
    """One literal: int if written as an integer, float if a number, bool for true/false, else str.

    Only ASCII digits make numbers (``٣`` stays text), and only finite ones (``1e309`` and ``inf``
    stay text), so the schema rejects them with its own message.
    """
    s = text.strip()
    if not s.isascii():
        return s
    if _INT.match(s):
        return int(s) if len(s.lstrip("+-")) <= 16 else s
    low = s.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        value = float(s)
    except ValueError:
        return s
    return value if math.isfinite(value) else s


def _number(text: str) -> float | int | None:
    v = parse_value(text)
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def parse_set(expr: str) -> tuple[str, list | Range]:
    """Parse ``path=v1,v2``, ``path=lo:hi:n`` or ``path=lo:hi`` into ``(path, values)``.

    ``values`` is a list for the first two forms and a :class:`Range` for ``lo:hi``. The path is
    checked against the schema (unknown tables and fields are errors) but not against a scenario.
    Errors are :class:`InputError` with source ``--set`` and the expression as the field.
    """

    def bad(message: str) -> InputError:
        return _fail("--set", expr, message)

    if isinstance(expr, str) and len(expr) > MAX_EXPRESSION:
        raise bad(f"the expression is {len(expr):,} characters long; the limit is {MAX_EXPRESSION:,}")
    if not isinstance(expr, str) or "=" not in expr:
        raise bad("expected path=values, e.g. negotiation.max_rounds=0,1,2 or "
                  "members.India.tolerance=0:0.3:7")
    path, _, rhs = expr.partition("=")
    path, rhs = path.strip(), rhs.strip()
    if not path:
        raise bad("missing parameter path before '='")
    parse_path(path, "--set", expr)
    if not rhs:
        raise bad("no values after '='; expected v1,v2,... or lo:hi:n or lo:hi")
    if ":" in rhs and "," not in rhs:
        parts = [p.strip() for p in rhs.split(":")]
        if len(parts) not in (2, 3) or any(not p for p in parts):
            raise bad("expected lo:hi:n (n evenly spaced values) or lo:hi (a range for sampling designs)")
        lo, hi = _number(parts[0]), _number(parts[1])
        if lo is None or hi is None:
            raise bad(f"range ends must be numbers (finite, in ASCII digits), got {parts[0]!r} "
                      f"and {parts[1]!r}")
        if max(abs(lo), abs(hi)) > MAX_NUMBER:
            raise bad(f"range ends must lie within ±{MAX_NUMBER:g}, got {lo} and {hi}")
        if len(parts) == 2:
            if not lo < hi:
                raise bad(f"expected lo < hi in a range, got {lo} and {hi}")
            return path, Range(lo, hi)
        n = parse_value(parts[2])
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise bad(f"the number of values n in lo:hi:n must be an integer >= 1, got {parts[2]!r}")
        if n > MAX_GRID:
            raise bad(f"a grid of {n:,} values; the limit is {MAX_GRID:,} values per parameter")
        grid = np.linspace(lo, hi, n) if n > 1 else np.array([lo], dtype=float)
        ints = isinstance(lo, int) and isinstance(hi, int) and all(float(v).is_integer() for v in grid)
        # 12 significant digits: 0:0.3:7 gives 0.05, not 0.049999999999999996
        return path, [int(round(v)) if ints else float(f"{v:.12g}") for v in grid]
    items = [p.strip() for p in rhs.split(",")]
    if any(not p for p in items):
        raise bad("empty value in the list; expected v1,v2,... with no empty entries")
    if len(items) > MAX_GRID:
        raise bad(f"{len(items):,} values; the limit is {MAX_GRID:,} values per parameter")
    values = [parse_value(p) for p in items]
    for v in values:
        if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) > MAX_NUMBER:
            raise bad(f"values must lie within ±{MAX_NUMBER:g}, got {v}")
    return path, values
