"""create_records: many new records at once, each kept exactly as save_record keeps one."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory
from haven.audit.actions import verify_chain
from haven.audit.context import Channel, audit_context
from haven.audit.models import AuditEntry
from haven.cases.models import Case
from haven.incidents.models import Act, Chain, Incident, Involvement
from haven.lib.fuzzy_dates import FuzzyDate
from haven.people.models import Person
from haven.records import blind
from haven.records.actions import save_record
from haven.records.bulk import create_records
from haven.records.models import BlindTerm, RecordVersion
from haven.vocab.models import term


def rows(team, lead, count: int) -> list:
    """``count`` incident rows as an import makes them, listed kind by kind: the victims
    and perpetrators, the incidents, the acts, the involvements, then a case each."""
    people, incidents, acts, involvements, cases = [], [], [], [], []
    for n in range(count):
        victim = Person(
            team=team,
            name=f"Ибрагим Селимханов {n}",
            other_names=["Ibragim Selimkhanov"],
            contacts=[{"kind": "phone", "value": f"+7 928 000-11-{n:02d}"}],
            notes="Detained in April 2020.",
        )
        unit = Person(team=team, name="Kadyrovtsy unit", kind=Person.Kind.GROUP)
        incident = Incident(
            team=team,
            title=f"Detention of Ibragim Selimkhanov {n}",
            description="Held for three days.",
            stated_grounds="an opposition Telegram channel",
        )
        incident.start = FuzzyDate.parse("April 2020")
        act = Act(
            team=team,
            incident=incident,
            victim=victim,
            act_type=term("act_type", "arbitrary_detention"),
            consequences="Released after three days.",
        )
        act.start = FuzzyDate.parse("2020-04-02")
        involvement = Involvement(
            team=team, act=act, perpetrator=unit, degree="direct", affiliation="police"
        )
        case = Case(team=team, title=f"Protection of I. S. {n}", lead=lead)
        people += [victim, unit]
        incidents.append(incident)
        acts.append(act)
        involvements.append(involvement)
        cases.append(case)
    return people + incidents + acts + involvements + cases


def one_by_one(records, *, by) -> None:
    for instance in records:
        # What a caller does when it makes each record after saving those it refers to.
        instance._prepare_related_fields_for_save(operation_name="save")
        save_record(instance, by=by)


def versions_of(records) -> list[tuple]:
    """Each record's versions, with the ids of the other records of the list replaced by
    their positions and the random codes left out, so that two lists compare."""
    position = {(type(r)._meta.label_lower, r.pk): n for n, r in enumerate(records)}
    found = []
    for instance in records:
        model = type(instance)
        for version in RecordVersion.objects.filter(
            object_type=model._meta.label_lower, object_uuid=instance.uuid
        ):
            snapshot = dict(version.snapshot)
            snapshot.pop("code", None)
            for field in model._meta.concrete_fields:
                related = field.related_model
                if field.many_to_one and field.name in snapshot and related is not None:
                    key = (related._meta.label_lower, snapshot[field.name])
                    snapshot[field.name] = position.get(key, snapshot[field.name])
            found.append((model, version.change, version.number, version.changed_fields, snapshot))
    return found


def tokens_of(instance) -> set[int]:
    return set(
        BlindTerm.objects.filter(record_id=instance.pk, kind__model=instance._meta.model_name)
        .filter(kind__app_label=instance._meta.app_label)
        .values_list("token", flat=True)
    )


def entry_of(instance) -> AuditEntry:
    return AuditEntry.objects.get(object_id=str(instance.uuid))


def counts() -> tuple:
    return tuple(
        model.objects.count()
        for model in (Person, Incident, Act, Case, RecordVersion, BlindTerm, AuditEntry)
    )


def test_records_are_kept_as_save_record_keeps_them(personas):
    member = personas.member
    with audit_context(Channel.CLI, actor=member):
        single = rows(personas.team, member, 2)
        one_by_one(single, by=member)
        batch = rows(personas.team, member, 2)
        assert create_records(batch, by=member) is not None

    assert all(instance.pk for instance in batch)
    assert versions_of(batch) == versions_of(single)
    assert [v[1:3] for v in versions_of(batch)] == [("created", 1)] * len(batch)
    for alone, together in zip(single, batch, strict=True):
        assert tokens_of(together) == tokens_of(alone)
        entry, expected = entry_of(together), entry_of(alone)
        assert (entry.action, entry.summary, entry.actor, entry.channel) == (
            expected.action,
            expected.summary,
            member,
            Channel.CLI,
        )
    # The blind index finds the new records as it finds those saved one by one.
    found = blind.matching(Person.objects.filter(team=personas.team), "name", "Selimkhanov 1")
    assert set(found) >= {single[2], batch[2]}
    contacts = blind.matching(Person.objects.all(), "contacts", "8 928 000 11 01")
    assert set(contacts) == {single[2], batch[2]}
    assert Act.objects.get(pk=batch[-5].pk).incident == batch[5]  # the act of the 2nd incident
    verdict = verify_chain()
    assert verdict.ok, verdict.problem


def test_the_queries_do_not_grow_with_the_records(personas):
    def queries(count):
        records = rows(personas.team, personas.member, count)
        with CaptureQueriesContext(connection) as captured:
            create_records(records, by=personas.member)
        return len(captured)

    queries(1)  # the first call loads the data keys
    assert queries(10) == queries(3)


@pytest.mark.parametrize("persona", ["read_only", "outsider", "administrator"])
def test_refused_to_anyone_but_a_writing_member_and_nothing_is_saved(personas, persona):
    before = counts()
    with pytest.raises(PermissionDenied):
        create_records(rows(personas.team, personas.member, 2), by=getattr(personas, persona))
    assert counts() == before


def test_refused_when_one_of_the_teams_is_not_writable(personas):
    other = TeamFactory(name="Other desk")
    Membership.objects.create(team=other, user=personas.member, access=Membership.Access.READ_ONLY)
    records = rows(personas.team, personas.member, 1) + rows(other, personas.member, 1)
    before = counts()
    with pytest.raises(PermissionDenied):
        create_records(records, by=personas.member)
    assert counts() == before


def test_an_invalid_500th_record_saves_nothing(personas):
    incidents = []
    for n in range(300):
        incident = Incident(team=personas.team, title=f"Detention {n}")
        incident.start = FuzzyDate.parse("2020")
        incidents.append(incident)
    people = [Person(team=personas.team, name=f"Person {n}") for n in range(300)]
    people[199].name = "x" * 301  # the 500th record: a name longer than any allowed
    before = counts()
    with pytest.raises(ValidationError) as caught:
        create_records(incidents + people, by=personas.member)
    assert caught.value.index == 499
    assert caught.value.record is people[199]
    assert set(caught.value.message_dict) == {"name"}
    assert counts() == before


def test_the_errors_are_those_of_save_record(personas):
    """The checks that read other rows (a reference of another team, a term of another
    vocabulary, a taken code) give the error save_record gives."""
    other = TeamFactory(name="Other desk")
    stranger = save_record(Person(team=other, name="Stranger"), by=None, check=False)
    taken = save_record(Person(team=personas.team, name="First"), by=personas.member)
    incident = Incident(team=personas.team, title="Detention")
    incident.start = FuzzyDate.parse("2020")
    save_record(incident, by=personas.member)
    wrong_term = term("channel", "hotline")
    invalid = {
        "victim of another team": lambda: Act(
            team=personas.team,
            incident=incident,
            victim=stranger,
            act_type=term("act_type", "threat"),
        ),
        "term of another vocabulary": lambda: Act(
            team=personas.team, incident=incident, victim=taken, act_type=wrong_term
        ),
        "code taken": lambda: Person(team=personas.team, name="Second", code=taken.code),
    }
    before = counts()
    for label, make in invalid.items():
        with pytest.raises(ValidationError) as alone:
            save_record(make(), by=personas.member)
        with pytest.raises(ValidationError) as together:
            create_records(
                [Person(team=personas.team, name="Fine"), make()],
                by=personas.member,
                redraw_codes=False,
            )
        assert together.value.message_dict == alone.value.message_dict, label
        assert together.value.index == 1, label
    assert counts() == before


def test_a_code_given_twice_in_one_batch_is_refused_when_codes_are_kept(personas):
    first = Person(team=personas.team, name="First", code="P-SAME00")
    second = Person(team=personas.team, name="Second", code="P-SAME00")
    with pytest.raises(ValidationError) as caught:
        create_records([first, second], by=personas.member, redraw_codes=False)
    assert caught.value.index == 1
    assert "code" in caught.value.message_dict
    assert not Person.objects.filter(code="P-SAME00").exists()


def test_a_taken_code_is_drawn_again(personas):
    """Random codes clash at import scale; a clash is drawn again, before the snapshot."""
    taken = save_record(Person(team=personas.team, name="First"), by=personas.member)
    earlier = Person(team=personas.team, name="Earlier", code="P-SAME00")
    again = Person(team=personas.team, name="Again", code=taken.code)
    twice = Person(team=personas.team, name="Twice", code="P-SAME00")
    incident = Incident(team=personas.team, title="Detention", code="I-SAME00")
    incident.start = FuzzyDate.parse("2020")
    create_records([earlier, again, twice, incident], by=personas.member)

    codes = [person.code for person in (taken, earlier, again, twice)]
    assert len(set(codes)) == 4
    assert (earlier.code, incident.code) == ("P-SAME00", "I-SAME00")
    for person in (again, twice):
        assert Person.objects.get(pk=person.pk).code == person.code
        version = RecordVersion.objects.get(object_uuid=person.uuid)
        assert version.snapshot["code"] == person.code


def test_a_loop_of_chains_within_one_batch_is_refused(personas):
    """A chain's check reads the chains saved before it: within a batch too."""
    member = personas.member
    first = Incident(team=personas.team, title="Flight")
    second = Incident(team=personas.team, title="Abduction")
    first.start = second.start = FuzzyDate.parse("2020")
    create_records([first, second], by=member)
    chains = [
        Chain(team=personas.team, source=first, target=second, relation="precedes"),
        Chain(team=personas.team, source=second, target=first, relation="precedes"),
    ]
    with pytest.raises(ValidationError) as caught:
        create_records(chains, by=member)
    assert caught.value.index == 1
    assert not Chain.objects.exists()


