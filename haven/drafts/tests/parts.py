"""Templates and drafts for tests: small DOCX files made with python-docx, the seed
story's case, and one template and draft for the routes table."""

from __future__ import annotations

import io

from haven.drafts import actions
from haven.drafts.models import DocumentTemplate


def docx_with(*paragraphs: str) -> bytes:
    """A DOCX whose paragraphs are ``paragraphs`` (placeholders and all)."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def template(*paragraphs: str, name: str = "Short letter", language: str = "en", by=None):
    """A template with ``paragraphs`` (by default the case code and the authority)."""
    paragraphs = paragraphs or ("{{ case.code }} to {{ authority }}",)
    return actions.add_template(
        name=name,
        language=language,
        petition_type=None,
        file_name="letter.docx",
        data=docx_with(*paragraphs),
        by=by,
    )


def routes_template() -> DocumentTemplate:
    return DocumentTemplate.objects.filter(name="Short letter").first() or template()


def draft(world):
    """A draft of the routes table's petition, made by the case's lead."""
    return actions.draft_document(world.petition, template=routes_template(), by=world.case.lead)


def seed_story(personas):
    """The seed story's case (haven.cases.demo and haven.incidents.demo), on the personas'
    team, worked by the member: the two men, the incidents, the petition to the
    Investigative Committee."""
    from haven.cases.demo import story
    from haven.incidents import demo as incidents_demo

    member = personas.member
    case, victims, uncle, unit = story(personas.team, member, member)
    incidents_demo.story(personas.team, member, case, victims, uncle, unit)
    petition = case.actions.get(kind__code="petition")
    return case, victims, petition


def small_case(personas):
    """A case lighter than the seed story: one man who consented to legal action, one
    detention with two acts against him, and a petition to the Investigative Committee."""
    from datetime import date

    from haven.cases import actions as cases
    from haven.incidents import actions as incidents
    from haven.lib.fuzzy_dates import FuzzyDate
    from haven.people.actions import add_person
    from haven.vocab.models import term

    by = personas.member
    man = add_person(team=personas.team, by=by, name="Адам Дакаев", birth_date="1998-05")
    case = cases.open_case(team=personas.team, by=by, title="Detained in Shali", persons=[man])
    cases.record_consent(
        man, by=by, case=case, purpose=term("consent_purpose", "legal_action"), status="given"
    )
    detention = incidents.record_incident(
        team=personas.team, by=by, title="Detention", start=FuzzyDate.parse("2022-03-14")
    )
    for code in ("arbitrary_detention", "torture"):
        incidents.record_act(detention, by=by, act_type=term("act_type", code), victim=man)
    incidents.link_case(detention, case, by=by)
    petition = cases.plan_action(
        case,
        by=by,
        kind=term("action_type", "petition"),
        title="State protection",
        authority=term("authority", "ic_chechnya"),
        petition_type=term("petition_type", "state_protection"),
        filed_on=date(2022, 3, 20),
        reference="SP-1",
    )
    return case, man, petition
