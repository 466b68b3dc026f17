"""The bundled scenarios and experiments, found from any folder and after any kind of install.

In a source checkout (or an editable install) they are the repository's top-level ``scenarios/``
and ``experiments/`` folders; a wheel carries the same files as the package data
``sco_sim.bundled.scenarios`` and ``sco_sim.bundled.experiments``. A bundled file can be named
without a path: ``sco-sim run sco_2017_3plus5`` (or ``teaching/lone_blocker``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

KINDS = ("scenarios", "experiments")
_MARKER = {"scenarios": "sco_2017_3plus5.toml", "experiments": "expansion.toml"}


def folder(kind: str) -> Path | None:
    """Where the bundled files of ``kind`` are, or None if this install has none.

    The source tree's top-level folder first (a checkout or an editable install), then the
    wheel's ``sco_sim/bundled/<kind>`` (package data of ``sco_sim``).
    """
    package = Path(__file__).resolve().parents[1]  # sco_sim/ (this module is sco_sim/inputs/catalogue.py)
    for candidate in (package.parent / kind, package / "bundled" / kind):
        if (candidate / _MARKER[kind]).is_file():
            return candidate
    return None


def bundled(kind: str) -> dict[str, Path]:
    """Bundled files of ``kind`` by name (the path below its folder, without ``.toml``)."""
    root = folder(kind)
    if root is None:
        return {}
    return {p.relative_to(root).with_suffix("").as_posix(): p for p in sorted(root.rglob("*.toml"))}


def resolve(target: str) -> str:
    """A file path as given if it exists, else the bundled scenario or experiment of that name."""
    if Path(target).exists():
        return target
    name = target[:-5] if target.endswith(".toml") else target
    for kind in KINDS:
        found = bundled(kind).get(name)
        if found is not None:
            return str(found)
    return target


def describe(path: Path) -> str:
    """A bundled file's own title: its ``[scenario] name`` or ``[experiment] name``."""
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return ""
    for table in ("scenario", "experiment"):
        title = raw.get(table, {}).get("name")
        if isinstance(title, str):
            return title
    return ""
