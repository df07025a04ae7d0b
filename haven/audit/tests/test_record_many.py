"""record_many: a batch of entries appended in one insert, as record() would append them."""

from django.core.management import call_command

from haven.audit.actions import record, record_many, verify_chain
from haven.audit.context import Channel, audit_context
from haven.audit.models import AuditEntry

FIELDS = (
    "action",
    "actor",
    "actor_label",
    "ip",
    "channel",
    "object_type",
    "object_id",
    "summary",
    "records",
)


def content(entry):
    return tuple(getattr(entry, name) for name in FIELDS)


def test_entries_are_those_record_writes_chained_after_the_last(personas):
    first = record("test.before")
    targets = [personas.team, personas.member, None]
    batch = [
        (f"test.bulk{n}", target, f"entry {n} " + "x" * 400) for n, target in enumerate(targets)
    ]
    with audit_context(Channel.CLI, actor=personas.member, address="127.0.0.1"):
        written = record_many(batch)
        one_by_one = [
            record(action, target=target, summary=summary) for action, target, summary in batch
        ]

    stored = list(AuditEntry.objects.filter(seq__gt=first.seq).order_by("seq"))
    assert [entry.seq for entry in stored] == list(range(first.seq + 1, first.seq + 7))
    assert [content(entry) for entry in stored[:3]] == [content(entry) for entry in one_by_one]
    assert [entry.hash for entry in stored[:3]] == [entry.hash for entry in written]
    assert stored[0].prev_hash == first.hash
    assert stored[0].actor == personas.member
    assert stored[0].channel == Channel.CLI
    assert len(stored[0].summary) == 300
    assert verify_chain().ok
    call_command("audit", "verify")  # the command an administrator runs


def test_nothing_to_append_writes_nothing(db):
    assert record_many([]) == []
    assert not AuditEntry.objects.exists()


def test_canonical_is_the_json_encoders_text():
    """The hand-spelled canonical form of an entry is byte for byte json.dumps's, on
    values that need escaping (quotes, controls, non-Latin, NUL's stand-in), with and
    without the later fields, in and out of UTC."""
    from datetime import UTC, datetime, timedelta, timezone

    from haven.audit.models import canonical_by_json

    awkward = ["plain", 'quote " and \\ back', "line\nbreak\ttab\x01", "Магомед 🙂", "\ufffd", ""]
    moments = [
        datetime(2026, 12, 2, 19, 5, 1, 7, tzinfo=UTC),
        datetime(1999, 1, 1, tzinfo=timezone(timedelta(hours=3))),
    ]
    checked = 0
    for n, text in enumerate(awkward):
        for at in moments:
            for channel, records, actor, ip in (
                ("", [], None, None),
                ("cli", ["people.person:1", text], 7, "::1"),
            ):
                entry = AuditEntry(
                    seq=n + 1,
                    at=at,
                    actor_id=actor,
                    actor_label=text,
                    ip=ip,
                    channel=channel,
                    action=f"test.{text}",
                    object_type="people.person",
                    object_id=text,
                    summary=text,
                    records=records,
                    prev_hash="0" * 64,
                )
                assert entry.canonical() == canonical_by_json(entry), (text, channel)
                checked += 1
    assert checked == len(awkward) * len(moments) * 2
