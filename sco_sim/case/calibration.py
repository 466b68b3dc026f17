"""Calibration against the SCO record and an out-of-sample test: ``sco-sim calibrate``.

Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC; pyabc, Klinger et al. 2018)
of the free parameters of the history scenario. The priors are uniform over the ranges the file
declares (``[[uncertain]]``); the data are the record's summits of the **fit period** (2001-2017,
meetings 1-17):

* ``documents_mean``: documents adopted per summit (mean over the summits with a sourced count);
  the model's counterpart is the texts adopted per meeting (consensus plus subset texts);
* ``documents_sd``: their spread across summits.

The posterior then predicts the **test period** (2018-2025, meetings 18-25), which the fit never
saw, and each prediction is scored with the continuous ranked probability score (CRPS, the
ensemble estimator ``E|X - y| - E|X - X'| / 2``; lower is better, in the target's own units)
against a naive baseline:

* ``documents_per_summit``: per test summit; baseline: the fit period's sourced counts carried
  forward as an ensemble;
* ``texts_without_member_per_summit``: heads-of-state texts issued without a member (record:
  blockages of kind ``subset_text`` at the summit); model: subset texts per meeting; baseline:
  the fit period's per-summit counts carried forward (none);
* ``india_outside_share``: the share of the test period's texts without a member that India
  stands outside; baseline: any member present equally likely (one in eight).

Randomness: pyabc draws its particles with numpy's *global* generator, so :func:`calibrate` seeds
it with ``numpy.random.seed(seed)`` (and pyabc runs on one core, in order); every model run uses
the project's seeded streams with a seed derived from ``(seed, evaluation number)``.
Model logic only: no files written except pyabc's own database in a temporary folder.
"""

from __future__ import annotations

import math
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..analysis.uncertainty import Configuration, run_model
from ..engine import RunResults
from ..inputs.errors import InputError, Problem

#: meetings (1-based, inclusive) of the fit and test periods: 2001-2017 and 2018-2025
FIT = (1, 17)
TEST = (18, 25)
#: the free parameters calibrated by default, where the scenario declares them
FREE = (
    "members.*.tolerance",
    "community.growth",
    "community.decay",
    "rivalries.India-Pakistan.intensity",
    "rivalries.China-India.intensity",
    "side_payments.budget",
    "agenda.major_agenda_share",
    "agenda.items_per_meeting",
    "negotiation.concession",
)
FIT_STATS = ("documents_mean", "documents_sd")
TARGETS = ("documents_per_summit", "texts_without_member_per_summit", "india_outside_share")


# --------------------------------------------------------------------------- record and model


@dataclass(frozen=True)
class Record:
    """What the record says per summit: documents (NaN if unknown), texts without a member, who."""

    documents: dict[int, float]  # meeting -> documents adopted (sourced counts only)
    texts_without_member: dict[int, int]  # meeting -> heads-of-state texts issued without a member
    outside: dict[int, list[str]]  # meeting -> the members standing outside those texts

    def fit_statistics(self, period: tuple[int, int] = FIT) -> dict[str, float]:
        """The ABC data: mean and spread of the documents per summit in ``period``."""
        docs = np.array([v for m, v in self.documents.items() if period[0] <= m <= period[1] and math.isfinite(v)])
        if len(docs) < 2:
            raise InputError([Problem("record", "documents", f"fewer than two sourced document counts in "
                                      f"meetings {period[0]}-{period[1]}")])
        return {"documents_mean": float(docs.mean()), "documents_sd": float(docs.std(ddof=1))}


def record_from_tables(summits: pd.DataFrame, blockages: pd.DataFrame) -> Record:
    """Build the targets from the record's summit and blockage tables (:mod:`sco_sim.case.record`)."""
    docs = {int(m): float(d) if pd.notna(d) else math.nan for m, d in zip(summits["meeting"], summits["documents"])}
    hos = blockages[(blockages["body"] == "heads_of_state") & (blockages["kind"] == "subset_text")
                    & blockages["meeting"].notna()]
    texts = {m: 0 for m in docs}
    outside: dict[int, list[str]] = {m: [] for m in docs}
    for m, who in zip(hos["meeting"], hos["withheld_by"]):
        texts[int(m)] = texts.get(int(m), 0) + 1
        names = who.split(";") if isinstance(who, str) else list(who)
        outside.setdefault(int(m), []).extend(names)
    return Record(docs, texts, outside)


