"""The erasure page, legal holds and the retention page, as people use them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.cases.models import Request
from haven.people.models import Person
from haven.retention import actions
from haven.retention.models import Erasure, LegalHold, RetentionRule
from haven.retention.tests.conftest import NAME
from haven.tests.helpers import once_tokens


def test_the_erase_page_asks_for_the_code_then_erases(canary, coordinator, client):
    sign_in(client, coordinator)
    url = f"/retention/erase/person/{canary.person.uuid}/"
    page = client.get(url)
    assert page.status_code == 200 and canary.person.code in page.content.decode()
    refused = client.post(url, {"reason": "subject_request", "confirm": "P-WRONG"})
    assert refused.status_code == 400
    assert Person.objects.get(pk=canary.person.pk).name == NAME  # nothing erased
    done = client.post(url, {"reason": "subject_request", "confirm": canary.person.code})
    assert done.status_code == 302
    assert Erasure.objects.get().object_uuid == canary.person.uuid
    assert client.get(f"/people/{canary.person.uuid}/").status_code == 404


def test_the_person_page_offers_erasure_only_to_those_who_may(
    canary, coordinator, personas, client
):
    link = f"/retention/erase/person/{canary.person.uuid}/"
    sign_in(client, coordinator)
    assert link in client.get(f"/people/{canary.person.uuid}/").content.decode()
    sign_in(client, personas.member)
    assert link not in client.get(f"/people/{canary.person.uuid}/").content.decode()


def test_a_hold_set_on_the_page_names_itself_on_the_erase_page(canary, coordinator, client):
    sign_in(client, coordinator)
    url = f"/retention/holds/case/{canary.case.uuid}/"
    page = client.get(url)
    sent = client.post(url, {"name": "Prosecutor's request 12", "once": once_tokens(page)[0]})
    assert sent.status_code == 302, sent.content.decode()[:500]
    hold = LegalHold.objects.get()
    assert hold.name == "Prosecutor's request 12"
    erase = client.post(
        f"/retention/erase/case/{canary.case.uuid}/",
        {"reason": "error", "confirm": canary.case.code},
    )
    assert erase.status_code == 400
    assert "Prosecutor&#x27;s request 12" in erase.content.decode()
    assert not Erasure.objects.exists()
    assert client.post(f"/retention/holds/{hold.uuid}/lift/").status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_at is not None
    assert AuditEntry.objects.filter(action="retention.hold.lifted").exists()


def _age(request, days):
    Request.objects.filter(pk=request.pk).update(
        received_at=timezone.now() - dt.timedelta(days=days)
    )


def test_review_and_apply_with_a_dry_run_first(canary, personas, capsys):
    old = canary.request  # never turned into a case
    _age(old, 100)
    from haven.cases import actions as cases
    from haven.vocab.models import term

    fresh = cases.record_request(
        team=personas.team, by=personas.member, channel=term("channel", "hotline"), summary="New"
    )
    RetentionRule.objects.create(kind=RetentionRule.Kind.OPEN_REQUEST, days=90)
    call_command("retention", "review")
    listed = capsys.readouterr().out
    assert str(old.uuid) in listed and str(fresh.uuid) not in listed
    call_command("retention", "apply")
    assert "Dry run" in capsys.readouterr().out
    assert Request.objects.get(pk=old.pk).summary  # the dry run erased nothing
    call_command("retention", "apply", "--yes")
    assert Request._base_manager.get(pk=old.pk).summary is None
    assert Request.objects.get(pk=fresh.pk).summary == "New"
    call_command("retention", "review")
    assert "Nothing falls due" in capsys.readouterr().out


def test_a_rule_that_would_erase_everything_needs_the_count(canary, personas):
    _age(canary.request, 100)
    RetentionRule.objects.create(kind=RetentionRule.Kind.OPEN_REQUEST, days=90)
    with pytest.raises(CommandError, match="1"):
        call_command("retention", "apply", "--yes")
    assert Request.objects.get(pk=canary.request.pk).summary  # nothing erased
    call_command("retention", "apply", "--yes", "--confirm-all", "1")
    assert Request._base_manager.get(pk=canary.request.pk).summary is None


def test_held_records_are_kept_by_retention(canary, personas):

    case = canary.case
    type(case).objects.filter(pk=case.pk).update(
        status="closed", status_since=timezone.localdate() - dt.timedelta(days=800)
    )
    actions.set_hold(case, by=personas.member, name="ECHR")
    RetentionRule.objects.create(kind=RetentionRule.Kind.CLOSED_CASE, days=365)
    done = actions.apply_retention(confirmed_all=1)
    assert done["erased"] == [] and len(done["held"]) == 1
    assert type(case).objects.get(pk=case.pk).title


def test_the_retention_page_saves_rules_and_asks_before_erasing_all(canary, personas, client):
    _age(canary.request, 100)
    sign_in(client, personas.administrator)
    assert client.get("/retention/").status_code == 200
    asked = client.post("/retention/", {"kind": "open_request", "days": "90"})
    assert asked.status_code == 400 and "1" in asked.content.decode()
    assert not RetentionRule.objects.exists()
    saved = client.post("/retention/", {"kind": "open_request", "days": "90", "confirm_all": "1"})
    assert saved.status_code == 302
    assert RetentionRule.objects.get().days == 90
    page = client.get("/retention/").content.decode()
    assert str(canary.request.uuid)[:8].upper() in page or canary.request.uuid.hex[:8] in page
    assert NAME not in page
    bad = client.post("/retention/", {"kind": "evidence", "days": "0"})
    assert bad.status_code == 400


def test_the_scheduled_run_erases_what_is_due_and_refuses_a_sweeping_rule(canary, personas):
    from haven.gunicorn_conf import retention_job, seconds_until_retention_due

    assert seconds_until_retention_due(24) == 0.0
    _age(canary.request, 100)
    RetentionRule.objects.create(kind=RetentionRule.Kind.OPEN_REQUEST, days=90)
    assert retention_job() is None  # the only request would go: a person must confirm
    assert Request.objects.get(pk=canary.request.pk).summary
    from haven.cases import actions as cases
    from haven.vocab.models import term

    cases.record_request(
        team=personas.team, by=personas.member, channel=term("channel", "hotline"), summary="New"
    )
    assert retention_job() == 1
    assert Request._base_manager.get(pk=canary.request.pk).summary is None
    assert AuditEntry.objects.filter(action="retention.applied").last().channel == "job"
    assert seconds_until_retention_due(24) > 23 * 3600
