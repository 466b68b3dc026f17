"""The package's layering ([tool.importlinter] in pyproject.toml): every subpackage is a layer, the
contracts hold on the tree, and an import against the grain breaks them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"


def _lint(root: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` on the package under ``root`` (its pyproject.toml), without a cache on disk."""
    return subprocess.run([sys.executable, "-c", LINT], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root)})


def test_every_subpackage_and_the_cli_is_a_layer():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(c for c in contracts["contracts"] if c["type"] == "layers")["layers"]
    named = {m.strip() for layer in layers for m in re.split(r"[|:]", layer)}
    on_disk = {f"sco_sim.{p.parent.name}" for p in (ROOT / "sco_sim").glob("*/__init__.py")} | {"sco_sim.cli"}
    assert named == on_disk


def test_the_import_contracts_hold():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_an_import_against_the_grain_breaks_them(tmp_path):
    shutil.copytree(ROOT / "sco_sim", tmp_path / "sco_sim", ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / "sco_sim" / "analysis" / "winset.py").open("a", encoding="utf-8") as fh:
        fh.write("\nfrom ..viz import plots  # analysis reaching up into the figures\n")
    done = _lint(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "sco_sim.analysis.winset -> sco_sim.viz.plots" in done.stdout
