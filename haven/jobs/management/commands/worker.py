import logging
import os
import socket
from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.management.commands.db_worker import (
    valid_interval,
    valid_max_tasks,
    validate_worker_id,
)

from haven.jobs.worker import Heartbeat, Worker, recover_lost_tasks


def seconds(value: str) -> float:
    number = valid_interval(value)
    if number <= 0:
        raise ArgumentTypeError("must be more than zero")
    return number


def default_worker_id() -> str:
    """Readable in the logs and in the heartbeat table: host, process, a random tail."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"


class Command(BaseCommand):
    help = (
        "Run the background worker: take queued jobs (imports, reports, retention runs) one "
        "at a time until stopped. Tasks of workers that died are taken over; SIGTERM or "
        "Ctrl+C puts the running task back in the queue and exits."
    )
    # The checks import every URL and view, which a worker never serves: it starts (and
    # restarts after a crash) in half the time without them. 'haven serve' runs them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue-name",
            default="*",
            help="the queues to take tasks from, comma-separated, or '*' for all (default)",
        )
        parser.add_argument(
            "--interval",
            type=valid_interval,
            default=1.0,
            help="seconds to wait before looking again when the queue is empty (default 1)",
        )
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        parser.add_argument(
            "--max-tasks", type=valid_max_tasks, help="exit after running this many tasks"
        )
        parser.add_argument(
            "--worker-id",
            type=validate_worker_id,
            help="this worker's id, unique among running workers; a worker started under "
            "the id of one that died takes its tasks back at once (default: host-pid-random)",
        )
        parser.add_argument(
            "--lease",
            type=seconds,
            default=60.0,
            help="seconds of silence after which other workers take this one's task over "
            "(default 60)",
        )
        parser.add_argument(
            "--recover-every",
            type=seconds,
            default=60.0,
            help="seconds between looks for tasks whose worker died (default 60)",
        )
        parser.add_argument(
            "--exit-with-parent",
            action="store_true",
            help="stop when the process that started this one ends (used by 'haven serve')",
        )

    def handle(self, *args, **options):
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if not isinstance(backend, DatabaseBackend):
            raise CommandError(
                "TASKS['default'] is not django_tasks_db.DatabaseBackend: this backend has no "
                "queue for a worker to take tasks from"
            )
        self.configure_logging(options["verbosity"])
        worker_id = options["worker_id"] or default_worker_id()
        worker = Worker(
            queue_names=options["queue_name"].split(","),
            excluded_queue_names=[],
            interval=options["interval"],
            batch=options["batch"],
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=options["max_tasks"],
            worker_id=worker_id,
        )
        heartbeat = Heartbeat(
            worker,
            lease=options["lease"],
            recover_every=options["recover_every"],
            parent_pid=os.getppid() if options["exit_with_parent"] else None,
        )
        # Before the first claim: this worker's own id may have been left on a task by
        # the process it replaces.
        recover_lost_tasks(presumed_dead=frozenset({worker_id}))
        heartbeat.register()
        heartbeat.start()
        worker.configure_signals()
        try:
            worker.run()
        finally:
            worker.reset_signals()
            heartbeat.stop()
            connection.close()
        logging.getLogger("haven.jobs").info("worker %s stopped", worker_id)

    def configure_logging(self, verbosity: int) -> None:
        """Task starts, ends, failures and take-overs go to the terminal (stderr)."""
        level = {0: logging.ERROR, 1: logging.INFO}.get(verbosity, logging.DEBUG)
        handler = logging.StreamHandler()  # stderr
        handler.setFormatter(logging.Formatter("%(asctime)s [worker] %(message)s"))
        for name in ("haven.jobs", "django_tasks", "django_tasks_db"):
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.addHandler(handler)
            logger.propagate = False
