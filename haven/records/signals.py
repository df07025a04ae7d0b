"""``records_written``: sent after records are created, changed, deleted or erased, with
the model as sender and the records' ids, in the writing transaction. What keeps a
summary of records (the reports' counted acts) listens to it; the records layer does
not know who does."""

from __future__ import annotations

from collections.abc import Iterable

from django.dispatch import Signal

records_written = Signal()


def written(model, ids: Iterable[int]) -> None:
    ids = [pk for pk in ids if pk is not None]
    if ids:
        records_written.send(sender=model, ids=ids)
