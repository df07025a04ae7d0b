"""Reading uploaded spreadsheets as rows of text, and refusing hostile ones.

Every file is made here: CSVs in the shapes of two real data sets (OVD-Info's
detentions, Russian with English columns; the Syrian Archive's chemical-weapons
incidents, Arabic, with placeholder and blank headers), workbooks with XlsxWriter, and
ODS files written by hand (mimetype, content.xml, manifest), as hostile as needed.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import pickle
import zipfile
from collections.abc import Callable

import pytest
import xlsxwriter
from django.utils import translation

from haven.imports.readers import FileRefused, Limits, Table, open_table

OVDINFO = [
    ["Id", "date", "agreement", "agreement_eng", "event_type", "event_type_eng", "subject",
     "description", "place", "number_of_detentions"],
    ["1", "04.12.2011", "не согласовано", "Unauthorised", "митинг", "Rally", "За честные выборы",
     'Сход "Народ против незаконных выборов!"', "Триумфальная площадь, площадь Революции", "198"],
    ["2", "05.12.2011", "согласовано", "Authorised", "митинг", "Rally", "За честные выборы",
     "Митинг по поводу фальсификаций на выборах;\nзадержания у Лубянки", "Чистые пруды", "300"],
    ["3", "06.12.2011", "не согласовано", "Unauthorised", "шествие", "March", "«Ёлки» у ЦИК",
     "Задержаны журналисты | фотографы", "Триумфальная площадь", "569"],
]  # fmt: skip
SYRIAN_ARCHIVE = [
    ["unique_event_ID", "location_name", "location_name_ar", "date_time", "number_1: *RENAME*",
     "number_2: *RENAME*", "Column", "Column2"],
    ["CW_1001", "Ayn Tarma", "عين ترما", "08/21/13 12:00 AM", "", "", "", ""],
    ["CW_1002", "Zamalka", "زملكا", "08/21/13 02:00 AM", "", "", "", "حالات تشنج"],
]  # fmt: skip
LATIN = [
    ["name", "city", "note"],
    ["José Müller", "Köln", "Straße gesperrt, Festnahme vor dem Gebäude"],
    ["Françoise Lefèvre", "Orléans", "arrêtée à côté de la préfecture; libérée le soir"],
    ["Zoë Brûlé", "Genève", "témoin, déclaration reçue | à vérifier"],
]
RUSSIAN_PROSE = (
    "Сотрудники полиции задержали двоих молодых людей в апреле, удерживали их несколько "
    "дней и требовали назвать знакомых. Правозащитники помогли им уехать в другой регион."
)
FRENCH_PROSE = (
    "Les deux jeunes hommes ont été arrêtés en avril, détenus plusieurs jours et interrogés "
    "sur leurs proches. L'association les a aidés à quitter la région; leur sécurité reste "
    "menacée."
)
GERMAN_PROSE = (
    "Die beiden jungen Männer wurden im April festgenommen, mehrere Tage festgehalten und "
    "über ihre Bekannten befragt. Später mussten sie die Region verlassen; ihre Familien "
    "drohten ihnen öffentlich."
)


def csv_bytes(
    rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",", bom: bytes = b""
) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return bom + text.getvalue().encode(encoding)


def read(data: bytes, **options) -> tuple[Table, list[list[str]]]:
    table = open_table(data, **options)
    return table, list(table.rows())


def refusal(data: bytes, **options) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        open_table(data, **options)
    return caught.value


def xlsx(build: Callable[[xlsxwriter.Workbook], None]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    build(workbook)
    workbook.close()
    return buffer.getvalue()


def rewritten(data: bytes, changes=None, extra=()) -> bytes:
    """The ZIP ``data`` with some members' bytes changed and others added."""
    changes = changes or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            body = source.read(info)
            if info.filename in changes:
                body = changes[info.filename](body)
            target.writestr(info.filename, body)
        for name, body in extra:
            target.writestr(name, body)
    return out.getvalue()


