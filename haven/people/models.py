"""People known to the organisation: persons at risk, relatives, perpetrators, witnesses."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.keys.fields import (
    EncryptedJSONField,
    EncryptedPartialDateField,
    EncryptedTextField,
)
from haven.lib import codes
from haven.lib.fuzzy_dates import since_text
from haven.lib.names import NAME_INDEX
from haven.lib.normalize import contact_terms, counted_only, terms_for_all, value_term, year_term
from haven.lib.stemming import WORD_INDEX
from haven.records.access import getter_for
from haven.records.masking import mask
from haven.records.models import SensitiveRecord


def new_code() -> str:
    """A pseudonymous code shown in lists instead of a name: P-XXXXXX."""
    return codes.new_code("P")


def _contact_terms(value):
    """Terms of stored contacts (a list of dicts) or of a query (a string)."""
    if isinstance(value, str):
        return contact_terms(value)
    return terms_for_all((contact["value"] for contact in value), contact_terms)


class Person(SensitiveRecord):
    """A human being or a group (a police unit, a family).

    Everything that could identify or locate the person is encrypted; only the
    pseudonymous code and the kind are stored in clear.
    """

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        GROUP = "group", _("Group")

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNKNOWN = "unknown", _("Unknown")

    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.INDIVIDUAL)
    name = EncryptedTextField(_("name"), max_length=300, blank=False)
    other_names = EncryptedJSONField(_("other name forms"), default=list)
    nicknames = EncryptedJSONField(_("nicknames"), default=list)
    gender = EncryptedTextField(_("gender"), max_length=10)
    birth_date = EncryptedPartialDateField(_("birth date"))
    nationality = EncryptedTextField(_("nationality"), max_length=100)
    languages = EncryptedJSONField(_("languages"), default=list)
    contacts = EncryptedJSONField(_("contacts"), default=list)
    # Moves, oldest first: {"place": ..., "since": "2020-05", "summer 2021" or "", "note": ...};
    # "since" is any text FuzzyDate.parse reads (FuzzyDate.machine() writes it).
    whereabouts = EncryptedJSONField(_("whereabouts"), default=list)
    notes = EncryptedTextField(_("notes"))
    # A sealed person's name forms and contacts read as the code, and as nothing, to
    # every member but the users named in ``sealed_for`` (their ids): see ``shown_to``.
    # Sealing is not content: it stays out of the history, so restoring an older
    # version never unseals anyone (``seal_person`` audits each change instead).
    sealed = models.BooleanField(_("sealed"), default=False)
    sealed_for = models.JSONField(_("named members"), default=list, blank=True)

    masked_fields = ("name", "other_names", "nicknames", "contacts")
    history_exclude = (*SensitiveRecord.history_exclude, "sealed", "sealed_for")

    blind_indexes = {
        "name": NAME_INDEX,
        "other_names": NAME_INDEX,
        "nicknames": NAME_INDEX,
        "contacts": _contact_terms,
        "notes": WORD_INDEX,
        # Counted in reports (victims by gender and age), never searched: docs/reports.md.
        "gender": counted_only(value_term),
        "birth_date": counted_only(year_term),
    }
    # One key for the three name fields: a search looks each term of a name up once.
    # A term then gives one token whether it is a person's name or another name of
    # theirs (docs/blind-indexes.md).
    blind_scopes = {"other_names": "name", "nicknames": "name"}

    class Meta:
        ordering = ["code"]
        # The API's cursor pages, newest first: without it each page sorts every row.
        indexes = [
            models.Index(fields=["created_at", "id"], name="people_person_newest"),
            # Lookups by name leave out the sealed people (``sealed_from``): few are
            # sealed, and without it finding them reads every person of the teams.
            models.Index(fields=["team"], condition=Q(sealed=True), name="people_person_sealed"),
        ]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.code

    @property
    def current_whereabouts(self) -> dict | None:
        return self.whereabouts[-1] if self.whereabouts else None

    def moves(self) -> list[dict]:
        """The whereabouts as the page shows them: each with its position (``index``) and
        when the stay began in the reader's language ("since summer 2021")."""
        return [
            {**move, "index": index, "when": since_text(move.get("since") or "")}
            for index, move in enumerate(self.whereabouts or [])
        ]

    def get_gender_display(self) -> str:
        return dict(self.Gender.choices).get(self.gender or "", "")

    def shown_to(self, user) -> bool:
        """Whether ``user`` may read this person's name forms and contacts: anyone who
        may see the record, unless it is sealed; then only the members named."""
        if not self.sealed:
            return True
        return user is not None and getattr(user, "pk", None) in (self.sealed_for or [])

    def stand_in_for(self, field: str):
        """What a masked field reads as: the code for the name, nothing for the rest."""
        return self.code if field == "name" else []


