"""The import's long steps, run by the background worker: the check of every row and the
import itself. They take ids only, and both are safe to run again: the check starts
over, the import resumes after its last committed row."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django_tasks import task

from haven.audit.context import Channel, audit_context


def _job_and_user(job_id: int, user_id: int):
    from haven.accounts.models import User
    from haven.imports.models import ImportJob

    return ImportJob.objects.get(pk=job_id), User.objects.get(pk=user_id)


def _failed(job, user, message: str) -> None:
    from haven.imports.actions import mark_failed

    mark_failed(job, by=user, message=message)


@task()
def check_import(job_id: int, user_id: int) -> None:
    from haven.imports.actions import check_job

    job, user = _job_and_user(job_id, user_id)
    with audit_context(Channel.JOB, actor=user):
        try:
            check_job(job, by=user)
        except ValidationError as exc:
            _failed(job, user, "; ".join(exc.messages))
        except Exception as exc:
            # The page must not wait for ever: say it stopped, then let the worker log it.
            _failed(job, user, f"{type(exc).__name__}: {exc}"[:300])
            raise


@task()
def run_import(job_id: int, user_id: int) -> None:
    from haven.imports.actions import run_job

    job, user = _job_and_user(job_id, user_id)
    with audit_context(Channel.JOB, actor=user):
        try:
            run_job(job, by=user)
        except ValidationError as exc:
            _failed(job, user, "; ".join(exc.messages))
        except Exception as exc:
            # The page must not wait for ever: say it stopped, then let the worker log it.
            _failed(job, user, f"{type(exc).__name__}: {exc}"[:300])
            raise
