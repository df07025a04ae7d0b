"""The one way to write to the audit log, and the check that it is intact."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, connections, router, transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from haven.audit.context import AuditContext, Channel, audit_context, current_context
from haven.audit.models import GENESIS_HASH, AuditEntry, canonical, seal_key, seal_of
from haven.lib.inserts import insert_rows, plain_fields, value_preparer

__all__ = [
    "AuditContext",
    "Channel",
    "audit_context",
    "current_context",
    "record",
    "record_many",
]

# Any constant works; it names the PostgreSQL advisory lock that serialises appends.
_APPEND_LOCK = 0x6861766E


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_context(Channel.WEB, address=client_address(request), request=request):
            return self.get_response(request)


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a proxy the last address that the
    proxy appended to the header named by HAVEN_CLIENT_IP_HEADER."""
    if request is None:
        return None
    from django.conf import settings

    header = settings.HAVEN_CLIENT_IP_HEADER
    if header and request.META.get(header):
        candidate = request.META[header].split(",")[-1].strip()
        try:
            import ipaddress

            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR") or None


def describe(target: Model) -> tuple[str, str]:
    """The (type, id) pair an entry stores for a record: its UUID where it has one."""
    meta = target._meta
    identifier = getattr(target, "uuid", None) or target.pk
    return f"{meta.app_label}.{meta.model_name}", str(identifier)


@transaction.atomic
def record(
    action: str,
    *,
    request: HttpRequest | None = None,
    actor=None,
    target: Model | None = None,
    summary: str = "",
    records: Iterable[Model] = (),
) -> AuditEntry:
    """Append one entry; call it inside the transaction of the change it describes.

    The actor, address and channel come from the current ``AuditContext`` unless
    given (``request`` stands for a web context of its own). ``records`` lists what
    a bulk read (an export, a report) read: one entry for all of them, not one each.
    Entries are numbered without gaps: on PostgreSQL an advisory lock serialises
    appenders, on SQLite the IMMEDIATE transaction mode already does.
    """
    return _append([(action, target, summary, records)], request=request, actor=actor)[0]


@transaction.atomic
def record_many(
    entries: Iterable[tuple[str, Model | None, str]],
    *,
    request: HttpRequest | None = None,
    actor=None,
) -> list[AuditEntry]:
    """Append one entry per ``(action, target, summary)``, in order, by one actor: the
    entries ``record()`` would write called once for each, chained and sealed alike,
    written in bulk (a batch of new records, say). Same context, locking and
    transaction rules as ``record()``."""
    return _append(
        [(action, target, summary, ()) for action, target, summary in entries],
        request=request,
        actor=actor,
    )


