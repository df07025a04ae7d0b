"""Refusing uploads that cannot be read as a table, with a message that says why.

Bad or unknown encodings, NUL bytes and binary junk; files that are something else
(images, PDFs, programs, old Excel files, Word documents) or named as another format;
empty files; the limits on bytes, rows, columns and cells; and the refusal itself, which
renders in the active language and survives pickling.
"""

from __future__ import annotations

import io
import pickle
import zipfile

import pytest
from django.utils import translation

from haven.imports.readers import FileRefused, Limits, open_table
from haven.imports.tests.sample_tables import (
    LATIN,
    OVDINFO,
    csv_bytes,
    read,
    refusal,
    simple_sheet,
    xlsx,
)

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
