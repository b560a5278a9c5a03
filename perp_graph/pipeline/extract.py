"""Extract: read one export file into a frame of text cells, or say why not.

Every physical record of a file is accounted for: it is a row of `frame` or a row of
`malformed` (with its line and the reason), never silently merged into another row's
cell. Every cell is kept as text here; validation parses it (and reads null tokens
such as NULL as blank). Each row carries `_line`, the physical line of the file on
which its record starts (the header is line 1), so every message can point at it.

How a file becomes records:
1. Bytes to UTF-8: a UTF-8 byte-order mark is dropped; UTF-16 (with a byte-order
   mark, or without one, recognised by its NUL bytes) is decoded; a workbook or other
   binary file, or text in another encoding, is refused with what it is and the fix.
2. Bytes to records (`_split`): RFC 4180 quoting decides where a record ends, which is
   the one thing a CSV parser cannot be trusted with on a broken file (an unclosed
   quote makes it swallow the rest of the file into one cell). A quote that opens a
   value running over several lines, where a following line is a record of its own or
   the file ends first, is a stray quote: its record (up to the line where it opened)
   is quarantined and the lines after it are read as their own records. Otherwise a
   value over several lines is read as RFC 4180 says.
3. Records to cells: pyarrow parses the records kept; its record count must equal ours,
   or the file is refused (never a silent difference).
"""

from __future__ import annotations

import bisect
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from perp_graph.contract import (
    CONTRACT_COLUMNS,
    OPTIONAL_FILES,
    REQUIRED_COLUMNS,
    REQUIRED_FILES,
)
from perp_graph.errors import InputFileError
from perp_graph.placeholders import strip_cells, visible

LINE = "_line"

_SAVE_AS_CSV = "open it in Excel and use Save As > 'CSV UTF-8 (Comma delimited) (*.csv)'"
#: Binary formats an analyst may save by mistake, by their first bytes.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or other zip archive", _SAVE_AS_CSV),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook (.xls)", _SAVE_AS_CSV),
    (b"\x1f\x8b", "a gzip archive", "unpack it (gunzip) and give the CSV inside"),
    (b"%PDF", "a PDF document", "export the table as CSV (comma-separated, UTF-8)"),
)
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
_TRAILING = "\x00trailing"  # the name of the empty field after a trailing delimiter


@dataclass
class RawTable:
    """One export file as text cells, with the records that could not be read as rows."""

    name: str
    path: Path
    frame: pd.DataFrame  # contract columns (absent optional ones filled blank), extras, _line
    extra_columns: list[str]
    malformed: pd.DataFrame = field(default_factory=pd.DataFrame)  # _line, reason, raw
    rows_read: int = 0  # records in the file (= len(frame) + len(malformed))
    #: file-level facts an analyst should know (encoding, trailing delimiters, ...)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rows_read = len(self.frame) + len(self.malformed)

    def release(self) -> None:
        """Drop the text cells once validated (the counts stay): big loads need the memory."""
        self.frame = self.frame.iloc[0:0]


def find_input_files(data_dir: Path) -> dict[str, Path]:
    """Locate the contract's files in a folder (names matched case-insensitively).

    Returns:
        file stem ("people", ...) -> path, for the files present.

    Raises:
        InputFileError: `data_dir` is not a folder, or a required file (contract
            1.1-1.3) is missing.
    """
    if not data_dir.is_dir():
        raise InputFileError(
            data_dir, "is not a folder", "give the folder that holds people.csv, incidents.csv ..."
        )
    by_name = {p.name.lower(): p for p in data_dir.iterdir() if p.is_file()}
    found: dict[str, Path] = {}
    for name in REQUIRED_FILES + OPTIONAL_FILES:
        path = by_name.get(f"{name}.csv")
        if path is not None:
            found[name] = path
        elif name in REQUIRED_FILES:
            raise InputFileError(
                data_dir / f"{name}.csv",
                "required file is missing",
                f"export {name}.csv into {data_dir} (see the data contract, section 1)",
            )
    return found


