"""What an export writes of each list: its columns, in two variants.

**Pseudonymised** (the default) is for sharing and counting: people appear by their
codes, a birth date by its year, a place by its region (federal subject); names,
contacts, whereabouts, staff names and every free text that may name someone
(titles, summaries, descriptions, grounds and motives, consequences, notes) are left
out. **Identifying** adds them: names, full dates, places, contacts and narratives.

A column is in both variants unless it says ``only``; a column in both writes what
the row may show (``Cells.named``): a person's code in one, code and name in the
other. In an identifying export, a row about someone who refused or withdrew
consent is written as the pseudonymised export writes it (``haven.exports.consent``):
its identifying cells stay empty, and its ``consent`` cell says why. A list of
people leaves such a person out altogether.

Each kind reads its rows in a fixed number of queries per chunk of records
(``prepare`` adds what the columns read; ``chunk`` looks up what a chunk needs, such
as the regions of its places), however many rows there are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.cases.forms import case_listing, request_listing
from haven.cases.models import Case, CasePerson
from haven.exports.columns import IDENTIFYING, Cell, Cells, Column, Kind
from haven.incidents import stats
from haven.incidents.forms import incident_listing
from haven.incidents.models import Act, Incident, InformationLink, Involvement
from haven.lib.fuzzy_dates import since_text
from haven.lib.id_lists import id_list
from haven.locations.models import Location, regions_of
from haven.people.forms import person_listing
from haven.sources.forms import source_listing


def _local_date(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment else None


def _joined(values: Iterable) -> str | None:
    return "; ".join(str(value) for value in values if value) or None


def _label(value) -> str | None:
    """A fuzzy date's words in the reader's language, or nothing."""
    return value.label() if value else None


def _period_dates(record) -> tuple[date | None, date | None]:
    start, end = record.start, record.end
    if start is None:
        return None, None
    return start.earliest, (end or start).latest


def _yes(value: bool) -> str:
    return _("yes") if value else _("no")


def _person_named(person, cells: Cells) -> str:
    """``P-1234 Name`` in an identifying row, the code alone otherwise."""
    return f"{person.code} {person.name}" if cells.named else person.code


# --- people ---------------------------------------------------------------------------------


def _place_names() -> dict[str, Location | None]:
    """Every gazetteer name (both languages, case-folded) with its region; ``None`` for
    a name two regions share, which says nothing certain."""
    places = list(Location.objects.all())
    regions = regions_of(places)
    found: dict[str, Location | None] = {}
    for place in places:
        region = regions.get(place.pk)
        for name in (place.name_en, place.name_ru):
            key = name.casefold().strip()
            if key in found and found[key] != region:
                found[key] = None
            else:
                found[key] = region
    return found


def _whereabouts_region(person, cells: Cells) -> str | None:
    """The region of where the person is now, when the place is a gazetteer name ("Грозный",
    "Grozny, Staropromyslovsky district"); nothing for an address it does not know,
    which may be more precise than a region."""
    move = person.current_whereabouts
    if not move or not move.get("place"):
        return None
    lookups = cells.lookups
    if lookups.place_names is None:
        lookups.place_names = _place_names()
    text = str(move["place"])
    for part in [text, *text.split(",")]:
        region = lookups.place_names.get(part.casefold().strip())
        if region is not None:
            return region.name
    return None


def _whereabouts(person, cells: Cells) -> str | None:
    move = person.current_whereabouts
    if not move:
        return None
    since = since_text(move.get("since") or "")
    return f"{move.get('place', '')} ({since})" if since else move.get("place", "")


def _birth(person, cells: Cells) -> Cell:
    if not person.birth_date:
        return None
    return str(person.birth_date) if cells.named else person.birth_date.year


PERSON_COLUMNS = [
    Column("code", gettext_lazy("Code"), lambda p, c: p.code),
    Column("name", gettext_lazy("Name"), lambda p, c: p.name, only=IDENTIFYING),
    Column(
        "other_names",
        gettext_lazy("Other name forms"),
        lambda p, c: _joined([*(p.other_names or []), *(p.nicknames or [])]),
        only=IDENTIFYING,
    ),
    Column("kind", gettext_lazy("Kind"), lambda p, c: p.get_kind_display()),
    Column("gender", gettext_lazy("Gender"), lambda p, c: p.get_gender_display() or None),
    Column(
        "birth",
        gettext_lazy("Birth year"),
        _birth,
        named_label=gettext_lazy("Birth date"),
    ),
    Column("nationality", gettext_lazy("Nationality"), lambda p, c: p.nationality or None),
    Column(
        "languages",
        gettext_lazy("Languages"),
        lambda p, c: _joined(p.languages or []),
        only=IDENTIFYING,
    ),
    Column("region", gettext_lazy("Region"), _whereabouts_region),
    Column("whereabouts", gettext_lazy("Whereabouts"), _whereabouts, only=IDENTIFYING),
    Column(
        "contacts",
        gettext_lazy("Contacts"),
        lambda p, c: _joined(contact.get("value") for contact in p.contacts or []),
        only=IDENTIFYING,
    ),
    Column("notes", gettext_lazy("Notes"), lambda p, c: p.notes or None, only=IDENTIFYING),
    Column("team", gettext_lazy("Team"), lambda p, c: p.team.name),
    Column("recorded", gettext_lazy("Recorded on"), lambda p, c: _local_date(p.created_at)),
]


# --- cases ----------------------------------------------------------------------------------


def _prepare_cases(cases, user):
    on_case = CasePerson.objects.filter(
        removed_at__isnull=True, person__deleted_at__isnull=True
    ).select_related("person")
    return cases.select_related("team", "lead").prefetch_related(
        Prefetch("caseperson_set", queryset=on_case, to_attr="export_persons")
    )


def _case_people(case) -> list:
    return sorted((link.person for link in case.export_persons), key=lambda p: p.code)


CASE_COLUMNS = [
    Column("code", gettext_lazy("Code"), lambda k, c: k.code),
    Column("title", gettext_lazy("Title"), lambda k, c: k.title, only=IDENTIFYING),
    Column("status", gettext_lazy("Status"), lambda k, c: k.get_status_display()),
    Column("risk", gettext_lazy("Risk"), lambda k, c: k.get_risk_level_display() or None),
    Column("opened", gettext_lazy("Opened"), lambda k, c: k.opened_on),
    Column(
        "people",
        gettext_lazy("People at risk"),
        lambda k, c: _joined(_person_named(p, c) for p in _case_people(k)),
    ),
    Column(
        "overdue", gettext_lazy("With overdue actions"), lambda k, c: _yes(getattr(k, "overdue", 0))
    ),
    Column(
        "lead",
        gettext_lazy("Lead"),
        lambda k, c: k.lead.display_name if k.lead else None,
        only=IDENTIFYING,
    ),
    Column("summary", gettext_lazy("Summary"), lambda k, c: k.summary or None, only=IDENTIFYING),
    Column("team", gettext_lazy("Team"), lambda k, c: k.team.name),
]


# --- requests waiting for a case ------------------------------------------------------------

REQUEST_COLUMNS = [
    Column("received", gettext_lazy("Received"), lambda r, c: _local_date(r.received_at)),
    Column("channel", gettext_lazy("Channel"), lambda r, c: r.channel.label if r.channel else None),
    Column("urgency", gettext_lazy("Urgency"), lambda r, c: r.get_urgency_display()),
    Column(
        "requester",
        gettext_lazy("Requester"),
        lambda r, c: _person_named(r.requester, c) if r.requester else None,
    ),
    Column(
        "requester_as_given",
        gettext_lazy("Requester as given"),
        lambda r, c: r.requester_name or None,
        only=IDENTIFYING,
    ),
    Column(
        "assignee",
        gettext_lazy("Assigned to"),
        lambda r, c: r.assignee.display_name if r.assignee else None,
        only=IDENTIFYING,
    ),
    Column("summary", gettext_lazy("Summary"), lambda r, c: r.summary or None, only=IDENTIFYING),
    Column("team", gettext_lazy("Team"), lambda r, c: r.team.name),
]


# --- incidents with their acts ----------------------------------------------------------------


def _prepare_incidents(incidents, user):
    involvements = (
        Involvement.objects.visible_to(user)
        .filter(perpetrator__deleted_at__isnull=True)
        .select_related("perpetrator")
        .order_by("created_at", "pk")
    )
    acts = (
        Act.objects.visible_to(user)
        .select_related("act_type", "victim", "location")
        .prefetch_related(Prefetch("involvements", queryset=involvements, to_attr="export_by"))
        .order_by("start_earliest", "created_at", "pk")
    )
    return (
        incidents.select_related("team", "location")
        # The list's own prefetch gives way to the export's, which reads more of each act.
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("acts", queryset=acts, to_attr="export_acts"),
            Prefetch(
                "cases",
                queryset=Case.objects.visible_to(user).only("pk", "code").order_by("code"),
                to_attr="export_cases",
            ),
        )
    )


def _incident_regions(incidents: list, cells: Cells, user) -> None:
    places = [incident.location for incident in incidents]
    places += [act.location for incident in incidents for act in incident.export_acts]
    cells.lookups.regions = regions_of([place for place in places if place is not None])


def _incident_rows(incident) -> list:
    return [(incident, act) for act in incident.export_acts] or [(incident, None)]


def _incident_people(row) -> set[int]:
    """Everyone on any act of the incident: its title and description, repeated on each
    of its rows, may name any of them."""
    incident, _act = row
    found = set()
    for act in incident.export_acts:
        found.add(act.victim_id)
        found.update(involvement.perpetrator_id for involvement in act.export_by)
    return found


def _incident_read(row) -> list:
    incident, act = row
    return [incident] if act is None else [incident, act]


def _count_incident_rows(incidents, user) -> int:
    ids = incidents.order_by().values("pk")
    acts = Act.objects.visible_to(user).filter(incident__in=ids)
    without = incidents.order_by().exclude(pk__in=acts.values("incident")).count()
    return acts.count() + without


def _act(read: Callable) -> Callable:
    """A column of the act's part of the row: empty for an incident without acts."""
    return lambda row, cells: None if row[1] is None else read(row[1], cells)


