"""A case's parts made through its verbs, for tests that need one of each (the routes
table among them). Each is written by the case's lead, a writing member of its team."""

from haven.cases import actions
from haven.vocab.models import term


def assessment(case):
    return actions.assess_risk(case, by=case.lead, likelihood=3, impact=4, level="high")


def consent(case, person=None):
    person = person or case.current_persons().first()
    return actions.record_consent(
        person,
        by=case.lead,
        case=case,
        purpose=term("consent_purpose", "referral"),
        status="given",
    )


def note(case):
    return actions.add_note(case, by=case.lead, text="Called back; safe for now.")
