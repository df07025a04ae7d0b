"""Tasks for the tests of the queue and the worker; a worker process imports them too.

``count_chunks`` does its work the way every Haven task must (rule 2 in
``haven.jobs.queue``): in chunks, each one transaction with the record of how far it
got, resuming after the last chunk written. Its chunks are audit entries, which also
shows the channel and actor every job's entries carry.
"""

import time

from django.db import transaction
from django.utils import translation
from django_tasks import task

from haven.audit.actions import record
from haven.audit.models import AuditEntry

CHUNK = "jobs.test_chunk"


def chunks_done(run: str) -> list[str]:
    return list(
        AuditEntry.objects.filter(action=CHUNK, summary__startswith=f"{run}:")
        .order_by("seq")
        .values_list("summary", flat=True)
    )


@task()
def count_chunks(run: str, chunks: int, pause_ms: int = 0) -> int:
    """Write the audit entries ``run:1`` .. ``run:<chunks>``, pausing between them."""
    while True:
        with transaction.atomic():
            done = AuditEntry.objects.filter(action=CHUNK, summary__startswith=f"{run}:").count()
            if done >= chunks:
                return done
            record(CHUNK, summary=f"{run}:{done + 1}")
        time.sleep(pause_ms / 1000)


@task()
def note_language(run: str) -> None:
    record(CHUNK, summary=f"{run}:{translation.get_language()}")


@task()
def fail_with_a_name() -> None:
    raise ValueError("Ibragim Selimkhanov is not a number")


@task()
def return_a_name() -> str:
    return "Ibragim Selimkhanov"


@task(takes_context=True)
def attempt_number(context, run: str) -> int:
    record(CHUNK, summary=f"{run}:{context.attempt}")
    return context.attempt


# Set by a test: called between the chunks of interrupted_chunks, in the worker's thread.
between_chunks = None


@task()
def interrupted_chunks(run: str, chunks: int) -> int:
    """count_chunks, calling ``between_chunks`` after each chunk."""
    for _ in range(chunks):
        with transaction.atomic():
            done = AuditEntry.objects.filter(action=CHUNK, summary__startswith=f"{run}:").count()
            if done >= chunks:
                break
            record(CHUNK, summary=f"{run}:{done + 1}")
        if between_chunks is not None:
            between_chunks()
    return len(chunks_done(run))
