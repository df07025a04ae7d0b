"""The base of every record about a person: owned by a team, versioned, soft-deleted.

Need-to-know lives in ``RecordQuerySet.visible_to``/``writable_by`` and in
``haven.records.access``; nothing else decides who sees a record.
"""

from __future__ import annotations

import functools
import uuid
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.keys.fields import EncryptedJSONField


class RecordQuerySet(models.QuerySet):
    def live(self) -> RecordQuerySet:
        """Records that are not (soft-)deleted: what every list and lookup shows."""
        return self.filter(deleted_at__isnull=True)

    def visible_to(self, user) -> RecordQuerySet:
        """Live records of the teams ``user`` belongs to; nothing for anyone else.

        There is no administrator bypass: an administrator sees a team's records
        only as a member of that team.
        """
        return self._for_members(user)

    def writable_by(self, user) -> RecordQuerySet:
        from haven.accounts.models import Membership

        return self._for_members(user, access=Membership.Access.MEMBER)

    def countable_by(self, user) -> RecordQuerySet:
        """Live records that ``user`` may COUNT but not necessarily read: those of every
        team they belong to, "report figures only" memberships included. Only the
        reports' counting uses it, and it shows figures, never a record."""
        return self.live().filter(team__in=report_teams(user))

    def _for_members(self, user, **membership) -> RecordQuerySet:
        return self.live().filter(team__in=member_teams(user, **membership))


def _memberships(user):
    from haven.accounts.models import Membership

    if user is None or not user.is_authenticated or not user.is_active:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).order_by()


def member_teams(user, **membership) -> models.QuerySet:
    """Ids of the teams whose live records ``user`` may see (with ``access=...``: only
    those where the membership has that access); none for anyone not signed in or
    disabled. ``visible_to`` and the search's index lookup both use it.

    A "report figures only" membership (``Access.AGGREGATE``) opens no record, so it
    is never among them."""
    from haven.accounts.models import Membership

    found = _memberships(user).filter(access__in=Membership.RECORD_ACCESS)
    return found.filter(**membership).values("team_id")


class Visibility:
    """What one user may see, worked out once for one request: the ids of their teams
    (``member_teams``, read on first use) and each model's ``visible_to`` queryset, built
    once and narrowed by every caller (``filter`` copies it; the rule is not applied again
    in Python). A search asked the same questions four to eight times per request.

    Make one per request (or per call) and let it go with it: it answers for one user,
    and a membership changed after it read the teams is seen only by the next one."""

    def __init__(self, user) -> None:
        self.user = user
        self._teams: list[int] | None = None
        self._visible: dict[type[models.Model], models.QuerySet] = {}

    @classmethod
    def of(cls, user, visible: Visibility | None = None) -> Visibility:
        """``visible`` if given (it must be ``user``'s), else a new one for ``user``."""
        if visible is None:
            return cls(user)
        if visible.user is not user:
            raise ValueError("a Visibility answers for its own user only")
        return visible

    @property
    def teams(self) -> list[int]:
        if self._teams is None:
            self._teams = list(member_teams(self.user).values_list("team_id", flat=True))
        return self._teams

    def records(self, model: type[models.Model]) -> models.QuerySet:
        """``model.objects.visible_to(user)``, the same queryset every time it is asked."""
        if model not in self._visible:
            self._visible[model] = model.objects.visible_to(self.user)  # type: ignore[attr-defined]
        return self._visible[model]


def report_teams(user) -> models.QuerySet:
    """Ids of the teams whose records ``user`` may count in a report: every membership,
    "report figures only" included (see ``countable_by``)."""
    return _memberships(user).values("team_id")


class SensitiveRecord(models.Model):
    """Abstract base: a UUID, a team, timestamps and a soft-delete mark.

    Subclasses may declare ``blind_indexes = {"field": term_function}``; the
    function maps the field's value to terms (see ``haven.lib.normalize``).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="+", verbose_name=_("team")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = RecordQuerySet.as_manager()
    blind_indexes: dict = {}
    # Fields kept out of history snapshots (bookkeeping, not content).
    history_exclude = ("id", "uuid", "created_at", "updated_at")
    # Set where clean() reads other records of the same kind (a chain's loop check):
    # create_records then inserts such records one at a time, so that each check sees
    # the records before it, as it does when they are saved one by one.
    clean_reads_own_kind = False

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        """Django's checks, and every date within the years Haven keeps: one place for
        every form, import and interface that saves a record.

        Times too (a request's time of arrival): the first hours of year 1 in a zone
        ahead of UTC are year 0 in UTC, which no database column holds."""

        errors = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        self.check_date_bounds(errors)
        if errors:
            raise ValidationError(errors)

    def check_date_bounds(self, errors: dict) -> None:
        """Add to ``errors`` each date or time outside the years Haven keeps (a field
        with an error already keeps only that one)."""
        from haven.lib.fuzzy_dates import in_bounds, out_of_bounds_message

        for field in _date_fields(type(self)):
            # Read as stored, not through a descriptor of the model's (which may mask).
            value = (
                self.__dict__[field.attname]
                if field.attname in self.__dict__
                else getattr(self, field.attname)
            )
            if isinstance(value, datetime):
                value = value.date()
            if isinstance(value, date) and not in_bounds(value) and field.name not in errors:
                errors[field.name] = [out_of_bounds_message()]


@functools.cache
def _date_fields(model) -> tuple[models.Field, ...]:
    """The date and time fields of ``model`` (a model's fields are fixed once loaded)."""
    # DateTimeField is a DateField too.
    return tuple(
        field for field in model._meta.concrete_fields if isinstance(field, models.DateField)
    )


class RecordVersion(models.Model):
    """The state of a record after one change, encrypted like the record itself."""

    class Change(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("updated")
        DELETED = "deleted", _("deleted")
        RESTORED = "restored", _("restored an earlier version")
        MOVED = "moved", _("moved to another team")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    object_type = models.CharField(max_length=64)
    object_uuid = models.UUIDField()
    number = models.PositiveIntegerField()
    change = models.CharField(max_length=10, choices=Change.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_fields = models.JSONField(default=list)  # field names only, never values
    snapshot = EncryptedJSONField()

    class Meta:
        ordering = ["object_type", "object_uuid", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_uuid", "number"], name="record_version_unique"
            )
        ]
        # A record's versions are found through the unique constraint's index, which
        # begins with the record (a second index on those two columns only cost every
        # new version one more insert at a random place: migration 0005).

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_uuid} v{self.number}"


class BlindTerm(models.Model):
    """One blind-index token of one record: HMAC of a normalised term, never the term.

    Each field (``app.model.field``, its *scope*) has its own HMAC key, so a token
    belongs to one scope without naming it. ``team`` is the record's team, kept here
    so that a lookup reads only the part of the index the user's teams own (the
    record itself is still checked by ``visible_to`` before anything is shown);
    ``kind`` and ``record_id`` name the record for re-indexing.
    """

    token = models.BigIntegerField()
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    kind = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    record_id = models.BigIntegerField()

    class Meta:
        indexes = [
            # Covers the search lookup: token and team narrow it, the record is read
            # from the index itself.
            models.Index(fields=["token", "team", "record_id"], name="blind_lookup"),
            # A record's rows, for re-indexing and erasing it; with the token, the
            # counted acts (haven/reports/facts.py) read a record's tokens from the
            # index alone.
            models.Index(fields=["kind", "record_id", "token"], name="blind_record"),
        ]

    def __str__(self) -> str:
        return f"index term of {self.kind_id}/{self.record_id}"
