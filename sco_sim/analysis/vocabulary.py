"""The output vocabulary: every metric and column sco-sim reports, declared once.

Like EMA Workbench's outcomes or Mesa's reporters, each :class:`Metric` carries its name (the
column in the tables and ``summary.json``), a label for reports and figure titles, a short label
for 80-column tables, its unit (an axis label) and its kind:

* ``rate``: a per-run ratio (per agenda item or per meeting), summarised as a mean over
  replications with a 95% t interval;
* ``count``: a per-run total, summarised as a mean;
* ``mean``: a per-run average of a count (rounds per item).

Summaries, sweeps, CLI tables, plots and reports all read their lists and labels from here.
Parameter paths get human labels by rule (:func:`parameter_label`), with a few overrides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..engine.results import RUN_TOTALS


@dataclass(frozen=True)
class Metric:
    """One reported quantity."""

    name: str
    label: str
    short: str
    unit: str
    kind: str  # "rate", "count" or "mean"
    level: str = "run"  # "run" (one value per replication) or "member" (per member per run)
    optional: bool = False  # shown only when some configuration uses the mechanism behind it

    @property
    def title(self) -> str:
        """The label with a capital first letter (a figure panel's title)."""
        return self.label[:1].upper() + self.label[1:]


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("throughput", "throughput", "thruput", "adopted texts per meeting", "rate"),
    Metric("deadlock_rate", "deadlock rate", "deadlock", "share of agenda items with no text",
           "rate"),
    Metric("adoption_rate", "adoption rate", "adoption", "share of agenda items adopted", "rate"),
    Metric("consensus_rate", "consensus rate", "consensus", "share of agenda items adopted by "
           "consensus", "rate"),
    Metric("subset_rate", "subset-text rate", "subset", "share of agenda items with a subset text",
           "rate", optional=True),
    Metric("null_draft_rate", "no-draft rate", "no-draft", "share of agenda items with no draft",
           "rate", optional=True),
    Metric("mean_rounds", "consultation rounds per item", "rounds", "rounds per agenda item",
           "mean"),
    Metric("side_payment_rate", "side payments per item", "side-pay", "payments per agenda item",
           "rate", optional=True),
    # run totals (the columns the rates are derived from)
    Metric("items", "agenda items", "items", "items per run", "count"),
    Metric("adopted", "adopted texts", "adopted", "texts per run", "count"),
    Metric("consensus", "consensus texts", "consens#", "texts per run", "count"),
    Metric("subset_texts", "subset texts", "subset#", "texts per run", "count"),
    Metric("deadlocked", "deadlocked items", "deadlk#", "items per run", "count"),
    Metric("null_drafts", "items with no draft", "nodraft#", "items per run", "count"),
    Metric("rounds", "consultation rounds", "rounds#", "rounds per run", "count"),
    Metric("side_payments", "side payments", "sidepay#", "payments per run", "count"),
    Metric("meetings", "meetings", "meetings", "meetings per run", "count"),
    # per member
    Metric("objection_rate", "objections per item", "objects", "share of agenda items on which the "
           "member objected at the last vote", "rate", level="member"),
    Metric("sole_veto_rate", "sole vetoes per item", "sole veto", "share of agenda items on which "
           "the member was the only objector and no consensus text passed", "rate", level="member"),
    Metric("objections", "objections", "objections", "objections per run", "count", level="member"),
    Metric("sole_vetoes", "sole vetoes", "sole vetoes", "sole vetoes per run", "count",
           level="member"),
)}

#: per-run rates and means a run summary reports with intervals (``summary.json`` ``metrics``)
RUN_RATES = ("throughput", "adoption_rate", "deadlock_rate", "consensus_rate", "subset_rate",
             "null_draft_rate", "mean_rounds", "side_payment_rate")
#: per-run totals (summed over a run's meetings): the run-level table's own columns
RUN_COUNTS = RUN_TOTALS
#: rates reported before and after each accession
PERIOD_RATES = ("throughput", "deadlock_rate", "consensus_rate", "subset_rate")
#: the rows of a run or compare table, in order (optional ones only when used)
TABLE_RATES = ("throughput", "deadlock_rate", "consensus_rate", "subset_rate", "mean_rounds",
               "null_draft_rate", "side_payment_rate")
