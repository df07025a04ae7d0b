"""Incidents (HURIDOCS "events"), their acts, the perpetrators' involvements, chains of
events, links to sources ("information") and to the cases that answered them
("interventions").

What happened and to whom is encrypted; when, where and which kind of act stay
in clear so that filters and statistics work without decrypting every record.

The same-team rule for the records saved here is checked in each model's
``clean()`` (through ``require_same_team``), because ``save_record`` runs it on every
save — a verb, an import, a restored version — so no interface can skip it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.keys.fields import EncryptedTextField
from haven.lib.codes import new_code
from haven.lib.fuzzy_fields import FuzzyPeriod
from haven.lib.names import NAME_INDEX
from haven.lib.normalize import counted_only, exact_terms, fold, value_term
from haven.lib.stemming import WORD_INDEX
from haven.records.access import getter_for, require_same_team
from haven.records.models import SensitiveRecord
from haven.sources.models import Credibility, Reliability
from haven.vocab.models import Vocabulary


def new_incident_code() -> str:
    return new_code("I")


class Incident(FuzzyPeriod, SensitiveRecord):
    class ViolationStatus(models.TextChoices):
        ALLEGED = "alleged", _("Alleged")
        CORROBORATED = "corroborated", _("Corroborated")
        CONFIRMED = "confirmed", _("Confirmed")
        DISPUTED = "disputed", _("Disputed")

    class Confidentiality(models.TextChoices):
        RESTRICTED = "restricted", _("Restricted: the team only")
        INTERNAL = "internal", _("Internal: anonymised statistics only")
        PUBLIC = "public", _("Public")

    code = models.CharField(_("code"), max_length=12, unique=True, default=new_incident_code)
    title = EncryptedTextField(_("title"), max_length=300, blank=False)
    description = EncryptedTextField(_("description"))
    location = models.ForeignKey(
        "locations.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("place"),
    )
    stated_grounds = EncryptedTextField(_("stated grounds"), max_length=1000)
    documented_motive = EncryptedTextField(_("documented motive"), max_length=1000)
    violation_status = models.CharField(
        _("violation status"),
        max_length=14,
        choices=ViolationStatus.choices,
        default=ViolationStatus.ALLEGED,
    )
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=12,
        choices=Confidentiality.choices,
        default=Confidentiality.RESTRICTED,
    )
    cases = models.ManyToManyField(
        "cases.Case", blank=True, related_name="incidents", verbose_name=_("cases")
    )
    interventions = models.ManyToManyField(
        "cases.CaseAction",
        blank=True,
        related_name="incidents",
        verbose_name=_("interventions (petitions and actions)"),
    )

    blind_indexes = {
        "title": NAME_INDEX,
        "description": WORD_INDEX,
        "stated_grounds": WORD_INDEX,
        "documented_motive": WORD_INDEX,
        # Counted in reports, never searched: docs/reports.md.
        "grounds_agreement": counted_only(value_term),
    }

    class Meta:
        ordering = ["-start_earliest", "code"]
        # The API's cursor pages, newest first: without it each page sorts every row.
        indexes = [models.Index(fields=["created_at", "id"], name="incidents_incident_newest")]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.code

    @property
    def grounds_agreement(self) -> str:
        """How the stated grounds and the documented motive compare: ``stated`` (only the
        stated grounds are recorded), ``documented`` (only the motive), ``same``,
        ``differ`` or ``neither``; compared case-folded, spaces collapsed."""
        stated, documented = fold(self.stated_grounds or ""), fold(self.documented_motive or "")
        if stated and documented:
            return "same" if stated == documented else "differ"
        return "stated" if stated else "documented" if documented else "neither"

    def clean(self):
        if not self.start_earliest:
            raise ValidationError({"start_earliest": _("Give at least an approximate date.")})
        errors = self.check_period()
        if errors:
            raise ValidationError(errors)


class Act(FuzzyPeriod, SensitiveRecord):
    """One violation against one victim: a detention, torture, an abduction, a threat."""

    class VictimStatus(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        RELEASED = "released", _("Released")
        DETAINED = "detained", _("Still detained")
        DISAPPEARED = "disappeared", _("Disappeared")
        RETURNED = "returned", _("Returned against their will")
        IN_HIDING = "in_hiding", _("In hiding")
        SAFE = "safe", _("Safe")
        DEAD = "dead", _("Dead")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="acts")
    act_type = models.ForeignKey(
        "vocab.Term",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.ACT_TYPE},
        verbose_name=_("type of act"),
    )
    victim = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="acts", verbose_name=_("victim")
    )
    location = models.ForeignKey(
        "locations.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("place, if different"),
    )
    victim_status = models.CharField(
        _("victim's status at the end"),
        max_length=12,
        choices=VictimStatus.choices,
        default=VictimStatus.UNKNOWN,
    )
    consequences = EncryptedTextField(_("consequences"))

    blind_indexes = {"consequences": WORD_INDEX}

    class Meta:
        ordering = ["start_earliest", "created_at"]
        verbose_name = _("act")
        verbose_name_plural = _("acts")

    def __str__(self) -> str:
        return f"act {self.uuid}"

    @property
    def when(self):
        return self.start or self.incident.start

    @property
    def where(self):
        return self.location or self.incident.location

    def clean(self):
        errors = self.check_period()
        if errors:
            raise ValidationError(errors)
        require_same_team(self, victim=self.victim if self.victim_id else None)


class Involvement(SensitiveRecord):
    class Degree(models.TextChoices):
        DIRECT = "direct", _("Carried it out")
        ORDERED = "ordered", _("Ordered it")
        COMPLICIT = "complicit", _("Complicit")
        FAILED_TO_PREVENT = "failed_to_prevent", _("Failed to prevent it")

    act = models.ForeignKey(Act, on_delete=models.PROTECT, related_name="involvements")
    perpetrator = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="involvements",
        verbose_name=_("perpetrator"),
    )
    degree = models.CharField(
        _("degree"), max_length=18, choices=Degree.choices, default=Degree.DIRECT
    )
    affiliation = EncryptedTextField(_("affiliation at the time"), max_length=300)

    # Counted in reports (acts by the perpetrators' affiliation), never searched. Reports
    # read an involvement's tokens as affiliation tokens: keep this its only index.
    blind_indexes = {"affiliation": counted_only(exact_terms)}

    class Meta:
        verbose_name = _("involvement")
        verbose_name_plural = _("involvements")

    def __str__(self) -> str:
        return f"involvement {self.uuid}"

    def clean(self):
        require_same_team(self, perpetrator=self.perpetrator if self.perpetrator_id else None)


class Chain(SensitiveRecord):
    """How two incidents are related: one precedes, causes or encompasses the other."""

    class Relation(models.TextChoices):
        PRECEDES = "precedes", _("precedes")
        CAUSES = "causes", _("causes")
        ENCOMPASSES = "encompasses", _("encompasses")

    source = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="chains_out")
    target = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="chains_in", verbose_name=_("incident")
    )
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    note = EncryptedTextField(_("note"), max_length=500)

    clean_reads_own_kind = True  # the loop check reads the chains saved before
    blind_indexes = {"note": WORD_INDEX}

    class Meta:
        verbose_name = _("chain of events")
        verbose_name_plural = _("chains of events")

    def __str__(self) -> str:
        return f"{self.source_id} {self.relation} {self.target_id}"

    def clean(self):
        if self.source_id and self.source_id == self.target_id:
            raise ValidationError({"target": _("An incident cannot be chained to itself.")})
        require_same_team(self, target=self.target if self.target_id else None)
        if self.source_id and self.target_id and self.would_loop():
            raise ValidationError(
                {"target": _("This link would make a loop: that incident already leads here.")}
            )

    def would_loop(self) -> bool:
        """Is ``source`` already reachable from ``target`` through live chains?"""
        seen, frontier = set(), {self.target_id}
        while frontier:
            if self.source_id in frontier:
                return True
            seen |= frontier
            frontier = (
                set(
                    Chain.objects.live()
                    .filter(source_id__in=frontier)
                    .exclude(pk=self.pk)
                    .values_list("target_id", flat=True)
                )
                - seen
            )
        return False


class InformationLink(SensitiveRecord):
    """Where what we know about an incident comes from, and how far to trust it."""

    class Connection(models.TextChoices):
        EYEWITNESS = "eyewitness", _("Eyewitness")
        VICTIM = "victim", _("The victim")
        RELATIVE = "relative", _("A relative")
        MEDIA = "media", _("Media")
        OFFICIAL = "official", _("Official")
        NGO = "ngo", _("NGO")
        OTHER = "other", _("Other")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="information")
    source = models.ForeignKey(
        "sources.Source",
        on_delete=models.PROTECT,
        related_name="information",
        verbose_name=_("source"),
    )
    connection = models.CharField(
        _("the source's connection"), max_length=12, choices=Connection.choices
    )
    reliability = models.CharField(
        _("reliability of the source"), max_length=1, choices=Reliability.choices
    )
    credibility = models.CharField(
        _("credibility of the information"), max_length=1, choices=Credibility.choices
    )
    note = EncryptedTextField(_("note"), max_length=500)

    blind_indexes = {"note": WORD_INDEX}

    class Meta:
        verbose_name = _("information link")
        verbose_name_plural = _("information links")

    def __str__(self) -> str:
        return f"{self.source_id} on {self.incident_id}"

    def clean(self):
        require_same_team(self, source=self.source if self.source_id else None)


get_incident_for_user = getter_for(Incident)