def load_record() -> Record:
    """The bundled SCO record (sco_sim.case.record); an input error if this build does not have it."""
    try:
        from . import record
    except ImportError:
        raise InputError([Problem("record", "sco_sim.case.record", "the SCO record data set is not part of this "
                                  "build; calibration needs it")]) from None
    return record_from_tables(record.summits(), record.blockages())


def model_statistics(results: RunResults, period: tuple[int, int]) -> dict[str, float]:
    """The model's counterparts of :meth:`Record.fit_statistics` (means over replications)."""
    m = results.meetings
    m = m[(m["meeting"] >= period[0]) & (m["meeting"] <= period[1])]
    per_rep = m.groupby("replication")["adopted"]
    return {"documents_mean": float(per_rep.mean().mean()), "documents_sd": float(per_rep.std(ddof=1).mean())}


def _objectors(text: Any) -> list[str]:
    return [s for s in str(text).split(";") if s] if isinstance(text, str) else []


def predictive_rows(results: RunResults, period: tuple[int, int], draw: int) -> pd.DataFrame:
    """Per (replication, meeting) in ``period``: documents, texts without a member, and India's among them."""
    m = results.meetings
    m = m[(m["meeting"] >= period[0]) & (m["meeting"] <= period[1])]
    out = m[["replication", "meeting", "adopted", "subset_texts"]].rename(
        columns={"adopted": "documents", "subset_texts": "texts_without_member"}).copy()
    it = results.items
    sub = it[(it["outcome"] == "subset") & (it["meeting"] >= period[0]) & (it["meeting"] <= period[1])]
    india = sub.loc[np.array(["India" in _objectors(s) for s in sub["objectors"]], dtype=bool)]
    counts = india.groupby(["replication", "meeting"]).size().rename("india_outside")
    out = out.merge(counts.reset_index(), on=["replication", "meeting"], how="left")
    out["india_outside"] = out["india_outside"].fillna(0).astype("int64")
    out.insert(0, "draw", draw)
    return out


# --------------------------------------------------------------------------- scores


def crps(ensemble: np.ndarray, observed: float) -> float:
    """Continuous ranked probability score of an ensemble forecast (lower is better).

    ``E|X - y| - E|X - X'| / 2`` over the ensemble's members (Gneiting & Raftery 2007, eq. 21);
    a one-member ensemble scores its absolute error.
    """
    x = np.sort(np.asarray(ensemble, dtype=float))
    n = len(x)
    if n == 0:
        return math.nan
    # E|X - X'| from the sorted sample: sum_i (2i - n - 1) x_i * 2 / n^2
    spread = float(np.sum((2 * np.arange(1, n + 1) - n - 1) * x)) * 2 / n**2
    return float(np.mean(np.abs(x - observed))) - spread / 2


