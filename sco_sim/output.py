"""Writing results to disk: atomically, deterministically, with a manifest beside them.

Everything is first written into a hidden temporary folder inside the target and then moved into
place file by file with ``os.replace`` (atomic on one file system), so an interrupted or failed
run never leaves a half-written table behind. Files carry no timestamps: the same command and
seed give the same bytes.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Callable

import pandas as pd

from .errors import InputError, Problem


def check_out_dir(out: Path) -> None:
    """Fail early (before any simulation) if ``out`` cannot become a results folder."""
    if out.exists() and not out.is_dir():
        raise InputError([Problem(str(out), "--out", "exists and is not a directory")])
    parent = out if out.exists() else out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise InputError([Problem(str(out), "--out", f"{parent} is a file, not a directory")])
    if not os.access(parent, os.W_OK):
        raise InputError([Problem(str(out), "--out", "is not writable")])


def versions() -> dict[str, str]:
    """Versions of the package and of the libraries that shape its numbers."""
    out = {"python": platform.python_version()}
    for pkg in ("sco-sim", "mesa", "numpy", "pandas", "scipy", "pyarrow"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return out


def manifest(
    scenarios: list[dict], seed: int, replications: int, meetings: int | None,
    argv: list[str] | None = None,
) -> dict:
    """What produced a results folder: versions, scenario hashes, seed and the full command."""
    args = sys.argv[1:] if argv is None else argv
    return {
        "versions": versions(),
        "scenarios": scenarios,
        "seed": seed,
        "replications": replications,
        "meetings": meetings,
        "command": shlex.join(["sco-sim", *args]),
    }


def write_json(path: Path, obj: object) -> None:
    """JSON with sorted keys and a trailing newline (stable bytes)."""
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, allow_nan=True) + "\n", encoding="utf-8")


def write_parquet(path: Path, df: pd.DataFrame) -> None:
    """A Parquet table without the pandas index."""
    df.to_parquet(path, index=False, engine="pyarrow", compression="zstd")


def write_atomically(out: Path, files: dict[str, Callable[[Path], None]]) -> list[Path]:
    """Write each named file with its writer into ``out``, all or nothing.

    ``files`` maps a relative name (may contain one sub-folder) to a function that writes that
    file at the path it is given.
    """
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=out))
    try:
        for name, writer in files.items():
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            writer(target)
        written = []
        for name in files:
            final = out / name
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp / name, final)
            written.append(final)
        return written
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def stdout_json(obj: object) -> None:
    """Print one JSON object to standard output."""
    sys.stdout.write(json.dumps(obj, indent=2, sort_keys=True) + "\n")
