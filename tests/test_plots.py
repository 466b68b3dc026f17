"""Figures (sco_sim.viz.plots) made from real results folders written by the CLI and by a sweep."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import matplotlib
import matplotlib.colors

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from conftest import SCENARIOS, THREE_ON_A_LINE  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from sco_sim.cli import load_config, main  # noqa: E402
from sco_sim.experiments.experiment import experiment_from_scenario  # noqa: E402
from sco_sim.experiments.results import load_results  # noqa: E402
from sco_sim.experiments.sweep import run_sweep  # noqa: E402
from sco_sim.inputs.errors import InputError  # noqa: E402
from sco_sim.viz import plots  # noqa: E402

S2001 = SCENARIOS / "sco_2001_2plus4.toml"
S2017 = SCENARIOS / "sco_2017_3plus5.toml"
HISTORY = SCENARIOS / "sco_history_2001_2025.toml"
PENTAGON = SCENARIOS / "teaching" / "pentagon_majority.toml"


def cli_ok(argv: list[str]) -> None:
    assert main(argv) == 0, argv


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """Real results: a compare, a run with accessions, a 2-D teaching run, a 1-D run, two sweeps."""
    base = tmp_path_factory.mktemp("results")
    out = {k: base / k for k in ("cmp", "hist", "pent", "line", "sweep", "morris")}
    cli_ok(["compare", str(S2001), str(S2017), "-r", "6", "--seed", "11", "--meetings", "6",
            "--out", str(out["cmp"]), "--no-progress"])
    cli_ok(["run", str(HISTORY), "-r", "4", "--seed", "5", "--out", str(out["hist"]), "--no-progress"])
    cli_ok(["run", str(PENTAGON), "-r", "5", "--seed", "2", "--out", str(out["pent"]), "--no-progress"])
    cli_ok(["run", str(THREE_ON_A_LINE), "-r", "3", "--seed", "1", "--out", str(out["line"]),
            "--no-progress"])
    exp = experiment_from_scenario(S2017, ["negotiation.max_rounds=0,2,4", "members.*.tolerance=0,0.05"],
                                   replications=4, seed=9, meetings=5)
    run_sweep(exp, out["sweep"], command="sco-sim sweep (test)")
    mor = experiment_from_scenario(S2017, ["negotiation.max_rounds=0:4", "negotiation.concession=0.1:0.9"],
                                   replications=2, seed=4, meetings=4, design="morris", samples=2)
    run_sweep(mor, out["morris"], command="sco-sim sweep (test, morris)")
    return out


def caption_has_seed(fig, seed: int) -> bool:
    return f"seed {seed}" in plots.caption_of(fig)


def check_common(fig, seed: int, words: list[str]) -> None:
    """Modest size, a title naming the scenario or kind, the seed in the caption, labelled axes."""
    w, h = fig.get_size_inches()
    assert 5 <= w <= 17 and 3 <= h <= 14, (w, h)
    title = plots.title_of(fig)
    assert any(word in title for word in words), (title, words)
    assert caption_has_seed(fig, seed), plots.caption_of(fig)
    fig.canvas.draw()
    for ax in data_axes(fig):
        if any(t.get_visible() and t.get_text() for t in ax.get_xticklabels()):
            assert ax.get_xlabel(), (title, ax.get_title())
        if any(t.get_visible() and t.get_text() for t in ax.get_yticklabels()):
            assert ax.get_ylabel(), (title, ax.get_title())


def data_axes(fig):
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.get_visible() and ax.axison]


# --------------------------------------------------------------------------- run / compare kinds


def test_comparison_bars_one_per_scenario(folders):
    res = load_results(folders["cmp"])
    [(stem, fig)] = plots.figures_for(res, "comparison")
    check_common(fig, 11, ["Comparison", "throughput"])
    axes = data_axes(fig)
    assert len(axes) == 2
    for ax in axes:
        bars = [c for c in ax.containers if isinstance(c, BarContainer)]
        assert len(bars) == 2
        assert ax.get_xlabel() and ax.get_title()
    # the bar lengths are the summary's means
    thr = [b.patches[0].get_width() for b in axes[0].containers if isinstance(b, BarContainer)]
    assert thr == pytest.approx([s["metrics"]["throughput"] for s in res.summaries])
    assert axes[0].get_yticklabels()[0].get_text().startswith("SCO 2001")  # first scenario on top


def test_timeseries_lines_and_accession_events(folders):
    res = load_results(folders["cmp"])
    [(_, fig)] = plots.figures_for(res, "timeseries")
    check_common(fig, 11, ["Time series"])
    for ax in data_axes(fig):
        assert len([ln for ln in ax.lines if ln.get_gid() == "series"]) == 2
        assert not [ln for ln in ax.lines if ln.get_gid() == "event"]
        assert ax.get_ylabel()
    hist = load_results(folders["hist"])
    events = hist.events(hist.scenario_names[0])
    assert [m for m, _ in events] == [17, 23, 24]
    [(_, fig)] = plots.figures_for(hist, "timeseries")
    check_common(fig, 5, ["SCO 2001-2025"])
    top, bottom = data_axes(fig)
    assert len([ln for ln in top.lines if ln.get_gid() == "series"]) == 1
    marks = [ln for ln in top.lines if ln.get_gid() == "event"]
    assert sorted(ln.get_xdata()[0] for ln in marks) == [16.5, 22.5, 23.5]
    labels = [t.get_text() for t in top.texts if t.get_gid() == "event-label"]
    assert "+India, Pakistan" in labels and "+Belarus" in labels
    fig.canvas.draw()  # +Iran and +Belarus mark consecutive meetings: their labels must not overprint
    assert plots.text_overlaps([t for t in top.texts if t.get_gid() == "event-label"]) == []
    assert bottom.get_xlabel().startswith("meeting")


def test_timeseries_accepts_plain_events():
    df = pd.DataFrame({"replication": np.repeat([0, 1], 4), "meeting": np.tile([1, 2, 3, 4], 2),
                       "items": 4, "adopted": [4, 3, 2, 1, 4, 4, 2, 2], "deadlocked": [0, 1, 2, 3, 0, 0, 2, 2]})
    fig = plots.plot_timeseries(df, [(3, "+X joins")], seed=1)
    ax = data_axes(fig)[0]
    assert [ln.get_xdata()[0] for ln in ax.lines if ln.get_gid() == "event"] == [2.5]
    mean = [ln for ln in ax.lines if ln.get_gid() == "series"][0].get_ydata()
    assert list(mean) == [4.0, 3.5, 2.0, 1.5]


def test_blockers_heatmap_rows_are_members(folders):
    res = load_results(folders["cmp"])
    [(_, fig)] = plots.figures_for(res, "blockers")
    check_common(fig, 11, ["blocks"])
    heat = {ax.get_gid(): ax for ax in fig.axes if (ax.get_gid() or "").startswith("heat:")}
    assert len(heat) == 4  # two scenarios x (objections, sole objections)
    n2001, n2017 = (len(res.member_names(s)) for s in res.scenario_names)
    assert (n2001, n2017) == (6, 8)
    for (name, n) in zip(res.scenario_names, (n2001, n2017)):
        img = heat[f"heat:{name}:objection_rate"].images[0].get_array()
        assert img.shape == (8, 5)  # the union of members x the five issue areas
        assert int(np.isfinite(img.filled(np.nan)).all(axis=1).sum()) == n
    labels = [t.get_text() for t in heat[f"heat:{res.scenario_names[0]}:objection_rate"].get_yticklabels()]
    assert labels[:2] == ["China", "Russia"] and "India" in labels


def test_blocking_rates_known_answer():
    items = pd.DataFrame({
        "scenario": "s", "replication": 0, "meeting": [1, 1, 2, 2],
        "issue_area": ["a", "a+b", "b", "a"],
        "objectors": ["X", "X;Y", "", "Y"],
        "outcome": ["none", "none", "consensus", "subset"],
        "adopted": [False, False, True, True],
    })
    r = plots.blocking_rates(items).set_index(["member", "area"])
    # area a: items 1, 2, 4; X objects on 1 (sole) and 2; Y on 2 and 4 (sole, not by consensus)
    assert r.loc[("X", "a"), "items"] == 3
    assert r.loc[("X", "a"), "objections"] == 2 and r.loc[("X", "a"), "sole"] == 1
    assert r.loc[("Y", "a"), "sole"] == 1
    # area b: items 2, 3; X objects on 2 only (not sole)
    assert r.loc[("X", "b"), "objection_rate"] == pytest.approx(0.5)
    assert r.loc[("X", "b"), "sole_rate"] == 0


def test_policy_space_2d_members_curves_winset_path(folders):
    res = load_results(folders["pent"])
    [(stem, fig)] = plots.figures_for(res, "policy")
    assert stem == "policy"
    check_common(fig, 2, ["five on a pentagon"])
    main_ax = next(ax for ax in fig.axes if ax.get_gid() == "policy-main")
    ideals = [c for c in main_ax.collections if (c.get_gid() or "").startswith("ideal:")]
    assert len(ideals) == 5
    curves = [p for p in main_ax.patches if (p.get_gid() or "").startswith("indifference:")]
    assert len(curves) == 5
    assert any(c.get_gid() == "winset" for c in main_ax.collections)
    path = next(ln for ln in main_ax.lines if ln.get_gid() == "status-quo-path")
    assert len(path.get_xdata()) == 10 + 1  # before the first meeting and after each of ten
    assert "x" in main_ax.get_xlabel() and "y" in main_ax.get_ylabel()


def test_policy_space_indifference_curve_passes_through_status_quo():
    cfg = load_config(str(S2017), None)
    fig = plots.plot_policy_space(cfg, dims=("connectivity", "counter_terrorism"), seed=3, meetings=2)
    assert "connectivity" in plots.title_of(fig) and caption_has_seed(fig, 3)
    main_ax = next(ax for ax in fig.axes if ax.get_gid() == "policy-main")
    a, b = cfg.dimensions.index("connectivity"), cfg.dimensions.index("counter_terrorism")
    q = cfg.status_quo
    for e in main_ax.patches:
        if (e.get_gid() or "").startswith("indifference:"):
            (cx, cy), rx, ry = e.get_center(), e.get_width() / 2, e.get_height() / 2
            assert ((q[a] - cx) / rx) ** 2 + ((q[b] - cy) / ry) ** 2 == pytest.approx(1.0)
    assert len([c for c in main_ax.collections if (c.get_gid() or "").startswith("ideal:")]) == 8
    # the winset grid: q itself passes (a null move is not in it but its neighbourhood is)
    X, Y, passes = plots.winset_mask(cfg, cfg.ideal, q, (a, b), grid=81)
    assert 0 < passes.mean() < 0.05
    with pytest.raises(InputError) as exc:
        plots.plot_policy_space(cfg, dims=("connectivity", "nope"))
    assert exc.value.problems[0].field == "dims"


def test_policy_space_1d(folders):
    res = load_results(folders["line"])
    [(_, fig)] = plots.figures_for(res, "policy")
    check_common(fig, 1, ["three members on a line"])
    ax = data_axes(fig)[0]
    assert len([c for c in ax.collections if (c.get_gid() or "").startswith("ideal:")]) == 3
    assert any("empty" in t.get_text() for t in ax.texts)  # nothing beats q = 0.5 under unanimity


# --------------------------------------------------------------------------- sweep kinds


def test_sweep_line_and_heatmap(folders):
    res = load_results(folders["sweep"])
    assert plots.available_kinds(res) == ["sweep-line", "sweep-heatmap"]
    lines = plots.figures_for(res, "sweep-line")
    assert len(lines) == 2  # one per varied parameter
    stem, fig = lines[0]
    check_common(fig, 9, ["consultation rounds"])  # the human label in the title ...
    assert "negotiation.max_rounds" in plots.caption_of(fig)  # ... the dotted path in the caption
    for ax in data_axes(fig):
        # one line per level of the other swept parameter (members.*.tolerance = 0, 0.05), not pooled
        series = [ln for ln in ax.lines if ln.get_gid() == "series"]
        assert [ln.get_label() for ln in series] == ["0", "0.05"]
        assert all(list(ln.get_xdata()) == [0, 2, 4] for ln in series)
    legend = next(leg for leg in fig.findobj(Legend) if leg.get_gid() == "series-legend")
    assert "every member's tolerance" in legend.get_title().get_text()
    [(_, heat)] = plots.figures_for(res, "sweep-heatmap")
    check_common(heat, 9, ["consultation rounds"])
    panels = [ax for ax in heat.axes if (ax.get_gid() or "").startswith("heat:")]
    assert len(panels) == 1 and panels[0].images[0].get_array().shape == (2, 3)


def test_sweep_line_from_plain_rows_several_scenarios():
    rows = pd.DataFrame({"point": np.repeat(np.arange(6), 3), "scenario": np.repeat(["A", "B"], 9),
                         "rule.threshold": np.tile(np.repeat([0.5, 0.7, 0.9], 3), 2),
                         "replication": np.tile([0, 1, 2], 6),
                         "deadlock_rate": np.linspace(0, 1, 18), "throughput": np.linspace(8, 1, 18)})
    fig = plots.plot_sweep_line(rows, "rule.threshold", seed=4)
    for ax in data_axes(fig):
        assert len([ln for ln in ax.lines if ln.get_gid() == "series"]) == 2
    assert caption_has_seed(fig, 4)
    with pytest.raises(InputError):
        plots.plot_sweep_line(rows, "no.such")


def test_sensitivity_bars_morris_and_sobol(folders):
    res = load_results(folders["morris"])
    assert "sensitivity" in plots.available_kinds(res)
    figs = plots.figures_for(res, "sensitivity")
    assert [s for s, _ in figs] == ["sensitivity-deadlock-rate", "sensitivity-throughput"]
    fig = figs[0][1]
    check_common(fig, 4, ["Morris"])
    ax = data_axes(fig)[0]
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == 2 and all(len(b.patches) == 2 for b in bars)  # mu*, sigma x 2 parameters
    sobol = pd.DataFrame({"scenario": "3+5", "parameter": ["a.b", "c.d", "e.f"], "metric": "deadlock_rate",
                          "S1": [0.5, 0.2, 0.0], "S1_conf": [0.1, 0.1, 0.05], "ST": [0.6, 0.3, 0.05],
                          "ST_conf": [0.1, 0.1, 0.05]})
    fig = plots.plot_sensitivity(sobol, seed=0)
    assert "Sobol" in plots.title_of(fig) and caption_has_seed(fig, 0)
    ax = data_axes(fig)[0]
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [len(b.patches) for b in bars] == [3, 3]
    assert [p.get_width() for p in bars[1].patches] == [0.6, 0.3, 0.05]


# --------------------------------------------------------------------------- plot_results, save


def test_plot_results_writes_every_kind(folders, tmp_path):
    paths = plots.plot_results(folders["cmp"], out_dir=tmp_path / "figs")
    names = sorted(p.name for p in paths)
    assert names == sorted(["comparison.png", "timeseries.png", "blockers.png",
                            "policy-1-sco-2001-six-founders-2-4.png", "policy-2-sco-2017-eight-members-3-5.png"])
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)
    assert not [p for p in (tmp_path / "figs").iterdir() if p.name.startswith(".")]
    [svg] = plots.plot_results(folders["cmp"], kind="comparison", fmt="svg", out_dir=tmp_path / "svg")
    assert svg.suffix == ".svg" and b"<svg" in svg.read_bytes()[:500]
    [pdf] = plots.plot_results(folders["hist"], kind="timeseries", fmt="pdf", out_dir=tmp_path / "pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    default = plots.plot_results(folders["pent"], kind="comparison")
    assert default == [folders["pent"] / "figures" / "comparison.png"]


def test_save_is_deterministic(tmp_path):
    df = pd.DataFrame({"replication": [0, 0], "meeting": [1, 2], "items": 2, "adopted": [1, 2],
                       "deadlocked": [1, 0]})
    a = plots.save(plots.plot_timeseries(df, seed=0), tmp_path / "a.png")
    b = plots.save(plots.plot_timeseries(df, seed=0), tmp_path / "b", "png")
    assert b.name == "b.png" and a.read_bytes() == b.read_bytes()
    with pytest.raises(InputError) as exc:
        plots.save(plots.plot_timeseries(df, seed=0), tmp_path / "c.gif")
    assert exc.value.problems[0].field == "--format"


def field_of(exc: pytest.ExceptionInfo) -> str:
    return exc.value.problems[0].field


def test_errors_unknown_kind_format_missing_and_foreign(folders, tmp_path):
    with pytest.raises(InputError) as exc:
        plots.plot_results(folders["cmp"], kind="pie")
    assert field_of(exc) == "--kind" and "comparison" in str(exc.value)
    with pytest.raises(InputError) as exc:
        plots.plot_results(folders["cmp"], kind="sensitivity")  # a sweep kind on a compare folder
    assert field_of(exc) == "--kind"
    with pytest.raises(InputError) as exc:
        plots.plot_results(folders["sweep"], kind="sensitivity")  # a factorial sweep has no indices
    assert field_of(exc) == "--kind"
    with pytest.raises(InputError) as exc:
        plots.plot_results(folders["cmp"], fmt="jpeg")
    assert field_of(exc) == "--format"
    with pytest.raises(InputError) as exc:
        plots.plot_results(tmp_path / "nowhere")
    assert field_of(exc) == "RESULTS" and "no such folder" in str(exc.value)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError) as exc:
        plots.plot_results(empty)
    assert field_of(exc) == "RESULTS" and "manifest.json" in str(exc.value)
    partial = tmp_path / "partial"
    shutil.copytree(folders["pent"], partial)
    (partial / "items.parquet").unlink()
    with pytest.raises(InputError) as exc:
        plots.plot_results(partial)
    assert field_of(exc) == "RESULTS" and "items.parquet" in str(exc.value)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "manifest.json").write_text(json.dumps({"name": "something else"}))
    with pytest.raises(InputError) as exc:
        plots.plot_results(foreign)
    assert field_of(exc) == "RESULTS"
    (foreign / "manifest.json").write_text("{not json")
    with pytest.raises(InputError) as exc:
        plots.plot_results(foreign)
    assert field_of(exc) == "RESULTS"


def test_policy_needs_unchanged_scenario_files(folders, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(folders["pent"], moved)
    man = json.loads((moved / "manifest.json").read_text())
    man["scenarios"][0]["path"] = str(tmp_path / "gone.toml")
    (moved / "manifest.json").write_text(json.dumps(man))
    res = load_results(moved)
    assert "policy" not in plots.available_kinds(res)
    with pytest.raises(InputError) as exc:
        plots.plot_results(moved, kind="policy")
    assert field_of(exc) == "--kind" and "gone.toml" in str(exc.value)
    changed = tmp_path / "changed.toml"
    changed.write_text(PENTAGON.read_text().replace("meetings = 10", "meetings = 9"))
    man["scenarios"][0]["path"] = str(changed)
    (moved / "manifest.json").write_text(json.dumps(man))
    assert load_results(moved).scenario_files()[0].status == "changed"


def test_cli_error_line_for_plot_errors(tmp_path):
    """The InputError these functions raise is what the CLI turns into one line and exit 2."""
    with pytest.raises(InputError) as exc:
        plots.plot_results(tmp_path / "missing")
    line = exc.value.one_line()
    assert line.startswith(str(tmp_path / "missing") + ": RESULTS: no such folder")
    assert "\n" not in line


# --------------------------------------------------------------------------- figures that cannot be misread

EXPANSION = Path(__file__).resolve().parents[1] / "experiments" / "expansion.toml"


@pytest.fixture(scope="module")
def expansion(tmp_path_factory) -> Path:
    """The headline experiment (its [attribution] chains), small."""
    out = tmp_path_factory.mktemp("expansion") / "exp"
    cli_ok(["sweep", str(EXPANSION), "-r", "4", "--meetings", "3", "--workers", "1", "--out", str(out),
            "--no-progress"])
    return out


def test_attribution_figure_shows_every_step_with_its_paired_interval(expansion, tmp_path):
    res = load_results(expansion)
    assert plots.available_kinds(res) == ["attribution"]
    [(stem, fig)] = plots.figures_for(res, "attribution")
    check_common(fig, 0, ["Attribution"])
    attr = res.attribution()
    chains = list(dict.fromkeys(attr["chain"]))
    assert chains == ["accessions", "India first", "Pakistan first"]
    axes = data_axes(fig)
    assert len(axes) == 3  # one panel per chain
    for ax, chain in zip(axes, chains):
        part = attr[attr["chain"] == chain]
        [dots] = [c for c in ax.collections if c.get_gid() == "attribution-mean"]
        xs = dots.get_offsets()[:, 0]
        assert sorted(xs) == pytest.approx(sorted(part["difference"]))  # the paired mean differences
        hollow = [tuple(fc) == (1, 1, 1, 1) for fc in dots.get_facecolors()]
        order = np.argsort(xs)
        zero = ((part["ci_low"] <= 0) & (part["ci_high"] >= 0)).to_numpy()[np.argsort(part["difference"].to_numpy())]
        assert [hollow[k] for k in order] == list(zero)  # hollow exactly where the interval holds 0
        assert ax.get_title(loc="left").endswith(chain)
    fig.canvas.draw()
    values = [t for t in fig.findobj(Text) if t.get_gid() == "attribution-value"]
    assert len(values) == len(attr) and not plots.text_overlaps(values)
    assert [p.name for p in plots.plot_results(expansion, out_dir=tmp_path)] == ["attribution.png"]


def test_a_sweep_with_nothing_to_draw_is_an_error_not_silence(tmp_path):
    exp = experiment_from_scenario(S2001, [], replications=2, seed=1, meetings=2)
    run_sweep(exp, tmp_path / "one", command="sco-sim sweep (test)")
    with pytest.raises(InputError) as exc:
        plots.plot_results(tmp_path / "one", out_dir=tmp_path / "figs")
    assert "nothing to draw" in exc.value.problems[0].message
    assert not (tmp_path / "figs").exists()


def test_timeseries_names_the_chair_of_each_meeting(folders):
    hist = load_results(folders["hist"])
    [(_, fig)] = plots.figures_for(hist, "timeseries")
    cfg = hist.configs()[hist.scenario_names[0]]
    expected = [cfg.names[cfg.chair(m)] for m in range(cfg.meetings)]
    top_axis = next(a for a in fig.findobj(lambda o: getattr(o, "get_gid", lambda: None)() == "chairs"))
    assert [t.get_text() for t in top_axis.get_xticklabels()] == expected
    assert "same in every replication" in plots.caption_of(fig)
    # two scenarios with different rotations: both names at every meeting
    res = load_results(folders["cmp"])
    [(_, fig)] = plots.figures_for(res, "timeseries")
    top_axis = next(a for a in fig.findobj(lambda o: getattr(o, "get_gid", lambda: None)() == "chairs"))
    assert all(" / " in t.get_text() for t in top_axis.get_xticklabels())


def test_policy_plot_members_never_look_like_the_status_quo():
    cfg = load_config(str(SCENARIOS / "sco_2024_belarus.toml"), None)
    fig = plots.plot_policy_space(cfg, seed=0, meetings=3, grid=41)
    main_ax = next(ax for ax in fig.axes if ax.get_gid() == "policy-main")
    ideals = [c for c in main_ax.collections if (c.get_gid() or "").startswith("ideal:")]
    assert len(ideals) == 10
    styles = {(tuple(c.get_facecolor()[0][:3]), str(c.get_paths()[0].vertices.round(3).tobytes()))
              for c in ideals}
    assert len(styles) == 10  # colour and marker pairs all differ
    black = matplotlib.colors.to_rgb("#000000")
    assert all(tuple(c.get_facecolor()[0][:3]) != black for c in ideals)  # black is the status quo's
    assert "*" not in plots.MEMBER_MARKERS and "s" not in plots.MEMBER_MARKERS


def test_sensitivity_warns_in_the_figure_and_on_stderr(folders, tmp_path, capsys):
    sobol = pd.DataFrame({"scenario": "3+5", "parameter": ["negotiation.max_rounds", "members.India.tolerance"],
                          "metric": "deadlock_rate", "S1": [0.6, 0.01], "S1_conf": [0.1, 0.05],
                          "ST": [0.7, 0.02], "ST_conf": [0.1, 0.01], "points": 64, "replications": 20})
    warnings = plots.sensitivity_warnings(sobol)
    assert len(warnings) == 2  # India's tolerance crosses 0; 20 < 30 replications
    assert "India's tolerance" in warnings[0] and "20 replications" in warnings[1]
    fig = plots.plot_sensitivity(sobol, seed=0)
    shown = [t.get_text() for t in fig.findobj(Text) if t.get_gid() == "warning"]
    assert shown and "include 0" in shown[0]
    clean = sobol.assign(S1=[0.6, 0.3], ST=[0.7, 0.4], replications=100)
    assert plots.sensitivity_warnings(clean) == []
    plots.plot_results(folders["morris"], kind="sensitivity", out_dir=tmp_path)
    assert "sco-sim: warning: sensitivity-deadlock-rate:" in capsys.readouterr().err


def test_dpi_sets_the_png_resolution(folders, tmp_path):
    from PIL import Image

    low = plots.plot_results(folders["cmp"], kind="comparison", out_dir=tmp_path / "a", dpi=60)[0]
    high = plots.plot_results(folders["cmp"], kind="comparison", out_dir=tmp_path / "b", dpi=120)[0]
    (w1, h1), (w2, h2) = Image.open(low).size, Image.open(high).size
    assert w2 == pytest.approx(2 * w1, abs=2) and h2 == pytest.approx(2 * h1, abs=2)
    assert main(["plot", str(folders["cmp"]), "--kind", "comparison", "--dpi", "60",
                 "--out", str(tmp_path / "c")]) == 0
    assert Image.open(tmp_path / "c" / "comparison.png").size == (w1, h1)


def test_place_labels_leaves_no_overprint():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    # five Central Asian members on nearly one point, two more close by: the dashboard's case
    xs = [0.50, 0.501, 0.502, 0.503, 0.504, 0.52, 0.2]
    ys = [0.50, 0.501, 0.499, 0.500, 0.502, 0.51, 0.8]
    names = ["Kazakhstan", "Kyrgyzstan", "Tajikistan", "Uzbekistan", "Turkmenistan", "China", "India"]
    ax.scatter(xs, ys)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    texts = [ax.text(x, y, n, fontsize=8) for x, y, n in zip(xs, ys, names)]
    fig.canvas.draw()
    assert plots.text_overlaps(texts)  # as placed, they overprint
    plots.place_labels(ax, texts, xs, ys)
    fig.canvas.draw()
    assert plots.text_overlaps(texts) == []
