"""Writing results to disk: atomically, deterministically, with a manifest beside them.

Everything is first written into a hidden temporary folder inside the target and then moved into
place file by file with ``os.replace`` (atomic on one file system), so an interrupted or failed
run never leaves a half-written table behind. Files carry no timestamps: the same command and
seed give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import socket
import sys
from importlib import metadata
from pathlib import Path
from typing import Callable

import pandas as pd

from ..inputs.errors import InputError, Problem


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


def write_parquet(path: Path, df: pd.DataFrame, metadata: dict[str, str] | None = None) -> None:
    """A Parquet table without the pandas index; ``metadata`` adds key-value pairs to its schema."""
    if not metadata:
        df.to_parquet(path, index=False, engine="pyarrow", compression="zstd")
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    merged = {**(table.schema.metadata or {}), **{k.encode(): v.encode() for k, v in metadata.items()}}
    pq.write_table(table.replace_schema_metadata(merged), path, compression="zstd")


def file_mode() -> int:
    """Permissions of a new file under the current umask (``mkstemp`` would leave 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def host_tag() -> str:
    """Eight hex digits naming this machine in temporary names (shared file systems)."""
    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]


def temp_name(final: str) -> str:
    """``.<final>.<host>-<pid>-<random>.tmp``: whose temporary file it is, so a dead writer's can go."""
    return f".{final}.{host_tag()}-{os.getpid()}-{secrets.token_hex(4)}.tmp"


#: a temporary name made by :func:`temp_name` (files) or :func:`write_atomically` (folders)
TEMP = re.compile(r"^\.(?P<final>.+)\.(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-(?P<rand>[0-9a-f]+)\.tmp$")


def pid_alive(pid: int) -> bool:
    """Whether a process of this machine with that id still runs (signal 0 only asks)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def output_error(exc: OSError, path: Path | str) -> InputError:
    """A failed write (disk full, no permission, ...) as a one-line error naming the path."""
    where = exc.filename if getattr(exc, "filename", None) else path
    return InputError([Problem(str(where), "", f"cannot write ({exc.strerror or exc})")])


def atomic_write(path: Path, writer: Callable[[Path], None]) -> Path:
    """Write ``path`` via ``writer(temp)`` then ``os.replace``: readers see all of it or nothing.

    The one atomic writer of the package (results, sweep chunks, figures, reports). The temporary
    file sits beside the target (same file system) and is removed on any failure; write errors
    (disk full, permissions) become an InputError naming the path.
    """
    path = Path(path)
    tmp = path.parent / temp_name(path.name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        writer(tmp)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except OSError as exc:
        raise output_error(exc, path) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def clean_partial(out: Path) -> None:
    """Remove ``.partial-*`` folders of writers on this machine that are no longer running."""
    here = host_tag()
    for p in out.glob(".partial-*"):
        m = TEMP.match(p.name.replace(".partial-", ".partial.", 1))
        if m is None or (m["host"] == here and not pid_alive(int(m["pid"]))):
            shutil.rmtree(p, ignore_errors=True)


def write_atomically(out: Path, files: dict[str, Callable[[Path], None]]) -> list[Path]:
    """Write each named file with its writer into ``out``, all or nothing.

    ``files`` maps a relative name (may contain one sub-folder) to a function that writes that
    file at the path it is given. A folder this call created is removed again if writing fails,
    and ``.partial-*`` folders of writers killed earlier are removed first.
    """
    created = not out.exists()
    tmp = out / temp_name("partial").replace(".partial.", ".partial-", 1)
    try:
        out.mkdir(parents=True, exist_ok=True)
        clean_partial(out)
        tmp.mkdir()
        for name, writer in files.items():
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            writer(target)
            os.chmod(target, file_mode())
        written = []
        for name in files:
            final = out / name
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp / name, final)
            written.append(final)
        return written
    except OSError as exc:
        raise output_error(exc, out) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()


def stdout_json(obj: object) -> None:
    """Print one JSON object to standard output."""
    sys.stdout.write(json.dumps(obj, indent=2, sort_keys=True) + "\n")
