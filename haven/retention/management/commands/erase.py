import uuid as uuid_module

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from haven.accounts.models import User
from haven.audit.actions import record
from haven.retention import actions, erasure, journal
from haven.retention.models import Reason

KINDS = {
    "person": "people.person",
    "case": "cases.case",
    "request": "cases.request",
    "file": "sources.evidencefile",
}


class Command(BaseCommand):
    help = (
        "Erase a person, a case, a request or an evidence file for good: every encrypted "
        "value, history version, index row and file of it. Without --yes it only says "
        "what would be erased."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("record", help="its code (P-…, C-…) or UUID")
        parser.add_argument("--by", required=True, help="e-mail of the user who erases it")
        parser.add_argument("--reason", required=True, choices=Reason.values)
        parser.add_argument("--yes", action="store_true", help="erase (default: a dry run)")

    def handle(self, *args, kind, record: str, by, reason, yes, **options):
        user = User.objects.filter(email__iexact=by, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user with the e-mail {by!r}")
        model = erasure.model(KINDS[kind])
        queryset = model.objects.visible_to(user)
        try:
            found = queryset.filter(uuid=uuid_module.UUID(record)).first()
        except ValueError:
            has_code = any(f.name == "code" for f in model._meta.fields)
            found = queryset.filter(code=record.strip().upper()).first() if has_code else None
        if found is None:
            audit_record("access.denied", actor=user, summary=f"erase {record[:40]}")
            raise CommandError(f"{user.email} has no {kind} {record!r}")
        holds = actions.holds_on(found)
        if holds:
            raise CommandError(actions.hold_message(holds))
        plan = erasure.parts_of(found)
        self.stdout.write(
            f"{kind} {found.uuid}: {len(plan.records)} records and "
            f"{sum(p.exists() for p in plan.files)} files would be erased."
        )
        if not yes:
            self.stdout.write("Dry run: nothing was erased. Add --yes to erase.")
            return
        try:
            entry = actions.erase(found, by=user, reason=reason)
        except PermissionDenied:
            raise CommandError(
                f"{user.email} may not erase it: an administrator or coordinator who "
                "writes in its team may."
            ) from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"Erased {kind} {found.uuid} (erasure {entry.uuid}); {journal.compact(entry.tables)}."
        )


audit_record = record
