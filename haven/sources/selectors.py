"""What the sources pages show, read through the policy layer's querysets."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.audit.models import AuditEntry
from haven.sources.models import EvidenceFile, Reliability, Source
from haven.web.lists import Column, ranked

# The source list's columns. The title is encrypted: it does not sort (haven.web.lists).
SOURCE_COLUMNS = [
    Column("code", _("Code"), ["code"]),
    Column("title", _("Title"), encrypted=True),
    Column("kind", _("Kind"), ["kind"]),
    Column("published", _("Published"), ["published_earliest", "published_latest"]),
    # Best first: A (completely reliable) to F (cannot be judged).
    Column("reliability", _("Reliability"), [ranked("reliability", Reliability.values)]),
    Column("added", _("Added"), ["created_at"]),
]
SOURCE_ORDER = "-added"

CUSTODY_SHOWN = 200

# What each custody entry's action code means to the reader; a code missing here is
# shown as it is, so a new kind of entry is never hidden.
CUSTODY_ACTIONS = {
    "evidence.uploaded": _("uploaded"),
    "evidence.viewed": _("viewed"),
    "evidence.downloaded": _("downloaded"),
    "evidence.exported": _("exported in a bundle"),
    "evidence.damaged": _("found damaged; not sent"),
    # Written by the policy layer when the file itself is fetched (to download it).
    "sources.evidencefile.viewed": _("opened"),
    "sources.evidencefile.created": _("created"),
    "sources.evidencefile.updated": _("updated"),
    "sources.evidencefile.deleted": _("deleted"),
    "sources.evidencefile.restored": _("restored an earlier version"),
    "sources.evidencefile.moved": _("moved to another team"),
}


def custody_action_label(code: str) -> str:
    return str(CUSTODY_ACTIONS.get(code, code))


def live_files(source: Source) -> list[EvidenceFile]:
    return list(source.files.live().select_related("uploaded_by"))


def custody_of(files: list[EvidenceFile]) -> list[tuple[AuditEntry, str, str]]:
    """The newest custody entries of ``files``, each with what was done and the file's name.

    A file's custody is every entry written about it (uploaded, viewed, downloaded,
    exported); a bundle's own entry lists its files too, but each file also has its
    custody entry, so reading by the file's id finds them all.
    """
    names = {str(evidence.uuid): evidence.name for evidence in files}
    entries = AuditEntry.objects.filter(
        object_type="sources.evidencefile", object_id__in=list(names)
    ).order_by("-seq")[:CUSTODY_SHOWN]
    return [
        (entry, custody_action_label(entry.action), names.get(entry.object_id, ""))
        for entry in entries
    ]


def person_sources(user, person) -> list[tuple[Source, list]]:
    """The sources on the incidents in which ``person`` is a victim or a perpetrator,
    each with those incidents: ``(source, [incident, ...])``, newest source first.

    Every step reads through ``visible_to``: a link, an act or a source of another
    team never shows, nor do removed ones.
    """
    from haven.incidents.models import Act, InformationLink, Involvement

    acts = Act.objects.visible_to(user)
    as_perpetrator = Involvement.objects.visible_to(user).filter(perpetrator=person)
    incidents = acts.filter(
        models.Q(victim=person) | models.Q(pk__in=as_perpetrator.values("act"))
    ).values("incident")
    links = (
        InformationLink.objects.visible_to(user)
        .filter(incident__in=incidents, incident__deleted_at__isnull=True)
        .filter(source__in=Source.objects.visible_to(user))
        .select_related("source", "incident")
        .order_by("-source__created_at", "incident__code")
    )
    found: dict[int, tuple[Source, list]] = {}
    for link in links:
        source, on = found.setdefault(link.source_id, (link.source, []))
        if link.incident not in on:
            on.append(link.incident)
    return list(found.values())
