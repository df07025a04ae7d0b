"""DOCX documents drawn with python-docx from the same parts as their PDF.

``render_docx(parts, …)`` writes headings, fact tables and tables (each ``Part`` of
``haven.documents.dossier``: ``heading``, ``level``, ``facts``, ``text``, ``table``,
``empty``) into an A4 Word document, and the same footer as the PDF: the title, the
date made, the page number and the seal of the statement. A lawyer edits the DOCX;
the PDF is the copy that the seal vouches for.
"""

from __future__ import annotations

import io
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from haven.documents.signing import Seal

FONT = "Times New Roman"  # on every machine a court's clerk or a lawyer uses
MONO = "Courier New"
LANGUAGE_TAGS = {"ru": "ru-RU", "en": "en-GB"}
CODE = re.compile(r"\b([A-Z])-([A-Z0-9]{6})\b")


def _set_language(style, language: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = style.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), LANGUAGE_TAGS.get(language, language))


def _shade(cell, colour: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_header(row) -> None:
    """The header row is repeated at the top of every page the table runs onto."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _field(paragraph, code: str) -> None:
    """A field Word fills in (PAGE, NUMPAGES)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {text} "
        run._r.append(element)


def _use_font(style, name: str) -> None:
    """``name`` for every script, instead of the template's theme fonts (which win
    over a plain font name in Word and LibreOffice alike)."""
    from docx.oxml.ns import qn

    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), name)


def _add_text(paragraph, text: str, *, bold=False, mono=False, size=None):
    """``text`` as runs of ``paragraph``; a record's code (P-4ZVSTW) keeps its dash
    unbreakable, so that it never starts on one line and ends on the next."""
    from docx.oxml import OxmlElement
    from docx.shared import Pt

    def run_of(piece: str):
        run = paragraph.add_run(piece)
        run.bold = bold
        if mono:
            run.font.name = MONO
        if size:
            run.font.size = Pt(size)
        return run

    position, run = 0, None
    for found in CODE.finditer(text):
        if found.start() > position:
            run_of(text[position : found.start()])
        run = run_of(found.group(1))
        run._r.append(OxmlElement("w:noBreakHyphen"))
        rest = OxmlElement("w:t")
        rest.text = found.group(2)
        run._r.append(rest)
        position = found.end()
    if position < len(text) or run is None:
        run = run_of(text[position:])
    return run


def _write_cell(cell, text: str, *, bold=False, mono=False, size=None) -> None:
    from docx.shared import Pt

    lines = str(text).split("\n")
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    for index, line in enumerate(lines):
        run = _add_text(paragraph, line, bold=bold, mono=mono, size=size)
        if index < len(lines) - 1:
            run.add_break()


def _table(document, headers, rows, widths, mono=(), *, facts=False):
    from docx.shared import Cm, Pt

    usable = Cm(17.0)  # A4 less two 2 cm margins
    table = document.add_table(rows=0 if facts else 1, cols=len(widths))
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = int(usable * width / 100)
    if not facts:
        for cell, header, width in zip(table.rows[0].cells, headers, widths, strict=True):
            cell.width = int(usable * width / 100)
            _write_cell(cell, header, bold=True, size=9)
            _shade(cell, "EEEEEE")
        _repeat_header(table.rows[0])
    for row in rows:
        cells = table.add_row().cells
        for index, (cell, value, width) in enumerate(zip(cells, row, widths, strict=True)):
            cell.width = int(usable * width / 100)
            _write_cell(
                cell,
                value,
                bold=facts and index == 0,
                mono=index in mono,
                size=7.5 if index in mono else 9,
            )
            if facts and index == 0:
                _shade(cell, "F4F4F4")
    document.add_paragraph().paragraph_format.space_after = Pt(2)
    return table


def render_docx(
    parts,
    *,
    title: str,
    subtitle: str,
    notice: str,
    language: str,
    seal: Seal,
    made=None,
) -> bytes:
    """DOCX bytes of ``parts`` under ``title``, with the seal of the statement in the footer."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    made = timezone.localtime(made or timezone.now())
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.2)

    normal = document.styles["Normal"]
    _use_font(normal, FONT)
    normal.font.size = Pt(10.5)
    _set_language(normal, language)
    for level, size in ((0, 17), (1, 13), (2, 11)):
        style = document.styles["Title" if level == 0 else f"Heading {level}"]
        _use_font(style, FONT)
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0x11, 0x11, 0x11)

    properties = document.core_properties
    properties.title = title
    properties.author = "Haven"
    properties.language = LANGUAGE_TAGS.get(language, language)
    properties.created = properties.modified = made.replace(tzinfo=None)

    document.add_heading(title, level=0)
    lead = document.add_paragraph(subtitle)
    lead.runs[0].font.size = Pt(12)
    frame = document.add_table(rows=1, cols=1)
    frame.style = "Table Grid"
    _write_cell(frame.rows[0].cells[0], notice, size=9)
    document.add_paragraph()

    for part in parts:
        document.add_heading(part.heading, level=part.level - 1)
        if part.text:
            intro = document.add_paragraph(part.text)
            intro.runs[0].italic = True
            intro.runs[0].font.size = Pt(9)
        if part.facts:
            _table(document, [], [list(fact) for fact in part.facts], [28, 72], facts=True)
        if part.table is not None and part.table.rows:
            widths = part.table.widths or [100 // len(part.table.headers)] * len(part.table.headers)
            _table(document, part.table.headers, part.table.rows, widths, part.table.mono)
        if part.is_empty and part.empty:
            document.add_paragraph(part.empty).runs[0].italic = True

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.LEFT
    run = footer.add_run(f"{title} · {_('made')} {made:%Y-%m-%d %H:%M %Z} · {_('Page')} ")
    run.font.size = Pt(7.5)
    _field(footer, "PAGE")
    footer.add_run(" / ").font.size = Pt(7.5)
    _field(footer, "NUMPAGES")
    sealed = section.footer.add_paragraph()
    run = sealed.add_run(
        f"SHA-256 {seal.sha256} · {_('signed by key')} {seal.key_fingerprint}: {seal.signature}"
    )
    run.font.name = MONO
    run.font.size = Pt(6)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