def simple_sheet(workbook, rows=(("name", "n"), ("Ayn Tarma", 1))) -> None:
    sheet = workbook.add_worksheet("Data")
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)


ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def ods(sheets: list[tuple[str, str]], *, prolog: str = "", mimetype: str = "spreadsheet") -> bytes:
    """A minimal ODS file: ``sheets`` are (name, rows XML) pairs."""
    tables = "".join(
        f'<table:table table:name="{name}">{rows}</table:table>' for name, rows in sheets
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f'<office:document-content {ODS_NAMESPACES} office:version="1.2"><office:body>'
        f"<office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(  # first and stored, as the standard asks
            zipfile.ZipInfo("mimetype"), f"application/vnd.oasis.opendocument.{mimetype}"
        )
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
    return buffer.getvalue()


def row(*cells: str, repeated: int = 0) -> str:
    repeat = f' table:number-rows-repeated="{repeated}"' if repeated else ""
    return f"<table:table-row{repeat}>{''.join(cells)}</table:table-row>"


def text(value: str, repeated: int = 0) -> str:
    repeat = f' table:number-columns-repeated="{repeated}"' if repeated else ""
    return (
        f'<table:table-cell office:value-type="string"{repeat}><text:p>{value}</text:p>'
        "</table:table-cell>"
    )


def number(value, repeated: int = 0) -> str:
    repeat = f' table:number-columns-repeated="{repeated}"' if repeated else ""
    return (
        f'<table:table-cell office:value-type="float" office:value="{value}"{repeat}>'
        f"<text:p>{value}</text:p></table:table-cell>"
    )


def date(value: str) -> str:
    return (
        f'<table:table-cell office:value-type="date" office:date-value="{value}">'
        f"<text:p>{value}</text:p></table:table-cell>"
    )


def boolean(value: str) -> str:
    return (
        f'<table:table-cell office:value-type="boolean" office:boolean-value="{value}">'
        f"<text:p>{value}</text:p></table:table-cell>"
    )


EMPTY = "<table:table-cell/>"


# --- CSV: encodings, delimiters, shapes ----------------------------------------------------


def test_a_csv_in_the_shape_of_ovdinfo_reads_as_text_rows():
    data = csv_bytes(OVDINFO)
    table, rows = read(data, name="ovdinfo_detentions_2011-2012.csv")
    assert (table.format, table.encoding, table.delimiter) == ("csv", "utf-8", ",")
    assert table.columns == OVDINFO[0]
    assert rows == OVDINFO[1:]
    assert table.row_count == 3
    assert table.first_row == 2
    assert table.sheets == [] and table.sheet is None
    assert table.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("rows", "encoding", "bom", "detected"),
    [
        (OVDINFO, "utf-8", b"", "utf-8"),
        (OVDINFO, "utf-8", codecs.BOM_UTF8, "utf-8"),
        (SYRIAN_ARCHIVE, "utf-8", codecs.BOM_UTF8, "utf-8"),
        (OVDINFO, "cp1251", b"", "cp1251"),
        (LATIN, "cp1252", b"", "cp1252"),
        (OVDINFO, "utf-16-le", codecs.BOM_UTF16_LE, "utf-16-le"),
        (SYRIAN_ARCHIVE, "utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be"),
        (SYRIAN_ARCHIVE, "utf-16-le", b"", "utf-16-le"),
        (OVDINFO, "utf-16-be", b"", "utf-16-be"),
    ],
)
def test_each_encoding_is_detected(rows, encoding, bom, detected):
    table, read_rows = read(csv_bytes(rows, encoding, bom=bom))
    assert table.encoding == detected
    assert table.columns == rows[0]  # a byte-order mark does not stick to the first name
    assert read_rows == rows[1:]


@pytest.mark.parametrize(
    ("prose", "code_page"),
    [(RUSSIAN_PROSE, "cp1251"), (FRENCH_PROSE, "cp1252"), (GERMAN_PROSE, "cp1252")],
)
def test_cp1251_and_cp1252_are_told_apart_by_their_words(prose, code_page):
    rows = [["id", "text"], *([str(n), sentence] for n, sentence in enumerate(prose.split(". ")))]
    table, read_rows = read(csv_bytes(rows, code_page))
    assert table.encoding == code_page
    assert read_rows == rows[1:]


