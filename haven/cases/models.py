"""Protection cases: intake requests, risk assessments, actions and petitions, consent, notes.

Every model here is a team-owned sensitive record; a case's parts belong to the
case's team. Dates stay in clear (the dashboard filters on them); everything that
describes a person or what happened to them is encrypted.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.keys.fields import EncryptedTextField
from haven.lib.codes import new_code
from haven.lib.fuzzy_dates import PRECISIONS, FuzzyDate
from haven.lib.fuzzy_fields import get_fuzzy, set_fuzzy
from haven.lib.names import NAME_INDEX
from haven.lib.normalize import reference_terms
from haven.lib.stemming import WORD_INDEX
from haven.records.access import getter_for
from haven.records.models import SensitiveRecord
from haven.vocab.models import Vocabulary


def new_case_code() -> str:
    return new_code("C")


def _term(vocabulary: str, **kwargs):
    return models.ForeignKey(
        "vocab.Term",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"vocabulary": vocabulary},
        **kwargs,
    )


class RiskLevel(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Case(SensitiveRecord):
    class Status(models.TextChoices):
        INTAKE = "intake", _("Intake")
        ACTIVE = "active", _("Active")
        MONITORING = "monitoring", _("Monitoring")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("code"), max_length=12, unique=True, default=new_case_code)
    title = EncryptedTextField(_("title"), max_length=200, blank=False)
    summary = EncryptedTextField(_("summary"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.INTAKE, db_index=True
    )
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, blank=True, db_index=True
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
        verbose_name=_("lead caseworker"),
    )
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    # When the current status took effect, which may be before it was entered; the
    # timeline reads it from each version.
    status_since = models.DateField(_("status since"), null=True, blank=True)
    persons = models.ManyToManyField(
        "people.Person",
        through="CasePerson",
        related_name="cases",
        verbose_name=_("persons at risk"),
    )

    blind_indexes = {"title": NAME_INDEX, "summary": WORD_INDEX}

    class Meta:
        ordering = ["-opened_on", "code"]
        # The API's cursor pages, newest first: without it each page sorts every row.
        indexes = [
            models.Index(fields=["created_at", "id"], name="cases_case_newest"),
            # The same pages filtered by status (the commonest filter), without sorting
            # every case of that status.
            models.Index(fields=["status", "created_at", "id"], name="cases_case_status_newest"),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.code

    def current_persons(self):
        """The persons at risk on the case now: live, and not removed from it."""
        from haven.people.models import Person

        return Person.objects.live().filter(
            pk__in=CasePerson.objects.filter(case=self, removed_at__isnull=True).values("person")
        )


class CasePerson(models.Model):
    """A person at risk on a case (the link itself names no one).

    Removing a person from a case keeps the link, marked removed, so the case's
    history still says who was on it and who took them off.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT)
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="case_person_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} on {self.case_id}"


class Request(SensitiveRecord):
    """A request for help as it arrived: by hotline, Telegram, Signal, e-mail, in person."""

    class Urgency(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediate danger")
        URGENT = "urgent", _("Urgent")
        ROUTINE = "routine", _("Routine")

    channel = _term(Vocabulary.CHANNEL, verbose_name=_("channel"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    requester = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requester"),
    )
    requester_name = EncryptedTextField(_("requester as given"), max_length=300)
    # Who on the team answers it until it becomes (part of) a case.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    summary = EncryptedTextField(_("summary"), blank=False)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.URGENT
    )
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("case"),
    )

    blind_indexes = {"summary": WORD_INDEX}

    class Meta:
        ordering = ["-received_at"]
        # The API's cursor pages, newest first: without it each page sorts every row.
        indexes = [models.Index(fields=["created_at", "id"], name="cases_request_newest")]
        verbose_name = _("request")
        verbose_name_plural = _("requests")

    def __str__(self) -> str:
        return f"request {self.uuid}"


