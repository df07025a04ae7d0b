"""``records_written``: sent after records are created, changed, deleted or erased, in
the writing transaction, with ``records``: {model: ids of its records written}. What
keeps a summary of records (the reports' counted acts) listens to it; the records
layer does not know who does.

A write of several kinds at once (a chunk of an import: its people, incidents, acts)
is one signal naming them all (``written_together``), so that a listener recomputing
what they touch (the same acts, through their incident, their victim and themselves)
does it once."""

from __future__ import annotations

from collections.abc import Iterable

from django.dispatch import Signal

records_written = Signal()


def written(model, ids: Iterable[int]) -> None:
    written_together([(model, ids)])


def written_together(made: Iterable[tuple[type, Iterable[int]]]) -> None:
    records: dict[type, list[int]] = {}
    for model, ids in made:
        kept = [pk for pk in ids if pk is not None]
        if kept:
            records.setdefault(model, []).extend(kept)
    if records:
        records_written.send(sender=next(iter(records)), records=records)
