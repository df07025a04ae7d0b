"""A team that holds a record of every kind, and the tools to compare what teams hold.

``fingerprint`` is written apart from the archive code on purpose: it reads the
records the way the pages do (decrypted values, foreign keys to what they name), so a
field the archive forgot to carry shows up as a difference.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from haven.accounts.models import Membership, Role
from haven.accounts.tests.factories import UserFactory
from haven.cases import actions as cases
from haven.cases.models import CasePerson
from haven.incidents import actions as incidents
from haven.lib.fuzzy_dates import FuzzyDate
from haven.locations.models import Location
from haven.people.actions import add_person
from haven.people.merging import merge
from haven.people.models import Person
from haven.records import history
from haven.records.actions import delete_record
from haven.records.models import BlindTerm, RecordVersion, SensitiveRecord
from haven.sources.models import EvidenceFile, Source
from haven.vocab.models import Term, term


def not_carried() -> set:
    """Kinds an archive leaves out, named here apart from the archive's own list: evidence
    files, imports (their files stay where they were uploaded) and petition drafts (their
    documents stay where they were made), legal holds (a hold binds the organisation
    that set it, not the team's records wherever they go)."""
    from haven.drafts.models import Draft
    from haven.imports.models import ImportJob, SavedMapping
    from haven.intake.models import Submission
    from haven.retention.models import LegalHold

    return {EvidenceFile, ImportJob, SavedMapping, Draft, LegalHold, Submission}


def record_models() -> list:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, SensitiveRecord) and model not in not_carried()
    ]


def _named(model, pk):
    if pk is None:
        return None
    if model is Term:
        found = Term.objects.get(pk=pk)
        return f"{found.vocabulary}/{found.code}"
    if model is Location:
        place = Location.objects.get(pk=pk)
        return [
            (p.name_en, p.name_ru, p.kind, str(p.latitude), str(p.longitude))
            for p in [*place.ancestors(), place]
        ]
    if model is get_user_model():
        return get_user_model().objects.get(pk=pk).email
    return str(model._base_manager.get(pk=pk).uuid)


def _moved(items) -> list:
    described = []
    for item in items:
        model = apps.get_model(item["model"])
        if "link" in item:
            row = {
                key: _named(model._meta.get_field(key.removesuffix("_id")).related_model, pk)
                for key, pk in item["link"].items()
            }
        else:
            found = model._base_manager.filter(pk=item["pk"]).first()
            if found is None:
                row = None
            elif hasattr(found, "uuid"):
                row = str(found.uuid)
            else:
                row = {
                    each.name: _named(each.related_model, getattr(found, each.attname))
                    for each in model._meta.concrete_fields
                    if each.many_to_one
                    and each.name != item["field"]
                    and each.related_model is not get_user_model()
                }
        described.append([item["model"], item["field"], row])
    return described


def _describe(instance) -> dict:
    model = type(instance)
    content = history.snapshot(instance)
    content.pop("team")
    content["uuid"] = str(instance.uuid)
    content["created_at"] = instance.created_at.isoformat()
    for each in model._meta.concrete_fields:
        if each.many_to_one and each.name in content:
            content[each.name] = _named(each.related_model, content[each.name])
    if model._meta.label_lower == "people.merge":
        content["moved"] = _moved(content["moved"])
    for link in model._meta.many_to_many:
        through = link.remote_field.through
        source = link.m2m_field_name()
        rows = []
        for row in through._base_manager.filter(**{source: instance}):
            rows.append(
                {
                    each.name: (
                        _named(each.related_model, getattr(row, each.attname))
                        if each.many_to_one
                        else getattr(row, each.attname)
                    )
                    for each in through._meta.concrete_fields
                    if not each.primary_key and each.name != source
                }
            )
        content[link.name] = sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)
    return content


def fingerprint(team, *, leave_out=()) -> dict[str, list[str]]:
    """Every record ``team`` holds (but those whose uuid is in ``leave_out``), by kind,
    as sorted canonical JSON."""
    found = {}
    for model in record_models():
        rows = [
            json.dumps(_describe(instance), sort_keys=True, default=str, ensure_ascii=False)
            for instance in model._base_manager.filter(team=team)
            if str(instance.uuid) not in leave_out
        ]
        found[model._meta.label_lower] = sorted(rows)
    return found


