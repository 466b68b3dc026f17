"""One file that documents a results folder: what was run, on what, what came out, and every figure.

:func:`write_report` writes either a self-contained HTML page (figures embedded as base64 PNG, no
external resources: what one attaches to an e-mail or a paper's supplement) or Markdown with the
figures in a folder beside it (``<name>_files/``), linked relatively. Contents:

1. provenance: the command, seed, replications, versions, and each scenario file with its
   SHA-256 checked against the file on disk now;
2. the summary tables with 95% confidence intervals (levels, paired differences, periods around
   accessions, objections and sole objections per member), or for a sweep the design, the
   per-point summary and any sensitivity indices;
3. every figure the folder supports (:mod:`sco_sim.viz.plots`);
4. the scenarios' parameters and members (ideal points, salience, capability, tolerance);
5. the manifest, verbatim.

Files are written atomically (a temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis import vocabulary as vocab
from ..analysis.intervals import fmt_ci
from ..experiments.output import atomic_write
from ..experiments.results import Results, load_results
from ..inputs.config import Config
from ..inputs.errors import InputError, Problem

REPORT_FORMATS = ("html", "md")
MAX_POINT_ROWS = 200

# ----------------------------------------------------------------------------- document model


@dataclass
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass
class Para:
    text: str
    code: bool = False  # the whole paragraph is a command line


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    caption: str = ""
    numeric_from: int = 1  # columns from this index are right-aligned


@dataclass
class FigureBlock:
    name: str
    png: bytes
    alt: str
    caption: str


@dataclass
class Pre:
    text: str
    lang: str = ""


Block = Heading | Para | Table | FigureBlock | Pre


# ----------------------------------------------------------------------------- formatting helpers


def ci(value: float | None, interval: list[float] | tuple[float, float] | None, digits: int = 3) -> str:
    """``0.123 [0.110, 0.136]`` (``—`` for a missing value)."""
    return fmt_ci(value, interval, digits)


def signed_ci(value: float, interval: list[float], digits: int = 3) -> str:
    """``+0.412 [+0.408, +0.416]``."""
    return fmt_ci(value, interval, digits, signed=True)


def _num(x: Any, digits: int = 4) -> str:
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        if math.isinf(x):
            return "∞"
        if math.isnan(x):
            return "—"
        return f"{x:.{digits}g}"
    return str(x)


def _vec(v: np.ndarray | None, digits: int = 4) -> str:
    if v is None:
        return "—"
    return "[" + ", ".join(_num(float(x), digits) for x in np.asarray(v).ravel()) + "]"


# ----------------------------------------------------------------------------- content


def _provenance(res: Results) -> list[Block]:
    m = res.manifest
    out: list[Block] = [Heading(2, "Provenance", "provenance"), Para("Command that wrote the results:"),
                        Para(res.command or "(not recorded)", code=True)]
    rows = [["results folder", str(res.path)], ["kind", res.layout],
            ["seed", _num(res.seed) if res.seed is not None else "—"],
            ["replications", _num(res.replications) if res.replications is not None else "—"]]
    if res.is_sweep:
        for key in ("points", "tasks", "chunk", "engine", "meetings"):
            if key in m:
                rows.append([key, _num(m[key]) if m[key] is not None else "scenario's own"])
    else:
        rows.append(["meetings", _num(m["meetings"]) if m.get("meetings") else "scenario's own"])
    for k, v in sorted((m.get("versions") or {}).items()):
        rows.append([f"version: {k}", str(v)])
    out.append(Table(["item", "value"], rows, numeric_from=99))
    files = res.scenario_files()
    status = {"unchanged": "unchanged since the run", "changed": "CHANGED since the run (SHA-256 differs)",
              "missing": "not found from here", "unknown": "no hash recorded"}
    out.append(Table(["scenario", "file", "SHA-256 (recorded)", "file now"],
                     [[sf.name, sf.path, (sf.sha256 or "—"), status.get(sf.status, sf.status)]
                      for sf in files], caption="Scenario files", numeric_from=99))
    return out


def _metrics_table(res: Results) -> Table:
    sums = res.summaries
    shown = [(k, vocab.label(k)) for k in vocab.RUN_RATES
             if any(float(s["metrics"].get(k, 0) or 0) != 0 for s in sums) or k in vocab.ALWAYS_SHOWN]
    rows = [["items / run", *[_num(s["metrics"]["items"]) for s in sums]]]
    for k, label in shown:
        rows.append([label, *[ci(s["metrics"].get(k), s["metrics"].get(f"{k}_ci95")) for s in sums]])
    return Table(["metric", *[s["scenario"] for s in sums]], rows,
                 caption="Decisions: means over replications with 95% Student-t intervals")


def _summary_blocks(res: Results) -> list[Block]:
    out: list[Block] = [Heading(2, "Results", "results")]
    sums = res.summaries
    s0 = sums[0]
    out.append(Para(f"{s0.get('replications')} replications × {s0.get('meetings')} meetings × "
                    f"{s0.get('items_per_meeting')} items per meeting, seed {s0.get('seed')}. "
                    + str(s0.get("notes", ""))))
    out.append(_metrics_table(res))
    if res.differences:
        keys = [(k, vocab.label(k)) for k in vocab.RUN_RATES if k in res.differences[0]]
        rows = [[d["scenario"], *[signed_ci(d[k], d[f"{k}_ci95"]) for k, _ in keys]]
                for d in res.differences]
        out.append(Table(["scenario", *[label for _, label in keys]], rows,
                         caption=f"Difference from {res.differences[0]['baseline']} (paired per "
                                 "replication under common random numbers, 95% CI)"))
    for s in sums:
        if s.get("periods"):
            rows = [[f"{p['first_meeting']}–{p['last_meeting']}", ", ".join(p["joined"]) or "—",
                     _num(p["members_present"]), ci(p["throughput"], p["throughput_ci95"]),
                     ci(p["deadlock_rate"], p["deadlock_rate_ci95"])] for p in s["periods"]]
            out.append(Table(["meetings", "joined", "members", vocab.label("throughput"),
                              vocab.label("deadlock_rate")], rows,
                             caption=f"{s['scenario']}: by period (accessions during the run)",
                             numeric_from=2))
    names: list[str] = []
    for s in sums:
        names += [n for n in res.member_names(s["scenario"]) if n not in names]
    rows = []
    for n in names:
        row = [n]
        for s in sums:
            m = (s.get("members") or {}).get(n)
            row += ["—", "—"] if m is None else [ci(m["objection_rate"], m["objection_rate_ci95"]),
                                                  ci(m["sole_veto_rate"], m["sole_veto_rate_ci95"])]
        rows.append(row)
    heads = ["member"]
    for s in sums:
        objects, sole = vocab.short("objection_rate"), vocab.short("sole_veto_rate")
        heads += ([objects, sole] if len(sums) == 1
                  else [f"{s['scenario']}: {objects}", f"{s['scenario']}: {sole}"])
    out.append(Table(heads, rows, caption="Objections per agenda item (at the last vote taken; sole = "
                     "the only objector on an item not adopted by consensus), 95% CI"))
    return out


def _sweep_blocks(res: Results) -> list[Block]:
    from ..experiments.sweep import summarize_results

    exp = res.manifest.get("experiment") or {}
    out: list[Block] = [Heading(2, "Experiment", "experiment")]
    if exp.get("description"):
        out.append(Para(str(exp["description"])))
    design = exp.get("design") or {}
    rows = [["name", str(exp.get("name", ""))], ["design", str(design.get("type", ""))]]
    for k in ("samples", "levels", "second_order"):
        if design.get(k) is not None:
            rows.append([k, _num(design[k])])
    for path, spec in (exp.get("parameters") or {}).items():
        rows.append([f"parameter: {vocab.parameter_label(path)} ({path})",
                     (f"{spec['low']} … {spec['high']}" if isinstance(spec, dict)
                      else ", ".join(map(str, spec)))])
    out.append(Table(["item", "value"], rows, numeric_from=99))
    scen = exp.get("scenarios") or []
    if scen:
        out.append(Table(["label", "file", "fixed values", "without"],
                         [[str(s.get("label")), str(s.get("path")),
                           ", ".join(f"{k} = {v}" for k, v in (s.get("set") or {}).items()) or "—",
                           ", ".join(s.get("without") or []) or "—"] for s in scen],
                         caption="Scenarios of the experiment", numeric_from=99))
    out.append(Heading(2, "Results", "results"))
    table = summarize_results(res.path)
    params = [p for p in res.parameters if p in table.columns]
    metrics = [m for m in vocab.SWEEP_SUMMARY if m in table.columns
               and (not vocab.metric(m).optional or table[m].fillna(0).any())]
    rows = []
    for r in table.head(MAX_POINT_ROWS).to_dict("records"):
        rows.append([_num(r["point"]), str(r["scenario"]), *[_num(r[p]) for p in params],
                     _num(r["replications"]),
                     *[ci(r[m], [r[f"{m}_ci_low"], r[f"{m}_ci_high"]]) for m in metrics]])
    cap = "Per design point: means over replications with 95% Student-t intervals"
    if len(table) > MAX_POINT_ROWS:
        cap += (f" (first {MAX_POINT_ROWS} of {len(table)} points; all of them: "
                "sco_sim.experiments.sweep.summarize_results)")
    out.append(Table(["point", "scenario", *[vocab.parameter_label(p) for p in params], "replications",
                      *[vocab.label(m) for m in metrics]], rows, caption=cap, numeric_from=2))
    out += _attribution_blocks(res)
    for metric in vocab.HEADLINE:
        try:
            idx = res.sensitivity(metric)
        except InputError as exc:
            out.append(Para(f"Sensitivity indices of {metric} not available: {exc.one_line()}"))
            break
        if idx is None or not len(idx):
            break
        cols = [c for c in ("S1", "S1_conf", "ST", "ST_conf", "mu", "mu_star", "mu_star_conf", "sigma")
                if c in idx.columns]
        out.append(Table(["scenario", "parameter", *cols],
                         [[str(r["scenario"]), f"{vocab.parameter_label(str(r['parameter']))} "
                           f"({r['parameter']})", *[f"{r[c]:.4f}" for c in cols]]
                          for r in idx.to_dict("records")],
                         caption=f"Sensitivity indices of the {vocab.label(metric)} (conf: 95% "
                                 "bootstrap half-width)", numeric_from=2))
        from .plots import sensitivity_warnings

        for w in sensitivity_warnings(idx):
            out.append(Para(f"Warning ({vocab.label(metric)}): {w}."))
    return out


def _attribution_blocks(res: Results) -> list[Block]:
    """The attribution chains of an experiment: each step's paired difference with its 95% CI."""
    attr = res.attribution()
    if attr is None or not len(attr):
        return []
    out: list[Block] = [Heading(3, "Attribution", "attribution")]
    for chain, part in attr.groupby("chain", sort=False):
        metric = str(part["metric"].iloc[0])
        rows = [[_num(r["step"]), f"{r['from']} → {r['to']}",
                 " ".join(x for x in (f"+{r['added']}" if r["added"] else "",
                                      f"−{r['removed']}" if r["removed"] else "") if x) or "—",
                 f"{r['from_mean']:.3f} → {r['to_mean']:.3f}",
                 signed_ci(r["difference"], [r["ci_low"], r["ci_high"]]), _num(r["replications"])]
                for r in part.to_dict("records")]
        out.append(Table(["step", "from → to", "members", vocab.label(metric), "difference (95% CI)",
                          "replications"], rows, numeric_from=3,
                         caption=f"Chain {chain!r}: change in the {vocab.label(metric)} at each step "
                                 "(paired by replication under common random numbers)"))
    return out


