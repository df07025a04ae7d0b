"""Type-to-find fields: the choice of a person, case, incident, source, place or authority.

A picker is a text box. One types a name (in either script, with a typo), a record code
(``C-M5WJN3``) or, for a person, a phone number or handle; the server resolves it on
submit, within the field's ``queryset`` (which the form restricts by the policy layer,
as it did for a select list). When the text is ambiguous or matches nothing, the form
comes back with the candidates to choose from (radio buttons or checkboxes) and the other
fields kept, so the field works without JavaScript. With it, ``picker.js`` asks the
``search:pick`` endpoint for suggestions as one types and puts the chosen id in the form.

``PickerField`` and ``MultiplePickerField`` are drop-ins for ``ModelChoiceField`` and
``ModelMultipleChoiceField``: same ``queryset`` attribute, same ``cleaned_data`` (an
instance, or a queryset of them). An id the user may not see gets the same answer as
an id that does not exist.

With ``create=True`` (people only) a name that matches nobody can be kept as a new
person: the cleaned value holds a ``NewPerson`` until ``form_view`` saves the form, which
adds the person (``add_person``, audited) in the same transaction as the form's own action.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from haven.audit.context import current_context

FIND = "_find"  # the text box's name: the field's name and this
NEW = "new:"  # an option's value that stands for a person to add
SUGGESTIONS = 10
# What a text box may hold: several names (a name has at most 300 characters). Each name
# typed is looked up, and a look-up reads all of its text, so the box has a limit.
LONGEST_TEXT = 1000
FEW = 30  # choices a page may list for suggestions to be limited to them
# A name typed where a new person may be added is taken without asking only when it
# matches one person this closely (a typo could otherwise pick the wrong one).
SURE = 0.9
CODE = re.compile(r"^[A-Z]-[A-Z0-9]{6}$")


def _person_label(person) -> str:
    name = person.name  # a sealed person's code, to a member not named
    return person.code if name == person.code else f"{person.code} {name}"


def _titled(record) -> str:
    return f"{record.code} {record.title}"


def _place_label(place) -> str:
    return place.full_name


def _place_names(place) -> list[str]:
    return [place.name_en, place.name_ru]


def _authority_names(term) -> list[str]:
    return [term.label_en, term.label_ru, term.code]


def _all_places():
    from haven.locations.models import Location

    return Location.objects.all()


def _all_authorities():
    from haven.vocab.models import Term, Vocabulary

    return Term.objects.of(Vocabulary.AUTHORITY).current()


@dataclass(frozen=True)
class PickerKind:
    """What can be picked: a team-owned record with a code (found through the search
    engine) or a shared list entry (a place, an authority: found by words of its labels)."""

    code: str
    model_path: str
    label: Callable
    everything: Callable | None = None  # shared lists: every entry one may pick
    names: Callable | None = None  # shared lists: the names an entry is found by

    @property
    def model(self):
        from django.apps import apps

        return apps.get_model(self.model_path)

    @property
    def coded(self) -> bool:
        return self.names is None


KINDS = {
    kind.code: kind
    for kind in [
        PickerKind("person", "people.Person", _person_label),
        PickerKind("case", "cases.Case", _titled),
        PickerKind("incident", "incidents.Incident", _titled),
        PickerKind("source", "sources.Source", _titled),
        PickerKind("place", "locations.Location", _place_label, _all_places, _place_names),
        PickerKind("authority", "vocab.Term", str, _all_authorities, _authority_names),
    ]
}


def record_id(record) -> str:
    """The id a form sends for ``record``: its UUID, or the primary key of a list entry."""
    return str(getattr(record, "uuid", None) or record.pk)


def _acting_user():
    context = current_context()
    return context.current_actor() if context is not None else None


def _audit(kind: str, query_count: int) -> None:
    from haven.audit.actions import record

    record("search.picker", summary=f"{kind}: {query_count} results")


def find(kind: PickerKind, text: str, within, user=None) -> list[tuple[object, float, str]]:
    """``(record, score, how)`` among ``within`` that ``text`` names, best first; ``how`` is
    ``code``, ``contact`` or ``name``. Names go through the search engine (``user``'s
    teams, ``visible_to``), so a user who is not known finds nothing by name."""
    text = " ".join(text.split())
    if len(text) < 2:
        return []
    if not kind.coded:
        return _in_list(kind, text, within)
    if CODE.match(text.upper()):
        return [(record, 1.0, "code") for record in within.filter(code=text.upper())]
    if kind.code == "person" and (sum(c.isdigit() for c in text) >= 5 or "@" in text):
        from haven.records import blind

        # The exact match the People page's find box makes, through the contacts' index.
        found = blind.matching(within, "contacts", text)[:SUGGESTIONS]
        if found:
            return [(record, 1.0, "contact") for record in found]
    if user is None:
        return []
    from haven.search.engine import find as engine_find

    return [
        (record, score, "name")
        for record, score in engine_find(kind.code, text, user, within, SUGGESTIONS)
    ]


def _in_list(kind: PickerKind, text: str, entries) -> list[tuple[object, float, str]]:
    """Entries of a shared list (places, authorities: a few hundred, in clear) with a
    name containing ``text``; only the exact ones when some name is exactly ``text``.
    Compared in Python: SQLite folds the case of ASCII letters only."""
    wanted = text.casefold()
    exact, containing = [], []
    for entry in entries:
        names = [name.casefold() for name in kind.names(entry) if name]
        if wanted in names:
            exact.append((entry, 1.0, "name"))
        elif any(wanted in name for name in names):
            containing.append((entry, 0.8, "name"))
    return (exact or containing)[:SUGGESTIONS]


def choices_for(kind: PickerKind, user, *, team=None, write=False, only=None):
    """What ``user`` may pick of ``kind``: the records they may see (``write``: those they
    may change), of ``team`` only and among the UUIDs ``only`` when given; every entry
    of a shared list. What a form asks for only narrows what the policy allows."""
    if not kind.coded:
        return kind.everything()
    manager = kind.model.objects
    records = manager.writable_by(user) if write else manager.visible_to(user)
    if team:
        records = records.filter(team_id=team)
    if only is not None:
        records = records.filter(uuid__in=only)
    return records


def suggest(kind_code: str, text: str, user, *, team=None, write=False, only=None) -> list[dict]:
    """A picker's suggestions as the endpoint sends them (``id``, ``label``); audited."""
    kind = KINDS[kind_code]
    records = choices_for(kind, user, team=team, write=write, only=only)
    found = find(kind, text, records, user)
    _audit(kind.code, len(found))
    return [{"id": record_id(record), "label": kind.label(record)} for record, *_ in found]


