import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from haven.retention import actions, journal


class Command(BaseCommand):
    help = (
        "Retention: 'review' lists what falls due under the rules; 'apply' shows the same "
        "as a dry run and erases it with --yes; 'reapply' erases again what the erasure "
        "journal names (restore does this itself); 'compact' gives the space of erased "
        "values back (VACUUM)."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["review", "apply", "reapply", "compact"])
        parser.add_argument("--yes", action="store_true", help="apply: erase (not a dry run)")
        parser.add_argument(
            "--confirm-all",
            type=int,
            metavar="COUNT",
            help="apply: confirm a rule that erases every record it applies to",
        )

    def handle(self, *args, what, yes, confirm_all, **options):
        if what == "reapply":
            try:
                count = actions.reapply()
            except journal.JournalError as exc:
                raise CommandError(str(exc)) from None
            tables = journal.erased_tables()
            self.stdout.write(f"{count} erasures applied again; {journal.compact(tables)}.")
            return
        if what == "compact":
            self.stdout.write(journal.compact())
            return
        due = actions.review()
        self._list(due)
        if what == "review":
            return
        sweeping = actions.sweeping_rules()
        for rule, count in sweeping:
            self.stdout.write(
                f"Warning: the rule {rule.get_kind_display()} {rule.source_kind} would erase "
                f"every one of its {count} records."
            )
        if not yes:
            self.stdout.write("Dry run: nothing was erased. Add --yes to erase.")
            return
        try:
            done = actions.apply_retention(confirmed_all=confirm_all)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages) + " (--confirm-all COUNT)") from None
        self.stdout.write(
            f"Erased {len(done['erased'])}, kept {len(done['held'])} under legal hold; "
            f"{journal.compact(journal.erased_tables())}."
        )

    def _list(self, due) -> None:
        if not due:
            self.stdout.write("Nothing falls due.")
            return
        for item in due:
            held = f"  HELD: {actions.hold_message(item.holds)}" if item.holds else ""
            self.stdout.write(
                f"{item.since:%Y-%m-%d}  {item.rule.get_kind_display()}  "
                f"{item.instance._meta.label_lower} {item.instance.uuid} {item.label}{held}"
            )
        sys.stdout.flush()
