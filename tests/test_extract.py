"""The CSV layer (issue 13; data contract 1 and 1.6): every physical record of a file is
loaded or quarantined with its line and reason, and encodings and stray bytes are
diagnosed as what they are. One test per clause, named after it."""

from __future__ import annotations

import pandas as pd
import pytest

from perp_graph.errors import InputFileError
from perp_graph.pipeline import extract
from perp_graph.pipeline.extract import LINE, read_table

INCIDENTS = "incident_id,occurred_on,offence_category,risk_level,neighbourhood,summary"
I002 = "I002,2023-09-14,threats_to_kill,high,Riverside,Threats made by phone"
I003 = "I003,2023-10-01,harassment,standard,Riverside,Texts"


def read(tmp_path, data: bytes | str, name: str = "incidents"):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return read_table(name, path)


def refused(tmp_path, data: bytes | str, name: str = "incidents") -> InputFileError:
    with pytest.raises(InputFileError) as caught:
        read(tmp_path, data, name)
    return caught.value


def ids(raw) -> list[str]:
    return list(raw.frame["incident_id"])


def lines(raw) -> dict[str, int]:
    return dict(zip(raw.frame["incident_id"], raw.frame[LINE], strict=True))


def quarantined(raw) -> dict[int, str]:
    return dict(zip(raw.malformed[LINE], raw.malformed["reason"], strict=True))


def accounted(raw, records: int) -> None:
    assert raw.rows_read == records == len(raw.frame) + len(raw.malformed)


# --- every physical record accounted for ---------------------------------------------


def test_issue_example_2_an_unclosed_quote_is_quarantined_and_the_records_after_it_load(
    tmp_path,
):
    raw = read(
        tmp_path,
        f"{INCIDENTS}\n"
        "I001,2022-05-10,violence_with_injury,medium,Northgate,"
        '"Caller reports partner shouting, knife in hand\n'
        f"{I002}\n{I003}\n",
    )
    assert ids(raw) == ["I002", "I003"]
    assert lines(raw) == {"I002": 3, "I003": 4}
    assert quarantined(raw) == {2: "unclosed quote: the quote opened on line 2 is never closed"}
    assert raw.malformed["raw"][0].startswith("I001,2022-05-10")
    assert "I002" not in raw.malformed["raw"][0]
    accounted(raw, 3)


def test_issue_example_2_through_the_load_counts_every_record(tmp_path):
    from perp_graph.pipeline.load import load_folder
    from perp_graph.settings import Settings
    from perp_graph.store.embedded import EmbeddedStore
    from tests.records import Records

    r = Records()
    r.abuse("I002", "2023-09-14", "P002", "V002")
    r.abuse("I003", "2023-10-01", "P002", "V003")
    data = r.write(tmp_path / "data")
    (data / "incidents.csv").write_text(
        f"{INCIDENTS}\n"
        "I001,2022-05-10,violence_with_injury,medium,Northgate,"
        '"Caller reports partner shouting, knife in hand\n'
        f"{I002}\n{I003}\n"
    )
    store = EmbeddedStore(tmp_path / "ws")
    report = load_folder(data, store, Settings(workspace=tmp_path / "ws"))
    incidents = next(f for f in report.files if f.file == "incidents.csv")
    assert (incidents.read, incidents.loaded, incidents.quarantined) == (3, 2, 1)
    assert store.counts()["incidents"] == 2


def test_an_unclosed_quote_in_a_file_that_quotes_every_value(tmp_path):
    raw = read(
        tmp_path,
        '"incident_id","occurred_on","offence_category","summary"\n'
        '"I001","2022-05-10","threats","Caller said\n'
        '"I002","2023-09-14","threats","Texts"\n'
        '"I003","2023-10-01","threats","Calls"\n',
    )
    assert ids(raw) == ["I002", "I003"]
    assert quarantined(raw) == {
        2: "unclosed quote: the quote opened on line 2 runs into line 3, "
        "which is a record of its own"
    }
    accounted(raw, 3)


def test_a_stray_quote_closed_several_lines_later_takes_only_its_own_line(tmp_path):
    raw = read(
        tmp_path,
        f"{INCIDENTS}\n"
        'I001,2022-05-10,threats,high,Northgate,"He said\n'
        f"{I002}\n{I003}\n"
        'I004,2023-11-01,threats,high,Northgate,Shouted "go away"\n'
        "I005,2023-12-01,threats,high,Northgate,Calls\n",
    )
    assert ids(raw) == ["I002", "I003", "I004", "I005"]
    assert lines(raw) == {"I002": 3, "I003": 4, "I004": 5, "I005": 6}
    assert raw.frame.set_index("incident_id").loc["I004", "summary"] == 'Shouted "go away"'
    assert list(quarantined(raw)) == [2]
    assert quarantined(raw)[2].startswith("unclosed quote: the quote opened on line 2")
    accounted(raw, 5)


