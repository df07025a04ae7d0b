from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from haven.audit.context import Channel, audit_context, current_context
from haven.intake.digest import DigestError, send_intake_digests


class Command(BaseCommand):
    help = (
        "The public request page: 'digest' e-mails the intake team's members who asked for "
        "it how many public requests came in and wait (counts only), now. "
        "'haven serve' sends it every HAVEN_INTAKE_DIGEST_MINUTES when that is set."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["digest"])

    def handle(self, *args, what, **options):
        # ``haven intake digest`` runs in the command line's audit context; anything else
        # (call_command from the server's schedule) is recorded as a job.
        if current_context() is None:
            with audit_context(Channel.JOB):
                run = self._send()
        else:
            run = self._send()
        self.stdout.write(f"Intake digest: {run}.")
        if run.failed:
            raise CommandError(
                f"{run.failed} e-mail(s) could not be sent; check the HAVEN_EMAIL_* settings. "
                "The next run sends them again."
            )

    def _send(self):
        try:
            return send_intake_digests()
        except (DigestError, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from None
