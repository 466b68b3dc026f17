"""A sweep's results on disk: one Parquet file per finished task, written atomically.

Layout of a results folder::

    manifest.json                 what produced the folder (see sco_sim.experiments.sweep.run_sweep)
    runs/<task_id>.parquet        run-level rows: one per (design point, replication)
    meetings/<task_id>.parquet    per-meeting rows (only when asked for)
    errors/<task_id>.txt          marker of a task whose runs are ``status = "error"`` rows

Every chunk carries its task id and the experiment's hash in its Parquet metadata: a rerun
re-runs a chunk it cannot read (truncated, empty) and refuses, naming it, a chunk of another
task or sweep. A sweep holds an advisory lock on the folder while it writes (:meth:`ResultStore.lock`).

Each file is first written to a hidden temporary file in the folder it belongs to and then moved
into place with ``os.replace`` (atomic on one file system), so a killed sweep leaves either the
whole file or none of it. The runs file is the chunk's commit marker: it is written last, so a task
counts as done only when its runs file exists. Temporary files left by a killed process are
ignored, and removed as soon as it is safe (see :meth:`ResultStore.clean_temp`).

Files carry no timestamps: the same rows give the same bytes, whichever process wrote them.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..inputs.errors import InputError, Problem
from .output import TEMP, atomic_write, host_tag, pid_alive, write_parquet

try:  # advisory locks (POSIX); without them two sweeps into one folder are not prevented
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

MANIFEST = "manifest.json"
TABLES = ("runs", "meetings")

#: ``p000012-r000250``: design point 12, replications from 250 (widths grow when needed)
TASK_ID = re.compile(r"^p(?P<point>\d+)-r(?P<first>\d+)$")
_TEMP = TEMP
#: keys of a chunk's Parquet metadata: the task it holds and the experiment it belongs to
#: (stored strings, not module names: results folders written before a move still read back)
TASK_KEY = b"sco_sim.task"
EXPERIMENT_KEY = b"sco_sim.experiment"
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


_host_tag = host_tag
_pid_alive = pid_alive


class ResultStore:
    """The results folder of one sweep (see the module docstring for its layout)."""

    def __init__(self, out_dir: str | Path):
        self.root = Path(out_dir)
        self.manifest_path = self.root / MANIFEST
        self._stamp: str | None = None

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
        try:
            out = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError([Problem(str(self.manifest_path), "", f"is not readable JSON ({exc}); "
                                      "choose a new --out")]) from None
        if not isinstance(out, dict):
            raise InputError([Problem(str(self.manifest_path), "", "is not a JSON object; choose a new --out")])
        return out

    @property
    def stamp(self) -> str:
        """The experiment hash of the manifest, stamped into every chunk ("" without a manifest)."""
        if self._stamp is None:
            manifest = self.read_manifest() or {}
            self._stamp = str(manifest.get("experiment_sha256") or "")
        return self._stamp

    def write_manifest(self, manifest: dict) -> None:
        """Write the manifest atomically (sorted keys, stable bytes)."""
        text = json.dumps(manifest, indent=2, sort_keys=True, allow_nan=True, default=str) + "\n"
        atomic_write(self.manifest_path, lambda p: p.write_text(text, encoding="utf-8"))
        self._stamp = None

    # ----------------------------------------------------------------------------- lock

    @contextmanager
    def lock(self, shard: tuple[int, int] | None = None) -> Iterator[None]:
        """Hold the folder for one sweep (or one shard) while it writes; InputError if held.

        A whole sweep holds ``.lock`` exclusively; a shard holds it shared plus its own
        ``.lock-shard-i-of-n`` exclusively, so shards of one sweep share a folder but two runs of
        the same shard (or a whole sweep beside a shard) do not. Locks are advisory (``flock``)
        and vanish with the process that holds them, so a killed sweep never leaves one behind.
        """
        if fcntl is None:  # pragma: no cover - no advisory locks on this platform
            yield
            return
        self.root.mkdir(parents=True, exist_ok=True)
        files = []
        try:
            wanted = [(".lock", fcntl.LOCK_SH if shard else fcntl.LOCK_EX)]
            if shard is not None:
                wanted.append((f".lock-shard-{shard[0]}-of-{shard[1]}", fcntl.LOCK_EX))
            for name, mode in wanted:
                path = self.root / name
                fh = open(path, "a+", encoding="utf-8")
                files.append(fh)
                try:
                    fcntl.flock(fh.fileno(), mode | fcntl.LOCK_NB)
                except BlockingIOError:
                    fh.seek(0)
                    holder = fh.read().strip() or "another process"
                    raise InputError([Problem(str(self.root), "--out", f"another sweep is writing "
                                              f"this folder ({holder}); wait for it to finish or "
                                              "choose another --out")]) from None
                if mode == fcntl.LOCK_EX:
                    fh.seek(0)
                    fh.truncate()
                    fh.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
                    fh.flush()
            yield
        finally:
            for fh in files:
                fh.close()  # closing releases the lock

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
        meta = {TASK_KEY.decode(): tid, EXPERIMENT_KEY.decode(): self.stamp}
        for name, df in tables.items():
            if name != "runs":
                atomic_write(self.chunk_path(name, tid),
                             lambda p, df=df: write_parquet(p, df, metadata=meta))
        atomic_write(self.chunk_path("runs", tid),
                     lambda p: write_parquet(p, tables["runs"], metadata=meta))
        if error is None and marker.exists():
            marker.unlink()

    # ----------------------------------------------------------------------------- checking

    def chunk_state(self, table: str, tid: str) -> str:
        """``"ok"``, ``"damaged"`` (unreadable: truncated, empty) or ``"foreign"`` (another task's
        or another sweep's file under this name), read from the Parquet footer only.
        """
        try:
            meta = pq.read_metadata(self.chunk_path(table, tid)).metadata or {}
        except (OSError, pa.ArrowException):
            return "damaged"
        if TASK_KEY not in meta:
            return "ok"  # written before chunks were stamped: readable, nothing to compare
        if meta[TASK_KEY].decode(errors="replace") != tid:
            return "foreign"
        stamp = meta.get(EXPERIMENT_KEY, b"").decode(errors="replace")
        return "ok" if not self.stamp or stamp == self.stamp else "foreign"

    def verified(self, table: str = "runs") -> tuple[set[str], set[str]]:
        """``(ok, damaged)`` task ids of ``table``; a foreign chunk is an InputError naming it."""
        ok, damaged = set(), set()
        for tid in self.done(table):
            state = self.chunk_state(table, tid)
            if state == "foreign":
                raise InputError([Problem(str(self.chunk_path(table, tid)), "", (
                    "is not this sweep's chunk of that name (another task's or another sweep's "
                    "file); remove it or choose a new --out"))])
            (ok if state == "ok" else damaged).add(tid)
        return ok, damaged

    def check_readable(self, table: str = "runs") -> None:
        """Raise an InputError naming the first damaged or foreign chunk of ``table``."""
        _, damaged = self.verified(table)
        if damaged:
            tid = sorted(damaged, key=task_key)[0]
            raise InputError([Problem(str(self.chunk_path(table, tid)), "", (
                f"is damaged (unreadable Parquet), {len(damaged)} chunk(s) in all; rerun the sweep "
                "command to run them again"))])

    # ----------------------------------------------------------------------------- reading

    def chunk_ids(self, table: str = "runs") -> list[str]:
        """Finished chunks of ``table`` in canonical order (point, then first replication)."""
        return sorted(self.done(table), key=task_key)

    def iter_chunks(self, table: str = "runs", columns: list[str] | None = None
                    ) -> Iterator[tuple[str, pd.DataFrame]]:
        """``(task_id, rows)`` for every chunk, in canonical order, one file in memory at a time."""
        self.check_readable(table)
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
        self.check_readable(table)
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
