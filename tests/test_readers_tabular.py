"""CSV/TSV and Excel readers: the real SMM export, encodings, delimiters, quoting, ragged rows, sheets."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import openpyxl.chart
import pandas
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glamupload.errors import InputError
from glamupload.readers import open_export
from glamupload.readers.tabular import column_names

DATA = Path(__file__).parent / "data" / "readers"
SMM = Path(__file__).resolve().parents[1] / "examples" / "smm" / "Exportlista Wikimedia v5-2015-09-07.csv"


# --- the real SMM export -------------------------------------------------------------------------


def test_smm_export_reads_every_record_with_duplicate_columns_kept_apart() -> None:
    reader = open_export(SMM)
    raw_lines = SMM.read_text(encoding="utf-8").splitlines()
    header = raw_lines[0].split("|")

    assert reader.delimiter == "|"
    assert reader.fields == column_names(header)
    assert [f for f in reader.fields if f.startswith("Namn-Tillverkare")] == [
        "Namn-Tillverkare",
        "Namn-Tillverkare.1",
        "Namn-Tillverkare.2",
    ]
    records = list(reader)
    assert len(records) == 597 == len(raw_lines) - 1
    for record in records:
        # The export never quotes, so each physical line split on "|" is the ground truth.
        cells = raw_lines[record.line - 1].split("|")
        expected = {name: cell for name, cell in zip(reader.fields, cells, strict=True) if cell.strip()}
        assert record.fields == expected
        assert record.position == f"line {record.line}"


def test_smm_all_three_manufacturer_values_are_reachable() -> None:
    records = list(open_export(SMM))
    names = ["Namn-Tillverkare", "Namn-Tillverkare.1", "Namn-Tillverkare.2"]
    full = [r for r in records if all(r.get(name) for name in names)]
    assert full, "the SMM export has rows with three manufacturers"
    for record in full:
        raw = SMM.read_text(encoding="utf-8").splitlines()[record.line - 1].split("|")
        assert [record.get(name) for name in names] == raw[10:13]
        assert len(set(raw[10:13])) == 3


def test_smm_quotation_marks_inside_values_are_kept() -> None:
    reader = open_export(SMM)
    assert reader.quoting_problem is not None and reader.quoting_problem.startswith("line ")
    quoted = [r for r in reader if str(r.get("Motiv-beskrivning") or "").startswith('"')]
    assert any(r.get("Motiv-beskrivning") == '"Från provturen."' for r in quoted)


# --- encodings and delimiters --------------------------------------------------------------------


def test_cp1252_semicolon_file_is_detected_and_read() -> None:
    reader = open_export(DATA / "cp1252_semicolon.csv")
    assert reader.encoding == "cp1252"
    assert reader.delimiter == ";"
    assert reader.quoting_problem is None
    assert reader.fields == ["Inventarnr", "Titel", "Konstnär", "Konstnär.1", "Beskrivning"]
    records = list(reader)
    assert [r.line for r in records] == [2, 3, 6]  # the quoted value spans lines 3-4; line 5 is blank
    assert records[1].fields == {
        "Inventarnr": "A 2",
        "Titel": 'Café "Ön"',
        "Konstnär": "Öberg",
        "Konstnär.1": "Åkesson",
        "Beskrivning": "Första raden\nandra raden; med semikolon",
    }
    assert records[2].get("Titel") == "Pris 5 €"
    assert "Konstnär" not in records[2].fields  # empty values are absent


def test_utf8_bom_tsv() -> None:
    reader = open_export(DATA / "utf8_bom.tsv")
    assert reader.delimiter == "\t"
    assert reader.fields == ["id", "title", "creator"]  # no BOM glued to the first name
    records = list(reader)
    assert [r.fields for r in records] == [
        {"id": "1", "title": "Ångbåt", "creator": "Okänd fotograf"},
        {"id": "2", "title": "Brigg"},
    ]


def test_explicit_utf8_also_accepts_a_bom() -> None:
    reader = open_export(DATA / "utf8_bom.tsv", encoding="utf-8")
    assert reader.fields[0] == "id"


def test_wrong_explicit_encoding_names_file_line_byte_and_encoding() -> None:
    path = DATA / "cp1252_semicolon.csv"
    raw = path.read_bytes()
    first_bad = next(i for i, byte in enumerate(raw) if byte >= 0x80)
    with pytest.raises(InputError) as caught:
        list(open_export(path, encoding="utf-8"))
    error = caught.value
    assert error.file == str(path)
    assert error.line == raw[:first_bad].count(b"\n") + 1
    assert f"cannot decode byte {raw[first_bad]:02x} at byte {first_bad}" in error.message
    assert "with encoding utf-8" in error.message
    assert "cp1252" in error.hint
    assert str(error).startswith(f"{path}:{error.line}: cannot decode byte")


def test_undecodable_byte_late_in_the_file_is_located(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    data = b"id,title\n1,ok\n2,also ok\n3,caf\xe9\n"
    path.write_bytes(data)
    offset = data.index(b"\xe9")
    column = offset - data.rindex(b"\n", 0, offset)
    with pytest.raises(InputError) as caught:
        list(open_export(path, encoding="utf-8"))
    assert caught.value.line == 4
    assert f"at byte {offset} (column {column})" in caught.value.message


def test_latin1_is_the_last_resort(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("id,title\n1,Sjö\n".encode("latin-1") + b"2,x\x81y\n")  # 0x81 is undefined in cp1252
    reader = open_export(path)
    assert reader.encoding == "latin-1"
    assert [r.get("title") for r in reader] == ["Sjö", "x\x81y"]


def test_utf16_with_bom_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "utf16.csv"
    path.write_text("id;titel\n1;Sjöstrid\n", encoding="utf-16")
    reader = open_export(path)
    assert reader.encoding == "utf-16"
    assert [r.fields for r in reader] == [{"id": "1", "titel": "Sjöstrid"}]


def test_unknown_encoding_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        open_export(DATA / "utf8_bom.tsv", encoding="klingon")


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        ("rot13", "'rot13' is not a text encoding"),  # codecs.lookup knows it: it was a crash (LookupError)
        ("base64", "'base64' is not a text encoding"),
        ("undefined", "encoding 'undefined' reads nothing"),
        ("utf-16", "cannot be read as utf-16 text (UTF-16 stream does not start with BOM)"),  # UnicodeError
    ],
)
def test_an_encoding_that_cannot_read_the_file_is_an_input_error(
    tmp_path: Path, encoding: str, message: str
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,title\n1,Sjöstrid\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        list(open_export(path, encoding=encoding))
    assert message in caught.value.message and caught.value.file == str(path)


def test_delimiter_option_overrides_sniffing(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a;b,c\n1;2,3\n", encoding="utf-8")
    assert open_export(path).fields == ["a;b", "c"]
    assert open_export(path, delimiter=";").fields == ["a", "b,c"]
    with pytest.raises(InputError, match="delimiter must be one character"):
        open_export(path, delimiter=";;")


# --- malformed rows --------------------------------------------------------------------------------


def test_ragged_row_is_an_error_on_that_row_and_the_rest_are_read(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text((DATA / "ragged.csv").read_text(encoding="utf-8") + "3,Skiff,Cy\n", encoding="utf-8")
    records = list(open_export(path))
    assert [(r.line, r.get("id"), r.problem is None) for r in records] == [
        (2, "1", True),
        (3, "2", False),
        (4, "3", True),
    ]
    bad = records[1]
    assert bad.source == str(path) and bad.fields == {"id": "2", "title": "Boat", "creator": "Bo"}
    assert bad.problem is not None and bad.problem.message == "row has 4 fields but the header has 3"
    assert "delimiter" in (bad.problem.hint or "")


def test_ragged_row_after_a_multiline_value_reports_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text('id,text\n1,"one\ntwo\nthree"\n2,b,c\n', encoding="utf-8")
    assert [r.line for r in open_export(path) if r.problem] == [5]


def test_ragged_row_in_a_file_with_literal_quotes_explains_the_quoting(tmp_path: Path) -> None:
    path = tmp_path / "literal.csv"
    path.write_text('id|text\n1|"Quoted" then more\n2|a|b\n', encoding="utf-8")
    reader = open_export(path)
    assert reader.quoting_problem == "line 2: '|' expected after '\"'"
    [bad] = [r for r in reader if r.problem]
    assert bad.line == 3 and bad.problem is not None
    assert "quotes are read as plain characters" in (bad.problem.hint or "")
    assert "line 2" in (bad.problem.hint or "")


def test_empty_trailing_cells_are_not_ragged(tmp_path: Path) -> None:
    path = tmp_path / "trailing.csv"
    path.write_text("id,title\n1,Ship,\n2,Boat,,\n", encoding="utf-8")
    assert [r.fields for r in open_export(path)] == [
        {"id": "1", "title": "Ship"},
        {"id": "2", "title": "Boat"},
    ]


def test_short_rows_leave_fields_absent(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("id,title,creator\n1,Ship\n", encoding="utf-8")
    assert [r.fields for r in open_export(path)] == [{"id": "1", "title": "Ship"}]


def test_empty_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="no header row"):
        open_export(path)


@pytest.mark.parametrize(
    "header",
    [
        ["a", "a", "a.1", "", "a", "b", ""],
        ["a.1", "a", "a", "a"],
        ["x", "x.1", "x", "x.1", "x"],
        ["Namn", "Namn", "Namn", "Namn.2"],
    ],
)
def test_column_names_follow_pandas(header: list[str]) -> None:
    text = ",".join(header) + "\n" + ",".join("v" * len(header)) + "\n"
    assert column_names(header) == list(pandas.read_csv(io.StringIO(text)).columns)


# --- property: whatever csv.writer writes, we read back, with the right line numbers ---------------

_cell = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(_cell, min_size=3, max_size=3), min_size=1, max_size=12),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
)
def test_round_trip_through_csv_writer(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], delimiter: str
) -> None:
    path = tmp_path_factory.mktemp("csv") / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
        writer.writerow(["id", "title", "note"])
        writer.writerows(rows)

    expected, line = [], 2
    for row in rows:
        fields = {name: cell for name, cell in zip(["id", "title", "note"], row, strict=True) if cell.strip()}
        if fields:
            expected.append((line, fields))
        line += 1 + sum(cell.count("\n") for cell in row)

    reader = open_export(path)
    assert reader.delimiter == delimiter
    assert [(r.line, r.fields) for r in reader] == expected


# --- Excel ----------------------------------------------------------------------------------------


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    intro = book.active
    intro.title = "Read me"
    intro.append(["This workbook lists objects on the next sheet"])
    objects = book.create_sheet("Objects")
    objects.append(["id", "title", "title", None, "date"])
    objects.append([1, "Ship", "Skepp", None, dt.datetime(1912, 5, 1)])
    objects.append([None, None, None, None, None])
    objects.append([2.5, "  ", None, None, dt.datetime(1912, 5, 1, 14, 30)])
    path = tmp_path / "export.xlsx"
    book.save(path)
    return path


def test_excel_sheet_by_name(workbook: Path) -> None:
    reader = open_export(workbook, sheet="Objects")
    assert reader.fields == ["id", "title", "title.1", "Unnamed: 3", "date"]
    records = list(reader)
    assert [(r.line, r.fields) for r in records] == [
        (2, {"id": "1", "title": "Ship", "title.1": "Skepp", "date": "1912-05-01"}),
        (4, {"id": "2.5", "date": "1912-05-01T14:30:00"}),
    ]
    assert records[0].position == "sheet 'Objects' row 2"


def test_excel_dates_keep_the_precision_their_format_shows(tmp_path: Path) -> None:
    """A year typed as a date and shown as ``yyyy`` was "1925-01-01" (day precision in P571 too)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "year", "month", "day", "quoted"])
    sheet.append(
        [
            1,
            dt.datetime(1925, 1, 1),
            dt.datetime(1925, 3, 1),
            dt.datetime(1925, 3, 7),
            dt.datetime(1925, 1, 1),
        ]
    )
    for column, number_format in zip("BCDE", ["yyyy", "mm/yyyy", "dd.mm.yyyy", '"Jahr "yyyy'], strict=True):
        sheet[f"{column}2"].number_format = number_format
    book.save(tmp_path / "dates.xlsx")
    [record] = open_export(tmp_path / "dates.xlsx")
    assert record.fields == {
        "id": "1",
        "year": "1925",
        "month": "1925-03",
        "day": "1925-03-07",
        "quoted": "1925",
    }