def test_two_stray_quotes_in_a_row_are_two_quarantined_records(tmp_path):
    raw = read(
        tmp_path,
        f"{INCIDENTS}\n"
        'I001,2022-05-10,threats,high,Northgate,"one\n'
        'I002,2022-05-11,threats,high,Northgate,"two\n'
        f"{I003}\n",
    )
    assert ids(raw) == ["I003"]
    assert list(quarantined(raw)) == [2, 3]
    accounted(raw, 3)


def test_a_stray_quote_before_a_legit_multi_line_value_in_the_same_column(tmp_path):
    raw = read(
        tmp_path,
        f"{INCIDENTS}\n"
        'I001,2022-05-10,threats,high,Northgate,"stray\n'
        'I002,2022-05-11,threats,high,Northgate,"first line\n'
        'second line"\n'
        f"{I003}\n",
    )
    assert ids(raw) == ["I002", "I003"]
    assert raw.frame["summary"][0] == "first line\nsecond line"
    assert lines(raw) == {"I002": 3, "I003": 5}
    assert list(quarantined(raw)) == [2]
    accounted(raw, 3)


def test_a_bare_quote_inside_an_unquoted_value_is_text_not_a_stray_quote(tmp_path):
    raw = read(tmp_path, f'{INCIDENTS}\nI001,2022-05-10,threats,high,N,He is 6" tall\n{I002}\n')
    assert ids(raw) == ["I001", "I002"]
    assert raw.frame["summary"][0] == 'He is 6" tall'
    accounted(raw, 2)


def test_escaped_quotes_inside_a_quoted_value(tmp_path):
    raw = read(tmp_path, f'{INCIDENTS}\nI001,2022-05-10,threats,high,N,"He said ""no"", twice"\n')
    assert raw.frame["summary"][0] == 'He said "no", twice'


def test_a_legit_multi_line_summary_stays_one_record_with_its_first_line(tmp_path):
    raw = read(
        tmp_path,
        f"{INCIDENTS}\n"
        'I001,2022-05-10,threats,high,Northgate,"Caller reports shouting,\n'
        "then a second call,\n"
        'then a third"\n'
        f"{I002}\n",
    )
    assert ids(raw) == ["I001", "I002"]
    assert raw.frame["summary"][0] == (
        "Caller reports shouting,\nthen a second call,\nthen a third"
    )
    assert lines(raw) == {"I001": 2, "I002": 5}
    assert raw.notes == ["1 record spans several lines (quoted line breaks)"]
    accounted(raw, 2)


def test_a_row_with_too_many_fields_is_quarantined(tmp_path):
    raw = read(tmp_path, f"{INCIDENTS}\n{I002},extra\n{I003}\n")
    assert ids(raw) == ["I003"]
    assert quarantined(raw) == {2: "expected 6 fields, found 7 (quote values that contain commas)"}
    assert raw.malformed["raw"][0] == f"{I002},extra"
    accounted(raw, 2)


def test_a_row_with_too_few_fields_is_quarantined(tmp_path):
    raw = read(tmp_path, f"{INCIDENTS}\n{I002}\nI003,2023-10-01\n")
    assert ids(raw) == ["I002"]
    assert quarantined(raw) == {3: "expected 6 fields, found 2"}
    accounted(raw, 2)


def test_a_trailing_comma_on_every_row_and_the_header_is_dropped(tmp_path):
    raw = read(tmp_path, f"{INCIDENTS},\n{I002},\n{I003},\n")
    assert ids(raw) == ["I002", "I003"]
    assert raw.malformed.empty
    assert raw.extra_columns == []
    assert raw.notes == [
        "the header and every row ended with a trailing comma; the empty last field was dropped"
    ]
    accounted(raw, 2)


def test_a_trailing_comma_on_every_row_but_not_the_header_is_dropped(tmp_path):
    raw = read(tmp_path, f"{INCIDENTS}\n{I002},\n{I003},\n")
    assert ids(raw) == ["I002", "I003"]
    assert list(raw.frame["summary"]) == ["Threats made by phone", "Texts"]
    assert raw.malformed.empty
    assert raw.notes == ["every row ended with a trailing comma; the empty last field was dropped"]


def test_a_trailing_comma_on_the_header_only_is_dropped(tmp_path):
    raw = read(tmp_path, f"{INCIDENTS},\n{I002}\n{I003}\n")
    assert ids(raw) == ["I002", "I003"]
    assert raw.notes == [
        "the header ended with a trailing comma; the empty last column name was dropped"
    ]


