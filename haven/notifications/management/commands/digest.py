from django.core.management.base import BaseCommand

from haven.notifications.digest import send_digests
from haven.notifications.mail import run_command


class Command(BaseCommand):
    help = (
        "E-mail today's reminder digest (case codes and counts only) to the users who "
        "asked for it. Run it once a day from cron; a second run the same day sends nothing "
        "twice. Nothing is sent during a lockdown."
    )

    def handle(self, *args, **options):
        run_command(self, "Digest", send_digests)
