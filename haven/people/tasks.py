"""The search for possible duplicates, run by the background worker as the user who
started it (``haven.people.searching.start``). It takes the search's id only; run again
after its worker was stopped, it starts over."""

from __future__ import annotations

from django.dispatch import receiver
from django_tasks import TaskResultStatus, task
from django_tasks.signals import task_finished

from haven.audit.context import Channel, audit_context, current_context


@task()
def find_duplicates(search_id: int) -> None:
    from haven.people.models import DuplicateSearch
    from haven.people.searching import run

    search = DuplicateSearch.objects.filter(pk=search_id).first()
    if search is None:  # the user started another since, or was removed
        return
    run(search, by=current_context().current_actor())


@receiver(task_finished)
def _stopped_without_a_word(sender, task_result, **kwargs) -> None:
    """A search whose workers were killed too often is failed by the worker recovery
    (``WorkerLost``) without ``run``'s own handling: say it stopped, so that the page
    offers to look again instead of waiting for ever."""
    from haven.people.models import DuplicateSearch
    from haven.people.searching import failed

    if (
        task_result.status != TaskResultStatus.FAILED
        or task_result.kwargs.get("task") != find_duplicates.module_path
    ):
        return
    arguments = task_result.kwargs.get("arguments") or {}
    search = DuplicateSearch.objects.filter(pk=arguments.get("search_id")).first()
    if search is None or search.status not in (search.Status.QUEUED, search.Status.RUNNING):
        return
    with audit_context(Channel.JOB, actor=search.created_by):
        failed(search, by=search.created_by)
