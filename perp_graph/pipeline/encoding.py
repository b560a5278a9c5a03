"""Export files' bytes to UTF-8, or a refusal that says what the file is and the fix
(step 1 of perp_graph.pipeline.extract).

A UTF-8 byte-order mark is dropped; UTF-16 or UTF-32 (with a byte-order mark, or UTF-16
without one, recognised by its NUL bytes) is decoded and noted; a workbook, archive or
PDF is named as what it is; text in another encoding is refused with the line, the
likely encoding (charset-normalizer) and the iconv command (data contract 1.1).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from perp_graph.errors import InputFileError

SAVE_AS_CSV = "open it in Excel and use Save As > 'CSV UTF-8 (Comma delimited) (*.csv)'"
#: Binary formats an analyst may save by mistake, by their first bytes.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or other zip archive", SAVE_AS_CSV),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook (.xls)", SAVE_AS_CSV),
    (b"\x1f\x8b", "a gzip archive", "unpack it (gunzip) and give the CSV inside"),
    (b"%PDF", "a PDF document", "export the table as CSV (comma-separated, UTF-8)"),
)


def decode(path: Path, data: bytes) -> tuple[bytes, list[str]]:
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
