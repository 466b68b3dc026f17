"""Figures of an uncertainty analysis and of a calibration, drawn from their stored tables.

Readers read: every function takes the summary and tables a command wrote and computes nothing
but the picture (no model runs, no SALib).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..analysis import vocabulary as vocab  # noqa: E402
from .plots import DPI, OKABE_ITO, STYLE  # noqa: E402

SHOWN = ("deadlock_rate", "consensus_rate", "subset_rate", "throughput")


def differences_figure(summary: dict, runs: pd.DataFrame, scenario: str, path: Path) -> None:
    """Histograms of the per-draw paired differences, with the nominal value and the 90% interval."""
    base = runs[runs["configuration"] == 0].set_index("draw")
    other = runs[runs["scenario"] == scenario].set_index("draw")
    diff = summary["differences"][scenario]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(SHOWN), figsize=(3.6 * len(SHOWN), 3.6), constrained_layout=True)
        for ax, m in zip(axes, SHOWN):
            d = (other[m] - base[m]).to_numpy(dtype=float)
            ax.hist(d, bins=20, color=OKABE_ITO["sky_blue"], edgecolor="white")
            lo, hi = diff[m]["assumption_interval90"]
            ax.axvspan(lo, hi, color=OKABE_ITO["orange"], alpha=0.2, label="assumption interval (5-95%)")
            ax.axvline(diff[m]["nominal"]["mean"], color=OKABE_ITO["vermillion"], lw=1.5,
                       label="at the files' values")
            ax.axvline(0.0, color=OKABE_ITO["black"], lw=0.8)
            title, unit = vocab.label(m), vocab.unit(m)
            ax.set_title(f"Δ {title.lower()}")
            ax.set_xlabel("\n".join(textwrap.wrap(f"difference ({unit})", 30)))
            ax.set_ylabel("input draws")
        axes[0].legend(loc="upper left", fontsize=7)
        fig.suptitle(f"{scenario} minus {summary['baseline']}\n"
                     f"paired differences over {summary['draws']} input draws (common random numbers)")
        fig.savefig(path, dpi=DPI)
        plt.close(fig)


def indices_figure(summary: dict, scenario: str, metric: str, path: Path, top: int = 15) -> None:
    """The factors ranked by total Sobol index of a difference, first-order index beside it."""
    s = summary["differences"][scenario][metric]["sobol"]
    order = sorted(s["ST"], key=lambda f: s["ST"][f], reverse=True)[:top][::-1]
    y = np.arange(len(order))
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(order) + 1.4), constrained_layout=True)
        ax.barh(y + 0.2, [s["ST"][f] for f in order], height=0.4, color=OKABE_ITO["blue"], label="total (ST)",
                xerr=[s["ST_conf"][f] for f in order], error_kw={"elinewidth": 0.8, "ecolor": "#555555"})
        ax.barh(y - 0.2, [s["S1"][f] for f in order], height=0.4, color=OKABE_ITO["orange"],
                label="first order (S1)")
        ax.set_yticks(y, order)
        ax.axvline(0.0, color=OKABE_ITO["black"], lw=0.8)
        ax.set_xlabel("Sobol index (share of the variance of the difference); bars: 95% bootstrap")
        title = vocab.label(metric)
        ax.set_title("\n".join([f"What drives Δ {title.lower()}", *textwrap.wrap(
            f"{scenario} minus {summary['baseline']}", 70)]))
        ax.legend(loc="lower right")
        fig.savefig(path, dpi=DPI)
        plt.close(fig)


def posterior_figure(posterior: pd.DataFrame, weights: np.ndarray, priors: dict, path: Path) -> None:
    """Weighted posterior histogram of each calibrated parameter over its prior range."""
    names = list(priors)
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.7 * rows), constrained_layout=True,
                                 squeeze=False)
        for ax, name in zip(axes.flat, names):
            lo, hi = priors[name]
            ax.hist(posterior[name], bins=15, range=(lo, hi), weights=weights, density=True,
                    color=OKABE_ITO["bluish_green"], edgecolor="white", label="posterior")
            ax.axhline(1.0 / (hi - lo), color=OKABE_ITO["black"], lw=1, ls="--", label="prior")
            ax.set_title(name, fontsize=8)
            ax.set_xlabel("value")
            ax.set_ylabel("density")
        for ax in list(axes.flat)[len(names):]:
            ax.set_visible(False)
        axes[0, 0].legend(fontsize=7)
        fig.suptitle("ABC-SMC posterior (uniform priors from the declared ranges)")
        fig.savefig(path, dpi=DPI)
        plt.close(fig)


def predictive_figure(predictive: pd.DataFrame, observed: dict, path: Path) -> None:
    """Posterior-predictive distribution of each target, the observed value marked."""
    names = list(observed)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(names), figsize=(3.3 * len(names), 3.0), constrained_layout=True,
                                 squeeze=False)
        for ax, name in zip(axes[0], names):
            ax.hist(predictive[name], bins=20, color=OKABE_ITO["sky_blue"], edgecolor="white",
                    label="posterior predictive")
            ax.axvline(observed[name], color=OKABE_ITO["vermillion"], lw=1.5, label="record")
            ax.set_title("\n".join(textwrap.wrap(name, 36)), fontsize=8)
            ax.set_xlabel("per summit")
            ax.set_ylabel("draws")
        axes[0, 0].legend(fontsize=7)
        fig.suptitle("Posterior predictive against the record")
        fig.savefig(path, dpi=DPI)
        plt.close(fig)
