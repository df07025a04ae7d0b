"""One search across scripts: cross-script names with typos, every kind, facets, and
nothing from records the user may not see."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory
from haven.audit.models import AuditEntry
from haven.cases import actions as cases
from haven.incidents import actions as incidents
from haven.lib.fuzzy_dates import FuzzyDate
from haven.locations.models import Location
from haven.people.actions import add_person
from haven.people.models import Person
from haven.records.actions import delete_record, move_record, save_record
from haven.records.models import BlindTerm
from haven.sources.actions import add_source
from haven.tests.access import check_access
from haven.vocab.models import term

SEARCH = reverse("search:search")


@pytest.fixture
def world(personas):
    by, team = personas.member, personas.team
    salekh = add_person(team=team, by=by, name="Салех Магамадов")
    ismail = add_person(team=team, by=by, name="Ismail Isayev", other_names=["Исмаил Исаев"])
    case = cases.open_case(
        team=team, by=by, title="Protection for Magamadov and Isayev", persons=[salekh, ismail]
    )
    incident = incidents.record_incident(
        team=team,
        by=by,
        title="Abduction of Magamadov in Nizhny Novgorod",
        start=FuzzyDate.parse("2021-02-04"),
        location=Location.objects.get(name_en="Nizhny Novgorod"),
    )
    incidents.record_act(
        incident, by=by, act_type=term("act_type", "enforced_disappearance"), victim=salekh
    )
    source = add_source(
        team=team, by=by, kind="media", title="Magamadov and Isayev granted state protection"
    )
    return {
        "salekh": salekh,
        "ismail": ismail,
        "case": case,
        "incident": incident,
        "source": source,
    }


def results(client, q, **facets):
    response = client.post(SEARCH, {"q": q, **facets})
    assert response.status_code == 200
    return response.context["hits"], response.context["facets"], response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "Magamadov",
        "Magamadow",
        "Магамадов",
        "Magamadv",
        "magomadov",
        "Салех Магамадов",
        "Salekh Magamadov",
        "SalekhMagamadov",
    ],
)
def test_person_found_across_scripts_and_typos(client, personas, world, query):
    sign_in(client, personas.member)
    hits, _facets, _html = results(client, query, kind="person")
    assert world["salekh"] in [hit.record for hit, _url, _text in hits]


@pytest.mark.parametrize("query", ["Исаев", "Isaev", "Isayev", "Исмаил", "Ismail Isaev"])
def test_latin_and_cyrillic_forms_both_find(client, personas, world, query):
    sign_in(client, personas.member)
    hits, _facets, _html = results(client, query, kind="person")
    assert world["ismail"] in [hit.record for hit, _url, _text in hits]


def test_one_search_finds_every_kind(client, personas, world):
    sign_in(client, personas.member)
    hits, facets, _html = results(client, "Магамадов")
    kinds = {hit.kind.code for hit, _url, _text in hits}
    assert kinds == {"person", "case", "incident", "source"}
    assert dict((value, count) for value, _label, count in dict(facets)["kind"]) == {
        "person": 1,
        "case": 1,
        "incident": 1,
        "source": 1,
    }


def test_the_act_type_facet_is_labelled_and_left_out_when_no_act_is_found(client, personas, world):
    sign_in(client, personas.member)
    _hits, facets, _html = results(client, "Magamadov")
    [(code, label, count)] = dict(facets)["act_type"]
    assert (code, count) == ("enforced_disappearance", 1)
    assert label == term("act_type", "enforced_disappearance").label_en
    _hits, facets, _html = results(client, "Isayev")
    assert "act_type" not in dict(facets)


def test_facets_narrow_the_results(client, personas, world):
    sign_in(client, personas.member)
    hits, facets, _html = results(client, "Magamadov", act_type="enforced_disappearance")
    assert [hit.record for hit, _u, _t in hits] == [world["incident"]]
    hits, _f, _h = results(client, "Magamadov", region="Nizhny Novgorod Oblast")
    assert [hit.record for hit, _u, _t in hits] == [world["incident"]]
    hits, _f, _h = results(client, "Magamadov", year="2021")
    assert [hit.record for hit, _u, _t in hits] == [world["incident"]]
    hits, _f, _h = results(client, "Magamadov", status="intake")
    assert [hit.record for hit, _u, _t in hits] == [world["case"]]


def test_restricted_records_change_no_result_and_no_count(client, personas, world):
    sign_in(client, personas.member)
    _hits, before, _html = results(client, "Magamadov")
    other = TeamFactory(name="Other desk")
    Membership.objects.create(team=other, user=personas.outsider)
    add_person(team=other, by=personas.outsider, name="Zaurbek Magamadov Qwertyuiop")
    incidents.record_incident(
        team=other, by=personas.outsider, title="Magamadov elsewhere", start=FuzzyDate.parse("2020")
    )
    hits, after, _html = results(client, "Qwertyuiop")
    assert hits == []
    _hits, after, _html = results(client, "Magamadov")
    assert after == before
    sign_in(client, personas.outsider)
    hits, _f, _h = results(client, "Qwertyuiop")
    assert len(hits) == 1


def test_administrator_outside_the_team_finds_nothing(client, personas, world):
    sign_in(client, personas.administrator)
    hits, facets, _html = results(client, "Magamadov")
    assert hits == [] and facets == []


def test_query_stays_out_of_urls_and_the_audit_log(client, personas, world):
    sign_in(client, personas.member)
    html = client.get(SEARCH).content.decode()
    assert 'method="post"' in html
    results(client, "Магамадов")
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "search.performed" and "Магамадов" not in entry.summary


def test_the_index_holds_numbers_only(world):
    # Tokens, teams and record ids: no column that could hold a name.
    assert {f.get_internal_type() for f in BlindTerm._meta.concrete_fields} <= {
        "BigAutoField",
        "BigIntegerField",
        "ForeignKey",
    }
    assert BlindTerm.objects.exists()


def test_bad_query_is_a_clear_400(client, personas):
    sign_in(client, personas.member)
    response = client.post(SEARCH, {"q": "x"})
    assert response.status_code == 400
    assert "at least 2 characters" in response.content.decode()


def test_page_by_persona(personas):
    everyone = {"member": 200, "read_only": 200, "outsider": 200, "administrator": 200}
    check_access(personas, "search:search", SEARCH, everyone)


def test_reindex_rebuilds_the_index(personas, world, capsys):
    before = BlindTerm.objects.count()
    BlindTerm.objects.all().delete()
    call_command("search", "reindex")
    assert BlindTerm.objects.count() == before
    assert "Reindexed" in capsys.readouterr().out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="VACUUM's effect is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_reindex_vacuums_the_index_table_on_postgresql(personas, world):
    """Re-indexing leaves a dead row version per replaced token: the command vacuums
    them away, so that lookups read the index alone again."""
    call_command("search", "reindex", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_dead_tup, last_vacuum FROM pg_stat_user_tables WHERE relname = %s",
            [BlindTerm._meta.db_table],
        )
        dead, vacuumed = cursor.fetchone()
    assert vacuumed is not None
    assert dead == 0


def test_a_moved_record_is_found_by_its_new_team_only(client, personas, world):
    other = TeamFactory(name="Other desk")
    Membership.objects.create(team=other, user=personas.member, access=Membership.Access.MEMBER)
    Membership.objects.create(team=other, user=personas.outsider, access=Membership.Access.MEMBER)
    move_record(world["ismail"], other, by=personas.member)
    rows = BlindTerm.objects.filter(record_id=world["ismail"].pk, kind__model="person")
    assert set(rows.values_list("team_id", flat=True)) == {other.pk}
    sign_in(client, personas.outsider)
    hits, _facets, _html = results(client, "Исаев", kind="person")
    assert [hit.record for hit, _url, _text in hits] == [world["ismail"]]
    sign_in(client, personas.read_only)
    hits, _facets, _html = results(client, "Исаев", kind="person")
    assert hits == []


def test_deleted_records_take_no_place(client, personas, world, monkeypatch):
    from haven.search import engine

    monkeypatch.setattr(engine, "PAGE", 2)
    gone = [
        add_person(team=personas.team, by=personas.member, name="Тимур Хасанов") for _ in range(4)
    ]
    live = add_person(team=personas.team, by=personas.member, name="Тимур Хасанов")
    for person in gone:
        delete_record(person, by=personas.member)
    sign_in(client, personas.member)
    hits, _facets, html = results(client, "Timur Hasanov", kind="person")
    assert [hit.record for hit, _url, _text in hits] == [live]
    assert "data-more" not in html
    back = Person._base_manager.get(pk=gone[0].pk)
    back.deleted_at = None  # as undoing a merge brings the merged person back
    save_record(back, by=personas.member, change="restored")
    hits, _facets, _html = results(client, "Timur Hasanov", kind="person")
    assert {hit.record for hit, _url, _text in hits} == {live, gone[0]}


def test_records_hidden_after_indexing_give_way_to_the_next_ranked(
    client, personas, world, monkeypatch
):
    """visible_to has the last word: an indexed record that is no longer visible (its
    index rows not yet removed) leaves its place to the next one down the ranking."""
    from haven.search import engine

    monkeypatch.setattr(engine, "PAGE", 2)
    hidden = [
        add_person(team=personas.team, by=personas.member, name="Тимур Хасанов") for _ in range(2)
    ]
    shown = add_person(team=personas.team, by=personas.member, name="Тимур Хасанова")
    # Deleted behind the verbs' back: the index rows stay, as after a crash or raw SQL.
    Person._base_manager.filter(pk__in=[p.pk for p in hidden]).update(deleted_at=timezone.now())
    sign_in(client, personas.member)
    hits, _facets, _html = results(client, "Timur Hasanov", kind="person")
    assert [hit.record for hit, _url, _text in hits] == [shown]


def test_candidates_come_in_ranking_order(personas, world):
    from haven.search import engine

    people = [
        add_person(team=personas.team, by=personas.member, name=name)
        for name in ("Тимур Хасанов", "Тимур Хасанов Исаевич", "Хасанов")
    ]
    kind = engine.KINDS[0]
    wanted = engine.query_tokens(kind, "Тимур Хасанов Исаевич", {})
    found, more = engine.candidates(kind, wanted, personas.member, [personas.team.pk])
    assert found[0] == people[1] and not more


def test_the_search_page_reads_the_members_teams_once(client, personas, world):
    """The names' search and the narratives' section share one ``Visibility``: the
    member's teams are read once per request, and the page finds what it found."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, personas.member)
    with CaptureQueriesContext(connection) as queries:
        hits, _facets, html = results(client, "Magamadov")
    assert {hit.record for hit, _url, _text in hits} >= {world["salekh"], world["incident"]}
    assert 'id="texts-heading"' in html  # the narratives' section was searched too
    teams_read = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('SELECT "accounts_membership"."team_id"')
    ]
    assert len(teams_read) == 1, teams_read


