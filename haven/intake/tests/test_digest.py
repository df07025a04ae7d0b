"""The intake team's e-mail digest: counts and a link only, to members who asked for it,
in their language, only when something is new, never during a lockdown."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from conftest import sign_in
from haven.accounts.models import Lockdown, Membership
from haven.audit.models import AuditEntry
from haven.cases import actions as cases
from haven.cli import main
from haven.intake.actions import set_digest, submit_request
from haven.intake.models import DigestSubscription

SITE = "https://haven.example.org"
# What a person wrote: none of it may reach an e-mail.
CANARIES = {
    "what": "Canary-narrative-7Q They beat me at the checkpoint",
    "name": "Canary-Selimkhanov-3X",
    "place": "Canary-Argun-9K",
    "contact": "canary-signal-5W@example.net",
}


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("connection refused")


@pytest.fixture(autouse=True)
def _intake(settings, personas):
    settings.HAVEN_SITE_URL = SITE
    settings.HAVEN_INTAKE_TEAM = personas.team.name
    settings.DEFAULT_FROM_EMAIL = "haven@example.org"


def _submit(personas, **fields):
    data = {"what": "Please call me", "language": "ru", "urgency": "immediate", **fields}
    return submit_request(team=personas.team, **data)[0]


def test_the_digest_says_how_many_wait_and_nothing_anyone_wrote(personas):
    set_digest(personas.member, True)
    _submit(personas, **CANARIES, consent_to_contact=True)
    _submit(personas, what="Second")
    call_command("intake", "digest")
    [message] = mail.outbox
    assert message.to == [personas.member.email]
    assert message.subject == "Haven: 2 new public requests"
    assert "2 new public requests came in since the last e-mail." in message.body
    assert "2 requests wait for someone to take them." in message.body
    assert f"{SITE}/intake/" in message.body
    assert f"{SITE}/accounts/" in message.body
    whole = message.subject + message.body + str(message.message())
    for canary in (*CANARIES.values(), "Canary", "Second", "Please call me"):
        assert canary.lower() not in whole.lower(), canary
    for word in ("immediate", "urgent", "Russian", "ru\n", "Argun", "consent"):
        assert word.lower() not in message.body.lower(), word
    entry = AuditEntry.objects.filter(action="intake.digest.sent").get()
    assert entry.summary == "2 new, 2 untaken"


def test_nothing_is_sent_when_nothing_is_new_since_the_last_one(personas):
    set_digest(personas.member, True)
    call_command("intake", "digest")
    assert mail.outbox == []  # nothing waits at all
    first = _submit(personas)
    call_command("intake", "digest")
    call_command("intake", "digest")
    assert len(mail.outbox) == 1
    # Taken by someone: it no longer counts as untaken, and nothing new came in.
    cases.assign_request(first.request, by=personas.member, assignee=personas.member)
    _submit(personas)
    call_command("intake", "digest")
    assert len(mail.outbox) == 2
    assert "1 new public request came in" in mail.outbox[1].body
    assert "1 request waits for someone to take it." in mail.outbox[1].body


def test_only_opted_in_members_of_the_intake_team_get_it(personas, settings):
    for user in (personas.member, personas.read_only):
        set_digest(user, True)
    personas.read_only.email = ""
    personas.read_only.save()
    # An outsider cannot ask for it, and one who left the team gets it no more.
    with pytest.raises(Exception, match="Only members of the intake team"):
        set_digest(personas.outsider, True)
    leaver = personas.outsider
    Membership.objects.create(team=personas.team, user=leaver)
    set_digest(leaver, True)
    Membership.objects.filter(user=leaver).delete()
    _submit(personas)
    call_command("intake", "digest")
    assert [m.to for m in mail.outbox] == [[personas.member.email]]
    # No intake team any more: no one.
    settings.HAVEN_INTAKE_TEAM = ""
    _submit(personas)
    call_command("intake", "digest")
    assert len(mail.outbox) == 1


def test_in_the_recipients_language(personas, monkeypatch):
    from django.utils import translation

    from haven.intake import digest

    languages = []
    render = digest.render_to_string

    def spy(*args, **kwargs):
        languages.append(translation.get_language())
        return render(*args, **kwargs)

    monkeypatch.setattr(digest, "render_to_string", spy)
    personas.member.language = "ru"
    personas.member.save()
    set_digest(personas.member, True)
    set_digest(personas.read_only, True)  # no preference: the instance's language
    _submit(personas)
    call_command("intake", "digest")
    assert languages == ["ru", "en"]
    with translation.override("ru"):
        subject = translation.ngettext(
            "Haven: %(count)d new public request", "Haven: %(count)d new public requests", 1
        ) % {"count": 1}
    assert mail.outbox[0].subject == subject


def test_nothing_leaves_during_a_lockdown_and_it_is_told_after(personas):
    set_digest(personas.member, True)
    _submit(personas)
    lockdown = Lockdown.objects.create(started_by=personas.administrator)
    call_command("intake", "digest")
    assert mail.outbox == []
    assert AuditEntry.objects.filter(action="intake.digest.withheld").exists()
    lockdown.in_force = None
    lockdown.save()
    call_command("intake", "digest")
    assert len(mail.outbox) == 1 and "1 new public request" in mail.outbox[0].body


def test_a_failed_send_is_sent_again_by_the_next_run(personas, settings):
    set_digest(personas.member, True)
    _submit(personas)
    settings.EMAIL_BACKEND = "haven.intake.tests.test_digest.RefusingBackend"
    with pytest.raises(CommandError, match="could not be sent"):
        call_command("intake", "digest")
    assert DigestSubscription.objects.get().last_sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("intake", "digest")
    assert len(mail.outbox) == 1


def test_without_a_site_address_the_command_says_what_to_set(personas, settings):
    settings.HAVEN_SITE_URL = ""
    set_digest(personas.member, True)
    _submit(personas)
    with pytest.raises(CommandError, match="HAVEN_SITE_URL"):
        call_command("intake", "digest")


def test_the_haven_command_sends_it_in_the_command_lines_name(personas, capsys, monkeypatch):
    import django.core.management

    # The real entry point closes the database connections when the command ends, which
    # would end the test's own transaction (on PostgreSQL): run it through call_command.
    monkeypatch.setattr(
        django.core.management, "execute_from_command_line", lambda argv: call_command(*argv[1:])
    )
    set_digest(personas.member, True)
    _submit(personas)
    assert main(["intake", "digest"]) == 0
    assert "Intake digest: 1 sent" in capsys.readouterr().out
    entry = AuditEntry.objects.filter(action="intake.digest.sent").get()
    assert entry.channel == "cli"


def test_the_servers_schedule_sends_it_as_a_job(personas):
    from haven.gunicorn_conf import intake_digest_job

    set_digest(personas.member, True)
    _submit(personas)
    run = intake_digest_job()
    assert run.sent == 1 and len(mail.outbox) == 1
    assert AuditEntry.objects.filter(action="intake.digest.sent").get().channel == "job"
    assert intake_digest_job().sent == 0  # nothing new


def test_the_account_page_offers_it_to_the_intake_team_only(client, personas):
    sign_in(client, personas.member)
    page = client.get(reverse("accounts:account")).content.decode()
    assert "E-mail me when new public requests wait" in page
    response = client.post(reverse("intake:digest"), {"digest": "on"})
    assert response.status_code == 302
    assert DigestSubscription.objects.filter(user=personas.member).exists()
    assert 'name="digest" checked' in client.get(reverse("accounts:account")).content.decode()
    client.post(reverse("intake:digest"), {})
    assert not DigestSubscription.objects.exists()
    actions = list(
        AuditEntry.objects.filter(action__startswith="intake.digest.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["intake.digest.subscribed", "intake.digest.unsubscribed"]
    sign_in(client, personas.outsider)
    assert "public requests wait" not in client.get(reverse("accounts:account")).content.decode()
    response = client.post(reverse("intake:digest"), {"digest": "on"}, follow=True)
    assert "Only members of the intake team" in response.content.decode()
    assert not DigestSubscription.objects.exists()


def test_a_request_older_than_the_last_digest_is_not_new(personas):
    from django.utils import timezone

    set_digest(personas.member, True)
    old = _submit(personas)
    DigestSubscription.objects.update(last_sent_at=timezone.now() + timedelta(seconds=1))
    call_command("intake", "digest")
    assert mail.outbox == []
    assert old.request.assignee is None
