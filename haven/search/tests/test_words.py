"""Text search: every narrative field's words through the word index, stemmed, per team,
with prefixes, phrases, snippets, the per-field switch and the rebuild command."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import sign_in
from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.cases import actions as cases
from haven.incidents import actions as incidents
from haven.lib.env import ConfigError
from haven.lib.fuzzy_dates import FuzzyDate
from haven.lib.stemming import narrative_terms, stem
from haven.people.actions import add_person, update_person
from haven.records import blind
from haven.records.actions import delete_record, move_record
from haven.records.models import BlindTerm
from haven.search.words import PAGES, indexed_models, parse, search_texts, snippet
from haven.sources.actions import add_source
from haven.vocab.models import term

SEARCH = reverse("search:search")


# --- What the stemmer really does -----------------------------------------------------


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("задержан", "задержана"),
        ("задержан", "задержанных"),
        ("задержан", "задержали"),
        ("tortured", "torture"),
        ("tortured", "torturing"),
        ("абдукция", "абдукции"),
        ("abducted", "abduction"),
        ("угрожали", "угрожал"),
    ],
)
def test_stemmer_joins_these_forms(query, text):
    assert stem(query) == stem(text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("пыток", "пытки"),  # fleeting vowel of the genitive plural
        ("похищение", "похитили"),  # verb and noun of one root
        ("похищен", "похищение"),
        ("задержан", "задержание"),
        ("detained", "detention"),
    ],
)
def test_stemmer_does_not_join_these_forms(query, text):
    """Documented in docs/blind-indexes.md: a lemmatiser would be needed. If a newer
    Snowball joins them, this test says so and the documentation should change."""
    assert stem(query) != stem(text)


def test_index_terms_are_stems_and_prefixes_without_stop_words():
    terms = narrative_terms("Его задержали в Грозном")
    assert "stem:задержа" in terms
    assert "pre:зад" in terms and "pre:задерж" in terms and "pre:задержа" not in terms
    assert not any(term.endswith(":его") or term.endswith(":в") for term in terms)


# --- A world of narratives ------------------------------------------------------------


@pytest.fixture
def texts(personas):
    by, team = personas.member, personas.team
    person = add_person(team=team, by=by, name="Ибрагим Селимханов")
    update_person(person, by=by, notes="Брат задержанных, боится за семью.")
    case = cases.open_case(
        team=team, by=by, title="Protection", summary="Relatives threaten him.", persons=[person]
    )
    note = cases.add_note(case, by=by, text="Their father was tortured in 2019 <b>twice</b>.")
    request = cases.record_request(
        team=team,
        by=by,
        channel=term("channel", "hotline"),
        summary="Просит помочь с эвакуацией из Грозного.",
    )
    assessment = cases.assess_risk(
        case, by=by, likelihood=4, impact=5, level="critical", narrative="Угроза убийства чести."
    )
    action = cases.plan_action(
        case,
        by=by,
        kind=term("action_type", "evacuation"),
        title="Evacuation",
        outcome="Moved to a shelter in Moscow.",
    )
    incident = incidents.record_incident(
        team=team,
        by=by,
        title="Detention in Grozny",
        start=FuzzyDate.parse("2020-04"),
        description="Она была задержана полицией. Потом задержали в Грозном её брата.",
        stated_grounds="Telegram channel of the opposition",
        documented_motive="Sexual orientation",
    )
    act = incidents.record_act(
        incident,
        by=by,
        act_type=term("act_type", "torture"),
        victim=person,
        consequences="Следы пыток на руках; задерживали дважды.",
    )
    source = add_source(
        team=team,
        by=by,
        kind="media",
        title="Report",
        text="Men were abducted and forcibly returned to Chechnya.",
    )
    return {
        "person": person,
        "case": case,
        "note": note,
        "request": request,
        "assessment": assessment,
        "action": action,
        "incident": incident,
        "act": act,
        "source": source,
    }


def urls(results):
    return [hit.url for hit in results.hits]


def url_of(record, name):
    return reverse(name, kwargs={"uuid": record.uuid})


@pytest.mark.parametrize(
    ("query", "record", "page"),
    [
        ("задержан", "incident", "incidents:detail"),  # задержана, description
        ("задержан", "person", "people:detail"),  # задержанных, notes
        ("tortured", "case", "cases:detail"),  # a case note
        ("torture", "case", "cases:detail"),
        ("эвакуации", "request", "cases:request_detail"),
        ("убийство", "case", "cases:detail"),  # a risk narrative: убийства
        ("shelter", "case", "cases:detail"),  # an action's outcome
        ("threatening", "case", "cases:detail"),  # the case summary: threaten
        ("orientation", "incident", "incidents:detail"),  # documented motive
        ("telegram", "incident", "incidents:detail"),  # stated grounds
        ("пыток", "incident", "incidents:detail"),  # an act's consequences
        ("abduct", "source", "sources:detail"),  # a captured text
        ("Chechnya returned", "source", "sources:detail"),
    ],
)
def test_each_narrative_is_found_by_a_form_of_its_words(personas, texts, query, record, page):
    assert url_of(texts[record], page) in urls(search_texts(query, personas.member))


def test_every_word_must_be_there(personas, texts):
    assert urls(search_texts("Chechnya shelter", personas.member)) == []


def test_stemmer_misses_are_misses(personas, texts):
    """``пытки`` does not find ``пыток``: see docs/blind-indexes.md (a lemmatiser)."""
    assert search_texts("пытки", personas.member).hits == []


def test_prefix_query(personas, texts):
    found = urls(search_texts("задерж*", personas.member))
    assert url_of(texts["incident"], "incidents:detail") in found
    assert url_of(texts["person"], "people:detail") in found


def test_long_prefix_is_checked_after_decryption(personas, texts):
    """``задержи*`` is looked up as ``задерж`` (six letters are indexed): the notes with
    ``задержанных`` are candidates, but only ``задерживали`` begins with it."""
    results = search_texts("задержи*", personas.member)
    assert urls(results) == [url_of(texts["incident"], "incidents:detail")]
    assert "<mark>задерживали</mark>" in results.hits[0].snippet


def test_phrase_must_stand_together(personas, texts):
    together = search_texts('"задержали в Грозном"', personas.member)
    assert urls(together) == [url_of(texts["incident"], "incidents:detail")]
    assert "<mark>задержали в Грозном</mark>" in together.hits[0].snippet
    apart = search_texts('"задержана брата"', personas.member)
    assert apart.hits == []
    assert search_texts("задержана брата", personas.member).hits  # as words, it is found


def test_snippet_is_escaped_and_marked(personas, texts):
    results = search_texts("twice", personas.member)
    (hit,) = results.hits
    assert "<mark>twice</mark>" in hit.snippet
    assert "&lt;b&gt;" in hit.snippet and "<b>" not in hit.snippet
    assert hit.part == "note: note"


def test_snippet_cuts_long_text():
    text = "слово " * 100 + "задержана " + "слово " * 100
    start = text.index("задержана")
    html = snippet(text, [(start, start + len("задержана"))])
    assert html.startswith("… ") and html.endswith(" …")
    assert "<mark>задержана</mark>" in html and len(html) < 300


# --- Need-to-know -----------------------------------------------------------------------


def test_another_teams_narrative_is_never_found(personas, texts):
    other_team = TeamFactory(name="Other desk")
    stranger = UserFactory(email="stranger@example.org")
    Membership.objects.create(team=other_team, user=stranger, access=Membership.Access.MEMBER)
    mine = incidents.record_incident(
        team=other_team,
        by=stranger,
        title="Other",
        start=FuzzyDate.parse("2021"),
        description="Его задержали в Грозном.",
    )
    assert urls(search_texts("задержали", stranger)) == [url_of(mine, "incidents:detail")]
    assert url_of(mine, "incidents:detail") not in urls(search_texts("задержали", personas.member))
    # Equal words of two teams give unequal tokens: a team's key is never another's.
    theirs = blind.field_tokens(mine, "description")
    ours = blind.field_tokens(texts["incident"], "description")
    assert theirs and ours and not theirs & ours
    assert search_texts("задержали", personas.outsider).hits == []
    assert search_texts("задержали", personas.administrator).hits == []
    assert search_texts("задержали", personas.read_only).hits  # a read-only member reads


def test_deleted_records_and_records_of_deleted_pages_are_not_found(personas, texts):
    delete_record(texts["incident"], by=personas.member)
    assert url_of(texts["incident"], "incidents:detail") not in urls(
        search_texts("пыток", personas.member)  # the act is live, its incident is not
    )
    assert url_of(texts["incident"], "incidents:detail") not in urls(
        search_texts("задержана", personas.member)
    )


def test_edits_keep_the_index_current(personas, texts):
    cases.update_note(texts["note"], by=personas.member, text="Nothing about that now.")
    assert search_texts("tortured", personas.member).hits == []
    assert search_texts("nothing", personas.member).hits


def test_every_word_indexed_model_has_a_page():
    assert {model._meta.label_lower for model in indexed_models()} == set(PAGES)


def test_no_plaintext_word_in_the_index(personas, texts):
    """The index holds integers only; the words' HMACs need the team's field key."""
    rows = list(BlindTerm.objects.values_list("token", "team_id", "kind_id", "record_id"))
    assert rows and all(isinstance(value, int) for row in rows for value in row)
    key_terms = set(narrative_terms(texts["incident"].description))
    assert not {str(token) for token, *_rest in rows} & key_terms


# --- The per-field switch ---------------------------------------------------------------


def test_a_field_can_be_left_out_of_the_word_index(personas, texts, settings):
    settings.HAVEN_WORD_INDEX_SKIP = ["cases.casenote.text"]
    assert search_texts("tortured", personas.member).hits == []  # not looked up at once
    note = cases.add_note(texts["case"], by=personas.member, text="Tortured again.")
    assert blind.field_tokens(note, "text") == set()
    assert not BlindTerm.objects.filter(record_id=note.pk, kind__model="casenote").exists()
    settings.HAVEN_WORD_INDEX_SKIP = []
    assert blind.field_tokens(note, "text")


def test_unknown_field_in_the_switch_is_refused(settings):
    from django.apps import apps

    settings.HAVEN_WORD_INDEX_SKIP = ["cases.casenote.txt"]
    with pytest.raises(ConfigError, match="cases.casenote.text"):
        apps.get_app_config("search").ready()


# --- Rebuilding ---------------------------------------------------------------------------


def test_rebuild_command_indexes_existing_records_with_progress(personas, texts, settings):
    settings.HAVEN_WORD_INDEX_SKIP = ["incidents.incident.description"]
    call_command("search", "words", stdout=io.StringIO(), stderr=io.StringIO())
    settings.HAVEN_WORD_INDEX_SKIP = []
    incident = url_of(texts["incident"], "incidents:detail")
    assert incident not in urls(search_texts("задержана", personas.member))  # dropped at rest
    out = io.StringIO()
    call_command("search", "words", stdout=out, stderr=io.StringIO())
    assert "incidents.incident: 1/1" in out.getvalue()
    assert incident in urls(search_texts("задержана", personas.member))
    assert search_texts("Селимханов", personas.member).hits == []  # names are not texts


# --- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?!… --- ***", "punctuation"),
        ("12345 2020", "punctuation and digits"),
        ("и в на", "too common"),
        ("the of and", "too common"),
        ("за*", "at least 3 letters"),
        ("x " * 150, "200 characters"),
        ("один два три четыре пять шесть семь восемь девять", "at most 8 words"),
        ("[^\\W]+?(x|y)*$", "two letters or more"),
        (".*(a|b)+$", "too common"),
    ],
)
def test_bad_queries_say_why(query, message):
    from haven.search.words import QueryError

    with pytest.raises(QueryError, match=message):
        parse(query)


def test_page_shows_texts_section(client, personas, texts):
    sign_in(client, personas.member)
    response = client.post(SEARCH, {"q": "задержан"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "In texts" in html and "<mark>задержана</mark>" in html
    assert url_of(texts["incident"], "incidents:detail") in html


def test_page_shows_texts_in_russian(client, personas, texts):
    sign_in(client, personas.member)
    response = client.post(SEARCH, {"q": "tortured"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("?!?!", 200, "punctuation and digits are not looked up"),
        ("и в на", 200, "too common to search texts for"),
        ("а" * 10_000, 400, "at most 200 characters"),
    ],
)
def test_page_answers_bad_input_clearly(client, personas, texts, query, status, message):
    sign_in(client, personas.member)
    response = client.post(SEARCH, {"q": query})
    assert response.status_code == status
    assert message in response.content.decode()


def test_outsider_sees_no_snippet(client, personas, texts):
    sign_in(client, personas.outsider)
    html = client.post(SEARCH, {"q": "задержан"}).content.decode()
    assert "задержана" not in html and "<mark>" not in html


def test_prefix_finds_what_the_stemmer_misses(personas, texts):
    """As docs/blind-indexes.md says: ``пыт*`` finds ``пыток`` and ``пытки``, ``похи*``
    finds ``похищение`` and ``похитили``."""
    by = personas.member
    cases.add_note(texts["case"], by=by, text="Говорит о пытки и о том, что его похитили.")
    source = add_source(team=personas.team, by=by, kind="media", title="R", text="Похищение.")
    found = urls(search_texts("пыт*", by))
    assert url_of(texts["incident"], "incidents:detail") in found  # пыток
    assert url_of(texts["case"], "cases:detail") in found  # пытки
    found = urls(search_texts("похи*", by))
    assert url_of(texts["case"], "cases:detail") in found  # похитили
    assert url_of(source, "sources:detail") in found  # Похищение


def test_a_moved_record_is_found_by_its_new_team_only(personas, texts):
    other_team = TeamFactory(name="Other desk")
    Membership.objects.create(
        team=other_team, user=personas.member, access=Membership.Access.MEMBER
    )
    stranger = UserFactory(email="stranger@example.org")
    Membership.objects.create(team=other_team, user=stranger, access=Membership.Access.MEMBER)
    source = texts["source"]
    assert search_texts("abducted", stranger).hits == []
    move_record(source, other_team, by=personas.member)
    assert urls(search_texts("abducted", stranger)) == [url_of(source, "sources:detail")]
    assert search_texts("abducted", personas.read_only).hits == []


def test_list_find_boxes_do_not_look_in_narratives(client, personas, texts):
    """The word index is the text search's only: a list's find box still looks up names,
    titles and codes, as before."""
    sign_in(client, personas.member)
    html = client.get(reverse("incidents:list"), {"q": "задержана"}).content.decode()
    assert texts["incident"].code not in html
    html = client.get(reverse("incidents:list"), {"q": "Grozny"}).content.decode()
    assert texts["incident"].code in html


def test_the_upgrade_migration_indexes_existing_narratives(personas, texts):
    """Narratives saved before text search existed get their words from search/0001."""
    from importlib import import_module

    migration = import_module("haven.search.migrations.0001_index_the_words_of_narratives")
    incident = url_of(texts["incident"], "incidents:detail")
    BlindTerm.objects.all().delete()  # as before the upgrade: no word token at all
    assert incident not in urls(search_texts("задержана", personas.member))
    migration.index(None, None)
    assert incident in urls(search_texts("задержана", personas.member))


def test_the_lookups_split_into_statements_find_the_same(personas, texts, monkeypatch):
    """The models' lookups go in one statement, or in several when the user's teams make
    their tokens too many for one: the hits are the same either way."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from haven.search import words

    query = "задерж*"
    with CaptureQueriesContext(connection) as one:
        together = urls(search_texts(query, personas.member))
    monkeypatch.setattr(words, "MOST_PARAMETERS", 1)
    with CaptureQueriesContext(connection) as many:
        apart = urls(search_texts(query, personas.member))
    assert together == apart
    assert len(together) >= 2

    def lookups(context):
        return sum("UNION ALL" in q["sql"] or "AS model," in q["sql"] for q in context)

    assert lookups(one) == 1
    assert lookups(many) == len(indexed_models())


