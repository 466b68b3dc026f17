"""A sweep's results on disk: one Parquet file per finished task, written atomically.

Layout of a results folder::

    manifest.json                 what produced the folder (see sco_sim.sweep.run_sweep)
    runs/<task_id>.parquet        run-level rows: one per (design point, replication)
    meetings/<task_id>.parquet    per-meeting rows (only when asked for)
    errors/<task_id>.txt          marker of a task whose runs are ``status = "error"`` rows

Each file is first written to a hidden temporary file in the folder it belongs to and then moved
into place with ``os.replace`` (atomic on one file system), so a killed sweep leaves either the
whole file or none of it. The runs file is the chunk's commit marker: it is written last, so a task
counts as done only when its runs file exists. Temporary files left by a killed process are
ignored, and removed as soon as it is safe (see :meth:`ResultStore.clean_temp`).

Files carry no timestamps: the same rows give the same bytes, whichever process wrote them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import socket
import time
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .output import write_parquet

MANIFEST = "manifest.json"
TABLES = ("runs", "meetings")

#: ``p000012-r000250``: design point 12, replications from 250 (widths grow when needed)
TASK_ID = re.compile(r"^p(?P<point>\d+)-r(?P<first>\d+)$")
_TEMP = re.compile(
    r"^\.(?P<final>.+)\.(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-(?P<rand>[0-9a-f]+)\.tmp$")
#: temporary files of another machine (shared file systems) are removed only when this old
STALE_SECONDS = 24 * 3600


def task_id(point: int, first: int) -> str:
    """Name the task running ``point``'s replications from ``first``."""
    return f"p{point:06d}-r{first:06d}"


def task_key(tid: str) -> tuple[int, int]:
    """``(point, first)`` of a task id; the canonical (numeric) order of chunks."""
    m = TASK_ID.match(tid)
    if m is None:
        raise ValueError(f"not a task id: {tid!r}")
    return int(m["point"]), int(m["first"])


def _host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True
    return True


