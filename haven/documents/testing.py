"""Reading generated documents back in tests: the text of a PDF (pdftotext), its pages
as PNG images (pdftoppm) in ``test-artifacts/``, and the text of a DOCX."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pdf_text(data: bytes, *, layout: bool = True) -> str:
    """The text of a PDF: laid out as on the page, or (``layout=False``) in reading
    order, where a table cell's lines follow one another instead of its neighbours'."""
    assert data.startswith(b"%PDF-"), data[:20]
    result = subprocess.run(
        ["pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return result.stdout.decode()


def pdf_pages(data: bytes, name: str, *, dpi: int = 60) -> list[Path]:
    """Write each page of ``data`` as ``test-artifacts/NAME-N.png``; the paths."""
    ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "document.pdf"
        source.write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), str(source), str(ARTIFACTS / name)],
            check=True,
            timeout=120,
        )
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


def docx_text(data: bytes) -> str:
    """Paragraphs and table cells of a DOCX, one per line."""
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)
