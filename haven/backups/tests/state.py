"""One hash over every record and every evidence file: equal hashes, identical instances."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.db import connection

from haven.backups import snapshot
from haven.backups.actions import SEEDED_APPS, SEEDED_TABLES


def instance_digest(*, audit_up_to: int | None = None) -> str:
    """Every table's rows (raw stored values) and every vault file, in a stable order.

    ``audit_up_to`` leaves out audit entries after that sequence number (the entry
    that a restore itself appends)."""
    digest = hashlib.sha256()
    for name, value in part_digests(audit_up_to=audit_up_to).items():
        digest.update(f"{name} {value}\n".encode())
    return digest.hexdigest()


def part_digests(*, audit_up_to: int | None = None) -> dict[str, str]:
    """One hash per table and one for the evidence files: which part differs."""
    parts = {}
    for model in snapshot.snapshot_models():
        table = model._meta.db_table
        columns = [c for c, _ in snapshot.columns(model)]
        digest = hashlib.sha256(f"{columns}\n".encode())
        seq = columns.index("seq") if table == "audit_auditentry" else None
        for row in snapshot.read_rows(model):
            if seq is not None and audit_up_to is not None and row[seq] > audit_up_to:
                continue
            # sort_keys: PostgreSQL's jsonb keeps its own key order
            digest.update(json.dumps(row, ensure_ascii=False, sort_keys=True).encode() + b"\n")
        parts[table] = digest.hexdigest()
    digest = hashlib.sha256()
    root = Path(settings.HAVEN_EVIDENCE_DIR)
    for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []:
        if path.relative_to(root).parts[0] == "incoming":
            continue
        digest.update(f"file {path.relative_to(root).as_posix()} ".encode())
        digest.update(hashlib.sha256(path.read_bytes()).hexdigest().encode() + b"\n")
    parts["evidence files"] = digest.hexdigest()
    return parts


def wipe_instance() -> None:
    """Leave what a fresh 'migrate' leaves, less its keys: no record, user, entry or file."""
    models = [
        m
        for m in snapshot.snapshot_models()
        if m._meta.app_label == "keys"
        or not (m._meta.app_label in SEEDED_APPS or m._meta.db_table in SEEDED_TABLES)
    ]
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # TRUNCATE passes the append-only trigger
            # (after the foreign-key checks still pending in the test's transaction)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(qn(m._meta.db_table) for m in models)}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for model in models:
                cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")
    root = Path(settings.HAVEN_EVIDENCE_DIR)
    if root.is_dir():
        for path in root.rglob("*"):
            if path.is_file():
                path.unlink()
