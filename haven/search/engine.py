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

from django.db.models import Count
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


def candidates(kind: Kind, wanted: set[int], user, teams: list[int]):
    """Records of ``kind`` the user may see that share index tokens with the query: the
    ``RANKED`` that share the most, and whether there were more. Only the index rows of
    the user's teams (``member_teams``) are read, deleted records have none, and
    ``visible_to`` has the last word on every candidate."""
    model = kind.model
    if not wanted or not teams:
        return model.objects.none(), False
    ranked = list(
        BlindTerm.objects.filter(token__in=wanted, team_id__in=teams)
        .values("record_id")
        .annotate(shared=Count("*"))
        .order_by("-shared", "record_id")
        .values_list("record_id", flat=True)[: RANKED * 2]
    )
    visible = set(model.objects.visible_to(user).filter(pk__in=ranked).values_list("pk", flat=True))
    chosen = [pk for pk in ranked if pk in visible]
    more = len(chosen) > RANKED or len(ranked) == RANKED * 2
    return model.objects.filter(pk__in=chosen[:RANKED]), more


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
        found, more = candidates(kind, query_tokens(kind, query, terms), user, teams)
        if more:
            hits.capped.add(kind.code)
        regions = {}
        if kind.code == "incident":
            found = list(found.select_related("location").prefetch_related("acts__act_type"))
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
