from django.core.management.base import BaseCommand, CommandError

from haven.accounts import actions
from haven.accounts.models import Role, User


class Command(BaseCommand):
    help = "Manage accounts: add, disable, reset-2fa, list."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        add = sub.add_parser("add", help="create an account with a one-time password")
        add.add_argument("email")
        add.add_argument("--role", default=Role.CASEWORKER, choices=Role.values)
        add.add_argument("--name", default="")
        disable = sub.add_parser("disable", help="refuse sign-in and end all sessions")
        disable.add_argument("email")
        reset = sub.add_parser("reset-2fa", help="remove the authenticator; enrol again at sign-in")
        reset.add_argument("email")
        sub.add_parser("list", help="list accounts")

    def handle(self, *args, verb, **options):
        if verb == "add":
            try:
                user, password = actions.create_user(
                    email=options["email"], role=options["role"], full_name=options["name"]
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(
                f"Created {user.email} ({user.role}). One-time password, shown only now:\n"
                f"    {password}"
            )
        elif verb == "list":
            for user in User.objects.order_by("email"):
                state = "active" if user.is_active else "disabled"
                self.stdout.write(f"{user.email}\t{user.role}\t{state}")
        else:
            user = User.objects.filter(email__iexact=options["email"].strip()).first()
            if user is None:
                raise CommandError(f"no account with e-mail {options['email']}")
            if verb == "disable":
                actions.disable_user(user)
                self.stdout.write(f"Disabled {user.email}; their sessions have ended.")
            else:
                actions.reset_second_factor(user)
                self.stdout.write(f"Reset the second factor of {user.email}.")
