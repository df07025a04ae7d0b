import contextlib

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import writable_teams
from haven.lib.fuzzy_dates import FuzzyDate
from haven.lib.fuzzy_fields import FuzzyDateField
from haven.lib.normalize import contact_terms
from haven.lib.partial_dates import PartialDate
from haven.people.models import Person
from haven.people.selectors import PERSON_COLUMNS, PERSON_ORDER, person_match
from haven.vocab.models import Term, Vocabulary
from haven.web.forms import TeamField
from haven.web.lists import FIND_LABEL, ListFilters, Listing, Sorting
from haven.web.pickers import PersonPicker


def person_label(person) -> str:
    """How a person is named in a choice list: code and name."""
    return f"{person.code} {person.name}"


class PersonChoiceField(forms.ModelChoiceField):
    """A choice of person, shown by code and name (the queryset is set by the form)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Person.objects.none())
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return person_label(obj)


class PersonMultipleChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Person.objects.none())
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return person_label(obj)


class BirthDateField(FuzzyDateField):
    """A year, a month or a day, possibly estimated ("1996", "May 1996", "~1996"), read
    by the parser of every vague date into a ``PartialDate``; ``None`` when left empty.

    Seasons, ranges and "before"/"after" are refused with the ``invalid`` message,
    which gives examples that fit the field."""

    def clean(self, value):
        text = forms.CharField.clean(self, value)
        if not text:
            return None
        try:
            return PartialDate.from_fuzzy(FuzzyDate.parse(text))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        return value.label() if isinstance(value, PartialDate) else value


# Characters a list of name forms, nicknames or contacts may hold (a few hundred lines):
# every name is indexed word by word, and a megabyte of short names took a request 13 s.
LONGEST_LIST = 10_000


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=Person.Kind.choices)
    other_names = forms.CharField(
        label=_("Other name forms"),
        required=False,
        max_length=LONGEST_LIST,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: Cyrillic, Latin spellings, nicknames."),
    )
    birth_date = BirthDateField(
        label=_("Birth date"),
        required=False,
        help_text=_("A year, a month or a day: 1996, May 1996, 17.05.1996; ~1996 if estimated."),
        error_messages={
            "invalid": _(
                "Enter a year (1996), a month (May 1996) or a day (17.05.1996), with ~ for "
                "an estimate (~1996)."
            )
        },
    )
    contacts = forms.CharField(
        label=_("Contacts"),
        required=False,
        max_length=LONGEST_LIST,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: phone numbers, e-mail addresses, Telegram or Signal handles."),
    )
    nicknames = forms.CharField(
        label=_("Nicknames"),
        required=False,
        max_length=LONGEST_LIST,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    gender = forms.ChoiceField(
        label=_("Gender"), required=False, choices=[("", "—"), *Person.Gender.choices]
    )
    nationality = forms.CharField(label=_("Nationality"), required=False, max_length=100)
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=300,
        help_text=_("Separated by commas: Chechen, Russian."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean_other_names(self):
        return _lines(self.cleaned_data["other_names"])

    def clean_nicknames(self):
        return _lines(self.cleaned_data["nicknames"])

    def clean_languages(self):
        return [part.strip() for part in self.cleaned_data["languages"].split(",") if part.strip()]

    def clean_contacts(self):
        contacts = []
        for line in _lines(self.cleaned_data["contacts"]):
            terms = contact_terms(line)
            kind = terms[0].split(":", 1)[0] if terms else "handle"
            contacts.append({"kind": kind, "value": line})
        return contacts

    @classmethod
    def initial_from(cls, person: Person) -> dict:
        return {
            "name": person.name,
            "kind": person.kind,
            "other_names": "\n".join(person.other_names or []),
            "nicknames": "\n".join(person.nicknames or []),
            "gender": person.gender or "",
            "nationality": person.nationality or "",
            "languages": ", ".join(person.languages or []),
            "birth_date": person.birth_date.label() if person.birth_date else "",
            "contacts": "\n".join(contact["value"] for contact in person.contacts or []),
            "notes": person.notes or "",
        }


class FindForm(ListFilters):
    q = forms.CharField(
        label=FIND_LABEL,
        max_length=200,
        required=False,
        help_text=_("A code, a name in either script, a phone number, an e-mail or a handle."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def apply(self, people):
        """``people`` that the query finds (see ``haven.web.lists.text_match``); all of
        them when there is no query."""
        if not self.query:
            return people
        return people.filter(person_match(self.user, self.query))


def person_listing(user, data=None, *, posted: bool = False) -> Listing:
    """The people list, for its page and its export: the people ``user`` may see, found
    and sorted as ``data`` (the list's GET or POSTed lookup) asks."""
    find = FindForm(data or None, user=user)
    # Pseudonyms by default: the list names nobody; a lookup's results show the name
    # (the one who typed it must tell the matches apart), as the search page does.
    columns = [c for c in PERSON_COLUMNS if find.query or c.key != "name"]
    sorting = Sorting(columns, PERSON_ORDER, data, posted)
    people = Person.objects.visible_to(user).select_related("team")
    return Listing(find, sorting, sorting.apply(find.apply(people)))


class MoveForm(forms.Form):
    place = forms.CharField(label=_("Where"), max_length=300)
    since = FuzzyDateField(label=_("Since"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        # The person page also holds the relationship form, which has a note too.
        kwargs.setdefault("auto_id", "id_move_%s")
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_from(cls, move: dict) -> dict:
        since = move.get("since") or ""
        with contextlib.suppress(ValueError):  # else shown as stored, to be corrected
            since = FuzzyDate.parse(since).label() if since else ""
        return {"place": move.get("place", ""), "since": since, "note": move.get("note", "")}


class RelationshipForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("Relationship"), queryset=Term.objects.none())
    other = PersonPicker(label=_("Other person"), create=True)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, person, user, relationship=None, **kwargs):
        """``relationship``: the one being corrected; its kind stays a choice even if the
        term has been retired since."""
        kwargs.setdefault("auto_id", "id_relationship_%s")
        if relationship is not None:
            kwargs.setdefault(
                "initial",
                {
                    "kind": relationship.kind_id,
                    "other": relationship.other_id,
                    "note": relationship.note or "",
                },
            )
        super().__init__(*args, **kwargs)
        kinds = Term.objects.of(Vocabulary.RELATIONSHIP).current()
        if relationship is not None:
            kinds = kinds | Term.objects.filter(pk=relationship.kind_id)
        self.fields["kind"].queryset = kinds
        self.fields["other"].queryset = (
            Person.objects.visible_to(user).filter(team_id=person.team_id).exclude(pk=person.pk)
        )


class NewPersonForm(PersonForm):
    team = TeamField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].offer(writable_teams(user))


