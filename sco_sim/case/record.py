"""The SCO's record as data: its summits, blockages and accessions, 2001-2025.

The tables live in ``sco_sim/case/data/`` (shipped in the wheel; columns and counting
conventions in that folder's README.md and in docs/DATA.md). Every loader validates what it reads
(columns, types, a source for every row and every cited value) and returns typed pandas frames:
dates as ``datetime64``, counts as nullable ``Int64``, flags as nullable ``boolean``, member lists
as tuples of member names. Nothing here runs the model; the calibration reads these tables.

>>> len(summits())
25
>>> members_in(2017)[-2:]
['India', 'Pakistan']
"""

from __future__ import annotations

import io
from importlib import resources

import pandas as pd

# The ten member states, in the project's naming (the scenario files' member names).
MEMBERS = ("China", "Russia", "Kazakhstan", "Kyrgyzstan", "Tajikistan", "Uzbekistan",
           "India", "Pakistan", "Iran", "Belarus")
# SCO bodies a blockage can belong to; a statement of the member states issued by the chair
# outside the four councils (June 2025, on Israel's strikes on Iran) is its own kind of body, and
# "unspecified" marks a blockage whose sources name no body (the development bank).
BODIES = ("heads_of_state", "heads_of_government", "foreign_ministers", "defence_ministers",
          "member_states_statement", "unspecified")
# subset_text: issued without the member(s) who withheld consent; no_text: not issued at all;
# stalled_proposal: a proposal left unadopted for years with a member reported reluctant.
KINDS = ("subset_text", "no_text", "stalled_proposal")
# The kinds that are a text (or its absence) at one meeting: what "texts without a member" counts.
TEXT_KINDS = ("subset_text", "no_text")
STATUSES = ("member", "observer", "dialogue_partner")
FORMATS = ("in_person", "videoconference", "hybrid")

SUMMIT_COLUMNS = {
    "meeting": "int", "year": "int", "date_start": "date?", "date": "date", "host_city": "str",
    "host_country": "member", "chair": "member", "chair_basis": ("source", "host"), "chair_source": "src",
    "format": FORMATS, "members_present": "members", "admitted": "members?", "members_source": "src",
    "documents": "count?", "documents_counted": "str?", "documents_source": "src?",
    "documents_alt": "count?", "documents_alt_source": "src?",
    "documents_approx": "count?", "documents_approx_source": "src?",
    "documents_named": "count?", "documents_named_source": "src?",
    "declaration_signed_by_all": "bool?", "declaration_source": "src?",
    "texts_without_member": "str?", "outside": "members?", "texts_without_member_source": "src?",
    "source": "src", "notes": "str?",
}
BLOCKAGE_COLUMNS = {
    "id": "int", "date": "date", "date_precision": ("day", "month"), "body": BODIES, "meeting": "count?",
    "place": "str?", "what": "str", "kind": KINDS, "withheld_by": "members", "source": "src",
    "source_alt": "src?", "notes": "str?",
}
ACCESSION_COLUMNS = {
    "state": "str", "status": STATUSES, "date": "date", "meeting": "int", "source": "src", "notes": "str?",
}
# A value column and the column that must cite it whenever it is filled.
_CITED = {"documents": "documents_source", "documents_alt": "documents_alt_source",
          "documents_approx": "documents_approx_source", "documents_named": "documents_named_source",
          "declaration_signed_by_all": "declaration_source",
          "texts_without_member": "texts_without_member_source"}
# Besides page addresses, the project's stored reference notes may be cited (see docs/DATA.md).
_REFERENCE_PREFIX = "/work/shared/reference/"


class RecordError(ValueError):
    """A bundled record file does not have the documented form (a packaging defect, not user input)."""


def _read(name: str) -> pd.DataFrame:
    """The raw table as strings, empty cells as ''."""
    text = resources.files("sco_sim.case").joinpath("data", name).read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def _is_address(value: str) -> bool:
    return value.startswith(("http://", "https://")) or (
        value.startswith(_REFERENCE_PREFIX) and value.endswith(".md"))