def atomic_write(path: Path, writer: Callable[[Path], None]) -> None:
    """Write ``path`` via ``writer(temp)`` then ``os.replace``: readers see all of it or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{_host_tag()}-{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        writer(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


class ResultStore:
    """The results folder of one sweep (see the module docstring for its layout)."""

    def __init__(self, out_dir: str | Path):
        self.root = Path(out_dir)
        self.manifest_path = self.root / MANIFEST

    # ----------------------------------------------------------------------------- paths

    def folder(self, table: str) -> Path:
        """Return the folder of one table (``runs`` or ``meetings``)."""
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}; tables are {TABLES}")
        return self.root / table

    def chunk_path(self, table: str, tid: str) -> Path:
        """Where a task's chunk of ``table`` lives."""
        return self.folder(table) / f"{tid}.parquet"

    @property
    def errors_dir(self) -> Path:
        """Markers of failed tasks."""
        return self.root / "errors"

    # ----------------------------------------------------------------------------- manifest

    def read_manifest(self) -> dict | None:
        """Return the manifest, or None if the folder has none yet."""
        if not self.manifest_path.exists():
            return None
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def write_manifest(self, manifest: dict) -> None:
        """Write the manifest atomically (sorted keys, stable bytes)."""
        text = json.dumps(manifest, indent=2, sort_keys=True, allow_nan=True, default=str) + "\n"
        atomic_write(self.manifest_path, lambda p: p.write_text(text, encoding="utf-8"))

    # ----------------------------------------------------------------------------- state

    def clean_temp(self) -> int:
        """Remove temporary files of writers that can no longer finish them; return how many.

        A temporary file is removed when its writer ran on this machine and is no longer running,
        or when it is older than a day (writers on other machines of a shared file system). Files
        of writers still alive (another shard writing into the same folder) are left alone.
        """
        removed = 0
        here = _host_tag()
        now = time.time()
        for folder in (self.folder("runs"), self.folder("meetings"), self.errors_dir, self.root):
            if not folder.is_dir():
                continue
            for p in folder.iterdir():
                m = _TEMP.match(p.name)
                if m is None:
                    continue
                try:
                    dead = (m["host"] == here and not _pid_alive(int(m["pid"]))) or (
                        now - p.stat().st_mtime > STALE_SECONDS)
                    if dead:
                        p.unlink()
                        removed += 1
                except FileNotFoundError:
                    pass
        return removed

    def _ids(self, folder: Path, suffix: str) -> set[str]:
        if not folder.is_dir():
            return set()
        out = set()
        for p in folder.iterdir():
            name = p.name
            if name.endswith(suffix) and not name.startswith("."):
                tid = name[: -len(suffix)]
                if TASK_ID.match(tid):
                    out.add(tid)
        return out

    def done(self, table: str = "runs") -> set[str]:
        """Task ids whose chunk of ``table`` is complete on disk (failed tasks included)."""
        return self._ids(self.folder(table), ".parquet")

    def failed(self) -> set[str]:
        """Task ids whose last attempt failed (their runs are error rows; a rerun retries them)."""
        return self._ids(self.errors_dir, ".txt") & self.done("runs")

    # ----------------------------------------------------------------------------- writing

    def write_chunk(self, tid: str, tables: dict[str, pd.DataFrame],
                    error: str | None = None) -> None:
        """Write one finished task: every table atomically, the runs file last.

        ``tables`` maps ``runs`` (required) and optionally ``meetings`` to their rows. ``error``
        (the task failed) leaves a marker so that a rerun tries the task again; a success removes
        an old marker.
        """
        if "runs" not in tables:
            raise ValueError("a chunk needs its runs table")
        task_key(tid)
        marker = self.errors_dir / f"{tid}.txt"
        if error is not None:
            atomic_write(marker, lambda p: p.write_text(error + "\n", encoding="utf-8"))
        for name, df in tables.items():
            if name != "runs":
                atomic_write(self.chunk_path(name, tid), lambda p, df=df: write_parquet(p, df))
        atomic_write(self.chunk_path("runs", tid), lambda p: write_parquet(p, tables["runs"]))
        if error is None and marker.exists():
            marker.unlink()

    # ----------------------------------------------------------------------------- reading

    def chunk_ids(self, table: str = "runs") -> list[str]:
        """Finished chunks of ``table`` in canonical order (point, then first replication)."""
        return sorted(self.done(table), key=task_key)

    def iter_chunks(self, table: str = "runs", columns: list[str] | None = None
                    ) -> Iterator[tuple[str, pd.DataFrame]]:
        """``(task_id, rows)`` for every chunk, in canonical order, one file in memory at a time."""
        for tid in self.chunk_ids(table):
            path = self.chunk_path(table, tid)
            if columns is not None:
                have = set(pq.read_schema(path).names)
                cols = [c for c in columns if c in have]
            else:
                cols = None
            yield tid, pd.read_parquet(path, columns=cols, engine="pyarrow")

    def read(self, table: str = "runs", columns: list[str] | None = None) -> pd.DataFrame:
        """Read the whole table, sorted by point and replication (then meeting), index 0..n-1.

        Chunks whose columns differ (error rows, scenarios with different members) are combined
        with missing values where a chunk lacks a column.
        """
        parts = []
        for tid in self.chunk_ids(table):
            t = pq.read_table(self.chunk_path(table, tid), columns=columns)
            parts.append(t.replace_schema_metadata(None))
        if not parts:
            return pd.DataFrame()
        df = pa.concat_tables(parts, promote_options="permissive").to_pandas()
        keys = [k for k in ("point", "replication", "meeting") if k in df.columns]
        return df.sort_values(keys, kind="stable").reset_index(drop=True)

    def read_runs(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Read the canonical tidy table: one row per (design point, replication), sorted."""
        return self.read("runs", columns)

    def read_meetings(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Read the per-meeting table (empty when the sweep did not ask for it), sorted."""
        return self.read("meetings", columns)