def test_excel_sheet_by_index_and_default(workbook: Path) -> None:
    assert open_export(workbook, sheet=1).sheet == "Objects"
    assert open_export(workbook, sheet="1").sheet == "Objects"
    assert open_export(workbook).sheet == "Read me"


def test_excel_unknown_sheet_lists_the_sheets(workbook: Path) -> None:
    with pytest.raises(InputError) as caught:
        open_export(workbook, sheet="Objekt")
    assert caught.value.message == "no sheet 'Objekt' in the workbook; it has 0: 'Read me', 1: 'Objects'"
    with pytest.raises(InputError, match="no sheet '²'"):  # a digit int() cannot read: it was a crash
        open_export(workbook, sheet="²")


def test_a_chart_sheet_is_no_table_of_rows(tmp_path: Path) -> None:
    """A workbook whose first tab is a chart (a summary chart before the data) crashed the reader
    ('Chartsheet' object has no attribute 'iter_rows'); the first worksheet is read by default."""
    book = openpyxl.Workbook()
    data = book.active
    data.title = "Data"
    data.append(["id", "title"])
    data.append(["A-1", "Ship"])
    chart = openpyxl.chart.BarChart()
    chart.add_data(openpyxl.chart.Reference(data, min_col=1, min_row=1, max_row=2))
    book.create_chartsheet("Chart", 0).add_chart(chart)
    path = tmp_path / "charts.xlsx"
    book.save(path)
    reader = open_export(path)
    assert reader.sheet == "Data" and [r.fields for r in reader] == [{"id": "A-1", "title": "Ship"}]
    for sheet in ("Chart", 0, "0"):
        with pytest.raises(InputError) as caught:
            open_export(path, sheet=sheet)
        assert caught.value.message == "sheet 'Chart' is a chart, not rows; the worksheets are 1: 'Data'"
    assert open_export(path, sheet=1).sheet == "Data"
    only_charts = openpyxl.Workbook()
    only_charts.create_chartsheet("Chart").add_chart(openpyxl.chart.BarChart())
    only_charts.remove(only_charts.active)
    only_charts.save(tmp_path / "only.xlsx")
    with pytest.raises(InputError, match=r"the workbook has no worksheets \(only charts\)"):
        open_export(tmp_path / "only.xlsx")


