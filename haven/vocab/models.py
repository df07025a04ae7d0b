"""Controlled vocabularies: stable codes with English and Russian labels.

Records refer to terms with ``on_delete=PROTECT``: a term in use cannot be
deleted, only retired (hidden from new choices, still shown where used).
"""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Vocabulary(models.TextChoices):
    CHANNEL = "channel", _("Request channels")
    THREAT_SOURCE = "threat_source", _("Threat sources")
    THREAT_TYPE = "threat_type", _("Threat types")
    ACTION_TYPE = "action_type", _("Action types")
    PETITION_TYPE = "petition_type", _("Petition types")
    AUTHORITY = "authority", _("Authorities")
    CONSENT_PURPOSE = "consent_purpose", _("Consent purposes")
    RELATIONSHIP = "relationship", _("Relationships")
    ACT_TYPE = "act_type", _("Types of act")


class TermQuerySet(models.QuerySet):
    def of(self, vocabulary: str) -> TermQuerySet:
        return self.filter(vocabulary=vocabulary)

    def current(self) -> TermQuerySet:
        return self.filter(retired=False)


class Term(models.Model):
    vocabulary = models.CharField(_("vocabulary"), max_length=30, choices=Vocabulary.choices)
    code = models.SlugField(_("code"), max_length=60)
    label_en = models.CharField(_("English label"), max_length=200)
    label_ru = models.CharField(_("Russian label"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    retired = models.BooleanField(_("retired"), default=False)

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["vocabulary", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["vocabulary", "code"], name="term_unique_code")
        ]
        verbose_name = _("term")
        verbose_name_plural = _("terms")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_ru if translation.get_language() == "ru" else self.label_en


def term(vocabulary: str, code: str) -> Term:
    """The term with ``code``; raises Term.DoesNotExist with the vocabulary named."""
    try:
        return Term.objects.get(vocabulary=vocabulary, code=code)
    except Term.DoesNotExist:
        raise Term.DoesNotExist(f"no term {code!r} in vocabulary {vocabulary!r}") from None
