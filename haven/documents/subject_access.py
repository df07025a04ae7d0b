"""A person's own copy (subject access): everything Haven holds about one person.

``gather(person, by=…, language=…)`` reads, as ``by`` may see it, the person's record
(every name form, contacts, whereabouts, notes), their relationships, the cases they
are on and the requests they made (with the risk assessments and the actions that
concern them), their consents, the incidents where they are a victim or a perpetrator
(with those acts), the sources linked to those incidents with their files' SHA-256,
and the audit log's entries about their record; it writes it out as the dossier's
*parts*, in ``language``.

What identifies others stays out: another person appears by code only, never by name,
and in the free texts staff wrote (titles, narratives, notes) every name form and
contact of the others that Haven knows is replaced by their code (the dossier's
``Redactor``, a safety net rather than a proof). Staff are not named either: the
audit entries say what was done and when, not by whom.

``build_bundle`` packs the copy as a zip that verifies offline like an evidence
bundle: ``own-copy.json`` (the statement the PDF's footer seals), ``own-copy.pdf``,
``SHA256SUMS`` signed by the instance's Ed25519 key, the public key and a README.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from haven.documents.dossier import DASH, Part, Redactor, Table, _cut, _day, risks_part
from haven.documents.signing import canonical
from haven.records.masking import unmasked

FORMAT = "haven-own-copy-1"
README = """A person's own copy from Haven
==============================

own-copy.pdf is everything the organisation's Haven holds about one person, as the
person may read it; own-copy.json says the same in a form a program can read (the
PDF's footer carries its SHA-256 and the instance's signature over it). Other people
appear by their codes only.

To check that nothing was changed since the organisation made it, unpack the archive
and, in the unpacked folder:

1. Check every file against its checksum (Linux; on macOS use `shasum -a 256 -c`):

       sha256sum -c SHA256SUMS

2. Check that the checksum list was signed by the organisation's Haven instance
   (OpenSSL 3 or newer):

       openssl pkeyutl -verify -pubin -inkey haven-public-key.pem -rawin \\
           -in SHA256SUMS -sigfile SHA256SUMS.sig

   It must print "Signature Verified Successfully".

3. Make sure haven-public-key.pem is the key the organisation published (compare it
   with `haven keys public-key`, obtained through another channel).
"""


def allowed_roles() -> list[str]:
    return [role.lower() for role in settings.HAVEN_SUBJECT_ACCESS_ROLES]


def may_make(user) -> bool:
    """Whether ``user``'s role may make a person's own copy (``HAVEN_SUBJECT_ACCESS_ROLES``)."""
    return getattr(user, "role", None) in allowed_roles()


def person_language(person) -> str | None:
    """The language of the site the person reads best, when their record says so."""
    for language in person.languages or []:
        folded = str(language).strip().casefold()
        if folded.startswith(("ru", "рус")):
            return "ru"
        if folded.startswith(("en", "анг")):
            return "en"
    return None


def _section(user, person) -> dict | None:
    """The person page's link to the own copy, for those who may make it."""
    from haven.records.access import can_write

    if not may_make(user) or not can_write(user, person) or not person.shown_to(user):
        return None
    return {"person": person}


@dataclass
class OwnCopy:
    person: object
    language: str
    title: str
    subtitle: str
    parts: list[Part]
    others: list[str]  # codes of the other people mentioned, by code only
    records: list  # every record the copy shows, for the audit entry
    picture = None  # the dossier template's timeline picture: none here

    def statement(self) -> bytes:
        """The canonical bytes of what the copy says (its seal covers them)."""
        return canonical(
            {
                "format": FORMAT,
                "document": "own copy",
                "person": self.person.code,
                "language": self.language,
                "title": self.title,
                "subtitle": self.subtitle,
                "parts": [asdict(part) for part in self.parts],
            }
        )


