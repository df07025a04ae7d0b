"""An incident recorded from a case's page is linked to it in the same submission, and
its first act may name people typed in for the first time."""

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.cases import actions as cases
from haven.incidents.models import Act, Incident
from haven.people.models import Person
from haven.tests.helpers import post_form
from haven.vocab.models import Term, Vocabulary

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(personas):
    return cases.open_case(team=personas.team, by=personas.member, title="Two men from Grozny")


def detention():
    return Term.objects.of(Vocabulary.ACT_TYPE).current().get(code="arbitrary_detention")


def test_the_case_page_offers_an_incident_for_it_and_the_form_starts_from_it(
    client, personas, case
):
    sign_in(client, personas.member)
    page = client.get(reverse("cases:detail", kwargs={"uuid": case.uuid})).content.decode()
    link = f"{reverse('incidents:new')}?case={case.uuid}"
    assert link in page
    form = client.get(link).content.decode()
    assert case.code in form


def test_one_submission_records_the_incident_its_acts_new_people_and_the_case_link(
    client, personas, case, person
):
    sign_in(client, personas.member)
    url = f"{reverse('incidents:new')}?case={case.uuid}"
    response = post_form(
        client,
        url,
        {
            "team": personas.team.pk,
            "case": str(case.uuid),
            "title": "Detention in Grozny",
            "start": "April 2020",
            "violation_status": "alleged",
            "confidentiality": "restricted",
            "act_type": detention().pk,
            "victims": [str(person.uuid), "new:Исмаил Исаев"],
            "perpetrators": ["new:Special police unit"],
            "degree": "direct",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    incident = Incident.objects.get()
    assert list(incident.cases.all()) == [case]
    assert Act.objects.filter(incident=incident).count() == 2
    added = {p.name: p.team for p in Person.objects.exclude(pk=person.pk)}
    assert added == {"Исмаил Исаев": personas.team, "Special police unit": personas.team}
    assert AuditEntry.objects.filter(action="incidents.incident.case_linked").count() == 1


def test_a_case_the_user_may_not_write_to_is_not_offered_or_accepted(client, personas, case):
    sign_in(client, personas.outsider)
    form = client.get(f"{reverse('incidents:new')}?case={case.uuid}")
    assert form.status_code in (200, 403)
    assert case.code not in form.content.decode()
