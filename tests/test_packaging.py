"""The wheel carries every subpackage and the bundled scenarios and experiments, found by name."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import build_package

from sco_sim.inputs import catalogue

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sco_sim").rglob("__init__.py")
               if "__pycache__" not in p.parts}
    assert on_disk <= listed, sorted(on_disk - listed)


def test_bundled_names_resolve_in_a_source_tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # from any folder
    assert catalogue.resolve("sco_2017_3plus5") == str(ROOT / "scenarios" / "sco_2017_3plus5.toml")
    assert catalogue.resolve("teaching/lone_blocker.toml") == str(ROOT / "scenarios" / "teaching" / "lone_blocker.toml")
    assert catalogue.resolve("expansion") == str(ROOT / "experiments" / "expansion.toml")
    assert catalogue.resolve("no_such_thing") == "no_such_thing"  # left for the loader's own error


def test_a_built_package_finds_its_bundled_files(tmp_path):
    """Built as a wheel would be (setuptools build_py, outside the source tree), from another folder."""
    build_package(tmp_path)
    code = ("import sys; from sco_sim.inputs import catalogue as c; "
            "print(c.folder('scenarios')); print(c.folder('experiments')); "
            "print(','.join(sorted(c.bundled('scenarios')))); print(c.resolve('sco_2017_3plus5'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(tmp_path / "lib")}).stdout.splitlines()
    lib = tmp_path / "lib" / "sco_sim" / "bundled"
    assert out[0] == str(lib / "scenarios") and out[1] == str(lib / "experiments")
    assert out[2] == ",".join(sorted(catalogue.bundled("scenarios")))
    assert out[3] == str(lib / "scenarios" / "sco_2017_3plus5.toml")
