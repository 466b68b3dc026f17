"""Figures of results folders and scenarios (matplotlib, Agg canvas, no pyplot state).

Every ``plot_*`` function returns a :class:`matplotlib.figure.Figure`; :func:`save` writes one
(PNG, SVG or PDF, atomically, with no timestamps in the file). :func:`plot_results` makes every
figure a results folder supports, or one kind of them:

============== ============================================================ =====================
kind           what                                                         folders
============== ============================================================ =====================
comparison     throughput and deadlock rate per scenario, 95% CI bars       run, compare
timeseries     adopted / deadlocked items per meeting, mean and 95% CI band run, compare
               across replications, accessions marked
blockers       objections and sole objections by member x issue area       run, compare
policy         ideal points, indifference curves through the status quo,    run, compare (scenario
               the winset, the status quo's path in one replication         files unchanged)
sweep-line     a metric against one parameter, one line per scenario        sweep
sweep-heatmap  a metric over two parameters                                 sweep (>= 2 parameters)
sensitivity    Sobol or Morris indices as bars                              sweep (sobol, morris)
attribution    each step of an attribution chain: paired difference, 95% CI sweep ([attribution])
============== ============================================================ =====================

The functions behind the kinds take plain inputs (summaries, DataFrames of tidy rows, a
:class:`~sco_sim.inputs.config.Config`), so they work on tables from anywhere: e.g.
:func:`plot_sweep_line` takes any DataFrame of run rows with ``scenario``, the parameter column and
the metric. Every figure has a title, labelled axes with units, the Okabe–Ito colour-blind-safe
palette, and a caption line (gid ``"caption"``) with the scenario name(s) and the seed.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import matplotlib as mpl
import matplotlib.patches
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse, Patch
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from ..analysis import vocabulary as vocab
from ..analysis.intervals import crosses_zero, grouped_mean_ci
from ..experiments.output import atomic_write
from ..inputs.config import Config
from ..inputs.errors import InputError, Problem

# ----------------------------------------------------------------------------- style

#: Okabe & Ito (2008) colour-blind-safe palette
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
#: order for series: the darkest, most distinct colours first (yellow last: weak on white)
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000",
                  "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p")
LINESTYLES = ("-", "--", "-.", ":")
HEAT_CMAP = "viridis"  # perceptually uniform, colour-blind safe, legible in grey
FORMATS = ("png", "svg", "pdf")
KINDS = ("comparison", "timeseries", "blockers", "policy", "sweep-line", "sweep-heatmap",
         "sensitivity", "attribution")
DPI = 110
STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "figure.titlesize": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "svg.hashsalt": "sco-sim",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
}

#: members' series: no black (the status quo's colour) and no star or square (the status quo's
#: markers), so that every member differs from the status quo and from the others
MEMBER_COLOURS = tuple(c for c in SERIES_COLOURS if c != "#000000")
MEMBER_MARKERS = tuple(m for m in MARKERS if m not in ("*", "s"))
#: fewer replications per design point than this and a sensitivity figure carries a warning
MIN_SENSITIVITY_REPLICATIONS = 30


def colour(i: int) -> str:
    """The i-th series colour (Okabe–Ito, cycling)."""
    return SERIES_COLOURS[i % len(SERIES_COLOURS)]


def member_style(i: int) -> tuple[str, str]:
    """``(colour, marker)`` of the i-th member: each pair distinct, none the status quo's."""
    return MEMBER_COLOURS[i % len(MEMBER_COLOURS)], MEMBER_MARKERS[i % len(MEMBER_MARKERS)]


def metric_title(metric: str) -> str:
    """A metric's label with a capital letter (a panel title)."""
    return vocab.metric(metric).title


@contextmanager
def _style() -> Iterator[None]:
    with mpl.rc_context(STYLE):
        yield


def new_figure(width: float, height: float) -> tuple[Figure, Any]:
    """A figure on an Agg canvas (no pyplot, no global backend switch), constrained layout.

    Returns ``(figure, body)``: draw into ``body`` (a sub-figure); :func:`finish` puts the title
    above it and the caption line in a strip below it, so legends placed "outside lower center"
    of the body never run into the caption.
    """
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    body, foot = fig.subfigures(2, 1, height_ratios=[height - 0.3, 0.3])
    fig._sco_parts = (body, foot)  # type: ignore[attr-defined]
    return fig, body


def _wrap(text: str, width_in: float, fontsize: float = 8.0) -> str:
    chars = max(40, int(width_in * 72 / (fontsize * 0.52)))
    return "\n".join(textwrap.wrap(text, chars, break_on_hyphens=False)) or text


def caption_text(scenarios: Sequence[str] | str | None, seed: int | None, note: str | None = None) -> str:
    """``Scenario: X · seed 7 · note``, the line every figure carries at its foot."""
    if isinstance(scenarios, str):
        scenarios = [scenarios]
    parts = []
    if scenarios:
        label = "Scenario" if len(scenarios) == 1 else "Scenarios"
        parts.append(f"{label}: {'; '.join(scenarios)}")
    parts.append(f"seed {seed}" if seed is not None else "seed not recorded")
    if note:
        parts.append(note)
    return " · ".join(parts)


def finish(fig: Figure, title: str, caption: str) -> Figure:
    """Title on top, the caption line at the foot (space reserved in the layout)."""
    w, h = fig.get_size_inches()
    title = "\n".join(_wrap(line, w - 0.3, 13 * 1.1) for line in title.split("\n"))
    fig.suptitle(title, fontweight="bold")
    text = _wrap(caption, w - 0.2)
    lines = text.count("\n") + 1
    foot_in = (lines * 8 * 1.3 + 9) / 72
    body, foot = fig._sco_parts  # type: ignore[attr-defined]
    body._subplotspec.get_gridspec().set_height_ratios([max(h - foot_in, 0.5), foot_in])
    foot.text(0.01, 0.5, text, ha="left", va="center", fontsize=8, color="#333333", gid="caption",
              linespacing=1.3)
    return fig


def title_of(fig: Figure) -> str:
    """The title of a figure made here, on one line."""
    return fig._suptitle.get_text().replace("\n", " ") if fig._suptitle is not None else ""


def caption_of(fig: Figure) -> str:
    """The caption line of a figure made here ('' if none)."""
    for t in fig.findobj(Text):
        if t.get_gid() == "caption":
            return t.get_text()
    return ""


def text_overlaps(texts: Sequence[Text], pad: float = 0.0) -> list[tuple[int, int]]:
    """Pairs of visible, non-empty texts whose drawn extents overlap (display coordinates)."""
    shown = [(k, t) for k, t in enumerate(texts) if t.get_visible() and t.get_text().strip()]
    if not shown:
        return []
    renderer = shown[0][1].figure.canvas.get_renderer()
    boxes = [(k, t.get_window_extent(renderer).expanded(1 + pad, 1 + pad)) for k, t in shown]
    return [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1:] if ba.overlaps(bb)]


def place_labels(ax, texts: list[Text], x: Sequence[float] | None = None,
                 y: Sequence[float] | None = None,
                 avoid: Sequence[tuple[float, float]] = ()) -> None:
    """Move point labels so that none overprints another: adjustText, then a sure rule.

    adjustText (repulsion inside the axes, a thin leader line to the point) does most of the
    work but does not promise success; any pair still overlapping afterwards is separated by
    moving the later label down (then up) by whole label heights until it is clear. ``avoid``:
    other points (data coordinates) the labels should keep off, as far as adjustText manages.
    """
    if len(texts) < 2:
        return
    from adjustText import adjust_text

    fig = ax.figure
    fig.canvas.draw()
    if x is not None and y is not None:
        targets = (list(x), list(y))
        x, y = [*x, *(p[0] for p in avoid)], [*y, *(p[1] for p in avoid)]
    else:
        targets = (None, None)
    adjust_text(texts, x=x, y=y, target_x=targets[0], target_y=targets[1], ax=ax,
                ensure_inside_axes=True, expand=(1.1, 1.3),
                arrowprops={"arrowstyle": "-", "color": "#888888", "lw": 0.5})
    renderer = fig.canvas.get_renderer()
    inv = ax.transData.inverted()
    placed: list = []
    for t in texts:
        box = t.get_window_extent(renderer)
        if any(box.overlaps(p) for p in placed):
            h = box.height * 1.1
            for k in range(1, 4 * len(texts) + 1):
                dy = h * ((k + 1) // 2) * (-1 if k % 2 else 1)
                moved = box.translated(0, dy)
                if not any(moved.overlaps(p) for p in placed):
                    px, py = t.get_position()
                    disp = ax.transData.transform((px, py))
                    t.set_position(tuple(inv.transform((disp[0], disp[1] + dy))))
                    box = moved
                    break
        placed.append(box)


def _slug(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return s[:60] or "x"


def _short(name: str, width: int = 26) -> str:
    return "\n".join(textwrap.wrap(name, width)) or name


# ----------------------------------------------------------------------------- saving


def save(fig: Figure, path: str | Path, format: str | None = None, dpi: int = DPI) -> Path:
    """Write ``fig`` to ``path`` (PNG, SVG or PDF), atomically, without timestamps.

    ``format`` defaults to the path's suffix (else PNG); a path without a suffix gets one.
    """
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "png").lower()
    if fmt not in FORMATS:
        raise InputError([Problem(str(path), "--format", f"unknown format {fmt!r}; expected one of "
                                  f"{', '.join(FORMATS)}")])
    if not path.suffix:
        path = path.with_suffix("." + fmt)
    metadata = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
                "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None}}

    def write(tmp: Path) -> None:
        with _style():
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata[fmt])

    return atomic_write(path, write)


