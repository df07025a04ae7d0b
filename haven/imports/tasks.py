"""The import's long steps, run by the background worker as the user who started them
(``haven.jobs.queue.enqueue(..., actor=user)``): the check of every row and the import
itself. They take the job's id only, and both are safe to run again: the check starts
over, the import resumes after its last committed row."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django_tasks import task

from haven.audit.context import current_context


def _job_and_user(job_id: int):
    from haven.imports.models import ImportJob

    return ImportJob.objects.get(pk=job_id), current_context().current_actor()


def _run(step, job_id: int) -> None:
    from haven.imports.actions import mark_failed

    job, user = _job_and_user(job_id)
    try:
        step(job, by=user)
    except ValidationError as exc:
        mark_failed(job, by=user, message="; ".join(exc.messages))
    except Exception as exc:
        # The page must not wait for ever: say it stopped, then let the worker log it.
        mark_failed(job, by=user, message=type(exc).__name__)
        raise


@task()
def check_import(job_id: int) -> None:
    from haven.imports.actions import check_job

    _run(check_job, job_id)


@task()
def run_import(job_id: int) -> None:
    from haven.imports.actions import run_job

    _run(run_job, job_id)