def _damaged(workbook: Path, member: str, cut: Callable[[bytes], bytes] | None) -> Path:
    """A copy of ``workbook`` with the zip members ``member`` begins cut (``cut``) or left out (None)."""
    path = workbook.with_name("damaged.xlsx")
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(path, "w") as out:
        for name in source.namelist():
            if not name.startswith(member):
                out.writestr(name, source.read(name))
            elif cut is not None:
                out.writestr(name, cut(source.read(name)))
    return path


@pytest.mark.parametrize(
    ("member", "cut", "message", "line"),
    [  # each was a crash: openpyxl raises what its XML parser meets, and an IndexError for no sheet
        ("xl/styles.xml", lambda data: data[:12], "not a readable .xlsx workbook: Couldn't find end", None),
        ("[Content_Types].xml", lambda data: data[:6], "not a readable .xlsx workbook", None),
        (
            "xl/worksheets/sheet2.xml",
            lambda data: data[: data.index(b'<row r="2"') + 30],
            "breaks off after row 1",
            2,
        ),
        (
            "xl/worksheets/sheet2.xml",
            lambda data: data[: data.index(b'<row r="1"') + 30],
            "in its first row",
            1,
        ),
        ("xl/worksheets/sheet", None, "the workbook has no worksheets", None),
    ],
)
def test_a_damaged_workbook_is_an_input_error_naming_it(
    workbook: Path, member: str, cut: Callable[[bytes], bytes] | None, message: str, line: int | None
) -> None:
    path = _damaged(workbook, member, cut)
    sheet = "Objects" if "sheet2" in member else None
    with pytest.raises(InputError) as caught:
        list(open_export(path, sheet=sheet))
    assert message in caught.value.message and caught.value.file == str(path) and caught.value.line == line


