"""Reading uploaded CSVs as rows of text: encodings, delimiters and shapes.

The files are made here in the shapes of two real data sets (OVD-Info's detentions,
Russian with English columns; the Syrian Archive's chemical-weapons incidents, Arabic,
with placeholder and blank headers) and of prose in Russian, French and German, so that
cp1251 and cp1252 must be told apart by their words.
"""

from __future__ import annotations

import codecs
import hashlib

import pytest

from haven.imports.readers import open_table
from haven.imports.tests.sample_tables import LATIN, OVDINFO, csv_bytes, read, refusal

SYRIAN_ARCHIVE = [
    ["unique_event_ID", "location_name", "location_name_ar", "date_time", "number_1: *RENAME*",
     "number_2: *RENAME*", "Column", "Column2"],
    ["CW_1001", "Ayn Tarma", "عين ترما", "08/21/13 12:00 AM", "", "", "", ""],
    ["CW_1002", "Zamalka", "زملكا", "08/21/13 02:00 AM", "", "", "", "حالات تشنج"],
]  # fmt: skip
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
