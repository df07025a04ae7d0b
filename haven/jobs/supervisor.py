"""``haven worker`` processes that ``haven serve`` runs beside the web server.

The gunicorn master starts them when it is ready and stops them when it exits
(``haven/gunicorn_conf.py``); a worker that dies is started again under the same id,
so it takes its predecessor's task back at once (``haven.jobs.worker``). Each worker
runs in its own session, so Ctrl+C in the terminal reaches gunicorn only, which then
stops the workers in order; and each is started with ``--exit-with-parent``, so it
does not outlive a master that was killed.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time

log = logging.getLogger("haven.jobs")

WORKER_COMMAND = [sys.executable, "-m", "haven.cli", "worker", "--exit-with-parent"]


class BackgroundWorkers:
    """``count`` worker processes, each restarted when it dies, until ``stop()``."""

    def __init__(self, count: int, *, command: list[str] | None = None):
        self.count = count
        self.command = list(command or WORKER_COMMAND)
        self.processes: dict[int, subprocess.Popen] = {}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def worker_id(self, slot: int) -> str:
        return f"{socket.gethostname()[:40]}-serve{os.getpid()}-{slot}"

    def start(self) -> None:
        for slot in range(self.count):
            thread = threading.Thread(
                target=self._keep_running, args=(slot,), name=f"jobs-worker-{slot}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _keep_running(self, slot: int) -> None:
        pause = 0.5
        while True:
            with self._lock:  # stop() sees every process started before it
                if self._stopping.is_set():
                    return
                process = subprocess.Popen(  # noqa: S603 - our own command, no shell
                    [*self.command, "--worker-id", self.worker_id(slot)],
                    start_new_session=True,
                    stdin=subprocess.DEVNULL,
                )
                self.processes[slot] = process
            started = time.monotonic()
            # Under gunicorn the master may reap the process first: wait() then
            # reports 0, which is enough to know it ended.
            status = process.wait()
            if self._stopping.is_set():
                return
            # A worker that dies at once (a broken setting) is retried ever more slowly.
            pause = 1.0 if time.monotonic() - started > 60 else min(pause * 2, 60.0)
            log.error(
                "background worker %s stopped (status %s); starting it again in %.0f s",
                self.worker_id(slot),
                status,
                pause,
            )
            if self._stopping.wait(pause):
                return

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM every worker (each puts its task back), SIGKILL any still there after
        ``timeout`` seconds."""
        with self._lock:
            self._stopping.set()
            processes = list(self.processes.values())
        for process in processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + timeout
        for process in processes:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for thread in self._threads:
            thread.join(timeout=5)