def test_the_encoding_can_be_overridden():
    data = csv_bytes(OVDINFO, "cp1251")
    table, rows = read(data, encoding="koi8-r")
    assert table.encoding == "koi8-r"
    assert rows[0][2] != "не согласовано"  # read as asked, mojibake and all
    table, rows = read(csv_bytes(OVDINFO, "utf-16-be"), encoding="UTF-16")
    assert table.encoding == "utf-16-be"  # UTF-16 in the file's own byte order
    assert rows == OVDINFO[1:]


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_the_delimiter_is_detected(delimiter):
    table, rows = read(csv_bytes(OVDINFO, delimiter=delimiter))
    assert table.delimiter == delimiter
    assert table.columns == OVDINFO[0]
    assert rows == OVDINFO[1:]


def test_the_delimiter_can_be_overridden():
    data = csv_bytes(LATIN, delimiter=";")
    table, rows = read(data, delimiter=",")
    assert table.delimiter == ","
    assert table.columns[0] == "name;city;note"
    assert refusal(data, delimiter=";;").code == "bad_delimiter"


def test_a_single_column_csv_falls_back_to_a_comma():
    table, rows = read("name\nАлия\nMarie\n".encode())
    assert (table.delimiter, table.columns, rows) == (",", ["name"], [["Алия"], ["Marie"]])


def test_quoted_newlines_stay_inside_their_cell():
    data = b'id,description\n1,"first line\nsecond line"\n2,"a, b ""quoted"""\n'
    table, rows = read(data)
    assert rows == [["1", "first line\nsecond line"], ["2", 'a, b "quoted"']]
    assert table.row_count == 2


def test_headers_blank_and_repeated_get_names_and_short_rows_are_padded():
    header = ["unique_event_ID", " location_name_ar ", "number_1: *RENAME*", "", "Column",
              "Column2", "", "location_name_ar", "Column 4"]  # fmt: skip
    data = csv_bytes([header, ["CW_1001", "عين ترما"], ["CW_1002", *"abcdefghij"]])
    table, rows = read(data)
    assert table.columns == [
        "unique_event_ID", "location_name_ar", "number_1: *RENAME*", "Column 4", "Column",
        "Column2", "Column 7", "location_name_ar (2)", "Column 4 (2)", "Column 10", "Column 11",
    ]  # fmt: skip
    assert rows[0] == ["CW_1001", "عين ترما", *[""] * 9]
    assert rows[1] == ["CW_1002", *"abcdefghij"]  # the widest row gave its cells columns


def test_cells_are_stripped_but_keep_inner_newlines():
    table, rows = read(b'name,note\n  Ayn Tarma\t,"  two\nlines "\n')
    assert rows == [["Ayn Tarma", "two\nlines"]]


def test_blank_rows_are_kept_so_that_row_numbers_match_the_file():
    table, rows = read(b"\n\nid,name\n1,a\n\n3,c\n")
    assert table.first_row == 4  # the header is on line 3
    assert table.columns == ["id", "name"]
    assert rows == [["1", "a"], ["", ""], ["3", "c"]]
    assert table.row_count == 3


def test_rows_gives_a_fresh_iterator_each_time():
    table = open_table(csv_bytes(OVDINFO))
    first = table.rows()
    assert next(first) == OVDINFO[1]
    assert list(table.rows()) == OVDINFO[1:]
    assert list(first) == OVDINFO[2:]


def test_a_path_reads_like_bytes(tmp_path):
    path = tmp_path / "detentions.csv"
    path.write_bytes(csv_bytes(OVDINFO, "cp1251", delimiter=";"))
    table = open_table(path, name="detentions.csv")
    assert (table.encoding, table.delimiter) == ("cp1251", ";")
    assert list(table.rows()) == OVDINFO[1:]
    assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_hundred_thousand_row_csv_is_read_row_by_row():
    body = "".join(f"{n},04.12.2011,задержан,Москва,{n * 3}\n" for n in range(100_000))
    table = open_table(("id,date,status,city,count\n" + body).encode())
    assert table.row_count == 100_000
    count, last = 0, None
    for cells in table.rows():  # one at a time, as an import reads them
        count, last = count + 1, cells
    assert count == 100_000
    assert last == ["99999", "04.12.2011", "задержан", "Москва", "299997"]