class RequestMessage(SensitiveRecord):
    """One message of the conversation on a request: from the person who asked (through
    the public page, with their receipt) or to them, from a caseworker. Once the request
    is on a case, its messages are part of the case's record and timeline."""

    class Direction(models.TextChoices):
        FROM_REQUESTER = "in", _("From the person")
        TO_REQUESTER = "out", _("To the person")

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="messages")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    text = EncryptedTextField(_("message"), blank=False)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["sent_at", "created_at"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"message {self.uuid}"

    @property
    def from_requester(self) -> bool:
        return self.direction == self.Direction.FROM_REQUESTER


class RiskAssessment(SensitiveRecord):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField(_("assessed on"), default=timezone.localdate)
    threat_sources = models.ManyToManyField(
        "vocab.Term",
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.THREAT_SOURCE},
        verbose_name=_("threat sources"),
    )
    threat_types = models.ManyToManyField(
        "vocab.Term",
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.THREAT_TYPE},
        verbose_name=_("threat types"),
    )
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    impact = models.PositiveSmallIntegerField(
        _("impact (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    level = models.CharField(_("overall level"), max_length=10, choices=RiskLevel.choices)
    narrative = EncryptedTextField(_("narrative"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    blind_indexes = {"narrative": WORD_INDEX}

    class Meta:
        ordering = ["-assessed_on", "-created_at"]
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")

    def __str__(self) -> str:
        return f"risk {self.level} on {self.assessed_on}"


class CaseAction(SensitiveRecord):
    """Something done for the case; a petition is an action with an authority."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        GRANTED = "granted", _("Granted")
        PARTLY_GRANTED = "partly_granted", _("Partly granted")
        REFUSED = "refused", _("Refused")
        NO_ANSWER = "no_answer", _("No answer")

    OPEN = (Status.PLANNED, Status.IN_PROGRESS)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="actions")
    kind = _term(Vocabulary.ACTION_TYPE, verbose_name=_("type"))
    # Whom the action or petition is for: one of the case's people, or several (a
    # petition for both men of a case), or nobody in particular.
    persons = models.ManyToManyField(
        "people.Person", blank=True, related_name="+", verbose_name=_("for whom")
    )
    title = EncryptedTextField(_("what"), max_length=200, blank=False)
    details = EncryptedTextField(_("details"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_actions",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    outcome = EncryptedTextField(_("outcome"))
    # Petition fields: used when the type is "petition".
    authority = _term(Vocabulary.AUTHORITY, null=True, blank=True, verbose_name=_("authority"))
    petition_type = _term(
        Vocabulary.PETITION_TYPE, null=True, blank=True, verbose_name=_("petition type")
    )
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    reference = EncryptedTextField(_("reference number"), max_length=100)
    decision = models.CharField(
        _("decision"), max_length=16, choices=Decision.choices, blank=True, db_index=True
    )
    decision_on = models.DateField(_("decision date"), null=True, blank=True)
    measures = EncryptedTextField(_("measures granted"))
    next_deadline = models.DateField(_("next deadline"), null=True, blank=True, db_index=True)
    # When it was carried out, as vague as it is known ("summer 2021").
    done_earliest = models.DateField(_("done on"), null=True, blank=True, db_index=True)
    done_latest = models.DateField(null=True, blank=True)
    done_precision = models.CharField(max_length=8, choices=PRECISIONS, blank=True)
    done_estimated = models.BooleanField(default=False)

    # A petition's document number, typed into the search box in any punctuation; the
    # words of the action's texts.
    blind_indexes = {
        "reference": reference_terms,
        "title": WORD_INDEX,
        "details": WORD_INDEX,
        "outcome": WORD_INDEX,
        "measures": WORD_INDEX,
    }

    class Meta:
        ordering = ["due_on", "created_at"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")

    def __str__(self) -> str:
        return f"action {self.uuid}"

    @property
    def is_petition(self) -> bool:
        return self.kind.code == "petition"

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_on and self.status in self.OPEN and self.due_on < timezone.localdate())

    @property
    def done(self) -> FuzzyDate | None:
        return get_fuzzy(self, "done")

    @done.setter
    def done(self, value: FuzzyDate | None) -> None:
        set_fuzzy(self, "done", value)

    @property
    def open_deadline(self):
        """The next deadline still to meet: none once a decision came on or after it (the
        deadline was for that decision)."""
        if self.next_deadline and self.decision_on and self.next_deadline <= self.decision_on:
            return None
        return self.next_deadline

    @property
    def deadline_passed(self) -> bool:
        return bool(self.open_deadline and self.open_deadline < timezone.localdate())

    def clean(self):
        errors = {}
        if self.kind_id and self.is_petition:
            if not self.authority_id:
                errors["authority"] = _("A petition needs the authority it was sent to.")
            if not self.petition_type_id:
                errors["petition_type"] = _("Choose what kind of petition this is.")
            if not self.decision:
                self.decision = self.Decision.PENDING
        if self.decision_on and not self.filed_on:
            errors["filed_on"] = _("Give the filing date before recording a decision.")
        if self.decision_on and self.filed_on and self.decision_on < self.filed_on:
            errors["decision_on"] = _("The decision date is before the filing date.")
        if self.decision_on and self.decision in ("", self.Decision.PENDING):
            errors["decision"] = _("Say what was decided, or remove the decision date.")
        done = self.done
        if done and done.precision != "after" and done.earliest > timezone.localdate():
            errors["done"] = _("That date is still to come: give the day it was done.")
        if self.decision_on and self.next_deadline and self.next_deadline <= self.decision_on:
            errors["next_deadline"] = _(
                "A deadline after a decision follows from it (an appeal, a reply): give a "
                "date after the decision, or leave it empty."
            )
        if errors:
            raise ValidationError(errors)


class Consent(SensitiveRecord):
    """What a person agreed to (or refused, or withdrew), for which purpose, until when."""

    class Status(models.TextChoices):
        GIVEN = "given", _("Given")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="consents")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )
    purpose = _term(Vocabulary.CONSENT_PURPOSE, verbose_name=_("purpose"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    given_on = models.DateField(_("date"), default=timezone.localdate)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    note = EncryptedTextField(_("note"), max_length=500)

    blind_indexes = {"note": WORD_INDEX}

    class Meta:
        ordering = ["-given_on", "-created_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"consent {self.status} for {self.purpose_id}"

    def clean(self):
        if self.expires_on and self.given_on and self.expires_on < self.given_on:
            raise ValidationError(
                {"expires_on": _("The consent would expire before it was given.")}
            )

    def allows(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.status == self.Status.GIVEN and (
            self.expires_on is None or self.expires_on >= on
        )


class CaseNote(SensitiveRecord):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    text = EncryptedTextField(_("note"), blank=False)
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    # What the note tells of may have happened before it was written.
    happened_on = models.DateField(_("happened on"), default=timezone.localdate)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    blind_indexes = {"text": WORD_INDEX}

    class Meta:
        ordering = ["-happened_on", "-written_at"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return f"note {self.uuid}"


get_case_for_user = getter_for(Case)
get_request_for_user = getter_for(Request)
