"""Search over encrypted records: blind-index lookups, then the policy layer, then ranking.

1. The query goes through each indexed field's query-term function (words,
   transliteration skeletons, one-edit keys) and is hashed with that field's key.
2. Matching tokens give candidate record ids; only records the user may see are
   loaded (``visible_to``), so a restricted record never reaches a count.
3. The candidates' fields are decrypted and ranked with ``haven.lib.names.score``.

Each searchable kind registers itself in ``KINDS`` in one place (below).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from haven.lib.names import score
from haven.locations.models import regions_of
from haven.records.blind import scope_of, tokens
from haven.records.models import BlindTerm

MIN_SCORE = 0.72
# Only the records sharing the most query terms are decrypted and ranked: a common
# first name can match thousands of records, and decrypting them all is what costs.
RANKED = 60
CHUNK = 5000
# A term carried by more records than this says little about which one is meant
# (a common first name, a word of many titles); it is left out of the lookup unless
# every term of the query is that common.
COMMON_TERM = 300


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


def _person_texts(person):
    return [person.name, *(person.other_names or []), *(person.nicknames or [])]


def _title(record):
    return [record.title]


KINDS = [
    Kind(
        "person",
        _("People"),
        "people.Person",
        ["name", "other_names", "nicknames"],
        "people:detail",
        _person_texts,
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


def candidates(kind: Kind, query: str, user):
    """Records of ``kind`` the user may see that share index terms with the query: the
    ``RANKED`` that share the most distinct terms (records the user may not see never
    take a place)."""
    model = kind.model
    shared: set = set()
    for name in kind.fields:
        wanted = tokens(model, name, query, query=True)
        if wanted:
            scope = scope_of(model, name)
            frequency = dict(
                BlindTerm.objects.filter(scope=scope, token__in=wanted)
                .values("token")
                .annotate(n=Count("id"))
                .values_list("token", "n")
            )
            useful = [t for t, n in frequency.items() if n <= COMMON_TERM]
            if not useful:
                useful = sorted(frequency, key=frequency.get)[:3]
            rows = BlindTerm.objects.filter(scope=scope, token__in=useful)
            shared.update(rows.values_list("object_uuid", "token"))
    if not shared:
        return model.objects.none()
    by_uuid: Counter = Counter(uuid for uuid, _token in shared)
    ranked = [uuid for uuid, _count in by_uuid.most_common()]
    visible: list = []
    for start in range(0, len(ranked), CHUNK):
        part = ranked[start : start + CHUNK]
        allowed = set(
            model.objects.visible_to(user).filter(uuid__in=part).values_list("uuid", flat=True)
        )
        visible += [uuid for uuid in part if uuid in allowed]
        if len(visible) >= RANKED:
            break
    return model.objects.filter(uuid__in=visible[:RANKED])


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


def search(query: str, user, only: str | None = None) -> list[Hit]:
    query = query.strip()
    if len(query) < 2:
        return []
    hits: list[Hit] = []
    for kind in KINDS:
        if only and kind.code != only:
            continue
        found = candidates(kind, query, user)
        regions = {}
        if kind.code == "incident":
            found = list(found.select_related("location").prefetch_related("acts__act_type"))
            regions = regions_of([record.location for record in found])
        for record in found:
            value = score(query, [text for text in kind.texts(record) if text])
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