# --- CSV: refusals -------------------------------------------------------------------------


def test_invalid_utf8_is_refused_with_its_position_when_utf8_is_chosen():
    data = csv_bytes(OVDINFO, "cp1251")
    error = refusal(data, encoding="utf-8")
    position = next(i for i, byte in enumerate(data) if byte >= 0x80)
    assert error.code == "bad_encoding"
    assert error.params["line"] == data[:position].count(b"\n") + 1 == 2
    assert error.params["offset"] == position + 1
    assert "not valid UTF-8" in str(error)


def test_utf8_with_a_broken_byte_is_refused_not_read_as_cp1251():
    data = bytearray(csv_bytes(OVDINFO))
    position = data.index("Чистые".encode())
    data[position + 1] = 0x41  # cuts the first letter's two bytes apart
    error = refusal(bytes(data))
    assert error.code == "bad_encoding"
    assert error.params["line"] == data[:position].count(b"\n") + 1
    assert error.params["offset"] == position + 1


def test_nul_bytes_are_refused():
    error = refusal(b"id,name\n1,Ayn\x00Tarma\n")
    assert error.code == "nul"
    assert error.params["line"] == 2


def test_binary_junk_is_refused():
    junk = bytes((n * 7919 + 13) % 256 for n in range(5000))
    assert refusal(junk).code == "not_text"


def test_an_unknown_encoding_is_refused():
    assert refusal(csv_bytes(LATIN), encoding="klingon").code == "bad_encoding"
    assert refusal(csv_bytes(LATIN), encoding="zlib").code == "bad_encoding"
    assert refusal(csv_bytes(LATIN), encoding="utf\x008").code == "bad_encoding"


def test_a_png_named_csv_is_refused_naming_what_it_is():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
    error = refusal(png, name="detentions.csv")
    assert error.code == "not_spreadsheet"
    assert "PNG image" in str(error)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF document"),
        (b"MZ\x90\x00\x03" + bytes(100), "Windows program"),
        (b"<!DOCTYPE html><html><body>Not found</body></html>", "web page"),
    ],
)
def test_other_files_named_csv_are_refused_naming_what_they_are(data, kind):
    error = refusal(data, name="export.csv")
    assert error.code == "not_spreadsheet"
    assert kind in str(error)


def test_an_old_excel_file_is_refused_with_what_to_do():
    error = refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), name="people.xls")
    assert error.code == "old_office"
    assert ".xlsx" in str(error)


def test_a_csv_named_xlsx_is_refused():
    error = refusal(csv_bytes(OVDINFO), name="people.xlsx")
    assert error.code == "wrong_name"
    assert "people.xlsx" in str(error) and "CSV text file" in str(error)


def test_a_workbook_named_csv_is_refused():
    error = refusal(xlsx(simple_sheet), name="C:\\fakepath\\people.csv")
    assert error.code == "wrong_name"
    assert "people.csv" in str(error) and "XLSX" in str(error)


def test_a_zip_of_something_else_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    error = refusal(buffer.getvalue(), name="people.xlsx")
    assert error.code == "not_spreadsheet"
    assert "Word document" in str(error)


def test_an_empty_file_and_a_blank_one_are_refused():
    assert refusal(b"").code == "empty"
    assert refusal(b"\r\n , ,\r\n\r\n").code == "empty"


def test_a_header_alone_is_a_table_without_rows():
    table, rows = read(b"id,name\n")
    assert (table.columns, table.row_count, rows) == (["id", "name"], 0, [])


