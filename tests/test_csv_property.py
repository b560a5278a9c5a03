"""Property of the CSV layer (issue 13): whatever stray quotes, trailing delimiters, NUL
bytes, CRLF line endings and byte-order marks an export holds, every record of the file
is loaded or quarantined (records in the file = len(frame) + len(malformed)), and no
row's text ends up inside another row's cell."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perp_graph.pipeline.extract import LINE, read_table
from tests.hypothesis_profiles import examples

HEADER = ["incident_id", "occurred_on", "offence_category", "summary"]
ID = re.compile(r"ID\d{4}Z")


def one_reading(cell: str) -> str:
    """A value over several lines that has one reading: no comma after a line break (a
    line of such a value that is, on its own, a record of the file's shape cannot be
    told from one), and a letter just before the first line break (a value whose first
    line is empty or ends with a comma or quote, after a stray quote in the same column,
    makes two readings of equal shape). Real summaries seldom hold either."""
    first, *rest = re.split(r"(\r\n|\r|\n)", cell, maxsplit=1)
    if rest:
        first += "a"
    return first + "".join(rest).replace(",", ";")


#: Cell text: separators, quotes, line breaks, look-alike spaces; never an id's letters.
CELL = st.text(alphabet=list('abcxyz ,"\n\r;-é\u00a0\u200b'), max_size=12).map(one_reading)
#: The text after a stray quote: a quote before a comma or a line's end closes a value.
PLAIN = st.text(alphabet=list("abcxyz-é"), min_size=1, max_size=8)


def quote(cell: str, quote_all: bool) -> str:
    if quote_all or any(c in cell for c in ',"\n\r') or cell != cell.strip():
        return '"' + cell.replace('"', '""') + '"'
    return cell


@st.composite
def export(draw):
    """(file bytes, ids in order, each id's first line, ids of rows left intact, ids of
    rows with a stray quote)."""
    n = draw(st.integers(1, 12))
    quote_all = draw(st.booleans())
    trailing = draw(st.sampled_from(["none", "rows", "rows and header", "header"]))
    crlf = draw(st.booleans())
    bom = draw(st.booleans())
    newline = "\r\n" if crlf else "\n"
    header = ",".join(HEADER) + ("," if trailing in ("header", "rows and header") else "")
    lines = [header]
    ids, first_lines, intact, strays = [], [], [], []
    line = 2
    for i in range(n):
        row_id = f"ID{i:04d}Z"
        cells = [draw(CELL) for _ in HEADER[1:]]
        texts = [row_id, *(quote(c, quote_all) for c in cells)]
        damage = draw(st.sampled_from(["none", "none", "stray quote", "nul"]))
        if damage == "stray quote":  # an opening quote that is never closed
            # The row's other cells hold no quote or line break: quoted values in the same
            # row pair their quotes with the stray one and make other records of the row
            # (a reading as valid as the row: no count of "rows written" can say which).
            at = draw(st.integers(1, len(HEADER) - 1))
            texts[1:] = [draw(PLAIN) for _ in texts[1:]]
            texts[at] = '"' + texts[at]
            strays.append(row_id)
        elif damage == "nul":
            at = draw(st.integers(0, len(HEADER) - 1))
            texts[at] = texts[at][:1] + "\x00" + texts[at][1:]
        text = ",".join(texts) + ("," if trailing in ("rows", "rows and header") else "")
        ids.append(row_id)
        first_lines.append(line)
        if damage == "none":
            intact.append(row_id)
        # Physical lines: LF, CRLF and a lone CR each end one (as the parsers count them).
        line += len(re.findall(r"\r\n|\r|\n", text)) + 1
        lines.append(text)
    data = (newline.join(lines) + newline).encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    return data, ids, first_lines, intact, strays


@settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=export())
def test_every_record_is_loaded_or_quarantined_and_no_row_lands_in_another(case, tmp_path):
    data, ids, first_lines, intact, strays = case
    path = tmp_path / "incidents.csv"
    path.write_bytes(data)
    raw = read_table("incidents", path)

    # Records in the file = loaded + quarantined, counted from what was written.
    assert raw.rows_read == len(ids) == len(raw.frame) + len(raw.malformed)
    assert sorted([*raw.frame[LINE], *raw.malformed[LINE]]) == first_lines

    # No row's text inside another row's cell.
    for row in raw.frame.to_dict("records"):
        own = row["incident_id"]
        for column, cell in row.items():
            if column != LINE:
                assert set(ID.findall(str(cell))) <= {own}, (own, column, cell)
    for line, text in zip(raw.malformed[LINE], raw.malformed["raw"], strict=True):
        assert ID.findall(text.replace("\x00", "")) == [ids[first_lines.index(line)]], (line, text)

    # Every row written intact is loaded, as its own row, at its own line.
    loaded = dict(zip(raw.frame["incident_id"], raw.frame[LINE], strict=True))
    for row_id in intact:
        assert loaded.get(row_id) == first_lines[ids.index(row_id)], row_id
    # A row with a stray quote is quarantined with the reason.
    reasons = dict(zip(raw.malformed[LINE], raw.malformed["reason"], strict=True))
    for row_id in strays:
        assert "unclosed quote" in reasons[first_lines[ids.index(row_id)]], row_id
