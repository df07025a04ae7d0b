"""Saved report definitions: a team's reports, to be run again as the records change."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.records.models import report_teams


class ReportDefinition(models.Model):
    """A named report (``counting.Definition.as_json()``) that a team can re-run.

    It holds what to count and the filters, never a figure or a record, so it is not a
    sensitive record: it is shown to every member of its team, "report figures only"
    members included, and only to them."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="+", verbose_name=_("team")
    )
    name = models.CharField(_("name"), max_length=150)
    definition = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__name", "name"]
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="report_name_unique_in_team")
        ]

    def __str__(self) -> str:
        return self.name


class CountedActQuerySet(models.QuerySet):
    def countable_by(self, user) -> CountedActQuerySet:
        """The acts of every team ``user`` may count (as ``Act.objects.countable_by``)."""
        return self.filter(team_id__in=report_teams(user))


class CountedColumns(models.Model):
    """What a report reads of one live act: plain integers and the plain dates, and the
    counted-only tokens of its victim and incident, resolved once when the act (or its
    incident, its victim or an involvement, or their blind-index tokens) is written, so
    that a report is one GROUP BY over one narrow table instead of a join of acts,
    incidents and the blind index (``haven/reports/facts.py`` keeps it; docs/reports.md
    says what it holds).

    Nothing here is more readable than what is stored already: ids and the plain date
    columns of the act or its incident (and their months), and tokens exactly as the
    blind index holds them for the victim and the incident (the same keyed HMACs, which
    reveal equality within their field and never a value).
    """

    team_id = models.BigIntegerField()
    incident_id = models.BigIntegerField()
    victim_id = models.BigIntegerField(null=True)
    act_type_id = models.BigIntegerField(null=True)
    place_id = models.BigIntegerField(null=True)  # the act's place, or its incident's
    first_day = models.DateField(null=True)  # the act's date range, or its incident's
    last_day = models.DateField(null=True)
    first_month = models.IntegerField(null=True)  # year * 12 + month - 1
    last_month = models.IntegerField(null=True)
    # The victim's and the incident's counted-only tokens (BlindTerm.token), or null.
    gender = models.BigIntegerField(null=True)  # the victim's gender
    born = models.BigIntegerField(null=True)  # the victim's year of birth
    grounds = models.BigIntegerField(null=True)  # the incident's grounds against motive

    objects = CountedActQuerySet.as_manager()
    # Holds blind-index tokens: an erasure compacts this table with the index's.
    copies_index = True

    class Meta:
        abstract = True


class CountedAct(CountedColumns):
    """One live act of a live incident, as reports count it (``CountedColumns``)."""

    act_id = models.BigIntegerField(primary_key=True)

    class Meta:
        # The ones that end in team_id cover a report's grouping: SQLite reads them in
        # order and counts as it goes, where it would otherwise sort every act.
        indexes = [
            models.Index(
                fields=["first_month", "last_month", "act_type_id", "team_id"],
                name="counted_act_period_type",
            ),
            models.Index(
                fields=["first_month", "last_month", "place_id", "team_id"],
                name="counted_act_period_place",
            ),
            models.Index(fields=["act_type_id", "team_id"], name="counted_act_type"),
            models.Index(fields=["place_id", "team_id"], name="counted_act_place"),
            models.Index(fields=["team_id"], name="counted_act_team"),
            models.Index(fields=["incident_id", "team_id"], name="counted_act_incident"),
            models.Index(fields=["victim_id", "team_id"], name="counted_act_victim"),
            models.Index(fields=["gender", "act_type_id", "team_id"], name="counted_act_gender"),
            models.Index(fields=["grounds", "team_id"], name="counted_act_grounds"),
            models.Index(
                fields=["victim_id", "born", "first_month", "team_id"], name="counted_act_age"
            ),
        ]

    def __str__(self) -> str:
        return f"counted act {self.act_id}"


class CountedAffiliation(CountedColumns):
    """One row per counted act and affiliation among its live involvements, with the
    act's columns (``CountedColumns``), so that a report by affiliation reads this
    table alone. ``token``: the affiliation's counted-only token; 0 for involvements
    without one; null on the one row of an act without a live involvement.
    ``involvement_id``: the first involvement of the group (the one a report opens to
    name a large enough group). ``shared``: how many rows the act has (an act counts
    once in a group that several of its rows fall into)."""

    act_id = models.BigIntegerField()
    token = models.BigIntegerField(null=True)
    involvement_id = models.BigIntegerField(null=True)
    shared = models.IntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["act_id", "token"], name="counted_affiliation_act"),
            models.Index(
                fields=["token", "first_month", "last_month", "team_id", "involvement_id"],
                name="counted_affiliation_period",
            ),
            models.Index(
                fields=["act_id"],
                condition=models.Q(shared__gt=1),
                name="counted_affiliation_shared",
            ),
        ]

    def __str__(self) -> str:
        return f"affiliation of counted act {self.act_id}"
