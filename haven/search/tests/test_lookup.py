"""The index stage: each word's best level per record, read in two passes (the exact
terms, then every term of the rarer words with only the records that can reach the
lowest score), is what one pass over every term would give, less those records."""

import pytest
from django.db import connection

from haven.lib import id_lists
from haven.lib.partial_dates import PartialDate
from haven.people.actions import add_person
from haven.people.models import Person
from haven.search import lookup
from haven.search.engine import BY_CODE
from haven.search.query import read


def _keeping_statements(call):
    """What ``call()`` returns, and the (sql, params) of each statement it sent."""
    statements = []

    def keep(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        return call(), statements


def _reaching(found: dict, weights: list[int]) -> dict:
    """Each record's levels, of the records whose levels reach the lowest score."""
    return {k: tuple(v) for k, v in found.items() if lookup._reaches(weights, tuple(v))}


@pytest.mark.parametrize("common", [2, 200])
def test_two_passes_give_the_levels_of_one(personas, monkeypatch, common):
    """With ``COMMON`` at 2, "Ислам" is common (looked up exactly only) and the misspelt
    surname is not; at 200 neither is. The birth year's column is kept in both."""
    monkeypatch.setattr(lookup, "COMMON", common)
    by, team = personas.member, personas.team
    for name, year in [
        ("Ислам Ахмадов", 1990),
        ("Ислам Ахматов", 1991),
        ("Ислам Вагапов", 1990),
        ("Islam Akhmadov", None),
        ("Адам Ахмадов", 1990),
        ("Ахмед Дакаев", 1990),
    ]:
        add_person(
            team=team, by=by, name=name, birth_date=PartialDate.parse(str(year)) if year else None
        )
    kind = BY_CODE["person"]
    query = read("Ислам Ахмодов 1990")
    parts = lookup._word_tokens(kind, query.words, {})
    years = lookup.token_map(Person, "birth_date", ["year:1990"])
    extra = set(years.values())
    teams = [team.pk]

    exact = [{t: level for t, level in part.items() if level == 3} for part in parts]
    first = lookup.word_levels(exact, extra, teams)
    wide = [sum(1 for levels in first.values() if levels[n] == 3) >= common for n in range(2)]
    one_pass = lookup.word_levels(
        [only if skip else part for only, part, skip in zip(exact, parts, wide, strict=True)],
        extra,
        teams,
    )
    weights = lookup.word_weights(query.words)
    two_passes = lookup.levels_of(parts, extra, teams, weights)

    def reaches(levels):
        score = sum(
            w * lookup.LEVEL_SCORE[level] for w, level in zip(weights, levels, strict=False)
        )
        return score / sum(weights) >= lookup.MIN_SCORE

    assert {k: tuple(v) for k, v in two_passes.items()} == {
        k: tuple(v) for k, v in one_pass.items() if reaches(v)
    }
    assert wide == [common == 2, False]
    # "Ислам" weighs too much to be missed: when common, the misspelt surname is read
    # only for the records the first pass found with it.
    assert lookup._required(weights, 0)
    # Of the six people with "Ислам", "Ахмадов" within reach or born in 1990, the two
    # Islam Akhmadovs can reach the score; "Ислам Ахматов" (two edits from the query's
    # surname), "Ислам Вагапов" and "Адам Ахмадов" cannot.
    assert len(one_pass) == 6
    assert len(two_passes) == 2
    assert {levels[-1] for levels in two_passes.values()} == {0, 1}


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the covering indexes are PostgreSQL's"
)
@pytest.mark.parametrize(
    ("kind", "table", "index"),
    [
        ("person", "people_person", "person_facet_columns"),
        ("incident", "incidents_incident", "incident_facet_columns"),
    ],
)
def test_facet_columns_are_in_their_index(kind, table, index):
    """Every column the search reads of its hits is held by the kind's index on the id,
    so that PostgreSQL reads thousands of hits from the index alone."""
    from haven.search.engine import KINDS
    from haven.search.facets import FACET_COLUMNS

    model = next(k.model for k in KINDS if k.code == kind)
    wanted = {"team_id", "deleted_at"}
    for column in FACET_COLUMNS[kind].values():
        names = (
            [column]
            if isinstance(column, str)
            else [f.name for f in column.get_source_expressions()]
        )
        wanted.update(model._meta.get_field(name).column for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s",
            [table, index],
        )
        (definition,) = cursor.fetchone()
    held = definition.split("INCLUDE (", 1)[1].rstrip(")").split(", ")
    assert definition.split(" USING btree ")[1].startswith("(id)")
    assert wanted <= set(held), f"{index} lacks {sorted(wanted - set(held))}"


