"""Test set-up shared by every app: personas, sign-in helpers, no network."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from haven.accounts.middleware import LOGIN_AT, SEEN_AT
from haven.accounts.models import Authenticator
from haven.accounts.tests.factories import TeamFactory, UserFactory

PASSWORD = "correct horse battery staple"


_real_connect = socket.socket.connect


def _loopback_only_connect(self, address):
    """Tests never leave the machine: only loopback and Unix sockets may connect."""
    if self.family == socket.AF_UNIX:
        return _real_connect(self, address)
    host = address[0]
    if host in {"localhost", "::1"} or host.startswith("127."):
        return _real_connect(self, address)
    raise RuntimeError(f"test tried to open a network connection to {host}")


socket.socket.connect = _loopback_only_connect


# What every test runs with (the autouse fixtures below; ``shared_world`` too).
FAST_HASHERS = ("django.contrib.auth.hashers.MD5PasswordHasher",)
INLINE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _jobs_run_inline(settings):
    """Jobs run at once, inside the test, through the same runner as in production
    (haven/jobs/queue.py); the tests of the queue itself switch the database backend on."""
    settings.TASKS = INLINE_TASKS


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request as a Russian-speaking user leaves Russian active in the thread; the next
    test starts in the default language, whatever order the tests run in."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _evidence_in_tmp(settings, tmp_path):
    settings.HAVEN_EVIDENCE_DIR = tmp_path / "evidence"
    settings.HAVEN_AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"


@pytest.fixture(autouse=True)
def _fresh_keyring():
    """Each test opens the keyring anew: tables flushed by one test hold no cached key."""
    from haven.keys.keyring import reset_keyring

    reset_keyring()
    yield
    reset_keyring()


def add_totp(user) -> Authenticator:
    return Authenticator.objects.create(user=user, name="authenticator", confirmed=True)


def totp_code(device: Authenticator, offset_steps: int = 0) -> str:
    """The code the user's app shows now (or ``offset_steps`` steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():06d}"


def sign_in(client, user) -> None:
    """Sign ``user`` in on ``client`` with a verified second factor, as the login flow does."""
    import time

    device = Authenticator.objects.filter(user=user, confirmed=True).first() or add_totp(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[LOGIN_AT] = session[SEEN_AT] = time.time()
    session.save()


@dataclass
class Personas:
    """The people every access test is run as."""

    administrator: object
    member: object
    read_only: object
    outsider: object
    team: object

    def all(self) -> dict[str, object]:
        return {
            "administrator": self.administrator,
            "member": self.member,
            "read_only": self.read_only,
            "outsider": self.outsider,
        }


@pytest.fixture
def personas(db) -> Personas:
    return make_personas()


def make_personas() -> Personas:
    from haven.accounts.models import Membership, Role

    team = TeamFactory(name="Test desk")
    administrator = UserFactory(email="admin@example.org", role=Role.ADMINISTRATOR)
    member = UserFactory(email="member@example.org", role=Role.CASEWORKER)
    read_only = UserFactory(email="reader@example.org", role=Role.LAWYER)
    outsider = UserFactory(email="outsider@example.org", role=Role.CASEWORKER)
    Membership.objects.create(team=team, user=member, access=Membership.Access.MEMBER)
    Membership.objects.create(team=team, user=read_only, access=Membership.Access.READ_ONLY)
    for user in (administrator, member, read_only, outsider):
        add_totp(user)
    return Personas(administrator, member, read_only, outsider, team)


@pytest.fixture
def person(personas):
    """A person on the personas' team, recorded by the member."""
    from haven.people.actions import add_person

    return add_person(
        team=personas.team,
        by=personas.member,
        name="Ибрагим Селимханов",
        other_names=["Ibragim Selimkhanov"],
        contacts=[{"kind": "phone", "value": "+7 928 000-11-22"}],
        notes="Detained in April 2020.",
    )
