"""The one way to write to the audit log, and the check that it is intact."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from haven.audit.context import AuditContext, Channel, audit_context, current_context
from haven.audit.models import GENESIS_HASH, AuditEntry, canonical, seal_key, seal_of
from haven.lib.inserts import insert_rows, insert_sql, plain_fields, value_preparer, written_as_is

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
_LOCK_SQL = "SELECT pg_advisory_xact_lock(%s)"


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
    appenders, on SQLite the IMMEDIATE transaction mode already does. Outside a
    transaction (a read) the entry is a transaction of its own, committed before this
    returns.
    """
    return _append([(action, target, summary, records)], request=request, actor=actor)[0]


def record_many(
    entries: Iterable[tuple[str, Model | None, str]],
    *,
    request: HttpRequest | None = None,
    actor=None,
    keep: bool = True,
) -> list[AuditEntry]:
    """Append one entry per ``(action, target, summary)``, in order, by one actor: the
    entries ``record()`` would write called once for each, chained and sealed alike,
    written in bulk (a batch of new records, say). Same context, locking and
    transaction rules as ``record()``. With ``keep=False`` the entries are written
    alike but not returned (no instance is made for each: a batch of new records
    appends thousands that nobody reads back). A target may be given as what
    ``describe`` gives for it, (type, id): a batch prepared in another process."""
    return _append(
        [(action, target, summary, ()) for action, target, summary in entries],
        request=request,
        actor=actor,
        keep=keep,
    )


def _append(items, *, request, actor, keep: bool = True) -> list[AuditEntry]:
    """Chain ``(action, target, summary, records)`` items after the last entry and save them."""
    if not items:
        return []
    context = current_context()
    if request is not None:
        context = AuditContext(Channel.WEB, address=client_address(request), request=request)
    if actor is None and context is not None:
        actor = context.current_actor()
    writer = connections[router.db_for_write(AuditEntry)]
    chain = _Chain(items, actor, context, writer, keep=keep)
    if len(items) == 1 and _alone_on_postgresql(writer):
        return _append_alone(chain, writer)
    with transaction.atomic(using=writer.alias):
        if writer.vendor == "postgresql":
            with _client_bound(writer) as cursor:
                head = _locked_head(cursor)
        else:
            head = _head(writer)
        entries, rows = chain.link(*head)
        # Every read of a record writes one entry: as one prepared INSERT, without a
        # model save's machinery (no signal listens to entries; nothing reads their ids).
        insert_rows(AuditEntry, chain.fields, rows)
    return chain.saved(entries)


def _alone_on_postgresql(writer) -> bool:
    """Whether an entry would be a transaction of its own on PostgreSQL: a read's entry,
    written outside any change."""
    return writer.vendor == "postgresql" and not writer.in_atomic_block and writer.get_autocommit()


def _client_bound(writer):
    """A cursor whose statements are bound on the client, so that several can go in one
    message (the connection's may send its parameters apart: ``haven.lib.env``), made as
    Django makes its own (a connection found broken is replaced, errors are Django's)
    and seen by its query logging and execute wrappers as any other. It reads no time
    with a zone, so Django's per-cursor time zone loader is not needed."""
    import psycopg

    writer.close_if_health_check_failed()
    writer.ensure_connection()
    with writer.wrap_database_errors:
        return writer._prepare_cursor(psycopg.ClientCursor(writer.connection))


def _append_alone(chain: _Chain, writer) -> list[AuditEntry]:
    """The entry as a transaction of its own, in two round trips to the server instead
    of five: ``BEGIN``, the append lock and the chain's head in one message, then the
    ``INSERT`` and ``COMMIT`` in another. The same statements as the general path, in
    the same transaction, and ``COMMIT`` waits for its write-ahead log to reach the disk
    as every commit does: the entry is durable before the read is answered.

    Each statement of a message still takes its own snapshot (READ COMMITTED, named so
    that the server's default cannot change it), so the head is read after the lock is
    held and sees the entry its last holder committed: two appenders never take one
    number. Any failure rolls the transaction back before it is raised."""
    with _client_bound(writer) as cursor:
        try:
            cursor.execute(
                f"BEGIN ISOLATION LEVEL READ COMMITTED; {_LOCK_SQL}; {_head_sql(writer)}",
                [_APPEND_LOCK],
            )
            cursor.nextset()  # the lock's result
            cursor.nextset()  # the head's
            entries, rows = chain.link(*_next_after(cursor.fetchone()))
            cursor.execute(f"{insert_sql(AuditEntry, chain.fields, writer)}; COMMIT", rows[0])
        except BaseException:
            _roll_back(writer, cursor)
            raise
    return chain.saved(entries)


def _roll_back(writer, cursor) -> None:
    """End the transaction an interrupted ``_append_alone`` left open (if any)."""
    import psycopg

    raw, idle = writer.connection, psycopg.pq.TransactionStatus.IDLE
    if raw is None or raw.closed or raw.info.transaction_status == idle:
        return
    # A connection that broke meanwhile cannot roll back: Django closes it at the
    # request's end, and the server rolls back what it had left open.
    with contextlib.suppress(Exception):
        cursor.execute("ROLLBACK")


