"""Reading XLSX and ODS workbooks as rows of text, and refusing hostile ones.

Workbooks are made with XlsxWriter, then rewritten member by member where a test needs
them damaged; ODS files are written by hand (mimetype, content.xml, manifest). Refused:
formulas, entity declarations, zip bombs, sparse or repeated cells that would fill memory,
damaged archives and XML.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile

import pytest

from haven.imports.readers import Limits, open_table
from haven.imports.tests.sample_tables import read, refusal, simple_sheet, xlsx


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
