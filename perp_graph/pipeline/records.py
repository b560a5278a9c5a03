"""Export files' bytes to records by RFC 4180 quoting (step 2 of
perp_graph.pipeline.extract): where each record starts and ends, which records a stray
quote broke, how many span several lines, which lines are blank.

Written here rather than taken from a CSV library because none says where an unclosed
quote opened or recovers the records after it; a parser's own count is still checked
against this one (extract._read_records).
"""

from __future__ import annotations

import bisect
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from perp_graph.errors import InputFileError

_LF, _CR = 10, 13
_FIELD = rb'(?:"(?:[^"]|"")*+"[^,]*+|[^,"][^,]*+|)'
#: A line read from outside a quoted value that ends outside one (a complete record).
_COMPLETE = re.compile(_FIELD + rb"(?:," + _FIELD + rb")*+")
#: A whole line (with its line break) of regular fields, for Arrow's RE2 engine.
_REGULAR_LINE = r'^(?:"(?:[^"]|"")*"|[^,"\r\n]*)(?:,(?:"(?:[^"]|"")*"|[^,"\r\n]*))*\r?\n?$'
_STRICT_FIELD = rb'(?:"(?:[^"]|"")*+"|[^,"]*+)'
#: A line of regular RFC 4180 fields: each quoted whole, or holding no quote.
_STRICT = re.compile(_STRICT_FIELD + rb"(?:," + _STRICT_FIELD + rb")*+")
#: A line that, read from inside a quoted value, closes it before a comma or its end.
_REGULAR_CLOSE = re.compile(rb'(?:[^"]|"")*+"(?=,|$)')
#: The complete fields of a line up to the quote that opens a value it does not close.
_OPEN_FIELD = re.compile(rb"(?:" + _FIELD + rb',)*+"')
#: A line that starts inside a quoted value and closes it (it may open another).
_CLOSE = re.compile(rb'(?:[^"]|"")*+"(?!")')
#: A line that starts inside a quoted value, closes it, and ends outside one.
_CLOSES = re.compile(rb'(?:[^"]|"")*+"[^,]*+(?:,' + _FIELD + rb")*+")


@dataclass
class Split:
    """Where the physical lines and the records of a file are."""

    starts: np.ndarray  # byte offset where each physical line starts
    ends: np.ndarray  # byte offset where its content ends (before CR/LF)
    nexts: np.ndarray  # byte offset of the next line (after the terminator)
    header: tuple[int, int]  # first and last line of the header record
    records: np.ndarray  # first line of each data record (blank lines are not records)
    last_lines: np.ndarray  # last line of each data record
    #: first line -> (last line, reason), for records quarantined for a stray quote
    stray: dict[int, tuple[int, str]]
    multiline: int  # data records spanning several lines
    blank: int  # blank lines skipped

    data: bytes = b""

    def text(self, first: int, last: int) -> bytes:
        """The bytes of lines first..last, without the last line's terminator."""
        return self.data[self.starts[first] : self.ends[last]]


