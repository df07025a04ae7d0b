"""The import's long steps, run by the background worker as the user who started them
(``haven.jobs.queue.enqueue(..., actor=user)``): the check of every row and the import
itself. They take the job's id only, and both are safe to run again: the check starts
over, the import resumes after its last committed row."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, task
from django_tasks.signals import task_finished

from haven.audit.context import Channel, audit_context, current_context


def _job_and_user(job_id: int):
    from haven.imports.models import ImportJob

    return ImportJob.objects.get(pk=job_id), current_context().current_actor()


def _run(step, job_id: int) -> None:
    from haven.imports.actions import mark_failed
    from haven.imports.pipeline import PreparationStopped

    job, user = _job_and_user(job_id)
    try:
        step(job, by=user)
    except ValidationError as exc:
        mark_failed(job, by=user, message="; ".join(exc.messages))
    except PreparationStopped as exc:
        mark_failed(job, by=user, message=str(exc))  # what to do: run it again
        raise
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


@receiver(task_finished)
def _stopped_without_a_word(sender, task_result, **kwargs) -> None:
    """A step whose workers were killed too often is failed by the worker recovery
    (``WorkerLost``) without running ``_run``'s error handling: say it stopped, so that
    the page offers to resume it (rows committed stay) instead of waiting for ever."""
    from haven.imports.actions import mark_failed
    from haven.imports.models import ImportJob

    # Queued through haven.jobs.queue.enqueue: the step and its arguments are run_job's.
    steps = {check_import.module_path, run_import.module_path}
    if task_result.status != TaskResultStatus.FAILED or task_result.kwargs.get("task") not in steps:
        return
    arguments = task_result.kwargs.get("arguments") or {}
    job = ImportJob.objects.filter(pk=arguments.get("job_id")).first()
    if job is None or not job.working:  # _run said so already
        return
    with audit_context(Channel.JOB, actor=job.created_by):
        mark_failed(
            job,
            by=job.created_by,
            message=_("The import was interrupted too often (its worker was stopped each time)."),
        )