mask(Person)


class Relationship(SensitiveRecord):
    """``person`` is ``kind`` of ``other``: a relative, a lawyer, a member of a group."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="relationships")
    other = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    kind = models.ForeignKey(
        "vocab.Term",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"vocabulary": "relationship"},
        verbose_name=_("relationship"),
    )
    note = EncryptedTextField(_("note"), max_length=500)

    blind_indexes = {"note": WORD_INDEX}

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")

    def __str__(self) -> str:
        return f"{self.person} {self.kind.code} {self.other}"


get_person_for_user = getter_for(Person)


def require_shown(person: Person, by) -> None:
    """Refuse (``PermissionDenied``) a change to a sealed person by a member not named:
    they read the code where the name is, and must not save it as the name."""
    if not person.shown_to(by):
        raise PermissionDenied


def sealed_from(user) -> list[int]:
    """Ids of the sealed people ``user`` may see but not name: a lookup by name or
    contact must not find them (finding "Ruslan" as P-1234 would name P-1234). Few
    people are sealed, so reading them all is cheap."""
    sealed = Person.objects.visible_to(user).filter(sealed=True).values_list("pk", "sealed_for")
    return [pk for pk, named in sealed if getattr(user, "pk", None) not in (named or [])]


class Merge(SensitiveRecord):
    """Two records found to be one person: ``merged`` now points to ``kept``.

    ``moved`` lists the references that were re-pointed ([model, id, field]) so that
    the merge can be undone exactly; nothing is deleted by a merge.
    """

    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    moved = models.JSONField(default=list, blank=True)
    kept_name_forms = EncryptedJSONField(default=list)  # before the merge, for undo
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.merged_id} into {self.kept_id}"


get_merge_for_user = getter_for(Merge)


class DuplicateSearch(models.Model):
    """One user's search for possible duplicates, run by the background worker when
    there are too many people to compare while a page waits (``HAVEN_DUPLICATES_IN_
    REQUEST``): the review page shows its progress, then its pairs a page at a time,
    without comparing everyone again for each page.

    ``found`` keeps what the finder keeps of each pair (``duplicates.find``): the two
    people's ids, the score and what the reasons are written from -- no name, encrypted
    all the same. The people are read when a page shows them, through the user's
    ``writable_by``: a pair whose person was merged, removed, or is no longer the user's
    to change by then is left out. Only a user's latest search is kept."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Comparing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Stopped by an error")

    class Step(models.TextChoices):
        READING = "reading", _("Reading the people")
        COMPARING = "comparing", _("Comparing them")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField(max_length=9, choices=Step.choices, blank=True)
    people = models.PositiveIntegerField(default=0)  # compared
    pairs = models.PositiveIntegerField(default=0)  # proposed
    # How long the user's search before this one took: what to expect, said on the page.
    expected_seconds = models.PositiveIntegerField(null=True, blank=True)
    found = EncryptedJSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"duplicate search {self.uuid}"

    # A search still waiting or running after this long was lost (its task removed with a
    # restored database, say; a killed worker's is failed by the worker recovery): the
    # page offers to look again. Half a minute is the time for 300,000 people.
    STALLED_AFTER = timedelta(hours=1)

    @property
    def working(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING) and not self.stalled

    # The page updates itself this long at most: a page left open does not keep its
    # session alive by asking again and again (then: "reload the page").
    REFRESHED_FOR = timedelta(minutes=10)

    @property
    def refreshing(self) -> bool:
        return self.working and timezone.now() - self.created_at < self.REFRESHED_FOR

    @property
    def stalled(self) -> bool:
        if self.status not in (self.Status.QUEUED, self.Status.RUNNING):
            return False
        return timezone.now() - (self.started_at or self.created_at) > self.STALLED_AFTER

    @property
    def seconds(self) -> int | None:
        """How long it took, or has taken so far."""
        if self.started_at is None:
            return None
        end = self.finished_at or timezone.now()
        return max(0, round((end - self.started_at).total_seconds()))
