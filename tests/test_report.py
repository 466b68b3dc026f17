"""Reports (sco_sim.viz.report): one self-contained HTML file, or Markdown with its figures beside it."""

from __future__ import annotations

import base64
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from conftest import SCENARIOS  # noqa: E402

from sco_sim.cli import main  # noqa: E402
from sco_sim.experiments.experiment import experiment_from_scenario  # noqa: E402
from sco_sim.experiments.results import load_results  # noqa: E402
from sco_sim.experiments.sweep import run_sweep  # noqa: E402
from sco_sim.inputs.errors import InputError  # noqa: E402
from sco_sim.viz.plots import available_kinds  # noqa: E402
from sco_sim.viz.report import write_report  # noqa: E402

S2001 = SCENARIOS / "sco_2001_2plus4.toml"
S2017 = SCENARIOS / "sco_2017_3plus5.toml"
HISTORY = SCENARIOS / "sco_history_2001_2025.toml"


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("report-results")
    out = {"cmp": base / "cmp", "hist": base / "hist", "morris": base / "morris"}
    assert main(["compare", str(S2001), str(S2017), "-r", "5", "--seed", "21", "--meetings", "5",
                 "--out", str(out["cmp"]), "--no-progress"]) == 0
    assert main(["run", str(HISTORY), "-r", "3", "--seed", "8", "--out", str(out["hist"]),
                 "--no-progress"]) == 0
    mor = experiment_from_scenario(S2017, ["negotiation.max_rounds=0:4", "members.*.tolerance=0:0.1"],
                                   replications=2, seed=6, meetings=4, design="morris", samples=2)
    run_sweep(mor, out["morris"], command="sco-sim sweep (report test)")
    return out