def test_a_required_common_word_is_not_read_again(personas, monkeypatch):
    """With "Зелимхан" common (``COMMON`` at 2) and required, the second pass reads only
    the other word's terms, for the records that have "Зелимхан"; those with nothing of
    the short second word still come back, as "Зелимхан" alone reaches the score
    ("Адам Оя" does not: "Зелимхан" is required)."""
    monkeypatch.setattr(lookup, "COMMON", 2)
    by, team = personas.member, personas.team
    for name in ["Зелимхан Ахмадов", "Зелимхан Ой", "Зелимхан Оя", "Адам Оя", "Ислам Дакаев"]:
        add_person(team=team, by=by, name=name)
    kind = BY_CODE["person"]
    query = read("Зелимхан Ой")
    parts = lookup._word_tokens(kind, query.words, {})
    weights = lookup.word_weights(query.words)
    teams = [team.pk]
    exact = [{t: level for t, level in part.items() if level == 3} for part in parts]
    one_pass = lookup.word_levels([exact[0], parts[1]], set(), teams)
    assert lookup._required(weights, 0)
    two_passes, statements = _keeping_statements(
        lambda: lookup.levels_of(parts, set(), teams, weights)
    )
    assert {k: tuple(v) for k, v in two_passes.items()} == _reaching(one_pass, weights)
    # "Зелимхан Ахмадов" has no row of "Ой" (level 0) and is kept all the same.
    assert sorted(tuple(v) for v in two_passes.values()) == [(3, 0), (3, 2), (3, 3)]
    # The second statement carries none of "Зелимхан"'s tokens.
    second = str(statements[-1])  # its SQL and parameters
    assert not any(str(token) in second for token in exact[0])


def test_number_lists_travel_to_postgresql_as_one_literal():
    """Thousands of ids or tokens go as one array literal written into the statement
    (psycopg adapts a list element by element); anything but a whole number is refused,
    never spliced in."""
    assert id_lists.array([3, 1, -9223372036854775808]) == "'{3,1,-9223372036854775808}'"
    assert id_lists.array([]) == "'{}'"
    with pytest.raises(ValueError):
        id_lists.array(["1}"])
    with pytest.raises(ValueError):
        id_lists.array(["1'); DROP TABLE x; --"])


def test_a_misspelt_word_makes_a_common_one_required(personas, monkeypatch):
    """With the surname matched exactly, a record without "Madina" could reach the score.
    But no record has the misspelt "Kuznecoov" exactly, so it reaches one edit at best,
    and then no record without "Madina" can: the surname's terms are read only for the
    records with "Madina"."""
    monkeypatch.setattr(lookup, "COMMON", 2)
    by, team = personas.member, personas.team
    for name in ["Madina Kuznecov", "Madina Kuznecova", "Madina Petrova", "Aminat Kuznecov"]:
        add_person(team=team, by=by, name=name)
    kind = BY_CODE["person"]
    query = read("Madina Kuznecoov")
    parts = lookup._word_tokens(kind, query.words, {})
    weights = lookup.word_weights(query.words)
    teams = [team.pk]
    assert not lookup._required(weights, 0)
    assert lookup._required(weights, 0, [3, 2])
    exact = [{t: level for t, level in part.items() if level == 3} for part in parts]
    one_pass = lookup.word_levels([exact[0], parts[1]], set(), teams)
    two_passes, statements = _keeping_statements(
        lambda: lookup.levels_of(parts, set(), teams, weights)
    )
    assert {k: tuple(v) for k, v in two_passes.items()} == _reaching(one_pass, weights)
    names = {p.pk: p.name for p in Person.objects.filter(pk__in=two_passes)}
    assert sorted(names.values()) == ["Madina Kuznecov", "Madina Kuznecova"]
    assert len(statements) == 2
    second = str(statements[-1])  # its SQL and parameters
    assert not any(str(token) in second for token in exact[0])


