import time

from django.core.management.base import BaseCommand, CommandError

from haven.accounts.models import Team
from haven.people.duplicates import MIN_SCORE, find
from haven.people.models import Person


class Command(BaseCommand):
    help = "People: list likely duplicates (codes, scores and reasons; no names)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        dup = sub.add_parser("duplicates", help="candidate pairs of the same person")
        dup.add_argument("--team", help="only this team (default: every team)")
        dup.add_argument("--min-score", type=float, default=MIN_SCORE)
        dup.add_argument("--limit", type=int, default=100)

    def handle(self, *args, verb, team, min_score, limit, **options):
        people = Person.objects.live()
        if team:
            chosen = Team.objects.filter(name=team).first()
            if chosen is None:
                raise CommandError(f"no team named {team!r}")
            people = people.filter(team=chosen)
        start = time.monotonic()
        count = people.count()
        # Half a minute at 300,000 people: say what it is doing (on stderr, so that the
        # pairs on stdout can be piped).
        self.stderr.write(f"reading and decrypting {count:,} people…")

        def progress(phase: str) -> None:
            if phase == "decrypting":
                seconds = time.monotonic() - start
                self.stderr.write(f"read in {seconds:.1f} s; comparing them…")

        candidates = find(people, min_score=min_score, progress=progress)
        for candidate in candidates[:limit]:
            self.stdout.write(
                f"{candidate.a.code}\t{candidate.b.code}\t{candidate.score:.2f}\t"
                + "; ".join(candidate.reasons)
            )
        self.stdout.write(
            f"{len(candidates)} candidate pairs among {count} people "
            f"in {time.monotonic() - start:.1f} s"
        )