def _figure_blocks(res: Results, figures: list[tuple[str, Any]]) -> list[Block]:
    from .plots import caption_of, png_bytes, title_of

    out: list[Block] = [Heading(2, "Figures", "figures")]
    for stem, fig in figures:
        title = title_of(fig) or stem
        out.append(FigureBlock(stem, png_bytes(fig), title, caption_of(fig)))
    if len(out) == 1:
        from .plots import why_no_figures

        out.append(Para(f"No figures: {why_no_figures(res)}."))
    return out


def _describe_config(cfg: Config) -> list[list[str]]:
    rule = cfg.rule.replace("_", " ")
    if cfg.rule == "majority":
        rule += f" (threshold {cfg.threshold if cfg.threshold is not None else 'more than half'}"
        rule += ", capability-weighted)" if cfg.weighted else ")"
    rows = [["dimensions", ", ".join(cfg.dimensions)], ["bounds", "; ".join(
        f"{d}: [{lo:g}, {hi:g}]" for d, (lo, hi) in zip(cfg.dimensions, cfg.bounds))],
        ["decision rule", rule], ["subset texts (max objectors)", _num(cfg.subset_texts)],
        ["meetings", _num(cfg.meetings)], ["items per meeting", _num(cfg.items_per_meeting)],
        ["proposer", cfg.proposer], ["first chair", cfg.names[cfg.chair_order[cfg.first_chair]]],
        ["major powers' agenda share", _num(cfg.major_agenda_share)],
        ["issue shares", _vec(cfg.issue_shares, 3)],
        ["package probability / size", f"{_num(cfg.package_probability)} / {cfg.package_size}"],
        ["deadlocked items", "carried over" if cfg.carry_over else "dropped"],
        ["drafting", cfg.drafting], ["proposal step", _num(cfg.proposal_step)],
        ["consultation rounds (max)", _num(cfg.max_rounds)], ["concession", _num(cfg.concession)],
        ["drafting noise (s.d.)", _num(cfg.noise)], ["setter noise (s.d.)", _num(cfg.setter_noise)],
        ["status quo", "uniform draw per item" if cfg.status_quo is None else _vec(cfg.status_quo)],
        ["status quo drift (s.d. per meeting)", _num(cfg.drift)],
        ["status quo fixed", _num(cfg.fixed_status_quo)],
        ["side payments", f"budget {_num(cfg.side_budget)} × capability share" if cfg.side_payments else "off"],
        ["community growth / decay / max tolerance",
         f"{_num(cfg.community_growth)} / {_num(cfg.community_decay)} / {_num(cfg.max_tolerance)}"],
        ["great-power pressure", f"{len(cfg.pressure)} meeting(s) with shifts of ideal points"
         if cfg.pressure else "none"]]
    return rows


