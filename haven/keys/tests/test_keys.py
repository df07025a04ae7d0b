"""The keyring, encrypted fields under tampering, and key rotation."""

import base64
import os

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from haven.keys import actions
from haven.keys.keyring import WrongKeyError, get_keyring, key_file_path, reset_keyring
from haven.keys.models import DataKey, KeyringState
from haven.lib import crypto
from haven.lib.crypto import DecryptionError
from haven.people.models import Person

TABLE = Person._meta.db_table


def raw_column(person, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {TABLE} WHERE id = %s", [person.pk])
        return bytes(cursor.fetchone()[0])


def write_raw(person, column, value: bytes):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET {column} = %s WHERE id = %s", [value, person.pk])


def fresh(person):
    return Person.objects.get(pk=person.pk)


def test_values_round_trip(person):
    again = fresh(person)
    assert again.name == "Ибрагим Селимханов"
    assert again.other_names == ["Ibragim Selimkhanov"]
    assert again.contacts[0]["value"] == "+7 928 000-11-22"
    assert crypto.sealed_key_id(raw_column(person, "name")) > 0


def test_equal_values_give_different_ciphertexts(personas):
    from haven.people.actions import add_person

    a = add_person(team=personas.team, by=personas.member, name="Same Name")
    b = add_person(team=personas.team, by=personas.member, name="Same Name")
    assert raw_column(a, "name") != raw_column(b, "name")


def assert_damaged(instance, name):
    """The value does not open; reading it gives the damaged stand-in, not plaintext."""
    from haven.keys.fields import Sealed

    field = instance._meta.get_field(name)
    sealed = instance.__dict__[field.attname]
    assert isinstance(sealed, Sealed)
    with pytest.raises(DecryptionError):
        field.open(instance, sealed.blob)
    assert getattr(getattr(instance, name), "damaged", False)


@hsettings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0, max_value=10_000), bit=st.integers(0, 7))
def test_a_flipped_bit_never_decrypts(person, position, bit):
    # The person outlives one example: each flips one bit of the intact value, and puts
    # it back (two examples flipping the same bit would otherwise restore it).
    intact = raw_column(person, "notes")
    blob = bytearray(intact)
    blob[position % len(blob)] ^= 1 << bit
    write_raw(person, "notes", bytes(blob))
    try:
        assert_damaged(fresh(person), "notes")
    finally:
        write_raw(person, "notes", intact)


@hsettings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=1, max_value=200))
def test_a_truncated_value_never_decrypts(person, cut):
    blob = raw_column(person, "notes")
    write_raw(person, "notes", blob[: max(0, len(blob) - cut)])
    assert_damaged(fresh(person), "notes")


@hsettings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=50))
def test_a_value_moved_to_another_row_or_field_never_decrypts(personas, person, text):
    from haven.people.actions import add_person

    other = add_person(team=personas.team, by=personas.member, name=text, notes=text)
    write_raw(other, "notes", raw_column(person, "notes"))  # another row, same field
    assert_damaged(fresh(other), "notes")
    write_raw(person, "whereabouts", raw_column(person, "notes"))  # same row, other field
    assert_damaged(fresh(person), "whereabouts")


def test_encrypted_fields_refuse_lookups_and_bulk_updates(person):
    with pytest.raises(TypeError, match="encrypted"):
        list(Person.objects.filter(name="Ибрагим Селимханов"))
    with pytest.raises(TypeError, match="encrypted"):
        Person.objects.update(notes="plain text")


def test_values_list_stays_sealed(person):
    sealed = Person.objects.values_list("name", flat=True).get()
    assert "Ибрагим" not in repr(sealed)


def test_wrong_key_file_refuses_to_start(person, tmp_path, settings):
    other = tmp_path / "other.key"
    other.write_text(base64.b64encode(os.urandom(32)).decode())
    settings.HAVEN_KEY_FILE = other
    reset_keyring()
    with pytest.raises(WrongKeyError, match="does not match this database"):
        get_keyring()


