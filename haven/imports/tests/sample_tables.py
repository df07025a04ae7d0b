"""Sample uploads for the readers' tests, and the calls they share.

CSVs in the shape of OVD-Info's detentions (Russian with English columns) and a Latin
script list, written in any encoding and delimiter; workbooks made with XlsxWriter;
``read`` and ``refusal`` open them as an import does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
import xlsxwriter

from haven.imports.readers import FileRefused, Table, open_table

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
LATIN = [
    ["name", "city", "note"],
    ["José Müller", "Köln", "Straße gesperrt, Festnahme vor dem Gebäude"],
    ["Françoise Lefèvre", "Orléans", "arrêtée à côté de la préfecture; libérée le soir"],
    ["Zoë Brûlé", "Genève", "témoin, déclaration reçue | à vérifier"],
]


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


def simple_sheet(workbook, rows=(("name", "n"), ("Ayn Tarma", 1))) -> None:
    sheet = workbook.add_worksheet("Data")
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
