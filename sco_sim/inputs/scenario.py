"""Scenario files: the TOML schema, `extends`, and every check a user's file must pass.

The schema is pydantic with ``extra="forbid"`` so a misspelled field is an error rather than a
silently ignored default; cross-field checks (vector lengths, member names in rivalries, ...)
run after parsing so that each problem still names its field.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import stat
import tomllib
import unicodedata
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from .errors import InputError, Problem

PROPOSERS = ("rotating_chair", "capability_weighted", "major_powers", "random")
DRAFTING = ("step", "setter", "compromise")

# --------------------------------------------------------------------------- limits
# Sizes are bounded so that a mistyped number fails at once with its limit instead of filling
# memory or running for hours; each limit is far above any use seen so far (docs/MODEL.md §8).

#: meetings of a run (the SCO held 25 summits 2001-2025)
MAX_MEETINGS = 1_000
#: agenda items per meeting
MAX_ITEMS = 100
#: members of a scenario ([[members]] or [generate])
MAX_MEMBERS = 1_000
#: policy dimensions
MAX_DIMENSIONS = 50
#: every number in a scenario file lies in [-MAX_ABS, MAX_ABS]: squared distances, capability
#: totals and tolerances then stay far from float overflow (1.8e308) and keep their digits
MAX_ABS = 1e6
#: characters of a name (member, dimension, scenario) and of a description
MAX_NAME = 100
MAX_DESCRIPTION = 10_000
#: bytes of a scenario or experiment file, and of every file it extends
MAX_FILE_BYTES = 1_000_000
#: files in an ``extends`` chain, and levels of nested tables / arrays in one file
MAX_EXTENDS = 16
MAX_NESTING = 32
MAX_DOTS_PER_LINE = 1_000
#: the bundled scenarios folder (an ``extends`` may always point into it)
BUNDLED_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _number_only(value: Any) -> Any:
    """TOML's true/false and strings are not numbers (pydantic would read true as 1.0, "1.5" as 1.5)."""
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, str):
        raise ValueError("expected a number, got a string (write 1.5, not \"1.5\")")
    return value


def _control_free(value: str) -> str:
    """Names reach terminals and reports: control characters (ESC, CR, bidi overrides) are refused."""
    bad = [c for c in value if unicodedata.category(c) == "Cc" or c in _BIDI]
    if bad:
        raise ValueError(f"control character {bad[0]!r} is not allowed in a name")
    return value


def _text_control_free(value: str) -> str:
    """Descriptions may span lines (newline, tab) but hold no other control characters."""
    return _control_free(value.replace("\n", "").replace("\t", ""))


_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NUMBER = BeforeValidator(_number_only)
Finite = Annotated[float, Field(ge=-MAX_ABS, le=MAX_ABS, allow_inf_nan=False), _NUMBER]
NonNeg = Annotated[float, Field(ge=0.0, le=MAX_ABS, allow_inf_nan=False), _NUMBER]
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False), _NUMBER]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME), AfterValidator(_control_free)]

_FRACTION = re.compile(r"^\s*([0-9]{1,9})\s*/\s*([0-9]{1,9})\s*$")


def _threshold(value: Any) -> Any:
    """A threshold is a number or an exact fraction "p/q" (a weighted game's quota, e.g. "12/17")."""
    if isinstance(value, str):
        m = _FRACTION.match(value)
        if m is None or int(m[2]) == 0:
            raise ValueError("expected a number or a fraction \"p/q\" such as \"2/3\"")
        return float(Fraction(int(m[1]), int(m[2])))
    return _number_only(value)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)


class ScenarioMeta(_Strict):
    """`[scenario]`: the name, the run length and (optionally) a file this one extends."""

    name: Name
    meetings: int = Field(strict=True, ge=1, le=MAX_MEETINGS)
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION), AfterValidator(_text_control_free)] = ""
    extends: str | None = None


class Space(_Strict):
    """`[space]`: named policy dimensions and the box positions live in (unit box by default)."""

    dimensions: list[Name] = Field(min_length=1, max_length=MAX_DIMENSIONS)
    bounds: list[tuple[Finite, Finite]] | None = None

    @field_validator("dimensions")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("dimension names must be unique")
        if any(not d for d in v):
            raise ValueError("dimension names must be non-empty")
        return v


