"""The petition's drafts in the browser: one click from the case to the Russian
petition, its hash on the page, downloads audited, outsiders shown nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.documents.testing import docx_text
from haven.drafts import actions
from haven.drafts.models import Draft
from haven.drafts.tests import parts


@pytest.fixture
def story(personas):
    actions.install_builtin_templates(codes={"state_protection_ru"})
    return parts.seed_story(personas)


@pytest.fixture
def small(personas):
    parts.template("{{ case.code }} {{ petition.reference }} to {{ authority }}")
    return parts.small_case(personas)


def _client(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def test_one_click_from_the_case_to_the_russian_petition(personas, story):
    case, _victims, petition = story
    member = _client(personas.member)
    case_page = member.get(reverse("cases:detail", kwargs={"uuid": case.uuid})).content.decode()
    make = reverse("drafts:make", kwargs={"uuid": petition.uuid})
    assert f'action="{make}"' in case_page
    # The button sends no choice: the template for the petition's kind is used.
    response = member.post(make)
    draft = Draft.objects.get(petition=petition)
    assert draft.template_version.template.builtin == "state_protection_ru"
    assert response.status_code == 302 and response.url.endswith(f"?made={draft.uuid}")
    page = member.get(response.url).content.decode()
    download = reverse("drafts:download", kwargs={"uuid": draft.uuid})
    assert draft.sha256 in page and download in page
    data = member.get(download)
    assert data["Content-Disposition"].startswith("attachment")
    text = docx_text(data.content)
    assert "Следственное управление СК России по Чеченской Республике" in text
    assert "Салман Тагиров" in text and "12 февраля 2021 г." in text
    assert AuditEntry.objects.filter(action="drafts.draft.downloaded").count() == 1


def test_the_read_only_member_downloads_but_does_not_draft(personas, small):
    _case, _man, petition = small
    draft = actions.draft_document(
        petition, template=actions.default_template(petition), by=personas.member
    )
    reader = _client(personas.read_only)
    page = reader.get(reverse("drafts:petition", kwargs={"uuid": petition.uuid}))
    assert page.status_code == 200 and draft.sha256 in page.content.decode()
    assert reverse("drafts:make", kwargs={"uuid": petition.uuid}) not in page.content.decode()
    assert reader.get(reverse("drafts:download", kwargs={"uuid": draft.uuid})).status_code == 200
    assert reader.post(reverse("drafts:make", kwargs={"uuid": petition.uuid})).status_code == 403
    assert Draft.objects.count() == 1


@pytest.mark.parametrize("persona", ["outsider", "administrator"])
def test_outsiders_get_404_everywhere(personas, small, persona):
    _case, _man, petition = small
    draft = actions.draft_document(
        petition, template=actions.default_template(petition), by=personas.member
    )
    client = _client(getattr(personas, persona))
    for url in (
        reverse("drafts:petition", kwargs={"uuid": petition.uuid}),
        reverse("drafts:download", kwargs={"uuid": draft.uuid}),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("drafts:make", kwargs={"uuid": petition.uuid}),
        reverse("drafts:regenerate", kwargs={"uuid": draft.uuid}),
    ):
        assert client.post(url).status_code == 404, url
    assert Draft.objects.count() == 1
    assert not AuditEntry.objects.filter(action="drafts.draft.downloaded").exists()


def test_regenerate_from_the_page_keeps_the_old_draft(personas, small):
    from haven.cases import actions as cases

    _case, _man, petition = small
    member = _client(personas.member)
    member.post(reverse("drafts:make", kwargs={"uuid": petition.uuid}))
    first = Draft.objects.get()
    cases.update_action(petition, by=personas.member, reference="SK-2021-99")
    response = member.post(reverse("drafts:regenerate", kwargs={"uuid": first.uuid}))
    second = Draft.objects.exclude(pk=first.pk).get()
    assert response.url.endswith(f"?made={second.uuid}")
    assert "SK-2021-99" in docx_text(actions.draft_bytes(second))
    assert "SK-2021-99" not in docx_text(actions.draft_bytes(first))
    page = member.get(reverse("drafts:petition", kwargs={"uuid": petition.uuid})).content.decode()
    assert first.sha256 in page and second.sha256 in page


def test_the_page_works_in_russian(personas, small):
    _case, _man, petition = small
    member = _client(personas.member)
    page = member.get(
        reverse("drafts:petition", kwargs={"uuid": petition.uuid}), HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert page.status_code == 200 and 'lang="ru"' in page.content.decode()
    assert "Short letter" in page.content.decode()


def test_a_draft_without_any_template_says_what_to_do(personas):
    from haven.cases import actions as cases
    from haven.vocab.models import term

    case = cases.open_case(team=personas.team, by=personas.member, title="T")
    petition = cases.plan_action(
        case,
        by=personas.member,
        kind=term("action_type", "petition"),
        title="P",
        authority=term("authority", "ic_chechnya"),
        petition_type=term("petition_type", "state_protection"),
    )
    member = _client(personas.member)
    response = member.post(reverse("drafts:make", kwargs={"uuid": petition.uuid}), follow=True)
    assert "No document template is installed" in response.content.decode()
    assert not Draft.objects.exists()
