"""The commands' output: a rich ``Console`` that reads as well in a CI log as in a terminal.

In a terminal it has colour and the terminal's width. Anywhere else (a pipe, a CI log) it has no
colour, no markup surprises and a width wide enough that URLs and table rows stay on one line.
Text that comes from elsewhere (URLs, messages, the diagnosis) is printed with ``plain``, never
read as rich markup.
"""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console

LOG_WIDTH = 140  # columns at least, when the output is not a terminal


def make_console(*, stderr: bool = False) -> Console:
    console = Console(stderr=stderr, highlight=False, emoji=False, soft_wrap=False)
    if not console.is_terminal:  # a COLUMNS=80 inherited by a CI job would fold table rows
        console.width = max(LOG_WIDTH, console.width)
    return console


def plain(console: Console, text: str = "", *, style: str | None = None) -> None:
    """One line (or block) as it is: no markup, no wrapping."""
    console.print(text, markup=False, style=style, soft_wrap=True)


def fail(message: str, stream: TextIO | None = None) -> None:
    """A command's error message on stderr, prefixed with the program's name."""
    print(f"wallet-harness: {message}", file=stream or sys.stderr)
