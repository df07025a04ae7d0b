#!/usr/bin/env python3
"""What encryption and auditing cost: the same work on encrypted and on plain fields.

Prints, for N rows (default 100,000): bulk write and full read throughput of
people with encrypted fields beside the same columns in plain text (the floor),
the cost of one audit append beside one plain insert, and the time to serve a
list page of 50 people (decrypted, audited) beside the same page from plain rows.

    .venv/bin/python bench/secure_core.py [--rows N]

Runs on a throwaway SQLite instance, or on HAVEN_DATABASE_URL when it is set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _conditions

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(function, repeat=1):
    best = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best.append(time.perf_counter() - start)
    return min(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--audit-appends", type=int, default=2_000)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="haven-bench-"))
    os.environ.setdefault("HAVEN_VAR_DIR", str(workdir))
    os.environ.setdefault("HAVEN_DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "haven.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, models, transaction
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)

    from conftest import sign_in
    from haven.accounts.actions import add_member, create_team, create_user
    from haven.audit.actions import record
    from haven.people.models import Person

    class PlainPerson(models.Model):
        """The same content as Person, in clear: the floor to compare against."""

        uuid = models.UUIDField()
        team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
        code = models.CharField(max_length=12)
        kind = models.CharField(max_length=10)
        name = models.TextField()
        other_names = models.JSONField()
        contacts = models.JSONField()
        whereabouts = models.TextField()
        notes = models.TextField()
        birth_date = models.CharField(max_length=10, null=True)
        created_at = models.DateTimeField(auto_now_add=True)
        updated_at = models.DateTimeField(auto_now=True)
        deleted_at = models.DateTimeField(null=True)

        class Meta:
            app_label = "people"

        def get_kind_display(self):
            return self.kind

    class PlainEntry(models.Model):
        action = models.CharField(max_length=64)
        summary = models.CharField(max_length=300)

        class Meta:
            app_label = "audit"

    with connection.schema_editor() as editor:
        editor.create_model(PlainPerson)
        editor.create_model(PlainEntry)

    user, _ = create_user(email="bench@example.org")
    user.must_change_password = False
    user.save()
    team = create_team("Bench")
    add_member(team, user)

    import uuid

    def content(n):
        return {
            "name": f"Зелимхан Магамадов {n}",
            "other_names": [f"Zelimkhan Magamadov {n}", f"Zelim {n}"],
            "contacts": [{"kind": "phone", "value": f"+7 928 {n:07d}"}],
            "whereabouts": f"Nizhny Novgorod, street {n}",
            "notes": "Detained in April 2020 and questioned for three days. " * 3,
        }

    batch = 1000

    def write(model):
        def run():
            for start in range(0, args.rows, batch):
                with transaction.atomic():
                    model.objects.bulk_create(
                        model(
                            uuid=uuid.uuid4(),
                            team=team,
                            code=f"P-{n:06d}",
                            kind="individual",
                            **content(n),
                        )
                        for n in range(start, min(start + batch, args.rows))
                    )

        return run

    def read(model):
        def run():
            total = 0
            for row in model.objects.order_by("pk").iterator(chunk_size=2000):
                total += len(row.name) + len(row.notes) + len(row.whereabouts)
                total += len(row.other_names) + len(row.contacts)
            assert total

        return run

    conditions = _conditions.start()
    print(f"Haven secure-core benchmark: {args.rows:,} rows on {connection.vendor}")
    print(f"{'operation':<34}{'encrypted':>12}{'plain floor':>14}{'ratio':>8}")

    def show(label, ours, floor, unit="s"):
        print(f"{label:<34}{ours:>11.3f}{unit}{floor:>13.3f}{unit}{ours / floor:>8.2f}")

    w_enc, w_plain = timed(write(Person)), timed(write(PlainPerson))
    show(f"write {args.rows:,} rows", w_enc, w_plain)
    print(f"{'  rows per second':<34}{args.rows / w_enc:>12,.0f}{args.rows / w_plain:>14,.0f}")
    r_enc, r_plain = timed(read(Person)), timed(read(PlainPerson))
    show(f"read and open {args.rows:,} rows", r_enc, r_plain)
    print(f"{'  rows per second':<34}{args.rows / r_enc:>12,.0f}{args.rows / r_plain:>14,.0f}")

    def appends():
        for n in range(args.audit_appends):
            record("bench.append", actor=user, summary=str(n))

    def plain_inserts():
        for n in range(args.audit_appends):
            PlainEntry.objects.create(action="bench.append", summary=str(n))

    a_audit, a_plain = timed(appends), timed(plain_inserts)
    per = 1000 / args.audit_appends
    show("one audit append (ms)", a_audit * per, a_plain * per, unit="ms")

    from django.shortcuts import render
    from django.urls import clear_url_caches, path

    from haven import urls
    from haven.accounts.models import writable_teams
    from haven.people.forms import FindForm

    def plain_list(request):
        # The same need-to-know filter and queries as the real view; no crypto, no audit.
        rows = list(
            PlainPerson.objects.filter(
                team__memberships__user=request.user, deleted_at__isnull=True
            )
            .select_related("team")
            .order_by("code")[:200]
        )
        can_add = writable_teams(request.user).exists()
        context = {"people": rows, "can_add": can_add, "find": FindForm(request.GET or None)}
        return render(request, "people/list.html", context)

    urls.urlpatterns.insert(0, path("bench-plain/", plain_list))
    clear_url_caches()
    # Keep 50 people, the size of the page the target speaks of.
    keep = list(Person.objects.order_by("pk").values_list("pk", flat=True)[:50])
    Person.objects.exclude(pk__in=keep).delete()
    keep = list(PlainPerson.objects.order_by("pk").values_list("pk", flat=True)[:50])
    PlainPerson.objects.exclude(pk__in=keep).delete()
    client = Client()
    sign_in(client, user)

    def page(url):
        def run():
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        return run

    encrypted_times, plain_times = [], []
    for _ in range(40):
        encrypted_times.append(timed(page("/people/")))
        plain_times.append(timed(page("/bench-plain/")))
    show(
        "list page of 50 (median ms)",
        statistics.median(encrypted_times) * 1000,
        statistics.median(plain_times) * 1000,
        unit="ms",
    )
    print(
        "  both pages pass the whole stack (sign-in checks, session, need-to-know filter,"
        " template); the first decrypts its rows and appends an audit entry."
    )
    print("  target: the list page ratio at most 1.15")
    conditions.report(
        database=connection.vendor,
        cache=_conditions.GENERATED,
        notes="best of 1 for throughput, median of 40 pages (encrypted and plain interleaved)",
    )
    if os.environ.get("HAVEN_BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(50):
            page("/people/")()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(120)


if __name__ == "__main__":
    main()
