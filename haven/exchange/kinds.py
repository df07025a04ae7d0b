"""The kinds of record a team archive holds, the order they are restored in, and how
each field of theirs is written.

Every concrete ``SensitiveRecord`` model is a kind, found through the app registry, so
a kind added later travels in archives without a change here. What each foreign key
names decides how it is written: another record by its uuid, a vocabulary term by
``vocabulary:code``, a place by its gazetteer path, a user by e-mail. A key to
anything else has no name that means the same in another instance; ``kinds()`` refuses
it loudly rather than writing an id.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from haven.locations.models import Location
from haven.records.history import content_fields
from haven.records.models import SensitiveRecord
from haven.vocab.models import Term

# Kinds left out, and why: the archive says so in its header.
LEFT_OUT = {
    "sources.evidencefile": (
        "evidence files (and their metadata) travel in backups and in evidence bundles, "
        "with their custody record"
    ),
    "imports.importjob": (
        "imports of spreadsheets: the uploaded file stays encrypted in the instance that "
        "received it; the records an import made travel as records"
    ),
    "drafts.draft": (
        "petition drafts: each DOCX stays encrypted in the instance that made it, and can be "
        "drafted again from the case where the archive arrives"
    ),
    "intake.submission": (
        "what the public request page adds to a request (the receipt's hash, which opens "
        "nothing on another instance, where the person is and how to reach them): the "
        "request and its messages travel"
    ),
    "imports.savedmapping": (
        "saved import mappings: each can be downloaded as JSON from its import's page"
    ),
    "retention.legalhold": (
        "legal holds: a hold binds the organisation that set it; set it again where the "
        "archive arrives if the records must be kept there too"
    ),
}
# What else a team holds that an archive does not carry.
NOT_CARRIED = {
    "history": "earlier versions of each record (the importing instance starts a new history)",
    "audit": "the audit log (it belongs to the instance that wrote it)",
    "notifications": "reminders and notifications of the team's users",
}
# A merge lists the references it moved by the rows they live in, and some of those
# rows (a person on a case) exist only once the links between records are made, so
# merges are restored after every other kind and every link.
LATE = ("people.merge",)
# Fields a kind keeps that are not content of its own: the team is the importing one.
NOT_WRITTEN = {"team"}
# The kind that can be sealed: its seal is not content (it stays out of the history,
# so out of ``content_fields``), and an archive carries it apart, as ``"sealed": true``
# and the named members' e-mails in ``"sealed_for"``, so that a sealed person never
# arrives unsealed.
SEALED = "people.person"

RECORD, TERM, PLACE, USER = "record", "term", "place", "user"


def role(field: models.Field) -> str:
    """How a foreign key is named in an archive."""
    target = field.related_model
    if target is Term:
        return TERM
    if target is Location:
        return PLACE
    if target is get_user_model():
        return USER
    if issubclass(target, SensitiveRecord) and target._meta.label_lower not in LEFT_OUT:
        return RECORD
    raise ImproperlyConfigured(
        f"{field.model._meta.label}.{field.name} points to {target._meta.label}, which an "
        "archive cannot name; teach haven.exchange.kinds.role how to write it"
    )


@dataclass(frozen=True)
class Link:
    """A many-to-many of a kind, carried as the rows of its through table."""

    name: str
    through: type[models.Model]
    source: models.ForeignKey  # the row's key to the record that holds the link
    target: models.ForeignKey  # the row's key to what it links to
    extras: tuple[models.Field, ...]  # the row's own fields (when, by whom)


@dataclass(frozen=True)
class Kind:
    model: type[SensitiveRecord]
    label: str
    fields: tuple[models.Field, ...]
    links: tuple[Link, ...]

    @property
    def references(self) -> tuple[models.ForeignKey, ...]:
        return tuple(field for field in self.fields if field.many_to_one)

    @property
    def unique(self) -> tuple[models.Field, ...]:
        """Fields that must be unique in the whole instance (a code)."""
        return tuple(field for field in self.fields if field.unique and not field.primary_key)

    def field(self, name: str) -> models.Field | None:
        return next((field for field in self.fields if field.name == name), None)

    def link(self, name: str) -> Link | None:
        return next((link for link in self.links if link.name == name), None)


def _link(field: models.ManyToManyField) -> Link:
    through = field.remote_field.through
    source = through._meta.get_field(field.m2m_field_name())
    target = through._meta.get_field(field.m2m_reverse_field_name())
    extras = tuple(
        each
        for each in through._meta.concrete_fields
        if not each.primary_key and each.name not in (source.name, target.name)
    )
    for each in (target, *extras):
        if each.many_to_one:
            role(each)
    return Link(field.name, through, source, target, extras)


def _kind(model) -> Kind:
    fields = tuple(field for field in content_fields(model) if field.name not in NOT_WRITTEN)
    for field in fields:
        if field.many_to_one:
            role(field)
    links = tuple(_link(field) for field in model._meta.many_to_many)
    return Kind(model, model._meta.label_lower, fields, links)


@cache
def kinds() -> tuple[Kind, ...]:
    """Every kind an archive holds, each after the kinds its foreign keys point to and
    otherwise in the order the apps declare them (people, cases, sources, incidents);
    ``LATE`` kinds last."""
    models_ = [
        model
        for model in apps.get_models()
        if issubclass(model, SensitiveRecord) and model._meta.label_lower not in LEFT_OUT
    ]
    order: list = []

    def visit(model, path=()):
        if model in order:
            return
        if model in path:
            raise ImproperlyConfigured(f"record kinds point to each other in a loop: {path}")
        for field in model._meta.concrete_fields:
            target = field.related_model
            if field.many_to_one and target in models_ and target is not model:
                visit(target, (*path, model))
        order.append(model)

    for model in models_:
        visit(model)
    kinds_ = [_kind(model) for model in order]
    return tuple(
        [kind for kind in kinds_ if kind.label not in LATE]
        + [kind for kind in kinds_ if kind.label in LATE]
    )


def kind_of(label: str) -> Kind | None:
    return next((kind for kind in kinds() if kind.label == label), None)


def kind_for(model) -> Kind | None:
    return next((kind for kind in kinds() if kind.model is model), None)