def test_trailing_commas_on_most_rows_keep_a_row_without_one(tmp_path):
    raw = read(tmp_path, f"{INCIDENTS},\n{I002},\n{I003}\nI004,2023,x,y,z,w,\n")
    assert ids(raw) == ["I002", "I003", "I004"]
    assert lines(raw) == {"I002": 2, "I003": 3, "I004": 4}
    assert raw.malformed.empty


def test_a_last_column_that_is_blank_on_every_row_is_not_a_trailing_delimiter(tmp_path):
    raw = read(tmp_path, f"{INCIDENTS}\nI002,2023-09-14,threats,high,Riverside,\n")
    assert ids(raw) == ["I002"]
    assert raw.notes == []


@pytest.mark.parametrize("where", ["first row", "middle row", "last row"])
def test_a_nul_byte_quarantines_its_record_wherever_it_is(tmp_path, where):
    rows = [f"I00{i},2023-01-0{i},threats,high,Northgate,Texts" for i in range(1, 6)]
    at = {"first row": 0, "middle row": 2, "last row": 4}[where]
    rows[at] = rows[at].replace("Texts", "Te\x00xts")
    raw = read(tmp_path, "\n".join([INCIDENTS, *rows]) + "\n")
    assert quarantined(raw) == {at + 2: "holds a NUL byte (\\x00) in column 'summary'"}
    assert len(raw.frame) == 4
    accounted(raw, 5)


def test_a_nul_byte_far_into_a_big_file_is_treated_as_one_near_the_start(tmp_path):
    rows = [f"I{i:06d},2023-01-01,threats,high,Northgate,Texts" for i in range(5000)]
    rows[-1] = rows[-1].replace("Northgate", "North\x00gate")
    raw = read(tmp_path, "\n".join([INCIDENTS, *rows]) + "\n")
    assert quarantined(raw) == {5001: "holds a NUL byte (\\x00) in column 'neighbourhood'"}
    accounted(raw, 5000)


def test_a_nul_byte_in_the_header_refuses_the_file(tmp_path):
    error = refused(tmp_path, f"\x00{INCIDENTS}\n{I002}\n")
    assert error.line == 1
    assert "header row holds a NUL byte" in str(error)


def test_crlf_line_endings(tmp_path):
    raw = read(
        tmp_path,
        f'{INCIDENTS}\r\n{I002}\r\nI004,2023-11-01,threats,high,N,"two\r\nlines"\r\n{I003}\r\n',
    )
    assert ids(raw) == ["I002", "I004", "I003"]
    assert lines(raw) == {"I002": 2, "I004": 3, "I003": 5}
    assert not any(raw.frame[c].str.endswith("\r").any() for c in raw.frame if c != LINE)
    assert raw.frame["summary"][1] == "two\r\nlines"


def test_lone_cr_line_endings(tmp_path):
    raw = read(tmp_path, f"{INCIDENTS}\r{I002}\r{I003}\r")
    assert ids(raw) == ["I002", "I003"]
    assert lines(raw) == {"I002": 2, "I003": 3}


def test_a_utf8_bom_is_tolerated(tmp_path):
    raw = read(tmp_path, b"\xef\xbb\xbf" + f"{INCIDENTS}\n{I002}\n".encode())
    assert ids(raw) == ["I002"]
    assert raw.notes == []


def test_blank_lines_are_not_records(tmp_path):
    raw = read(tmp_path, f"{INCIDENTS}\n{I002}\n\n\r\n{I003}\n\n")
    assert ids(raw) == ["I002", "I003"]
    assert lines(raw) == {"I002": 2, "I003": 5}
    assert raw.notes == ["3 blank lines skipped"]
    accounted(raw, 2)


def test_a_file_with_a_header_and_no_records(tmp_path):
    raw = read(tmp_path, f"{INCIDENTS}\n")
    assert raw.rows_read == 0 and raw.frame.empty and LINE in raw.frame


def test_a_file_with_no_header_is_empty(tmp_path):
    error = refused(tmp_path, "\n\n")
    assert "is empty" in str(error)


def test_a_header_whose_quote_never_closes_refuses_the_file(tmp_path):
    error = refused(tmp_path, f'"incident_id,occurred_on\n{I002}\n')
    assert error.line == 1
    assert "header row opens a quote that is never closed" in str(error)


def test_the_parser_disagreeing_with_the_split_refuses_the_file(tmp_path, monkeypatch):
    real = extract.pacsv.read_csv

    def one_row_short(*args, **kwargs):
        return real(*args, **kwargs).slice(1)

    monkeypatch.setattr(extract.pacsv, "read_csv", one_row_short)
    error = refused(tmp_path, f"{INCIDENTS}\n{I002}\n{I003}\n")
    assert "cannot be split into records reliably" in str(error)
    assert "parser read 1 records where the file's quoting gives 2" in str(error)


