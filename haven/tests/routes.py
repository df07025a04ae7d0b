"""Walk the URL resolver: every route of Haven, with sample arguments to reverse it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.urls import URLPattern, URLResolver, get_resolver, reverse

SAMPLE_BY_CONVERTER = {"int": 1, "uuid": uuid.UUID(int=1), "slug": "sample", "str": "sample"}


@dataclass(frozen=True)
class Route:
    name: str
    view: object
    kwargs: dict

    @property
    def url(self) -> str:
        return reverse(self.name, kwargs=self.kwargs)


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, namespace, converters):
        for pattern in patterns:
            found = {**converters, **pattern.pattern.converters}
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner, found)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"route {pattern.pattern} has no name"
                kwargs = {
                    key: SAMPLE_BY_CONVERTER[type(conv).__name__.replace("Converter", "").lower()]
                    for key, conv in found.items()
                }
                routes.append(Route(f"{namespace}{pattern.name}", pattern.callback, kwargs))

    walk(get_resolver().url_patterns, "", {})
    return routes


@dataclass(frozen=True)
class Entry:
    """How to reach a route and what each persona gets there."""

    kwargs: Callable[[SimpleNamespace], dict] = lambda w: {}
    get: dict = field(default_factory=dict)
    post: dict | None = None
    anonymous: int = 302


def by_uuid(name):
    """A route's ``uuid`` argument: the world's record of that name."""
    return lambda w: {"uuid": getattr(w, name).uuid}


def by_id(name):
    """The API names a record's UUID ``id``."""
    return lambda w: {"id": getattr(w, name).uuid}