def _typed(raw: pd.DataFrame, schema: dict, name: str) -> pd.DataFrame:
    """Check columns and every cell against ``schema``; return the typed frame."""
    if list(raw.columns) != list(schema):
        raise RecordError(f"{name}: columns {list(raw.columns)}, expected {list(schema)}")
    out = {}
    for col, kind in schema.items():
        values = raw[col].str.strip()
        optional = isinstance(kind, str) and kind.endswith("?")
        base = kind.rstrip("?") if isinstance(kind, str) else kind
        for i, v in values.items():
            where = f"{name}: row {i + 1}: {col}"
            if v == "":
                if not optional:
                    raise RecordError(f"{where}: a value is required")
                continue
            if isinstance(base, tuple) and v not in base:
                raise RecordError(f"{where}: {v!r} is not one of {base}")
            if base in ("int", "count") and not (v.isdigit()):
                raise RecordError(f"{where}: expected a non-negative integer, got {v!r}")
            if base == "src" and not _is_address(v):
                raise RecordError(f"{where}: expected a page address (http...) or {_REFERENCE_PREFIX}*.md, got {v!r}")
            if base == "member" and v not in MEMBERS:
                raise RecordError(f"{where}: unknown member {v!r}")
            if base == "members":
                unknown = [m for m in v.split(";") if m not in MEMBERS]
                if unknown:
                    raise RecordError(f"{where}: unknown member(s) {unknown}")
            if base == "bool" and v not in ("true", "false"):
                raise RecordError(f"{where}: expected true or false, got {v!r}")
        if base in ("int", "count"):
            out[col] = pd.array([int(v) if v else pd.NA for v in values], dtype="Int64")
        elif base == "date":
            try:
                out[col] = pd.to_datetime(values.replace("", None), format="%Y-%m-%d")
            except ValueError as exc:
                raise RecordError(f"{name}: {col}: expected dates as YYYY-MM-DD ({exc})") from None
        elif base == "bool":
            out[col] = pd.array([{"true": True, "false": False}.get(v, pd.NA) for v in values], dtype="boolean")
        elif base == "members":
            out[col] = [tuple(v.split(";")) if v else () for v in values]
        else:
            out[col] = values
    return pd.DataFrame(out)


def _require_citations(df: pd.DataFrame, name: str) -> None:
    for value_col, source_col in _CITED.items():
        if value_col not in df:
            continue
        filled = df[value_col].notna() & (df[value_col].astype(str) != "")
        missing = filled & (df[source_col] == "")
        if missing.any():
            row = int(missing.idxmax()) + 1
            raise RecordError(f"{name}: row {row}: {value_col} is filled but {source_col} is empty")


def summits() -> pd.DataFrame:
    """One row per Heads of State Council meeting, 2001-2025, in meeting order."""
    df = _typed(_read("summits.csv"), SUMMIT_COLUMNS, "summits.csv")
    _require_citations(df, "summits.csv")
    if list(df["meeting"]) != list(range(1, len(df) + 1)):
        raise RecordError("summits.csv: meeting must number the rows 1, 2, ... in order")
    if not df["date"].is_monotonic_increasing or df["date"].duplicated().any():
        raise RecordError("summits.csv: dates must be unique and increasing")
    if (df["date"].dt.year != df["year"].astype(int)).any():
        raise RecordError("summits.csv: year must be the year of date")
    for i, r in df.iterrows():
        if r["chair"] not in r["members_present"]:
            raise RecordError(f"summits.csv: row {i + 1}: chair {r['chair']} is not among members_present")
    return df


def blockages() -> pd.DataFrame:
    """One row per known blockage or text issued without a member, at any SCO body, by date."""
    df = _typed(_read("blockages.csv"), BLOCKAGE_COLUMNS, "blockages.csv")
    if df["id"].duplicated().any():
        raise RecordError("blockages.csv: id must be unique")
    hos = df["body"] == "heads_of_state"
    if df.loc[hos, "meeting"].isna().any():
        raise RecordError("blockages.csv: a heads_of_state row needs its meeting number")
    return df.sort_values(["date", "id"], kind="stable").reset_index(drop=True)


