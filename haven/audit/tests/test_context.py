"""Every interface says who acts, from where and through which channel; bulk reads
are one entry; entries of either shape keep the chain verifiable."""

import json

import pytest

from conftest import sign_in
from haven.audit.actions import Channel, audit_context, record, verify_chain
from haven.audit.models import AuditEntry
from haven.audit.tests.test_chain import TABLE, raw


@pytest.mark.django_db
def test_an_entry_outside_any_request_carries_its_context(personas):
    with audit_context(Channel.JOB, actor=personas.member):
        entry = record("export.finished")
    assert (entry.channel, entry.actor, entry.ip) == ("job", personas.member, None)
    with audit_context(Channel.INTAKE, address="198.51.100.7", submitter="receipt 4f2a"):
        anonymous = record("intake.submitted")
    assert anonymous.actor is None
    assert (anonymous.actor_label, anonymous.channel, anonymous.ip) == (
        "receipt 4f2a",
        "intake",
        "198.51.100.7",
    )
    assert verify_chain().ok


@pytest.mark.django_db
def test_a_web_request_is_recorded_as_web_with_its_address(client, personas):
    sign_in(client, personas.member)
    client.get("/people/", REMOTE_ADDR="203.0.113.9")  # a list page is audited
    entry = AuditEntry.objects.filter(actor=personas.member).order_by("-seq").first()
    assert entry is not None
    assert (entry.channel, entry.ip) == ("web", "203.0.113.9")


@pytest.mark.django_db
def test_the_haven_command_records_as_cli(monkeypatch, capsys):
    import django.core.management

    from haven.cli import main

    # The real entry point closes the database connections when the command ends, which
    # would end the test's own transaction: run the same command through call_command.
    def run(argv):
        django.core.management.call_command(*argv[1:])

    monkeypatch.setattr(django.core.management, "execute_from_command_line", run)
    main(["user", "add", "new.lawyer@example.org", "--role", "lawyer"])
    entry = AuditEntry.objects.get(action="user.created")
    assert entry.channel == "cli"
    record("after.the.command")  # outside the command, no context is left behind
    assert AuditEntry.objects.get(action="after.the.command").channel == ""


@pytest.mark.django_db
def test_a_bulk_read_is_one_entry_listing_what_was_read(personas, person):
    from haven.people.actions import add_person

    other = add_person(team=personas.team, by=personas.member, name="Second Person")
    before = AuditEntry.objects.count()
    entry = record("people.person.exported", actor=personas.member, records=[person, other])
    assert AuditEntry.objects.count() == before + 1
    assert entry.records == [f"people.person:{person.uuid}", f"people.person:{other.uuid}"]
    assert verify_chain().ok
    # The list is covered by the hash: dropping a record from it breaks the chain.
    raw(
        f"UPDATE {TABLE} SET records = %s WHERE seq = %s",
        [json.dumps(entry.records[:1]), entry.seq],
    )
    verdict = verify_chain()
    assert not verdict.ok
    assert verdict.position == entry.seq


@pytest.mark.django_db
def test_entries_written_before_channels_keep_their_hashes():
    """An entry without a channel or records hashes exactly as it did before they existed."""
    entry = record("login.succeeded")
    assert entry.channel == "" and entry.records == []
    assert '"channel"' not in entry.canonical().decode()
    assert '"records"' not in entry.canonical().decode()


def test_switching_outside_any_context_leaves_nothing_behind():
    """A streamed API response read after its request ended may authenticate again; that
    must not leave the API channel set for whatever the thread does next."""
    from haven.audit.context import Channel, audit_context, current_context, switch_context

    switch_context(Channel.API)
    assert current_context() is None
    with audit_context(Channel.WEB):
        switch_context(Channel.API)
        assert current_context().channel == Channel.API
    assert current_context() is None
