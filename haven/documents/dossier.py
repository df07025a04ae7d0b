"""What a case dossier says: the case as its lawyer needs it, in one language.

``gather(case, by=…, language=…)`` reads the case and everything linked to it as
``by`` may see it and writes it out as *parts* (a heading, facts, a table of rows of
text), already in ``language``; the PDF (``documents/dossier.html``) and the DOCX
(``word.py``) draw the same parts, and the footer's seal covers exactly them.

Who is named: a dossier is made for legal action, so a person is named when the
maker's role may make identifying exports (``HAVEN_EXPORT_IDENTIFYING_ROLES``) and
the person's newest consent for legal action, if there is one, still allows it
(``exports.consent.withheld_for``): refused, withdrawn or expired consent keeps them
to their code. A person shown by code has nothing that identifies them in the
dossier: no name, birth date or nationality; and the free texts written by staff
(titles, descriptions, narratives) have every name form and contact of theirs that
Haven knows replaced by their code. No one's contacts or present whereabouts are
printed at all, named or not: a dossier goes to a court and to the other side, and
where a person at risk lives now is not for either.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from haven.cases.timeline import KINDS, case_events
from haven.documents.signing import canonical
from haven.exports.actions import may_export_identifying
from haven.exports.consent import withheld_for

CONSENT_PURPOSE = "legal_action"
DASH = "—"
# A text cell longer than this is cut: a dossier is read, not searched.
LONGEST_TEXT = 1200


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths: list[int] = field(default_factory=list)  # percent per column; empty: even
    mono: list[int] = field(default_factory=list)  # columns of codes and hashes


@dataclass
class Part:
    """One part of the dossier: a heading, then facts, a text, a table or ``empty``."""

    heading: str
    level: int = 2
    facts: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""
    table: Table | None = None
    empty: str = ""  # what to say when it has nothing to show
    picture: bool = False  # the timeline's picture goes under the heading (PDF)

    @property
    def is_empty(self) -> bool:
        if self.table is not None:
            return not self.table.rows
        return not (self.facts or self.text)


@dataclass
class Dossier:
    case: object
    language: str
    title: str
    subtitle: str
    parts: list[Part]
    named: list[str]  # codes of the persons named
    coded: list[str]  # codes of the persons shown by code only
    records: list  # every record the dossier shows, for the audit entry
    timeline: list = field(default_factory=list)  # (x, lane, kind) for the PDF's picture

    def statement(self) -> bytes:
        """The canonical bytes of what the dossier says (its seal covers them)."""
        return canonical(
            {
                "document": "case dossier",
                "case": self.case.code,
                "language": self.language,
                "title": self.title,
                "subtitle": self.subtitle,
                "parts": [asdict(part) for part in self.parts],
            }
        )


class Redactor:
    """Replaces the name forms and contacts of people shown by code with their codes.

    Free texts are written by people, so this is a safety net, not a proof: it finds
    each full name form and, for an individual, each word of one (three letters or
    more, with any ending: "Салмана" for "Салман"), case-insensitively.
    """

    def __init__(self, people):
        replacements: dict[str, str] = {}
        for person in people:
            names = [person.name, *(person.other_names or []), *(person.nicknames or [])]
            contacts = [contact.get("value", "") for contact in person.contacts or []]
            for form in [*names, *contacts]:
                form = (form or "").strip()
                if len(form) >= 3:
                    replacements[form.casefold()] = person.code
            if person.kind == "individual":
                for form in names:
                    for word in re.findall(r"\w{3,}", form or ""):
                        replacements.setdefault(word.casefold(), person.code)
        self.codes = replacements
        if not replacements:
            self.pattern = None
            return
        # Longest first, so a full name is replaced before its words are.
        ordered = sorted(replacements, key=len, reverse=True)
        self.pattern = re.compile(
            "|".join(rf"(?<!\w){re.escape(form)}\w*" for form in ordered), re.IGNORECASE
        )

    def __call__(self, text) -> str:
        text = str(text or "")
        if self.pattern is None or not text:
            return text
        return self.pattern.sub(lambda found: self._code_for(found.group(0)), text)

    def _code_for(self, found: str) -> str:
        folded = found.casefold()
        best = max((form for form in self.codes if folded.startswith(form)), key=len)
        return self.codes[best]


def _day(value) -> str:
    return date_format(value, "DATE_FORMAT") if value else DASH


def _cut(text: str) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= LONGEST_TEXT else text[: LONGEST_TEXT - 1] + "…"


def _labels(terms) -> str:
    return ", ".join(str(term.label) for term in terms) or DASH


class People:
    """Every person the dossier mentions, each with their roles and how to write them."""

    def __init__(self, by):
        self.by = by
        self.may_name = may_export_identifying(by)
        self.withheld = withheld_for(by, CONSENT_PURPOSE) if self.may_name else set()
        self.order: list = []
        self.roles: dict[int, list[str]] = {}

    def add(self, person, role: str) -> None:
        if person.pk not in self.roles:
            self.order.append(person)
            self.roles[person.pk] = []
        if role not in self.roles[person.pk]:
            self.roles[person.pk].append(role)

    def named(self, person) -> bool:
        return self.may_name and person.pk not in self.withheld

    def label(self, person) -> str:
        """ "Салман Тагиров (P-XXXXXX)" where the person may be named, else the code."""
        if self.named(person):
            return f"{person.name} ({person.code})"
        return person.code

    def redactor(self) -> Redactor:
        return Redactor([person for person in self.order if not self.named(person)])


def gather(case, *, by, language: str, reason: str = "", made_at=None) -> Dossier:
    """The dossier of ``case`` (already fetched for ``by``) as ``by`` may see it, in
    ``language``."""
    from haven.incidents.models import Act, InformationLink, Involvement
    from haven.people.models import Person
    from haven.sources.models import EvidenceFile, Source

    made_at = made_at or timezone.now()
    with translation.override(language):
        visible_people = Person.objects.visible_to(by)
        people = People(by)
        for person in case.current_persons().filter(pk__in=visible_people.values("pk")):
            people.add(person, _("person at risk on the case"))

        incidents = list(
            case.incidents.visible_to(by)
            .select_related("location")
            .order_by("start_earliest", "code")
        )
        acts = list(
            Act.objects.live()
            .filter(incident__in=incidents, victim__in=visible_people)
            .select_related("act_type", "victim", "location", "incident")
            .order_by("start_earliest", "created_at")
        )
        involvements = list(
            Involvement.objects.live()
            .filter(act__in=acts, perpetrator__in=visible_people)
            .select_related("perpetrator")
            .order_by("created_at")
        )
        for act in acts:
            people.add(act.victim, _("victim"))
        for involvement in involvements:
            people.add(involvement.perpetrator, _("perpetrator"))
        actions = list(
            case.actions.live()
            .select_related("kind", "owner", "authority", "petition_type")
            .prefetch_related("persons")
            .order_by("filed_on", "due_on", "created_at")
        )
        for action in actions:
            for person in action.persons.all():
                if person.deleted_at is None and person.team_id == case.team_id:
                    people.add(person, _("named in an action"))
        assessments = list(
            case.assessments.live()
            .prefetch_related("threat_sources", "threat_types")
            .order_by("assessed_on", "created_at")
        )
        links = list(
            InformationLink.objects.live()
            .filter(incident__in=incidents, source__in=Source.objects.visible_to(by))
            .select_related("source", "incident")
            .order_by("source__code", "incident__code")
        )
        sources = list({link.source_id: link.source for link in links}.values())
        files = list(
            EvidenceFile.objects.live()
            .filter(source__in=sources)
            .select_related("source")
            .order_by("source__code", "created_at")
        )
        redact = people.redactor()
        events = case_events(case)

        parts = [
            _about(case, by, reason, made_at, people),
            _persons(people),
            _timeline(events, redact),
            risks_part(assessments, redact),
            _petitions(actions, people, redact),
            _actions(actions, people, redact),
            *_incidents(incidents, acts, involvements, links, people, redact),
            _sources(sources, links, redact),
            _files(files, redact),
        ]
        dossier = Dossier(
            case=case,
            language=language,
            title=_("Case dossier %(code)s") % {"code": case.code},
            subtitle=redact(case.title),
            parts=parts,
            named=[p.code for p in people.order if people.named(p)],
            coded=[p.code for p in people.order if not people.named(p)],
            records=[
                case,
                *people.order,
                *assessments,
                *actions,
                *incidents,
                *acts,
                *involvements,
                *links,
                *sources,
                *files,
            ],
            timeline=events,
        )
    return dossier


def _about(case, by, reason, made_at, people) -> Part:
    facts = [
        (_("Case"), case.code),
        (_("Title"), people.redactor()(case.title)),
        (_("Status"), str(case.get_status_display())),
        (_("Risk level"), str(case.get_risk_level_display()) or _("not assessed")),
        (_("Opened"), _day(case.opened_on)),
        (_("Team"), case.team.name),
        (_("Lead caseworker"), case.lead.display_name if case.lead else DASH),
        (pgettext("dossier", "Made by"), by.display_name),
        (_("Made on"), date_format(timezone.localtime(made_at), "DATETIME_FORMAT")),
    ]
    if reason:
        facts.append((_("Reason"), reason))
    if people.may_name:
        names = _(
            "Persons are named where their consent for legal action allows it. A person "
            "whose consent was refused, withdrawn or has expired appears by code only, "
            "and nothing here identifies them."
        )
    else:
        names = _(
            "Persons appear by code only: the role of the person who made this dossier "
            "may not see names in exports."
        )
    facts.append((_("Names"), names))
    facts.append(
        (
            _("Not included"),
            _(
                "Contacts and present whereabouts of any person, and internal notes on "
                "people, are never printed in a dossier."
            ),
        )
    )
    if case.summary:
        facts.append((_("Summary"), _cut(people.redactor()(case.summary))))
    return Part(_("The case"), facts=facts)


def _persons(people: People) -> Part:
    rows = []
    for person in people.order:
        roles = ", ".join(people.roles[person.pk])
        if people.named(person):
            forms = [*(person.other_names or []), *(person.nicknames or [])]
            details = [
                person.birth_date.label() if person.birth_date else "",
                str(person.get_gender_display()),
                person.nationality or "",
            ]
            name = person.name + (f" ({', '.join(forms)})" if forms else "")
            rows.append([person.code, name, "; ".join(d for d in details if d) or DASH, roles])
        else:
            rows.append([person.code, _("shown by code only"), DASH, roles])
    return Part(
        _("Persons"),
        table=Table(
            [_("Code"), _("Name and other forms"), _("Born, gender, nationality"), _("Role")],
            rows,
            widths=[14, 40, 24, 22],
        ),
        empty=_("No person is on this case."),
    )


def _timeline(events, redact) -> Part:
    kinds = dict(KINDS)
    rows = []
    for event in events:
        when = event.when or _day(event.day)
        what, detail = redact(event.label), redact(event.detail)
        if event.kind == "note":  # the label is the note's first words; print it whole
            what, detail = detail, ""
        rows.append([when, str(kinds[event.kind]), _cut(what), _cut(detail)])
    return Part(
        _("Timeline"),
        text=_("Each event stands at the day it happened, as vague as it is known."),
        picture=True,
        table=Table([_("Date"), _("Event"), _("What"), _("Details")], rows, [20, 14, 33, 33]),
        empty=_("Nothing has happened on this case yet."),
    )


def risks_part(assessments, redact, with_case: bool = False) -> Part:
    """The risk assessments as a table; ``with_case`` adds the case each belongs to (a
    person's own copy spans several cases, a dossier is one)."""
    rows = [
        [
            *([risk.case.code] if with_case else []),
            _day(risk.assessed_on),
            str(risk.get_level_display()),
            _labels(risk.threat_sources.all()),
            _labels(risk.threat_types.all()),
            f"{risk.likelihood} / {risk.impact}",
            _cut(redact(risk.narrative)) or DASH,
        ]
        for risk in assessments
    ]
    headers = [
        _("Assessed on"),
        _("Level"),
        _("Threat sources"),
        _("Threat types"),
        _("Likelihood / impact"),
        _("Assessment"),
    ]
    widths = [13, 13, 16, 17, 13, 28]
    if with_case:
        headers, widths = [_("Case"), *headers], [10, 12, 10, 15, 15, 12, 26]
    return Part(
        _("Risk assessments"),
        table=Table(headers, rows, widths),
        empty=_("No assessment yet."),
    )


def _for_whom(action, people) -> str:
    return ", ".join(people.label(person) for person in action.persons.all())


def _petitions(actions, people, redact) -> Part:
    rows = []
    for petition in (action for action in actions if action.is_petition):
        what = [redact(petition.title), str(petition.petition_type.label)]
        if petition.reference:
            what.append(_("ref. %(reference)s") % {"reference": redact(petition.reference)})
        if petition.persons.all():
            what.append(_("for %(whom)s") % {"whom": _for_whom(petition, people)})
        decision = str(petition.get_decision_display() or DASH)
        if petition.decision_on:
            decision += f", {_day(petition.decision_on)}"
        rows.append(
            [
                "; ".join(what),
                str(petition.authority.label),
                _day(petition.filed_on),
                decision,
                _cut(redact(petition.measures)) or DASH,
                _day(petition.open_deadline) if petition.open_deadline else DASH,
            ]
        )
    return Part(
        _("Petitions and decisions"),
        table=Table(
            [
                _("Petition"),
                _("Authority"),
                _("Filed on"),
                _("Decision"),
                _("Measures granted"),
                _("Next deadline"),
            ],
            rows,
            [25, 17, 12, 16, 18, 12],
        ),
        empty=_("No petitions."),
    )


def _actions(actions, people, redact) -> Part:
    rows = []
    for action in (action for action in actions if not action.is_petition):
        what = redact(action.title)
        if action.persons.all():
            what += " · " + _("for %(whom)s") % {"whom": _for_whom(action, people)}
        done = action.done.label() if action.done else DASH
        rows.append(
            [
                what,
                str(action.kind.label),
                str(action.get_status_display()),
                done,
                _day(action.due_on) if action.due_on else DASH,
                _cut(redact(action.outcome)) or DASH,
            ]
        )
    return Part(
        _("Actions"),
        table=Table(
            [_("What"), _("Type"), _("Status"), _("Done"), _("Due"), _("Outcome")],
            rows,
            [27, 14, 14, 13, 12, 20],
        ),
        empty=_("No actions."),
    )


def _incidents(incidents, acts, involvements, links, people, redact) -> list[Part]:
    if not incidents:
        return [Part(_("Incidents"), empty=_("No incident is linked to this case."))]
    parts = [Part(_("Incidents"), text=_("The incidents this case answers, oldest first."))]
    by_act: dict[int, list] = {}
    for involvement in involvements:
        by_act.setdefault(involvement.act_id, []).append(involvement)
    for incident in incidents:
        facts = [
            (_("When"), incident.period_label or DASH),
            (_("Place"), incident.location.full_name if incident.location else DASH),
            (_("Violation status"), str(incident.get_violation_status_display())),
        ]
        for label, text in [
            (_("Stated grounds"), incident.stated_grounds),
            (_("Documented motive"), incident.documented_motive),
            (_("Description"), incident.description),
        ]:
            if text:
                facts.append((label, _cut(redact(text))))
        cited = [
            f"{link.source.code} ({link.reliability}{link.credibility})"
            for link in links
            if link.incident_id == incident.pk
        ]
        facts.append((_("Sources"), ", ".join(cited) or DASH))
        rows = []
        for act in (act for act in acts if act.incident_id == incident.pk):
            perpetrators = []
            for involvement in by_act.get(act.pk, []):
                line = (
                    f"{people.label(involvement.perpetrator)}: {involvement.get_degree_display()}"
                )
                if involvement.affiliation:
                    line += f" ({redact(involvement.affiliation)})"
                perpetrators.append(line)
            rows.append(
                [
                    str(act.act_type.label),
                    people.label(act.victim),
                    act.when.label() if act.when else DASH,
                    str(act.get_victim_status_display()),
                    "; ".join(perpetrators) or DASH,
                ]
            )
        parts.append(
            Part(
                f"{incident.code} · {redact(incident.title)}",
                level=3,
                facts=facts,
                table=Table(
                    [
                        _("Act"),
                        _("Victim"),
                        _("When"),
                        _("Victim's status at the end"),
                        _("Perpetrators: degree (affiliation)"),
                    ],
                    rows,
                    [20, 20, 14, 16, 30],
                ),
                empty=_("No acts recorded."),
            )
        )
    return parts


def _sources(sources, links, redact) -> Part:
    rows = []
    for source in sources:
        cited = [
            f"{link.incident.code}: {link.get_reliability_display()}; "
            f"{link.get_credibility_display()}"
            for link in links
            if link.source_id == source.pk
        ]
        about = [redact(source.title), str(source.get_kind_display())]
        if source.author:
            about.append(redact(source.author))
        if source.published:
            about.append(source.published.label())
        if source.url:
            about.append(redact(source.url))
        rows.append([source.code, "; ".join(about), "\n".join(cited)])
    return Part(
        _("Sources cited"),
        text=_(
            "Reliability of the source (A–F) and credibility of the information (1–6) on "
            "the Admiralty scale, as judged for each incident."
        ),
        table=Table(
            [_("Code"), _("Source"), _("Reliability and credibility, by incident")],
            rows,
            [12, 48, 40],
        ),
        empty=_("No source is cited for this case's incidents."),
    )


def _files(files, redact) -> Part:
    codes = {}
    rows = []
    for evidence in files:
        code = codes.setdefault(evidence.source_id, evidence.source.code)
        rows.append(
            [
                code,
                redact(evidence.name),
                _("%(size)s bytes") % {"size": evidence.size},
                evidence.sha256,
            ]
        )
    return Part(
        _("Evidence files"),
        text=_(
            "Each original is kept unchanged in Haven's vault; its SHA-256 was taken as it "
            "was received, so a copy can be checked with any standard tool (sha256sum)."
        ),
        table=Table(
            [_("Source"), _("File"), _("Size"), _("SHA-256")], rows, [13, 19, 13, 55], mono=[3]
        ),
        empty=_("No evidence file is attached to these sources."),
    )