def test_words_run_together_are_told_by_a_capital_inside():
    assert lookup._capital_split("PavelTagirov") == ["Pavel", "Tagirov"]
    assert lookup._capital_split("ЗелимханЭдилов") == ["Зелимхан", "Эдилов"]
    assert lookup._capital_split("Tagirov") is None
    assert lookup._capital_split("TAGIROV") is None
    assert lookup._capital_split("aBc") is None  # a part of one letter


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the statement names SQLite's index")
def test_sqlite_reads_the_incidents_facet_columns_from_their_index(personas):
    """SQLite reads a list of ids from the table by rowid whatever index holds them: the
    facet statement of the index lookup's hits names the index, which holds every column
    it reads, and the rows are those the table gives. Records not narrowed to a list of
    ids (a year's) are left to the planner."""
    from haven.incidents import actions as incidents
    from haven.incidents.models import Incident
    from haven.lib.fuzzy_dates import FuzzyDate
    from haven.records.models import Visibility
    from haven.search.facets import FACET_COLUMNS, SQLITE_FACET_INDEX, facet_rows

    for year in ("2019", "2020"):
        incidents.record_incident(
            team=personas.team, by=personas.member, title="Detention", start=FuzzyDate.parse(year)
        )
    every = Visibility(personas.member).records(Incident)
    records = every.filter(pk__in=id_lists.id_list(every.values_list("pk", flat=True)))
    rows, statements = _keeping_statements(
        lambda: facet_rows(BY_CODE["incident"], records, by_ids=True)
    )
    unnamed, more = _keeping_statements(lambda: facet_rows(BY_CODE["incident"], every))
    assert unnamed == rows
    statements += more
    assert sorted(rows) == sorted(records.values_list("pk", "start_earliest__year", "location_id"))
    assert len(rows) == 2
    index = SQLITE_FACET_INDEX["incident"]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + statements[0][0], statements[0][1])
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute(f"PRAGMA index_info({index})")
        held = {row[2] for row in cursor.fetchall()}
    assert f"COVERING INDEX {index}" in plan, plan
    assert index not in statements[1][0]
    wanted = {"id", "team_id", "deleted_at", "start_earliest", "location_id"}
    for column in FACET_COLUMNS["incident"].values():
        names = (
            [column]
            if isinstance(column, str)
            else [f.name for f in column.get_source_expressions()]
        )
        wanted.update(Incident._meta.get_field(name).column for name in names)
    assert wanted <= held


@pytest.mark.django_db
def test_a_persons_three_name_fields_are_looked_up_once(personas):
    """Name, other names and nicknames share one scope: a name's terms are one set of
    tokens to look up, not three; a person's rows hold each token once; and a person is
    still found by a nickname."""
    from haven.records.blind import matching, scope_of, tokens
    from haven.records.models import BlindTerm
    from haven.search.engine import KINDS

    person = add_person(
        team=personas.team,
        by=personas.member,
        name="Салех Магамадов",
        other_names=["Магамадов Салех Ибрагимович"],
        nicknames=["Хорс"],
    )
    assert scope_of(Person, "other_names") == scope_of(Person, "nicknames") == "people.person.name"
    kind = next(kind for kind in KINDS if kind.code == "person")
    one_field = tokens(Person, "name", "Магамадов", query=True)
    assert lookup.query_tokens(kind, "Магамадов", {}) == one_field
    rows = list(BlindTerm.objects.filter(record_id=person.pk, kind__model="person"))
    assert len({row.token for row in rows}) == len(rows)
    assert tokens(Person, "nicknames", "Хорс") <= {row.token for row in rows}
    visible = Person.objects.visible_to(personas.member)
    assert list(matching(visible, "name", "Хорс")) == [person]