def _perpetrators(act, cells: Cells) -> str:
    parts = []
    for involvement in act.export_by:
        text = (
            f"{_person_named(involvement.perpetrator, cells)} ({involvement.get_degree_display()}"
        )
        if cells.named and involvement.affiliation:
            text += f", {involvement.affiliation}"
        parts.append(text + ")")
    return _joined(parts)


INCIDENT_COLUMNS = [
    Column("incident", gettext_lazy("Incident"), lambda r, c: r[0].code),
    Column("title", gettext_lazy("Title"), lambda r, c: r[0].title, only=IDENTIFYING),
    Column("when", gettext_lazy("When"), lambda r, c: r[0].period_label or None),
    Column("earliest", gettext_lazy("Earliest date"), lambda r, c: _period_dates(r[0])[0]),
    Column("latest", gettext_lazy("Latest date"), lambda r, c: _period_dates(r[0])[1]),
    Column("region", gettext_lazy("Region"), lambda r, c: c.region(r[0].location)),
    Column(
        "place",
        gettext_lazy("Place"),
        lambda r, c: r[0].location.name if r[0].location else None,
        only=IDENTIFYING,
    ),
    Column(
        "violation_status",
        gettext_lazy("Violation status"),
        lambda r, c: r[0].get_violation_status_display(),
    ),
    Column(
        "confidentiality",
        gettext_lazy("Confidentiality"),
        lambda r, c: r[0].get_confidentiality_display(),
    ),
    Column(
        "description",
        gettext_lazy("Description"),
        lambda r, c: r[0].description or None,
        only=IDENTIFYING,
    ),
    Column(
        "stated_grounds",
        gettext_lazy("Stated grounds"),
        lambda r, c: r[0].stated_grounds or None,
        only=IDENTIFYING,
    ),
    Column(
        "documented_motive",
        gettext_lazy("Documented motive"),
        lambda r, c: r[0].documented_motive or None,
        only=IDENTIFYING,
    ),
    Column(
        "cases",
        gettext_lazy("Cases"),
        lambda r, c: _joined(case.code for case in r[0].export_cases),
    ),
    Column("act_type", gettext_lazy("Type of act"), _act(lambda a, c: a.act_type.label)),
    Column("act_when", gettext_lazy("Act: when"), _act(lambda a, c: _label(a.when))),
    Column("act_region", gettext_lazy("Act: region"), _act(lambda a, c: c.region(a.where))),
    Column(
        "act_place",
        gettext_lazy("Act: place"),
        _act(lambda a, c: a.where.name if a.where else None),
        only=IDENTIFYING,
    ),
    Column(
        "victim",
        gettext_lazy("Victim"),
        _act(lambda a, c: _person_named(a.victim, c)),
    ),
    Column(
        "victim_gender",
        gettext_lazy("Victim's gender"),
        _act(lambda a, c: a.victim.get_gender_display() or None),
    ),
    Column(
        "victim_status",
        gettext_lazy("Victim's status at the end"),
        _act(lambda a, c: a.get_victim_status_display()),
    ),
    Column("perpetrators", gettext_lazy("Perpetrators"), _act(_perpetrators)),
    Column(
        "consequences",
        gettext_lazy("Consequences"),
        _act(lambda a, c: a.consequences or None),
        only=IDENTIFYING,
    ),
    Column("team", gettext_lazy("Team"), lambda r, c: r[0].team.name),
]


