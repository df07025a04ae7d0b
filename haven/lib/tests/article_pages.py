"""The fictional news pages in ``pages/`` and what the capture tests read from them.

Each page marks its article paragraphs' container ``data-test="body"`` and each block of
page chrome ``data-test="chrome"``, so the expectations are read from the page itself.
``no_network`` fails a test whose extraction tries to connect anywhere.
"""

from __future__ import annotations

import socket
from pathlib import Path

import lxml.html
import pytest

PAGES = Path(__file__).resolve().parent / "pages"


def _words(text: str) -> str:
    return " ".join(text.split())


def _expected(page: bytes) -> tuple[list[str], list[str], list[str]]:
    """The page's article paragraphs, its figure captions and its chrome lines."""
    tree = lxml.html.fromstring(page)
    paragraphs = [_words(p.text_content()) for p in tree.xpath("//*[@data-test='body']/p")]
    captions = [_words(c.text_content()) for c in tree.iter("figcaption")]
    chrome = [
        _words(piece)
        for block in tree.xpath("//*[@data-test='chrome']")
        for piece in block.itertext()
        if piece.strip()
    ]
    return paragraphs, captions, chrome


@pytest.fixture
def no_network(monkeypatch):
    """Fails the test if extraction tries to connect anywhere, loopback included."""
    attempts: list[object] = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("extraction must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts
    assert attempts == []