def _members_tables(cfg: Config) -> list[Table]:
    joins = cfg.joins if cfg.joins is not None else np.ones(cfg.n_members, dtype=int)
    attrs = []
    for i, n in enumerate(cfg.names):
        attrs.append([n, cfg.groups[i], _num(int(joins[i])), f"{cfg.capability[i]:.4f}",
                      _num(float(cfg.tolerance[i])),
                      _vec(cfg.ideal_sd[i]) if cfg.ideal_sd is not None else "0"])
    out = [Table(["member", "group", "joins at meeting", "capability (share)", "tolerance",
                  "ideal point s.d."], attrs, caption="Members", numeric_from=2)]
    if cfg.ideal is not None:
        rows = [[n, *[f"{cfg.ideal[i, d]:.3f} (w {cfg.salience[i, d]:g})" for d in range(cfg.n_dims)]]
                for i, n in enumerate(cfg.names)]
        out.append(Table(["member", *cfg.dimensions], rows,
                         caption="Ideal points (salience weight w) per issue area"))
    else:
        rows = [[n, *[f"w {cfg.salience[i, d]:g}" for d in range(cfg.n_dims)]]
                for i, n in enumerate(cfg.names)]
        out.append(Table(["member", *cfg.dimensions], rows, caption="Salience per issue area (ideal "
                         "points are drawn afresh in every replication: generated members)"))
    riv = [[cfg.names[i], cfg.names[j], _num(float(cfg.rivalry[i, j]))]
           for i in range(cfg.n_members) for j in range(i + 1, cfg.n_members)
           if not np.isnan(cfg.rivalry[i, j])]
    if riv:
        out.append(Table(["member", "member", "intensity (gain needed)"], riv, caption="Rivalries",
                         numeric_from=2))
    return out