def _others(person, *, by, cases, acts, involvements, relationships, actions):
    """The other people the copy could mention, read as ``by`` sees them."""
    from haven.cases.models import CasePerson, Request
    from haven.incidents.models import Act, Involvement
    from haven.people.models import Person

    ids = set(
        CasePerson.objects.filter(case__in=cases, removed_at__isnull=True).values_list(
            "person", flat=True
        )
    )
    ids |= set(
        Request.objects.filter(case__in=cases, requester__isnull=False).values_list(
            "requester", flat=True
        )
    )
    incidents = {act.incident_id for act in acts} | {i.act.incident_id for i in involvements}
    ids |= set(Act.objects.filter(incident__in=incidents).values_list("victim", flat=True))
    ids |= set(
        Involvement.objects.filter(act__incident__in=incidents).values_list(
            "perpetrator", flat=True
        )
    )
    ids |= {r.other_id for r in relationships} | {r.person_id for r in relationships}
    for action in actions:
        ids |= {p.pk for p in action.persons.all()}
    ids.discard(person.pk)
    return list(Person.objects.visible_to(by).filter(pk__in=ids).order_by("code"))


def gather(person, *, by, language: str, reason: str = "", made_at=None) -> OwnCopy:
    """The own copy of ``person`` (already fetched for ``by``) in ``language``."""
    from haven.audit.models import AuditEntry
    from haven.cases.models import (
        Case,
        CaseAction,
        CasePerson,
        Consent,
        Request,
        RiskAssessment,
    )
    from haven.incidents.models import Act, InformationLink, Involvement
    from haven.people.models import Relationship
    from haven.sources.models import EvidenceFile

    made_at = made_at or timezone.now()
    with translation.override(language):
        relationships = list(
            Relationship.objects.visible_to(by)
            .filter(Q(person=person) | Q(other=person))
            .filter(person__deleted_at__isnull=True, other__deleted_at__isnull=True)
            .select_related("kind", "person", "other")
            .order_by("created_at")
        )
        requests = list(
            Request.objects.visible_to(by)
            .filter(requester=person)
            .select_related("channel", "case")
            .order_by("received_at")
        )
        on_cases = CasePerson.objects.filter(person=person, removed_at__isnull=True)
        cases = list(
            Case.objects.visible_to(by)
            .filter(
                Q(pk__in=on_cases.values("case"))
                | Q(pk__in=[r.case_id for r in requests if r.case_id])
            )
            .order_by("opened_on", "code")
        )
        assessments = list(
            RiskAssessment.objects.visible_to(by)
            .filter(case__in=cases)
            .select_related("case")
            .prefetch_related("threat_sources", "threat_types")
            .order_by("assessed_on", "created_at")
        )
        # The actions of their cases that concern them: those for them or for nobody named.
        actions = [
            action
            for action in CaseAction.objects.visible_to(by)
            .filter(case__in=cases)
            .select_related("case", "kind")
            .prefetch_related("persons")
            .order_by("due_on", "created_at")
            if not action.persons.all() or person in action.persons.all()
        ]
        consents = list(
            Consent.objects.visible_to(by)
            .filter(person=person)
            .select_related("purpose", "case")
            .order_by("given_on")
        )
        acts = list(
            Act.objects.visible_to(by)
            .filter(victim=person, incident__deleted_at__isnull=True)
            .select_related("act_type", "incident", "location")
            .order_by("start_earliest", "created_at")
        )
        involvements = list(
            Involvement.objects.visible_to(by)
            .filter(perpetrator=person, act__deleted_at__isnull=True)
            .select_related("act", "act__act_type", "act__incident")
            .order_by("created_at")
        )
        incident_rows = {act.incident_id: act.incident for act in acts}
        incident_rows |= {i.act.incident_id: i.act.incident for i in involvements}
        incidents = sorted(incident_rows.values(), key=lambda i: i.code)
        links = list(
            InformationLink.objects.visible_to(by)
            .filter(incident__in=incidents, source__deleted_at__isnull=True)
            .select_related("source", "incident")
            .order_by("source__code")
        )
        sources = list({link.source_id: link.source for link in links}.values())
        files = list(
            EvidenceFile.objects.visible_to(by)
            .filter(source__in=sources)
            .select_related("source")
            .order_by("source__code", "created_at")
        )
        others = _others(
            person,
            by=by,
            cases=cases,
            acts=acts,
            involvements=involvements,
            relationships=relationships,
            actions=actions,
        )
        # The others' real name forms, sealed or not, so that none is left in a text;
        # the redactor only removes them.
        with unmasked():
            redact = Redactor(others)
        audit = list(
            AuditEntry.objects.filter(
                object_type="people.person", object_id=str(person.uuid)
            ).order_by("seq")
        )
        parts = [
            _about(person, by, reason, made_at),
            _record(person, redact),
            _relationships(person, relationships, redact),
            _requests(requests, redact),
            _cases(cases, redact),
            risks_part(assessments, redact, with_case=True),
            _actions(actions, person, redact),
            _consents(consents, redact),
            _incidents(incidents, acts, involvements, redact),
            _sources(sources, files, redact),
            _audit(audit),
        ]
        copy = OwnCopy(
            person=person,
            language=language,
            title=_("Own copy of %(code)s") % {"code": person.code},
            subtitle=person.name,
            parts=parts,
            others=[other.code for other in others],
            records=[
                person,
                *relationships,
                *requests,
                *cases,
                *assessments,
                *actions,
                *consents,
                *incidents,
                *acts,
                *involvements,
                *links,
                *sources,
                *files,
            ],
        )
    return copy