def test_limits_on_bytes_rows_columns_and_cells():
    data = csv_bytes(OVDINFO)
    error = refusal(data, limits=Limits(max_bytes=100))
    assert error.code == "too_large"
    assert "HAVEN_IMPORT_MAX_MB" in str(error)
    error = refusal(data, limits=Limits(max_rows=2))
    assert error.code == "too_many_rows"
    assert "HAVEN_IMPORT_MAX_ROWS" in str(error)
    error = refusal(data, limits=Limits(max_columns=9))
    assert error.code == "too_many_columns"
    assert error.params["count"] == 10
    assert "HAVEN_IMPORT_MAX_COLUMNS" in str(error)
    error = refusal(data, limits=Limits(max_cell=50))
    assert error.code == "cell_too_long"
    assert (error.params["row"], error.params["column"]) == (3, 8)
    assert "HAVEN_IMPORT_MAX_CELL" in str(error)
    assert open_table(data, limits=Limits(max_rows=3, max_columns=10, max_cell=63)).row_count == 3


def test_a_quote_left_open_is_refused_as_a_cell_too_long():
    data = b'id,note\n1,"opened\n' + b"2,more text\n" * 30
    error = refusal(data, limits=Limits(max_cell=100))
    assert error.code == "cell_too_long"
    assert error.params["row"] == 2
    assert "quotation mark" in str(error)


def test_the_default_limits_are_the_settings(settings):
    settings.HAVEN_IMPORT_MAX_ROWS = 2
    settings.HAVEN_IMPORT_MAX_COLUMNS = 7
    assert Limits().max_rows == 2
    assert refusal(csv_bytes(OVDINFO)).code == "too_many_columns"


def test_a_refusal_renders_in_the_active_language_and_survives_pickling():
    error = refusal(csv_bytes(OVDINFO), limits=Limits(max_rows=1000, max_columns=3))
    error = pickle.loads(pickle.dumps(error))  # noqa: S301 — our own object, as a job stores it
    assert "up to 3 (HAVEN_IMPORT_MAX_COLUMNS)" in str(error)
    big = FileRefused(error.message, code=error.code, count=12_000, limit=1000)
    assert "12,000" in str(big)
    with translation.override("ru"):
        assert "12\xa0000" in str(big)  # grouped the Russian way when shown in Russian


# --- XLSX ----------------------------------------------------------------------------------


def detentions_workbook(workbook) -> None:
    day = workbook.add_format({"num_format": "dd.mm.yyyy"})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet = workbook.add_worksheet("Detentions")
    sheet.write_row(0, 0, ["Id", "date", "detained at", "number", "share", "authorised",
                           "description", "", "Id"])  # fmt: skip
    sheet.write_number(1, 0, 1)
    sheet.write_datetime(1, 1, datetime.datetime(2011, 12, 4, tzinfo=datetime.UTC), day)
    sheet.write_datetime(1, 2, datetime.datetime(2011, 12, 4, 13, 5, tzinfo=datetime.UTC), moment)
    sheet.write_number(1, 3, 198.0)
    sheet.write_number(1, 4, 0.1 + 0.2)
    sheet.write_boolean(1, 5, False)
    sheet.write_string(1, 6, "  Сход «Народ против»\nу Триумфальной  ")
    sheet.write_row(2, 0, [2, "", "", 36.3499285])
    sheet.write_string(2, 10, "beyond the header")
    places = workbook.add_worksheet("Places")
    places.write_row(2, 1, ["location_name", "location_name_ar"])
    places.write_row(3, 1, ["Ayn Tarma", "عين ترما"])


def test_an_xlsx_reads_dates_numbers_and_booleans_as_text():
    data = xlsx(detentions_workbook)
    table, rows = read(data, name="detentions.xlsx")
    assert (table.format, table.encoding, table.delimiter) == ("xlsx", None, None)
    assert table.sheets == ["Detentions", "Places"]
    assert table.sheet == "Detentions"
    assert table.columns == ["Id", "date", "detained at", "number", "share", "authorised",
                             "description", "Column 8", "Id (2)", "Column 10", "Column 11"]  # fmt: skip
    assert rows == [
        ["1", "2011-12-04", "2011-12-04 13:05", "198", "0.3", "false",
         "Сход «Народ против»\nу Триумфальной", "", "", "", ""],
        ["2", "", "", "36.3499285", "", "", "", "", "", "", "beyond the header"],
    ]  # fmt: skip
    assert table.row_count == 2
    assert table.sha256 == hashlib.sha256(data).hexdigest()