def test_missing_key_file_is_a_clear_error(person, tmp_path, settings):
    settings.HAVEN_KEY_FILE = tmp_path / "nowhere.key"
    reset_keyring()
    with pytest.raises(WrongKeyError, match="is missing"):
        get_keyring()


def test_passphrase_mode(db, monkeypatch):
    KeyringState.objects.all().delete()
    DataKey.objects.all().delete()
    monkeypatch.setenv("HAVEN_PASSPHRASE", "a long and memorable passphrase")
    reset_keyring()
    keyring = get_keyring()
    state = KeyringState.objects.get()
    assert state.source == "passphrase" and len(bytes(state.salt)) == 16
    sealed = keyring.seal("test.label", b"secret", b"ad")
    monkeypatch.setenv("HAVEN_PASSPHRASE", "the wrong passphrase entirely")
    reset_keyring()
    with pytest.raises(WrongKeyError, match="HAVEN_PASSPHRASE"):
        get_keyring()
    monkeypatch.setenv("HAVEN_PASSPHRASE", "a long and memorable passphrase")
    reset_keyring()
    assert get_keyring().open(sealed, b"ad") == b"secret"


def test_rotate_rewraps_and_keeps_data_readable(person, tmp_path, settings, capsys):
    key_file = tmp_path / "master.key"
    key_file.write_bytes(key_file_path().read_bytes())
    settings.HAVEN_KEY_FILE = key_file
    reset_keyring()
    before = {row.pk: bytes(row.wrapped) for row in DataKey.objects.all()}
    old_file = key_file.read_bytes()
    call_command("keys", "rotate")
    assert key_file.read_bytes() != old_file
    assert key_file.stat().st_mode & 0o777 == 0o600
    after = {row.pk: bytes(row.wrapped) for row in DataKey.objects.all()}
    assert before.keys() == after.keys()
    assert all(before[pk] != after[pk] for pk in before)
    reset_keyring()
    assert fresh(person).name == "Ибрагим Селимханов"


def test_interrupted_rotation_finishes_at_next_start(person, tmp_path, settings, monkeypatch):
    key_file = tmp_path / "master.key"
    key_file.write_bytes(key_file_path().read_bytes())
    settings.HAVEN_KEY_FILE = key_file
    reset_keyring()
    monkeypatch.setattr(actions.os, "replace", lambda *a: None)  # crash before the swap
    actions.rotate_kek()
    monkeypatch.undo()
    assert key_file.with_name("master.key.next").exists()
    reset_keyring()
    assert fresh(person).name == "Ибрагим Селимханов"
    assert not key_file.with_name("master.key.next").exists()


def test_passphrase_rotation(person, tmp_path, monkeypatch):
    new = tmp_path / "pass"
    new.write_text("a brand new passphrase for haven\n")
    call_command("keys", "rotate", "--new-passphrase-file", str(new))
    monkeypatch.setenv("HAVEN_PASSPHRASE_FILE", str(new))
    reset_keyring()
    assert fresh(person).notes == "Detained in April 2020."


def test_reencrypt_seals_everything_anew_and_drops_old_keys(person, capsys):
    old_id = crypto.sealed_key_id(raw_column(person, "name"))
    call_command("keys", "rotate", "--reencrypt")
    out = capsys.readouterr().out
    assert "people.person: 1/1 (100%)" in out
    new_id = crypto.sealed_key_id(raw_column(person, "name"))
    assert new_id != old_id
    assert not DataKey.objects.filter(pk=old_id).exists()
    reset_keyring()
    assert fresh(person).name == "Ибрагим Селимханов"


