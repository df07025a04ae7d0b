from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand

from haven.intake.digest import DigestError, send_intake_digests
from haven.notifications.mail import run_command


class Command(BaseCommand):
    help = (
        "The public request page: 'digest' e-mails the intake team's members who asked for "
        "it how many public requests came in and wait (counts only), now. "
        "'haven serve' sends it every HAVEN_INTAKE_DIGEST_MINUTES when that is set."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["digest"])

    def handle(self, *args, what, **options):
        run_command(self, "Intake digest", send_intake_digests, (DigestError, ImproperlyConfigured))
