"""The search for possible duplicates as background work, for teams with too many people
to compare while a page waits (``HAVEN_DUPLICATES_IN_REQUEST``): ``start`` queues one
for a user, the worker runs it (``haven.people.tasks``) and keeps what it found in the
user's ``DuplicateSearch``, whose progress and pairs the review page shows."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from haven.audit.actions import record
from haven.people.duplicates import find
from haven.people.kept import stored
from haven.people.models import DuplicateSearch, Person

Status, Step = DuplicateSearch.Status, DuplicateSearch.Step


def latest(user) -> DuplicateSearch | None:
    return DuplicateSearch.objects.filter(created_by=user).first()


def start(by) -> DuplicateSearch:
    """Queue a search over the people ``by`` may change, unless one of theirs is
    already on its way (that one is returned). Only a user's latest search is kept."""
    from haven.jobs.queue import enqueue
    from haven.people import tasks

    with transaction.atomic():
        # One at a time per user, even from two clicks at once: the second waits here
        # for the first to commit, then finds its search on its way.
        list(get_user_model().objects.select_for_update().filter(pk=by.pk).values_list("pk"))
        working = _on_its_way(by)
        if working is not None and not working.stalled:
            return working
        before = DuplicateSearch.objects.filter(created_by=by, status=Status.DONE).first()
        DuplicateSearch.objects.filter(created_by=by).delete()
        search = DuplicateSearch.objects.create(
            created_by=by, expected_seconds=before.seconds if before is not None else None
        )
        record("people.duplicates.started", actor=by, target=search)
        enqueue(tasks.find_duplicates, actor=by, search_id=search.pk)
    search.refresh_from_db()
    return search


def _on_its_way(user) -> DuplicateSearch | None:
    """The user's search waiting or running, if any."""
    return DuplicateSearch.objects.filter(
        created_by=user, status__in=(Status.QUEUED, Status.RUNNING)
    ).first()


def run(search: DuplicateSearch, *, by) -> None:
    """Compare the people ``by`` may change now and keep the pairs found; started over
    from the beginning if the worker was stopped. The page shows each step as it
    starts."""
    people = Person.objects.writable_by(by)
    rows = DuplicateSearch.objects.filter(pk=search.pk)
    rows.update(
        status=Status.RUNNING,
        step=Step.READING,
        started_at=timezone.now(),
        finished_at=None,
        people=people.count(),
    )

    def progress(phase: str) -> None:
        if phase == "decrypting":  # read and decrypted: the pairs are compared next
            rows.update(step=Step.COMPARING)

    try:
        found = find(people, progress=progress)
        with transaction.atomic():
            # Locked: "Look again" deleting it meanwhile waits, or has deleted it.
            search = DuplicateSearch.objects.select_for_update().filter(pk=search.pk).first()
            if search is None:  # stalled, and replaced by a new one meanwhile
                return
            search.found = stored(found)
            search.pairs = len(found)
            search.status, search.step = Status.DONE, ""
            search.finished_at = timezone.now()
            search.save()
            record(
                "people.duplicates.found",
                actor=by,
                target=search,
                summary=f"{search.pairs} candidate pairs among {search.people} people",
            )
    except Exception:
        failed(search, by=by)
        raise


def failed(search: DuplicateSearch, *, by) -> None:
    """Stop a search with "stopped by an error" on the page, which offers to look again."""
    with transaction.atomic():
        stopped = DuplicateSearch.objects.filter(pk=search.pk).update(
            status=Status.FAILED, step="", finished_at=timezone.now()
        )
        if stopped:
            record("people.duplicates.failed", actor=by, target=search)