def accessions() -> pd.DataFrame:
    """Full members with their accession dates (plus the observer and partner dates that are sourced)."""
    df = _typed(_read("accessions.csv"), ACCESSION_COLUMNS, "accessions.csv")
    full = df[df["status"] == "member"]
    if sorted(full["state"]) != sorted(MEMBERS):
        raise RecordError(f"accessions.csv: expected one member row for each of {MEMBERS}")
    return df


def members_on(date: str | pd.Timestamp) -> list[str]:
    """The full members on a date (a member counts from its accession date on), in MEMBERS order."""
    when = pd.Timestamp(date)
    full = accessions().query("status == 'member'")
    joined = set(full.loc[full["date"] <= when, "state"])
    return [m for m in MEMBERS if m in joined]


def members_in(year: int) -> list[str]:
    """The full members at the end of ``year``."""
    return members_on(pd.Timestamp(year=year, month=12, day=31))


def chairs() -> list[str]:
    """The member chairing each Heads of State Council meeting, in meeting order."""
    return list(summits()["chair"])


def documents_by_period(first_years: tuple[int, ...] = (2001, 2018)) -> pd.DataFrame:
    """Documents adopted per summit, summarised per period (periods start at ``first_years``).

    Only summits with a sourced count (``documents``) enter the statistics; ``summits`` counts all
    meetings of the period and ``counted`` those with a number, so the gap is visible.
    """
    df = summits()
    starts = sorted(first_years)
    labels = [f"{a}-{b - 1}" for a, b in zip(starts, starts[1:])] + [f"{starts[-1]}-{int(df['year'].max())}"]
    period = pd.cut(df["year"].astype(int), bins=[*starts, 10_000], right=False, labels=labels)
    docs = df["documents"].astype("Float64")
    grouped = docs.groupby(period, observed=False)
    return pd.DataFrame({
        "summits": df.groupby(period, observed=False).size(),
        "counted": grouped.count(),
        "mean": grouped.mean(),
        "min": grouped.min(),
        "max": grouped.max(),
    }).rename_axis("period")


def per_meeting() -> pd.DataFrame:
    """One row per summit in the history scenario's meeting numbering: the quantities a run can be scored on.

    ``members`` counts the members present; ``documents`` is the sourced count (missing where none);
    ``texts_without_member`` counts that meeting's texts issued without a member (heads of state only,
    0 where none is on record) and ``outside`` names who stood outside them.
    """
    s = summits()
    hos = blockages().query("body == 'heads_of_state' and kind in @TEXT_KINDS")
    counts = hos["meeting"].value_counts()
    return pd.DataFrame({
        "meeting": s["meeting"], "year": s["year"], "chair": s["chair"],
        "members": pd.array([len(m) for m in s["members_present"]], dtype="Int64"),
        "documents": s["documents"],
        "texts_without_member": pd.array([int(counts.get(m, 0)) for m in s["meeting"]], dtype="Int64"),
        "outside": s["outside"],
    })


def _selected(bodies: tuple[str, ...], kinds: tuple[str, ...]) -> pd.DataFrame:
    df = blockages()
    return df[df["body"].isin(bodies) & df["kind"].isin(kinds)]


def texts_without_member_per_year(bodies: tuple[str, ...] = BODIES,
                                  kinds: tuple[str, ...] = TEXT_KINDS) -> pd.Series:
    """Number of known texts issued without a member (or blocked) per year, 2001-2025 (0 where none known)."""
    df = _selected(bodies, kinds)
    years = range(2001, 2026)
    return df["date"].dt.year.value_counts().reindex(years, fill_value=0).rename("texts_without_member")


def outside_members(bodies: tuple[str, ...] = BODIES, kinds: tuple[str, ...] = TEXT_KINDS) -> pd.Series:
    """How often each member stood outside a text (withheld consent), over the whole record."""
    df = _selected(bodies, kinds)
    counts = pd.Series([m for who in df["withheld_by"] for m in who], dtype=str).value_counts()
    return counts.reindex(list(MEMBERS), fill_value=0).rename("withheld")
