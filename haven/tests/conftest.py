"""Fixtures of the tests that walk every route."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest

from conftest import FAST_HASHERS, INLINE_TASKS, make_personas


@pytest.fixture
def world(personas):
    """One record of every kind on the personas' team, made through the actions."""
    return make_world(personas)


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The personas and ``world`` made once for a module whose tests only send requests
    (``test_routes``: 200 tests, each rebuilding them took a third of a second), kept in
    a transaction rolled back when the module ends; each test runs in a savepoint of it,
    rolled back after the test as usual. The settings the autouse fixtures give a test
    hold while they are made; the evidence file is kept in a folder of the module's."""
    from django.db import transaction
    from django.test import override_settings

    from haven.keys.keyring import reset_keyring

    folder = tmp_path_factory.mktemp("shared-world")
    with override_settings(
        PASSWORD_HASHERS=FAST_HASHERS,
        TASKS=INLINE_TASKS,
        HAVEN_EVIDENCE_DIR=folder / "evidence",
        HAVEN_AUDIT_CHECKPOINT_DIR=folder / "audit-checkpoints",
    ):
        # The database is open to this fixture only while it makes and rolls back: a
        # test that does not ask for ``db`` still may not reach it.
        with django_db_blocker.unblock():
            reset_keyring()
            outer = transaction.atomic()
            outer.__enter__()
            try:
                personas = make_personas()
                made = SimpleNamespace(
                    personas=personas, world=make_world(personas), evidence=folder / "evidence"
                )
            except BaseException:
                outer.__exit__(*sys.exc_info())
                raise
        try:
            yield made
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)
                reset_keyring()


def make_world(personas):
    from haven.accounts.tests.factories import UserFactory
    from haven.cases import actions as cases
    from haven.incidents import actions as incidents
    from haven.lib.fuzzy_dates import FuzzyDate
    from haven.locations.models import Location
    from haven.notifications.actions import case_handed
    from haven.people.actions import add_person, relate
    from haven.people.merging import merge
    from haven.records.models import RecordVersion
    from haven.reports.models import ReportDefinition
    from haven.sources import actions as sources
    from haven.sources.vault import seal_bytes
    from haven.vocab.models import term

    by, team = personas.member, personas.team
    person = add_person(
        team=team,
        by=by,
        name="Ибрагим Селимханов",
        whereabouts=[{"place": "Грозный", "since": "summer 2021", "note": ""}],
    )
    victim = add_person(team=team, by=by, name="Салех Магамадов")
    twin = add_person(team=team, by=by, name="Salekh Magamadov")
    case = cases.open_case(team=team, by=by, title="Protection", persons=[person])
    intake = cases.record_request(
        team=team,
        by=by,
        channel=term("channel", "hotline"),
        summary="A call for help.",
    )
    petition = cases.plan_action(
        case,
        by=by,
        kind=term("action_type", "petition"),
        title="State protection",
        authority=term("authority", "ic_chechnya"),
        petition_type=term("petition_type", "state_protection"),
    )
    incident = incidents.record_incident(
        team=team, by=by, title="Detention", start=FuzzyDate.parse("2020-04")
    )
    act = incidents.record_act(
        incident, by=by, act_type=term("act_type", "arbitrary_detention"), victim=victim
    )
    source = sources.add_source(team=team, by=by, kind="testimony", title="Testimony")
    involvement = incidents.add_involvement(act, by=by, perpetrator=person, degree="ordered")
    chain = incidents.chain(
        incident,
        incidents.record_incident(
            team=team, by=by, title="Abduction", start=FuzzyDate.parse("2021")
        ),
        by=by,
        relation="precedes",
    )
    citation = incidents.cite_source(
        incident, source, by=by, connection="victim", reliability="B", credibility="2"
    )
    incidents.link_intervention(incident, petition, by=by)  # links the case too
    evidence = sources.attach_file(
        source, seal_bytes(b"%PDF-1.4\n" + b"testimony " * 50, "t.pdf", "application/pdf"), by=by
    )
    from haven.imports.actions import start_import
    from haven.intake.actions import submit_request

    submission, _receipt = submit_request(
        team=team, what="Sent from the public page.", language="ru"
    )

    import_job = start_import(
        team=team, by=by, name="people.csv", data="name,phone\nАнна,+7 900\n".encode()
    )
    return SimpleNamespace(
        team=team,
        import_job=import_job,
        stranger=UserFactory(),
        term=term("channel", "hotline"),
        place=Location.objects.order_by("pk").first(),
        person=person,
        victim=victim,
        version=RecordVersion.objects.get(object_uuid=person.uuid, number=1),
        relationship=relate(person, victim, kind=term("relationship", "relative"), by=by),
        merge=merge(victim, twin, by=by),
        case=case,
        intake=intake,
        submission=submission,
        petition=petition,
        # The case, handed to the member by the administrator.
        notification=case_handed(case, by=personas.administrator),
        incident=incident,
        act=act,
        involvement=involvement,
        chain=chain,
        citation=citation,
        source=source,
        evidence=evidence,
        saved_report=ReportDefinition.objects.create(
            team=team, name="Acts by type", definition={"rows": "act_type"}
        ),
    )


@pytest.fixture
def fuzzer(personas, world, monkeypatch, settings):
    """Clients for every session the hostile-input walks send from (``fuzzing``)."""
    from haven.tests.fuzzing import make_fuzzer

    return make_fuzzer(personas, world, monkeypatch, settings)