def _scenario_blocks(res: Results) -> list[Block]:
    from ..inputs.scenario import load_scenario

    out: list[Block] = [Heading(2, "Scenarios and parameters", "scenarios")]
    seen: set[str] = set()
    for sf in res.scenario_files():
        key = str(sf.resolved or sf.path)
        title = sf.name if sf.name == Path(sf.path).name else f"{sf.name} ({sf.path})"
        if key in seen:
            out.append(Heading(3, title))
            out.append(Para("Same file as above (an experiment's own values are listed under Experiment)."))
            continue
        seen.add(key)
        out.append(Heading(3, title))
        if sf.config is None:
            why = sf.error or {"missing": "the file is not found from here",
                               "changed": "the file has changed since the run"}.get(sf.status, sf.status)
            out.append(Para(f"Parameters not shown: {why}. Recorded SHA-256: {sf.sha256 or '—'}."))
            continue
        try:
            desc = load_scenario(sf.resolved).scenario.description
        except Exception:  # noqa: BLE001 - a description is informative only
            desc = ""
        if desc:
            out.append(Para(str(desc)))
        out.append(Table(["parameter", "value"], _describe_config(sf.config), numeric_from=99))
        out += _members_tables(sf.config)
    return out


def build(res: Results) -> tuple[str, list[Block]]:
    """The report's title and blocks for a loaded results folder."""
    from .plots import available_kinds, figures_for

    title = f"sco-sim report: {res.title}"
    figs = [f for k in available_kinds(res) for f in figures_for(res, k)]
    blocks: list[Block] = []
    blocks += _provenance(res)
    blocks += _sweep_blocks(res) if res.is_sweep else _summary_blocks(res)
    blocks += _figure_blocks(res, figs)
    blocks += _scenario_blocks(res)
    blocks += [Heading(2, "Manifest", "manifest"), Para("manifest.json, verbatim:"),
               Pre(json.dumps(res.manifest, indent=2, sort_keys=True), "json")]
    return title, blocks