def _about(person, by, reason, made_at) -> Part:
    facts = [
        (_("Person"), person.code),
        (_("Team"), person.team.name),
        (pgettext("dossier", "Made by"), by.display_name),
        (_("Made on"), date_format(timezone.localtime(made_at), "DATETIME_FORMAT")),
    ]
    if reason:
        facts.append((_("Reason"), reason))
    facts.append(
        (
            _("Other people"),
            _(
                "Everyone else appears by their code only: their names and contacts are "
                "left out, and replaced by their codes in the texts."
            ),
        )
    )
    return Part(_("About this copy"), facts=facts)


def _joined(values) -> str:
    return ", ".join(str(value) for value in values or [] if value) or DASH


def _record(person, redact) -> Part:
    moves = [
        " · ".join(
            item for item in (move.get("place", ""), move["when"], redact(move.get("note"))) if item
        )
        for move in person.moves()
    ]
    facts = [
        (_("Code"), person.code),
        (_("Name"), person.name),
        (_("Other name forms"), _joined(person.other_names)),
        (_("Nicknames"), _joined(person.nicknames)),
        (_("Kind"), str(person.get_kind_display())),
        (_("Gender"), str(person.get_gender_display()) or DASH),
        (_("Birth date"), person.birth_date.label() if person.birth_date else DASH),
        (_("Nationality"), person.nationality or DASH),
        (_("Languages"), _joined(person.languages)),
        (_("Contacts"), _joined(contact.get("value") for contact in person.contacts or [])),
        (_("Whereabouts"), "; ".join(moves) or DASH),
        (_("Notes"), _cut(redact(person.notes)) or DASH),
        (_("Recorded on"), _day(timezone.localdate(person.created_at))),
    ]
    return Part(_("What is recorded about the person"), facts=facts)


def _relationships(person, relationships, redact) -> Part:
    rows = []
    for rel in relationships:
        if rel.person_id == person.pk:
            rows.append([str(rel.kind.label), rel.other.code, _cut(redact(rel.note)) or DASH])
        else:
            said = _("%(code)s is %(kind)s this person") % {
                "code": rel.person.code,
                "kind": rel.kind.label,
            }
            rows.append([said, rel.person.code, _cut(redact(rel.note)) or DASH])
    return Part(
        _("Relationships"),
        table=Table([_("Relationship"), _("Other person"), _("Note")], rows, [35, 20, 45], [1]),
        empty=_("None recorded."),
    )


def _requests(requests, redact) -> Part:
    rows = [
        [
            date_format(timezone.localtime(r.received_at), "DATETIME_FORMAT"),
            str(r.channel.label) if r.channel_id else DASH,
            str(r.get_urgency_display()),
            r.case.code if r.case_id else DASH,
            _cut(redact(r.summary)),
        ]
        for r in requests
    ]
    return Part(
        _("Requests for help"),
        table=Table(
            [_("Received"), _("Channel"), _("Urgency"), _("Case"), _("Summary")],
            rows,
            [18, 12, 12, 12, 46],
        ),
        empty=_("No request recorded."),
    )


def _cases(cases, redact) -> Part:
    rows = [
        [
            case.code,
            _cut(redact(case.title)),
            str(case.get_status_display()),
            _day(case.opened_on),
            _cut(redact(case.summary)) or DASH,
        ]
        for case in cases
    ]
    return Part(
        _("Cases"),
        table=Table(
            [_("Case"), _("Title"), _("Status"), _("Opened"), _("Summary")],
            rows,
            [12, 25, 12, 13, 38],
        ),
        empty=_("Not on any case."),
    )


