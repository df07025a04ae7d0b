"""The daily e-mail digest: case codes and counts, in the user's language, once a day."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.accounts.models import Lockdown, Membership
from haven.audit.models import AuditEntry
from haven.cases import actions
from haven.cli import main
from haven.notifications.actions import set_digest
from haven.notifications.models import DigestSubscription
from haven.notifications.tests.conftest import days, petition, plan
from haven.vocab.models import term

SITE = "https://haven.example.org"


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("connection refused")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.HAVEN_SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "haven@example.org"


@pytest.fixture
def busy(personas, person, colleague, case):
    """The member has overdue and soon-due work, a deadline, a handed case and a request."""
    member = personas.member
    plan(case, member, title="Evacuate to Moscow", owner=member, due_on=days(-3))
    plan(case, member, title="Shelter in Nalchik", owner=member, due_on=days(2))
    petition(case, member, next_deadline=days(4), reference="IC 14/2021")
    handed = actions.open_case(
        team=personas.team,
        by=colleague,
        title="Abducted and returned to Grozny",
        summary="Relatives threaten an honour killing.",
        lead=member,
    )
    intake = actions.record_request(
        team=personas.team,
        by=colleague,
        channel=term("channel", "telegram"),
        requester_name="Ибрагим Селимханов",
        summary="Asks to leave Grozny tonight.",
    )
    actions.join_request_to_case(intake, case, by=colleague)
    set_digest(member, True)
    return handed


def test_the_digest_has_codes_counts_and_a_link(personas, case, busy):
    call_command("digest")
    [message] = mail.outbox
    assert message.to == [personas.member.email]
    assert message.from_email == "haven@example.org"
    assert message.subject == "Haven: 5 reminders"
    body = message.body
    for line in (
        "Overdue actions: 1",
        "Actions due soon: 1",
        "Petition deadlines coming: 1",
        "Cases handed to you: 1",
        "Requests added to your cases: 1",
        f"  {case.code}: 4",
        f"  {busy.code}: 1",
        f"{SITE}/reminders/",
        f"{SITE}/accounts/\n",
    ):
        assert line in body, line


def test_the_digest_reveals_nothing_the_records_say(personas, person, case, busy, colleague):
    call_command("digest")
    [message] = mail.outbox
    text = message.subject + message.body + str(message.message())
    for secret in (
        case.title,
        case.summary,
        busy.title,
        busy.summary,
        "Evacuate to Moscow",
        "Shelter in Nalchik",
        "State protection",
        "IC 14/2021",
        "Ибрагим",
        "Selimkhanov",
        person.code,
        "Asks to leave",
        colleague.full_name,
        "Investigative",
    ):
        assert secret not in text, secret


def test_the_digest_speaks_the_users_language(personas, case, busy):
    personas.member.language = "ru"
    personas.member.save()
    call_command("digest")
    [message] = mail.outbox
    assert message.subject == "Haven: 5 напоминаний"
    assert "Просроченные действия: 1" in message.body
    assert "Overdue" not in message.body


def test_only_subscribers_with_something_to_read_get_it_once_a_day(
    personas, colleague, case, busy, capsys
):
    set_digest(colleague, True)  # nothing due for the colleague
    call_command("digest")
    assert [m.to for m in mail.outbox] == [[personas.member.email]]
    assert "1 sent, 1 with nothing to report" in capsys.readouterr().out
    call_command("digest")  # a cron retry the same day
    assert len(mail.outbox) == 1
    assert "1 already sent today" in capsys.readouterr().out
    set_digest(personas.member, False)
    DigestSubscription.objects.update(last_sent_on=None)
    call_command("digest")
    assert len(mail.outbox) == 1


def test_what_the_user_may_no_longer_see_is_not_counted(personas, case, busy):
    Membership.objects.filter(user=personas.member).delete()
    call_command("digest")
    assert mail.outbox == []


def test_a_disabled_user_gets_no_digest(personas, case, busy):
    personas.member.is_active = False
    personas.member.save()
    call_command("digest")
    assert mail.outbox == []


def test_each_digest_and_the_run_are_audited_as_a_job(personas, case, busy):
    call_command("digest")
    sent = AuditEntry.objects.get(action="notifications.digest.sent")
    assert sent.channel == "job" and sent.object_id == str(personas.member.uuid)
    assert sorted(sent.records) == sorted([f"cases.case:{case.uuid}", f"cases.case:{busy.uuid}"])
    run = AuditEntry.objects.get(action="notifications.digest.run")
    assert (run.channel, run.summary) == (
        "job",
        "1 sent, 0 with nothing to report, 0 already sent today, 0 failed",
    )


def test_haven_digest_runs_on_the_command_line_channel(monkeypatch, personas, case, busy):
    import django.core.management

    # The real entry point closes the database connections when the command ends, which
    # would end the test's own transaction: run the same command through call_command.
    def run(argv):
        call_command(*argv[1:])

    monkeypatch.setattr(django.core.management, "execute_from_command_line", run)
    assert main(["digest"]) == 0
    assert len(mail.outbox) == 1
    run = AuditEntry.objects.get(action="notifications.digest.run")
    assert run.channel == "cli"


def test_without_the_site_address_nothing_is_sent(settings, busy):
    settings.HAVEN_SITE_URL = ""
    with pytest.raises(CommandError, match="HAVEN_SITE_URL"):
        call_command("digest")
    assert mail.outbox == []


def test_a_failed_send_is_reported_and_retried_next_run(settings, personas, busy):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with pytest.raises(CommandError, match="1 e-mail"):
        call_command("digest")
    assert DigestSubscription.objects.get().last_sent_on is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("digest")
    assert len(mail.outbox) == 1


def test_nothing_leaves_during_a_lockdown_and_the_next_run_sends_it(personas, busy):
    lockdown = Lockdown.objects.create(started_by=personas.administrator)
    call_command("digest")
    assert mail.outbox == []
    withheld = AuditEntry.objects.get(action="notifications.digest.withheld")
    assert withheld.summary == "a lockdown is in force"
    assert DigestSubscription.objects.get().last_sent_on is None
    lockdown.in_force = None
    lockdown.save()
    call_command("digest")
    assert len(mail.outbox) == 1