def split_records(path: Path, data: bytes) -> Split:
    """Split the file into records by RFC 4180 quoting.

    Vectorised where quoting is regular (`_REGULAR_LINE`, every line at once); the few
    lines where it is not, or where a quoted value spans lines, are read exactly
    (`_COMPLETE`, `_CLOSES`) one at a time."""
    arr = np.frombuffer(data, dtype=np.uint8)
    n = len(arr)
    breaks = np.flatnonzero(arr == _LF)
    # (bytes.find is a memchr: it spares a pass over the file when a byte is absent)
    cr = np.flatnonzero(arr == _CR) if data.find(b"\r") >= 0 else np.empty(0, np.int64)
    if len(cr):  # a CR not followed by LF ends a line too (as the parsers read it)
        lone = cr[(cr == n - 1) | (arr[np.minimum(cr + 1, n - 1)] != _LF)]
        if len(lone):
            breaks = np.union1d(breaks, lone)
    starts = np.concatenate(([0], breaks + 1)).astype(np.int64)
    if len(starts) > 1 and starts[-1] == n:
        starts = starts[:-1]
    nexts = np.append(starts[1:], n).astype(np.int64)
    ends = nexts.copy()
    if n:
        last_byte = arr[np.maximum(nexts - 1, 0)]
        ends -= (nexts > starts) & ((last_byte == _LF) | (last_byte == _CR))
        crlf = (ends > starts) & (arr[np.maximum(ends - 1, 0)] == _CR) & (ends < nexts)
        ends -= crlf
    n_lines = len(starts)

    # A line of regular RFC 4180 fields (each quoted whole, or holding no quote) is a
    # record of its own when it starts outside a quoted value; only the other lines
    # (a value over several lines, a stray quote, a quote inside a value) are read one
    # at a time. Arrow's regex engine (RE2, linear time) checks every line in one call.
    if data.find(b'"') < 0:
        irregular_lines = np.empty(0, dtype=np.int64)
    else:
        lines = pa.LargeBinaryArray.from_buffers(
            pa.large_binary(),
            n_lines,
            [None, pa.py_buffer(np.append(starts, n).astype(np.int64)), pa.py_buffer(data)],
        )
        regular = pc.match_substring_regex(lines, pattern=_REGULAR_LINE)
        irregular_lines = np.flatnonzero(~regular.to_numpy(zero_copy_only=False))

    # Line offsets for the line-at-a-time reading: numpy arrays, made Python lists below
    # when many lines are read that way (numpy scalars are slow one at a time).
    line_starts, line_ends, line_nexts = starts, ends, nexts

    def content(line: int) -> bytes:
        return data[line_starts[line] : line_ends[line]]

    def has_quote(line: int) -> bool:
        return data.find(b'"', line_starts[line], line_ends[line]) >= 0

    def closing_line(first: int) -> int | None:
        """The first line after `first` that closes the quoted value open at the end of
        `first` (lines without a quote in between stay inside the value). That line may
        open another quoted value: see `ends_outside`."""
        at = int(line_nexts[first])
        while (at := data.find(b'"', at)) >= 0:
            line = bisect.bisect_right(line_starts, at) - 1
            if _CLOSE.match(content(line)):
                return line
            at = int(line_nexts[line])
        return None

    def ends_outside(line: int) -> bool:
        """Whether a line that starts inside a quoted value ends outside one."""
        return _CLOSES.fullmatch(content(line)) is not None

    def record_end(first: int) -> int | None:
        """The last line of the record whose quoted value is open at the end of `first`."""
        last = closing_line(first)
        while last is not None and not ends_outside(last):
            last = closing_line(last)
        return last

    def of_shape(text: bytes, n_fields: int) -> bool:
        """Whether a record's text has the header's number of fields (or one more, empty:
        a trailing delimiter)."""
        found = len(fields_of(text))
        return found == n_fields or (found == n_fields + 1 and text.endswith(b","))

    def stands_alone(line: int, n_fields: int, follow: bool) -> str | None:
        """Whether the line, read as the start of a record, is a record of the file's
        shape: it starts with a value (a record's id, as a rule) and has the header's
        number of fields. With `follow`, also a line whose own quoted value runs over
        later lines, or stays open (a stray quote of its own). None when it is not;
        "weak" when it may as well be the last line of the value above (read on from
        that value, its first quote is a regular close, before a comma or the line's end,
        and read alone it has a quote out of place); "strong" otherwise."""
        text = content(line)
        if not text or text.startswith(b","):
            return None
        if not has_quote(line):
            found = text.count(b",") + 1
            shaped = found == n_fields or (found == n_fields + 1 and text.endswith(b","))
            return "strong" if shaped else None
        complete = _COMPLETE.fullmatch(text) is not None
        if complete and text.count(b",") + 1 < n_fields:
            return None  # too few commas for the header's fields (the usual value's line)
        opening = None if complete else _OPEN_FIELD.match(text)
        # Quotes in place: the whole line, or the fields before the quote it leaves open
        # (a line starting with that quote has none: the quote may as well close a value).
        if opening is None:
            regular = _STRICT.fullmatch(text) is not None
        else:
            regular = opening.end() > 1 and _STRICT.fullmatch(text[: opening.end() - 2])
        # A line starting with a quote and a comma reads best as a value's close.
        regular = regular and not (text == b'"' or text.startswith(b'",'))
        strength = "weak" if _REGULAR_CLOSE.match(text) and not regular else "strong"
        if complete:
            return strength if of_shape(text, n_fields) else None
        if not follow:
            return None
        last = record_end(line)
        if last is not None and of_shape(data[starts[line] : ends[last]], n_fields):
            return strength
        if opening is None or text.startswith(b'"'):
            return None
        at = opening.end() - 1  # the quote that stays open, read as a literal character
        if text[at + 1 : at + 2] in (b"", b",", b'"'):
            return None  # a quote before a comma, a quote or the line's end: likelier a close
        found = len(fields_of(text[: at - 1])) + 1 + text.count(b",", at)
        shaped = found == n_fields or (found == n_fields + 1 and text.endswith(b","))
        return strength if shaped else None

    def record_at(first: int, n_fields: int | None) -> tuple[int, str | None]:
        """Read one record from line `first` exactly: its last line and None, or the last
        line of a record quarantined for a stray quote and the reason.

        A quoted value over several lines is a stray quote when the file ends inside it,
        or when a line it would swallow is a record of the file's shape on its own. The
        record then ends on the line where that quote opened (the lines after it are read
        again). Otherwise the value is read as RFC 4180 says, even when the record it
        makes has too many or too few fields (it is quarantined as such)."""
        if _COMPLETE.fullmatch(content(first)):
            return first, None
        opened = first  # the line where the quote now open was opened
        while True:
            last = closing_line(opened)
            if n_fields is None:  # the header: no shape to compare with yet
                if last is None:
                    raise InputFileError(
                        path,
                        "the header row opens a quote that is never closed",
                        "export the file again; the header must be one line of column names",
                        line=first + 1,
                    )
            else:
                quote = f"unclosed quote: the quote opened on line {opened + 1}"
                if last is None:
                    return opened, f"{quote} is never closed"
                alone = next(
                    (
                        (k, strength)
                        for k in range(opened + 1, last + 1)
                        if (strength := stands_alone(k, n_fields, follow=k == opened + 1))
                    ),
                    None,
                )
                # A line that may as well end the value above is a record of its own only
                # when reading on as RFC 4180 says does not make a record of the shape.
                if alone is not None and alone[1] == "weak":
                    end = record_end(first)
                    if end is not None and of_shape(data[starts[first] : ends[end]], n_fields):
                        alone = None
                if alone is not None:
                    return opened, (
                        f"{quote} runs into line {alone[0] + 1}, which is a record of its own"
                    )
            if ends_outside(last):
                break
            opened = last  # closed, and another value opened on the same line
        return last, None

    # The header: the first non-blank line.
    line = 0
    while line < n_lines and ends[line] == starts[line]:
        line += 1
    if line >= n_lines:
        raise InputFileError(path, "is empty", "export the file again with its header row", line=1)
    header_first = line
    header_last, _ = record_at(header_first, None)
    header_text = data[starts[header_first] : ends[header_last]]
    n_fields = len(fields_of(header_text))
    if header_text.endswith(b",") and n_fields > 1:
        n_fields -= 1

    role = np.zeros(n_lines, dtype=np.int8)  # 0 starts a record, 1 continues one, 2 stray
    role[: header_last + 1] = 3  # the header and blank lines before it
    stray: dict[int, tuple[int, str]] = {}
    continued: list[tuple[int, int]] = []  # [from, to) lines continuing a record
    multiline = 0
    line = header_last + 1
    if len(irregular_lines) > 64:
        line_starts, line_ends, line_nexts = starts.tolist(), ends.tolist(), nexts.tolist()
    # Lines before the next irregular one are records of their own; read that one exactly.
    for nxt in irregular_lines.tolist():
        if nxt < line:
            continue  # inside the record just read
        last, reason = record_at(nxt, n_fields)
        if reason is not None:
            stray[nxt] = (last, reason)
        elif last > nxt:
            multiline += 1
        if last > nxt:
            continued.append((nxt + 1, last + 1))
        line = last + 1
    if continued:
        edges = np.zeros(n_lines + 1, dtype=np.int64)
        bounds = np.array(continued, dtype=np.int64)
        np.add.at(edges, bounds[:, 0], 1)
        np.add.at(edges, bounds[:, 1], -1)
        role[np.cumsum(edges[:-1]) > 0] = 1
    if stray:
        role[list(stray)] = 2

    blank_lines = (role == 0) & (ends == starts)
    role[blank_lines] = 3
    records = np.flatnonzero(role == 0)
    if multiline or stray:  # a record ends before the next line that is not its own
        boundaries = np.flatnonzero(role != 1)
        following = np.searchsorted(boundaries, records, side="right")
        last_lines = np.where(
            following < len(boundaries),
            boundaries[np.minimum(following, len(boundaries) - 1)] - 1,
            n_lines - 1,
        )
    else:
        last_lines = records
    split = Split(
        starts=starts,
        ends=ends,
        nexts=nexts,
        header=(header_first, header_last),
        records=records,
        last_lines=last_lines,
        stray=stray,
        multiline=multiline,
        blank=int(blank_lines.sum()),
        data=data,
    )
    return split


def fields_of(text: bytes) -> list[str]:
    """One record's fields, read by Python's csv module (for the few records read alone)."""
    return next(csv.reader(io.StringIO(text.decode("utf-8", "replace"), newline="")), [])