def read_table(name: str, path: Path, column_map: dict[str, str] | None = None) -> RawTable:
    """Read one export file into text cells.

    Args:
        name: the contract file's stem ("people", ...).
        path: the file.
        column_map: contract column -> the export's column name ([input.columns]).

    Returns:
        The file's records as text (every contract column present, blank when the file
        lacks an optional one), its extra columns, and the records that could not be
        read as rows.

    Raises:
        InputFileError: the file as a whole is unusable (binary, wrong encoding, empty,
            a required column missing, or records that cannot be counted reliably).
    """
    data, notes = _decode(path, path.read_bytes())
    split = _split(path, data)
    header = _read_header(path, split, notes)
    columns = _match_columns(name, path, header.names, column_map or {})
    frame, malformed = _parse(path, data, split, header, notes)

    frame.columns = [columns.get(c, c) for c in header.names] + list(
        frame.columns[len(header.names) :]
    )
    extra = [columns.get(c, c) for c in header.names if c not in columns]
    for column in frame.columns:
        if column != LINE:
            frame[column] = _trim(frame[column].astype("str"))
    for column in CONTRACT_COLUMNS[name]:
        if column not in frame.columns:
            frame[column] = ""
    frame = frame[[c for c in frame.columns if c != LINE] + [LINE]]
    if split.multiline:
        spans = "1 record spans" if split.multiline == 1 else f"{split.multiline} records span"
        notes.append(f"{spans} several lines (quoted line breaks)")
    if split.blank:
        notes.append(f"{_count(split.blank, 'blank line')} skipped")
    return RawTable(name, path, frame.reset_index(drop=True), extra, malformed, notes=notes)


# --- 1. bytes to UTF-8 ----------------------------------------------------------------


def _decode(path: Path, data: bytes) -> tuple[bytes, list[str]]:
    """The file as UTF-8 bytes without a byte-order mark, and what was done to get them."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        if not data.isascii():
            _check_utf8(path, data, offset=3)
        return data, []
    for signature, what, fix in _SIGNATURES:
        if data.startswith(signature):
            raise InputFileError(path, f"is a binary file, not CSV text: {what}", fix)
    for bom, codec, label in (
        (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32 LE"),
        (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32 BE"),
        (b"\xff\xfe", "utf-16-le", "UTF-16 LE"),
        (b"\xfe\xff", "utf-16-be", "UTF-16 BE"),
    ):
        if data.startswith(bom):
            text = _decode_wide(path, data[len(bom) :], codec, label, offset=len(bom))
            return text, [f"decoded from {label} (byte-order mark)"]
    wide = _utf16_without_bom(data)
    if wide is not None:
        codec, label = wide
        text = _decode_wide(path, data, codec, label, offset=0)
        return text, [f"decoded from {label} (no byte-order mark; recognised by its NUL bytes)"]
    if not data.isascii():
        _check_utf8(path, data, offset=0)
    return data, []


def _decode_wide(path: Path, data: bytes, codec: str, label: str, offset: int) -> bytes:
    try:
        return data.decode(codec).lstrip("\ufeff").encode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            path,
            f"is {label} text, but bytes {offset + exc.start}-{offset + exc.end - 1} "
            f"are not valid {label}",
            f"export it again as CSV UTF-8, or convert it: iconv -f {label.split()[0]} "
            "-t UTF-8 in.csv > out.csv",
        ) from None


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without a byte-order mark: text in it is mostly ASCII, so one byte of each
    pair is NUL, always the same one. One NUL byte in UTF-8 text is not this."""
    sample = np.frombuffer(data[: 4096 & ~1], dtype=np.uint8)
    if len(sample) < 8:
        return None
    even, odd = sample[0::2] == 0, sample[1::2] == 0
    if odd.mean() > 0.7 and even.mean() < 0.05:
        return "utf-16-le", "UTF-16 LE"
    if even.mean() > 0.7 and odd.mean() < 0.05:
        return "utf-16-be", "UTF-16 BE"
    return None


def _check_utf8(path: Path, data: bytes, offset: int) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        at = offset + exc.start
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        sample = data[line_start : line_start + 65536]
        if _looks_binary(data[:4096]):
            raise InputFileError(
                path,
                f"is a binary file, not CSV text (byte {at} is not text)",
                "export the table as CSV (comma-separated, UTF-8)",
                line=line,
            ) from None
        encoding = _likely_encoding(sample)
        looks = f"; it looks like {encoding}" if encoding else ""
        raise InputFileError(
            path,
            f"is not UTF-8 (byte {at} is not valid UTF-8{looks})",
            "save the export as UTF-8 (Excel: 'CSV UTF-8'), or convert it, e.g. "
            f"iconv -f {encoding or 'WINDOWS-1252'} -t UTF-8 in.csv > out.csv",
            line=line,
        ) from None