def test_another_sheet_can_be_chosen_and_its_first_row_is_where_its_header_is():
    table, rows = read(xlsx(detentions_workbook), sheet="Places")
    assert table.sheet == "Places"
    assert table.columns == ["location_name", "location_name_ar"]
    assert rows == [["Ayn Tarma", "عين ترما"]]
    assert table.first_row == 4  # the header is on the sheet's third row


def test_a_workbook_beyond_the_limits_is_refused():
    data = xlsx(detentions_workbook)
    assert refusal(data, limits=Limits(max_rows=1)).code == "too_many_rows"
    assert refusal(data, limits=Limits(max_columns=10)).code == "too_many_columns"
    error = refusal(data, limits=Limits(max_cell=20))
    assert (error.code, error.params["row"], error.params["column"]) == ("cell_too_long", 2, 7)


def test_an_unknown_sheet_is_refused_listing_the_sheets():
    error = refusal(xlsx(detentions_workbook), sheet="Sheet9")
    assert error.code == "no_sheet"
    assert "Detentions, Places" in str(error)


def test_an_xlsx_with_formulas_is_refused():
    def build(workbook):
        simple_sheet(workbook)
        workbook.worksheets()[0].write_formula(2, 1, "=B2*2", None, 2)

    error = refusal(xlsx(build), name="people.xlsx")
    assert error.code == "formulas"
    assert "values only" in str(error)


def test_formulas_on_another_sheet_do_not_stop_a_clean_one():
    def build(workbook):
        simple_sheet(workbook)
        totals = workbook.add_worksheet("Totals")
        totals.write_formula(0, 0, "=SUM(Data!B:B)", None, 1)

    assert open_table(xlsx(build), sheet="Data").row_count == 1
    assert refusal(xlsx(build), sheet="Totals").code == "formulas"


def test_formulas_behind_a_namespace_prefix_are_found():
    def prefixed(xml: bytes) -> bytes:
        xml = xml.replace(b"<worksheet xmlns=", b"<x:worksheet xmlns:x=")
        xml = xml.replace(b"</worksheet>", b"</x:worksheet>")
        for name in (b"sheetData", b"row", b"c", b"v", b"f"):
            xml = xml.replace(b"<" + name + b">", b"<x:" + name + b">")
            xml = xml.replace(b"<" + name + b" ", b"<x:" + name + b" ")
            xml = xml.replace(b"</" + name + b">", b"</x:" + name + b">")
        return xml

    def build(workbook):
        simple_sheet(workbook)
        workbook.worksheets()[0].write_formula(2, 1, "=B2*2", None, 2)

    data = rewritten(xlsx(build), {"xl/worksheets/sheet1.xml": prefixed})
    assert refusal(data).code == "formulas"


def test_cells_without_references_are_placed_and_measured():
    def unreferenced(xml: bytes) -> bytes:
        for reference in (b' r="A1"', b' r="B1"', b' r="A2"', b' r="B2"'):
            xml = xml.replace(reference, b"")
        return xml

    data = rewritten(xlsx(simple_sheet), {"xl/worksheets/sheet1.xml": unreferenced})
    table, rows = read(data)
    assert (table.columns, rows) == (["name", "n"], [["Ayn Tarma", "1"]])
    assert refusal(data, limits=Limits(max_columns=1)).code == "too_many_columns"


def test_a_reference_written_unusually_still_counts():
    def far_down(xml: bytes) -> bytes:  # calamine reads B0001048576 as row 1,048,576
        return xml.replace(b'<c r="B2"', b'<c s="0" r="B0001048576"')

    data = rewritten(xlsx(simple_sheet), {"xl/worksheets/sheet1.xml": far_down})
    error = refusal(data, limits=Limits(max_rows=2_000_000, max_sheet_cells=1_000_000))
    assert error.code == "too_many_cells"
    assert error.params["rows"] >= 1_048_576