class Rule(_Strict):
    """`[rule]`: how votes aggregate. Unanimity is the SCO Charter's consensus (art. 16)."""

    type: Literal["unanimity", "consensus_minus_one", "majority"] = "unanimity"
    # A number, or an exact fraction "p/q" (e.g. "12/17" for a weighted game's quota).
    threshold: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False),
                         BeforeValidator(_threshold)] | None = None
    weighted: bool = False
    # The SCO's way around a lone objector (since 2018 the Belt and Road paragraph names every
    # member except India): an item blocked by at most this many objectors is adopted as a text
    # of the others, with the objectors on record. 0 = off.
    subset_texts: int = Field(strict=True, default=0, ge=0, le=MAX_MEMBERS)
    subset_moves_status_quo: bool = True
    # The first meeting (1-based) at which subset texts are used (the SCO's practice dates from 2018).
    subset_texts_from: int = Field(strict=True, default=1, ge=1, le=MAX_MEETINGS)


class Agenda(_Strict):
    """`[agenda]`: how many items a meeting takes up, who drafts them, which issue areas."""

    items_per_meeting: int = Field(strict=True, ge=1, le=MAX_ITEMS)
    proposer: Literal[PROPOSERS] = "rotating_chair"  # type: ignore[valid-type]
    issue_shares: list[NonNeg] | None = None
    package_probability: Unit = 0.0
    package_size: int = Field(strict=True, default=2, ge=1, le=MAX_DIMENSIONS)
    deadlocked: Literal["drop", "carry_over"] = "drop"
    first_chair: str | None = None
    # The chair of each meeting in order (member names), e.g. taken from the SCO's record
    # (sco_sim/case/data/summits.csv); one per meeting. Overrides the rotation from first_chair.
    chairs: list[Annotated[str, Field(min_length=1)]] | None = None
    # "Major powers lead" (the 2+4 pattern): the share of items tabled by a major power (drawn
    # by capability among the majors present) instead of by the proposer rule above.
    major_agenda_share: Unit = 0.0


class Negotiation(_Strict):
    """`[negotiation]`: drafting method and the consultation that follows an objection."""

    drafting: Literal[DRAFTING] = "step"  # type: ignore[valid-type]
    max_rounds: int = Field(strict=True, default=2, ge=0, le=1000)
    concession: Unit = 0.5
    proposal_step: Unit = 0.5
    noise: NonNeg = 0.0
    setter_noise: NonNeg = 0.0


class StatusQuo(_Strict):
    """`[status_quo]`: the starting policy, or "uniform" for a fresh random one per item."""

    position: list[Finite] | Literal["uniform"]
    drift: NonNeg = 0.0
    fixed: bool = False


class Member(_Strict):
    """One `[[members]]` entry: a member state and its interests."""

    name: Name
    name_ru: Name | None = None
    group: Literal["major", "minor"]
    ideal: list[Finite]
    salience: list[NonNeg]
    capability: NonNeg
    tolerance: NonNeg = 0.0
    # Position uncertainty: the ideal point is drawn per replication as ideal + ideal_sd * N(0, 1)
    # (one value for every dimension, or one per dimension), clipped to the space.
    ideal_sd: NonNeg | list[NonNeg] = 0.0
    # Accession: the meeting (1-based) at which the member joins; absent before it.
    joins: int = Field(strict=True, default=1, ge=1, le=MAX_MEETINGS)


class SidePayments(_Strict):
    """`[side_payments]`: major powers buy off objectors from a per-meeting budget.

    Each major's budget per meeting is ``budget`` times its capability share, in utility units.
    """

    enabled: bool = False
    budget: NonNeg = 0.0


class Community(_Strict):
    """`[community]`: a sense of community that grows with joint decisions and erodes with deadlock.

    After every item adopted by consensus each present member's tolerance rises by ``growth``;
    after every item that ends with no text it falls by ``decay`` (never below 0; growth stops at
    ``max_tolerance`` when set, or at the member's starting tolerance if that is higher).
    """

    growth: NonNeg = 0.0
    decay: NonNeg = 0.0
    max_tolerance: NonNeg | None = None


class Pressure(_Strict):
    """One `[[pressure]]` entry: the great-power game pulling a member's ideal point.

    ``drift`` is added to the member's ideal at every meeting from ``start`` to ``end``
    (inclusive, 1-based); ``shocks`` are one-off shifts ``{meeting = m, shift = [...]}``.
    """

    member: str
    drift: list[Finite] | None = None
    start: int = Field(strict=True, default=1, ge=1, le=MAX_MEETINGS)
    end: Annotated[int, Field(strict=True, ge=1, le=MAX_MEETINGS)] | None = None
    shocks: list["Shock"] = []


class Shock(_Strict):
    """A one-off shift of a member's ideal point at a given meeting."""

    meeting: int = Field(strict=True, ge=1, le=MAX_MEETINGS)
    shift: list[Finite]


