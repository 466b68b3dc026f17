"""Summaries of run results: per-run metrics, means with 95% confidence intervals, paired differences.

Replications are independent, so every interval is a Student-t interval over per-replication
values. Comparisons run every configuration on the same random streams (common random numbers)
and take the t interval of the per-replication *differences* (a paired design), which is
narrower than comparing two independent intervals.
"""

from __future__ import annotations

import pandas as pd

from ..engine import RunResults
from ..engine.results import PERIOD_TOTALS, RUN_TOTALS, periods_of
from .intervals import mean_ci, paired_ci
from .vocabulary import PERIOD_RATES, RUN_RATES


def per_run(results: RunResults) -> pd.DataFrame:
    """One row per replication (indexed by it): totals over the run and the rates derived from them."""
    runs = results.runs.set_index("replication")
    return _rates(runs[[*RUN_TOTALS, "meetings"]].copy())


def _rates(runs: pd.DataFrame) -> pd.DataFrame:
    """The rates derived from run (or period) totals."""
    runs["throughput"] = runs["adopted"] / runs["meetings"]
    runs["adoption_rate"] = runs["adopted"] / runs["items"]
    runs["deadlock_rate"] = runs["deadlocked"] / runs["items"]
    runs["consensus_rate"] = runs["consensus"] / runs["items"]
    runs["subset_rate"] = runs["subset_texts"] / runs["items"]
    if "null_drafts" in runs:
        runs["null_draft_rate"] = runs["null_drafts"] / runs["items"]
        runs["mean_rounds"] = runs["rounds"] / runs["items"]
        runs["side_payment_rate"] = runs["side_payments"] / runs["items"]
    return runs.sort_index()


def periods(results: RunResults) -> list[dict]:
    """Rates before and after each accession (one period per distinct joining meeting).

    Empty when every member is present from the first meeting.
    """
    cfg = results.config
    if cfg.joins is None:
        return []
    runs = results.runs.set_index("replication")
    out = []
    for k, (first, last) in enumerate(periods_of(cfg)):
        totals = runs[[f"p{k}.{c}" for c in (*PERIOD_TOTALS, "meetings")]].copy()
        totals.columns = [*PERIOD_TOTALS, "meetings"]
        rates = _rates(totals)
        joined = [name for name, j in zip(cfg.names, cfg.joins) if j == first and first > 1]
        entry: dict[str, object] = {
            "first_meeting": first,
            "last_meeting": last,
            "joined": joined,
            "members_present": int(cfg.present(first).sum()),
        }
        for name in PERIOD_RATES:
            mean, lo, hi = mean_ci(rates[name].to_numpy(), lower=0.0)
            entry[name] = mean
            entry[f"{name}_ci95"] = [lo, hi]
        out.append(entry)
    return out


def run_table(results: RunResults) -> pd.DataFrame:
    """Run-level rows for sweeps: one per replication, rates plus each member's counts.

    Columns: replication, the run totals of :func:`per_run` (items, adopted, consensus,
    subset_texts, deadlocked, null_drafts, rounds, side_payments, meetings) and its rates
    (throughput, adoption_rate, deadlock_rate, consensus_rate, subset_rate, null_draft_rate,
    mean_rounds, side_payment_rate), then ``objections.<member>`` and ``sole_vetoes.<member>``
    for every member (run totals).
    """
    runs = per_run(results).reset_index()
    names = list(results.config.names)
    wide = results.runs[["replication", *[f"objections.{n}" for n in names],
                         *[f"sole_vetoes.{n}" for n in names]]]
    out = runs.merge(wide, on="replication", how="left")
    return out.astype({c: "int64" for c in wide.columns})


def member_per_run(results: RunResults) -> pd.DataFrame:
    """One row per (replication, member): objections and sole vetoes summed over the run."""
    runs = results.runs
    frames = [pd.DataFrame({"replication": runs["replication"].to_numpy(), "member": name,
                            "objections": runs[f"objections.{name}"].to_numpy(),
                            "sole_vetoes": runs[f"sole_vetoes.{name}"].to_numpy()})
              for name in results.config.names]
    return pd.concat(frames, ignore_index=True).sort_values(["replication"], kind="stable").reset_index(drop=True)


def summarize(results: RunResults) -> dict:
    """The run's headline numbers: counts are means per replication; rates carry 95% CIs."""
    runs = per_run(results)
    metrics: dict[str, object] = {
        name: float(runs[name].mean())
        for name in ("items", "adopted", "consensus", "subset_texts", "deadlocked", "side_payments")
    }
    for name in RUN_RATES:
        m, lo, hi = mean_ci(runs[name].to_numpy(), lower=0.0)
        metrics[name] = m
        metrics[f"{name}_ci95"] = [lo, hi]
    items = runs["items"].to_numpy()
    members: dict[str, dict] = {}
    mr = member_per_run(results)
    for name in results.config.names:
        rows = mr[mr["member"] == name].set_index("replication").reindex(runs.index)
        obj = rows["objections"].to_numpy(dtype=float)
        sole = rows["sole_vetoes"].to_numpy(dtype=float)
        o_rate = mean_ci(obj / items, lower=0.0, upper=1.0)
        s_rate = mean_ci(sole / items, lower=0.0, upper=1.0)
        members[name] = {
            "objections": float(obj.mean()),
            "sole_vetoes": float(sole.mean()),
            "objection_rate": o_rate[0],
            "objection_rate_ci95": [o_rate[1], o_rate[2]],
            "sole_veto_rate": s_rate[0],
            "sole_veto_rate_ci95": [s_rate[1], s_rate[2]],
        }
    cfg = results.config
    return {
        "scenario": cfg.name,
        "replications": results.replications,
        "seed": results.seed,
        "meetings": cfg.meetings,
        "items_per_meeting": cfg.items_per_meeting,
        "rule": cfg.rule,
        "metrics": metrics,
        "members": members,
        "periods": periods(results),
        "notes": "items, adopted, deadlocked, objections and sole_vetoes are means per replication; "
        "an item ends with a consensus text, a subset text (a text of all but at most "
        "rule.subset_texts objectors) or no text (deadlocked); adopted = consensus + subset; "
        "throughput is adopted texts per meeting; rates are per agenda item; "
        "intervals are 95% Student-t intervals over replications.",
    }


def compare(results: list[RunResults]) -> dict:
    """Each configuration's summary plus paired differences against the first one.

    All configurations must have been run with the same seed and number of replications, so
    replication k of each used the same random streams.
    """
    base = results[0]
    for r in results[1:]:
        if r.seed != base.seed or r.replications != base.replications:
            raise ValueError("comparisons need the same seed and replications for every scenario")
    summaries = [summarize(r) for r in results]
    base_runs = per_run(base)
    differences = []
    for r in results[1:]:
        runs = per_run(r)
        diff: dict[str, object] = {"scenario": r.config.name, "baseline": base.config.name}
        for name in RUN_RATES:
            m, lo, hi = paired_ci(runs[name].to_numpy(), base_runs[name].to_numpy())
            diff[name] = m
            diff[f"{name}_ci95"] = [lo, hi]
        differences.append(diff)
    return {
        "replications": base.replications,
        "seed": base.seed,
        "scenarios": summaries,
        "differences": differences,
        "notes": "differences are (scenario - baseline) per replication under common random "
        "numbers, with paired 95% Student-t intervals.",
    }
