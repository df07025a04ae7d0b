"""The intake verbs: a public submission, the person's messages and files, triage.

Public verbs run with nobody signed in: the records they write are saved without a
write check (the receipt, or the form token, was the check) and their audit entries
name the channel "intake" and no address (see ``public_context``).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Membership, Team
from haven.audit.actions import record
from haven.cases import actions as cases
from haven.cases.models import Request
from haven.intake.models import DigestSubscription, Submission
from haven.intake.receipts import new_receipt, normalise, receipt_hash
from haven.records.actions import delete_record, save_record
from haven.sources import actions as sources
from haven.vocab.models import Term, Vocabulary

WEB_FORM = "web_form"


def intake_team() -> Team | None:
    """The team named by ``HAVEN_INTAKE_TEAM``; ``None`` when none is set (the page is
    closed). A name that matches no team is a configuration error."""
    name = settings.HAVEN_INTAKE_TEAM
    if not name:
        return None
    team = Team.objects.filter(name=name).first()
    if team is None:
        raise ImproperlyConfigured(f"HAVEN_INTAKE_TEAM names no team: {name!r}")
    return team


def web_form_channel() -> Term:
    """The "web form" channel, added to an instance whose channel list predates it."""
    channel, _created = Term.objects.get_or_create(
        vocabulary=Vocabulary.CHANNEL,
        code=WEB_FORM,
        defaults={"label_en": "Web form", "label_ru": "Веб-форма", "position": 70},
    )
    return channel


def _valid_until():
    return timezone.now() + timedelta(days=settings.HAVEN_INTAKE_RECEIPT_DAYS)


@transaction.atomic
def submit_request(
    *,
    team,
    what: str,
    language: str,
    name: str = "",
    urgency: str = Request.Urgency.URGENT,
    place: str = "",
    contact: str = "",
    consent_to_contact: bool | None = None,
    uploads=(),
) -> tuple[Submission, str]:
    """A request sent through the public page: a normal request in ``team`` with its
    submission and files. Returns the submission and its receipt, which exists nowhere
    else: the caller shows it once. A refused file refuses the whole submission."""
    request = cases.record_request(
        team=team,
        by=None,
        check=False,
        channel=web_form_channel(),
        summary=what,
        requester_name=name,
        urgency=urgency,
    )
    receipt = new_receipt()
    submission = Submission(
        team=team,
        request=request,
        receipt_hash=receipt_hash(receipt),
        receipt_valid_until=_valid_until(),
        language=language,
        place=place,
        contact=contact,
        consent_to_contact=consent_to_contact,
    )
    save_record(submission, by=None, check=False)
    attach_files(submission, uploads)
    record("intake.request.submitted", target=request, summary=f"{len(uploads)} files")
    return submission, receipt


def attach_files(submission: Submission, uploads) -> None:
    """Keep the person's files as evidence on the submission's source (made on the first
    file). Raises ``ValidationError`` for a refused one; the caller's transaction then
    takes back the others."""
    if not uploads:
        return
    if submission.files_id is None:
        submission.files = sources.add_source(
            team=submission.team,
            by=None,
            check=False,
            kind="testimony",
            title=_("Files sent with a web request"),
        )
        save_record(submission, by=None, check=False)
    for upload in uploads:
        try:
            sources.attach_file(submission.files, upload, by=None, check=False)
        except ValidationError as exc:
            raise ValidationError(
                _("%(name)s: %(problem)s")
                % {"name": upload.name, "problem": " ".join(exc.messages)}
            ) from None


def find_by_receipt(typed: str) -> Submission | None:
    """The live, unexpired, not-spam submission of a receipt; ``None`` for anything else,
    whichever the reason (wrong, unknown, expired, marked spam): a caller cannot tell."""
    if not normalise(typed):
        return None
    found = (
        Submission.objects.live()
        .filter(receipt_hash=receipt_hash(typed), state=Submission.State.NEW)
        .select_related("request")
        .first()
    )
    if (
        found is None
        or found.receipt_valid_until < timezone.now()
        or found.request.deleted_at is not None
    ):
        return None
    return found


@transaction.atomic
def receipt_used(submission: Submission) -> None:
    """The person came back: their receipt stays good for as long again."""
    Submission.objects.filter(pk=submission.pk).update(receipt_valid_until=_valid_until())
    record("intake.request.read", target=submission.request)


@transaction.atomic
def add_message(submission: Submission, *, text: str, uploads=()) -> None:
    """A message (and files) from the person, sent with their receipt."""
    if text:
        cases.record_requester_message(submission.request, text=text)
    attach_files(submission, uploads)
    receipt_used(submission)


@transaction.atomic
def mark_spam(submission: Submission, *, by) -> None:
    """Take a submission out of the queue: its request is deleted (kept in history) and
    its receipt opens nothing any more. ``ValidationError`` when, read again under a lock,
    it no longer waits (marked meanwhile, or its request joined to a case): nothing is
    changed then."""
    current = (
        Submission.objects.select_for_update()
        .select_related("request")
        .filter(pk=submission.pk)
        .first()
    )
    if (
        current is None
        or current.state != Submission.State.NEW
        or current.request.deleted_at is not None
        or current.request.case_id is not None
    ):
        raise ValidationError(_("This request no longer waits in the queue."))
    current.state = Submission.State.SPAM
    save_record(current, by=by)
    delete_record(current.request, by=by)
    submission.state = current.state


@transaction.atomic
def mark_spam_many(submissions, *, by) -> None:
    """``mark_spam`` for each of ``submissions``, all of them or none."""
    for submission in submissions:
        mark_spam(submission, by=by)


def is_intake_member(user) -> bool:
    """Whether ``user`` can open the intake team's records (and so may get its digest)."""
    name = settings.HAVEN_INTAKE_TEAM
    return bool(name) and (
        Membership.objects.filter(
            team__name=name, user=user, access__in=Membership.RECORD_ACCESS
        ).exists()
    )


@transaction.atomic
def set_digest(user, wanted: bool) -> None:
    """Start or stop e-mails to ``user`` about public requests waiting. Only members of
    the intake team may start them (``ValidationError`` otherwise); anyone may stop."""
    if wanted:
        if not is_intake_member(user):
            raise ValidationError(_("Only members of the intake team can get this e-mail."))
        _subscription, changed = DigestSubscription.objects.get_or_create(user=user)
    else:
        changed = DigestSubscription.objects.filter(user=user).delete()[0] > 0
    if changed:
        action = "subscribed" if wanted else "unsubscribed"
        record(f"intake.digest.{action}", actor=user, target=user)
