"""Sections that other apps add to a person's page.

``people`` is the base the other apps build on, so it cannot import them; instead
cases, incidents and sources register what they know about a person here (in their
``AppConfig.ready()``), and the person page shows every registered section in order.
A section's ``build(user, person)`` returns its data, read through the policy layer
for ``user``, or ``None`` to leave the section out.

The page includes each section's template with its data as ``section``
(``{% include shown.template with section=data %}``), so a template reads
``section.acts``; it also sees the page's ``person``, ``can_write`` and ``user``.
Sections appear by ``(order, name)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    name: str
    template: str
    build: Callable[[object, object], dict | None]
    order: int = 50


_SECTIONS: dict[str, Section] = {}


def register(name: str, template: str, build: Callable, *, order: int = 50) -> None:
    """Add (or replace, by name) a section of the person page."""
    _SECTIONS[name] = Section(name, template, build, order)


def sections_for(user, person) -> list[tuple[Section, dict]]:
    """Each registered section with its context, in order, leaving out empty ones."""
    shown = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name)):
        context = section.build(user, person)
        if context is not None:
            shown.append((section, context))
    return shown