def out_of_sample(predictive: pd.DataFrame, rec: Record, fit: tuple[int, int] = FIT,
                  test: tuple[int, int] = TEST, members: int = 8) -> dict[str, dict]:
    """CRPS of the posterior predictive and of the naive baselines for every test target."""
    fit_docs = np.array([v for m, v in rec.documents.items() if fit[0] <= m <= fit[1] and math.isfinite(v)])
    fit_texts = np.array([rec.texts_without_member.get(m, 0) for m in range(fit[0], fit[1] + 1)], dtype=float)
    out: dict[str, dict] = {}
    docs_model, docs_base, texts_model, texts_base = [], [], [], []
    for m in range(test[0], test[1] + 1):
        ens = predictive[predictive["meeting"] == m]
        y = rec.documents.get(m, math.nan)
        if math.isfinite(y):
            docs_model.append(crps(ens["documents"].to_numpy(), y))
            docs_base.append(crps(fit_docs, y))
        t = rec.texts_without_member.get(m, 0)
        texts_model.append(crps(ens["texts_without_member"].to_numpy(), t))
        texts_base.append(crps(fit_texts, t))
    out["documents_per_summit"] = {
        "model": float(np.mean(docs_model)), "baseline": float(np.mean(docs_base)), "summits": len(docs_model),
        "baseline_is": "the fit period's sourced counts carried forward",
        "observed_mean": float(np.nanmean([rec.documents.get(m, math.nan) for m in range(test[0], test[1] + 1)])),
        "model_mean": float(predictive["documents"].mean())}
    out["texts_without_member_per_summit"] = {
        "model": float(np.mean(texts_model)), "baseline": float(np.mean(texts_base)), "summits": len(texts_model),
        "baseline_is": "the fit period's per-summit counts carried forward",
        "observed_mean": float(np.mean([rec.texts_without_member.get(m, 0) for m in range(test[0], test[1] + 1)])),
        "model_mean": float(predictive["texts_without_member"].mean())}
    outs = [w for m in range(test[0], test[1] + 1) for w in rec.outside.get(m, [])]
    if outs:
        y = sum(w == "India" for w in outs) / len(outs)
        per = predictive.groupby(["draw", "replication"])[["india_outside", "texts_without_member"]].sum()
        per = per[per["texts_without_member"] > 0]
        shares = (per["india_outside"] / per["texts_without_member"]).to_numpy()
        out["india_outside_share"] = {
            "model": crps(shares, y), "baseline": crps(np.array([1.0 / members]), y),
            "baseline_is": f"any of the {members} members equally likely (1/{members})",
            "observed": y, "model_mean": float(shares.mean()) if len(shares) else math.nan}
    for v in out.values():
        v["score"] = "CRPS (lower is better)"
        v["model_beats_baseline"] = bool(v["model"] < v["baseline"])
    return out


def test_period_means(predictive: pd.DataFrame, rec: Record, test: tuple[int, int] = TEST
                      ) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per (draw, replication) means over the test summits, and the record's own means."""
    per = predictive.groupby(["draw", "replication"])[["documents", "texts_without_member"]].mean()
    names = {"documents": f"documents per summit, meetings {test[0]}-{test[1]}",
             "texts_without_member": f"texts without a member per summit, meetings {test[0]}-{test[1]}"}
    meetings = range(test[0], test[1] + 1)
    observed = {names["documents"]: float(np.nanmean([rec.documents.get(m, math.nan) for m in meetings])),
                names["texts_without_member"]: float(np.mean([rec.texts_without_member.get(m, 0) for m in meetings]))}
    return per.rename(columns=names).reset_index(drop=True), observed


# --------------------------------------------------------------------------- ABC-SMC


def priors(configuration: Configuration, paths: tuple[str, ...] | list[str] = FREE) -> dict[str, tuple[float, float]]:
    """Uniform prior bounds of the free parameters the scenario declares (categorical ones skipped)."""
    out = {}
    for p in paths:
        inp = configuration.inputs.get(p)
        if inp is not None and inp.distribution != "categorical":
            out[p] = (float(inp.low), float(inp.high))  # type: ignore[arg-type]
    if not out:
        raise InputError([Problem(configuration.source, "uncertain", f"declares none of the free parameters "
                                  f"{list(paths)}; nothing to calibrate")])
    return out


def _values(configuration: Configuration, theta: dict[str, float]) -> dict[str, Any]:
    """Parameter values as the file takes them (whole numbers for integer fields)."""
    out: dict[str, Any] = {}
    for p, v in theta.items():
        out[p] = int(round(v)) if configuration.inputs[p].integer else float(v)
    return out


def _seed(seed: int, k: int) -> int:
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


