"""Where a sweep's tasks run: in this process, in a local process pool, or on a Dask cluster.

Every backend offers the same small interface (:class:`Executor`): a context manager with
``map_unordered(fn, items)``, which yields ``fn(item)`` for every item in whatever order the
results arrive. ``fn`` must be a module-level function and the items picklable. Results must not
depend on the order: the sweep writes each task's rows to its own file and the store sorts.

At most a few tasks per worker are in flight at any time (``window``), so neither the queue nor
the finished results waiting to be written grow with the size of the sweep.

* :class:`InProcessExecutor`: one task after another in this process (``--workers 1``).
* :class:`ProcessPoolExecutor`: a local pool (the default: one worker per core). Workers are
  started with ``forkserver`` (``spawn`` where there is none) and replaced after
  ``max_tasks_per_child`` tasks, so that memory stays flat on long sweeps (Mesa 3.3's agent
  registry keeps models alive for the life of a process).
* :class:`DaskExecutor`: Dask distributed, on a scheduler (``--scheduler ADDRESS``) or on a
  LocalCluster of worker processes (``--dask local``). Needs the ``dask`` extra.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import threading
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator, Protocol, runtime_checkable

from ..inputs.errors import InputError, Problem

#: default tasks a pool worker runs before it is replaced by a fresh process
MAX_TASKS_PER_CHILD = 50


@runtime_checkable
class Executor(Protocol):
    """The one interface every backend implements."""

    name: str
    workers: int

    def __enter__(self) -> "Executor": ...

    def __exit__(self, *exc: Any) -> None: ...

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(item)`` for every item, in order of completion."""
        ...


def cpu_count() -> int:
    """Cores this process may use (the affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def worker_pid(item: Any) -> tuple[Any, int]:
    """``(item, pid of the process that ran it)``: shows where tasks ran (used by the tests)."""
    return item, os.getpid()


class InProcessExecutor:
    """Run every task here, one after another (``--workers 1``)."""

    name = "in-process"
    workers = 1

    def __enter__(self) -> "InProcessExecutor":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(item)`` for each item in turn."""
        for item in items:
            yield fn(item)


class _RecyclingPool(cf.ProcessPoolExecutor):
    """The standard pool, with worker replacement fixed on Python < 3.13.

    With ``max_tasks_per_child``, Python 3.11 and 3.12 may never replace a worker that exited at its
    task limit (CPython gh-115634): the replacement path consults an idle-worker semaphore that can
    hold stale tokens, and queued tasks then wait forever. The fix applied upstream is used here:
    replacing an exited worker (which happens on the pool's manager thread) spawns a process
    whenever the pool is short of workers.
    """

    def _adjust_process_count(self) -> None:
        manager = getattr(self, "_executor_manager_thread", None)
        if manager is not None and threading.current_thread() is manager:
            if len(self._processes) < self._max_workers:
                self._spawn_process()
            return
        super()._adjust_process_count()


def _mp_context(method: str | None = None):
    methods = multiprocessing.get_all_start_methods()
    method = method or ("forkserver" if "forkserver" in methods else "spawn")
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        # Workers fork from a server that has already imported the simulation: cheap recycling.
        ctx.set_forkserver_preload(["sco_sim.experiments.sweep"])
    return ctx


