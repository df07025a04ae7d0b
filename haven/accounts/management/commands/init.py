import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from haven.accounts import actions
from haven.accounts.models import Role, User
from haven.keys.keyring import WrongKeyError


class Command(BaseCommand):
    help = "Create or reuse the instance: key file, database, first administrator."

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin-email",
            default=os.environ.get("HAVEN_ADMIN_EMAIL", "admin@localhost"),
            help="first administrator's e-mail (default: $HAVEN_ADMIN_EMAIL or admin@localhost)",
        )

    def handle(self, *args, admin_email, **options):
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.stdout.write(f"Instance folder: {settings.VAR_DIR}")
        try:
            call_command("migrate", interactive=False, verbosity=0)
        except WrongKeyError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write("Database is up to date; keys are in place.")
        if User.objects.exists():
            self.stdout.write(
                f"Instance already initialised (accounts: {User.objects.count()}); "
                "nothing was overwritten."
            )
            return
        user, password = actions.create_user(
            email=admin_email, role=Role.ADMINISTRATOR, full_name="Administrator"
        )
        self.stdout.write(
            self.style.WARNING(
                "\nFirst administrator created. This password is shown only once and must be\n"
                "changed at first sign-in, after setting up a second factor:\n\n"
                f"    e-mail:   {user.email}\n    password: {password}\n"
            )
        )
