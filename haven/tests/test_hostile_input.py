"""Hostile input the review found answering 500 is refused cleanly, with nothing saved:
ids too large for the database, several files where one is expected, too many files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.cases import actions as cases
from haven.cases.models import CaseAction, RiskAssessment
from haven.sources.actions import add_source
from haven.sources.models import EvidenceFile
from haven.sources.vault import vault_dir
from haven.tests.helpers import post_form
from haven.vocab.models import term

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture
def case(personas):
    return cases.open_case(team=personas.team, by=personas.member, title="A case")


def test_ids_too_large_for_the_database_are_not_a_choice(client, personas, case):
    sign_in(client, personas.member)
    risk = post_form(
        client,
        reverse("cases:risk_new", kwargs={"uuid": case.uuid}),
        {
            "assessed_on": "2021-01-01",
            "threat_sources": [HUGE],
            "threat_types": [term("threat_type", "abduction").pk, "-" + HUGE],
            "likelihood": 3,
            "impact": 3,
            "level": "high",
        },
    )
    assert risk.status_code == 400
    assert "errorlist" in risk.content.decode()  # said on the field, not a server error
    action = post_form(
        client,
        reverse("cases:action_new", kwargs={"uuid": case.uuid}),
        {"kind": HUGE, "title": "x", "status": "planned"},
    )
    assert action.status_code == 400
    assert not RiskAssessment.objects.exists() and not CaseAction.objects.exists()


@pytest.fixture
def upload_url(personas):
    source = add_source(team=personas.team, by=personas.member, kind="testimony", title="t")
    return reverse("sources:upload", kwargs={"uuid": source.uuid})


def stored():
    return [p for p in vault_dir().rglob("*") if p.is_file()] if vault_dir().exists() else []


def test_two_files_where_one_is_expected_are_refused(client, personas, upload_url):
    sign_in(client, personas.member)
    files = [SimpleUploadedFile(f"{n}.pdf", b"%PDF-1.4 " + bytes([n])) for n in range(2)]
    response = client.post(upload_url, {"file": files})
    assert response.status_code == 400
    assert "Upload one file at a time" in response.content.decode()
    assert not EvidenceFile.objects.exists() and stored() == []


def test_too_many_files_are_refused(client, personas, upload_url):
    sign_in(client, personas.member)
    files = [SimpleUploadedFile(f"{n}.pdf", b"%PDF-1.4 x") for n in range(101)]
    response = client.post(upload_url, {"file": files})
    assert response.status_code == 400
    assert not EvidenceFile.objects.exists() and stored() == []


def test_an_id_with_nul_is_not_found_and_the_refusal_recorded_without_it(client, personas):
    """PostgreSQL's text holds no NUL: the audit entry that quotes the id refused it (500)."""
    sign_in(client, personas.member)
    response = client.post(reverse("people:merge"), {"kept": "a\x00b", "merged": "c"})
    assert response.status_code == 404
    denied = AuditEntry.objects.filter(action="access.denied").last()
    assert "\x00" not in denied.summary and "a" in denied.summary


def test_a_host_refused_on_a_path_with_nul_is_a_bad_request(client):
    """The 400 page records the path it was asked for; a NUL there failed the entry."""
    response = client.get("/people/%00/", HTTP_HOST="hostile.example")
    assert response.status_code == 400
    malformed = AuditEntry.objects.filter(action="request.malformed").last()
    assert "\x00" not in malformed.summary


def test_thousands_of_name_forms_are_refused_before_they_are_indexed(client, personas):
    """Every name form is indexed word by word: a megabyte of short names kept the
    request busy for 13 s; the lists of a person's names and contacts have a size."""
    from haven.people.models import Person

    sign_in(client, personas.member)
    names = "Ibragim\n" * 2_000
    fields = {"name": "Ибрагим", "kind": "individual", "team": personas.team.pk}
    response = post_form(client, reverse("people:new"), {**fields, "nicknames": names})
    assert response.status_code == 400
    assert "at most 10000 characters" in response.content.decode()
    assert not Person.objects.exists()


@pytest.mark.parametrize("received", ["0001-01-01T00:30", "9999-12-31T23:30", "2201-01-01T10:00"])
def test_a_request_received_outside_the_years_kept_is_refused(client, personas, settings, received):
    """In a zone ahead of UTC the first hours of year 1 are year 0 in UTC: saving one
    answered 500. Times are dates too: years outside those Haven keeps are refused."""
    from haven.cases.models import Request
    from haven.vocab.models import term

    settings.TIME_ZONE = "Europe/Moscow"
    sign_in(client, personas.member)
    fields = {"team": personas.team.pk, "channel": term("channel", "hotline").pk}
    response = post_form(
        client,
        reverse("cases:request_new"),
        {**fields, "received_at": received, "summary": "A call.", "urgency": "routine"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "received_at": ["Give a year between 1000 and 2200."]
    }
    assert not Request.objects.exists()
