from django import forms
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import writable_teams
from haven.lib.normalize import contact_terms
from haven.lib.partial_dates import PartialDate
from haven.people.models import Person
from haven.records.models import member_teams
from haven.vocab.models import Term, Vocabulary
from haven.web.forms import TeamField
from haven.web.lists import FIND_LABEL, ListFilters, text_match


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


class PartialDateField(forms.CharField):
    """A year, a month or a day (``PartialDate``); ``None`` when left empty.

    The ``invalid`` message gives examples that fit the field.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            return PartialDate.parse(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        return str(value) if isinstance(value, PartialDate) else value


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=Person.Kind.choices)
    other_names = forms.CharField(
        label=_("Other name forms"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: Cyrillic, Latin spellings, nicknames."),
    )
    birth_date = PartialDateField(
        label=_("Birth date"),
        required=False,
        help_text=_("A year, a year and month, or a full date: 1998, 1998-05, 1998-05-17."),
        error_messages={
            "invalid": _("Enter a year (1998), a month (1998-05) or a full date (1998-05-17).")
        },
    )
    contacts = forms.CharField(
        label=_("Contacts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: phone numbers, e-mail addresses, Telegram or Signal handles."),
    )
    nicknames = forms.CharField(
        label=_("Nicknames"),
        required=False,
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
            "birth_date": str(person.birth_date) if person.birth_date else "",
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
        return people.filter(text_match(Person, self.query, member_teams(self.user)))


class MoveForm(forms.Form):
    place = forms.CharField(label=_("Where"), max_length=300)
    since = PartialDateField(
        label=_("Since"),
        required=False,
        help_text=_("A year, a month or a day: 2021, 2021-02, 2021-02-04."),
        error_messages={
            "invalid": _("Enter a year (2021), a month (2021-02) or a full date (2021-02-04).")
        },
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        # The person page also holds the relationship form, which has a note too.
        kwargs.setdefault("auto_id", "id_move_%s")
        super().__init__(*args, **kwargs)


class RelationshipForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("Relationship"), queryset=Term.objects.none())
    other = PersonChoiceField(label=_("Other person"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, person, user, **kwargs):
        kwargs.setdefault("auto_id", "id_relationship_%s")
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = Term.objects.of(Vocabulary.RELATIONSHIP).current()
        self.fields["other"].queryset = (
            Person.objects.visible_to(user).filter(team_id=person.team_id).exclude(pk=person.pk)
        )


class NewPersonForm(PersonForm):
    team = TeamField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].offer(writable_teams(user))
