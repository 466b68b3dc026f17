"""Errors that reach the user as one line, never as a traceback."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file: where, which field, and what was expected."""

    source: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.field}" if self.field else self.source
        return f"{where}: {self.message}"


class InputError(Exception):
    """Bad user input (a scenario file, an option); the CLI turns it into exit code 2.

    It carries every problem found so that ``sco-sim validate`` can list them all,
    while other commands print the first one on a single line.
    """

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = list(problems)
        super().__init__(str(self.problems[0]))

    def one_line(self) -> str:
        """The first problem, plus a count of the others, on one line."""
        first = str(self.problems[0])
        more = len(self.problems) - 1
        if more:
            first += f" (and {more} more problem{'s' if more > 1 else ''}; see `sco-sim validate`)"
        return first