def _append(items, *, request, actor) -> list[AuditEntry]:
    """Chain ``(action, target, summary, records)`` items after the last entry and save them."""
    if not items:
        return []
    context = current_context()
    if request is not None:
        context = AuditContext(Channel.WEB, address=client_address(request), request=request)
    if actor is None and context is not None:
        actor = context.current_actor()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_APPEND_LOCK])
    seq, prev_hash = _head()
    actor_label = actor.email if actor is not None else ""
    if actor is None and context is not None and context.submitter:
        actor_label = context.submitter
    ip = context.address if context is not None else None
    channel = context.channel if context is not None else ""
    key = seal_key()
    entries, rows = [], []
    actor_id = actor.pk if actor is not None else None
    fields = plain_fields(AuditEntry)
    writer = connections[router.db_for_write(AuditEntry)]
    prepare = {field.attname: value_preparer(field, writer) for field in fields}
    # One time for the batch: its entries are written, and committed, together.
    at = timezone.now()
    prepared_at, no_records = prepare["at"](at), prepare["records"]([])
    prepare["at"] = lambda value, general=prepare["at"]: (
        prepared_at if value is at else general(value)
    )
    prepare["records"] = lambda value, general=prepare["records"]: (
        general(value) if value else no_records
    )
    steps = [(field.attname, prepare[field.attname]) for field in fields]
    sealing = hmac.new(key, digestmod=hashlib.sha256)
    for action, target, summary, records in items:
        object_type, object_id = describe(target) if target is not None else ("", "")
        # A summary may quote what a request sent (a refused id, a path); PostgreSQL's
        # text cannot hold NUL, and the entry must be written all the same.
        summary = summary[:300].replace("\x00", "\ufffd")
        listed = [":".join(describe(item)) for item in records]
        entry_hash = hashlib.sha256(
            canonical(
                seq=seq,
                at=at,
                actor_id=actor_id,
                actor_label=actor_label,
                ip=ip,
                action=action,
                object_type=object_type,
                object_id=object_id,
                summary=summary,
                prev_hash=prev_hash,
                channel=channel,
                records=listed,
            )
        ).hexdigest()
        # Positional, in the order of AuditEntry's fields: Django's quick way to make an
        # instance, which counts when a batch of new records appends thousands.
        entry = AuditEntry(
            None,  # id
            seq,
            at,
            actor_id,
            actor_label,
            ip,
            channel,
            action,
            object_type,
            object_id,
            summary,
            listed,
            prev_hash,
            entry_hash,
            "",  # seal, below
        )
        seal = sealing.copy()  # seal_of(entry_hash, key), keyed once for the batch
        seal.update(entry_hash.encode())
        entry.seal = seal.hexdigest()
        if actor is not None:
            entry.actor = actor  # the instance, as record() callers read it back
        entries.append(entry)
        # The row as insert_plain would prepare it from the entry, without its per-field
        # pre_save (no field of an entry changes its value on saving).
        values = entry.__dict__
        row = [step(values[name]) for name, step in steps]
        rows.append(row)
        seq, prev_hash = seq + 1, entry_hash
    # Every read of a record writes one entry: as one prepared INSERT, without a model
    # save's machinery (no signal listens to audit entries; nothing reads their ids).
    insert_rows(AuditEntry, fields, rows)
    for entry in entries:
        entry._state.adding = False
        entry._state.db = writer.alias
    return entries


def _head() -> tuple[int, str]:
    """The number and hash the next entry follows (read under the append lock): in plain
    SQL, as it is asked once per entry written, that is once per record read."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1")  # noqa: S608 (a name, not a value)
        last = cursor.fetchone()
    return (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    count: int
    head: str
    position: int | None = None
    problem: str = ""


def verify_chain(
    entries: Iterator[AuditEntry] | None = None, *, after: tuple[int, str] = (0, GENESIS_HASH)
) -> Verdict:
    """Walk the log in order and report the first entry that breaks the chain.

    An edited entry no longer matches its hash, and one re-hashed by a forger no
    longer matches its seal; a deleted, inserted or reordered one breaks the
    numbering or the link to its predecessor. ``after`` starts the walk after an
    entry already known good (a signed checkpoint's count and head).
    """
    start, prev_hash = after
    if entries is None:
        entries = AuditEntry.objects.filter(seq__gt=start).order_by("seq").iterator(chunk_size=2000)
    key = seal_key()
    position = start
    for position, entry in enumerate(entries, start=start + 1):
        if entry.seq != position:
            problem = (
                f"expected entry number {position} but found {entry.seq}: "
                "an entry was deleted, inserted or renumbered"
            )
            return Verdict(False, position - 1, prev_hash, position, problem)
        if entry.prev_hash != prev_hash:
            problem = "does not link to the entry before it: entries were removed or reordered"
            return Verdict(False, position - 1, prev_hash, position, problem)
        if entry.compute_hash() != entry.hash:
            problem = "its content does not match its hash: the entry was edited"
            return Verdict(False, position - 1, prev_hash, position, problem)
        if not hmac.compare_digest(seal_of(entry.hash, key), entry.seal):
            problem = (
                "its seal does not match: the entry was written or rewritten by someone "
                "without the audit key"
            )
            return Verdict(False, position - 1, prev_hash, position, problem)
        prev_hash = entry.hash
    return Verdict(True, position, prev_hash)
