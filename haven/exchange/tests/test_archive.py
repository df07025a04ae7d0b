"""Who may export and import a team archive, and the archives that are refused whole."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied

from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory
from haven.audit.models import AuditEntry
from haven.cases.models import Case, CaseNote
from haven.exchange.archive import ArchiveError, export_team, import_team, read_archive
from haven.exchange.kinds import kinds
from haven.exchange.tests.conftest import membership, not_carried
from haven.incidents.models import Act, Incident, InformationLink
from haven.locations.models import Location
from haven.people.models import Person
from haven.records.actions import move_record
from haven.records.models import RecordVersion, SensitiveRecord
from haven.vocab.models import Term


def _archive(team, by) -> dict:
    out = io.StringIO()
    export_team(team, by=by, out=out)
    return json.loads(out.getvalue())


def _as_from_elsewhere(data: dict) -> dict:
    """The same archive with new uuids and codes, as another instance would have written."""
    text = json.dumps(data, ensure_ascii=False)
    for kind in data["records"].values():
        for entry in kind:
            text = text.replace(entry["uuid"], str(uuid.uuid4()))
            if entry.get("code"):
                # A letter the code does not have there already, or the code stays the same.
                letter = "Z" if entry["code"][2] != "Z" else "Y"
                text = text.replace(entry["code"], entry["code"][:2] + letter + entry["code"][3:])
    return json.loads(text)


@pytest.fixture
def receiving(personas):
    """An empty team the member writes in."""
    team = TeamFactory(name="Receiving desk")
    membership(team, personas.member)
    return team


def _nothing_saved(team, counts_before):
    assert not Person._base_manager.filter(team=team).exists()
    assert not Incident._base_manager.filter(team=team).exists()
    assert (RecordVersion.objects.count(), AuditEntry.objects.count()) == counts_before


def _counts():
    return RecordVersion.objects.count(), AuditEntry.objects.count()


def test_only_a_writing_member_exports_the_team(personas, small_team):
    for who in (personas.read_only, personas.outsider, personas.administrator):
        with pytest.raises(PermissionDenied):
            export_team(personas.team, by=who, out=io.StringIO())
    assert not AuditEntry.objects.filter(action="exchange.archive.exported").exists()


def test_only_a_writing_member_of_the_receiving_team_imports(personas, small_team, receiving):
    data = _as_from_elsewhere(_archive(personas.team, personas.member))
    membership(receiving, personas.read_only, Membership.Access.READ_ONLY)
    for who in (personas.read_only, personas.outsider, personas.administrator):
        with pytest.raises(PermissionDenied):
            import_team(data, team=receiving, by=who)
    assert not Person._base_manager.filter(team=receiving).exists()


def test_an_archive_from_elsewhere_finds_the_places_and_terms_already_here(
    personas, small_team, receiving
):
    data = _as_from_elsewhere(_archive(personas.team, personas.member))
    places, terms = Location.objects.count(), Term.objects.count()

    result = import_team(data, team=receiving, by=personas.member)

    assert (Location.objects.count(), Term.objects.count()) == (places, terms)
    assert result.created_places == result.created_terms == []
    incident = Incident.objects.get(team=receiving)
    assert incident.location == Location.objects.get(name_en="Grozny")
    assert incident.title == "Detention in Grozny"
    assert incident.cases.get().title == "Two brothers"
    act = Act.objects.get(team=receiving)
    assert act.victim.name == "Ибрагим Селимханов"
    assert act.victim.code[:3] in ("P-Z", "P-Y")
    assert InformationLink.objects.get(team=receiving).source.title == "A report"


def test_users_unknown_here_are_recorded_as_the_importer(personas, small_team, receiving):
    data = _as_from_elsewhere(_archive(personas.team, personas.member))
    for entry in data["records"]["cases.case"]:
        entry["lead"] = "gone@example.org"
    for entry in data["records"]["cases.casenote"]:
        entry["author"] = "Reader@Example.org"  # known here, whatever the case

    result = import_team(data, team=receiving, by=personas.member)

    assert result.missing_users == ["gone@example.org"]
    assert Case.objects.get(team=receiving).lead == personas.member
    assert CaseNote.objects.get(team=receiving).author == personas.read_only
    entry = AuditEntry.objects.get(action="exchange.archive.imported")
    assert "gone@example.org" in entry.summary


@pytest.mark.parametrize(
    "tamper, message",
    [
        (lambda d: d["records"]["people.person"][0].update(secret="x"), "unknown field 'secret'"),
        (
            lambda d: d["records"]["incidents.act"][0].update(victim=str(uuid.uuid4())),
            "victim points to",
        ),
        (
            lambda d: d["records"]["incidents.act"][0].update(act_type="act_type:flying"),
            "act_type:flying",
        ),
        (
            lambda d: d["records"]["incidents.incident"][0].update(location="/999/"),
            "a place the archive does not describe",
        ),
        (
            lambda d: d["records"]["cases.casenote"][0].update(happened_on="last spring"),
            "not a valid happened_on",
        ),
        (lambda d: d["records"].update({"sources.evidencefile": []}), "sources.evidencefile"),
        (lambda d: d.update(version=3), "version 3"),
        (lambda d: d.update(format="something"), "not a Haven team archive"),
    ],
)
def test_a_tampered_archive_is_refused_whole(personas, small_team, receiving, tamper, message):
    data = _as_from_elsewhere(_archive(personas.team, personas.member))
    tamper(data)
    before = _counts()
    with pytest.raises(ArchiveError, match=message):
        import_team(data, team=receiving, by=personas.member)
    _nothing_saved(receiving, before)


def test_a_value_refused_while_saving_undoes_every_record_saved_before(
    personas, small_team, receiving
):
    data = _as_from_elsewhere(_archive(personas.team, personas.member))
    # The citation is saved last: the people, case and incident are saved before it.
    data["records"]["incidents.informationlink"][0]["reliability"] = "Z"
    before = _counts()
    with pytest.raises(ArchiveError, match="incidents.informationlink .*reliability"):
        import_team(data, team=receiving, by=personas.member)
    _nothing_saved(receiving, before)


def test_a_file_that_is_not_json_is_refused():
    with pytest.raises(ArchiveError, match="not JSON"):
        read_archive(io.StringIO("{'format': 'haven-archive'"))


def test_a_record_pointing_to_another_team_stops_the_export(personas, small_team):
    other = TeamFactory(name="Other desk")
    membership(other, personas.member)
    move_record(small_team["case"], other, by=personas.member)  # its note stays behind
    with pytest.raises(ArchiveError, match="refers to a case of another team"):
        export_team(personas.team, by=personas.member, out=io.StringIO())
    assert not AuditEntry.objects.filter(action="exchange.archive.exported").exists()


def test_a_damaged_value_stops_the_export(personas, small_team, person):
    Person.objects.filter(pk=person.pk).update(notes=b"not a ciphertext")
    with pytest.raises(ArchiveError, match="notes of person .* does not open"):
        export_team(personas.team, by=personas.member, out=io.StringIO())


def test_every_record_kind_is_carried_after_the_kinds_it_points_to():
    order = [kind.model for kind in kinds()]
    every = {m for m in apps.get_models() if issubclass(m, SensitiveRecord)} - not_carried()
    assert set(order) == every
    for position, model in enumerate(order):
        for each in model._meta.concrete_fields:
            target = each.related_model
            if each.many_to_one and target in order and target is not model:
                assert order.index(target) < position, f"{model} comes before {target}"
