"""gunicorn's settings for ``haven serve``: the master process signs audit checkpoints.

Every ``HAVEN_AUDIT_CHECKPOINT_MINUTES`` (when the log grew) and once more when the
server stops, a signed checkpoint of the audit log's head goes to
``HAVEN_AUDIT_CHECKPOINT_DIR``, so that entries cut off or rewritten later are caught
by ``haven audit verify`` even by someone holding the database and its backups.

When ``HAVEN_BACKUP_DIR`` and a recipient (``HAVEN_BACKUP_RECIPIENT``) or passphrase
(``HAVEN_BACKUP_PASSPHRASE(_FILE)``) are set, it also writes an encrypted backup there
every ``HAVEN_BACKUP_HOURS`` and keeps the newest ``HAVEN_BACKUP_KEEP``.

Every ``HAVEN_RETENTION_HOURS`` (default 0: off) it applies the retention
rules, as ``haven retention apply --yes`` does; a rule that would erase everything it
applies to is left for a person to confirm and logged.

Every ``HAVEN_INTAKE_DIGEST_MINUTES`` (default 0: off) it e-mails the intake team's
members who asked for it how many public requests came in, as ``haven intake digest``
does (nothing when nothing is new).

It also runs ``HAVEN_WORKERS_BACKGROUND`` (default 1) ``haven worker`` processes for
the background jobs, started again if one dies and stopped when the server stops
(``haven.jobs.supervisor``).
"""

from __future__ import annotations

import logging
import threading
import time

# An idle connection stays open this long (gunicorn's default is 2 s). A browser that
# sends its next request on a connection the server is closing at that moment gets it
# reset (the server drops the unread request): browsers retry such a GET, other clients
# (scripts, the API's users) report an error. A user reading a page for a few seconds
# should find the connection still open.
keepalive = 65

log = logging.getLogger("haven.audit")
_stop = threading.Event()
_background_workers = None


def _release(connection) -> None:
    """A job's thread gives its database connection back; inside a transaction (a test
    calling the job) the connection is not the job's to close."""
    if not connection.in_atomic_block:
        connection.close()


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
        _release(connection)
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
        _release(connection)
    if parts or orphans:
        log.warning(
            "evidence vault: %s unfinished parts removed, %s orphans set aside", parts, orphans
        )


def _every(minutes: int) -> None:
    while not _stop.wait(minutes * 60):
        checkpoint_job()


def backup_job():
    """One scheduled backup into HAVEN_BACKUP_DIR, if configured. Never raises."""
    from django.conf import settings
    from django.db import connection

    from haven.backups.actions import BackupError, backup_to_folder
    from haven.backups.secrets import writing_secret

    if not settings.HAVEN_BACKUP_DIR:
        return None
    try:
        secret = writing_secret({})
        if not secret["recipients"] and not secret["passphrase"]:
            log.error("scheduled backup not written: set HAVEN_BACKUP_RECIPIENT")
            return None
        path, manifest = backup_to_folder(
            settings.HAVEN_BACKUP_DIR, keep=settings.HAVEN_BACKUP_KEEP, **secret
        )
    except (BackupError, OSError) as exc:
        log.error("scheduled backup not written: %s", exc)
        return None
    finally:
        if not connection.in_atomic_block:  # (a test's transaction stays open)
            _release(connection)
    log.info("backup written to %s (%s members)", path, len(manifest["members"]))
    return path


def retention_job():
    """One scheduled retention run: erase what the rules say is due, then compact.
    Never raises; returns how many records were erased (None when refused or failed)."""
    from django.core.exceptions import ValidationError
    from django.db import DatabaseError, connection

    from haven.audit.actions import Channel, audit_context
    from haven.retention import actions, journal

    try:
        with audit_context(Channel.JOB):
            done = actions.apply_retention()
        if done["erased"] and not connection.in_atomic_block:
            journal.compact(journal.erased_tables())
    except ValidationError as exc:
        log.error("scheduled retention run refused: %s", " ".join(exc.messages))
        return None
    except (DatabaseError, OSError) as exc:
        log.error("scheduled retention run failed: %s", exc)
        return None
    finally:
        if not connection.in_atomic_block:
            _release(connection)
    if done["erased"] or done["held"]:
        log.info(
            "retention: %s erased, %s kept under legal hold", len(done["erased"]), len(done["held"])
        )
    return len(done["erased"])


