"""What the sources pages show, read through the policy layer's querysets."""

from __future__ import annotations

from haven.audit.models import AuditEntry
from haven.sources.models import EvidenceFile, Source

CUSTODY_SHOWN = 200


def live_files(source: Source) -> list[EvidenceFile]:
    return list(source.files.live().select_related("uploaded_by"))


def custody_of(files: list[EvidenceFile]) -> list[tuple[AuditEntry, str]]:
    """The newest custody entries of ``files``, each with the name of its file.

    A file's custody is every entry written about it (uploaded, viewed, downloaded,
    exported); a bundle's own entry lists its files too, but each file also has its
    custody entry, so reading by the file's id finds them all.
    """
    names = {str(evidence.uuid): evidence.name for evidence in files}
    entries = AuditEntry.objects.filter(
        object_type="sources.evidencefile", object_id__in=list(names)
    ).order_by("-seq")[:CUSTODY_SHOWN]
    return [(entry, names.get(entry.object_id, "")) for entry in entries]
