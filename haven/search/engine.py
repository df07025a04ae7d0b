"""Search over encrypted records: blind-index lookups, then the policy layer, then ranking.

1. The query goes through each indexed field's query-term function (words,
   transliteration skeletons, one-edit keys) and is hashed with that field's key.
2. Matching tokens give candidate record ids; only records the user may see are
   loaded (``visible_to``), so a restricted record never reaches a count.
3. The candidates' fields are decrypted and ranked with ``haven.lib.names.score``
   (through ``parse``/``score_parsed``: the query and each distinct name parsed once).

Each searchable kind registers itself in ``KINDS`` in one place (below).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext_lazy as _

from haven.lib.names import Parser, parse, score_parsed
from haven.locations.models import regions_of
from haven.people.duplicates import name_forms
from haven.records.blind import hashed, term_functions
from haven.records.models import BlindTerm, member_teams

MIN_SCORE = 0.72
# Only the records sharing the most query terms are decrypted and ranked: a common
# first name can match thousands of records, and decrypting them all is what costs.
RANKED = 60


@dataclass
class Kind:
    code: str
    label: str
    model_path: str
    fields: list[str]
    url_name: str
    texts: object  # record -> list of strings to rank against

    @property
    def model(self):
        from django.apps import apps

        return apps.get_model(self.model_path)


def _title(record):
    return [record.title]


KINDS = [
    Kind(
        "person",
        _("People"),
        "people.Person",
        ["name", "other_names", "nicknames"],
        "people:detail",
        name_forms,
    ),
    Kind("case", _("Cases"), "cases.Case", ["title"], "cases:detail", _title),
    Kind("incident", _("Incidents"), "incidents.Incident", ["title"], "incidents:detail", _title),
    Kind("source", _("Sources"), "sources.Source", ["title"], "sources:detail", _title),
]


@dataclass
class Hit:
    kind: Kind
    record: object
    score: float
    facets: dict = field(default_factory=dict)


def query_tokens(kind: Kind, query: str, terms: dict) -> set[int]:
    """The index tokens a query looks up in ``kind``'s fields; ``terms`` keeps each term
    function's output for the next kind (all name fields share one)."""
    model = kind.model
    wanted: set[int] = set()
    for name in kind.fields:
        function = term_functions(model, name)[1]
        if function not in terms:
            terms[function] = function(query)
        wanted |= hashed(model, name, terms[function])
    return wanted


class Results(list):
    """Hits, best first; ``capped`` names the kinds that had more candidates than
    ``RANKED`` (only the closest were ranked: a longer query narrows them)."""

    def __init__(self, hits=(), capped=()):
        super().__init__(hits)
        self.capped = set(capped)


def ranked_ids(wanted: set[int], teams: list[int], limit: int) -> list[int]:
    """Ids of the records with the most index tokens in ``wanted``, in the user's teams.

    One SQL statement with placeholders only: through the ORM, preparing each of the
    several hundred token parameters cost about as much as the lookup itself.
    """
    table = connection.ops.quote_name(BlindTerm._meta.db_table)
    tokens = ", ".join(["%s"] * len(wanted))
    team_list = ", ".join(["%s"] * len(teams))
    sql = (
        f"SELECT record_id FROM {table} WHERE token IN ({tokens}) "  # noqa: S608 - placeholders
        f"AND team_id IN ({team_list}) GROUP BY record_id "
        "ORDER BY COUNT(*) DESC, record_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*wanted, *teams, limit])
        return [row[0] for row in cursor.fetchall()]


def candidates(kind: Kind, wanted: set[int], user, teams: list[int], prepare=None):
    """Records of ``kind`` the user may see that share index tokens with the query: the
    ``RANKED`` that share the most, in that order, and whether there were more. Only the
    index rows of the user's teams (``member_teams``) are read, deleted records have none,
    and ``visible_to`` has the last word on every candidate, in the query that loads them.
    ``prepare`` adds what the caller reads of each record (``select_related`` …)."""
    if not wanted or not teams:
        return [], False
    model = kind.model
    ranked = ranked_ids(wanted, teams, RANKED * 2)
    position = {pk: n for n, pk in enumerate(ranked)}

    def load(ids):
        records = model.objects.visible_to(user).filter(pk__in=ids)
        return sorted(prepare(records) if prepare else records, key=lambda r: position[r.pk])

    found = load(ranked[:RANKED])
    if len(found) < min(RANKED, len(ranked)):
        # Some of the closest are not visible after all (a record deleted or moved since
        # it was indexed): look further down the ranking.
        found = load(ranked)[:RANKED]
    return found, len(ranked) > RANKED


def _incident_facets(incidents):
    return incidents.select_related("location").prefetch_related("acts__act_type")


def _facets(kind: Kind, record, regions: dict) -> dict:
    facets = {"kind": kind.code}
    if kind.code == "case":
        facets["status"] = record.status
    if kind.code == "incident":
        region = regions.get(record.location_id)
        if region:
            facets["region"] = region.name
        facets["act_type"] = sorted({act.act_type.code for act in record.acts.all()})
        if record.start_earliest:
            facets["year"] = record.start_earliest.year
    return facets


def search(query: str, user, only: str | None = None) -> Results:
    query = query.strip()
    hits = Results()
    if len(query) < 2:
        return hits
    terms: dict = {}
    wanted = parse(query)
    parsed = Parser()  # names recur across records: each word is worked out once
    teams = list(member_teams(user).values_list("team_id", flat=True))
    for kind in KINDS:
        if only and kind.code != only:
            continue
        prepare = _incident_facets if kind.code == "incident" else None
        found, more = candidates(kind, query_tokens(kind, query, terms), user, teams, prepare)
        if more:
            hits.capped.add(kind.code)
        regions = {}
        if kind.code == "incident":
            regions = regions_of([record.location for record in found])
        for record in found:
            value = score_parsed(wanted, [parsed(text) for text in kind.texts(record) if text])
            if value >= MIN_SCORE:
                hits.append(Hit(kind, record, value, _facets(kind, record, regions)))
    hits.sort(key=lambda hit: -hit.score)
    return hits


def facet_counts(hits: list[Hit]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {
        "kind": Counter(),
        "status": Counter(),
        "region": Counter(),
        "act_type": Counter(),
        "year": Counter(),
    }
    for hit in hits:
        for name, value in hit.facets.items():
            for item in value if isinstance(value, list) else [value]:
                counts[name][item] += 1
    return counts


def find(kind_code: str, query: str, user, within=None, limit: int = 10) -> list[tuple]:
    """``(record, score)`` of one kind whose names or title match ``query``, best first: a
    picker's suggestions. The same index lookup, policy and ranking as ``search``;
    ``within`` (a queryset) narrows the records further, to a form's choices."""
    query = query.strip()
    kind = next((kind for kind in KINDS if kind.code == kind_code), None)
    if kind is None or len(query) < 2:
        return []
    teams = list(member_teams(user).values_list("team_id", flat=True))

    def narrow(records):
        return records if within is None else records.filter(pk__in=within.values("pk"))

    found, _more = candidates(kind, query_tokens(kind, query, {}), user, teams, narrow)
    wanted, parsed = parse(query), Parser()
    scored = [
        (record, score_parsed(wanted, [parsed(text) for text in kind.texts(record) if text]))
        for record in found
    ]
    scored = [pair for pair in scored if pair[1] >= MIN_SCORE]
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]
