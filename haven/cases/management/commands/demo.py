import sys
import time

from django.core.management.base import BaseCommand, CommandError

from haven.accounts.models import Role, User
from haven.cases.demo import DEMO_TEAM, load_demo


class Command(BaseCommand):
    help = "Load fictional demo data: the seed story and about fifty varied cases."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=50, help="how many extra cases")
        parser.add_argument("--incidents", type=int, default=300, help="how many extra incidents")
        parser.add_argument(
            "--admin", help="administrator to add to the demo team (default: the first one)"
        )

    def handle(self, *args, cases, incidents, admin, **options):
        if admin:
            user = User.objects.filter(email__iexact=admin).first()
            if user is None:
                raise CommandError(f"no account with e-mail {admin}")
        else:
            user = User.objects.filter(role=Role.ADMINISTRATOR).order_by("created_at").first()
        sys.stdout.write(
            f"Loading demo data (the seed story, {cases} cases, {incidents} incidents)... "
        )
        sys.stdout.flush()
        start = time.monotonic()
        try:
            load_demo(user, extra_cases=cases, extra_incidents=incidents)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"done in {time.monotonic() - start:.0f} s.")
        if user is not None:
            self.stdout.write(
                f"{user.email} was added to the team '{DEMO_TEAM}' (audited) to see it."
            )
