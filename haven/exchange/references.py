"""What an exchange file names outside the team's own records, and how the receiving
instance finds it again.

- a vocabulary term by ``vocabulary:code`` (codes never change once a term exists),
  with its labels so that a missing term can be created;
- a place by its names, its kind and the chain of places it lies in (Russia › North
  Caucasus › Chechen Republic › Grozny): ids differ between instances, names do not;
- a user by e-mail; one the receiving instance does not have stands for the importing
  user, and the import says so.

Terms and places created by an import go through the vocabulary's and the gazetteer's
own verbs, so each creation is audited like one made by hand.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from haven.accounts.models import User
from haven.locations.actions import save_place
from haven.locations.models import Location
from haven.vocab.actions import add_term, retire_term
from haven.vocab.models import Term, Vocabulary

# ---- terms -------------------------------------------------------------------------------


def term_key(term: Term) -> str:
    return f"{term.vocabulary}:{term.code}"


def term_entry(term: Term) -> dict:
    """What it takes to create the term where it is missing."""
    return {
        "label_en": term.label_en,
        "label_ru": term.label_ru,
        "position": term.position,
        "retired": term.retired,
    }


def split_term_key(key) -> tuple[str, str] | None:
    if not isinstance(key, str) or key.count(":") != 1:
        return None
    vocabulary, code = key.split(":")
    return (vocabulary, code) if vocabulary and code else None


class Terms:
    """Terms of the receiving instance by key; missing ones created on request."""

    def __init__(self, entries: dict | None = None):
        self.entries = entries or {}
        self.found: dict[str, Term] = {}
        self.created: list[str] = []

    def problems(self, keys) -> list[str]:
        """Why some of ``keys`` cannot be used: a malformed key, an unknown vocabulary,
        or a term that is neither here nor described well enough to create."""
        problems = []
        for key in sorted(set(keys)):
            parts = split_term_key(key)
            if parts is None or parts[0] not in Vocabulary.values:
                problems.append(_("%(key)s is not a term of a known vocabulary.") % {"key": key})
            elif self.get(key) is None and not _describes_term(self.entries.get(key)):
                problems.append(
                    _(
                        "The term %(key)s is not in this instance and the file does not say "
                        "how it is labelled."
                    )
                    % {"key": key}
                )
        return problems

    def missing(self, keys) -> list[str]:
        return sorted(key for key in set(keys) if self.get(key) is None)

    def get(self, key: str) -> Term | None:
        if key not in self.found:
            parts = split_term_key(key)
            term = None
            if parts is not None:
                term = Term.objects.filter(vocabulary=parts[0], code=parts[1]).first()
            if term is None:
                return None
            self.found[key] = term
        return self.found[key]

    def get_or_create(self, key: str) -> Term:
        term = self.get(key)
        if term is not None:
            return term
        vocabulary, code = split_term_key(key)
        entry = self.entries.get(key) or {}
        term = add_term(
            vocabulary,
            code=code,
            label_en=entry.get("label_en") or code,
            label_ru=entry.get("label_ru") or entry.get("label_en") or code,
            position=entry.get("position", 100),
        )
        if entry.get("retired"):
            retire_term(term, retired=True)
        self.found[key] = term
        self.created.append(key)
        return term


def _describes_term(entry) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("label_en"), str)


# ---- places ------------------------------------------------------------------------------


def place_entry(place: Location) -> dict:
    """One place without its parent: names, kind and coordinates."""
    return {
        "name_en": place.name_en,
        "name_ru": place.name_ru,
        "kind": place.kind,
        "latitude": str(place.latitude) if place.latitude is not None else None,
        "longitude": str(place.longitude) if place.longitude is not None else None,
    }


def place_chain(place: Location) -> list[dict]:
    """The place and every place it lies in, the outermost first."""
    return [place_entry(each) for each in [*place.ancestors(), place]]


def place_problems(chain) -> list[str]:
    """Why ``chain`` (outermost first) does not describe a place."""
    if not isinstance(chain, list) or not chain:
        return [_("A place is given without its names.")]
    problems = []
    for entry in chain:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("name_en"), str)
            or not entry["name_en"].strip()
            or entry.get("kind") not in Location.Kind.values
        ):
            problems.append(
                _("A place needs an English name and one of the kinds %(kinds)s.")
                % {"kinds": ", ".join(Location.Kind.values)}
            )
            continue
        for name in ("latitude", "longitude"):
            if entry.get(name) is not None and _decimal(entry[name]) is None:
                problems.append(
                    _("%(place)s: %(name)s is not a number.")
                    % {"place": entry["name_en"], "name": name}
                )
    return problems


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


class Places:
    """Finds each place of a chain in the gazetteer, by its kind and its English or
    Russian name inside the place found before it, and creates what is missing."""

    def __init__(self):
        self.created: list[str] = []
        self._cache: dict[tuple, Location] = {}

    def find_or_create(self, chain: list[dict]) -> Location:
        parent = None
        for entry in chain:
            parent = self._one(entry, parent)
        return parent

    def _one(self, entry: dict, parent: Location | None) -> Location:
        name_en = entry["name_en"].strip()
        name_ru = (entry.get("name_ru") or "").strip()
        key = (parent.pk if parent else None, entry["kind"], name_en, name_ru)
        if key in self._cache:
            return self._cache[key]
        names = Q(name_en__iexact=name_en)
        if name_ru:
            names |= Q(name_ru__iexact=name_ru)
        place = (
            Location.objects.filter(names, parent=parent, kind=entry["kind"]).order_by("pk").first()
        )
        if place is None:
            try:
                place = save_place(
                    Location(),
                    parent=parent,
                    kind=entry["kind"],
                    name_en=name_en,
                    name_ru=name_ru or name_en,
                    latitude=_decimal(entry.get("latitude")),
                    longitude=_decimal(entry.get("longitude")),
                )
            except ValidationError as exc:
                raise ValidationError(
                    _("The place %(place)s cannot be added: %(problem)s")
                    % {"place": name_en, "problem": " ".join(exc.messages)}
                ) from None
            self.created.append(" › ".join([*(p.name_en for p in place.ancestors()), name_en]))
        self._cache[key] = place
        return place


# ---- users -------------------------------------------------------------------------------


class Users:
    """Users of the receiving instance by e-mail; an unknown address stands for
    ``fallback`` (the importing user), and is kept in ``missing`` to be reported."""

    def __init__(self, fallback: User):
        self.fallback = fallback
        self.missing: set[str] = set()
        self._found: dict[str, User] = {}

    def get(self, email) -> User | None:
        if email in (None, ""):
            return None
        key = str(email).strip().lower()
        if key not in self._found:
            user = User.objects.filter(email__iexact=key).first()
            if user is None:
                self.missing.add(key)
                user = self.fallback
            self._found[key] = user
        return self._found[key]


def existing(model, name: str, values) -> set[str]:
    """Which of ``values`` a record of ``model`` already has in field ``name`` (removed
    records too), as text; asked 500 at a time, as a file may name more than one
    statement takes parameters (SQLite 32,766, PostgreSQL 65,535)."""
    values = list(values)
    found: set[str] = set()
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        rows = model._base_manager.filter(**{f"{name}__in": chunk}).values_list(name, flat=True)
        found |= set(map(str, rows))
    return found