def test_interrupted_reencrypt_resumes(personas, person):
    from haven.people.actions import add_person

    for n in range(4):
        add_person(team=personas.team, by=personas.member, name=f"Person {n}")
    calls = []

    def crash(label, done, count):
        calls.append(label)
        if label == "people.person":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        actions.reencrypt_all(progress=crash, batch=2)
    ids = {crypto.sealed_key_id(raw_column(p, "name")) for p in Person.objects.all()}
    assert len(ids) == 2  # half done: old and new keys both in use
    reset_keyring()
    actions.reencrypt_all(batch=2)
    ids = {crypto.sealed_key_id(raw_column(p, "name")) for p in Person.objects.all()}
    assert len(ids) == 1
    reset_keyring()
    assert sorted(p.name for p in Person.objects.all())[0] == "Person 0"


def test_totp_secret_is_encrypted(personas):
    from haven.accounts.models import Authenticator

    device = Authenticator.objects.get(user=personas.member)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key FROM {Authenticator._meta.db_table} WHERE id = %s", [device.pk])
        raw = bytes(cursor.fetchone()[0])
    assert device.key.encode() not in raw
    assert bytes.fromhex(device.key) not in raw


@pytest.mark.django_db
def test_a_required_encrypted_text_left_empty_is_refused():
    from django.core.exceptions import ValidationError

    from haven.accounts.models import Team
    from haven.people.models import Person

    team = Team.objects.create(name="Empty names")
    for empty in ("", None):
        with pytest.raises(ValidationError) as refused:
            Person(team=team, name=empty).full_clean()
        assert "name" in refused.value.message_dict
    Person(team=team, name="Ислам").full_clean()  # and a name is enough


def test_a_server_running_through_a_reencryption_seals_with_the_new_keys(
    transactional_db, personas, monkeypatch
):
    """A server that sealed values before a re-encryption and goes on writing after it
    (`haven keys rotate --reencrypt` run beside it, as the crash drill does) seals with
    the new keys: what it writes after the old keys are dropped opens after a restart."""
    from haven.keys import keyring as keyring_module
    from haven.people.actions import add_person

    add_person(team=personas.team, by=personas.member, name="Before the rotation")
    server = get_keyring()  # this process plays the server: its keys are cached
    reset_keyring()  # the rotation runs as another process, with its own keyring
    actions.reencrypt_all()
    monkeypatch.setattr(keyring_module, "_keyring", server)
    add_person(team=personas.team, by=personas.member, name="After the rotation")
    reset_keyring()  # the server restarts
    assert sorted(p.name for p in Person.objects.all()) == [
        "After the rotation",
        "Before the rotation",
    ]


def test_a_steady_block_looks_each_key_up_once_and_seals_as_outside(personas, monkeypatch):
    """Inside ``steady()`` (a bulk insert) the active key is looked up once per label,
    not once per value, and it is the key ``active_key`` gives outside the block."""
    keyring = get_keyring()
    label = Person._meta.label_lower
    with transaction.atomic():
        expected = keyring.active_key(label)
    lookups = []
    look_up = keyring._active_key
    monkeypatch.setattr(
        keyring, "_active_key", lambda label: lookups.append(label) or look_up(label)
    )
    with transaction.atomic(), keyring.steady():
        found = [keyring.active_key(label) for _ in range(50)]
        with keyring.steady():  # nested: the same keys
            assert keyring.active_key(label) == expected
    assert found == [expected] * 50
    assert lookups == [label]
    assert getattr(keyring._steady, "keys", None) is None  # forgotten after the block
    keyring.active_key(label)
    assert lookups == [label, label]


def test_outside_a_steady_block_a_retired_key_is_noticed_in_the_next_transaction(
    transactional_db,
):
    keyring = get_keyring()
    label = Person._meta.label_lower
    with transaction.atomic(), keyring.steady():
        key_id, _key = keyring.active_key(label)
    DataKey.objects.filter(pk=key_id).update(retired_at=timezone.now())
    with transaction.atomic():
        assert keyring.active_key(label)[0] != key_id