class Rivalry(_Strict):
    """One `[[rivalries]]` entry: two members, and how much less each accepts of the other's draft.

    A draft tabled by a rival is accepted only at ``tolerance - intensity`` (intensity 0: no
    effect). With ``cancels_tolerance`` the member's goodwill does not apply to a rival at all and
    the draft must bring a gain of at least the intensity.
    """

    members: tuple[str, str]
    intensity: NonNeg
    cancels_tolerance: bool = False

    @property
    def key(self) -> str:
        """The pair's name in dotted parameter paths, e.g. ``India-Pakistan``."""
        return f"{self.members[0]}-{self.members[1]}"


Pressure.model_rebuild()


class Uncertain(_Strict):
    """One `[[uncertain]]` entry: the plausible range of one number of the file, and why.

    ``path`` is a ``--set`` parameter path. Continuous inputs give ``low`` and ``high`` (and, for
    "triangular", an optional ``mode``; for "normal", ``sd``, truncated to the bounds); categorical
    ones give ``values``. Inputs sharing a ``group`` form one factor of the sensitivity analysis.
    Checked against the file by :mod:`sco_sim.inputs.uncertain` (path resolves, range holds the value).
    """

    path: str = Field(min_length=1)
    low: Finite | None = None
    high: Finite | None = None
    values: list[Any] | None = None
    distribution: Literal["uniform", "triangular", "normal", "categorical"] = "uniform"
    mode: Finite | None = None
    sd: Annotated[float, Field(gt=0.0, allow_inf_nan=False), _NUMBER] | None = None
    reason: str = Field(min_length=1)
    group: str | None = None


class Generate(_Strict):
    """`[generate]`: N members with ideal points drawn uniformly in the box each replication."""

    members: int = Field(strict=True, ge=1, le=MAX_MEMBERS)
    majors: int = Field(strict=True, default=0, ge=0, le=MAX_MEMBERS)
    salience: NonNeg | list[NonNeg] = 1.0
    tolerance: NonNeg = 0.0
    major_capability: Annotated[float, Field(gt=0.0, le=MAX_ABS, allow_inf_nan=False), _NUMBER] = 1.0


class Scenario(_Strict):
    """A whole scenario file after `extends` has been applied."""

    scenario: ScenarioMeta
    space: Space
    rule: Rule = Rule()
    agenda: Agenda
    negotiation: Negotiation = Negotiation()
    status_quo: StatusQuo
    members: list[Member] | None = Field(default=None, max_length=MAX_MEMBERS)
    generate: Generate | None = None
    rivalries: list[Rivalry] = []
    side_payments: SidePayments = SidePayments()
    community: Community = Community()
    pressure: list[Pressure] = []
    uncertain: list[Uncertain] = []

    @property
    def n_dims(self) -> int:
        """Number of policy dimensions."""
        return len(self.space.dimensions)

    @property
    def bounds(self) -> list[tuple[float, float]]:
        """Lower and upper bound per dimension (the unit box unless the file sets bounds)."""
        return list(self.space.bounds) if self.space.bounds else [(0.0, 1.0)] * self.n_dims

    @property
    def member_names(self) -> list[str]:
        """Names of the members, in file order (generated: Major1.., Minor1.., or P1..)."""
        if self.members is not None:
            return [m.name for m in self.members]
        g = self.generate
        assert g is not None
        if g.majors:
            return [f"Major{i + 1}" for i in range(g.majors)] + [
                f"Minor{i + 1}" for i in range(g.members - g.majors)
            ]
        return [f"P{i + 1}" for i in range(g.members)]


# --------------------------------------------------------------------------- loading


