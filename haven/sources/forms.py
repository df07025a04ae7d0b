from django import forms
from django.utils.translation import gettext_lazy as _

from haven.lib.fuzzy_fields import FuzzyDateField
from haven.records.models import member_teams
from haven.sources.models import Reliability, Source
from haven.sources.selectors import SOURCE_COLUMNS, SOURCE_ORDER
from haven.web.forms import TeamField
from haven.web.lists import FIND_LABEL, ListFilters, Listing, Sorting, text_match


class SourceForm(forms.Form):
    team = TeamField()
    kind = forms.ChoiceField(label=_("Kind"), choices=Source.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    author = forms.CharField(label=_("Author or publisher"), max_length=300, required=False)
    url = forms.URLField(
        label=_("Address (URL)"), max_length=2000, required=False, assume_scheme="https"
    )
    language = forms.CharField(
        label=_("Language"), max_length=8, required=False, help_text=_("A code: ru, en, ce.")
    )
    published = FuzzyDateField(label=_("Published"), required=False)
    reliability = forms.ChoiceField(
        label=_("Reliability of the source"), choices=Reliability.choices, initial="F"
    )
    text = forms.CharField(
        label=_("Text (a testimony, or the article)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].offer(teams)


class SourceFilterForm(ListFilters):
    q = forms.CharField(
        label=FIND_LABEL,
        required=False,
        max_length=200,
        help_text=_("A code or a word of the title, in either script."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *Source.Kind.choices]
    )
    reliability = forms.ChoiceField(
        label=_("Reliability"), required=False, choices=[("", _("Any")), *Reliability.choices]
    )
    language = forms.CharField(label=_("Language"), required=False, max_length=8)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def apply(self, sources):
        """``sources`` narrowed to what the filters ask for; all of them when unfiltered
        or when the filters are not valid."""
        if not self.is_valid():
            return sources
        data = self.cleaned_data
        if data["q"].strip():
            teams = member_teams(self.user) if self.user else None
            sources = sources.filter(text_match(Source, data["q"], teams))
        if data["kind"]:
            sources = sources.filter(kind=data["kind"])
        if data["reliability"]:
            sources = sources.filter(reliability=data["reliability"])
        if data["language"]:
            sources = sources.filter(language=data["language"].strip().lower())
        return sources


def source_listing(user, data=None, *, posted: bool = False) -> Listing:
    """The source list, for its page and its export: the sources ``user`` may see,
    filtered and sorted as ``data`` (the list's GET or POSTed lookup) asks."""
    filters = SourceFilterForm(data or None, user=user)
    sorting = Sorting(SOURCE_COLUMNS, SOURCE_ORDER, data, posted)
    sources = Source.objects.visible_to(user).select_related("team")
    return Listing(filters, sorting, sorting.apply(filters.apply(sources)))


class CaptureForm(forms.Form):
    """A page to capture. Cleaning it reads the page (see ``haven.sources.capture``):
    fetching and extraction happen here, outside the transaction that records it, and
    an address that cannot be fetched is an error on the address."""

    team = TeamField()
    url = forms.URLField(
        label=_("Address of the page"), required=False, max_length=2000, assume_scheme="https"
    )
    page = forms.FileField(label=_("Or a saved page (.html)"), required=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].offer(teams)

    def clean(self):
        from haven.sources.capture import read_page

        cleaned = super().clean()
        if not cleaned.get("url") and not cleaned.get("page"):
            raise forms.ValidationError(_("Give an address or a saved page."))
        if not self.errors:
            cleaned["captured"] = read_page(url=cleaned.get("url"), page=cleaned.get("page"))
        return cleaned