# --- sources --------------------------------------------------------------------------------


def _prepare_sources(sources, user):
    links = (
        InformationLink.objects.live()
        .filter(incident__in=Incident.objects.visible_to(user))
        .select_related("incident")
        .order_by("incident__code")
    )
    return sources.annotate(
        export_files=Count("files", filter=Q(files__deleted_at__isnull=True))
    ).prefetch_related(Prefetch("information", queryset=links, to_attr="export_links"))


def _source_victims(sources: list, cells: Cells, user) -> None:
    """The victims of the acts of the incidents each source informs, as
    ``export_people``: a testimony or a report is about them (as an evidence bundle's
    consent check reads it). Only an identifying export asks."""
    victims: dict[int, set[int]] = {}
    if cells.named:
        incidents = {link.incident_id for source in sources for link in source.export_links}
        for incident_id, victim_id in (
            Act.objects.visible_to(user)
            .filter(incident__in=id_list(incidents))  # one source may inform thousands
            .values_list("incident_id", "victim_id")
        ):
            victims.setdefault(incident_id, set()).add(victim_id)
    for source in sources:
        source.export_people = {
            person for link in source.export_links for person in victims.get(link.incident_id, ())
        }


SOURCE_COLUMNS = [
    Column("code", gettext_lazy("Code"), lambda s, c: s.code),
    Column("title", gettext_lazy("Title"), lambda s, c: s.title, only=IDENTIFYING),
    Column("kind", gettext_lazy("Kind"), lambda s, c: s.get_kind_display()),
    Column(
        "author",
        gettext_lazy("Author or publisher"),
        lambda s, c: s.author or None,
        only=IDENTIFYING,
    ),
    Column("url", gettext_lazy("Address (URL)"), lambda s, c: s.url or None, only=IDENTIFYING),
    Column("language", gettext_lazy("Language"), lambda s, c: s.language or None),
    Column("published", gettext_lazy("Published"), lambda s, c: _label(s.published)),
    Column("reliability", gettext_lazy("Reliability"), lambda s, c: s.reliability),
    Column(
        "incidents",
        gettext_lazy("Incidents"),
        lambda s, c: _joined(dict.fromkeys(link.incident.code for link in s.export_links)),
    ),
    Column("files", gettext_lazy("Evidence files"), lambda s, c: s.export_files),
    Column("notes", gettext_lazy("Notes"), lambda s, c: s.notes or None, only=IDENTIFYING),
    Column("team", gettext_lazy("Team"), lambda s, c: s.team.name),
    Column("added", gettext_lazy("Added"), lambda s, c: _local_date(s.created_at)),
]