def test_excel_values_beyond_the_header_are_an_error(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["id", "title"])
    book.active.append([1, "Ship", "stray"])
    book.active.append([2, "Boat"])
    path = tmp_path / "ragged.xlsx"
    book.save(path)
    first, second = open_export(path)
    assert first.line == 2 and first.fields == {"id": "1", "title": "Ship"}
    assert first.problem is not None and "beyond the last named column" in first.problem.message
    assert second.problem is None and second.get("title") == "Boat"


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("id,title\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"not a readable \.xlsx workbook"):
        open_export(path)


def test_header_cells_without_a_name_are_an_export_note(tmp_path: Path) -> None:
    """A merged header cell over Artist and Date left the second cell empty: the columns were read as
    'Creation' and 'Unnamed: 3' with no word, and the crosswalk's Artist and Date were not there."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "title", "Creation", None, "image"])
    sheet.merge_cells("C1:D1")
    sheet.append(["R1", "Harbour", "Berg, Anna", "1900", "a.jpg"])
    workbook = tmp_path / "export.xlsx"
    book.save(workbook)
    (note,) = open_export(workbook).notes
    assert "1 column of the header has no name, read as 'Unnamed: 3'" in note and "merged header" in note
    export = tmp_path / "export.csv"
    export.write_text("id,,title,\nR1,a,b,c\n", encoding="utf-8")
    (note,) = open_export(export).notes
    assert "2 columns of the header have no name, read as 'Unnamed: 1', 'Unnamed: 3'" in note
    named = tmp_path / "named.csv"
    named.write_text("id,title\nR1,b\n", encoding="utf-8")
    assert open_export(named).notes == []