def _actions(actions, person, redact) -> Part:
    rows = []
    for action in actions:
        whom = [p.code if p.pk != person.pk else _("this person") for p in action.persons.all()]
        rows.append(
            [
                action.case.code,
                f"{action.kind.label}: {_cut(redact(action.title))}",
                str(action.get_status_display()),
                _day(action.due_on),
                _joined(whom),
                _cut(redact(action.outcome)) or DASH,
            ]
        )
    return Part(
        _("Actions"),
        table=Table(
            [_("Case"), _("What"), _("Status"), _("Due"), _("For whom"), _("Outcome")],
            rows,
            [11, 30, 12, 12, 13, 22],
        ),
        empty=_("No action recorded."),
    )


def _consents(consents, redact) -> Part:
    rows = [
        [
            str(consent.purpose.label),
            str(consent.get_status_display()),
            _day(consent.given_on),
            _day(consent.expires_on),
            consent.case.code if consent.case_id else DASH,
            _cut(redact(consent.note)) or DASH,
        ]
        for consent in consents
    ]
    return Part(
        _("Consents"),
        table=Table(
            [_("Purpose"), _("Status"), _("Date"), _("Expires on"), _("Case"), _("Note")],
            rows,
            [22, 12, 13, 13, 11, 29],
        ),
        empty=_("No consent recorded."),
    )


def _incidents(incidents, acts, involvements, redact) -> Part:
    rows = []
    for incident in incidents:
        mine = [
            f"{act.act_type.label} ({_('victim')}), {act.when.label() if act.when else DASH}"
            + (f": {_cut(redact(act.consequences))}" if act.consequences else "")
            for act in acts
            if act.incident_id == incident.pk
        ]
        mine += [
            f"{i.act.act_type.label} ({_('perpetrator')}: {i.get_degree_display()})"
            for i in involvements
            if i.act.incident_id == incident.pk
        ]
        rows.append(
            [
                incident.code,
                _cut(redact(incident.title)),
                incident.period_label or DASH,
                "; ".join(mine),
                _cut(redact(incident.description)) or DASH,
            ]
        )
    return Part(
        _("Incidents"),
        table=Table(
            [
                _("Incident"),
                _("Title"),
                _("When"),
                _("Acts concerning the person"),
                _("Description"),
            ],
            rows,
            [11, 20, 13, 28, 28],
        ),
        empty=_("No incident recorded."),
    )


def _sources(sources, files, redact) -> Part:
    rows = []
    for source in sources:
        rows.append([source.code, _cut(redact(source.title)), str(source.get_kind_display()), ""])
        rows += [
            [source.code, _cut(redact(f.name)), str(f.size), f.sha256]
            for f in files
            if f.source_id == source.pk
        ]
    return Part(
        _("Sources and their files"),
        text=_("The SHA-256 of each file was taken when it was uploaded."),
        table=Table(
            [_("Source"), _("Title or file"), _("Kind or bytes"), _("SHA-256")],
            rows,
            [13, 19, 13, 55],
            [3],
        ),
        empty=_("No source is linked."),
    )


def _audit(entries) -> Part:
    rows = [
        [date_format(timezone.localtime(e.at), "DATETIME_FORMAT"), e.action, e.channel or DASH]
        for e in entries
    ]
    return Part(
        _("Log of the person's record"),
        text=_("What was done with the person's record and when: each view and change."),
        table=Table([_("When"), _("What"), _("Through")], rows, [30, 50, 20]),
        empty=_("Nothing logged."),
    )


def build_bundle(pdf: bytes, statement: bytes) -> bytes:
    """The signed zip: the PDF, the statement, SHA256SUMS and its signature, the key."""
    from haven.keys.keyring import get_keyring
    from haven.sources.bundle import public_key_pem

    files = {"own-copy.pdf": pdf, "own-copy.json": statement}
    sums = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
        archive.writestr("SHA256SUMS", sums)
        archive.writestr("SHA256SUMS.sig", get_keyring().signing_key().sign(sums))
        archive.writestr("haven-public-key.pem", public_key_pem())
        archive.writestr("README.txt", README)
    return buffer.getvalue()