def _looks_binary(head: bytes) -> bool:
    """Many control bytes (not tab, line feed, carriage return): not text in any encoding."""
    sample = np.frombuffer(head, dtype=np.uint8)
    control = (sample < 32) & ~np.isin(sample, (9, 10, 13))
    return len(sample) > 0 and control.mean() > 0.1


def _likely_encoding(sample: bytes) -> str | None:
    """The encoding a non-UTF-8 export is most likely in, as iconv names it.

    charset-normalizer guesses; on the short, mostly-ASCII samples of an export it often
    prefers a code page that decodes the same characters as Windows-1252 (Excel's "CSV"
    on a UK Windows machine), so Windows-1252 is named whenever it reads the same text."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # a dependency, but the refusal must not depend on it
        return "WINDOWS-1252"

    matches = from_bytes(sample)
    best = matches.best()
    if best is None:
        return None
    try:
        if sample.decode("cp1252") == str(best):
            return "WINDOWS-1252"
    except UnicodeDecodeError:
        pass
    if any(m.encoding == "cp1252" and m.chaos <= best.chaos for m in matches):
        return "WINDOWS-1252"
    encoding = best.encoding.lower()
    if re.fullmatch(r"cp125\d", encoding):
        return "WINDOWS-" + encoding[2:]
    return {"latin_1": "ISO-8859-1", "cp932": "SHIFT_JIS"}.get(
        encoding, encoding.upper().replace("_", "-")
    )


# --- 2. bytes to records ------------------------------------------------------------


@dataclass
class _Split:
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


def _split(path: Path, data: bytes) -> _Split:
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
        found = len(_fields(text))
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
        found = len(_fields(text[: at - 1])) + 1 + text.count(b",", at)
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
    n_fields = len(_fields(header_text))
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
    split = _Split(
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


# --- 3. records to cells ------------------------------------------------------------


@dataclass
class _Header:
    names: list[str]  # trimmed column names, a trailing empty one dropped
    trailing: bool  # the header ended with a trailing comma


def _fields(text: bytes) -> list[str]:
    """One record's fields, read by Python's csv module (for the few records read alone)."""
    return next(csv.reader(io.StringIO(text.decode("utf-8", "replace"), newline="")), [])


def _read_header(path: Path, split: _Split, notes: list[str]) -> _Header:
    first, _ = split.header
    text = split.text(*split.header)
    if b"\x00" in text:
        raise InputFileError(
            path,
            "the header row holds a NUL byte",
            "export the file again as CSV UTF-8; the header must hold the column names only",
            line=first + 1,
        )
    try:
        raw = next(csv.reader(io.StringIO(text.decode("utf-8"), newline="")))
    except csv.Error as exc:
        raise InputFileError(
            path, f"header row is not CSV ({exc})", "export as comma-separated text", line=1
        ) from None
    names = [str(n) for n in strip_cells(pd.Series(raw, dtype=object))]
    if len(names) == 1 and any(sep in names[0] for sep in (";", "\t", "|")):
        if "\t" in names[0] and any("UTF-16" in note for note in notes):
            raise InputFileError(
                path,
                "is tab-separated UTF-16 text (Excel's 'Unicode Text'), not CSV",
                _SAVE_AS_CSV,
                line=first + 1,
            )
        found = max((";", "\t", "|"), key=names[0].count)
        said = {";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}[found]
        raise InputFileError(
            path,
            f"is not comma-separated: the header is one column separated by {said}",
            "export with commas as separators (in Excel: Save As 'CSV UTF-8')",
            line=first + 1,
        )
    trailing = len(names) > 1 and names[-1] == ""
    if trailing:
        names = names[:-1]
    for position, name in enumerate(names, start=1):
        if not name:
            raise InputFileError(
                path, f"header column {position} has no name", "name every column", line=1
            )
    return _Header(names, trailing)


def _match_columns(
    name: str, path: Path, header: list[str], column_map: dict[str, str]
) -> dict[str, str]:
    """Map the file's header names to contract names: config first, then case-insensitive."""
    export_to_contract = {v.strip().casefold(): k for k, v in column_map.items()}
    matched: dict[str, str] = {}
    seen: dict[str, str] = {}
    for column in header:
        key = column.casefold()
        contract = export_to_contract.get(key)
        if contract is None and key in CONTRACT_COLUMNS[name]:
            contract = key
        target = contract or column
        if target.casefold() in seen:
            raise InputFileError(
                path,
                f"columns '{visible(seen[target.casefold()])}' and '{visible(column)}' both "
                f"mean '{visible(target)}'",
                "remove one of them, or fix the column mapping in the config",
                line=1,
                column=visible(column),
            )
        seen[target.casefold()] = column
        if contract is not None:
            matched[column] = contract
    present = set(matched.values())
    for required in REQUIRED_COLUMNS[name]:
        if required not in present:
            mapped = column_map.get(required)
            hidden = next((h for h in header if _bare(h) == required), None)
            if hidden is not None:
                raise InputFileError(
                    path,
                    "required column is missing",
                    f"the header's column '{visible(hidden)}' holds an invisible character; "
                    f"rename it '{required}'",
                    line=1,
                    column=required,
                )
            fix = (
                f"the config maps '{required}' to '{visible(mapped)}', which the header lacks; "
                "correct [input.columns] in the config"
                if mapped
                else f"add a '{required}' column, or map your export's column to it in the "
                f"config under [input.columns.{name}]"
            )
            raise InputFileError(path, "required column is missing", fix, line=1, column=required)
    return matched


