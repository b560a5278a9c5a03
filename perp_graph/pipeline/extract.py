"""Extract: read one export file into a frame of text cells, or say why not.

Every physical record of a file is accounted for: it is a row of `frame` or a row of
`malformed` (with its line and the reason), never silently merged into another row's
cell. Every cell is kept as text here; validation parses it (and reads null tokens
such as NULL as blank). Each row carries `_line`, the physical line of the file on
which its record starts (the header is line 1), so every message can point at it.

How a file becomes records:
1. Bytes to UTF-8 (`encoding.decode`): a UTF-8 byte-order mark is dropped; UTF-16 (with a byte-order
   mark, or without one, recognised by its NUL bytes) is decoded; a workbook or other
   binary file, or text in another encoding, is refused with what it is and the fix.
2. Bytes to records (`records.split_records`): RFC 4180 quoting decides where a
   record ends, which is the one thing a CSV parser cannot be trusted with on a
   broken file (an unclosed quote makes it swallow the rest of the file into one
   cell). A quote that opens a
   value running over several lines, where a following line is a record of its own or
   the file ends first, is a stray quote: its record (up to the line where it opened)
   is quarantined and the lines after it are read as their own records. Otherwise a
   value over several lines is read as RFC 4180 says.
3. Records to cells: pyarrow parses the records kept; its record count must equal ours,
   or the file is refused (never a silent difference).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from perp_graph.contract import (
    CONTRACT_COLUMNS,
    OPTIONAL_FILES,
    REQUIRED_COLUMNS,
    REQUIRED_FILES,
)
from perp_graph.errors import InputFileError
from perp_graph.pipeline.encoding import SAVE_AS_CSV, decode
from perp_graph.pipeline.records import Split, fields_of, split_records
from perp_graph.placeholders import strip_cells, visible

LINE = "_line"

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
    data, notes = decode(path, path.read_bytes())
    split = split_records(path, data)
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


# --- 3. records to cells ------------------------------------------------------------


@dataclass
class _Header:
    names: list[str]  # trimmed column names, a trailing empty one dropped
    trailing: bool  # the header ended with a trailing comma


def _read_header(path: Path, split: Split, notes: list[str]) -> _Header:
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
                SAVE_AS_CSV,
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
    path: Path, data: bytes, split: Split, header: _Header, notes: list[str]
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
            fields = fields_of(text)
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
    sample = [fields_of(split.text(records[i], last_lines[i])) for i in kept[:200]]
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
            extra_rows.append(fields_of(text.encode("utf-8")))
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


def _kept_bytes(data: bytes, split: Split, kept: np.ndarray) -> pa.Buffer:
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
    split: Split,
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
