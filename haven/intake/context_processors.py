"""The header's count of public requests waiting for triage: the intake team's in-app
notice. Lazy, so a page that does not show the header pays nothing."""

from __future__ import annotations

from django.utils.functional import cached_property

from haven.lib import counting


class WaitingPublicRequests:
    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        from haven.intake.selectors import waiting

        user = self.user
        if not (user and user.is_authenticated and getattr(user, "is_verified", bool)()):
            return 0
        # Those nobody has taken yet; ``visible_to`` leaves out other teams' requests.
        # Every page shows it: compiled once per user, run each time (haven.lib.counting).
        (count,) = counting.counts(
            ("public requests waiting", user.pk, user.is_active),
            lambda: [waiting(user).filter(request__assignee__isnull=True)],
        )
        return count

    @cached_property
    def digest_shown(self) -> bool:
        """The account page offers the e-mail to members of the intake team."""
        from haven.intake.actions import is_intake_member

        user = self.user
        return bool(user and user.is_authenticated and is_intake_member(user))

    @cached_property
    def digest_on(self) -> bool:
        from haven.intake.models import DigestSubscription

        return DigestSubscription.objects.filter(user=self.user).exists()


def waiting_public_requests(request) -> dict:
    return {"public_requests": WaitingPublicRequests(getattr(request, "user", None))}
