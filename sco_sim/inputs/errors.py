"""Errors that reach the user as one line, never as a traceback."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

#: characters of each part of a one-line message (a 1,000,000-character value is cut, not echoed)
MAX_SOURCE = 300
MAX_FIELD = 200
MAX_MESSAGE = 600


def printable(text: str, limit: int | None = None) -> str:
    """``text`` safe for one terminal line: control characters escaped, cut to ``limit`` characters.

    ESC, CR, NUL, bidi overrides and the like become backslash escapes (ESC is shown as x1b),
    so a file name or a value can neither move the cursor nor split the line.
    """
    out = "".join(c.encode("unicode_escape").decode("ascii") if _unsafe(c) else c
                  for c in text[: (limit or len(text)) * 2])
    if limit is not None and (len(out) > limit or len(text) > 2 * limit):
        out = out[:limit] + f"… ({len(text):,} characters in all)"
    return out


def _unsafe(c: str) -> bool:
    """Control and format characters, except the joiners that Persian and Indic names need."""
    return unicodedata.category(c) in ("Cc", "Zl", "Zp") or (
        unicodedata.category(c) == "Cf" and c not in "\u200c\u200d")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file: where, which field, and what was expected."""

    source: str
    field: str
    message: str

    def __str__(self) -> str:
        source = printable(str(self.source), MAX_SOURCE)
        where = f"{source}: {printable(str(self.field), MAX_FIELD)}" if self.field else source
        return f"{where}: {printable(str(self.message), MAX_MESSAGE)}"


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