class SealForm(forms.Form):
    """Seal a person (name forms and contacts for the members chosen only) or unseal them."""

    sealed = forms.BooleanField(
        label=_("Sealed"),
        required=False,
        help_text=_(
            "Only the members ticked below see the name, other name forms, nicknames "
            "and contacts; everyone else sees the code, on every page, export and API "
            "answer. Every view of the person's page is on the audit log."
        ),
    )
    members = forms.MultipleChoiceField(
        label=_("Named members"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("You stay named yourself."),
    )

    def __init__(self, *args, person: Person, user, **kwargs):
        from haven.accounts.models import Membership

        super().__init__(*args, **kwargs)
        memberships = (
            Membership.objects.filter(
                team_id=person.team_id,
                access__in=Membership.RECORD_ACCESS,
                user__is_active=True,
            )
            .select_related("user")
            .order_by("user__email")
        )
        self.users = {str(m.user.pk): m.user for m in memberships}
        self.fields["members"].choices = [
            (pk, user.display_name) for pk, user in self.users.items()
        ]
        if not self.is_bound:
            self.initial = {
                "sealed": person.sealed,
                "members": [str(pk) for pk in person.sealed_for or [user.pk]],
            }

    def clean_members(self):
        return [self.users[pk] for pk in self.cleaned_data["members"]]
