"""The documentation site builds with warnings as errors and holds every part the README promises;
the notebooks are committed without outputs and run as part of the test suite."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "examples").glob("*.ipynb"))


def text(page) -> str:
    """The visible text of a built page's article, whitespace collapsed."""
    article = re.search(r"<article.*?</article>", page.read_text(encoding="utf-8"), re.S).group(0)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", article)))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    for plugin in ("mkdocs", "material", "mkdocstrings_handlers.python", "mkdocs_click", "mkdocs_jupyter"):
        pytest.importorskip(plugin, reason='the docs extra is not installed: pip install -e ".[docs]"')
    out = tmp_path_factory.mktemp("docs") / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    assert "WARNING" not in log, log[-3000:]
    return out


def test_home_page_is_the_readme_with_working_links(site):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    page = (site / "index.html").read_text(encoding="utf-8")
    assert re.search(r"^# (.+)$", readme, re.M).group(1) in page
    images = re.findall(r'<img[^>]+src="([^"]+)"', page)
    assert images, "the README's figures should be on the home page"
    for src in images:
        assert (site / src).is_file(), src


def test_model_data_and_validation_pages_are_the_repositorys_files(site):
    for name in ("MODEL", "DATA", "VALIDATION"):
        first_heading = re.search(r"^# (.+)$", (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8"), re.M)
        heading_text = re.sub(r"[`*]", "", first_heading.group(1))
        assert heading_text in text(site / name / "index.html")


def test_command_reference_is_generated_from_the_cli(site):
    from sco_sim.cli import cli

    page = text(site / "commands" / "index.html")
    for name, command in cli.commands.items():
        assert f"sco-sim {name} [OPTIONS]" in page, name
        for option in command.params:
            for flag in option.opts:
                if flag.startswith("--"):
                    assert flag in page, f"{name} {flag}"


def test_api_reference_documents_the_public_names(site):
    import sco_sim

    page = text(site / "api" / "index.html")
    for name in sco_sim.__all__:
        if name != "__version__":
            assert re.search(rf"\b{name} \(", page), name
    assert "scenario_model" in page  # the EMA adapter's docstrings


def test_every_notebook_is_a_page(site):
    for nb in NOTEBOOKS:
        page = site / "examples" / nb.stem / "index.html"
        assert page.is_file(), nb.name
        assert "sco_sim" in page.read_text(encoding="utf-8")


def test_notebooks_are_committed_without_outputs():
    import nbformat

    assert len(NOTEBOOKS) >= 3
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(not c.outputs and c.execution_count is None for c in code), path.name


def test_the_test_command_runs_the_notebooks_and_a_failing_one_fails(tmp_path):
    """`python -m pytest` collects examples/ with nbmake, and nbmake turns an error in a cell into a failure."""
    import tomllib

    import nbformat

    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "examples" in options["testpaths"] and "--nbmake" in options["addopts"].split()

    broken = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    broken.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(broken, tmp_path / "broken.ipynb")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbmake",
                           "--rootdir", str(tmp_path), "-c", "/dev/null", str(tmp_path / "broken.ipynb")],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1, done.stdout[-2000:]
    assert "ZeroDivisionError" in done.stdout


def test_citation_file_names_this_version():
    import tomllib

    import yaml

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert cff["cff-version"] == "1.2.0"
    assert {"cff-version", "message", "title", "authors"} <= set(cff)  # the schema's required keys
    assert cff["version"] == project["version"]
    assert cff["license"] == "MIT" and project["license"]["text"] == "MIT"
    assert all(("name" in a) or ("family-names" in a) for a in cff["authors"])
