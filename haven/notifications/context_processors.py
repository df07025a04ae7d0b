"""The header's reminder count, computed only when a page shows it."""

from __future__ import annotations

from django.utils.functional import cached_property


class HeaderReminders:
    """Lazy: a page that does not render the header (a redirect, a download) pays nothing,
    and one that shows the count twice queries once."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def shown(self) -> bool:
        user = self.user
        # Signed out, or still before the second factor: nothing to show.
        return bool(
            user is not None
            and user.is_authenticated
            and getattr(user, "is_verified", lambda: False)()
        )

    @cached_property
    def count(self) -> int:
        from haven.notifications.selectors import reminder_count

        return reminder_count(self.user) if self.shown else 0

    @cached_property
    def digest_on(self) -> bool:
        from haven.notifications.models import DigestSubscription

        return self.shown and DigestSubscription.objects.filter(user=self.user).exists()


def reminders(request) -> dict:
    return {"reminders": HeaderReminders(getattr(request, "user", None))}