def seconds_until_retention_due(hours: int) -> float:
    """Zero when the last run (its audit entry) is ``hours`` old or there was none, so a
    server restarted more often than that still applies the rules on time."""
    from django.db import connection
    from django.utils import timezone

    from haven.audit.models import AuditEntry

    try:
        last = (
            AuditEntry.objects.filter(action="retention.applied")
            .order_by("-seq")
            .values_list("at", flat=True)
            .first()
        )
    finally:
        if not connection.in_atomic_block:
            _release(connection)
    if last is None:
        return 0.0
    return max(0.0, (last - timezone.now()).total_seconds() + hours * 3600)


def _retention_every(hours: int) -> None:
    while not _stop.wait(seconds_until_retention_due(hours)):
        if retention_job() is None and _stop.wait(hours * 3600):  # refused: once a period
            return


def intake_digest_job():
    """One scheduled intake digest. Never raises; returns the run (None when it failed)."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError, connection

    from haven.audit.actions import Channel, audit_context
    from haven.intake.digest import DigestError, send_intake_digests

    try:
        with audit_context(Channel.JOB):
            run = send_intake_digests()
    except (DigestError, ImproperlyConfigured, DatabaseError) as exc:
        log.error("intake digest not sent: %s", exc)
        return None
    finally:
        _release(connection)
    if run.sent or run.failed or run.withheld:
        log.info("intake digest: %s", run)
    return run


def _intake_digest_every(minutes: int) -> None:
    while not _stop.wait(minutes * 60):
        intake_digest_job()


def seconds_until_backup_due(folder, hours: int, now: float | None = None) -> float:
    """Zero when the folder's newest backup is ``hours`` old (or there is none), so a
    server restarted more often than that still backs up on time."""
    from pathlib import Path

    from haven.backups.actions import SUFFIX

    times = [path.stat().st_mtime for path in Path(folder).glob(f"haven-*{SUFFIX}")]
    if not times:
        return 0.0
    now = time.time() if now is None else now
    return max(0.0, max(times) + hours * 3600 - now)


def _backups_every(hours: int) -> None:
    from django.conf import settings

    while not _stop.wait(seconds_until_backup_due(settings.HAVEN_BACKUP_DIR, hours)):
        if backup_job() is None and _stop.wait(3600):  # failed: try again in an hour
            return


def start_background_workers(server=None):
    """The job workers beside the web server, unless HAVEN_WORKERS_BACKGROUND=0."""
    from django.conf import settings

    from haven.jobs.supervisor import BackgroundWorkers

    global _background_workers
    count = settings.HAVEN_WORKERS_BACKGROUND
    if not count:
        return None
    _background_workers = BackgroundWorkers(count)
    _background_workers.start()
    if server is not None:
        server.log.info("Started %s background job worker(s)", count)
    return _background_workers


def stop_background_workers() -> None:
    global _background_workers
    if _background_workers is not None:
        _background_workers.stop()
        _background_workers = None


def when_ready(server) -> None:
    import django
    from django.conf import settings

    django.setup()
    tidy_vault_job()
    start_background_workers(server)
    checkpoint_job()
    threading.Thread(
        target=_every,
        args=(settings.HAVEN_AUDIT_CHECKPOINT_MINUTES,),
        name="audit-checkpoints",
        daemon=True,
    ).start()
    if settings.HAVEN_RETENTION_HOURS:
        threading.Thread(
            target=_retention_every,
            args=(settings.HAVEN_RETENTION_HOURS,),
            name="retention",
            daemon=True,
        ).start()
    if settings.HAVEN_INTAKE_DIGEST_MINUTES:
        threading.Thread(
            target=_intake_digest_every,
            args=(settings.HAVEN_INTAKE_DIGEST_MINUTES,),
            name="intake-digest",
            daemon=True,
        ).start()
    if settings.HAVEN_BACKUP_DIR:
        threading.Thread(
            target=_backups_every,
            args=(settings.HAVEN_BACKUP_HOURS,),
            name="backups",
            daemon=True,
        ).start()


def on_exit(server) -> None:
    _stop.set()
    stop_background_workers()
    checkpoint_job()
