from django import forms
from django.utils.translation import gettext_lazy as _

from haven.lib.fuzzy_fields import FuzzyDateField
from haven.sources.models import Reliability, Source


class SourceForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=None)
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
        self.fields["team"].queryset = teams