def team_of(queryset) -> int | None:
    """The team a form's choices are restricted to (``.filter(team_id=…)``), if one is:
    suggestions are limited to it and a new person is added to it."""
    if queryset is None:
        return None
    base = queryset.query.base_table

    def walk(node):
        if node.negated or node.connector != "AND":
            return None
        for child in node.children:
            if hasattr(child, "children"):
                found = walk(child)
                if found:
                    return found
            elif (
                isinstance(child, Exact)
                and getattr(getattr(child.lhs, "target", None), "name", None) == "team"
                and getattr(child.lhs, "alias", None) == base
                and isinstance(child.rhs, int)
            ):
                return child.rhs
        return None

    return walk(queryset.query.where)


@dataclass(frozen=True)
class NewPerson:
    """A person to add when the form is saved, named as the user typed."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass
class _Group:
    """Candidates for one typed text that did not resolve to a single record."""

    query: str
    options: list[tuple[str, str]]


@dataclass
class _State:
    chosen: list = field(default_factory=list)
    groups: list[_Group] = field(default_factory=list)


def _parts(value) -> tuple[list[str], str]:
    if isinstance(value, dict):
        return list(value.get("ids") or []), value.get("text") or ""
    if value in (None, ""):
        return [], ""
    values = value if isinstance(value, list | tuple) else [value]
    return [str(getattr(v, "pk", v)) for v in values if v not in (None, "")], ""


class PickerInput(forms.Widget):
    """A text box with the chosen record(s) and, after an unresolved submit, the candidates."""

    template_name = "web/widgets/picker.html"
    picker: PickerField | None = None
    state: _State | None = None

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            ids = data.getlist(name)
        else:
            ids = data.get(name)
            ids = ids if isinstance(ids, list | tuple) else [ids] if ids is not None else []
        ids = [str(getattr(v, "pk", v)).strip() for v in ids]
        return {"ids": [v for v in ids if v], "text": str(data.get(name + FIND) or "")}

    def value_omitted_from_data(self, data, files, name):
        return name not in data and name + FIND not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        picker = self.picker
        state = self.state
        if state is None:  # not cleaned: the initial choice, or ids posted
            ids, _text = _parts(value)
            state = _State(chosen=[r for r in (picker.by_id(i) for i in ids) if r is not None])
        chosen = [picker.option(item) for item in state.chosen]
        team = team_of(picker.queryset) if picker.kind.coded else None
        only = picker.few_choices() if picker.kind.coded and not team else None
        attrs = context["widget"]["attrs"]
        attrs.pop("required", None)  # the server says what is missing; chosen boxes count too
        attrs.update(
            {
                "class": "picker-find",
                "autocomplete": "off",
                "role": "combobox",
                "aria-autocomplete": "list",
                "aria-expanded": "false",
                "aria-controls": f"{attrs.get('id', name)}_list",
                "placeholder": picker.hint(),
            }
        )
        context["picker"] = {
            "kind": picker.kind.code,
            "find_name": name + FIND,
            "multiple": picker.multiple,
            "chosen": chosen,
            "text": "" if picker.multiple or not chosen else chosen[0][1],
            "groups": state.groups,
            "url": reverse("search:pick"),
            "team": team or "",
            "only": " ".join(only) if only is not None else None,
            "write": "1" if picker.write else "",
            "create": picker.create,
        }
        return context


class PickerField(forms.ModelChoiceField):
    """One record chosen by typing; a drop-in for ``ModelChoiceField``.

    ``PickerField(kind, *, queryset=None, create=False, write=False, **field_options)``:
    ``kind`` is one of ``KINDS``; the form sets ``queryset`` (what may be chosen, as the
    policy allows) as before. ``create=True`` (people) offers to add a missing person;
    ``write=True`` limits suggestions to records the user may change.
    """

    widget = PickerInput
    multiple = False
    kind_code: str = ""
    default_error_messages = {
        "unknown": _(
            "Nothing you may choose here matches “%(text)s”: check the spelling or type a code."
        ),
        "unknown_new": _("Nobody matches “%(text)s”: check the spelling, or add a new person."),
        "ambiguous": _("Several match “%(text)s”: choose below."),
        "gone": _("That choice is not available; choose again."),
        "too_long": _("Type at most %(limit)d characters here."),
    }

    def __init__(self, kind=None, *, queryset=None, create=False, write=False, **kwargs):
        self.kind = KINDS[kind or self.kind_code]
        if queryset is None:
            queryset = self.kind.model.objects.none()
        self.create = create and self.kind.code == "person"
        self.write = write
        kwargs.pop("empty_label", None)
        super().__init__(queryset=queryset, **kwargs)
        self.widget.picker = self

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.picker = result
        result.widget.state = None
        return result

    def few_choices(self) -> list[str] | None:
        """The UUIDs of the choices when they are a few that no team names (the persons
        on a case), so that suggestions are only among them; None when there are more."""
        ids = [str(value) for value in self.queryset.values_list("uuid", flat=True)[: FEW + 1]]
        return ids if len(ids) <= FEW else None

    def hint(self) -> str:
        if self.kind.code == "person":
            return _("Type a name in either script, a code or a phone number.")
        if self.kind.coded:
            return _("Type words of the title or a code.")
        return _("Type a name.")

    def label_of(self, item) -> str:
        if isinstance(item, NewPerson):
            return _("New person: %(name)s") % {"name": item.name}
        return self.kind.label(item)

    def option(self, item) -> tuple[str, str]:
        if isinstance(item, NewPerson):
            return NEW + item.name, self.label_of(item)
        return record_id(item), self.label_of(item)

    def by_id(self, raw: str):
        """The record ``raw`` names among the choices; None when unknown or not visible
        (one answer for both). ``raw`` is a UUID or, as a select list sent, a key."""
        raw = str(raw).strip()
        if raw.startswith(NEW):
            name = " ".join(raw[len(NEW) :].split())[:300]
            return NewPerson(name) if self.create and name else None
        if raw.isdigit():
            lookup = {"pk": int(raw)}
        elif self.kind.coded:
            try:
                lookup = {"uuid": uuid.UUID(raw)}
            except ValueError:
                return None
        else:
            return None
        return self.queryset.filter(**lookup).first()

    def _resolve(self, text: str):
        """The record ``text`` names, or the candidates to choose from (a ``_Group``)."""
        found = find(self.kind, text, self.queryset, _acting_user())
        _audit(self.kind.code, len(found))
        if len(found) == 1:
            record, score, how = found[0]
            if how != "name" or not self.create or score >= SURE:
                return record
        options = [self.option(record) for record, *_ in found]
        if self.create:
            options.append((NEW + text, _("Add a new person named “%(name)s”") % {"name": text}))
        return _Group(text, options)

    def clean(self, value):
        ids, text = _parts(value)
        text = " ".join(text.split())
        if len(text) > LONGEST_TEXT:
            raise ValidationError(
                self.error_messages["too_long"], code="too_long", params={"limit": LONGEST_TEXT}
            )
        state = _State()
        self.widget.state = state
        for raw in ids:
            item = self.by_id(raw)
            if item is None:
                raise ValidationError(self.error_messages["gone"], code="gone")
            if item not in state.chosen:
                state.chosen.append(item)
        if self.multiple:
            queries = [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]
        elif text and text not in self._shown(state.chosen):
            state.chosen, queries = [], [text]  # typed over the earlier choice
        else:
            queries = []
        for query in queries:
            result = self._resolve(query)
            if isinstance(result, _Group):
                state.groups.append(result)
            elif result not in state.chosen:
                state.chosen.append(result)
        if state.groups:
            group = state.groups[0]
            known = [value for value, _label in group.options if not value.startswith(NEW)]
            code = "ambiguous" if known else "unknown_new" if self.create else "unknown"
            raise ValidationError(
                self.error_messages[code], code=code, params={"text": group.query}
            )
        if not state.chosen:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return self._empty()
        if not self.multiple and len(state.chosen) > 1:
            raise ValidationError(self.error_messages["gone"], code="gone")
        return self._value(state.chosen)

    def _shown(self, chosen) -> list[str]:
        """What the text box holds when it still shows the choice (not typed over)."""
        return [self.label_of(item) for item in chosen] + [
            item.name for item in chosen if isinstance(item, NewPerson)
        ]

    def _empty(self):
        return None

    def _value(self, chosen):
        return chosen[0]

    def has_changed(self, initial, data):
        return bool(_parts(data)[0] != _parts(initial)[0] or _parts(data)[1])


class MultiplePickerField(PickerField):
    """Several records chosen by typing; a drop-in for ``ModelMultipleChoiceField``.

    The cleaned value is a queryset of the chosen records, or a list when it holds a
    ``NewPerson`` (``form_view`` turns those into people before saving). Several names
    may be typed at once, separated by ``;`` or new lines.
    """

    multiple = True

    def _empty(self):
        return self.queryset.none()

    def _value(self, chosen):
        if any(isinstance(item, NewPerson) for item in chosen):
            return list(chosen)
        return self.queryset.filter(pk__in=[item.pk for item in chosen])


class PersonPicker(PickerField):
    kind_code = "person"


class PersonsPicker(MultiplePickerField):
    kind_code = "person"


class CasePicker(PickerField):
    kind_code = "case"


class IncidentPicker(PickerField):
    kind_code = "incident"


class SourcePicker(PickerField):
    kind_code = "source"


class PlacePicker(PickerField):
    kind_code = "place"


class AuthorityPicker(PickerField):
    kind_code = "authority"


def add_new_people(form, *, by) -> None:
    """Add the people ``form``'s pickers were told to add, and put them in its
    ``cleaned_data``: in the form's team (its ``team`` field, else the team its choices
    are limited to, else the user's only team). Call inside the save's transaction."""
    for name, picker in form.fields.items():
        if not isinstance(picker, PickerField) or not picker.create:
            continue
        value = form.cleaned_data.get(name)
        items = list(value) if picker.multiple and isinstance(value, list) else [value]
        if not any(isinstance(item, NewPerson) for item in items):
            continue
        team = form.cleaned_data.get("team") or _team_for_new(picker, by, name)
        from haven.people.actions import add_person

        made = [
            add_person(team=team, by=by, name=item.name) if isinstance(item, NewPerson) else item
            for item in items
        ]
        form.cleaned_data[name] = made if picker.multiple else made[0]


def _team_for_new(picker: PickerField, by, name: str):
    from haven.accounts.models import Team, writable_teams

    fixed = team_of(picker.queryset)
    if fixed:
        return Team.objects.get(pk=fixed)
    teams = list(writable_teams(by)[:2])
    if len(teams) == 1:
        return teams[0]
    raise ValidationError({name: _("Choose the team first: the new person is added to it.")})