def calibrate(configuration: Configuration, observed: dict[str, float], bounds: dict[str, tuple[float, float]],
              populations: int, population_size: int, replications: int, seed: int,
              fit: tuple[int, int] = FIT) -> dict[str, Any]:
    """ABC-SMC posterior of ``bounds``' parameters given the fit statistics ``observed``.

    Returns the weighted particles of the last generation (``posterior``: one column per
    parameter, ``weight``), each generation's tolerance ``epsilons`` and the number of model runs.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import logging

        import pyabc

        for name in ("ABC", "pyabc", "Sampler", "Epsilon", "Distance", "History", "Acceptor"):
            logging.getLogger(name).setLevel(logging.ERROR)
    keys = {f"p{i}": p for i, p in enumerate(bounds)}
    prior = pyabc.Distribution(**{k: pyabc.RV("uniform", bounds[p][0], bounds[p][1] - bounds[p][0])
                                  for k, p in keys.items()})
    counter = {"runs": 0}

    def model(par: dict) -> dict[str, float]:
        counter["runs"] += 1
        theta = _values(configuration, {keys[k]: float(par[k]) for k in keys})
        results = run_model(configuration.config(theta), replications, _seed(seed, counter["runs"]))
        return model_statistics(results, fit)

    distance = pyabc.distance.AdaptivePNormDistance(p=2)
    np.random.seed(seed)  # pyabc samples particles from numpy's global generator
    with tempfile.TemporaryDirectory(prefix="sco-sim-abc-") as tmp:
        abc = pyabc.ABCSMC(model, prior, distance, population_size=population_size,
                           sampler=pyabc.sampler.SingleCoreSampler())
        abc.new(f"sqlite:///{Path(tmp) / 'abc.db'}", dict(observed))
        history = abc.run(max_nr_populations=populations, minimum_epsilon=0.0)
        df, w = history.get_distribution(m=0, t=history.max_t)
        eps = history.get_all_populations()
        epsilons = [float(e) for e in eps.loc[eps["t"] >= 0, "epsilon"]]
    posterior = df.rename(columns=keys).reset_index(drop=True)[list(bounds)]
    posterior["weight"] = np.asarray(w, dtype=float)
    return {"posterior": posterior, "epsilons": epsilons, "runs": counter["runs"]}


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """Quantile ``q`` of ``x`` with weights ``w`` (inverse of the weighted empirical CDF)."""
    order = np.argsort(x)
    cdf = np.cumsum(w[order]) / np.sum(w)
    return float(x[order][min(np.searchsorted(cdf, q), len(x) - 1)])


def posterior_summary(posterior: pd.DataFrame, bounds: dict[str, tuple[float, float]]) -> dict[str, dict]:
    """Weighted posterior mean and 90% interval of every parameter, with its prior range."""
    w = posterior["weight"].to_numpy()
    out = {}
    for p in bounds:
        x = posterior[p].to_numpy(dtype=float)
        out[p] = {"mean": float(np.average(x, weights=w)),
                  "ci90": [weighted_quantile(x, w, 0.05), weighted_quantile(x, w, 0.95)],
                  "prior": list(bounds[p])}
    return out


def resample(posterior: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` parameter sets drawn from the weighted posterior (seeded)."""
    rng = np.random.default_rng(seed)
    w = posterior["weight"].to_numpy()
    idx = rng.choice(len(posterior), size=n, p=w / w.sum())
    return posterior.iloc[idx].drop(columns="weight").reset_index(drop=True)


def predictive(configuration: Configuration, draws: pd.DataFrame, replications: int, seed: int,
               period: tuple[int, int], progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Posterior-predictive rows (see :func:`predictive_rows`) of every parameter draw."""
    frames = []
    for i, row in draws.iterrows():
        theta = _values(configuration, row.to_dict())
        results = run_model(configuration.config(theta), replications, _seed(seed, 10**6 + int(i)), items=True)
        frames.append(predictive_rows(results, period, int(i)))
        if progress is not None:
            progress(1)
    return pd.concat(frames, ignore_index=True)


def predictive_differences(configurations: list[Configuration], draws: pd.DataFrame, replications: int,
                           seed: int, metric: str = "deadlock_rate") -> dict[str, Any]:
    """The calibrated posterior predictive of a comparison: the paired difference at each draw.

    Each configuration takes the draw's values where it declares the path (common input draws)
    and every draw runs on the same streams in every configuration (common random numbers).
    """
    from ..analysis.uncertainty import run_metrics

    diffs: dict[str, list[float]] = {c.name: [] for c in configurations[1:]}
    for _, row in draws.iterrows():
        theta = row.to_dict()
        means = []
        for c in configurations:
            vals = _values(c, {p: v for p, v in theta.items() if p in c.inputs})
            means.append(float(run_metrics(c.config(vals), replications, seed)[metric].mean()))
        for c, m in zip(configurations[1:], means[1:]):
            diffs[c.name].append(m - means[0])
    return {name: {"metric": metric, "mean": float(np.mean(d)),
                   "predictive_interval90": [float(np.quantile(d, 0.05)), float(np.quantile(d, 0.95))],
                   "draws": len(d)} for name, d in diffs.items()}