# --- encodings and stray bytes -----------------------------------------------------


@pytest.mark.parametrize(("codec", "label"), [("utf-16-le", "LE"), ("utf-16-be", "BE")])
def test_issue_example_4_utf16_with_a_bom_is_read(tmp_path, codec, label):
    bom = b"\xff\xfe" if label == "LE" else b"\xfe\xff"
    text = "person_id,surname,forenames\nP001,Brambleton,Anwen\nP002,Ćoldharbour,Tamsin\n"
    raw = read(tmp_path, bom + text.encode(codec), "people")
    assert list(raw.frame["person_id"]) == ["P001", "P002"]
    assert raw.frame["surname"][1] == "Ćoldharbour"
    assert raw.notes == [f"decoded from UTF-16 {label} (byte-order mark)"]


def test_utf16_without_a_bom_is_recognised_by_its_nul_bytes(tmp_path):
    text = "person_id,surname,forenames\nP001,Brambleton,Anwen\n"
    raw = read(tmp_path, text.encode("utf-16-le"), "people")
    assert list(raw.frame["person_id"]) == ["P001"]
    assert raw.notes == ["decoded from UTF-16 LE (no byte-order mark; recognised by its NUL bytes)"]


def test_excel_unicode_text_utf16_tab_separated_is_refused_with_the_fix(tmp_path):
    text = "person_id\tsurname\tforenames\r\nP001\tBrambleton\tAnwen\r\n"
    error = refused(tmp_path, b"\xff\xfe" + text.encode("utf-16-le"), "people")
    assert "tab-separated UTF-16 text (Excel's 'Unicode Text'), not CSV" in str(error)
    assert "CSV UTF-8" in error.fix


def test_windows_1252_is_refused_naming_the_line_and_the_encoding(tmp_path):
    text = "person_id,surname,forenames\nP001,Brambleton,Anwen\nP002,Müller – Smith,Zoë\n"
    error = refused(tmp_path, text.encode("cp1252"), "people")
    assert error.line == 3
    assert "is not UTF-8" in error.problem and "WINDOWS-1252" in error.problem
    assert "iconv -f WINDOWS-1252 -t UTF-8" in error.fix
    assert "Müller" not in str(error)


@pytest.mark.parametrize(
    ("signature", "what"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "an Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "an Excel 97-2003 workbook (.xls)"),
    ],
)
def test_an_excel_workbook_is_named_as_one(tmp_path, signature, what):
    error = refused(tmp_path, signature + b"\x00" * 64)
    assert what in error.problem
    assert "CSV UTF-8" in error.fix


def test_random_binary_is_a_binary_file(tmp_path):
    error = refused(tmp_path, bytes(range(256)) * 4)
    assert "is a binary file, not CSV text" in str(error)


@pytest.mark.parametrize("invisible", ["\ufeff", "\u200b", "\u00a0 "])
def test_an_invisible_character_before_a_header_name_does_not_hide_the_column(tmp_path, invisible):
    raw = read(tmp_path, f"{invisible}person_id,surname,forenames\nP001,B,A\n", "people")
    assert list(raw.frame["person_id"]) == ["P001"]


def test_an_invisible_character_inside_a_required_name_is_shown_escaped(tmp_path):
    error = refused(tmp_path, "person\u200b_id,surname,forenames\nP001,B,A\n", "people")
    assert error.column == "person_id"
    assert "person\\u200b_id" in error.fix
    assert "\u200b" not in str(error)


def test_cells_are_trimmed_of_unicode_whitespace_and_zero_width_characters(tmp_path):
    raw = read(
        tmp_path,
        "person_id,surname,forenames\n\u200bP001\u00a0, Brambleton\u2003,Anwen\n",
        "people",
    )
    assert raw.frame.iloc[0][["person_id", "surname", "forenames"]].tolist() == [
        "P001",
        "Brambleton",
        "Anwen",
    ]


def test_null_tokens_are_left_for_validation(tmp_path):
    raw = read(tmp_path, "person_id,surname,forenames,pnc_id\nP001,B,A,NULL\n", "people")
    assert raw.frame["pnc_id"][0] == "NULL"


def test_the_frame_keeps_the_interface_the_pipeline_uses(tmp_path):
    raw = read(tmp_path, "person_id,Surname,forenames,Notes\nP001,B,A,n\n", "people")
    assert raw.extra_columns == ["Notes"]
    assert raw.frame.columns[-1] == LINE
    assert {"date_of_birth", "home_postcode", "Notes", "surname"} <= set(raw.frame.columns)
    assert raw.frame["date_of_birth"][0] == ""
    assert list(raw.malformed.columns) == [LINE, "reason", "raw"]
    assert isinstance(raw.notes, list)
    assert pd.api.types.is_integer_dtype(raw.frame[LINE])