def test_an_imports_own_words_are_not_indexed_in_any_language():
    from haven.lib.stemming import without_import_labels

    for heading in ("From the imported file:", "Из импортированного файла:"):
        text = f"Задержан у дома.\n\n{heading}\nсвидетель: сосед видел\nline: one\ntwo: three\n"
        assert without_import_labels(text) == "Задержан у дома.\n\nсосед видел\none\nthree\n"
        assert not {"stem:свидетел", "stem:line", "stem:file", "stem:импортирова"} & set(
            narrative_terms(text)
        )
    # Below an empty line the note has ended: a narrative's own "word: word" is indexed.
    text = "From the imported file:\r\ncolumn: value\r\n\r\nWitness: a neighbour"
    assert without_import_labels(text) == "value\r\n\r\nWitness: a neighbour"
    assert without_import_labels("Status: detained") == "Status: detained"


def test_a_cells_further_lines_are_indexed_whole():
    """A statement over several lines, one of them "word: text" and one empty, keeps
    every word; the next column's name is still left out."""
    from haven.lib.stemming import note_line, without_import_labels

    statement = note_line("statement", "He said\r\nOfficer: Ivanov took him\n\nat night")
    assert statement == "statement: He said\n  Officer: Ivanov took him\n  \n  at night"
    text = "\n".join(["From the imported file:", statement, note_line("unit", "ППС")])
    terms = set(narrative_terms(text))
    assert {"stem:offic", "stem:ivanov", "stem:night", "stem:ппс"} <= terms
    assert not {"stem:statement", "stem:unit"} & terms
    assert without_import_labels(text).endswith("at night\nППС")
