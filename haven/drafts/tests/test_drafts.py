"""Drafts from the seed story's case: each built-in template filled and read back, the
consent rule, versions, regenerating, and the file kept encrypted."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from haven.cases import actions as cases
from haven.documents.testing import docx_text
from haven.drafts import actions
from haven.drafts.context import petition_context
from haven.drafts.models import DocumentTemplate, Draft
from haven.drafts.tests import parts
from haven.vocab.models import term

SALMAN, ISLAM = "Салман Тагиров", "Ислам Келоев"


@pytest.fixture
def story(personas):
    return parts.seed_story(personas)


def _builtin(code: str) -> DocumentTemplate:
    """The built-in template ``code``, installed when first asked for (each costs a
    check and a trial fill)."""
    actions.install_builtin_templates(codes={code})
    return DocumentTemplate.objects.get(builtin=code)


def _text(draft: Draft) -> str:
    return docx_text(actions.draft_bytes(draft))


def test_request_for_state_protection_from_the_seed_story(personas, story):
    case, (salman, islam), petition = story
    draft = actions.draft_document(
        petition, template=_builtin("state_protection_ru"), by=personas.member
    )
    text = _text(draft)
    assert "Следственное управление СК России по Чеченской Республике" in text
    assert "ЗАЯВЛЕНИЕ" in text and "о применении мер государственной защиты" in text
    assert "119-ФЗ" in text and "ПРОШУ" in text
    # Both men, named (they gave consent for legal action), with their birth years.
    assert f"{SALMAN}, 1999 г. р." in text and f"{ISLAM}, 2002 г. р." in text
    # The facts with their dates and places, in Russian.
    assert "Произвольное задержание: Салман Тагиров, апрель 2020, Грозный" in text
    assert "4 февраля 2021, Нижний Новгород" in text
    assert "Угроза убийством со стороны родственников" in text
    assert "Руслан Тагиров" in text  # who threatens them
    # The petition's filing date and reference, the case, the lawyer, the signature.
    assert "Исх. № DEMO-2021-0212 от 12 февраля 2021 г." in text
    assert case.code in text
    assert personas.member.display_name in text
    assert "Убийство «чести»" in text  # from the latest risk assessment
    assert "{{" not in text and "{%" not in text
    # Kept encrypted in the vault, with the hash of what a download gives.
    stored = actions.draft_path(draft).read_bytes()
    data = actions.draft_bytes(draft)
    assert data.startswith(b"PK") and not stored.startswith(b"PK")
    assert b"PK\x05\x06" in data and b"PK\x05\x06" not in stored  # no zip directory
    assert hashlib.sha256(data).hexdigest() == draft.sha256
    assert draft.team == petition.team
    assert draft.template_version == _builtin("state_protection_ru").active
    assert "drafts.draft.made" in audit_actions()


def test_criminal_complaint_and_rule_39_request(personas, story):
    case, _victims, state_protection = story
    text = _text(
        actions.draft_document(
            state_protection, template=_builtin("criminal_complaint_ru"), by=personas.member
        )
    )
    assert "о преступлении" in text and "статьи 141" in text and "статье 306" in text
    assert SALMAN in text and ISLAM in text
    assert "Пытки: Ислам Келоев, апрель 2020, Грозный" in text

    petition = cases.plan_action(
        case,
        by=personas.member,
        kind=term("action_type", "petition"),
        title="Rule 39 request",
        authority=term("authority", "echr"),
        petition_type=term("petition_type", "echr_interim_measures"),
        filed_on=date(2021, 2, 15),
        reference="R39-1",
    )
    _builtin("echr_rule39_en")
    template = actions.default_template(petition)
    assert template.builtin == "echr_rule39_en"
    text = _text(actions.draft_document(petition, template=template, by=personas.member))
    assert "RULE 39 — URGENT" in text and "Articles 2 and 3 of the Convention" in text
    assert f"{SALMAN}, born 1999" in text
    assert "Our reference: R39-1, 15 February 2021" in text
    assert "Torture against Салман Тагиров (April 2020, Grozny)" in text
    assert "European Court of Human Rights" in text


def test_a_refused_consent_gives_the_code_not_the_name(personas, story):
    _case, (salman, islam), petition = story
    cases.record_consent(
        islam,
        by=personas.member,
        case=petition.case,
        purpose=term("consent_purpose", "legal_action"),
        status="withdrawn",
        given_on=date(2021, 2, 20),
    )
    text = _text(
        actions.draft_document(
            petition, template=_builtin("state_protection_ru"), by=personas.member
        )
    )
    assert ISLAM not in text and "Келоев" not in text
    assert islam.code in text
    assert SALMAN in text  # his consent stands


def test_no_consent_for_legal_action_gives_the_code(personas):
    person = parts_person(personas)
    case = cases.open_case(team=personas.team, by=personas.member, title="T", persons=[person])
    petition = _petition(case, personas.member)
    draft = actions.draft_document(
        petition, template=parts.template("{{ persons_display }}"), by=personas.member
    )
    text = _text(draft)
    assert person.code in text and "Анна" not in text


def parts_person(personas):
    from haven.people.actions import add_person

    return add_person(team=personas.team, by=personas.member, name="Анна Иванова")


def _petition(case, by, **fields):
    return cases.plan_action(
        case,
        by=by,
        kind=term("action_type", "petition"),
        title="State protection",
        authority=term("authority", "ic_chechnya"),
        petition_type=term("petition_type", "state_protection"),
        **fields,
    )


def audit_actions() -> list[str]:
    from haven.audit.models import AuditEntry

    return list(AuditEntry.objects.values_list("action", flat=True))


def test_regenerating_after_an_edit_shows_the_new_data(personas):
    _case, _man, petition = parts.small_case(personas)
    template = parts.template("{{ petition.reference }} / {{ persons_display }}")
    first = actions.draft_document(petition, template=template, by=personas.member)
    cases.update_action(petition, by=personas.member, reference="SK-2021-77")
    second = actions.regenerate(first, by=personas.member)
    assert second.pk != first.pk
    assert _text(second) == "SK-2021-77 / Адам Дакаев"
    assert _text(first) == "SP-1 / Адам Дакаев"  # the old draft stays as it was
    assert Draft.objects.filter(petition=petition).count() == 2


def test_a_new_version_becomes_active_and_drafts_remember_theirs(personas):
    person = parts_person(personas)
    case = cases.open_case(team=personas.team, by=personas.member, title="T", persons=[person])
    petition = _petition(case, personas.member)
    template = parts.template("First wording for {{ case.code }}.", by=personas.administrator)
    old = actions.draft_document(petition, template=template, by=personas.member)
    version = actions.add_version(
        template,
        file_name="v2.docx",
        data=parts.docx_with("Second wording for {{ case.code }}."),
        by=personas.administrator,
    )
    template.refresh_from_db()
    assert version.number == 2 and template.active == version
    new = actions.draft_document(petition, template=template, by=personas.member)
    assert old.template_version.number == 1 and new.template_version.number == 2
    assert "First wording" in _text(old) and "Second wording" in _text(new)
    assert version.uploaded_by == personas.administrator


def test_only_administrators_manage_templates(personas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        parts.template(by=personas.member)
    assert not DocumentTemplate.objects.exists()


def test_a_retired_template_is_not_offered(personas):
    template = parts.template(by=personas.administrator)
    actions.retire_template(template, by=personas.administrator)
    assert template not in actions.usable_templates()


def test_installing_the_built_ins_twice_installs_them_once(personas):
    assert len(actions.install_builtin_templates()) == 3
    assert actions.install_builtin_templates() == []
    assert DocumentTemplate.objects.count() == 3


def test_the_context_is_plain_data_the_user_may_see(personas):
    """What was removed stays out of the draft (the context reads through
    visible_to), and what a template gets is plain data, never a record."""
    from haven.incidents import actions as incidents
    from haven.incidents.models import Act

    _case, man, petition = parts.small_case(personas)
    incidents.remove_act(Act.objects.get(victim=man, act_type__code="torture"), by=personas.member)
    template = parts.template(
        "{%p for incident in incidents %}",
        "{%p for act in incident.acts %}",
        "{{ act.type }}: {{ act.victim }}, {{ act.date }}",
        "{%p endfor %}",
        "{%p endfor %}",
        language="ru",
    )
    text = _text(actions.draft_document(petition, template=template, by=personas.member))
    assert text == "Произвольное задержание: Адам Дакаев, 14 марта 2022"
    context = petition_context(petition, user=personas.member, language="ru")

    def plain(value):
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(item) for item in value)
        return type(value) in (str, bool)

    assert plain(context)
    assert context["persons"][0]["birth_date"] == "май 1998"