def test_a_reference_to_a_record_not_yet_saved_is_refused(personas):
    incident = Incident(team=personas.team, title="Detention")
    incident.start = FuzzyDate.parse("2020")
    victim = Person(team=personas.team, name="Victim")
    act = Act(
        team=personas.team, incident=incident, victim=victim, act_type=term("act_type", "threat")
    )
    with pytest.raises(ValueError, match="unsaved related object 'incident'"):
        create_records([act, incident, victim], by=personas.member)
    saved = save_record(Person(team=personas.team, name="Saved"), by=personas.member)
    with pytest.raises(ValueError, match="new records only"):
        create_records([saved], by=personas.member)
    assert not Incident.objects.exists()


def test_an_id_is_never_given_twice(personas):
    """Ids are reserved before the insert: past the highest ever given, as the
    database itself gives them, even when the last record was removed since."""
    (first,) = create_records([Person(team=personas.team, name="First")], by=personas.member)
    Person.objects.filter(pk=first.pk).delete()  # a hard delete, as only an erasure does
    second, third = create_records(
        [Person(team=personas.team, name="Second"), Person(team=personas.team, name="Third")],
        by=personas.member,
    )
    assert first.pk < second.pk < third.pk
    assert Person.objects.get(pk=third.pk).name == "Third"
    later = save_record(Person(team=personas.team, name="Later"), by=personas.member)
    assert later.pk > third.pk
