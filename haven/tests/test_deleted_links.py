"""A deleted record disappears from the pages of the records it was linked to."""

from django.urls import reverse

from conftest import sign_in
from haven.cases import actions as cases
from haven.incidents import actions as incidents
from haven.lib.fuzzy_dates import FuzzyDate
from haven.records.actions import delete_record
from haven.sources import actions as sources
from haven.vocab.models import term


def _page(client, name, record):
    return client.get(reverse(name, kwargs={"uuid": record.uuid})).content.decode()


def test_links_to_deleted_records_are_not_shown(client, personas):
    by, team = personas.member, personas.team
    kept = incidents.record_incident(
        team=team, by=by, title="Detention", start=FuzzyDate.parse("2020-04")
    )
    gone = incidents.record_incident(
        team=team, by=by, title="Abduction", start=FuzzyDate.parse("2021-02")
    )
    incidents.chain(kept, gone, by=by, relation="precedes")
    source = sources.add_source(team=team, by=by, kind="media", title="Report")
    incidents.cite_source(gone, source, by=by, connection="media", reliability="B", credibility="2")
    case = cases.open_case(team=team, by=by, title="Protection")
    action = cases.plan_action(
        case,
        by=by,
        kind=term("action_type", "shelter"),
        title="Shelter",
        owner=by,
        due_on=FuzzyDate.parse("2020-05-01").earliest,
    )
    incidents.link_intervention(kept, action, by=by)
    sign_in(client, by)
    assert gone.code in _page(client, "incidents:detail", kept)
    assert gone.code in _page(client, "sources:detail", source)
    assert "Shelter" in _page(client, "incidents:detail", kept)
    assert "Shelter" in client.get(reverse("web:home")).content.decode()

    delete_record(gone, by=by)
    delete_record(case, by=by)
    assert gone.code not in _page(client, "incidents:detail", kept)
    assert gone.code not in _page(client, "sources:detail", source)
    assert "Shelter" not in _page(client, "incidents:detail", kept)
    assert "Shelter" not in client.get(reverse("web:home")).content.decode()
