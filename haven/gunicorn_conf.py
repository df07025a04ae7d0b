"""gunicorn's settings for ``haven serve``: the master process signs audit checkpoints.

Every ``HAVEN_AUDIT_CHECKPOINT_MINUTES`` (when the log grew) and once more when the
server stops, a signed checkpoint of the audit log's head goes to
``HAVEN_AUDIT_CHECKPOINT_DIR``, so that entries cut off or rewritten later are caught
by ``haven audit verify`` even by someone holding the database and its backups.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("haven.audit")
_stop = threading.Event()


def checkpoint_job() -> dict | None:
    """One scheduled run: sign the head if it moved. Never raises into the server."""
    from django.db import connection

    from haven.audit.checkpoint import CheckpointError, checkpoint_if_moved

    try:
        document = checkpoint_if_moved()
    except (CheckpointError, OSError) as exc:
        log.error("audit checkpoint not written: %s", exc)
        return None
    finally:
        connection.close()
    if document:
        log.info("audit checkpoint: %s entries, head %s", document["count"], document["head"])
    return document


def tidy_vault_job() -> None:
    """At start, before any worker takes an upload: unfinished parts go, and stored
    files no record names (a process killed before its commit) are set aside."""
    from django.db import connection

    from haven.sources.actions import tidy_vault

    try:
        parts, orphans = tidy_vault(at_start=True)
    except OSError as exc:
        log.error("evidence vault not tidied: %s", exc)
        return
    finally:
        connection.close()
    if parts or orphans:
        log.warning(
            "evidence vault: %s unfinished parts removed, %s orphans set aside", parts, orphans
        )


def _every(minutes: int) -> None:
    while not _stop.wait(minutes * 60):
        checkpoint_job()


def when_ready(server) -> None:
    import django
    from django.conf import settings

    django.setup()
    tidy_vault_job()
    checkpoint_job()
    threading.Thread(
        target=_every,
        args=(settings.HAVEN_AUDIT_CHECKPOINT_MINUTES,),
        name="audit-checkpoints",
        daemon=True,
    ).start()


def on_exit(server) -> None:
    _stop.set()
    checkpoint_job()
