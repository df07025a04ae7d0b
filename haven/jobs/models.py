"""What the queue itself does not record: which workers are alive."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One running ``haven worker``, renewed while it lives.

    django-tasks-db notes which worker claimed a task but not whether that worker
    is still there: a worker killed with SIGKILL leaves its task RUNNING for ever.
    Each worker keeps its row's ``expires_at`` in the future (on the database's
    clock, so hosts with skewed clocks agree); a RUNNING task whose worker's row has
    expired or gone is handed to another worker (``haven.jobs.worker``).
    """

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    host = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"
