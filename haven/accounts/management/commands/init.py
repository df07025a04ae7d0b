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
        parser.add_argument(
            "--no-demo",
            dest="demo",
            action="store_false",
            default=os.environ.get("HAVEN_DEMO", "1") not in {"0", "false", "no", "off"},
            help="do not load the demo data on a new instance (or set HAVEN_DEMO=0)",
        )

    def handle(self, *args, admin_email, **options):
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.stdout.write(f"Instance folder: {settings.VAR_DIR}")
        try:
            call_command("migrate", interactive=False, verbosity=0)
        except WrongKeyError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write("Database is up to date; keys are in place.")
        # The built-in petition templates, on a new instance and on one made before them.
        call_command("drafts", "install-templates", stdout=self.stdout)
        if User.objects.exists():
            self.stdout.write(
                f"Instance already initialised (accounts: {User.objects.count()}); "
                "nothing was overwritten."
            )
            return
        user, password = actions.create_user(
            email=admin_email, role=Role.ADMINISTRATOR, full_name="Administrator"
        )
        if options["demo"]:
            call_command("demo", admin=user.email, stdout=self.stdout)
        self.stdout.write(
            self.style.WARNING(
                "\nFirst administrator created. This password is shown only once and must be\n"
                "changed at first sign-in, after setting up a second factor:\n\n"
                f"    e-mail:   {user.email}\n    password: {password}\n"
            )
        )