#: the metrics a sweep summary carries per design point, and those its table prints
SWEEP_SUMMARY = ("throughput", "deadlock_rate", "consensus_rate", "subset_rate", "adoption_rate",
                 "mean_rounds", "null_draft_rate")
SWEEP_TABLE = ("throughput", "deadlock_rate", "consensus_rate", "subset_rate")
#: rates a report shows even when zero everywhere
ALWAYS_SHOWN = ("throughput", "deadlock_rate", "adoption_rate")
#: the metrics of sensitivity figures and attribution defaults
HEADLINE = ("deadlock_rate", "throughput")

#: meeting-table columns (``meetings.parquet``): name -> (label, unit)
MEETING_COLUMNS: dict[str, tuple[str, str]] = {
    "replication": ("replication", "index from 0"),
    "meeting": ("meeting", "index from 1, one summit cycle each"),
    "members_present": ("members present", "members"),
    "items": ("agenda items", "items per meeting"),
    "adopted": ("adopted texts", "texts per meeting"),
    "consensus": ("consensus texts", "texts per meeting"),
    "subset_texts": ("subset texts", "texts per meeting"),
    "deadlocked": ("deadlocked items", "items with no text per meeting"),
    "null_drafts": ("items with no draft", "items per meeting"),
    "rounds": ("consultation rounds", "rounds per meeting"),
    "carried_in": ("items carried in", "items per meeting"),
    "side_payments": ("side payments", "payments per meeting"),
    "side_payment_total": ("side payments paid", "utility units per meeting"),
}


def metric(name: str) -> Metric:
    """The declared metric ``name``; an undeclared name gets a label made from it."""
    if name in METRICS:
        return METRICS[name]
    if name.startswith(("objections.", "sole_vetoes.")):
        what, member = name.split(".", 1)
        base = METRICS[what]
        return Metric(name, f"{member}'s {base.label}", f"{member[:6]} {base.short[:4]}", base.unit,
                      base.kind, "run")
    text = name.replace("_", " ")
    return Metric(name, text, text[:9], name, "rate")


def label(name: str) -> str:
    """A metric's label (``deadlock rate``)."""
    return metric(name).label


def short(name: str) -> str:
    """A metric's short label, at most 9 characters (``deadlock``)."""
    return metric(name).short


def unit(name: str) -> str:
    """A metric's unit (an axis label)."""
    return metric(name).unit


# ----------------------------------------------------------------------------- parameters

#: a parameter's field (last part of its path) -> (human label, unit)
FIELDS: dict[str, tuple[str, str]] = {
    "tolerance": ("tolerance", "utility units"),
    "intensity": ("rivalry intensity", "utility units"),
    "max_rounds": ("consultation rounds", "rounds"),
    "concession": ("concession per round", "share of the distance"),
    "proposal_step": ("proposal step", "share of the distance"),
    "noise": ("drafting noise", "policy units, s.d."),
    "setter_noise": ("setter noise", "policy units, s.d."),
    "drift": ("status-quo drift", "policy units, s.d. per meeting"),
    "items_per_meeting": ("items per meeting", "items"),
    "meetings": ("meetings", "meetings"),
    "threshold": ("majority threshold", "share of votes"),
    "subset_texts": ("objectors a subset text allows", "members"),
    "salience": ("salience", "weight"),
    "capability": ("capability", "share"),
    "ideal": ("ideal point", "position"),
    "ideal_sd": ("ideal-point s.d.", "position"),
    "budget": ("side-payment budget", "utility units"),
    "growth": ("community growth", "per decision"),
    "decay": ("community decay", "per decision"),
    "max_tolerance": ("maximum tolerance", "utility units"),
    "package_probability": ("package probability", "probability"),
    "package_size": ("package size", "issue areas"),
    "major_agenda_share": ("major powers' agenda share", "share"),
    "issue_shares": ("issue shares", "share"),
    "joins": ("joining meeting", "meeting"),
    "type": ("decision rule", ""),
    "drafting": ("drafting method", ""),
    "proposer": ("proposer rule", ""),
    "first_chair": ("first chair", ""),
    "enabled": ("enabled", ""),
    "weighted": ("capability-weighted", ""),
    "fixed": ("fixed status quo", ""),
    "members": ("generated members", "members"),
    "majors": ("generated major powers", "members"),
}
#: whole paths with a label of their own (checked before the rule)
PATH_LABELS: dict[str, str] = {
    "negotiation.max_rounds": "consultation rounds",
    "rule.type": "decision rule",
    "rule.threshold": "majority threshold",
    "side_payments.budget": "side-payment budget",
    "side_payments.enabled": "side payments on",
    "status_quo.drift": "status-quo drift",
    "status_quo.fixed": "fixed status quo",
    "scenario.meetings": "meetings",
    "generate.members": "generated members",
}
_INDEX = re.compile(r"^(?P<field>[^\[\]]+)\[(?P<index>-?\d+)\]$")


