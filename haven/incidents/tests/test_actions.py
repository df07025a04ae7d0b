"""The incident verbs: what an update may change, and the same-team rule."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from haven.cases.actions import open_case
from haven.incidents import actions
from haven.incidents.models import Act, Chain, Incident, InformationLink, Involvement
from haven.lib.fuzzy_dates import FuzzyDate
from haven.people.actions import add_person
from haven.records.models import RecordVersion
from haven.sources.actions import add_source
from haven.vocab.models import term


def test_update_changes_the_fields_it_is_given(personas, incident):
    actions.update_incident(incident, by=personas.member, title="Detention and torture")
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.title == "Detention and torture"
    assert incident.start == FuzzyDate.parse("2020-04")


@pytest.mark.parametrize("field", ["team", "deleted_at", "code"])
def test_update_refuses_what_has_a_verb_of_its_own(personas, incident, other_team, field):
    value = {"team": other_team, "deleted_at": "2021-01-01T00:00:00Z", "code": "I-X"}[field]
    versions = RecordVersion.objects.count()
    with pytest.raises(TypeError, match=field):
        actions.update_incident(incident, by=personas.member, title="Moved", **{field: value})
    incident = Incident.objects.get(pk=incident.pk)
    assert (incident.team, incident.deleted_at, incident.title) == (
        personas.team,
        None,
        "Detention in Grozny",
    )
    assert RecordVersion.objects.count() == versions


def test_read_only_member_cannot_add_an_act(personas, incident, person):
    with pytest.raises(PermissionDenied):
        actions.record_act(
            incident, by=personas.read_only, act_type=term("act_type", "threat"), victim=None
        )
    assert incident.acts.count() == 1


def test_links_stay_within_one_team(personas, incident, other_team):
    by = personas.outsider
    stranger = add_person(team=other_team, by=by, name="Someone else")
    elsewhere = actions.record_incident(
        team=other_team, by=by, title="Elsewhere", start=FuzzyDate.parse("2020")
    )
    source = add_source(team=other_team, by=by, kind="media", title="Their report")
    case = open_case(team=other_team, by=by, title="Their case")
    act = incident.acts.get()
    member = personas.member
    refusals = [
        ("victim", lambda: actions.record_act(
            incident, by=member, act_type=term("act_type", "threat"), victim=stranger
        )),
        ("perpetrator", lambda: actions.add_involvement(
            act, by=member, perpetrator=stranger, degree="direct"
        )),
        ("target", lambda: actions.chain(incident, elsewhere, by=member, relation="causes")),
        ("source", lambda: actions.cite_source(
            incident, source, by=member, connection="media", reliability="B", credibility="2"
        )),
        ("case", lambda: actions.link_case(incident, case, by=member)),
    ]  # fmt: skip
    for field, call in refusals:
        with pytest.raises(ValidationError) as refused:
            call()
        assert field in refused.value.error_dict, field
    assert Act.objects.filter(team=personas.team).count() == 1
    assert Involvement.objects.filter(team=personas.team).count() == 1
    assert not Chain.objects.exists()
    assert not InformationLink.objects.exists()
    assert not incident.cases.exists()