def test_a_sparse_sheet_is_refused_before_it_is_laid_out_in_memory():
    def far_apart(workbook):
        sheet = workbook.add_worksheet()
        sheet.write(0, 0, "id")
        sheet.write(2_000, 90, "far")

    error = refusal(xlsx(far_apart), limits=Limits(max_sheet_cells=100_000))
    assert error.code == "too_many_cells"
    assert (error.params["rows"], error.params["columns"]) == (2_001, 91)
    assert "HAVEN_IMPORT_MAX_SHEET_CELLS" in str(error)


def test_a_cell_at_the_last_row_and_column_is_refused_not_a_crash():
    def to_the_corner(xml: bytes) -> bytes:  # a 550 GB grid for calamine
        return xml.replace(b'r="B2"', b'r="XFD1048576"').replace(b'<row r="2"', b'<row r="1048576"')

    data = rewritten(xlsx(simple_sheet), {"xl/worksheets/sheet1.xml": to_the_corner})
    assert refusal(data).code == "too_many_columns"


def test_a_sheet_that_is_not_well_formed_xml_is_refused():
    def lt_in_a_value(xml: bytes) -> bytes:  # quick-xml would read it; expat does not
        return xml.replace(b'<c r="B2"', b'<c x="<" r="B2"')

    data = rewritten(xlsx(simple_sheet), {"xl/worksheets/sheet1.xml": lt_in_a_value})
    assert refusal(data).code == "damaged"
    utf16 = rewritten(
        xlsx(simple_sheet),
        {
            "xl/worksheets/sheet1.xml": lambda xml: (
                xml.decode().replace("UTF-8", "UTF-16").encode("utf-16")
            )
        },
    )
    assert refusal(utf16).code == "damaged"


def test_a_zip_bomb_is_refused():
    data = rewritten(xlsx(simple_sheet), extra=[("xl/media/image1.png", bytes(5 * 1024 * 1024))])
    error = refusal(data, name="people.xlsx")
    assert error.code == "zip_bomb"
    assert "xl/media/image1.png" in str(error)


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused():
    error = refusal(xlsx(detentions_workbook), limits=Limits(max_unpacked=2 * 1024))
    assert error.code == "too_large"
    assert "HAVEN_IMPORT_MAX_UNPACKED_MB" in str(error)


@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_entity_declarations_are_refused(member):
    laughs = (
        b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )

    def with_dtd(xml: bytes) -> bytes:
        declaration_end = xml.index(b"?>") + 2
        return xml[:declaration_end] + laughs + xml[declaration_end:].replace(b"Ayn", b"&lol3;")

    error = refusal(rewritten(xlsx(simple_sheet), {member: with_dtd}))
    assert error.code == "doctype"
    assert member in str(error)


