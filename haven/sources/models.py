"""Sources of information: testimonies, media reports, official papers, posts, NGO reports."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.keys.fields import EncryptedTextField
from haven.lib.codes import new_code
from haven.lib.fuzzy_dates import PRECISIONS
from haven.lib.fuzzy_fields import get_fuzzy
from haven.lib.names import NAME_INDEX
from haven.lib.stemming import WORD_INDEX
from haven.records.access import getter_for
from haven.records.models import SensitiveRecord


def new_source_code() -> str:
    return new_code("S")


class Reliability(models.TextChoices):
    """Admiralty scale, the source: A completely reliable … F cannot be judged."""

    A = "A", _("A — completely reliable")
    B = "B", _("B — usually reliable")
    C = "C", _("C — fairly reliable")
    D = "D", _("D — not usually reliable")
    E = "E", _("E — unreliable")
    F = "F", _("F — reliability cannot be judged")


class Credibility(models.TextChoices):
    """Admiralty scale, the information: 1 confirmed … 6 truth cannot be judged."""

    CONFIRMED = "1", _("1 — confirmed by other sources")
    PROBABLE = "2", _("2 — probably true")
    POSSIBLE = "3", _("3 — possibly true")
    DOUBTFUL = "4", _("4 — doubtful")
    IMPROBABLE = "5", _("5 — improbable")
    UNKNOWN = "6", _("6 — truth cannot be judged")


class Source(SensitiveRecord):
    class Kind(models.TextChoices):
        TESTIMONY = "testimony", _("Testimony")
        MEDIA = "media", _("Media report")
        OFFICIAL = "official", _("Official document")
        SOCIAL = "social", _("Social-media post")
        NGO = "ngo", _("NGO report")

    code = models.CharField(_("code"), max_length=12, unique=True, default=new_source_code)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = EncryptedTextField(_("title"), max_length=300, blank=False)
    author = EncryptedTextField(_("author or publisher"), max_length=300)
    url = EncryptedTextField(_("address (URL)"), max_length=2000)
    language = models.CharField(_("language"), max_length=8, blank=True)
    published_earliest = models.DateField(_("published"), null=True, blank=True)
    published_latest = models.DateField(null=True, blank=True)
    published_precision = models.CharField(max_length=8, choices=PRECISIONS, blank=True)
    published_estimated = models.BooleanField(default=False)
    reliability = models.CharField(
        _("reliability of the source"), max_length=1, choices=Reliability.choices, default="F"
    )
    text = EncryptedTextField(_("text"))  # a testimony, or the captured article
    notes = EncryptedTextField(_("notes"))

    blind_indexes = {"title": NAME_INDEX, "text": WORD_INDEX, "notes": WORD_INDEX}

    class Meta:
        ordering = ["-created_at"]
        # The API's cursor pages, newest first: without it each page sorts every row.
        indexes = [models.Index(fields=["created_at", "id"], name="sources_source_newest")]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.code

    @property
    def published(self):
        return get_fuzzy(self, "published")


get_source_for_user = getter_for(Source)


class EvidenceFile(SensitiveRecord):
    """An original file, stored encrypted and never modified.

    Its name, its per-file key and its SHA-256 are encrypted too: the hash of a
    known photo would otherwise tell whoever holds the database that we have it.
    """

    class Role(models.TextChoices):
        ORIGINAL = "original", _("Original file")
        CAPTURED_PAGE = "captured_page", _("Captured web page")

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="files")
    name = EncryptedTextField(_("file name"), max_length=255, blank=False)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.BigIntegerField(_("size in bytes"))
    sha256 = EncryptedTextField(_("SHA-256"), max_length=64, blank=False)
    file_key = EncryptedTextField(max_length=64, blank=False)
    role = models.CharField(_("role"), max_length=14, choices=Role.choices, default=Role.ORIGINAL)
    # Nobody, for a file a person sent through the public request page.
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return f"file {self.uuid}"

    @property
    def key(self) -> bytes:
        return bytes.fromhex(self.file_key)
