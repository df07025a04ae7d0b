"""Saving and deleting a team's report definitions; running and downloading a report
are audited by the views that do them (``report.run``, ``report.downloaded``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from haven.audit.actions import record
from haven.records.models import report_teams
from haven.reports.counting import Definition
from haven.reports.models import ReportDefinition


def reports_for(user):
    """The saved reports of the teams ``user`` belongs to (any access)."""
    return ReportDefinition.objects.filter(team__in=report_teams(user)).select_related("team")


def get_report_for_user(user, report_id) -> ReportDefinition:
    """A saved report of one of the user's teams; 404 (and an audit entry) otherwise."""
    try:
        found = reports_for(user).filter(uuid=report_id).first()
    except ValueError:
        found = None
    if found is None:
        record("access.denied", actor=user, summary=f"reports.reportdefinition {report_id}"[:60])
        raise Http404
    return found


@transaction.atomic
def save_report(*, team, by, name: str, definition: Definition) -> ReportDefinition:
    if not report_teams(by).filter(team_id=team.pk).exists():
        raise PermissionDenied
    saved = ReportDefinition.objects.create(
        team=team, name=name.strip(), definition=definition.as_json(), created_by=by
    )
    record("report.saved", actor=by, target=saved, summary=f"{team.name}: {saved.name}"[:300])
    return saved


@transaction.atomic
def delete_report(saved: ReportDefinition, *, by) -> None:
    record("report.deleted", actor=by, target=saved, summary=saved.name[:300])
    saved.delete()