# ----------------------------------------------------------------------------- rendering

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
 max-width:1180px;margin:2em auto;padding:0 1em;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6em;border-bottom:2px solid #0072B2;padding-bottom:.2em}
h2{font-size:1.3em;margin-top:2em;border-bottom:1px solid #ccc}
h3{font-size:1.08em;margin-top:1.5em}
.table{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:.86em}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
th,td{border:1px solid #d0d0d0;padding:.25em .55em;vertical-align:top}
th{background:#f1f4f8;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr:nth-child(even) td{background:#fafafa}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
pre{background:#f6f8fa;border:1px solid #ddd;padding:.8em;overflow-x:auto}
p.cmd code{background:#f6f8fa;padding:.2em .4em;display:inline-block;word-break:break-all}
figure{margin:1.2em 0 2em}
figure img{max-width:100%;height:auto;border:1px solid #e3e3e3}
figcaption{font-size:.85em;color:#444;margin-top:.3em}
nav ul{columns:2;font-size:.92em}
.meta{color:#555;font-size:.9em}
"""


def _render_html(title: str, blocks: list[Block], res: Results) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{e(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
             f"<h1>{e(title)}</h1>",
             f'<p class="meta">Written by sco-sim {e(res.version)} from <code>{e(str(res.path))}</code>; '
             f"seed {e(str(res.seed))}. Self-contained: every figure is embedded.</p>"]
    toc = [b for b in blocks if isinstance(b, Heading) and b.level == 2 and b.anchor]
    parts.append("<nav><ul>" + "".join(f'<li><a href="#{e(h.anchor)}">{e(h.text)}</a></li>' for h in toc)
                 + "</ul></nav>")
    for b in blocks:
        if isinstance(b, Heading):
            anchor = f' id="{e(b.anchor)}"' if b.anchor else ""
            parts.append(f"<h{b.level}{anchor}>{e(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            parts.append(f'<p class="cmd"><code>{e(b.text)}</code></p>' if b.code else f"<p>{e(b.text)}</p>")
        elif isinstance(b, Table):
            rows = ['<div class="table"><table>']
            if b.caption:
                rows.append(f"<caption>{e(b.caption)}</caption>")
            rows.append("<thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in b.headers) + "</tr></thead><tbody>")
            for r in b.rows:
                rows.append("<tr>" + "".join(
                    f'<td class="n">{e(c)}</td>' if k >= b.numeric_from else f"<td>{e(c)}</td>"
                    for k, c in enumerate(r)) + "</tr>")
            rows.append("</tbody></table></div>")
            parts.append("".join(rows))
        elif isinstance(b, FigureBlock):
            data = base64.b64encode(b.png).decode("ascii")
            parts.append(f'<figure id="fig-{e(b.name)}"><img src="data:image/png;base64,{data}" '
                         f'alt="{e(b.alt)}"><figcaption>{e(b.alt)}. {e(b.caption)}</figcaption></figure>')
        elif isinstance(b, Pre):
            parts.append(f"<pre><code>{e(b.text)}</code></pre>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _md_text(text: str) -> str:
    """Markdown text with HTML escaped: a name like ``<script>`` is shown, never run."""
    return html.escape(str(text), quote=False)


def _md_fence(text: str) -> str:
    """A code fence longer than any run of backticks in ``text`` (so the text cannot close it)."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _md_cell(text: str) -> str:
    return _md_text(text).replace("|", "\\|").replace("\n", " ")


def _render_md(title: str, blocks: list[Block], res: Results, rel: str) -> str:
    out = [f"# {_md_text(title)}", "",
           f"Written by sco-sim {res.version} from `{res.path}`; seed {res.seed}. Figures are in "
           f"`{rel}/`.", ""]
    for b in blocks:
        if isinstance(b, Heading):
            out += ["#" * b.level + " " + _md_text(b.text), ""]
        elif isinstance(b, Para):
            fence = _md_fence(b.text)
            out += ([fence, b.text, fence, ""] if b.code else [_md_text(b.text), ""])
        elif isinstance(b, Table):
            if b.caption:
                out += [f"**{_md_cell(b.caption)}**", ""]
            out.append("| " + " | ".join(_md_cell(h) for h in b.headers) + " |")
            out.append("|" + "|".join("---:" if k >= b.numeric_from else "---"
                                      for k in range(len(b.headers))) + "|")
            out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in b.rows]
            out.append("")
        elif isinstance(b, FigureBlock):
            alt = _md_text(b.alt).replace("[", "(").replace("]", ")")
            out += [f"![{alt}]({rel}/{b.name}.png)", "", f"*{_md_text(b.caption)}*", ""]
        elif isinstance(b, Pre):
            fence = _md_fence(b.text)
            out += [f"{fence}{b.lang}", b.text, fence, ""]
    return "\n".join(out)


def write_report(results_dir: str | Path, out_path: str | Path, fmt: str = "html") -> Path:
    """Write the report of a results folder to ``out_path`` (HTML or Markdown); return its path.

    ``out_path`` may be an existing folder (the report is then ``report.<fmt>`` inside it). For
    Markdown the figures go to ``<stem>_files/`` beside the report. Raises InputError for an
    unknown format (``--format``), an output path that cannot be written (``--out``) or a results
    folder that is missing, partial or foreign (``RESULTS``).
    """
    if fmt not in REPORT_FORMATS:
        raise InputError([Problem(str(out_path), "--format", f"unknown report format {fmt!r}; "
                                  f"expected one of {', '.join(REPORT_FORMATS)}")])
    res = load_results(results_dir)
    out = Path(out_path)
    if out.is_dir():
        out = out / f"report.{fmt}"
    parent = out.parent
    probe = parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK):
        raise InputError([Problem(str(out_path), "--out", f"cannot write here ({probe} is not a "
                                  "writable folder)")])
    title, blocks = build(res)
    if fmt == "html":
        text = _render_html(title, blocks, res)
    else:
        rel = f"{out.stem}_files"
        fig_dir = parent / rel
        for b in blocks:
            if isinstance(b, FigureBlock):
                atomic_write(fig_dir / f"{b.name}.png", lambda p, data=b.png: p.write_bytes(data))
        text = _render_md(title, blocks, res, rel)
    atomic_write(out, lambda p: p.write_text(text, encoding="utf-8"))
    return out


__all__ = ["REPORT_FORMATS", "build", "write_report"]