def test_a_visibility_answers_for_one_user_only(personas):
    from haven.records.models import Visibility
    from haven.search.engine import search

    visible = Visibility(personas.member)
    assert Visibility.of(personas.member, visible) is visible
    with pytest.raises(ValueError):
        Visibility.of(personas.outsider, visible)
    with pytest.raises(ValueError):
        search("Magamadov", personas.outsider, visible=visible)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_a_pages_statements_are_prepared_and_the_lookups_planned_each_time(world, personas, client):
    """Six searches for one word each: the statements every page sends (the session, the
    header's counts, the audit entry) are prepared on the connection and their plans kept;
    the index lookups, whose best plan depends on how many rows a name has, carry their
    lists in the statement and are planned for each search."""
    sign_in(client, personas.member)
    for query in ["Magamadov", "Isayev", "Magomadov", "Isaev", "Магамадов", "Исаев"]:
        hits, _facets, _page = results(client, query)
        assert hits
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, parameter_types::text[] FROM pg_prepared_statements")
        prepared = cursor.fetchall()
    assert any("django_session" in sql for sql, _types in prepared)
    assert any("audit_auditentry" in sql for sql, _types in prepared)
    # A list of tokens or ids read is never a parameter whose plan is kept for the next
    # list. (Django's own bulk inserts send lists: their plan does not depend on them.)
    lists = [
        sql
        for sql, types in prepared
        if sql.startswith("SELECT") and any(t.endswith("[]") for t in types)
    ]
    assert not lists, lists