def _field_path(loc: tuple[Any, ...], raw: dict[str, Any]) -> str:
    """Turn a pydantic location into a user-facing path, naming members by name."""
    parts: list[str] = []
    node: Any = raw
    for key in loc:
        if isinstance(key, int):
            name = None
            if isinstance(node, list) and 0 <= key < len(node) and isinstance(node[key], dict):
                name = node[key].get("name")
            if name and parts and parts[-1] == "members":
                parts[-1] = f"members.{name}"
            else:
                parts[-1] = f"{parts[-1]}[{key}]" if parts else f"[{key}]"
        else:
            parts.append(str(key))
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts)


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge a child file over its parent: tables merge, members merge by name."""
    out = dict(parent)
    for key, value in child.items():
        if key == "members" and isinstance(value, list) and isinstance(out.get(key), list):
            merged = [dict(m) if isinstance(m, dict) else m for m in out[key]]
            index = {m["name"]: i for i, m in enumerate(merged)
                     if isinstance(m, dict) and isinstance(m.get("name"), str)}
            for m in value:
                if isinstance(m, dict) and isinstance(m.get("name"), str) and m["name"] in index:
                    merged[index[m["name"]]].update(m)
                else:
                    merged.append(m)
            out[key] = merged
        elif key == "rivalries" and isinstance(value, list) and isinstance(out.get(key), list):
            merged = [dict(r) if isinstance(r, dict) else r for r in out[key]]
            index = {pair: i for i, r in enumerate(merged) if (pair := _pair(r)) is not None}
            for r in value:
                pair = _pair(r)
                if pair is not None and pair in index:
                    merged[index[pair]].update(r)
                else:
                    merged.append(r)
            out[key] = merged
        elif key == "uncertain" and isinstance(value, list) and isinstance(out.get(key), list):
            # a child adds declarations or replaces its parent's by path
            merged = list(out[key])
            index = {u.get("path"): i for i, u in enumerate(merged) if isinstance(u, dict)}
            for u in value:
                path = u.get("path") if isinstance(u, dict) else None
                if path is not None and path in index:
                    merged[index[path]] = u
                else:
                    merged.append(u)
            out[key] = merged
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _pair(rivalry: Any) -> frozenset[str] | None:
    """The pair of member names of a raw rivalry entry, or None when it has no such pair."""
    members = rivalry.get("members") if isinstance(rivalry, dict) else None
    if isinstance(members, list) and all(isinstance(m, str) for m in members):
        return frozenset(members)
    return None


def _duplicates(raw: dict[str, Any], src: str) -> list[Problem]:
    """Members or rivalries named twice in one file (merging would silently combine them)."""
    out = []
    members = raw.get("members")
    if isinstance(members, list):
        seen: set[str] = set()
        for m in members:
            name = m.get("name") if isinstance(m, dict) else None
            if isinstance(name, str):
                if name in seen:
                    out.append(Problem(src, f"members.{name}.name", "member names must be unique: "
                                       "this file has two [[members]] entries with this name"))
                seen.add(name)
    rivalries = raw.get("rivalries")
    if isinstance(rivalries, list):
        pairs: set[frozenset[str]] = set()
        for i, r in enumerate(rivalries):
            pair = _pair(r)
            if pair is not None:
                if pair in pairs:
                    out.append(Problem(src, f"rivalries[{i}].members", "the pair appears twice in this file"))
                pairs.add(pair)
    return out


def _check_nesting(raw: dict[str, Any], src: str) -> None:
    """Refuse tables / arrays nested deeper than MAX_NESTING (checked without recursion)."""
    stack: list[tuple[Any, int, str]] = [(raw, 0, "")]
    while stack:
        node, depth, where = stack.pop()
        if depth > MAX_NESTING:
            raise InputError([Problem(src, where, f"tables or arrays nested more than {MAX_NESTING} "
                                      "levels deep (the limit)")])
        if isinstance(node, dict):
            stack.extend((v, depth + 1, f"{where}.{k}" if where else str(k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, depth + 1, f"{where}[{i}]") for i, v in enumerate(node))


def parse_toml(text: str, src: str) -> dict[str, Any]:
    """Parse TOML text: the one reader of scenario and experiment files (files, uploads, hashes).

    Line endings are normalised first (CRLF and CR-only become LF, as Python's text mode does),
    so a file reads the same whichever command reads it.
    """
    if len(text) > MAX_FILE_BYTES:
        raise InputError([Problem(src, "", f"is {len(text):,} characters long; the limit is "
                                  f"{MAX_FILE_BYTES:,}")])
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for number, line in enumerate(text.split("\n"), start=1):
        # tomllib's time and memory grow with the square of a dotted key's parts
        if line.count(".") > MAX_DOTS_PER_LINE:
            raise InputError([Problem(src, "", f"line {number} has {line.count('.'):,} dots; the limit "
                                      f"is {MAX_DOTS_PER_LINE:,} (a dotted key that long nests "
                                      f"deeper than {MAX_NESTING} levels)")])
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(src, "", f"not valid TOML: {exc}")]) from None
    except RecursionError:
        raise InputError([Problem(src, "", f"not valid TOML here: tables or arrays nested too deeply "
                                  f"(the limit is {MAX_NESTING} levels)")]) from None
    _check_nesting(raw, src)
    return raw


def read_text(path: Path, src: str | None = None) -> str:
    """Read a regular file of at most MAX_FILE_BYTES as UTF-8; anything else is an InputError.

    The file is opened without blocking and checked to be a regular file before a byte is read,
    so a FIFO, a device (``/dev/zero``) or a folder fails at once.
    """
    src = str(path) if src is None else src
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError([Problem(src, "", "no such file")]) from None
    except IsADirectoryError:
        raise InputError([Problem(src, "", "is a directory, expected a TOML file")]) from None
    except (OSError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError([Problem(src, "", f"cannot be opened ({why})")]) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError([Problem(src, "", "is a directory, expected a TOML file")])
        if not stat.S_ISREG(info.st_mode):
            raise InputError([Problem(src, "", "is not a regular file (a device, FIFO or socket); "
                                      "expected a TOML file")])
        if info.st_size > MAX_FILE_BYTES:
            raise InputError([Problem(src, "", f"is {info.st_size:,} bytes; the limit is "
                                      f"{MAX_FILE_BYTES:,} bytes")])
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError([Problem(src, "", f"cannot be read ({exc.strerror or exc})")]) from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise InputError([Problem(src, "", f"is larger than the limit of {MAX_FILE_BYTES:,} bytes")])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(src, "", f"cannot be read as UTF-8 text ({exc})")]) from None


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, turning every failure into an InputError naming the file."""
    return parse_toml(read_text(path), str(path))


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def _extends_chain(raw: dict[str, Any], src: str, here: Path | None, root: Path | None
                   ) -> dict[str, Any]:
    """Merge ``raw`` over the chain of files it extends (child wins), without recursion.

    ``here`` is the folder ``extends`` is resolved against and ``root`` the folder tree it must
    stay in (besides the bundled scenarios folder); ``root = None`` allows only bundled files.
    """
    chain = [raw]
    problems = _duplicates(raw, src)
    seen: list[Path] = []
    current, current_src, folder = raw, src, here
    bundled = BUNDLED_SCENARIOS.resolve()
    while True:
        meta = current.get("scenario")
        ref = meta.get("extends") if isinstance(meta, dict) else None
        if ref is None:
            break
        if not isinstance(ref, str):
            raise InputError([Problem(current_src, "scenario.extends", "expected a file path string")])
        if len(chain) > MAX_EXTENDS:
            raise InputError([Problem(current_src, "scenario.extends", f"the chain of extended files "
                                      f"is longer than {MAX_EXTENDS} files (the limit)")])
        if "\0" in ref or len(ref) > 1000:
            raise InputError([Problem(current_src, "scenario.extends", "expected a file path (no NUL "
                                      "bytes, at most 1000 characters)")])
        base = folder if folder is not None else bundled
        try:
            target = (base / ref).resolve()
        except (OSError, RuntimeError, ValueError) as exc:
            raise InputError([Problem(current_src, "scenario.extends",
                                      f"extended file {ref!r} cannot be resolved ({exc})")]) from None
        if root is None and not _inside(target, bundled):
            raise InputError([Problem(current_src, "scenario.extends", f"extended file {ref!r} is not a "
                                      "bundled scenario (an upload may extend only files of the "
                                      "bundled scenarios folder)")])
        if root is not None and not (_inside(target, root) or _inside(target, bundled)):
            raise InputError([Problem(current_src, "scenario.extends", f"extended file {ref!r} lies "
                                      f"outside the scenario's folder {root} and the bundled "
                                      "scenarios folder")])
        if target in seen or (here is not None and len(seen) == 0 and target == _self(src)):
            raise InputError([Problem(current_src, "scenario.extends", "files extend each other in a cycle")])
        try:
            exists = target.exists()
        except OSError as exc:  # e.g. a file name too long for the file system
            raise InputError([Problem(current_src, "scenario.extends", f"extended file {ref!r} "
                                      f"cannot be opened ({exc.strerror or exc})")]) from None
        if not exists:
            raise InputError([Problem(current_src, "scenario.extends",
                                      f"extended file {ref!r} does not exist")])
        seen.append(target)
        try:
            current = read_toml(target)
        except InputError as exc:
            p = exc.problems[0]
            raise InputError([Problem(str(target), p.field, p.message)]) from None
        current_src, folder = str(target), target.parent
        problems += _duplicates(current, current_src)
        chain.append(current)
    if problems and len(chain) > 1:  # a single file's duplicates are reported by the schema checks
        raise InputError(problems)
    merged = chain[-1]
    for child in reversed(chain[:-1]):
        merged = _merge(merged, child)
    if len(chain) > 1:
        merged["scenario"] = dict(merged["scenario"])
        merged["scenario"].pop("extends", None)
    return merged


def _self(src: str) -> Path | None:
    try:
        return Path(src).resolve()
    except (OSError, RuntimeError, ValueError):
        return None


def load_raw(path: Path) -> dict[str, Any]:
    """Read a scenario file and the chain of files it `extends`, merged (child wins).

    ``extends`` is resolved against the folder of the file that names it and must stay inside
    the folder of ``path`` (or its subfolders) or the bundled scenarios folder.
    """
    path = Path(path)
    src = str(path)
    text = read_text(path, src)
    resolved = path.resolve()
    raw = parse_toml(text, src)
    return _extends_chain(raw, str(resolved) if _has_extends(raw) else src, resolved.parent,
                          resolved.parent)


def _has_extends(raw: dict[str, Any]) -> bool:
    meta = raw.get("scenario")
    return isinstance(meta, dict) and meta.get("extends") is not None


def consistency_problems(s: Scenario, src: str) -> list[Problem]:
    """Cross-field checks that a per-field schema cannot express."""
    d = s.n_dims
    bounds = s.bounds if len(s.bounds) == d else [(0.0, 1.0)] * d
    names = s.member_names if (s.members is None) != (s.generate is None) else []
    groups = (
        [m.group for m in s.members]
        if s.members is not None
        else (["major"] * s.generate.majors if s.generate else [])
    )
    position = s.status_quo.position
    checks = (
        _space_problems(s),
        _member_problems(s, bounds),
        _vector_problems(s, "status_quo.position", position, bounds, inside=True) if isinstance(position, list) else (),
        _issue_area_problems(s),
        _chair_and_proposer_problems(s, names, groups),
        _rule_problems(s, names),
        _ideal_sd_and_joins_problems(s),
        _side_payment_problems(s, names, groups),
        _pressure_problems(s, names),
        _rivalry_problems(s, names),
    )
    return [Problem(src, field, msg) for check in checks for field, msg in check]


# Each check below yields (field, message) pairs; consistency_problems adds the file.
Found = Iterator[tuple[str, str]]


def _space_problems(s: Scenario) -> Found:
    """Explicit bounds: one [low, high] pair per dimension, low below high."""
    d = s.n_dims
    if s.space.bounds is not None:
        if len(s.space.bounds) != d:
            yield "space.bounds", f"expected {d} [low, high] pairs (one per dimension), got {len(s.space.bounds)}"
        for i, (lo, hi) in enumerate(s.space.bounds):
            if not lo < hi:
                yield f"space.bounds[{i}]", f"expected low < high, got [{lo}, {hi}]"


def _vector_problems(s: Scenario, field: str, vec: list[float], bounds: list[tuple[float, float]],
                     inside: bool) -> Found:
    """One value per dimension, and (``inside``) each within the space's bounds."""
    d = s.n_dims
    if len(vec) != d:
        yield field, f"expected {d} values (one per dimension {s.space.dimensions}), got {len(vec)}"
    elif inside:
        for k, (v, (lo, hi)) in enumerate(zip(vec, bounds)):
            if not lo <= v <= hi:
                yield f"{field}[{k}]", f"{v} lies outside the space bounds [{lo}, {hi}]"


def _member_problems(s: Scenario, bounds: list[tuple[float, float]]) -> Found:
    """Listed members (unique names, positions, capabilities) or generated ones, exactly one of them."""
    if (s.members is None) == (s.generate is None):
        yield "members", "give either [[members]] or [generate], exactly one of them"
    if s.members is not None:
        if len(s.members) < 1:
            yield "members", "expected at least one member"
        seen: set[str] = set()
        for m in s.members:
            f = f"members.{m.name}"
            if m.name in seen:
                yield f"{f}.name", "member names must be unique"
            seen.add(m.name)
            yield from _vector_problems(s, f"{f}.ideal", m.ideal, bounds, inside=True)
            yield from _vector_problems(s, f"{f}.salience", m.salience, bounds, inside=False)
        if s.members and sum(m.capability for m in s.members if m.joins == 1) <= 0:
            yield "members.capability", ("the members present at the first meeting need a positive total "
                                         "capability (capability shares are taken among the members present)")
        if (s.agenda.major_agenda_share > 0 or s.side_payments.enabled) and any(
                m.group == "major" and m.joins == 1 for m in s.members) and not any(
                m.group == "major" and m.joins == 1 and m.capability > 0 for m in s.members):
            yield "members.capability", ("major powers lead or pay side payments by capability: a major "
                                         "power with positive capability must be present at the first meeting")
    if s.generate is not None:
        g = s.generate
        if g.majors > g.members:
            yield "generate.majors", f"{g.majors} majors exceed the {g.members} members"
        if isinstance(g.salience, list) and len(g.salience) != s.n_dims:
            yield "generate.salience", f"expected one number or {s.n_dims} values, got {len(g.salience)}"


def _issue_area_problems(s: Scenario) -> Found:
    """Issue shares, one per dimension, and packages that the dimensions can hold."""
    a, d = s.agenda, s.n_dims
    if a.issue_shares is not None:
        if len(a.issue_shares) != d:
            yield "agenda.issue_shares", f"expected {d} values (one per dimension), got {len(a.issue_shares)}"
        elif sum(a.issue_shares) <= 0:
            yield "agenda.issue_shares", "at least one share must be positive"
    if a.package_probability > 0 and a.package_size > d:
        yield ("agenda.package_size",
               f"a package of {a.package_size} issue areas needs that many dimensions, the space has {d}")
    if (
        a.package_probability > 0
        and a.issue_shares is not None
        and len(a.issue_shares) == d
        and a.package_size > sum(1 for x in a.issue_shares if x > 0)
    ):
        yield ("agenda.package_size",
               f"a package of {a.package_size} issue areas needs that many dimensions with a positive issue share")
    if a.package_probability > 0 and a.package_size < 2:
        yield "agenda.package_size", "a package bundles at least 2 issue areas"


def _chair_and_proposer_problems(s: Scenario, names: list[str], groups: list[str]) -> Found:
    """Chairs that are members present at their meeting; major powers where the agenda needs them."""
    a = s.agenda
    if a.first_chair is not None and names and a.first_chair not in names:
        yield "agenda.first_chair", f"unknown member {a.first_chair!r}; members are {names}"
    if a.chairs is not None:
        joins = {m.name: m.joins for m in s.members} if s.members is not None else {}
        if len(a.chairs) != s.scenario.meetings:
            yield "agenda.chairs", f"expected one chair per meeting ({s.scenario.meetings}), got {len(a.chairs)}"
        for k, who in enumerate(a.chairs):
            if names and who not in names:
                yield f"agenda.chairs[{k}]", f"unknown member {who!r}; members are {names}"
            elif joins.get(who, 1) > k + 1:
                yield f"agenda.chairs[{k}]", f"{who} chairs meeting {k + 1} but joins at meeting {joins[who]}"
        if a.first_chair is not None and a.chairs and a.first_chair != a.chairs[0]:
            yield "agenda.first_chair", f"{a.first_chair!r} differs from the first of agenda.chairs ({a.chairs[0]!r})"
    if a.proposer == "major_powers" and names and "major" not in groups:
        yield "agenda.proposer", "'major_powers' needs at least one member with group = \"major\""
    elif (a.proposer == "major_powers" and s.members is not None
          and not any(m.group == "major" and m.joins == 1 for m in s.members)):
        yield "agenda.proposer", "'major_powers' needs a major power present at the first meeting"
    if a.major_agenda_share > 0 and names and "major" not in groups:
        yield "agenda.major_agenda_share", "needs at least one member with group = \"major\""
    elif (a.major_agenda_share > 0 and s.members is not None
          and not any(m.group == "major" and m.joins == 1 for m in s.members)):
        yield "agenda.major_agenda_share", "needs a major power present at the first meeting"


def _rule_problems(s: Scenario, names: list[str]) -> Found:
    """Options of the decision rule that apply to it, and subset texts that leave a supporter."""
    if s.rule.type != "majority" and s.rule.threshold is not None:
        yield "rule.threshold", f"a threshold applies only to type = \"majority\", not {s.rule.type!r}"
    if s.rule.type != "majority" and s.rule.weighted:
        yield "rule.weighted", f"weighting applies only to type = \"majority\", not {s.rule.type!r}"
    n_members = len(names)
    if names and s.rule.subset_texts > n_members - 1:
        yield "rule.subset_texts", (f"a subset text needs at least one supporter: at most {n_members - 1} "
                                    f"objectors for {n_members} members, got {s.rule.subset_texts}")


def _ideal_sd_and_joins_problems(s: Scenario) -> Found:
    """Each listed member's position uncertainty per dimension, and a join date within the run."""
    if s.members is None:
        return
    meetings, d = s.scenario.meetings, s.n_dims
    for m in s.members:
        f = f"members.{m.name}"
        if isinstance(m.ideal_sd, list) and len(m.ideal_sd) != d:
            yield f"{f}.ideal_sd", f"expected one number or {d} values, got {len(m.ideal_sd)}"
        if m.joins > meetings:
            yield f"{f}.joins", f"joins at meeting {m.joins}, after the run's last meeting ({meetings})"
    if s.members and all(m.joins > 1 for m in s.members):
        yield "members.joins", "at least one member must be present at the first meeting"


def _side_payment_problems(s: Scenario, names: list[str], groups: list[str]) -> Found:
    """Side payments need a major power to pay them."""
    if s.side_payments.enabled and names and "major" not in groups:
        yield "side_payments.enabled", "side payments are paid by major powers; no member has group = \"major\""


def _pressure_problems(s: Scenario, names: list[str]) -> Found:
    """Pressure on a member: a drift or shocks, one value per dimension, within the run."""
    meetings, d = s.scenario.meetings, s.n_dims
    for i, pr in enumerate(s.pressure):
        f = f"pressure[{i}]"
        if names and pr.member not in names:
            yield f"{f}.member", f"unknown member {pr.member!r}; members are {names}"
        if pr.drift is not None and len(pr.drift) != d:
            yield f"{f}.drift", f"expected {d} values (one per dimension), got {len(pr.drift)}"
        if pr.drift is None and not pr.shocks:
            yield f"{f}", "give a drift vector, shocks, or both"
        if pr.end is not None and pr.end < pr.start:
            yield f"{f}.end", f"end ({pr.end}) is before start ({pr.start})"
        if pr.start > meetings:
            yield f"{f}.start", f"starts at meeting {pr.start}, after the run's last meeting ({meetings})"
        for k, sh in enumerate(pr.shocks):
            if len(sh.shift) != d:
                yield f"{f}.shocks[{k}].shift", f"expected {d} values (one per dimension), got {len(sh.shift)}"
            if sh.meeting > meetings:
                yield f"{f}.shocks[{k}].meeting", f"meeting {sh.meeting} is after the run's last meeting ({meetings})"


def _rivalry_problems(s: Scenario, names: list[str]) -> Found:
    """Rivalries between two different members, each pair once."""
    pairs: set[frozenset[str]] = set()
    for i, r in enumerate(s.rivalries):
        f = f"rivalries[{i}]"
        for who in r.members:
            if names and who not in names:
                yield f"{f}.members", f"unknown member {who!r}; members are {names}"
        if r.members[0] == r.members[1]:
            yield f"{f}.members", "a rivalry needs two different members"
        pair = frozenset(r.members)
        if pair in pairs:
            yield f"{f}.members", f"the pair {r.key} appears twice"
        pairs.add(pair)


def _prune(raw: dict[str, Any], locations: list[tuple[Any, ...]]) -> dict[str, Any]:
    """A copy of ``raw`` without the table fields named by failed validation locations."""
    out = copy.deepcopy(raw)
    for loc in locations:
        node: Any = out
        parent, key = None, None
        for part in loc:
            if isinstance(node, dict) and part in node:
                parent, key = node, part
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                break
        if parent is not None:
            parent.pop(key, None)
    return out


def parse_scenario(raw: dict[str, Any], src: str) -> Scenario:
    """Validate a merged scenario dictionary, collecting every problem before raising."""
    try:
        scn = Scenario.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            # Drop pydantic's union-branch tags (e.g. 'list[...]', 'literal[...]') from the path.
            loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function"))))
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown field (misspelled?)"
            elif err["type"] == "missing":
                msg = "required field is missing"
            elif "input" in err and not isinstance(err["input"], (dict, list)):
                msg = f"{msg}, got {err['input']!r}"
            problems.append(Problem(src, _field_path(loc, raw), msg))
        # A union may report one problem per branch: keep each (field, message) once.
        unique = list(dict.fromkeys(problems))
        # Report every problem: drop the fields that failed and, if the rest parses, add the
        # cross-field problems it still has (a required field that failed stops this here).
        try:
            rest = Scenario.model_validate(_prune(raw, [tuple(e["loc"]) for e in exc.errors()]))
        except ValidationError:
            rest = None
        if rest is not None:
            unique += [p for p in consistency_problems(rest, src) if p not in unique]
        raise InputError(unique) from None
    problems = consistency_problems(scn, src)
    if problems:
        raise InputError(problems)
    return scn


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge (`extends`) and validate a scenario file; raises InputError on bad input."""
    from .uncertain import declaration_problems  # the checks need parameter paths (which import us)

    p = Path(path)
    raw = load_raw(p)
    scn = parse_scenario(raw, str(path))
    problems = declaration_problems(raw, scn, str(path))
    if problems:
        raise InputError(problems)
    return scn


def load_scenario_text(text: str, name: str = "upload", base_dir: Path | None = None) -> Scenario:
    """Validate scenario text (an upload) exactly as a file would be.

    ``name`` is the source its problems are reported under. An ``extends`` in the text is resolved
    against ``base_dir`` and must stay inside it (or the bundled scenarios folder); with no
    ``base_dir`` it may name only a bundled scenario.
    """
    raw = parse_toml(text, name)
    base = Path(base_dir).resolve() if base_dir is not None else None
    return parse_scenario(_extends_chain(raw, name, base, base), name)


def scenario_hash(path: str | Path) -> str:
    """SHA-256 over the file and every file it extends, so a manifest pins the exact inputs."""
    h = hashlib.sha256()
    p: Path | None = Path(path).resolve()
    seen = set()
    while p is not None and p not in seen and len(seen) <= MAX_EXTENDS:
        seen.add(p)
        text = read_text(p)
        h.update(text.encode("utf-8"))
        meta = parse_toml(text, str(p)).get("scenario", {})
        ext = meta.get("extends") if isinstance(meta, dict) else None
        p = (p.parent / ext).resolve() if isinstance(ext, str) else None
    return h.hexdigest()
