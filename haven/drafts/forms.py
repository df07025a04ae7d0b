from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from haven.vocab.models import Term, Vocabulary


class VersionForm(forms.Form):
    file = forms.FileField(label=_("DOCX file"))


class NewTemplateForm(VersionForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    language = forms.ChoiceField(label=_("Language of the document"), choices=settings.LANGUAGES)
    petition_type = forms.ModelChoiceField(
        label=_("Kind of petition"),
        queryset=Term.objects.of(Vocabulary.PETITION_TYPE).current(),
        required=False,
        empty_label=_("— any —"),
        help_text=_("A petition of this kind is offered this template first."),
    )
    field_order = ["name", "language", "petition_type", "file"]


class RetireForm(forms.Form):
    retire = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")


class DraftForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Template"), queryset=None, required=False, empty_label=None
    )

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates
        self.fields["template"].label_from_instance = lambda template: (
            f"{template.name} ({template.get_language_display()}, "
            + str(_("version %(number)s") % {"number": template.active.number})
            + ")"
        )
