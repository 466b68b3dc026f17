"""Shared fixtures: the canonical small scenarios and a helper to write scenario variants."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Every hypothesis test replays: examples are derived from the test itself (derandomize), not drawn
# afresh each run, so a failure found once fails again. Set HYPOTHESIS_PROFILE=explore to search anew.
settings.register_profile("replay", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "replay"))

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
THREE_ON_A_LINE = SCENARIOS / "teaching" / "three_on_a_line.toml"
SIX_RANDOM = SCENARIOS / "teaching" / "six_random_members.toml"


def member(name, ideal, *, group="minor", salience=None, capability=1.0, tolerance=0.0, **extra) -> dict:
    """One ``[[members]]`` table as a dict, with unit salience and capability unless given."""
    return {
        "name": name,
        "group": group,
        "ideal": list(ideal),
        "salience": list(salience) if salience is not None else [1.0] * len(ideal),
        "capability": capability,
        "tolerance": tolerance,
        **extra,
    }


@pytest.fixture
def three_text() -> str:
    """The issue's 1-D three-member scenario, verbatim."""
    return THREE_ON_A_LINE.read_text(encoding="utf-8")


@pytest.fixture
def write(tmp_path: Path):
    """Write TOML text to a file under tmp_path and return its path."""

    def _write(text: str, name: str = "scenario.toml") -> Path:
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return p

    return _write


def into(out, fn, *args):
    """Call a compiled procedure that writes its result into ``out``, and return ``out``."""
    fn(*args, out)
    return out


def run_model(config, seed: int = 0, replication: int = 0):
    """One replication of the Mesa model run to the end: (model, meetings, members, items).

    The model's agents are removed (``finish``) once its DataCollector's tables are read; its
    status quo and ideal points stay readable.
    """
    from sco_sim.engine.results import mesa_frames
    from sco_sim.model.organisation import SCOModel

    model = SCOModel(config, seed=seed, replication=replication).run()
    tables = mesa_frames(model)
    model.finish()
    return (model, *tables)


def build_package(tmp_path: Path) -> Path:
    """Build the package as a wheel would (setuptools build_py, outside the source tree); the lib folder."""
    import shutil
    import subprocess
    import sys

    src = tmp_path / "src"
    for folder in ("sco_sim", "scenarios", "experiments"):  # what pyproject.toml packages
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    lib = tmp_path / "lib"
    build = [sys.executable, "-c", "import sys; from setuptools import setup; "
             "sys.argv = ['setup.py', '-q', 'build_py', '--build-lib', sys.argv[1]]; setup()", str(lib)]
    subprocess.run(build, cwd=src, check=True, capture_output=True)
    return lib