class Parsed(HTMLParser):
    """Collects tags, image sources and external references of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.images: list[str] = []
        self.external: list[str] = []
        self.figure_ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "img":
            self.images.append(a.get("src", ""))
        if tag == "figure":
            self.figure_ids.append(a.get("id", ""))
        for key in ("src", "href"):
            v = a.get(key) or ""
            if v and not v.startswith(("data:", "#")):
                self.external.append(v)
        if tag in ("link", "script"):
            self.external.append(tag)


def parse(text: str) -> Parsed:
    p = Parsed()
    p.feed(text)
    return p


def test_html_report_is_self_contained_with_every_figure(folders, tmp_path):
    res = load_results(folders["cmp"])
    out = write_report(folders["cmp"], tmp_path / "report.html")
    assert out == tmp_path / "report.html"
    text = out.read_text(encoding="utf-8")
    page = parse(text)
    assert not page.external, page.external  # no links to files, scripts or style sheets
    assert available_kinds(res) == ["comparison", "timeseries", "blockers", "policy"]
    stems = ["comparison", "timeseries", "blockers", "policy-1-sco-2001-six-founders-2-4",
             "policy-2-sco-2017-eight-members-3-5"]
    assert sorted(page.figure_ids) == sorted(f"fig-{s}" for s in stems)
    assert len(page.images) == len(stems) == text.count("data:image/png;base64,")
    for src in page.images:
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    # the summary numbers, with their intervals, and the paired differences
    for s in res.summaries:
        m = s["metrics"]
        lo, hi = m["deadlock_rate_ci95"]
        assert f"{m['deadlock_rate']:.3f} [{lo:.3f}, {hi:.3f}]" in text
        assert f"{m['throughput']:.3f}" in text
    d = res.differences[0]
    assert f"{d['deadlock_rate']:+.3f} [{d['deadlock_rate_ci95'][0]:+.3f}" in text
    # the manifest's command and the manifest itself, the scenarios' members and parameters
    assert html.escape(res.manifest["command"]) in text
    assert html.escape(json.dumps(res.manifest, indent=2, sort_keys=True)) in text
    for name in ("China", "Kazakhstan", "India", "Pakistan"):
        assert f"<td>{name}</td>" in text
    assert "0.222 (w 1)" in text  # China's alignment ideal point and salience
    assert "unchanged since the run" in text
    assert "tolerance" in text and "capability (share)" in text
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_markdown_report_links_existing_figures(folders, tmp_path):
    out = write_report(folders["hist"], tmp_path / "sub" / "hist.md", fmt="md")
    text = out.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    res = load_results(folders["hist"])
    assert available_kinds(res) == ["comparison", "timeseries", "blockers", "policy"]
    assert sorted(links) == sorted(f"hist_files/{k}.png" for k in available_kinds(res))
    for link in links:
        assert link.startswith("hist_files/")
        f = out.parent / link
        assert f.is_file() and f.read_bytes()[:4] == b"\x89PNG"
    assert res.manifest["command"] in text
    s = res.summaries[0]
    assert f"{s['metrics']['throughput']:.3f}" in text
    assert "| 17–22 | India, Pakistan |" in text  # the periods around the accessions
    assert "```json" in text


def test_sweep_report_has_design_points_indices_and_figures(folders, tmp_path):
    out = write_report(folders["morris"], tmp_path, fmt="html")  # a folder: report.html inside
    assert out == tmp_path / "report.html"
    text = out.read_text(encoding="utf-8")
    page = parse(text)
    assert not page.external
    assert "fig-sensitivity-deadlock-rate" in page.figure_ids
    assert any(i.startswith("fig-sweep-line") for i in page.figure_ids)
    assert "mu_star" in text and "Sensitivity indices of the deadlock rate" in text
    assert "sco-sim sweep (report test)" in text
    assert "negotiation.max_rounds" in text and "consultation rounds" in text  # path and label
    # two replications per design point: the report says what the indices cannot show
    assert "Warning (deadlock rate): only 2 replications per design point" in html.unescape(text)


def test_report_errors(folders, tmp_path):
    with pytest.raises(InputError) as exc:
        write_report(folders["cmp"], tmp_path / "r.pdf", fmt="pdf")
    assert exc.value.problems[0].field == "--format"
    with pytest.raises(InputError) as exc:
        write_report(tmp_path / "missing", tmp_path / "r.html")
    assert exc.value.problems[0].field == "RESULTS"
    (tmp_path / "nomanifest").mkdir()
    with pytest.raises(InputError) as exc:
        write_report(tmp_path / "nomanifest", tmp_path / "r.html")
    assert exc.value.problems[0].field == "RESULTS" and "manifest.json" in str(exc.value)
    assert not (tmp_path / "r.html").exists()
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    with pytest.raises(InputError) as exc:
        write_report(folders["cmp"], blocker / "r.html")
    assert exc.value.problems[0].field == "--out"


def test_report_of_the_expansion_experiment_has_its_attribution(tmp_path):
    """The headline experiment: the attribution chains as tables and as a figure."""
    exp = tmp_path / "exp"
    assert main(["sweep", str(Path(__file__).resolve().parents[1] / "experiments" / "expansion.toml"),
                 "-r", "4", "--meetings", "3", "--workers", "1", "--out", str(exp), "--no-progress"]) == 0
    res = load_results(exp)
    out = write_report(exp, tmp_path / "report.md", fmt="md")
    text = out.read_text(encoding="utf-8")
    assert "### Attribution" in text
    attr = res.attribution()
    for chain in ("accessions", "India first", "Pakistan first"):
        assert f"**Chain '{chain}': change in the deadlock rate at each step" in text
    first = attr.iloc[0]
    assert "| 1 | 2+4 → 3+5 | +India, Pakistan |" in text
    assert f"{first['difference']:+.3f} [{first['ci_low']:+.3f}, {first['ci_high']:+.3f}]" in text
    assert "![Attribution" in text and (tmp_path / "report_files" / "attribution.png").is_file()
    assert "No figures" not in text