def _bare(name: str) -> str:
    """A column name without invisible (format) characters, case-folded."""
    return "".join(ch for ch in name if unicodedata.category(ch) != "Cf").casefold()


def _parse(
    path: Path, data: bytes, split: _Split, header: _Header, notes: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse the records the split kept (pyarrow) and quarantine the rest, with reasons."""
    names = header.names
    n = len(names)
    records, last_lines = split.records, split.last_lines
    malformed: list[tuple[int, str, str]] = [
        (line + 1, reason, _raw(split.text(line, last)))
        for line, (last, reason) in split.stray.items()
    ]

    # A NUL byte is not text: its record is quarantined, wherever it is in the file.
    keep = np.ones(len(records), dtype=bool)
    nul = (
        np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0)
        if data.find(b"\x00") >= 0
        else np.empty(0, np.int64)
    )
    if len(nul) and len(records):
        nul_lines = np.searchsorted(split.starts, nul, side="right") - 1
        owner = np.searchsorted(records, nul_lines, side="right") - 1
        inside = (owner >= 0) & (last_lines[np.maximum(owner, 0)] >= nul_lines)
        for i in np.unique(owner[inside]):
            text = split.text(records[i], last_lines[i])
            fields = _fields(text)
            where = next((j for j, f in enumerate(fields) if "\x00" in f), None)
            column = (
                f"column '{visible(names[where])}'"
                if where is not None and where < n
                else f"field {where + 1 if where is not None else '?'}"
            )
            malformed.append(
                (int(records[i]) + 1, f"holds a NUL byte (\\x00) in {column}", _raw(text))
            )
            keep[i] = False

    kept = np.flatnonzero(keep)
    sample = [_fields(split.text(records[i], last_lines[i])) for i in kept[:200]]
    # Trailing delimiters: most rows have one more field than the header, always empty
    # (rows without it are read as they are).
    trailing_rows = 2 * sum(len(f) == n + 1 and f[-1] == "" for f in sample) > len(sample)
    if header.trailing or trailing_rows:
        notes.append(
            {
                (True, True): "the header and every row ended with a trailing comma; "
                "the empty last field was dropped",
                (True, False): "the header ended with a trailing comma; the empty last "
                "column name was dropped",
                (False, True): "every row ended with a trailing comma; the empty last field "
                "was dropped",
            }[(header.trailing, trailing_rows)]
        )
    columns = [*names, _TRAILING] if trailing_rows else list(names)

    invalid: list[tuple[int, int, str]] = []
    if len(kept):
        table = _read_records(path, _kept_bytes(data, split, kept), columns, split, invalid)
    else:
        table = pa.table({c: pa.array([], pa.string()) for c in columns})
    if table.num_rows + len(invalid) != len(kept):
        raise _unreliable(path, table.num_rows + len(invalid), len(kept))

    valid = np.ones(len(kept), dtype=bool)
    extra_rows: list[list[str]] = []
    extra_lines: list[int] = []
    for number, found, text in invalid:
        index = number - 1
        if not 0 <= index < len(kept) or not _same_record(
            text, split.text(records[kept[index]], last_lines[kept[index]])
        ):
            raise _unreliable(path, table.num_rows + len(invalid), len(kept))
        valid[index] = False
        line = int(records[kept[index]]) + 1
        if trailing_rows and found == n:  # this row lacks the trailing comma: fine as it is
            extra_rows.append(_fields(text.encode("utf-8")))
            extra_lines.append(line)
            continue
        expected = n
        reason = f"expected {expected} fields, found {found}"
        if trailing_rows:
            reason = (
                f"expected {n} fields (and the trailing comma every other row has), found {found}"
            )
        elif found > expected:
            reason += " (quote values that contain commas)"
        malformed.append((line, reason, text))

    frame = table.to_pandas()
    frame[LINE] = (records[kept] + 1)[valid].astype(np.int64)
    if trailing_rows:
        spill = frame[_TRAILING] != ""
        for row in frame[spill].to_dict("records"):
            malformed.append(
                (
                    int(row[LINE]),
                    f"expected {n} fields (and the trailing comma every other row has), "
                    f"found {n + 1} (quote values that contain commas)",
                    ",".join(str(row[c]) for c in columns),
                )
            )
        frame = frame[~spill].drop(columns=[_TRAILING])
    if extra_rows:
        added = pd.DataFrame(extra_rows, columns=names).assign(**{LINE: extra_lines})
        frame = pd.concat([frame, added.astype(frame.dtypes.to_dict())], ignore_index=True)
        frame = frame.sort_values(LINE, kind="stable")
    malformed_frame = pd.DataFrame(malformed, columns=[LINE, "reason", "raw"])
    malformed_frame = malformed_frame.astype({LINE: np.int64}).sort_values(LINE)
    return frame.reset_index(drop=True), malformed_frame.reset_index(drop=True)


def _raw(text: bytes) -> str:
    return text.decode("utf-8", "replace")


def _same_record(parser_text: str, ours: bytes) -> bool:
    """Whether the parser's text of a rejected row is the record we split (line endings
    aside: the parser may drop or keep a CR)."""
    return parser_text.replace("\r", "") == _raw(ours).replace("\r", "")


def _kept_bytes(data: bytes, split: _Split, kept: np.ndarray) -> pa.Buffer:
    """The bytes of the kept records, one after another (zero-copy when nothing is left out
    but blank lines, which the parser skips as we do)."""
    first = split.starts[split.records[kept]]
    after = split.nexts[split.last_lines[kept]]
    view = memoryview(data)
    joins = np.flatnonzero(first[1:] != after[:-1]) + 1
    if not len(joins) or (
        not split.stray and len(kept) == len(split.records)
    ):  # blank lines only: the parser skips them
        return pa.py_buffer(view[first[0] : after[-1]])
    runs_from = np.concatenate(([0], joins))
    runs_to = np.append(joins, len(kept)) - 1
    return pa.py_buffer(
        b"".join(view[first[a] : after[b]] for a, b in zip(runs_from, runs_to, strict=True))
    )


def _read_records(
    path: Path,
    body: pa.Buffer,
    columns: list[str],
    split: _Split,
    invalid: list[tuple[int, int, str]],
) -> pa.Table:
    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        invalid.append((row.number, row.actual_columns, row.text))
        return "skip"

    try:
        return pacsv.read_csv(
            pa.BufferReader(body),
            # Single-threaded so that the parser numbers the rows it rejects.
            read_options=pacsv.ReadOptions(
                use_threads=False, column_names=columns, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=split.multiline > 0, invalid_row_handler=on_invalid_row
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={column: pa.string() for column in columns},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        # (not the parser's message: it quotes the record, and records hold names)
        raise InputFileError(
            path, "cannot be read as CSV", "export it again as comma-separated text (UTF-8)"
        ) from None


def _unreliable(path: Path, parsed: int, split: int) -> InputFileError:
    return InputFileError(
        path,
        f"cannot be split into records reliably: the CSV parser read {parsed} records where "
        f"the file's quoting gives {split}",
        "export it again as CSV UTF-8, and report the file's shape (not its contents) "
        "to the perp-graph maintainers",
    )


def _trim(values: pd.Series) -> pd.Series:
    """`strip_cells` (Unicode whitespace and zero-width characters off both ends). A column
    that is all ASCII holds no zero-width character, so plain strip() does the same there
    and skips strip_cells' search for them (a third of the read time on 1M rows)."""
    if values.str.isascii().all():
        return values.str.strip()
    return strip_cells(values)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
