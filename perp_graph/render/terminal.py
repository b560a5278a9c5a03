"""Tables that fit the terminal: columns that fold or drop, never ids or dates (issue 16
clause 6), and rows printed as parts when even the ids do not fit side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from rich.console import Console
from rich.table import Table
from rich.text import Text

T = TypeVar("T")


#: Rows each section of a terminal table shows unless --limit N or --all.
DEFAULT_ROWS = 20


#: Spaces between two columns of a terminal table.
GAP = 2


@dataclass(frozen=True)
class Column:
    """A column of a terminal table.

    Attributes:
        heading: its heading ("\\n" splits it over two lines).
        keep: an id, a date or a short figure: never cut, folded or wrapped.
        ids: a list of ids (", "-separated): wraps between ids, never inside one.
        right: right-aligned (numbers).
        fold_min: otherwise text that may fold, but not below this many characters.
        drop: 0, always shown; otherwise left out when the table does not fit the
            terminal: level 1 first, then 2, ... (all the columns of a level together).
    """

    heading: str
    keep: bool = False
    ids: bool = False
    right: bool = False
    fold_min: int = 12
    drop: int = 0

    def least(self, cells: Sequence[str]) -> int:
        """The fewest characters the column needs for `cells` without cutting an id."""
        lines = self.heading.split("\n")
        if self.keep:
            return max([len(c) for c in cells] + [len(line) for line in lines])
        words = [len(w) for c in cells for w in c.split()] + [
            len(w) for line in lines for w in line.split()
        ]
        if self.ids:
            return max(words, default=1)
        widest = max([len(c) for c in cells] + [len(line) for line in lines])
        # A heading is folded at no width: it needs its longest word.
        return max(min(widest, self.fold_min), *(len(w) for w in self.heading.split()), 1)


def fitted_columns(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int
) -> list[int] | None:
    """The indexes of the columns that fit `width` characters, leaving out droppable
    columns (`drop` level 1 first, then 2, ...) until the rest fit; None when even the
    columns that are never dropped do not."""
    kept = list(range(len(columns)))
    while True:
        need = sum(columns[i].least([r[i] for r in rows]) for i in kept)
        if need + GAP * (len(kept) - 1) <= width:
            return kept
        levels = [columns[i].drop for i in kept if columns[i].drop]
        if not levels:
            return None
        kept = [i for i in kept if columns[i].drop != min(levels)]


def print_fitted(
    console: Console,
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    total: int | None = None,
    bold: Sequence[bool] = (),
    elsewhere: str = "--format csv / json",
) -> None:
    """Print a section: its title, then `rows` as a table that fits the console's width
    without cutting or folding an id or a date (droppable columns are left out first, and
    a line says which, and that they are in a wider terminal or `elsewhere`; on a terminal
    too narrow for the rest, one line per row), then "and N more" when `total` is above
    the rows shown. Cells are text, never markup."""
    console.print(Text(title, style="bold"))
    kept = fitted_columns(columns, rows, console.width)
    if kept is None:
        for row in rows:
            parts = [
                f"{c.heading.replace(chr(10), ' ')}: {v}" for c, v in zip(columns, row, strict=True)
            ]
            print_parts(console, parts)
    elif rows:
        table = Table(
            box=None, pad_edge=False, padding=(0, GAP, 0, 0), header_style="bold underline"
        )
        for i in kept:
            column = columns[i]
            justify = "right" if column.right else "left"
            if column.keep:
                least = column.least([r[i] for r in rows])
                table.add_column(column.heading, justify=justify, no_wrap=True, width=least)
            else:
                table.add_column(column.heading, justify=justify, overflow="fold")
        for n, row in enumerate(rows):
            style = "bold" if n < len(bold) and bold[n] else None
            table.add_row(*(Text(row[i]) for i in kept), style=style)
        console.print(table)
        left_out = [c.heading.replace("\n", " ") for i, c in enumerate(columns) if i not in kept]
        if left_out:
            console.print(
                Text(
                    f"Left out at this width: {', '.join(left_out)} (a wider terminal, or "
                    f"{elsewhere})."
                )
            )
    more = (total or 0) - len(rows)
    if more > 0:
        console.print(f"and {more:,} more (--all to list them, --limit N)")


def print_parts(console: Console, parts: Sequence[str]) -> None:
    """Print `parts` ("born 01 Jan 1980", "PNC 80/0001111A") on as few lines as fit the
    console, two spaces apart, never breaking a part across lines (so never a date or an
    id); a part wider than the console gets its own lines, wrapped between words."""
    line = ""
    for part in parts:
        joined = f"{line}  {part}" if line else part
        if len(joined) <= console.width:
            line = joined
            continue
        if line:
            console.print(Text(line), no_wrap=True, crop=False)
        line = part
        if len(part) > console.width:
            console.print(Text(part))
            line = ""
    if line:
        console.print(Text(line), no_wrap=True, crop=False)


def limited(items: Sequence[T], limit: int | None) -> Sequence[T]:
    """The first `limit` items (all of them when `limit` is None)."""
    return items if limit is None else items[:limit]
