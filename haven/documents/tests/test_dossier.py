"""The case dossier: what it says in each language and format, who is named in it, and
who may make one, for what reason, on the record."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.http import Http404
from django.urls import reverse

from conftest import sign_in
from haven.audit.context import Channel, audit_context
from haven.audit.models import AuditEntry
from haven.cases.actions import open_case
from haven.documents import actions, signing
from haven.documents.dossier import Dossier, Redactor
from haven.documents.testing import docx_text, pdf_pages, pdf_text
from haven.documents.tests.conftest import LAPSED, WITNESS, WITNESS_LATIN, WITNESS_PHONE

pytestmark = pytest.mark.django_db

REASON = "For the application to the Investigative Committee"
# What is known of the people that a dossier never prints, named or not.
NEVER = [
    WITNESS,
    WITNESS_LATIN,
    WITNESS_PHONE,
    "Зелимхан",
    LAPSED,
    "@salman_t_demo",  # contacts
    "+7 900 000-20-20",
    "moved with the organisation's help",  # whereabouts' notes
    "lived with his family",
]
# The same story, in each language: what a lawyer must find in the dossier.
EXPECTED = {
    "en": [
        "Case dossier",
        "April 28, 2020",  # opened
        "April 2020",  # the detention, a vague month
        "summer 2020",  # an action done in a season
        "February 4, 2021",  # the abduction
        "Arbitrary detention",
        "Torture",
        "Enforced disappearance or abduction",
        "Forced return",
        "Investigative Committee",
        "Granted",
        "March 18, 2021",  # the decision
        "State protection granted",
        "Carried it out",
        "B — usually reliable",
    ],
    "ru": [
        "28 апреля 2020",
        "апрель 2020",
        "лето 2020",
        "4 февраля 2021",
        "Произвольное задержание",
        "Пытки",
        "Следственное управление СК России по Чеченской Республике",
        "Удовлетворено",
        "18 марта 2021",
        "State protection granted",  # a free text stays as it was written
    ],
}


def flat(text: str) -> str:
    """The text as one reads it: words hyphenated at a line's end (U+2010, which
    only the typesetter writes) joined again, every other run of spaces and line
    breaks made one space."""
    return " ".join(re.sub(r"\u2010\s+", "", text).split())


def check(text: str, story, language: str) -> None:
    text = flat(text)
    for name in ("Салман Тагиров", "Ислам Келоев", "Руслан Тагиров", "Salman Tagirov"):
        assert name in text, f"{language}: {name} (consented) is missing"
    assert "Special police unit (fictional)" in text
    for person in (story.salman, story.islam, story.witness, story.lapsed, story.unit):
        assert person.code in text, f"{language}: {person.code} is missing"
    for secret in NEVER:
        assert secret not in text, f"{language}: {secret!r} is in the dossier"
    # The free text that named the witness names them by code.
    assert f"held with {story.witness.code}" in text
    for expected in EXPECTED[language]:
        assert expected in text, f"{language}: {expected!r} is missing"
    assert story.case.code in text
    assert story.evidence_sha256 in text
    assert story.testimony.code in text


def test_a_lawyers_dossier_names_those_who_consented_and_codes_the_others(story, personas):
    lawyer = personas.read_only  # a lawyer, reading the case as a read-only member
    for language in ("en", "ru"):
        pdf = actions.make_dossier(
            story.case, by=lawyer, format="pdf", language=language, reason=REASON
        )
        text = pdf_text(pdf.data, layout=False)
        check(text, story, language)
        # The footer carries the seal of exactly what the dossier says.
        sealed = signing.seal(pdf.dossier.statement())
        assert sealed.sha256 in flat(text)
        assert pdf_pages(pdf.data, f"dossier-{language}")
        word = actions.make_dossier(
            story.case, by=lawyer, format="docx", language=language, reason=REASON
        )
        assert word.data.startswith(b"PK")
        check(docx_text(word.data), story, language)
        assert pdf.dossier.named == word.dossier.named
    assert sorted(pdf.dossier.coded) == sorted([story.witness.code, story.lapsed.code])


def test_a_role_that_may_not_see_names_gets_codes_only(story, personas):
    caseworker = personas.member  # HAVEN_EXPORT_IDENTIFYING_ROLES has no caseworkers
    made = actions.make_dossier(
        story.case, by=caseworker, format="docx", language="en", reason=REASON
    )
    text = flat(docx_text(made.data))
    assert made.dossier.named == []
    for name in ("Салман", "Тагиров", "Salman", "Келоев", "Keloev", "Special police unit"):
        assert name not in text
    for person in (story.salman, story.islam, story.uncle, story.unit):
        assert person.code in text
    assert "Arbitrary detention" in text and story.evidence_sha256 in text
    assert "role of the person who made this dossier may not see names" in text


def test_the_page_sends_the_file_and_the_audit_log_says_why_and_what(client, story, personas):
    sign_in(client, personas.read_only)
    case_page = client.get(reverse("cases:detail", kwargs={"uuid": story.case.uuid}))
    url = reverse("documents:dossier", kwargs={"uuid": story.case.uuid})
    assert url in case_page.content.decode()
    page = client.get(url)
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()

    response = client.post(url, {"language": "ru", "format": "docx", "reason": REASON})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment") and f"dossier-{story.case.code}-ru" in disposition
    assert "Салман Тагиров" in docx_text(response.content)

    entry = AuditEntry.objects.get(action="documents.dossier.made")
    assert entry.actor == personas.read_only
    assert entry.object_id == str(story.case.uuid)
    assert hashlib.sha256(response.content).hexdigest() in entry.summary
    assert f"dossier {story.case.code} docx ru" in entry.summary
    named, coded = entry.summary.split("named: ")[1].split("; by code: ")
    assert story.salman.code in named and story.islam.code in named
    assert story.witness.code in coded and story.lapsed.code in coded
    assert story.witness.code not in named
    assert entry.summary.endswith(f"reason: {REASON}")
    assert f"people.person:{story.witness.uuid}" in entry.records
    assert f"sources.evidencefile:{story.evidence.uuid}" in entry.records
    # The audit log itself names no one.
    assert "Салман" not in entry.summary and "Салман" not in str(entry.records)


def test_a_dossier_needs_a_reason(client, story, personas):
    sign_in(client, personas.member)
    url = reverse("documents:dossier", kwargs={"uuid": story.case.uuid})
    for reason in ("", "   ", "court"):
        response = client.post(url, {"language": "en", "format": "pdf", "reason": reason})
        assert response.status_code == 400
        assert 'name="reason"' in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        actions.make_dossier(story.case, by=personas.member, format="pdf", language="en", reason="")
    assert "reason" in refused.value.message_dict
    assert not AuditEntry.objects.filter(action="documents.dossier.made").exists()


def test_outsiders_never_learn_of_the_case(client, story, personas):
    url = reverse("documents:dossier", kwargs={"uuid": story.case.uuid})
    for persona in (personas.outsider, personas.administrator):
        sign_in(client, persona)
        assert client.get(url).status_code == 404
        data = {"language": "en", "format": "docx", "reason": REASON}
        assert client.post(url, data).status_code == 404
        with pytest.raises(Http404):
            actions.make_dossier(
                story.case, by=persona, format="docx", language="en", reason=REASON
            )
    assert not AuditEntry.objects.filter(action="documents.dossier.made").exists()
    assert AuditEntry.objects.filter(action="access.denied", actor=personas.outsider).exists()


def test_the_command_writes_the_dossier_for_its_owner_alone(story, personas, tmp_path):
    out = tmp_path / "dossier.docx"
    err = io.StringIO()
    with audit_context(Channel.CLI):
        call_command(
            "dossier",
            story.case.code.lower(),
            by=personas.read_only.email,
            reason=REASON,
            language="en",
            output=str(out),
            stderr=err,
        )
    data = out.read_bytes()
    assert out.stat().st_mode & 0o777 == 0o600
    assert "Салман Тагиров" in docx_text(data)
    assert hashlib.sha256(data).hexdigest() in err.getvalue()
    entry = AuditEntry.objects.get(action="documents.dossier.made")
    assert entry.channel == Channel.CLI and REASON in entry.summary
    with pytest.raises(CommandError, match="has no case"):
        call_command(
            "dossier", story.case.code, by=personas.outsider.email, reason=REASON, output=str(out)
        )
    with pytest.raises(CommandError, match="reason"):
        call_command(
            "dossier", story.case.code, by=personas.member.email, reason="x", output=str(out)
        )


def test_a_case_with_nothing_on_it_says_so(personas):
    case = open_case(team=personas.team, by=personas.member, title="Just opened")
    made = actions.make_dossier(
        case, by=personas.read_only, format="docx", language="en", reason=REASON
    )
    text = docx_text(made.data)
    for said in ("No person is on this case.", "No petitions.", "No incident is linked"):
        assert said in text
    assert made.dossier.named == made.dossier.coded == []


def test_a_long_list_of_people_goes_into_entries_of_its_own(personas):
    case = open_case(team=personas.team, by=personas.member, title="Many people")
    codes = [f"P-{n:06d}" for n in range(40)]
    dossier = Dossier(case, "en", "t", "s", [], named=codes, coded=["P-CODED1"], records=[])
    actions._audit(dossier, by=personas.member, format="pdf", sha256="0" * 64, reason=REASON)
    entry = AuditEntry.objects.get(action="documents.dossier.made")
    assert "named 40, by code 1 (listed next)" in entry.summary and REASON in entry.summary
    rest = " ".join(e.summary for e in AuditEntry.objects.filter(action="documents.dossier.people"))
    assert all(code in rest for code in [*codes, "P-CODED1"])


def test_the_redactor_replaces_name_forms_with_the_code():
    class Person:
        code, kind = "P-AAAAAA", "individual"
        name, other_names, nicknames = "Зелимхан Ортаев", ["Zelimkhan Ortaev"], ["Зелик"]
        contacts = [{"kind": "phone", "value": "+7 928 555-01-01"}]

    redact = Redactor([Person()])
    assert redact("Зелимхана Ортаева задержали; Zelimkhan called from +7 928 555-01-01.") == (
        "P-AAAAAA P-AAAAAA задержали; P-AAAAAA called from P-AAAAAA."
    )
    assert redact("Both men were beaten.") == "Both men were beaten."
    assert Redactor([])("Зелимхан") == "Зелимхан"