def empty_the_instance() -> None:
    """Delete every record of every team, their versions and index, every vocabulary
    term and every place: what the receiving instance lacks, the import must bring."""
    from haven.exchange.kinds import kinds
    from haven.intake.models import Submission

    EvidenceFile._base_manager.all().delete()
    Submission._base_manager.all().delete()
    for kind in reversed(kinds()):
        kind.model._base_manager.all().delete()
    RecordVersion.objects.all().delete()
    BlindTerm.objects.all().delete()
    Term.objects.all().delete()
    depths = {}
    for pk, path in Location.objects.values_list("pk", "path"):
        depths.setdefault(path.count("/"), []).append(pk)
    for depth in sorted(depths, reverse=True):  # the innermost first: parents are protected
        Location.objects.filter(pk__in=depths[depth]).delete()


@pytest.fixture
def rich_team(db):
    """The demo team (the seed story, a few more cases and incidents) with what the demo
    lacks: a merge of two people (one on a case, an action and an act), a person taken
    off a case, a deleted source that an incident still cites, and a deleted person
    nothing points to (left out of an archive)."""
    from haven.cases.demo import load_demo

    administrator = UserFactory(email="admin@example.org", role=Role.ADMINISTRATOR)
    team = load_demo(administrator, extra_cases=3, extra_incidents=2)
    worker = get_user_model().objects.get(email="madina.demo@example.org")

    on_case = CasePerson.objects.filter(case__team=team, case__actions__persons__isnull=False)
    link = on_case.order_by("-pk").first()  # a varied case, not the seed story's
    merged = link.person
    incident = team_incident(team, "Detention and torture of two young men in Grozny")
    incidents.record_act(
        incident,
        by=worker,
        act_type=term("act_type", "threat"),
        victim=merged,
        start=FuzzyDate.parse("~summer 2020"),
        consequences="Left the city.",
    )
    live = Person.objects.filter(team=team, deleted_at__isnull=True).order_by("pk")
    kept = live.exclude(pk=merged.pk).first()  # Salman, of the seed story
    merge(kept, merged, by=worker)

    story = link.case
    other = Person.objects.filter(team=team, deleted_at__isnull=True).exclude(pk=kept.pk).first()
    cases.add_person_to_case(story, other, by=worker)
    cases.remove_person_from_case(story, other, by=worker)

    cited = Source.objects.filter(team=team).first()
    delete_record(cited, by=worker)
    forgotten = add_person(team=team, by=worker, name="Nobody at all")
    delete_record(forgotten, by=worker)
    # A request sent through the public page, and the conversation on it.
    from haven.intake.actions import submit_request

    submission, _receipt = submit_request(
        team=team, what="They threaten me at home.", language="ru", place="Гудермес"
    )
    cases.write_to_requester(submission.request, by=worker, text="Can you talk tonight?")
    cases.record_requester_message(submission.request, text="Yes, after ten.")
    return {
        "team": team,
        "worker": worker,
        "administrator": administrator,
        "forgotten": str(forgotten.uuid),
        "merged": merged,
        "kept": kept,
        "deleted_source": cited,
    }


def team_incident(team, title):
    from haven.incidents.models import Incident

    return next(i for i in Incident.objects.filter(team=team) if i.title == title)


@pytest.fixture
def small_team(personas, person):
    """The personas' team with a person, a case, an incident with an act, a source cited."""
    from haven.sources.actions import add_source

    member = personas.member
    case = cases.open_case(team=personas.team, by=member, title="Two brothers", persons=[person])
    cases.add_note(case, by=member, text="Called the lawyer.", happened_on=date(2021, 3, 1))
    incident = incidents.record_incident(
        team=personas.team,
        by=member,
        title="Detention in Grozny",
        start=FuzzyDate.parse("April 2020"),
        location=Location.objects.get(name_en="Grozny"),
    )
    act = incidents.record_act(
        incident, by=member, act_type=term("act_type", "torture"), victim=person
    )
    incidents.link_case(incident, case, by=member)
    source = add_source(team=personas.team, by=member, kind="media", title="A report")
    incidents.cite_source(
        incident, source, by=member, connection="media", reliability="B", credibility="2"
    )
    return {"team": personas.team, "case": case, "incident": incident, "act": act}


def membership(team, user, access=Membership.Access.MEMBER) -> Membership:
    return Membership.objects.create(team=team, user=user, access=access)
