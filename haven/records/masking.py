"""Fields shown only to some members: what a sealed person's name reads as for the others.

A model lists such fields in ``masked_fields`` and says who may read them in
``shown_to(user)``; ``MaskedField`` then answers every read of the field, whatever
asks (a template, an export, the API, a dossier), with the record's stand-in unless
the person acting (the audit context's actor: the signed-in user, the API token's
owner, the job's or command's user) may read it. One place decides, so no page can
forget it.

Saving reads the real values (``unmasked()``): a member who may not read the name
can still record a move without the name being overwritten by its stand-in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_unmasked: ContextVar[bool] = ContextVar("haven_unmasked", default=False)


@contextmanager
def unmasked() -> Iterator[None]:
    """Inside, masked fields read their real values: for storage only (history, the
    blind index, validation), never for showing."""
    token = _unmasked.set(True)
    try:
        yield
    finally:
        _unmasked.reset(token)


def lifted() -> bool:
    """Whether masked fields read their real values here (inside ``unmasked()``)."""
    return _unmasked.get()


_reader: ContextVar[object | None] = ContextVar("haven_reader", default=None)


@contextmanager
def reading_as(user) -> Iterator[None]:
    """Inside, masked fields are read for ``user``: for work done outside its request's
    context (a streamed export's pieces, read after the view returned)."""
    token = _reader.set(user)
    try:
        yield
    finally:
        _reader.reset(token)


def viewer():
    """The user on whose behalf Haven is reading now, or None (nobody: masked)."""
    from haven.audit.context import current_context

    reader = _reader.get()
    if reader is not None:
        return reader
    context = current_context()
    return context.current_actor() if context is not None else None


class MaskedField:
    """Wraps a field's descriptor: reads give ``instance.stand_in_for(name)`` to anyone
    ``instance.shown_to(viewer())`` refuses. Writes go through unchanged."""

    def __init__(self, name: str, inner):
        self.name = name
        self.inner = inner

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.inner.__get__(instance, owner)
        if _unmasked.get() or instance.shown_to(viewer()):
            return value
        return instance.stand_in_for(self.name)

    def __set__(self, instance, value):
        self.inner.__set__(instance, value)


def mask(model) -> None:
    """Wrap each of ``model.masked_fields`` (call once, after the class is built)."""
    for name in model.masked_fields:
        inner = model.__dict__[name]
        if not isinstance(inner, MaskedField):
            setattr(model, name, MaskedField(name, inner))
