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


class CountedAct(models.Model):
    """One live act as reports count it: plain integers only, resolved once when the act
    (or its incident, its victim or an involvement) is written, so that a report is one
    GROUP BY over one narrow table instead of a join of acts, incidents and the blind
    index (``haven/reports/facts.py`` keeps it; docs/reports.md says what it holds).

    Nothing here is more readable than what is stored already: ids and the plain date
    columns of the act or its incident (and their months). The victim's and the
    incident's counted-only tokens are joined from the blind index when a report runs,
    as they change with the person and the incident (``CountedAffiliation`` keeps the
    involvements' tokens, exactly as ``BlindTerm`` holds them).
    """

    act_id = models.BigIntegerField(primary_key=True)
    team_id = models.BigIntegerField()
    incident_id = models.BigIntegerField()
    victim_id = models.BigIntegerField(null=True)
    act_type_id = models.BigIntegerField(null=True)
    place_id = models.BigIntegerField(null=True)  # the act's place, or its incident's
    first_day = models.DateField(null=True)  # the act's date range, or its incident's
    last_day = models.DateField(null=True)
    first_month = models.IntegerField(null=True)  # year * 12 + month - 1
    last_month = models.IntegerField(null=True)

    objects = CountedActQuerySet.as_manager()

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
        ]

    def __str__(self) -> str:
        return f"counted act {self.act_id}"


class CountedAffiliation(models.Model):
    """Each affiliation token among a counted act's live involvements (``token`` null for
    involvements without one), with the first of those involvements: the one a report
    opens to name a large enough group."""

    act_id = models.BigIntegerField()
    token = models.BigIntegerField(null=True)
    involvement_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["act_id", "token"], name="counted_affiliation_act")]

    def __str__(self) -> str:
        return f"affiliation of counted act {self.act_id}"