def _locked_head(cursor) -> tuple[int, str]:
    """Take the append lock (held to the end of the transaction), then read the chain's
    head, in one message (``cursor`` binds on the client: ``_client_bound``). Each
    statement of it takes its own snapshot, so the head is read after the lock is held."""
    cursor.execute(f"{_LOCK_SQL}; {_head_sql(cursor.db)}", [_APPEND_LOCK])
    cursor.nextset()
    return _next_after(cursor.fetchone())


def _head(writer) -> tuple[int, str]:
    """The number and hash the next entry follows (read under the append lock): in plain
    SQL, as it is asked once per entry written, that is once per record read."""
    with writer.cursor() as cursor:
        cursor.execute(_head_sql(writer))
        return _next_after(cursor.fetchone())


def _head_sql(writer) -> str:
    table = writer.ops.quote_name(AuditEntry._meta.db_table)
    return f"SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1"  # noqa: S608 (a name, not a value)


def _next_after(last) -> tuple[int, str]:
    return (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)


# AuditEntry's fields after its id, in order: its instances are made positionally.
FIELD_ORDER = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "ip",
    "channel",
    "action",
    "object_type",
    "object_id",
    "summary",
    "records",
    "prev_hash",
    "hash",
    "seal",
)


class _Chain:
    """The entries of one append, made once the chain's head is known."""

    def __init__(self, items, actor, context, writer, *, keep: bool = True):
        self.items, self.actor, self.writer, self.keep = items, actor, writer, keep
        self.actor_label = actor.email if actor is not None else ""
        if actor is None and context is not None and context.submitter:
            self.actor_label = context.submitter
        self.ip = context.address if context is not None else None
        self.channel = context.channel if context is not None else ""
        self.key = seal_key()  # before any lock: it may have to be read the first time
        self.fields, self.steps = _insert_steps(writer)

    def link(self, seq: int, prev_hash: str) -> tuple[list[AuditEntry], list[list]]:
        """The entries chained after ``(seq, prev_hash)``, and their rows to insert."""
        actor, actor_label, ip, channel = self.actor, self.actor_label, self.ip, self.channel
        actor_id = actor.pk if actor is not None else None
        # One time for the batch: its entries are written, and committed, together.
        at = timezone.now()
        prepare = dict(self.steps)
        prepared_at, no_records = prepare["at"](at), prepare["records"]([])
        prepare["at"] = lambda value, general=prepare["at"]: (
            prepared_at if value is at else general(value)
        )
        prepare["records"] = lambda value, general=prepare["records"]: (
            general(value) if value else no_records
        )
        as_is = {field.attname: written_as_is(field) for field in self.fields}
        steps = [(name, as_is[name], prepare[name]) for name in prepare]
        entries, rows = [], []
        keep = self.keep
        sealing = hmac.new(self.key, digestmod=hashlib.sha256)
        for action, target, summary, records in self.items:
            if type(target) is tuple:  # described already: (type, id)
                object_type, object_id = target
            else:
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
            seal = sealing.copy()  # seal_of(entry_hash, key), keyed once for the batch
            seal.update(entry_hash.encode())
            values = {
                "seq": seq,
                "at": at,
                "actor_id": actor_id,
                "actor_label": actor_label,
                "ip": ip,
                "channel": channel,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "summary": summary,
                "records": listed,
                "prev_hash": prev_hash,
                "hash": entry_hash,
                "seal": seal.hexdigest(),
            }
            # The row as insert_plain would prepare it, without its per-field pre_save
            # (no field of an entry changes its value on saving); a value the database
            # takes as it is (text, a number) is not handed to its field at all.
            rows.append(
                [
                    values[name] if type(values[name]) in kinds else step(values[name])
                    for name, kinds, step in steps
                ]
            )
            seq, prev_hash = seq + 1, entry_hash
            if not keep:
                continue
            # Positional, in the order of AuditEntry's fields: Django's quick way to make
            # an instance, which counts when a batch of new records appends thousands.
            entry = AuditEntry(None, *(values[name] for name in FIELD_ORDER))
            if actor is not None:
                entry.actor = actor  # the instance, as record() callers read it back
            entries.append(entry)
        return entries, rows

    def saved(self, entries: list[AuditEntry]) -> list[AuditEntry]:
        for entry in entries:
            entry._state.adding = False
            entry._state.db = self.writer.alias
        return entries


def _insert_steps(writer) -> tuple[list, dict]:
    """AuditEntry's columns and each one's preparation for ``writer``, made once per
    connection (a connection serves one thread: the preparers keep a little state)."""
    steps = getattr(writer, "_haven_audit_steps", None)
    if steps is None:
        fields = plain_fields(AuditEntry)
        if tuple(field.attname for field in fields) != FIELD_ORDER:
            raise TypeError("AuditEntry's fields changed: update FIELD_ORDER")
        steps = fields, {field.attname: value_preparer(field, writer) for field in fields}
        writer._haven_audit_steps = steps
    return steps


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
