from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from haven.exports.actions import REASON_MAX


class DossierForm(forms.Form):
    """How to make a case dossier: its language, its format and why it is made."""

    language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES, widget=forms.RadioSelect
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("pdf", _("PDF (sealed, to hand over)")),
            ("docx", _("DOCX (Word, to edit)")),
        ],
        initial="pdf",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Who needs the dossier, and for what (a court filing, an application to the "
            "ECHR …). It goes into the audit log."
        ),
    )

    def __init__(self, *args, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = language


class OwnCopyForm(forms.Form):
    """How to make a person's own copy: the person's language and why it is made."""

    language = forms.ChoiceField(
        label=_("The person's language"), choices=settings.LANGUAGES, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who asked for the copy, and how it reaches them. It goes into the audit log."),
    )

    def __init__(self, *args, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = language