def test_a_damaged_workbook_is_refused():
    data = xlsx(simple_sheet)
    assert refusal(data[: len(data) // 2], name="people.xlsx").code == "damaged"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    broken = bytearray(data)
    broken[start + info.compress_size // 2] ^= 0xFF
    assert refusal(bytes(broken)).code == "damaged"


def test_two_members_of_one_name_are_refused():
    data = rewritten(xlsx(simple_sheet), extra=[("XL/Worksheets/Sheet1.xml", b"<worksheet/>")])
    assert refusal(data).code == "damaged"


# --- ODS -----------------------------------------------------------------------------------


def detentions_ods() -> bytes:
    header = row(*(text(name) for name in ("Id", "date", "detained at", "number", "authorised",
                                           "description", "", "Id")))  # fmt: skip
    first = row(number(1), date("2011-12-04"), date("2011-12-04T13:05:00"), number("198"),
                boolean("true"), text("Сход у ЦИК"), EMPTY, text("x", repeated=3))  # fmt: skip
    second = row(number(2), EMPTY, EMPTY, number("0.5"), boolean("false"))
    # LibreOffice ends a sheet with its formatted empty area, repeated to the last row.
    tail = row('<table:table-cell table:number-columns-repeated="1024"/>', repeated=1048573)
    places = row(EMPTY, repeated=2) + row(text("location_name")) + row(text("عين ترما"))
    return ods([("Detentions", header + first + second + tail), ("Places", places)])


def test_an_ods_reads_dates_numbers_and_booleans_as_text():
    data = detentions_ods()
    table, rows = read(data, name="detentions.ods")
    assert (table.format, table.sheets, table.sheet) == (
        "ods",
        ["Detentions", "Places"],
        "Detentions",
    )
    assert table.columns == ["Id", "date", "detained at", "number", "authorised", "description",
                             "Column 7", "Id (2)", "Column 9", "Column 10"]  # fmt: skip
    assert rows == [
        ["1", "2011-12-04", "2011-12-04 13:05", "198", "true", "Сход у ЦИК", "", "x", "x", "x"],
        ["2", "", "", "0.5", "false", "", "", "", "", ""],
    ]
    assert table.sha256 == hashlib.sha256(data).hexdigest()


def test_an_ods_sheet_can_be_chosen():
    table, rows = read(detentions_ods(), sheet="Places")
    assert (table.sheet, table.columns, rows, table.first_row) == (
        "Places",
        ["location_name"],
        [["عين ترما"]],
        4,
    )


def test_an_ods_with_formulas_is_refused():
    formula = (
        '<table:table-cell table:formula="of:=[.A2]*2" office:value-type="float" '
        'office:value="2"><text:p>2</text:p></table:table-cell>'
    )
    data = ods(
        [("Data", row(text("n")) + row(number(1)) + row(formula)), ("Clean", row(text("n")))]
    )
    assert refusal(data, name="people.ods").code == "formulas"
    assert open_table(data, sheet="Clean").columns == ["n"]


def test_repeated_ods_cells_are_counted_before_they_are_expanded():
    many_columns = ods([("Data", row(text("n")) + row(number(1, repeated=1_000_000_000)))])
    assert refusal(many_columns).code == "too_many_columns"
    many_rows = ods([("Data", row(text("n")) + row(number(1), repeated=1_000_000_000))])
    assert refusal(many_rows).code == "too_many_rows"
    # Within the row and column limits, but not within the cells a sheet may span:
    wide_and_long = ods([("Data", row(text("n")) + row(number(1, repeated=50), repeated=20_000))])
    error = refusal(wide_and_long, limits=Limits(max_sheet_cells=100_000))
    assert error.code == "too_many_cells"
    assert (error.params["rows"], error.params["columns"]) == (20_001, 50)


def test_ods_spaces_are_counted_before_they_are_expanded():
    spaces = '<table:table-cell office:value-type="string"><text:p>a<text:s text:c="500"/></text:p></table:table-cell>'
    error = refusal(ods([("Data", row(text("n")) + row(spaces))]), limits=Limits(max_cell=100))
    assert error.code == "cell_too_long"
    assert error.params["sheet"] == "Data"


def test_an_ods_with_an_entity_declaration_is_refused():
    data = ods([("Data", row(text("n")))], prolog='<!DOCTYPE lolz [<!ENTITY lol "lol">]>')
    assert refusal(data).code == "doctype"


def test_an_opendocument_text_named_ods_is_refused():
    error = refusal(ods([("Data", row(text("n")))], mimetype="text"), name="people.ods")
    assert error.code == "not_spreadsheet"
    assert "OpenDocument text document" in str(error)


def test_an_ods_with_comments_or_a_table_in_a_cell_is_refused():
    commented = ods([("Data", row(text("n")) + "<!-- </table:table-row> -->" + row(number(1)))])
    assert refusal(commented).code == "unsupported"
    nested = (
        '<table:table-cell office:value-type="string"><table:table table:name="inner">'
        + row(number(1, repeated=1_000_000_000))
        + "</table:table></table:table-cell>"
    )
    assert refusal(ods([("Data", row(text("n")) + row(nested))])).code == "unsupported"
