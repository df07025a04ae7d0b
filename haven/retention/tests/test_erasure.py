"""Erasure that stays done: nothing of an erased person is left to find, read or restore."""

from __future__ import annotations

import base64
import io
import tarfile

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.backups.actions import build_archive, create_backup
from haven.backups.tests.state import wipe_instance
from haven.keys.fields import Sealed
from haven.keys.keyring import reset_keyring
from haven.people.models import Person
from haven.records.models import BlindTerm, RecordVersion
from haven.retention import actions, erasure
from haven.retention.models import ErasedRecord, Erasure, Reason
from haven.retention.tests.conftest import EVIDENCE, NAME, PHONE
from haven.search.engine import search
from haven.sources.vault import stored_path

PASSPHRASE = "correct horse battery staple erasure"


def _blobs(records) -> list[bytes]:
    """Every ciphertext the database holds of ``records``: their encrypted columns and
    the snapshots of their history."""
    found = []
    for record in records:
        model = type(record)
        for field in erasure.encrypted_fields(model):
            value = model._base_manager.filter(pk=record.pk).values_list(field.name, flat=True)[0]
            if isinstance(value, Sealed):
                found.append(value.blob)
        for snapshot in RecordVersion.objects.filter(object_uuid=record.uuid).values_list(
            "snapshot", flat=True
        ):
            found.append(snapshot.blob)
    return found


def _parts(canary):
    return [
        canary.person,
        canary.relationship,
        canary.request,
        canary.act,
        canary.source,
        canary.evidence,
    ]


def _archive_text(plaintext: bytes) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(plaintext), mode="r:gz") as tar:
        return b"\n".join(tar.extractfile(info).read() for info in tar)


def _gone(canary, blobs, everything: bytes) -> list[str]:
    left = [
        f"ciphertext {n}" for n, blob in enumerate(blobs) if base64.b64encode(blob) in everything
    ]
    return left + [text for text in (NAME, PHONE) if text.encode() in everything]


def test_erasing_a_person_leaves_no_value_version_index_or_file(
    canary, coordinator, erasure_journal, django_capture_on_commit_callbacks
):
    blobs = _blobs(_parts(canary))
    assert len(blobs) > 10  # control: there is ciphertext to lose
    file_path = stored_path(str(canary.evidence.uuid))
    assert file_path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        actions.erase(canary.person, by=coordinator, reason=Reason.SUBJECT_REQUEST)

    for record in _parts(canary):
        model = type(record)
        row = model._base_manager.get(pk=record.pk)
        assert row.deleted_at is not None, record
        for field in erasure.encrypted_fields(model):
            assert row.__dict__[field.attname] in (None, [], {}), (record, field.name)
        assert not RecordVersion.objects.filter(object_uuid=record.uuid).exists(), record
        kind = ContentType.objects.get_for_model(model)
        assert not BlindTerm.objects.filter(kind=kind, record_id=record.pk).exists(), record
    assert not file_path.exists()
    # What is not theirs stays: the other person on the case, the case itself.
    assert Person.objects.get(pk=canary.other.pk).name == "Муслим Другой"
    assert canary.case.__class__.objects.get(pk=canary.case.pk).title == "Protection of K."
    # The tombstone and the journal name ids, never a value.
    tombstone = AuditEntry.objects.get(action="retention.erased")
    assert tombstone.object_id == str(canary.person.uuid)
    journal = erasure_journal.read_text()
    assert str(canary.person.uuid) in journal and str(canary.evidence.uuid) in journal
    for text in (NAME, PHONE, "Kanareykin"):
        assert text not in journal and text not in tombstone.summary
    # A fresh backup holds none of it.
    plaintext, _manifest = build_archive()
    assert _gone(canary, blobs, _archive_text(plaintext)) == []
    assert EVIDENCE not in plaintext


def test_an_erased_person_is_found_nowhere(canary, coordinator, personas, client, tmp_path):
    actions.erase(canary.person, by=coordinator, reason=Reason.SUBJECT_REQUEST)
    member = personas.member
    assert search(NAME, member) == [] and search(PHONE, member) == []
    sign_in(client, member)
    for url in (
        f"/people/{canary.person.uuid}/",
        f"/people/{canary.person.uuid}/history/",
        f"/cases/requests/{canary.request.uuid}/",
        f"/api/v1/people/{canary.person.uuid}/",
        f"/sources/{canary.source.uuid}/",
    ):
        assert client.get(url).status_code == 404, url
    out = tmp_path / "people.csv"
    call_command("export", "people", "--by", member.email, "--out", str(out), verbosity=0)
    exported = out.read_text()
    assert canary.other.code in exported  # control: the export ran
    assert canary.person.code not in exported


