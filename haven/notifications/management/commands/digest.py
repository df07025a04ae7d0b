from django.core.management.base import BaseCommand, CommandError

from haven.audit.context import Channel, audit_context, current_context
from haven.notifications.digest import DigestError, send_digests


class Command(BaseCommand):
    help = (
        "E-mail today's reminder digest (case codes and counts only) to the users who "
        "asked for it. Run it once a day from cron; a second run the same day sends nothing twice."
    )

    def handle(self, *args, **options):
        # ``haven digest`` runs in the command line's audit context; anything else
        # (call_command from a scheduler) is recorded as a job.
        if current_context() is None:
            with audit_context(Channel.JOB):
                run = self._send()
        else:
            run = self._send()
        self.stdout.write(f"Digest: {run}.")
        if run.failed:
            raise CommandError(
                f"{run.failed} e-mail(s) could not be sent; check the HAVEN_EMAIL_* settings. "
                "The next run sends them again."
            )

    def _send(self):
        try:
            return send_digests()
        except DigestError as exc:
            raise CommandError(str(exc)) from None