# --- statistics -----------------------------------------------------------------------------


def _statistics_rows(user, team=None) -> list[tuple]:
    """The statistics page's two tables as one: acts per month and type (every type,
    not only the commonest the chart draws), the acts too vaguely dated for a month,
    and acts per region. Counts only, in either variant."""
    acts = Act.objects.visible_to(user)
    if team is not None:
        acts = acts.filter(team=team)
    counts = stats.count_acts(acts)
    per_month = _("Acts per month, by type")
    rows: list[tuple] = []
    for month in sorted(counts.per_month):
        for label, n in sorted(counts.per_month[month].items()):
            rows.append((per_month, f"{month:%Y-%m}", label, None, n))
    if counts.vague:
        rows.append((per_month, _("less precise than a month"), None, None, counts.vague))
    per_region = _("Acts per region")
    for label, n in sorted(counts.per_region.items(), key=lambda item: (-item[1], item[0])):
        rows.append((per_region, None, None, label, n))
    return rows


STATISTICS_COLUMNS = [
    Column("table", gettext_lazy("Table"), lambda r, c: r[0]),
    Column("month", gettext_lazy("Month"), lambda r, c: r[1]),
    Column("act_type", gettext_lazy("Type of act"), lambda r, c: r[2]),
    Column("region", gettext_lazy("Region"), lambda r, c: r[3]),
    Column("acts", gettext_lazy("Acts"), lambda r, c: r[4]),
]


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in [
        Kind(
            name="people",
            label=gettext_lazy("People"),
            list_url="people:list",
            columns=PERSON_COLUMNS,
            listing=person_listing,
            people=lambda person: {person.pk},
            drops_refused=True,
        ),
        Kind(
            name="cases",
            label=gettext_lazy("Cases"),
            list_url="cases:list",
            columns=CASE_COLUMNS,
            listing=case_listing,
            prepare=_prepare_cases,
            people=lambda case: {link.person_id for link in case.export_persons},
        ),
        Kind(
            name="requests",
            label=gettext_lazy("Requests waiting for a case"),
            list_url="cases:requests",
            columns=REQUEST_COLUMNS,
            listing=request_listing,
            prepare=lambda requests, user: requests.select_related(
                "team", "assignee", "channel", "requester"
            ),
            people=lambda request: {request.requester_id} if request.requester_id else set(),
        ),
        Kind(
            name="incidents",
            label=gettext_lazy("Incidents with their acts"),
            list_url="incidents:list",
            columns=INCIDENT_COLUMNS,
            listing=incident_listing,
            prepare=_prepare_incidents,
            chunk=_incident_regions,
            rows=_incident_rows,
            people=_incident_people,
            read=_incident_read,
            count=_count_incident_rows,
        ),
        Kind(
            name="sources",
            label=gettext_lazy("Sources"),
            list_url="sources:list",
            columns=SOURCE_COLUMNS,
            listing=source_listing,
            prepare=_prepare_sources,
            chunk=_source_victims,
            people=lambda source: source.export_people,
        ),
        Kind(
            name="statistics",
            label=gettext_lazy("Statistics"),
            list_url="incidents:statistics",
            columns=STATISTICS_COLUMNS,
            table=_statistics_rows,
            read=lambda row: [],
        ),
    ]
}
