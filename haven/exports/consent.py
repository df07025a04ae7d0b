"""Who an identifying export may not name: the rule, in one place.

A person is left out of an identifying export when, for **any** purpose, their most
recent consent record (by its date, then by when it was entered) says *refused* or
*withdrawn*. One refusal is enough: the export leaves Haven, and nothing says what it
will be used for, so a refusal of publication or of referral counts as much as one of
legal action. A consent that was given and has since expired is not a refusal, and a
person with no consent record at all is not left out (consent is asked for on a case,
and most people in the records never had one).

"Left out" means: a list of people drops the person's row; any other list keeps the
rows about them (the counts stay right) but writes those rows as a pseudonymised
export would (codes, years, regions; no names, places or narratives). Either way the
file says how many people it left out.
"""

from __future__ import annotations

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from haven.cases.models import Consent
from haven.records.models import member_teams

REFUSALS = (Consent.Status.REFUSED, Consent.Status.WITHDRAWN)


def refusing_people(user) -> set[int]:
    """Ids of the people of ``user``'s teams whose newest consent record for some
    purpose is a refusal or a withdrawal (one query)."""
    newest = (
        Consent.objects.live()
        .filter(person=OuterRef("person"), purpose=OuterRef("purpose"))
        .order_by("-given_on", "-created_at", "-pk")
        .values("pk")[:1]
    )
    return set(
        Consent.objects.live()
        .filter(person__team__in=member_teams(user), status__in=REFUSALS)
        .filter(pk=Subquery(newest))
        .values_list("person_id", flat=True)
    )


def withheld_for(user, purpose: str, on=None) -> set[int]:
    """Ids of the people of ``user``'s teams whose newest consent record for ``purpose``
    (a consent purpose's code) does not allow it on ``on`` (today): refused, withdrawn,
    or given and since expired (one query).

    For a document whose use is known (a case dossier is for legal action), this is the
    rule instead of ``refusing_people``: a refusal of publication does not keep a
    person's name from their own lawyer, while a lapsed consent for legal action does.
    A person with no record for the purpose is not withheld, as above.
    """
    on = on or timezone.localdate()
    newest = (
        Consent.objects.live()
        .filter(person=OuterRef("person"), purpose=OuterRef("purpose"))
        .order_by("-given_on", "-created_at", "-pk")
        .values("pk")[:1]
    )
    return set(
        Consent.objects.live()
        .filter(person__team__in=member_teams(user), purpose__code=purpose)
        .filter(pk=Subquery(newest))
        .filter(Q(status__in=REFUSALS) | Q(status=Consent.Status.GIVEN, expires_on__lt=on))
        .values_list("person_id", flat=True)
    )
