"""The code follows the project's one style and docstring convention (ruff, configured in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT


def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    result = subprocess.run([ruff, "check", "sco_sim", "tests", "benchmarks"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_model_logic_imports_no_cli_plotting_or_io() -> None:
    """The model never parses arguments, draws or writes files (STYLE.md: a one-way pipeline)."""
    code = ("import sys, sco_sim.model.organisation, sco_sim.engine; "
            "bad = [m for m in ('sco_sim.cli', 'sco_sim.viz.plots', 'sco_sim.experiments.output', 'sco_sim.viz.report', "
            "'click', 'matplotlib', 'rich') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