def png_bytes(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes (for embedding)."""
    buf = io.BytesIO()
    with _style():
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


# ----------------------------------------------------------------------------- comparison


def plot_comparison(summaries: Sequence[Mapping[str, Any]], seed: int | None = None,
                    note: str | None = None,
                    metrics: Sequence[str] = ("throughput", "deadlock_rate")) -> Figure:
    """Throughput and deadlock rate per scenario, horizontal bars with 95% CI error bars.

    ``summaries`` are :func:`sco_sim.analysis.summary.summarize` dictionaries (``summary.json``), one per
    scenario; one bar container per scenario in each panel.
    """
    if not summaries:
        raise ValueError("plot_comparison needs at least one summary")
    names = [str(s["scenario"]) for s in summaries]
    n = len(names)
    if seed is None:
        seed = summaries[0].get("seed")
    with _style():
        fig, body = new_figure(10.0, 1.9 + 0.62 * n + 0.35 * len(metrics) // 3)
        axes = body.subplots(1, len(metrics), sharey=True, squeeze=False)[0]
        ys = np.arange(n)[::-1]
        for ax, metric in zip(axes, metrics):
            title, unit = metric_title(metric), vocab.unit(metric)
            vals = np.array([float(s["metrics"][metric]) for s in summaries])
            cis = np.array([s["metrics"].get(f"{metric}_ci95", [v, v]) for s, v in zip(summaries, vals)],
                           dtype=float)
            top = float(np.nanmax(cis[:, 1])) if n else 1.0
            for i, (y, v, (lo, hi)) in enumerate(zip(ys, vals, cis)):
                ax.barh(y, v, height=0.62, color=colour(i), xerr=[[v - lo], [hi - v]],
                        error_kw={"ecolor": "#222222", "capsize": 4, "elinewidth": 1.2},
                        label=names[i])
                digits = 2 if top >= 10 else 3
                ax.text(hi + top * 0.02, y, f"{v:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]",
                        va="center", ha="left", fontsize=8.5, color="#222222")
            ax.set_xlim(0, top * 1.55 if top > 0 else 1)
            ax.set_title(title)
            ax.set_xlabel(unit)
            ax.grid(axis="y", visible=False)
        axes[0].set_yticks(ys, [_short(x, 30) for x in names])
        axes[0].set_ylabel("scenario")
        reps = summaries[0].get("replications")
        meet = summaries[0].get("meetings")
        extra = (f"{reps} replications × {meet} meetings; bars: mean over replications, "
                 "error bars: 95% Student-t CI")
        caption = caption_text(names, seed, "; ".join(x for x in (extra, note) if x))
        head = ("Comparison of configurations: throughput and deadlock rate (95% CI)" if n > 1 else
                f"Throughput and deadlock rate (95% CI): {names[0]}")
        return finish(fig, head, caption)


# ----------------------------------------------------------------------------- time series


def _normalise_events(events: Any, scenarios: list[str]) -> dict[str, list[tuple[int, str]]]:
    if events is None:
        return {s: [] for s in scenarios}
    if isinstance(events, Mapping):
        return {s: [(int(m), str(lab)) for m, lab in events.get(s, [])] for s in scenarios}
    evs = [(int(m), str(lab)) for m, lab in events]
    return {s: evs for s in scenarios}


def plot_timeseries(meetings: pd.DataFrame,
                    events: Iterable[tuple[int, str]] | Mapping[str, Iterable[tuple[int, str]]] | None = None,
                    seed: int | None = None, note: str | None = None,
                    chairs: Mapping[str, Sequence[str]] | Sequence[str] | None = None) -> Figure:
    """Adopted and deadlocked items per meeting: mean over replications with its 95% CI band.

    ``meetings`` has one row per (scenario, replication, meeting) with ``adopted`` and
    ``deadlocked`` (``meetings.parquet``). ``events`` are ``(meeting, label)`` pairs (e.g.
    accessions: the first meeting with the new members), for every scenario or as a mapping
    scenario -> pairs; each is marked by a vertical line just before that meeting. ``chairs``
    names the chair of meetings 1, 2, ... (for every scenario, or a mapping scenario -> names;
    :meth:`sco_sim.inputs.config.Config.chair`): written above the top panel, since the rotation is the
    same in every replication and a chair's meetings would otherwise read as a trend.
    """
    df = meetings.copy()
    if "scenario" not in df.columns:
        df["scenario"] = "scenario"
    scen = list(dict.fromkeys(df["scenario"].astype(str)))
    df["scenario"] = df["scenario"].astype(str)
    ev = _normalise_events(events, scen)
    reps = int(df.groupby("scenario")["replication"].nunique().max()) if "replication" in df else 1
    per_item = int(df["items"].max()) if "items" in df.columns and len(df) else None
    with _style():
        fig, body = new_figure(10.0, 6.4 + 0.22 * ((len(scen) + 1) // 2))
        axes = body.subplots(2, 1, sharex=True)
        panels = (("adopted", "Adopted texts", "adopted texts per meeting"),
                  ("deadlocked", "Deadlocked items", "items with no text per meeting"))
        for ax, (col, title, unit) in zip(axes, panels):
            for i, s in enumerate(scen):
                g = grouped_mean_ci(df[df["scenario"] == s], ["meeting"], col)
                c = colour(i)
                ax.fill_between(g["meeting"], g["lo"], g["hi"], color=c, alpha=0.22, linewidth=0)
                ax.plot(g["meeting"], g["mean"], color=c, lw=1.8, marker=MARKERS[i % len(MARKERS)],
                        ms=3.5, ls=LINESTYLES[(i // len(SERIES_COLOURS)) % len(LINESTYLES)],
                        label=s, gid="series")
            ax.set_title(title, loc="left")
            ax.set_ylabel(unit)
            if per_item:
                ax.set_ylim(-0.2, per_item + 0.2)
        axes[1].set_xlabel("meeting (one summit cycle each)")
        # events: shared ones once in grey, scenario-specific ones in the scenario's colour
        shared = set.intersection(*(set(v) for v in ev.values())) if ev else set()
        marks: list[tuple[int, str, str]] = [(m, lab, "#444444") for m, lab in sorted(shared)]
        for i, s in enumerate(scen):
            marks += [(m, lab, colour(i)) for m, lab in ev[s] if (m, lab) not in shared]
        for m, lab, c in marks:
            for ax in axes:
                ax.axvline(m - 0.5, color=c, ls="--", lw=1.1, gid="event")
            axes[0].annotate(lab, xy=(m - 0.5, 0.0), xycoords=("data", "axes fraction"),
                             xytext=(-3, 4), textcoords="offset points", rotation=90, ha="right",
                             va="bottom", fontsize=8, color=c, gid="event-label",
                             bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                                   "alpha": 0.85})
        axes[1].xaxis.set_major_locator(MaxNLocator(integer=True))
        chair_note = _mark_chairs(axes[0], chairs, scen)
        if len(scen) > 1:
            body.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center",
                        ncols=min(len(scen), 2), frameon=False)
        extra = (f"lines: mean over {reps} replications; bands: 95% CI of the mean"
                 + ("; dashed lines: accessions (members join from the next meeting)" if marks else "")
                 + (f"; {chair_note}" if chair_note else ""))
        caption = caption_text(scen, seed, "; ".join(x for x in (extra, note) if x))
        title = ("Time series: adopted and deadlocked items per meeting"
                 + (f"\n{scen[0]}" if len(scen) == 1 else ""))
        return finish(fig, title, caption)


def _mark_chairs(ax, chairs, scen: list[str]) -> str:
    """Write each meeting's chair above ``ax`` (a top axis); return the caption's sentence."""
    if chairs is None:
        return ""
    per = ({s: list(chairs.get(s, [])) for s in scen} if isinstance(chairs, Mapping)
           else {s: list(chairs) for s in scen})
    seqs = [per[s] for s in scen if per[s]]
    if not seqs:
        return ""
    n = max(len(q) for q in seqs)
    same = all(q == seqs[0] for q in seqs)
    labels = []
    for m in range(n):
        names = [q[m] if m < len(q) else "—" for q in seqs]
        labels.append(names[0] if same else " / ".join(names))
    top = ax.secondary_xaxis("top")
    top.set_xticks(range(1, n + 1), labels, rotation=90, fontsize=7, color="#444444")
    top.tick_params(length=2, pad=1)
    top.set_gid("chairs")
    which = "" if same else " (scenarios in legend order, separated by /)"
    return (f"names above the top panel: the chair of each meeting{which}; the rotation is fixed "
            "by the scenario, the same in every replication, so a chair's meetings recur at the "
            "same places")


# ----------------------------------------------------------------------------- who blocks


def blocking_rates(items: pd.DataFrame, presence: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per (scenario, member, issue area): items, objections, sole objections and their rates.

    An item on a package of issue areas (``"a+b"``) counts for each of them. Sole objection: the
    member was the only objector and the item was not adopted by consensus (as in the members
    table). With ``presence`` (scenario, meeting, member, present) a member's items are those of
    the meetings it attended.
    """
    it = items.copy()
    if "scenario" not in it.columns:
        it["scenario"] = "scenario"
    it["scenario"] = it["scenario"].astype(str)
    obj = it["objectors"].fillna("").astype(str)
    it["n_obj"] = np.where(obj == "", 0, obj.str.count(";") + 1)
    if "outcome" in it.columns:
        it["failed"] = it["outcome"].astype(str) != "consensus"
    else:
        it["failed"] = ~it["adopted"].astype(bool)
    it["area"] = it["issue_area"].astype(str).str.split("+")
    it = it.explode("area")
    it["objector"] = obj.reindex(it.index).str.split(";")
    counts = it.groupby(["scenario", "meeting", "area"]).size().rename("items").reset_index()
    o = it[it["n_obj"] > 0].explode("objector")
    o = o.assign(sole=(o["n_obj"] == 1) & o["failed"])
    num = (o.groupby(["scenario", "objector", "area"])
           .agg(objections=("sole", "size"), sole=("sole", "sum")).reset_index()
           .rename(columns={"objector": "member"}))
    if presence is not None and len(presence):
        pres = presence[presence["present"].astype(bool)][["scenario", "meeting", "member"]].copy()
        pres["scenario"] = pres["scenario"].astype(str)
        den = (pres.merge(counts, on=["scenario", "meeting"])
               .groupby(["scenario", "member", "area"])["items"].sum().reset_index())
    else:
        tot = counts.groupby(["scenario", "area"])["items"].sum().reset_index()
        members = num[["scenario", "member"]].drop_duplicates()
        den = members.merge(tot, on="scenario")
    out = den.merge(num, on=["scenario", "member", "area"], how="left").fillna(
        {"objections": 0, "sole": 0})
    out["objection_rate"] = out["objections"] / out["items"]
    out["sole_rate"] = out["sole"] / out["items"]
    return out


def _heat(ax, mat: np.ndarray, rows: list[str], cols: list[str], vmin: float, vmax: float,
          cmap, show_rows: bool = True, show_cols: bool = True, digits: int = 2):
    im = ax.imshow(mat, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto", interpolation="nearest")
    ax.grid(False)
    for sp in ax.spines.values():
        sp.set_visible(False)
    ax.set_yticks(range(len(rows)), rows)
    slant = max((len(c) for c in cols), default=0) > 6
    ax.set_xticks(range(len(cols)), [c.replace("_", " ") for c in cols], rotation=30 if slant else 0,
                  ha="right" if slant else "center", rotation_mode="anchor")
    ax.tick_params(length=0, labelleft=show_rows, labelbottom=show_cols)
    span = (vmax - vmin) or 1.0
    small = len(cols) > 8 or len(rows) > 14
    for r in range(mat.shape[0]):
        for c in range(mat.shape[1]):
            v = mat[r, c]
            if not np.isfinite(v):
                ax.text(c, r, "—", ha="center", va="center", fontsize=7, color="#777777")
                continue
            dark = (v - vmin) / span < 0.55
            label = "0" if v == 0 else (f"{v:.{digits}f}".lstrip("0") if 0 < v < 1 else f"{v:.{digits}f}")
            ax.text(c, r, label,
                    ha="center", va="center", fontsize=6.5 if small else 7.5,
                    color="white" if dark else "black")
    return im


def plot_blockers(items: pd.DataFrame, members: Mapping[str, Sequence[str]] | None = None,
                  areas: Sequence[str] | None = None, presence: pd.DataFrame | None = None,
                  seed: int | None = None, note: str | None = None) -> Figure:
    """Who blocks: heat maps of objection and sole-objection rates by member x issue area.

    ``items`` is ``items.parquet`` (scenario, issue_area, objectors, outcome or adopted).
    ``members`` gives each scenario's members in order (rows; members that never objected
    included), ``areas`` the issue areas in order (columns), ``presence`` who attended which
    meeting (see :func:`blocking_rates`). One image per scenario in each row of panels: the top
    row objections, the bottom row sole objections, one colour scale per row.
    """
    rates = blocking_rates(items, presence)
    scen = list(dict.fromkeys(items["scenario"].astype(str))) if "scenario" in items else ["scenario"]
    if areas is None:
        areas = sorted(set(rates["area"]))
    areas = [a for a in areas if a in set(rates["area"])] or sorted(set(rates["area"]))
    names: list[str] = []
    for s in scen:
        m = list((members or {}).get(s, [])) or sorted(set(rates.loc[rates["scenario"] == s, "member"]))
        names += [x for x in m if x not in names]
    n_s = len(scen)
    cmap = mpl.colormaps[HEAT_CMAP].with_extremes(bad="#eeeeee")
    mats = {}
    for s in scen:
        part = rates[rates["scenario"] == s]
        for key in ("objection_rate", "sole_rate"):
            piv = part.pivot(index="member", columns="area", values=key).reindex(index=names, columns=areas)
            mine = set((members or {}).get(s, [])) or set(part["member"])
            rows_in = np.array([x in mine for x in names])
            mat = piv.to_numpy(dtype=float, copy=True)
            mat[rows_in] = np.nan_to_num(mat[rows_in], nan=0.0)  # a member who never objected: 0
            mat[~rows_in] = np.nan  # not a member of this scenario
            mats[(s, key)] = mat
    with _style():
        width = max(7.5, 2.2 + n_s * (0.46 * len(areas) + 0.45))
        height = 2.6 + 2 * (0.27 * len(names) + 0.35)
        fig, body = new_figure(min(width, 16.0), height)
        axes = body.subplots(2, n_s, squeeze=False)
        rows = (("objection_rate", "objects", "objections per item"),
                ("sole_rate", "sole objector on a failed item", "sole objections per item"))
        for r, (key, what, unit) in enumerate(rows):
            # a floor on the scale: a handful of objections must not look like a wall of yellow
            vmax = max([float(np.nanmax(mats[(s, key)])) if np.isfinite(mats[(s, key)]).any() else 0.0
                        for s in scen] + [0.05])
            im = None
            for c, s in enumerate(scen):
                ax = axes[r, c]
                im = _heat(ax, mats[(s, key)], names, list(areas), 0.0, vmax, cmap,
                           show_rows=c == 0, show_cols=r == 1)
                ax.set_gid(f"heat:{s}:{key}")
                if r == 0:
                    ax.set_title(_short(s, 26), fontsize=9.5)
            axes[r, 0].set_ylabel(f"member — {what}")
            cb = body.colorbar(im, ax=list(axes[r, :]), shrink=0.9, pad=0.015, aspect=18)
            cb.set_label(unit, fontsize=9)
        for c in range(n_s):
            axes[1, c].set_xlabel("issue area")
        title = "Who blocks: objections by member and issue area"
        extra = ("share of agenda items touching the issue area (a package counts for each of its areas) "
                 "on which the member objected at the last vote; sole = the only objector on an item "
                 "not adopted by consensus" + ("; items of the meetings the member attended"
                                               if presence is not None and len(presence) else ""))
        caption = caption_text(scen, seed, "; ".join(x for x in (extra, note) if x))
        return finish(fig, title, caption)


# ----------------------------------------------------------------------------- sweeps


def _axis_values(values: pd.Series, max_levels: int = 20) -> tuple[pd.Series, list, bool]:
    """Levels of a parameter column: its values, or bin centres when continuous with many values.

    Returns ``(level per row, sorted levels, numeric)``.
    """
    v = values
    numeric = pd.api.types.is_numeric_dtype(v) and not pd.api.types.is_bool_dtype(v)
    uniq = pd.unique(v.dropna())
    if numeric and len(uniq) > max_levels:
        lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
        edges = np.linspace(lo, hi, 11)
        idx = np.clip(np.searchsorted(edges, v.to_numpy(dtype=float), side="right") - 1, 0, 9)
        centres = (edges[:-1] + edges[1:]) / 2
        lev = pd.Series(centres[idx], index=v.index)
        return lev, sorted(set(lev)), True
    if numeric:
        return v.astype(float), sorted(float(x) for x in uniq), True
    lev = v.astype(str)
    return lev, list(dict.fromkeys(lev)), False


def _fmt_level(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.3g}"
    return str(x)


def sweep_parameters(runs: pd.DataFrame) -> list[str]:
    """The parameter columns of run rows: those between ``scenario`` and ``replication`` (the
    sweep layout), else the dotted columns that are not per-member counts.
    """
    cols = list(runs.columns)
    if "scenario" in cols and "replication" in cols and cols.index("scenario") < cols.index("replication"):
        return cols[cols.index("scenario") + 1: cols.index("replication")]
    return [c for c in cols if "." in c and not c.startswith(("objections.", "sole_vetoes."))]


def _ok_rows(runs: pd.DataFrame) -> pd.DataFrame:
    if "status" in runs.columns:
        runs = runs[runs["status"] == "ok"]
    return runs


def plot_sweep_line(runs: pd.DataFrame, parameter: str,
                    metrics: Sequence[str] | str = ("deadlock_rate", "throughput"),
                    seed: int | None = None, note: str | None = None,
                    title: str | None = None, max_split_levels: int = 6) -> Figure:
    """A metric against one parameter: mean with its 95% CI band, one line per series.

    ``runs``: run rows (``scenario``, the parameter column, the metric columns; a ``status``
    column keeps only ``ok`` rows). With one scenario and exactly one other swept parameter of at
    most ``max_split_levels`` values, there is one line per level of that parameter; otherwise
    one line per scenario, pooled (a marginal mean) over the other swept parameters, which the
    legend says. A continuous parameter with many values (sampling designs) is cut into ten
    equal bins.
    """
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    df = _ok_rows(runs).copy()
    for col in (parameter, *metrics):
        if col not in df.columns:
            raise InputError([Problem("runs", col, f"no such column; the run rows have "
                                      f"{[c for c in df.columns][:20]}")])
    if "scenario" not in df.columns:
        df["scenario"] = "scenario"
    df["scenario"] = df["scenario"].astype(str)
    df["_x"], levels, numeric = _axis_values(df[parameter])
    binned = numeric and len(pd.unique(df[parameter].dropna())) > 20
    scen = list(dict.fromkeys(df["scenario"]))
    others = [c for c in sweep_parameters(runs) if c != parameter and c in df.columns
              and df[c].nunique() > 1]
    split = (others[0] if len(scen) == 1 and len(others) == 1
             and df[others[0]].nunique() <= max_split_levels else None)
    if split is not None:
        df["_series"] = df[split].map(_fmt_level)
        series = [_fmt_level(v) for v in sorted(pd.unique(df[split]), key=_sort_key)]
        legend_title = vocab.parameter_axis(split)
        pooled: list[str] = []
    else:
        df["_series"] = df["scenario"]
        series = scen
        pooled = others
        legend_title = ("pooled over " + ", ".join(vocab.parameter_label(p) for p in pooled)
                        if pooled else None)
    with _style():
        fig, body = new_figure(5.0 * len(metrics) + 0.6, 4.6 + 0.22 * ((len(series) + 1) // 2))
        axes = body.subplots(1, len(metrics), squeeze=False)[0]
        pos = {lev: k for k, lev in enumerate(levels)}
        for ax, metric in zip(axes, metrics):
            for i, s in enumerate(series):
                g = grouped_mean_ci(df[df["_series"] == s], ["_x"], metric)
                x = g["_x"].to_numpy(dtype=float) if numeric else g["_x"].map(pos).to_numpy()
                c = colour(i)
                ax.fill_between(x, g["lo"], g["hi"], color=c, alpha=0.22, linewidth=0)
                ax.plot(x, g["mean"], color=c, lw=1.8, marker=MARKERS[i % len(MARKERS)], ms=4.5,
                        ls=LINESTYLES[(i // len(SERIES_COLOURS)) % len(LINESTYLES)],
                        label=s, gid="series")
            if not numeric:
                ax.set_xticks(range(len(levels)), [_short(str(v), 14) for v in levels])
            elif len(levels) <= 12 and not binned:
                ax.set_xticks(levels, [_fmt_level(v) for v in levels])
            ax.set_title(metric_title(metric))
            ax.set_xlabel(vocab.parameter_axis(parameter) + (" — binned" if binned else ""))
            ax.set_ylabel(vocab.unit(metric))
        if len(series) > 1 or legend_title:
            leg = body.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center",
                              ncols=min(len(series), 3 if split is None else 6), frameon=False,
                              title=legend_title, title_fontsize=9)
            leg.set_gid("series-legend")
        if split is not None:
            extra = (f"one line per value of {vocab.parameter_label(split)}; bands: 95% CI of the "
                     "mean over replications")
        else:
            extra = ("lines: mean over the runs at each value; bands: 95% CI"
                     + (f"; pooled (averaged) over {', '.join(pooled)}" if pooled else ""))
        extra += "; values cut into ten equal bins" if binned else ""
        extra += "; parameters: " + ", ".join(
            f"{vocab.parameter_label(p)} = {p}" for p in [parameter, *([split] if split else []), *pooled])
        caption = caption_text(scen, seed, "; ".join(x for x in (extra, note) if x))
        names = [vocab.label(m) for m in metrics]
        what = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        head = title or f"Sweep: {what} against {vocab.parameter_label(parameter)}"
        return finish(fig, head, caption)


def _sort_key(v: Any):
    return (0, float(v), "") if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) \
        else (1, 0.0, str(v))


def plot_sweep_heatmap(runs: pd.DataFrame, x: str, y: str, metric: str = "deadlock_rate",
                       seed: int | None = None, note: str | None = None,
                       title: str | None = None) -> Figure:
    """The mean of a metric over two parameters, one panel per scenario, one colour scale."""
    df = _ok_rows(runs).copy()
    for col in (x, y, metric):
        if col not in df.columns:
            raise InputError([Problem("runs", col, "no such column in the run rows")])
    if "scenario" not in df.columns:
        df["scenario"] = "scenario"
    df["scenario"] = df["scenario"].astype(str)
    df["_x"], xs, _ = _axis_values(df[x], 12)
    df["_y"], ys, _ = _axis_values(df[y], 12)
    x_binned = len(pd.unique(df[x].dropna())) > 12
    y_binned = len(pd.unique(df[y].dropna())) > 12
    scen = list(dict.fromkeys(df["scenario"]))
    means = df.groupby(["scenario", "_y", "_x"])[metric].mean()
    mats = {s: np.array([[means.get((s, yv, xv), np.nan) for xv in xs] for yv in ys]) for s in scen}
    finite = [m[np.isfinite(m)] for m in mats.values()]
    allv = np.concatenate(finite) if finite else np.array([0.0])
    vmin, vmax = (float(allv.min()), float(allv.max())) if allv.size else (0.0, 1.0)
    if vmax == vmin:
        vmax = vmin + 1e-9
    cmap = mpl.colormaps[HEAT_CMAP].with_extremes(bad="#eeeeee")
    mtitle, unit = metric_title(metric), vocab.unit(metric)
    n = len(scen)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    with _style():
        cell = 0.5 if len(xs) <= 8 else 0.36
        fig, body = new_figure(max(6.0, 1.6 + ncols * (cell * len(xs) + 1.3)),
                         2.2 + nrows * (cell * len(ys) + 1.2))
        axes = body.subplots(nrows, ncols, squeeze=False)
        im = None
        for k, s in enumerate(scen):
            ax = axes[k // ncols, k % ncols]
            im = _heat(ax, mats[s][::-1], [_fmt_level(v) for v in ys][::-1],
                       [_fmt_level(v) for v in xs], vmin, vmax, cmap, digits=2 if vmax < 10 else 1)
            many = len(xs) > 6
            ax.set_xticks(range(len(xs)), [_fmt_level(v) for v in xs], rotation=45 if many else 0,
                          ha="right" if many else "center", rotation_mode="anchor")
            ax.set_title(_short(s, 30), fontsize=9.5)
            ax.set_xlabel(vocab.parameter_axis(x) + (" — bin centres" if x_binned else ""))
            ax.set_ylabel(vocab.parameter_axis(y) + (" — bin centres" if y_binned else ""))
            ax.set_gid(f"heat:{s}")
        for k in range(n, nrows * ncols):
            axes[k // ncols, k % ncols].set_visible(False)
        cb = body.colorbar(im, ax=axes.ravel().tolist(), shrink=0.85, pad=0.02)
        cb.set_label(f"{mtitle.lower()} ({unit})")
        others = [c for c in sweep_parameters(runs) if c not in (x, y) and df[c].nunique() > 1]
        extra = ("cells: mean over the runs" + (f", averaged over {', '.join(others)}" if others else "")
                 + "; parameters: " + ", ".join(f"{vocab.parameter_label(p)} = {p}"
                                                for p in [x, y, *others]))
        caption = caption_text(scen, seed, "; ".join(v for v in (extra, note) if v))
        return finish(fig, title or f"Sweep: {vocab.label(metric)} over {vocab.parameter_label(x)} × "
                      f"{vocab.parameter_label(y)}", caption)


def sensitivity_warnings(indices: pd.DataFrame) -> list[str]:
    """What a reader of these indices must be told: intervals that include 0, too few replications.

    An index whose 95% interval includes 0 is not distinguished from no effect; with fewer than
    :data:`MIN_SENSITIVITY_REPLICATIONS` replications per design point the Monte Carlo noise of
    each point's mean is attributed to the parameters.
    """
    out = []
    cols = [c for c in ("S1", "ST", "mu_star") if c in indices.columns and f"{c}_conf" in indices]
    crossing = set()
    for c in cols:
        v, h = indices[c].to_numpy(float), indices[f"{c}_conf"].to_numpy(float)
        for p, lo, hi in zip(indices["parameter"], v - h, v + h):
            if np.isfinite(lo) and np.isfinite(hi) and crosses_zero(lo, hi):
                crossing.add((c, str(p)))
    if crossing:
        which = sorted({p for _, p in crossing})
        out.append(f"{len(crossing)} of {len(cols) * len(indices)} intervals include 0 "
                   f"({', '.join(vocab.parameter_label(p) for p in which)}): those effects are not "
                   "distinguished from none")
    if "replications" in indices.columns and len(indices):
        reps = int(indices["replications"].min())
        if reps < MIN_SENSITIVITY_REPLICATIONS:
            out.append(f"only {reps} replications per design point (fewer than "
                       f"{MIN_SENSITIVITY_REPLICATIONS}): Monte Carlo noise in each point's mean is "
                       "read as a parameter effect")
    return out


def plot_sensitivity(indices: pd.DataFrame, seed: int | None = None, note: str | None = None,
                     title: str | None = None) -> Figure:
    """Global sensitivity indices as horizontal bars with their 95% intervals.

    Sobol (columns parameter, S1, S1_conf, ST, ST_conf): first-order and total indices side by
    side. Morris (parameter, mu_star, mu_star_conf, sigma): mu* with its interval and sigma. One
    panel per scenario when the table has a ``scenario`` column with several values.
    """
    df = indices.copy()
    sobol = {"S1", "ST"} <= set(df.columns)
    morris = "mu_star" in df.columns
    if not (sobol or morris) or "parameter" not in df.columns:
        raise InputError([Problem("indices", "columns", "expected parameter, S1, S1_conf, ST, ST_conf "
                                  "(Sobol) or parameter, mu_star, mu_star_conf, sigma (Morris)")])
    if "scenario" not in df.columns:
        df["scenario"] = ""
    scen = list(dict.fromkeys(df["scenario"].astype(str)))
    params = list(dict.fromkeys(df["parameter"]))
    bars = (("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total ST")) if sobol else \
        (("mu_star", "mu_star_conf", "μ* (mean |elementary effect|)"), ("sigma", None, "σ (spread of effects)"))
    metric = str(df["metric"].iloc[0]) if "metric" in df.columns and len(df) else None
    with _style():
        fig, body = new_figure(4.2 + 4.4 * min(len(scen), 3), 2.4 + 0.5 * len(params) * math.ceil(len(scen) / 3))
        axes = body.subplots(math.ceil(len(scen) / 3), min(len(scen), 3), squeeze=False, sharey=True)
        y = np.arange(len(params))[::-1]
        h = 0.38
        for k, s in enumerate(scen):
            ax = axes[k // 3, k % 3]
            part = df[df["scenario"].astype(str) == s].set_index("parameter").reindex(params)
            for j, (col, conf, label) in enumerate(bars):
                vals = part[col].to_numpy(dtype=float)
                err = part[conf].to_numpy(dtype=float) if conf and conf in part else None
                ax.barh(y + (0.5 - j) * h, vals, height=h, color=SERIES_COLOURS[j], label=label,
                        xerr=err, error_kw={"ecolor": "#222222", "capsize": 3, "elinewidth": 1})
            ax.axvline(0, color="#555555", lw=0.8)
            ax.set_yticks(y, [_short(vocab.parameter_label(p), 30) for p in params])
            if k % 3 == 0:
                ax.set_ylabel("parameter")
            ax.set_xlabel("index (share of output variance)" if sobol else
                          "effect on the metric per unit of the normalised range")
            if s:
                ax.set_title(_short(s, 36), fontsize=9.5)
            ax.grid(axis="y", visible=False)
        for k in range(len(scen), axes.size):
            axes.ravel()[k].set_visible(False)
        body.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncols=2,
                   frameon=False)
        kind = "Sobol" if sobol else "Morris"
        extra = ("error bars: 95% bootstrap intervals" if sobol else "error bars: 95% bootstrap interval of μ*")
        if "points" in df.columns and "replications" in df.columns and len(df):
            extra += f"; {int(df['points'].iloc[0])} design points × {int(df['replications'].iloc[0])} replications"
        caption = caption_text([s for s in scen if s], seed, "; ".join(v for v in (extra, note) if v))
        warnings = sensitivity_warnings(df)
        if warnings:
            w_text = "\n".join(_wrap("Warning: " + w, fig.get_size_inches()[0] - 0.6, 11.5)
                               for w in warnings)
            body.suptitle(w_text, color=OKABE_ITO["vermillion"], fontsize=9, ha="left", x=0.01,
                          fontweight="bold").set_gid("warning")
        fig._sco_warnings = warnings  # type: ignore[attr-defined]
        head = title or (f"{kind} sensitivity indices" + (f" of the {vocab.label(metric)}"
                                                         if metric else ""))
        return finish(fig, head, caption)


# ----------------------------------------------------------------------------- attribution


def _step_label(row: Mapping[str, Any]) -> str:
    change = []
    if row.get("added"):
        change.append(f"+{row['added']}")
    if row.get("removed"):
        change.append(f"−{row['removed']}")
    what = "; ".join(change) if change else "no member changes (data or rotation only)"
    return f"{row['from']} → {row['to']}\n{what}"


def plot_attribution(frame: pd.DataFrame, seed: int | None = None, note: str | None = None,
                     title: str | None = None) -> Figure:
    """Which step of each chain changed the metric how much: dot-and-interval per step.

    ``frame`` is :func:`sco_sim.experiments.experiment.attribution`'s table (chain, step, from, to, added,
    removed, metric, from_mean, to_mean, difference, ci_low, ci_high, replications): one panel
    per chain, one row per step with the paired mean difference and its 95% interval, the
    values written in a column to the right (so they never overprint). Extra parameter columns
    (an attribution per design point) give one marker per combination.
    """
    need = {"chain", "step", "from", "to", "difference", "ci_low", "ci_high"}
    if not need <= set(frame.columns) or not len(frame):
        raise InputError([Problem("attribution", "columns", f"expected a non-empty table with "
                                  f"{sorted(need)}")])
    df = frame.copy()
    base_cols = {"chain", "step", "from", "to", "added", "removed", "metric", "from_mean", "to_mean",
                 "difference", "ci_low", "ci_high", "replications"}
    params = [c for c in df.columns if c not in base_cols]
    df["_combo"] = (df[params].astype(str).agg(", ".join, axis=1) if params else "")
    combos = list(dict.fromkeys(df["_combo"]))
    chains = list(dict.fromkeys(df["chain"]))
    steps = [df[df["chain"] == c]["step"].nunique() for c in chains]
    metric = str(df["metric"].iloc[0]) if "metric" in df.columns else "deadlock_rate"
    lo_all, hi_all = float(df["ci_low"].min()), float(df["ci_high"].max())
    span = max(hi_all, 0.0) - min(lo_all, 0.0) or 1.0
    with _style():
        fig, body = new_figure(10.0, 1.6 + sum(0.62 * n + 0.55 for n in steps))
        axes = body.subplots(len(chains), 1, squeeze=False, sharex=True,
                             height_ratios=[n + 0.6 for n in steps])[:, 0]
        for ax, chain in zip(axes, chains):
            part = df[df["chain"] == chain].sort_values("step", kind="stable")
            order = list(dict.fromkeys(part["step"]))
            ys = {st: len(order) - 1 - k for k, st in enumerate(order)}
            ax.axvline(0, color="#555555", lw=0.9, zorder=1)
            for j, combo in enumerate(combos):
                rows = part[part["_combo"] == combo]
                off = (j - (len(combos) - 1) / 2) * (0.5 / max(len(combos), 1))
                y = np.array([ys[st] + off for st in rows["step"]])
                d = rows["difference"].to_numpy(float)
                lo, hi = rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float)
                ax.errorbar(d, y, xerr=[d - lo, hi - d], fmt="none", ecolor=colour(j), capsize=4,
                            elinewidth=1.6, gid="attribution-step", zorder=3)
                # filled: the interval excludes 0; hollow: not distinguished from no change
                zero = np.array([crosses_zero(a, b) for a, b in zip(lo, hi)], dtype=bool)
                ax.scatter(d, y, marker=MARKERS[j % len(MARKERS)], s=42, zorder=4,
                           facecolors=np.where(zero[:, None], [[1, 1, 1, 1]],
                                               [mpl.colors.to_rgba(colour(j))]),
                           edgecolors=colour(j), linewidths=1.4, label=combo or None,
                           gid="attribution-mean")
            first = part.drop_duplicates("step")
            ax.set_yticks([ys[st] for st in first["step"]],
                          [_step_label(r) for r in first.to_dict("records")], fontsize=8.5)
            ax.set_ylim(-0.6, len(order) - 0.4)
            if len(combos) == 1:
                for r in first.to_dict("records"):
                    ax.annotate(f"{r['difference']:+.3f} [{r['ci_low']:+.3f}, {r['ci_high']:+.3f}]"
                                + (f"\n{r['from_mean']:.3f} → {r['to_mean']:.3f}"
                                   if "from_mean" in r else ""),
                                xy=(1.01, ys[r["step"]]), xycoords=("axes fraction", "data"),
                                va="center", ha="left", fontsize=8, color="#222222",
                                gid="attribution-value")
            ax.set_title(f"chain: {chain}", loc="left", fontsize=10)
            ax.set_ylabel("step: from → to\nmembers changed", fontsize=8.5)
            ax.grid(axis="y", visible=False)
        axes[-1].set_xlim(min(lo_all, 0.0) - 0.08 * span, max(hi_all, 0.0) + 0.08 * span)
        axes[-1].set_xlabel(f"change in {vocab.label(metric)} ({vocab.unit(metric)}), later − "
                            "earlier scenario")
        if len(combos) > 1:
            body.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center",
                        ncols=min(len(combos), 3), frameon=False, title=", ".join(
                            vocab.parameter_label(p) for p in params))
        reps = int(df["replications"].max()) if "replications" in df.columns else None
        extra = ("dots: mean of the per-replication differences (paired: both scenarios ran on the "
                 "same random numbers); bars: 95% Student-t interval of that mean; hollow dot: the "
                 "interval includes 0"
                 + (f"; {reps} replications" if reps else "")
                 + "; right: difference [interval], then the two levels; a chain's steps add up "
                 "to its total change")
        caption = caption_text(list(dict.fromkeys([*df["from"], *df["to"]])), seed,
                               "; ".join(x for x in (extra, note) if x))
        head = title or f"Attribution: which step changed the {vocab.label(metric)} by how much"
        return finish(fig, head, caption)


# ----------------------------------------------------------------------------- policy space


def default_dims(config: Config, ideal: np.ndarray | None = None) -> tuple[int, int]:
    """The two issue areas where the members disagree most (salience-weighted spread of ideals)."""
    if config.n_dims < 2:
        raise ValueError("a one-dimensional scenario has no pair of dimensions")
    x = config.ideal if ideal is None else ideal
    if x is None:
        return 0, 1
    spread = (config.salience * (x - x.mean(axis=0)) ** 2).mean(axis=0)
    a, b = sorted(np.argsort(-spread, kind="stable")[:2])
    return int(a), int(b)


def status_quo_path(config: Config, seed: int = 0, replication: int = 0,
                    meetings: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Run one :class:`~sco_sim.model.organisation.SCOModel` replication; return (ideal points at the start,
    status quo before the first meeting and after each meeting, shape (M + 1, D)).
    """
    from ..model.organisation import SCOModel

    model = SCOModel(config, seed=seed, replication=replication)
    ideal = np.array(model.ideal, dtype=float)
    path = [np.array(model.status_quo, dtype=float)] if model.status_quo is not None else []
    for _ in range(config.meetings if meetings is None else meetings):
        model.step()
        if model.status_quo is not None and not config.uniform_status_quo:
            path.append(np.array(model.status_quo, dtype=float))
    model.finish()
    return ideal, np.array(path)


def winset_mask(config: Config, ideal: np.ndarray, q: np.ndarray, dims: tuple[int, int],
                grid: int = 241, present: np.ndarray | None = None,
                window: tuple[tuple[float, float], tuple[float, float]] | None = None,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the rule passes a move from ``q`` on a grid over two dimensions (others at ``q``).

    Uses :func:`sco_sim.model.geometry.accepts_points` with each member's tolerance (rivalries ignored, as in
    :mod:`sco_sim.analysis.winset`); absent members accept anything. ``window`` ((x0, x1), (y0, y1))
    defaults to the scenario's bounds. Returns ``(X, Y, passes)``.
    """
    from ..model.geometry import accepts_points
    from ..model.rules import resolve, voting_weights

    a, b = dims
    (x0, x1), (y0, y1) = window if window is not None else (config.bounds[a], config.bounds[b])
    X, Y = np.meshgrid(np.linspace(x0, x1, grid), np.linspace(y0, y1, grid))
    z = np.tile(np.asarray(q, dtype=float), (X.size, 1))
    z[:, a] = X.ravel()
    z[:, b] = Y.ravel()
    present = np.ones(config.n_members, bool) if present is None else present
    margin = np.where(present, config.tolerance, np.inf)
    ok = accepts_points(z, q, ideal, config.salience, margin)
    weight = np.where(present, voting_weights(config.capability, config.weighted), 0.0)
    passes = np.asarray(resolve(config.rule)(ok, weight, config.threshold), dtype=bool)
    return X, Y, passes.reshape(X.shape)


def _rule_name(config: Config) -> str:
    if config.rule == "majority":
        t = f"{config.threshold:g}" if config.threshold is not None else "simple"
        return f"{'weighted ' if config.weighted else ''}majority ({t})"
    return config.rule.replace("_", " ")


def _resolve_dims(config: Config, dims: Sequence[int | str] | None, ideal: np.ndarray) -> tuple[int, int]:
    if dims is None:
        return default_dims(config, ideal)
    if len(dims) != 2:
        raise InputError([Problem(config.name, "dims", "give two dimensions")])
    idx = []
    for d in dims:
        if isinstance(d, str):
            if d not in config.dimensions:
                raise InputError([Problem(config.name, "dims", f"unknown dimension {d!r}; the "
                                          f"scenario has {list(config.dimensions)}")])
            idx.append(config.dimensions.index(d))
        else:
            idx.append(int(d))
    a, b = idx
    if a == b or not (0 <= a < config.n_dims and 0 <= b < config.n_dims):
        raise InputError([Problem(config.name, "dims", "give two different dimensions")])
    return a, b


_MARKER_SIZE = {"*": 150, "P": 80, "X": 80, "h": 80}


def _draw_policy(ax, config: Config, ideal: np.ndarray, path: np.ndarray, present: np.ndarray,
                 a: int, b: int, window, grid: int, zoom: bool = False) -> float | None:
    """Winset, curves, ideal points and the status quo's path in one panel; returns the winset
    share of the window (None without a status quo).
    """
    names = list(config.names)
    has_q = len(path) > 0
    share = None
    if has_q:
        q = path[0]
        X, Y, passes = winset_mask(config, ideal, q, (a, b), grid, present, window)
        share = float(passes.mean())
        if passes.any():
            ax.contourf(X, Y, passes.astype(float), levels=[0.5, 1.5],
                        colors=[OKABE_ITO["bluish_green"]], alpha=0.4, gid="winset")
        off_dims = [k for k in range(config.n_dims) if k not in (a, b)]
        dq = np.sqrt((config.salience * (q - ideal) ** 2).sum(axis=1))
        off = (config.salience[:, off_dims] * (q[off_dims] - ideal[:, off_dims]) ** 2).sum(axis=1)
        for i in range(config.n_members):
            wa, wb = config.salience[i, a], config.salience[i, b]
            if not present[i] or wa <= 0 or wb <= 0:
                continue
            for r, ls, lw, gid in ((dq[i], "-", 1.5, "indifference"),
                                   (dq[i] + config.tolerance[i], (0, (4, 3)), 1.0, "tolerance")):
                s2 = r * r - off[i]
                if s2 <= 0:
                    continue
                ax.add_patch(Ellipse((ideal[i, a], ideal[i, b]), 2 * math.sqrt(s2 / wa),
                                     2 * math.sqrt(s2 / wb), fill=False, ec=member_style(i)[0],
                                     ls=ls, lw=lw,
                                     gid=None if zoom else f"{gid}:{names[i]}"))
    for i in range(config.n_members):
        c, m = member_style(i)
        joined = "" if present[i] else f" (from meeting {int(config.joins[i])})"
        ax.scatter(ideal[i, a], ideal[i, b], s=_MARKER_SIZE.get(m, 70), marker=m, color=c,
                   alpha=1.0 if present[i] else 0.45, edgecolor="black", linewidth=1.0, zorder=5,
                   label=names[i] + joined, gid=None if zoom else f"ideal:{names[i]}")
    if has_q:
        if len(path) > 1:
            ax.plot(path[:, a], path[:, b], color="#222222", lw=1.1, marker="o", ms=2.8, zorder=6,
                    gid=None if zoom else "status-quo-path")
            ax.plot(*path[-1, [a, b]], marker="*", ms=13, color="black", mec="white", mew=0.6,
                    zorder=8, ls="none")
        ax.plot(*path[0, [a, b]], marker="s", ms=8, mfc="white", mec="black", mew=1.6, zorder=7,
                ls="none")
    (x0, x1), (y0, y1) = window
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    return share


def _zoom_window(config: Config, ideal: np.ndarray, q: np.ndarray, a: int, b: int, present):
    """A square window around q₀ holding the winset (None if the winset is already large)."""
    X, Y, passes = winset_mask(config, ideal, q, (a, b), 301, present)
    (xa0, xa1), (yb0, yb1) = config.bounds[a], config.bounds[b]
    span = min(xa1 - xa0, yb1 - yb0)
    if passes.any():
        ext = max(np.abs(X[passes] - q[a]).max(), np.abs(Y[passes] - q[b]).max())
    else:
        ext = 0.0
    if ext > 0.2 * span:
        return None
    half = max(1.5 * ext, 0.04 * span)
    return (q[a] - half, q[a] + half), (q[b] - half, q[b] + half)


def plot_policy_space(config: Config, dims: Sequence[int | str] | None = None, seed: int = 0,
                      replication: int = 0, meetings: int | None = None, grid: int = 241,
                      note: str | None = None) -> Figure:
    """The veto-player picture of a scenario in two of its dimensions (or its one dimension).

    Members' ideal points; each member's indifference curve through the status quo q (the
    salience-weighted ellipse ``sum_d w_id (z_d - x_id)^2 = d_i(q)^2`` cut in the two dimensions
    with the others at q) and, dashed, its tolerance curve (radius ``d_i(q) + tol_i``); the
    winset of q under the scenario's rule, shaded (``geometry.accepts`` on a grid); and the path
    of the status quo over one replication of :class:`~sco_sim.model.organisation.SCOModel` (after each
    meeting). When the winset is small, a second panel zooms in on q. ``dims``: two dimension
    names or indices (default: the two where the members disagree most). Ideal points are those
    of the replication at its first meeting.
    """
    ideal, path = status_quo_path(config, seed, replication, meetings)
    present = config.present(1)
    if config.n_dims == 1:
        return _policy_1d(config, ideal, path, present, seed, replication, note)
    a, b = _resolve_dims(config, dims, ideal)
    da, db = config.dimensions[a], config.dimensions[b]
    has_q = len(path) > 0
    full = (tuple(config.bounds[a]), tuple(config.bounds[b]))
    zoom = _zoom_window(config, ideal, path[0], a, b, present) if has_q else None
    with _style():
        fig, body = new_figure(11.0, 7.6)
        axd = body.subplot_mosaic([["main", "legend"], ["main", "zoom"]], width_ratios=[2.3, 1],
                                  height_ratios=[1.4, 1])
        ax, lax, zax = axd["main"], axd["legend"], axd["zoom"]
        ax.set_gid("policy-main")
        share = _draw_policy(ax, config, ideal, path, present, a, b, full, grid)
        lax.axis("off")
        member_handles, _ = ax.get_legend_handles_labels()
        handles: list = []
        if has_q:
            handles += [Patch(facecolor=OKABE_ITO["bluish_green"], alpha=0.4,
                              label=f"winset of q₀ ({share:.1%} of the square)"),
                        Line2D([], [], color="#555555", lw=1.5, label="indifference curve through q₀"),
                        Line2D([], [], color="#555555", lw=1.0, ls=(0, (4, 3)),
                               label="… widened by the tolerance"),
                        Line2D([], [], marker="s", ms=8, mfc="white", mec="black", ls="none",
                               label="q₀: status quo at the start")]
            if len(path) > 1:
                handles += [Line2D([], [], color="#222222", lw=1.1, marker="o", ms=2.8,
                                   label=f"status quo after each meeting\n(replication {replication})"),
                            Line2D([], [], marker="*", ms=12, color="black", ls="none",
                                   label=f"status quo after meeting {len(path) - 1}")]
        longest = max(len(str(h.get_label())) for h in member_handles)
        leg1 = lax.legend(handles=member_handles, title="ideal points", loc="upper left",
                          frameon=False, borderaxespad=0, fontsize=8.5, title_fontsize=9,
                          ncols=2 if len(member_handles) > 8 and longest <= 14 else 1,
                          labelspacing=0.3 if len(member_handles) > 8 else 0.5)
        leg1._legend_box.align = "left"
        lax.add_artist(leg1)
        if handles:
            lax.legend(handles=handles, loc="lower left", frameon=False, borderaxespad=0, fontsize=8.5)
        if zoom is not None:
            _draw_policy(zax, config, ideal, path, present, a, b, zoom, grid, zoom=True)
            zax.set_title("zoom on q₀ (box in the main panel)", fontsize=9)
            zax.tick_params(labelsize=8)
            zax.set_xlabel(da.replace("_", " "), fontsize=8)
            zax.set_ylabel(db.replace("_", " "), fontsize=8)
            (x0, x1), (y0, y1) = zoom
            ax.add_patch(mpl.patches.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="#444444",
                                               lw=0.9, zorder=9))
        else:
            zax.set_visible(False)
        ax.set_xlabel(f"{da.replace('_', ' ')} (position, scale {full[0][0]:g}–{full[0][1]:g})")
        ax.set_ylabel(f"{db.replace('_', ' ')} (position, scale {full[1][0]:g}–{full[1][1]:g})")
        others = [d for k, d in enumerate(config.dimensions) if k not in (a, b)]
        bits = [f"rule: {_rule_name(config)}"]
        if others and has_q:
            bits.append(f"{', '.join(others)} held at q₀")
        if not has_q:
            bits.append("status quo drawn afresh for every item: no curves, winset or path")
        else:
            bits.append("winset with tolerances, rivalries ignored")
        if config.ideal_sd is not None or config.generated:
            bits.append(f"ideal points as drawn in replication {replication}")
        if config.pressure:
            bits.append("ideal points at the first meeting (they move later)")
        if not present.all():
            bits.append("faded: members who join later (not in the winset)")
        caption = caption_text(config.name, seed, "; ".join(bits + ([note] if note else [])))
        return finish(fig, f"Policy space: {config.name}\n{da.replace('_', ' ')} × "
                      f"{db.replace('_', ' ')}", caption)


def _policy_1d(config: Config, ideal: np.ndarray, path: np.ndarray, present: np.ndarray,
               seed: int, replication: int, note: str | None) -> Figure:
    """One dimension: each member's acceptable interval around its ideal, the winset, the path."""
    from ..model.drafting import passing_segments_1d
    from ..model.geometry import intervals_1d
    from ..model.rules import voting_weights

    names = list(config.names)
    lo_b, hi_b = config.bounds[0]
    has_q = len(path) > 0
    with _style():
        fig, body = new_figure(10.0, 6.4)
        ax, axp = body.subplots(2, 1, sharex=True, height_ratios=[1.2, 1])
        ys = np.arange(config.n_members)[::-1]
        if has_q:
            q = path[0]
            dq = np.sqrt(config.salience[:, 0] * (q[0] - ideal[:, 0]) ** 2)
            for i, y in enumerate(ys):
                w = config.salience[i, 0]
                if w <= 0:
                    continue
                r0, r1 = dq[i] / math.sqrt(w), (dq[i] + config.tolerance[i]) / math.sqrt(w)
                ax.plot([ideal[i, 0] - r1, ideal[i, 0] + r1], [y, y], color=member_style(i)[0], lw=1.0,
                        ls=(0, (4, 3)))
                ax.plot([ideal[i, 0] - r0, ideal[i, 0] + r0], [y, y], color=member_style(i)[0], lw=3,
                        solid_capstyle="butt", alpha=0.6, gid=f"indifference:{names[i]}")
            margin = np.where(present, config.tolerance, np.inf)
            lo, hi = intervals_1d(q, ideal, config.salience, margin, 0)
            weight = np.where(present, voting_weights(config.capability, config.weighted), 0.0)
            segs = passing_segments_1d(lo, hi, lo_b, hi_b, config.rule, weight, config.threshold)
            segs = [(s0, s1) for s0, s1 in segs if s1 > s0]  # q itself always "passes": not a move
            for s0, s1 in segs:
                ax.axvspan(s0, s1, color=OKABE_ITO["bluish_green"],
                           alpha=0.3, lw=0, gid="winset")
            ax.axvline(q[0], color="black", lw=1.2)
            ax.annotate("q₀", xy=(q[0], 1.0), xycoords=("data", "axes fraction"), xytext=(3, -2),
                        textcoords="offset points", va="top", fontsize=9)
            if not segs:
                ax.text(0.99, 0.5, "winset of q₀: empty", transform=ax.transAxes, ha="right",
                        va="center", fontsize=9, bbox={"fc": "white", "ec": "#999999"})
        for i, y in enumerate(ys):
            ax.scatter(ideal[i, 0], y, s=60, marker=member_style(i)[1], color=member_style(i)[0],
                       edgecolor="black", zorder=5, gid=f"ideal:{names[i]}")
        ax.set_yticks(ys, names)
        ax.set_ylabel("member")
        ax.set_title("ideal points; thick: positions no worse than q₀; dashed: with tolerance; "
                     "shaded: winset of q₀", fontsize=9, loc="left")
        if has_q:
            axp.plot(path[:, 0], np.arange(len(path)), color="#222222", marker="o", ms=3,
                     gid="status-quo-path")
        axp.set_ylabel("meeting")
        axp.set_xlabel(f"{config.dimensions[0].replace('_', ' ')} (position, scale {lo_b:g}–{hi_b:g})")
        axp.set_title(f"status quo after each meeting (replication {replication})", fontsize=9, loc="left")
        axp.set_xlim(lo_b, hi_b)
        caption = caption_text(config.name, seed, "; ".join(
            [f"rule: {_rule_name(config)}; winset with tolerances, rivalries ignored"] + ([note] if note else [])))
        return finish(fig, f"Policy space: {config.name}", caption)


# ----------------------------------------------------------------------------- results folders


def available_kinds(res) -> list[str]:
    """The figure kinds a loaded results folder supports, in :data:`KINDS` order."""
    if res.is_sweep:
        runs = res.runs
        varied = [p for p in res.parameters if p in runs.columns and runs[p].nunique() > 1]
        kinds = []
        if varied:
            kinds.append("sweep-line")
        if len(varied) >= 2:
            kinds.append("sweep-heatmap")
        if res.design in ("sobol", "morris"):
            kinds.append("sensitivity")
        if (res.manifest.get("experiment") or {}).get("attribution"):
            kinds.append("attribution")
        return kinds
    kinds = ["comparison", "timeseries", "blockers"]
    if res.configs():
        kinds.append("policy")
    return kinds


def _note(res) -> str:
    bits = [f"{res.replications} replications" if res.replications else "",
            f"sco-sim {res.version}", f"results: {res.path.name}"]
    return "; ".join(b for b in bits if b)


def figures_for(res, kind: str) -> list[tuple[str, Figure]]:
    """``(file stem, figure)`` pairs of one kind for a loaded results folder."""
    note = _note(res)
    seed = res.seed
    if kind == "comparison":
        return [("comparison", plot_comparison(res.summaries, seed=seed, note=f"sco-sim {res.version}"))]
    if kind == "timeseries":
        events = {s: res.events(s) for s in res.scenario_names}
        chairs = {s: res.chairs(s) for s in res.scenario_names}
        return [("timeseries", plot_timeseries(res.meetings, events, seed=seed, note=note,
                                               chairs=chairs))]
    if kind == "blockers":
        configs = res.configs()
        areas: list[str] = []
        for c in configs.values():
            areas += [d for d in c.dimensions if d not in areas]
        members = {s: res.member_names(s) for s in res.scenario_names}
        return [("blockers", plot_blockers(res.items, members, areas or None, res.presence(),
                                           seed=seed, note=note))]
    if kind == "policy":
        out = []
        configs = res.configs()
        multi = len(configs) > 1
        for k, (name, cfg) in enumerate(configs.items()):
            stem = f"policy-{k + 1}-{_slug(name)}" if multi else "policy"
            out.append((stem, plot_policy_space(cfg, seed=seed or 0, note=f"sco-sim {res.version}")))
        return out
    runs = res.runs
    exp = res.manifest.get("experiment") or {}
    title_note = f"experiment: {exp.get('name', res.path.name)}; {note}"
    varied = [p for p in res.parameters if p in runs.columns and runs[p].nunique() > 1]
    if kind == "sweep-line":
        return [(f"sweep-line-{_slug(p)}" if len(varied) > 1 else "sweep-line",
                 plot_sweep_line(runs, p, seed=seed, note=title_note)) for p in varied]
    if kind == "sweep-heatmap":
        pairs = [(varied[i], varied[j]) for i in range(min(4, len(varied)))
                 for j in range(i + 1, min(4, len(varied)))]
        return [(f"sweep-heatmap-{_slug(x)}--{_slug(y)}" if len(pairs) > 1 else "sweep-heatmap",
                 plot_sweep_heatmap(runs, x, y, seed=seed, note=title_note)) for x, y in pairs]
    if kind == "attribution":
        return [("attribution", plot_attribution(res.attribution(), seed=seed, note=title_note))]
    if kind == "sensitivity":
        out = []
        for metric in vocab.HEADLINE:
            idx = res.sensitivity(metric)
            if idx is not None and len(idx):
                out.append((f"sensitivity-{_slug(metric)}", plot_sensitivity(idx, seed=seed, note=title_note)))
        return out
    raise ValueError(kind)


def check_kind(results_dir: str | Path, kind: str | None) -> None:
    """InputError (field ``--kind``) for a kind that is not one of :data:`KINDS`."""
    if kind is not None and kind not in KINDS:
        raise InputError([Problem(str(results_dir), "--kind", f"unknown kind {kind!r}; expected one of "
                                  f"{', '.join(KINDS)}")])


def why_no_figures(res) -> str:
    """Why a results folder supports no figure (a sweep that varies nothing it can draw)."""
    scen = res.scenario_names
    return (f"this sweep has {len(scen)} scenario(s), varies no parameter and has no "
            "[attribution] chain, so there is nothing to draw; add [parameters] or an "
            "[[attribution]] to the experiment, or read the numbers with `sco-sim summarize`")


def warn_stderr(message: str) -> None:
    """Print one warning line on standard error."""
    import sys

    print(f"sco-sim: warning: {message}", file=sys.stderr)


def plot_results(results_dir: str | Path, kind: str | None = None, fmt: str = "png",
                 out_dir: str | Path | None = None, dpi: int = DPI,
                 warn=warn_stderr) -> list[Path]:
    """Write every figure the results folder supports (or those of one ``kind``); return the paths.

    Files go to ``out_dir`` (default ``RESULTS/figures``) as ``<kind>[-<what>].<fmt>``, PNGs at
    ``dpi``. A figure's warnings (e.g. sensitivity intervals that include 0) go to ``warn`` too.
    Raises InputError for an unknown kind or format (fields ``--kind``, ``--format``), a kind
    the folder does not support (``--kind``), a folder with no figure at all, or a folder that
    is missing, partial or not a results folder (``RESULTS``).
    """
    from ..experiments.results import load_results

    check_kind(results_dir, kind)
    if fmt not in FORMATS:
        raise InputError([Problem(str(results_dir), "--format", f"unknown format {fmt!r}; expected one "
                                  f"of {', '.join(FORMATS)}")])
    res = load_results(results_dir)
    kinds = available_kinds(res)
    if not kinds:
        raise InputError([Problem(str(results_dir), "RESULTS", why_no_figures(res))])
    if kind is not None and kind not in kinds:
        why = ""
        if kind == "policy" and not res.is_sweep:
            status = {"missing": "not found from here", "changed": "changed since the run"}
            bad = [f"{sf.path} ({sf.error or status.get(sf.status, sf.status)})"
                   for sf in res.scenario_files() if sf.config is None]
            why = (f" (it needs the scenario files named in manifest.json, unchanged; relative "
                   f"paths are looked up from the current folder, the results folder and its "
                   f"parent: {', '.join(bad)})")
        raise InputError([Problem(str(results_dir), "--kind", f"this {res.layout} folder has no "
                                  f"{kind!r} figure{why}; it supports: {', '.join(kinds) or 'none'}")])
    out = Path(out_dir) if out_dir is not None else res.path / "figures"
    paths = []
    for k in ([kind] if kind else kinds):
        for stem, fig in figures_for(res, k):
            for w in getattr(fig, "_sco_warnings", []):
                warn(f"{stem}: {w}")
            paths.append(save(fig, out / f"{stem}.{fmt}", fmt, dpi=dpi))
    return paths


__all__ = [
    "FORMATS", "KINDS", "OKABE_ITO", "available_kinds", "blocking_rates", "caption_of",
    "default_dims", "figures_for", "title_of", "plot_attribution", "plot_blockers",
    "plot_comparison", "plot_policy_space",
    "plot_results", "plot_sensitivity", "plot_sweep_heatmap", "plot_sweep_line", "plot_timeseries",
    "png_bytes", "save", "sensitivity_warnings", "status_quo_path", "winset_mask",
]
