"""A task whose workers are killed on every attempt, for the apps' tests of what their
jobs say then."""

from __future__ import annotations


def killed_every_time(result_id: str) -> str:
    """Claim the queued task ``result_id`` and lose its worker, as often as the worker
    recovery allows (``MAX_ATTEMPTS``); return the task's status then ("FAILED")."""
    from django_tasks_db.models import DBTaskResult

    from haven.jobs.worker import MAX_ATTEMPTS, recover_lost_tasks

    for attempt in range(MAX_ATTEMPTS):
        DBTaskResult.objects.get(pk=result_id).claim(f"killed-{attempt}")
        recover_lost_tasks()
    return DBTaskResult.objects.get(pk=result_id).status