def test_an_older_backup_restored_does_not_bring_them_back(
    canary, coordinator, tmp_path, django_capture_on_commit_callbacks
):
    blobs = _blobs(_parts(canary))
    path = tmp_path / "before.tar.gz.age"
    create_backup(path, recipients=[], passphrase=PASSPHRASE)
    with django_capture_on_commit_callbacks(execute=True):
        actions.erase(canary.person, by=coordinator, reason=Reason.SUBJECT_REQUEST)

    wipe_instance()
    reset_keyring()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("restore", str(path), "--passphrase-file", str(_passphrase(tmp_path)))
    person = Person._base_manager.get(uuid=canary.person.uuid)
    assert person.name is None and person.deleted_at is not None
    assert not RecordVersion.objects.filter(object_uuid=canary.person.uuid).exists()
    assert not stored_path(str(canary.evidence.uuid)).exists()
    assert AuditEntry.objects.filter(action="retention.reapplied").count() == 1
    assert ErasedRecord.objects.filter(object_uuid=canary.person.uuid).exists()
    plaintext, _manifest = build_archive()
    assert _gone(canary, blobs, _archive_text(plaintext)) == []
    # Restoring is idempotent: nothing more to apply.
    assert actions.reapply() == 0
    call_command("audit", "verify")


def _passphrase(folder):
    path = folder / "pass"
    path.write_text(PASSPHRASE)
    return path


def test_a_legal_hold_refuses_the_erasure_and_names_the_hold(canary, coordinator, personas):
    hold = actions.set_hold(canary.case, by=personas.member, name="ECHR application")
    with pytest.raises(ValidationError) as refused:
        actions.erase(canary.person, by=coordinator, reason=Reason.SUBJECT_REQUEST)
    assert "ECHR application" in " ".join(refused.value.messages)
    assert not Erasure.objects.exists()
    assert Person.objects.get(pk=canary.person.pk).name == NAME
    actions.lift_hold(hold, by=personas.member)
    actions.erase(canary.person, by=coordinator, reason=Reason.SUBJECT_REQUEST)
    assert AuditEntry.objects.filter(action="retention.hold.lifted").exists()


def test_erasing_needs_a_role_and_membership(canary, personas):
    for user in (personas.member, personas.read_only, personas.administrator):
        with pytest.raises(PermissionDenied):
            actions.erase(canary.person, by=user, reason=Reason.SUBJECT_REQUEST)
    with pytest.raises(ValidationError):
        actions.erase(canary.person, by=personas.member, reason="because")
    assert not Erasure.objects.exists()


def test_erasing_a_case_takes_its_parts_not_its_people(
    canary, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.erase(canary.case, by=coordinator, reason=Reason.ERROR)
    case = type(canary.case)._base_manager.get(pk=canary.case.pk)
    assert case.title is None and case.deleted_at is not None
    assert Person.objects.get(pk=canary.person.pk).name == NAME
    assert not case.caseperson_set.exists()


def test_erasing_a_request_takes_what_the_public_page_kept_of_it(
    personas, coordinator, django_capture_on_commit_callbacks
):
    """Where the person is, how to reach them, their messages and the files they sent
    go with a request sent through the public page."""
    from haven.cases.actions import record_requester_message
    from haven.intake.actions import attach_files, submit_request
    from haven.sources.vault import seal_bytes

    with django_capture_on_commit_callbacks(execute=True):
        submission, _receipt = submit_request(
            team=personas.team,
            what="They are looking for me",
            language="ru",
            name=NAME,
            place="Hiding in Nalchik",
            contact=PHONE,
        )
        record_requester_message(submission.request, text=f"Call {PHONE} after dark")
        attach_files(submission, [seal_bytes(EVIDENCE, "threat.pdf")])
    submission.refresh_from_db()
    evidence = submission.files.files.get()
    message = submission.request.messages.get()
    assert stored_path(str(evidence.uuid)).exists()

    with django_capture_on_commit_callbacks(execute=True):
        actions.erase(submission.request, by=coordinator, reason=Reason.SUBJECT_REQUEST)

    for record in (submission.request, submission, message, submission.files, evidence):
        row = type(record)._base_manager.filter(pk=record.pk)
        for field in erasure.encrypted_fields(type(record)):
            assert row.values_list(field.name, flat=True)[0] is None, (record, field.name)
        assert not RecordVersion.objects.filter(object_uuid=record.uuid).exists(), record
    assert not stored_path(str(evidence.uuid)).exists()
    erased = set(ErasedRecord.objects.values_list("kind", "object_uuid"))
    assert ("intake.submission", submission.uuid) in erased
    assert ("cases.requestmessage", message.uuid) in erased


def test_the_holds_on_a_person_of_many_incidents_take_one_statement_of_few_parameters(
    coordinator, personas, person
):
    """A person named on thousands of incidents (an imported "unknown perpetrator") must
    not make the hold check send their ids one parameter each (one statement takes
    65,535 at most on PostgreSQL)."""
    from haven.incidents import actions as incidents
    from haven.lib.fuzzy_dates import FuzzyDate
    from haven.tests.helpers import most_parameters
    from haven.vocab.models import term

    def victim_of(count):
        for number in range(count):
            incident = incidents.record_incident(
                team=personas.team,
                by=personas.member,
                title=f"Detention {number}",
                start=FuzzyDate.parse("2021"),
            )
            incidents.record_act(
                incident, by=personas.member, act_type=term("act_type", "torture"), victim=person
            )

    victim_of(1)
    one = most_parameters(lambda: actions.holds_on(person))
    victim_of(4)
    hold = actions.set_hold(
        type(person)._base_manager.get(pk=person.pk).acts.first().incident,
        by=personas.member,
        name="Court case",
    )
    assert most_parameters(lambda: actions.holds_on(person)) == one
    assert actions.holds_on(person) == [hold]
