import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Haven with gunicorn (a production-grade WSGI server)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("HAVEN_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("HAVEN_WORKERS", "2"))
        )

    def handle(self, *args, bind, workers, **options):
        from django.core.management.base import CommandError

        from haven.keys.keyring import WrongKeyError, get_keyring

        try:
            get_keyring()
        except WrongKeyError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Haven is serving on http://{bind}/ (Ctrl+C stops it)")
        self.stdout.flush()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "haven.wsgi:application",
            "--config",
            "python:haven.gunicorn_conf",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--timeout",
            "90",
            "--access-logfile",
            "-",
        ]
        os.execv(sys.executable, command)  # noqa: S606 - fixed command, no shell