def _field(path: str) -> tuple[str, str, str | None]:
    """``(table, field, element)`` of a dotted path (element: a vector coordinate, or None)."""
    parts = path.split(".")
    table = parts[0]
    rest = parts[2:] if table in ("members", "rivalries") and len(parts) >= 3 else parts[1:]
    if not rest:
        return table, table, None
    last = rest[0]
    m = _INDEX.match(last)
    if m:
        return table, m["field"], f"[{m['index']}]"
    element = rest[1] if len(rest) > 1 else None
    return table, last, element


def parameter_label(path: str) -> str:
    """A human label of a dotted parameter path, e.g. ``India–Pakistan rivalry intensity``.

    ``members.India.tolerance`` -> ``India's tolerance``, ``members.*.tolerance`` -> ``every
    member's tolerance``, ``negotiation.max_rounds`` -> ``consultation rounds``; a path not
    covered by a rule is returned as it is.
    """
    if path in PATH_LABELS:
        return PATH_LABELS[path]
    parts = path.split(".")
    table, field_, element = _field(path)
    what = FIELDS.get(field_, (field_.replace("_", " "), ""))[0]
    if element is not None:
        what = f"{what} {element}" if element.startswith("[") else \
            f"{what} on {element.replace('_', ' ')}"
    if table == "members" and len(parts) >= 3:
        who = "every member's" if parts[1] == "*" else f"{parts[1]}'s"
        return f"{who} {what}"
    if table == "rivalries" and len(parts) >= 3:
        pair = "every rivalry's" if parts[1] == "*" else parts[1].replace("-", "–") + " rivalry"
        if field_ == "intensity":
            return f"{pair} intensity"
        return f"{pair} {what}"
    if table == "pressure":
        return f"great-power pressure: {field_.replace('_', ' ')}"
    if field_ in FIELDS or table in ("negotiation", "agenda", "rule", "community", "space"):
        return what
    return path


def parameter_unit(path: str) -> str:
    """A parameter's unit ('' when it has none, e.g. a rule's name)."""
    _, field_, _ = _field(path)
    return FIELDS.get(field_, ("", ""))[1]


def parameter_axis(path: str) -> str:
    """An axis label: the human label with its unit, ``India's tolerance (utility units)``."""
    u = parameter_unit(path)
    return f"{parameter_label(path)} ({u})" if u else parameter_label(path)


def parameter_short(path: str, width: int = 14) -> str:
    """The parameter's label cut to ``width`` characters for narrow tables (the legend has the rest)."""
    text = parameter_label(path)
    return text if len(text) <= width else text[: width - 1] + "…"


__all__ = ["ALWAYS_SHOWN", "FIELDS", "HEADLINE", "MEETING_COLUMNS", "METRICS", "Metric",
           "PATH_LABELS", "PERIOD_RATES", "RUN_COUNTS", "RUN_RATES", "SWEEP_SUMMARY", "SWEEP_TABLE",
           "TABLE_RATES", "label", "metric", "parameter_axis", "parameter_label", "parameter_short",
           "parameter_unit", "short", "unit"]
