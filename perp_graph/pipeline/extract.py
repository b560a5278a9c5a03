"""Extract: read one export file into a frame of text cells, or say why not.

Every cell is kept as text here; validation parses it. Each row carries `_line`,
its record number counting the header as 1 (the line number in the file when
no value spans lines), so every message can point at it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from perp_graph.errors import InputFileError
from perp_graph.settings import CONTRACT_COLUMNS

#: Columns that must be present in each file's header (data contract, section 1).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "people": ("person_id", "surname", "forenames"),
    "incidents": ("incident_id", "occurred_on", "offence_category"),
    "involvements": ("incident_id", "person_id", "role"),
    "relationships": ("person_id_a", "person_id_b", "relationship_type"),
    "orders": ("person_id", "order_type"),
}
REQUIRED_FILES = ("people", "incidents", "involvements")
OPTIONAL_FILES = ("relationships", "orders")
LINE = "_line"

_UTF8_FIX = (
    "save the export as UTF-8 (Excel: 'CSV UTF-8'), or convert it, e.g. "
    "iconv -f WINDOWS-1252 -t UTF-8 in.csv > out.csv"
)


@dataclass
class RawTable:
    """One export file as text cells, with the records the parser could not split."""

    name: str
    path: Path
    frame: pd.DataFrame  # contract columns (absent optional ones filled blank), extras, _line
    extra_columns: list[str]
    malformed: pd.DataFrame = field(default_factory=pd.DataFrame)  # _line, reason, raw
    rows_read: int = 0

    def __post_init__(self) -> None:
        self.rows_read = len(self.frame) + len(self.malformed)

    def release(self) -> None:
        """Drop the text cells once validated (the counts stay): big loads need the memory."""
        self.frame = self.frame.iloc[0:0]


def find_input_files(data_dir: Path) -> dict[str, Path]:
    """Locate the contract's files in a folder (names matched case-insensitively)."""
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
    """Read one export file. Raises InputFileError when the file as a whole is unusable."""
    data = path.read_bytes()
    text = _decode(path, data)
    header = _read_header(path, text)
    del text  # validated; the parser reads the bytes
    columns = _match_columns(name, path, header, column_map or {})

    malformed: list[tuple[int, str, str]] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        malformed.append(
            (
                row.number,
                f"expected {row.expected_columns} fields, found {row.actual_columns} "
                "(quote values that contain commas)",
                row.text,
            )
        )
        return "skip"

    body = memoryview(data)[3:] if data.startswith(b"\xef\xbb\xbf") else memoryview(data)
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(body)),
            # Single-threaded so that the parser can number the rows it rejects.
            read_options=pacsv.ReadOptions(
                use_threads=False, column_names=header, skip_rows=1, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=on_invalid_row
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={column: pa.string() for column in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InputFileError(
            path, f"cannot be read as CSV ({exc})", "export it again as comma-separated text"
        ) from None

    frame = table.to_pandas()
    frame.columns = [columns.get(c, c) for c in header]
    extra = [columns.get(c, c) for c in header if c not in columns]
    for column in CONTRACT_COLUMNS[name]:
        if column not in frame.columns:
            frame[column] = ""
    for column in frame.columns:
        frame[column] = frame[column].astype("str").str.strip()
    bad_lines = sorted(m[0] for m in malformed)
    frame[LINE] = _good_line_numbers(len(frame), bad_lines)
    malformed_frame = pd.DataFrame(malformed, columns=[LINE, "reason", "raw"])
    return RawTable(name, path, frame.reset_index(drop=True), extra, malformed_frame)


def _decode(path: Path, data: bytes) -> str:
    if b"\x00" in data[:65536]:
        raise InputFileError(
            path, "is a binary file, not CSV text", "export the table as CSV (comma-separated)"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputFileError(
            path, f"is not UTF-8 (byte {exc.start} is not valid UTF-8)", _UTF8_FIX, line=line
        ) from None


def _read_header(path: Path, text: str) -> list[str]:
    try:
        header = next(csv.reader(io.StringIO(text[: 1 << 20])))
    except StopIteration:
        raise InputFileError(
            path, "is empty", "export the file again with its header row", line=1
        ) from None
    except csv.Error as exc:
        raise InputFileError(
            path, f"header row is not CSV ({exc})", "export as comma-separated text", line=1
        ) from None
    header = [h.strip() for h in header]
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
        raise InputFileError(
            path,
            "is not comma-separated (the header has one column holding ';', tab or '|')",
            "export with commas as separators",
            line=1,
        )
    for position, name in enumerate(header, start=1):
        if not name:
            raise InputFileError(
                path, f"header column {position} has no name", "name every column", line=1
            )
    return header


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
                f"columns '{seen[target.casefold()]}' and '{column}' both mean '{target}'",
                "remove one of them, or fix the column mapping in the config",
                line=1,
                column=column,
            )
        seen[target.casefold()] = column
        if contract is not None:
            matched[column] = contract
    present = set(matched.values())
    for required in REQUIRED_COLUMNS[name]:
        if required not in present:
            mapped = column_map.get(required)
            fix = (
                f"the config maps '{required}' to '{mapped}', which the header lacks; "
                "correct [input.columns] in the config"
                if mapped
                else f"add a '{required}' column, or map your export's column to it in the "
                f"config under [input.columns.{name}]"
            )
            raise InputFileError(path, "required column is missing", fix, line=1, column=required)
    return matched


def _good_line_numbers(n_good: int, bad_lines: list[int]) -> np.ndarray:
    """Record numbers of the rows the parser kept (header = 1, first data row = 2)."""
    every = np.arange(2, n_good + len(bad_lines) + 2, dtype=np.int64)
    if not bad_lines:
        return every
    return np.setdiff1d(every, np.asarray(bad_lines, dtype=np.int64), assume_unique=True)