class ProcessPoolExecutor:
    """A local pool of worker processes, replaced after ``max_tasks_per_child`` tasks each."""

    name = "process-pool"

    def __init__(self, workers: int | None = None,
                 max_tasks_per_child: int | None = MAX_TASKS_PER_CHILD,
                 start_method: str | None = None, window: int | None = None):
        self.workers = int(workers or cpu_count())
        if self.workers < 1:
            raise ValueError("a process pool needs at least one worker")
        self.max_tasks_per_child = max_tasks_per_child
        self.start_method = start_method
        self.window = window or 2 * self.workers
        self._pool: cf.ProcessPoolExecutor | None = None

    def __enter__(self) -> "ProcessPoolExecutor":
        self._pool = _RecyclingPool(max_workers=self.workers,
                                    mp_context=_mp_context(self.start_method),
                                    max_tasks_per_child=self.max_tasks_per_child)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Keep ``window`` tasks in flight; yield each result as it arrives."""
        if self._pool is None:
            raise RuntimeError("use the executor as a context manager (with ... as ex:)")
        it = iter(items)
        pending: set[cf.Future] = set()

        def fill() -> None:
            while len(pending) < self.window:
                try:
                    item = next(it)
                except StopIteration:
                    return
                pending.add(self._pool.submit(fn, item))

        try:
            fill()
            while pending:
                finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for f in finished:
                    pending.discard(f)
                    try:
                        result = f.result()
                    except BrokenProcessPool as exc:
                        raise RuntimeError(
                            "a worker process died (out of memory, or killed); the tasks finished "
                            "so far are saved: rerun the same command to continue") from exc
                    yield result
                fill()
        finally:
            for f in pending:
                f.cancel()


class DaskExecutor:
    """Dask distributed: a scheduler at ``address``, or a LocalCluster of ``workers`` processes.

    Workers must be able to import ``sco_sim`` (install the package on every machine). A local
    cluster runs one single-threaded worker process per core by default.
    """

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None,
                 window: int | None = None, timeout: str = "20s"):
        self.address = address
        self.timeout = timeout
        self.n_workers = workers
        self.workers = 0
        self._window = window
        self._client = None
        self._cluster = None

    def __enter__(self) -> "DaskExecutor":
        distributed = import_distributed()
        if self.address is None:
            self._cluster = distributed.LocalCluster(
                n_workers=int(self.n_workers or cpu_count()), processes=True, threads_per_worker=1,
                dashboard_address=None, silence_logs=40,
            )
            self._client = distributed.Client(self._cluster)
        else:
            try:
                self._client = distributed.Client(self.address, timeout=self.timeout)
            except (OSError, TimeoutError) as exc:
                raise InputError([Problem("--scheduler", self.address,
                                          f"cannot connect to a Dask scheduler ({exc})")]) from None
        self.workers = max(1, sum(self._client.nthreads().values()))
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Keep a few tasks per worker thread in flight; yield each result as it arrives."""
        distributed = import_distributed()
        if self._client is None:
            raise RuntimeError("use the executor as a context manager (with ... as ex:)")
        client = self._client
        window = self._window or 2 * max(self.workers, sum(client.nthreads().values()), 1)
        it = iter(items)
        first = []
        for item in it:
            first.append(client.submit(fn, item, pure=False))
            if len(first) >= window:
                break
        queue = distributed.as_completed(first)
        try:
            for future in queue:
                result = future.result()
                future.release()
                for item in it:
                    queue.add(client.submit(fn, item, pure=False))
                    break
                yield result
        finally:
            for f in list(queue.futures):
                f.cancel()


def import_distributed():
    """``dask.distributed``, or a one-line InputError telling how to install it."""
    try:
        import distributed
    except ImportError:
        raise InputError([Problem("--scheduler/--dask", "", "Dask is not installed; install it "
                                  "with pip install 'sco-sim[dask]'")]) from None
    return distributed


def make_executor(workers: int | None = None, scheduler: str | None = None,
                  dask_local: bool = False,
                  max_tasks_per_child: int | None = MAX_TASKS_PER_CHILD) -> Executor:
    """Build the executor the command-line options ask for.

    ``scheduler``: Dask at that address. ``dask_local``: a Dask LocalCluster (``workers`` processes,
    default one per core). Otherwise ``workers`` = 1 runs in this process and anything else (None:
    one per core) a local process pool.
    """
    bad = isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    if workers is not None and bad:
        raise InputError([Problem("--workers", "", f"expected an integer >= 1, got {workers!r}")])
    if scheduler is not None and dask_local:
        raise InputError([Problem("--scheduler", "", "give either --scheduler ADDRESS or "
                                  "--dask local, not both")])
    if scheduler is not None:
        if not str(scheduler).strip():
            raise InputError([Problem("--scheduler", "", "expected a scheduler address, e.g. "
                                      "tcp://10.0.0.5:8786")])
        import_distributed()
        return DaskExecutor(address=str(scheduler).strip())
    if dask_local:
        import_distributed()
        return DaskExecutor(address=None, workers=workers)
    if workers == 1:
        return InProcessExecutor()
    return ProcessPoolExecutor(workers, max_tasks_per_child=max_tasks_per_child)
