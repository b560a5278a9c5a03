"""Progress for long loads and scans: stages with a bar and counts, on stderr.

The library reports through the `Progress` interface; the CLI chooses the rich
bar or silence (`--quiet`). Nothing is ever written to stdout here, so
`--format json` output stays clean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichBar

Advance = Callable[[int], None]


class Progress:
    """Silent progress: the default for library calls and `--quiet`."""

    @contextmanager
    def stage(self, label: str, total: int | None = None) -> Iterator[Advance]:
        """A named stage; call the yielded function with how many items were done."""
        yield lambda _n: None


class BarProgress(Progress):
    """A rich progress bar with counts, written to stderr."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)

    @contextmanager
    def stage(self, label: str, total: int | None = None) -> Iterator[Advance]:
        """One bar for one stage (see Progress.stage), filled when the stage ends."""
        bar = RichBar(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        with bar:
            task = bar.add_task(label, total=total)
            yield lambda n: bar.advance(task, n)
            if total is not None:
                bar.update(task, completed=total)
