"""The one entry point that runs replications of a configuration, whichever engine does it."""

from __future__ import annotations

from typing import Callable

from .config import Config
from .runner import RunResults

ENGINES = ("vectorised", "mesa")


def simulate(
    config: Config,
    replications: int,
    seed: int,
    engine: str = "vectorised",
    progress: Callable[[int], None] | None = None,
    items: bool = True,
) -> RunResults:
    """Run replications ``0 .. replications - 1`` of ``config`` under master ``seed``.

    ``engine`` is ``"vectorised"`` (fast) or ``"mesa"`` (the reference model); both give the same
    tables. ``items=False`` skips the per-item table where nothing reads it.
    """
    if engine == "mesa":
        from .runner import run

        return run(config, replications, seed, progress=progress)
    if engine == "vectorised":
        from .engine import run_vectorised

        return run_vectorised(config, replications, seed, progress=progress, items=items)
    raise ValueError(f"unknown engine {engine!r}; known engines: {list(ENGINES)}")
