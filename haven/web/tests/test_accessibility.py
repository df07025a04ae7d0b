"""Accessibility checks that need no browser: text contrast in the style sheet, tables
reachable by keyboard when they scroll sideways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

HAVEN = Path(__file__).resolve().parents[2]
CSS = HAVEN / "static" / "haven" / "haven.css"
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


INK = "#1a1a1a"  # the page's text colour (--ink), for rules that set only a background


def _text_rules():
    """(selector, text colour, background) of every rule that sets a hex background; the
    text colour is the rule's own or the page's ink. Pictures (fill) are not text."""
    css = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    for selector, body in RULE.findall(css):
        colour = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})\b", body)
        background = re.search(r"background:\s*(#[0-9a-fA-F]{3,6})\b", body)
        if background and "svg" not in selector and not selector.strip().startswith(".dot"):
            yield selector.strip(), colour.group(1) if colour else INK, background.group(1)


def test_contrast_helper_knows_the_reference_values():
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#e85d04", "#fff") == pytest.approx(3.5, abs=0.05)


def test_text_on_coloured_backgrounds_reads_at_4_5_to_1():
    """WCAG AA for normal text; the orange "High" badge used to be 3.5:1."""
    rules = list(_text_rules())
    assert any(".risk-high" in selector for selector, _c, _b in rules)
    low = [
        f"{selector}: {colour} on {background} is {contrast(colour, background):.2f}:1"
        for selector, colour, background in rules
        if contrast(colour, background) < 4.5
    ]
    assert not low, low


def test_every_table_sits_in_a_scrolling_region_reachable_by_keyboard():
    """On a phone a wide table scrolls sideways; a keyboard user can only scroll what
    can take focus, so each table is wrapped in a named, focusable region."""
    wrapper = re.compile(
        # The label may be a template tag with quotes of its own: {% translate "Cases" %}.
        r'<div class="table-wrap" role="region" tabindex="0" '
        r'aria-label="(?:[^"{]|\{[^}]*\})+">\s*<table\b'
    )
    missing = []
    for template in sorted(HAVEN.glob("**/templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        if '{% extends "documents/print.html" %}' in text:
            continue  # printed to PDF, never shown on a screen
        tables = len(re.findall(r"<table\b", text))
        if tables != len(wrapper.findall(text)):
            missing.append(str(template.relative_to(HAVEN)))
    assert not missing, f"tables outside a focusable region: {missing}"
