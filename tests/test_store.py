"""The results store: atomic chunks, leftovers of killed writers, canonical reading order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sco_sim.experiments.store import ResultStore, _host_tag, atomic_write, task_id, task_key
from sco_sim.inputs.errors import InputError


def runs_chunk(point: int, first: int, count: int, shuffle: bool = False) -> pd.DataFrame:
    reps = np.arange(first, first + count, dtype=np.int64)
    if shuffle:
        reps = reps[::-1].copy()
    return pd.DataFrame({
        "point": np.full(count, point, dtype=np.int64),
        "scenario": pd.Series(["s"] * count, dtype="object"),
        "replication": reps,
        "throughput": reps * 0.5 + point,
        "status": pd.Series(["ok"] * count, dtype="object"),
        "error": pd.Series([""] * count, dtype="object"),
    })


def dead_pid() -> int:
    """A process id that is not running any more (a child that has exited)."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_task_ids_sort_numerically() -> None:
    assert task_id(12, 250) == "p000012-r000250"
    assert task_key("p000012-r000250") == (12, 250)
    big = task_id(3, 10_000_000)
    assert task_key(big) == (3, 10_000_000)
    ids = [task_id(3, 10_000_000), task_id(3, 999_999), task_id(2, 0)]
    assert sorted(ids, key=task_key) == [task_id(2, 0), task_id(3, 999_999), task_id(3, 10_000_000)]
    with pytest.raises(ValueError):
        task_key("runs")


def test_write_chunk_is_complete_and_leaves_no_temp(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    assert store.done() == set()
    store.write_chunk("p000000-r000000", {"runs": runs_chunk(0, 0, 5)})
    store.write_chunk("p000001-r000000", {"runs": runs_chunk(1, 0, 5),
                                          "meetings": pd.DataFrame({"point": [1], "meeting": [1]})})
    assert store.done() == {"p000000-r000000", "p000001-r000000"}
    assert store.done("meetings") == {"p000001-r000000"}
    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    back = pd.read_parquet(store.chunk_path("runs", "p000000-r000000"))
    text = {"scenario": object, "status": object, "error": object}
    pd.testing.assert_frame_equal(back.astype(text), runs_chunk(0, 0, 5))


def test_same_rows_same_bytes(tmp_path: Path) -> None:
    a, b = ResultStore(tmp_path / "a"), ResultStore(tmp_path / "b")
    a.write_chunk("p000000-r000000", {"runs": runs_chunk(0, 0, 7)})
    b.write_chunk("p000000-r000000", {"runs": runs_chunk(0, 0, 7)})
    assert (a.chunk_path("runs", "p000000-r000000").read_bytes()
            == b.chunk_path("runs", "p000000-r000000").read_bytes())


def test_failed_writer_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "runs" / "p000000-r000000.parquet"

    def half_then_crash(p: Path) -> None:
        p.write_bytes(b"PAR1 half a file")
        raise OSError("disk full")

    with pytest.raises(InputError) as err:
        atomic_write(target, half_then_crash)
    assert str(target) in str(err.value) and "disk full" in str(err.value)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_temp_leftovers_of_killed_writers_are_ignored_and_cleaned(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    store.write_chunk("p000000-r000000", {"runs": runs_chunk(0, 0, 3)})
    runs = tmp_path / "runs"
    # What a SIGKILL during a write leaves: half a file under a temporary name.
    dead = runs / f".p000000-r000003.parquet.{_host_tag()}-{dead_pid()}-0badc0de.tmp"
    dead.write_bytes(b"PAR1 truncated")
    # A writer that is still running (another shard writing into the same folder) keeps its file.
    alive = runs / f".p000000-r000006.parquet.{_host_tag()}-{os.getpid()}-feedf00d.tmp"
    alive.write_bytes(b"PAR1 in progress")
    # Another machine's file is left alone until it is stale.
    remote = runs / ".p000000-r000009.parquet.00000000-1-abcdef01.tmp"
    remote.write_bytes(b"PAR1 elsewhere")

    assert store.done() == {"p000000-r000000"}
    assert len(store.read_runs()) == 3
    assert store.clean_temp() == 1
    assert not dead.exists() and alive.exists() and remote.exists()
    os.utime(remote, (0, 0))  # a day old and more
    assert store.clean_temp() == 1
    assert not remote.exists()


def test_read_runs_is_sorted_whatever_the_write_order(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    for point, first in [(1, 4), (0, 4), (1, 0), (0, 0)]:
        rows = runs_chunk(point, first, 4, shuffle=True)
        store.write_chunk(task_id(point, first), {"runs": rows})
    df = store.read_runs()
    assert list(df.index) == list(range(16))
    assert df["point"].tolist() == [0] * 8 + [1] * 8
    assert df["replication"].tolist() == list(range(8)) * 2
    assert not df.duplicated(["point", "replication"]).any()
    assert store.chunk_ids() == ["p000000-r000000", "p000000-r000004",
                                 "p000001-r000000", "p000001-r000004"]


def test_error_chunks_mix_with_ok_chunks(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    store.write_chunk("p000000-r000000", {"runs": runs_chunk(0, 0, 2).assign(items=np.int64(4))})
    bad = runs_chunk(1, 0, 2).assign(items=np.nan, throughput=np.nan, status="error", error="boom")
    store.write_chunk("p000001-r000000", {"runs": bad}, error="p000001-r000000: boom")
    assert store.failed() == {"p000001-r000000"}
    df = store.read_runs()
    assert df["status"].tolist() == ["ok", "ok", "error", "error"]
    assert df["items"].iloc[:2].tolist() == [4, 4] and df["items"].iloc[2:].isna().all()
    # A retry that succeeds removes the marker.
    store.write_chunk("p000001-r000000", {"runs": runs_chunk(1, 0, 2)})
    assert store.failed() == set()


def test_manifest_round_trip(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "new")
    assert store.read_manifest() is None
    store.write_manifest({"seed": 3, "b": [1, 2]})
    assert store.read_manifest() == {"seed": 3, "b": [1, 2]}
    assert json.loads(store.manifest_path.read_text()) == {"b": [1, 2], "seed": 3}


def test_chunks_are_stamped_and_checked(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    store.write_manifest({"experiment_sha256": "abc"})
    store.write_chunk("p000000-r000000", {"runs": runs_chunk(0, 0, 3)})
    store.write_chunk("p000000-r000003", {"runs": runs_chunk(0, 3, 3)})
    assert store.chunk_state("runs", "p000000-r000000") == "ok"
    first, second = (store.chunk_path("runs", t) for t in ("p000000-r000000", "p000000-r000003"))
    # an unstamped chunk (written before chunks carried stamps) is read as it is
    runs_chunk(0, 0, 3).to_parquet(first, index=False)
    assert store.chunk_state("runs", "p000000-r000000") == "ok"
    first.write_bytes(second.read_bytes())  # another task's file under this name
    assert store.chunk_state("runs", "p000000-r000000") == "foreign"
    with pytest.raises(InputError, match="p000000-r000000"):
        store.verified("runs")
    first.write_bytes(b"")
    assert store.chunk_state("runs", "p000000-r000000") == "damaged"
    assert store.verified("runs") == ({"p000000-r000003"}, {"p000000-r000000"})
    with pytest.raises(InputError, match="damaged"):
        store.read_runs()
    other = ResultStore(tmp_path)
    other.write_manifest({"experiment_sha256": "another sweep"})
    assert other.chunk_state("runs", "p000000-r000003") == "foreign"
