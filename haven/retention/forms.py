from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from haven.retention.models import Reason, RetentionRule


class EraseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why is it erased?"), choices=Reason.choices)
    confirm = forms.CharField(
        label=_("Type the code to confirm"),
        max_length=40,
        help_text=_("Erasing cannot be undone, not even from a backup."),
    )

    def __init__(self, *args, code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.code = code
        self.fields["confirm"].label = _("Type %(code)s to confirm") % {"code": code}

    def clean_confirm(self):
        value = self.cleaned_data["confirm"].strip().upper()
        if value != self.code.upper():
            raise forms.ValidationError(
                _("Type %(code)s exactly, or go back.") % {"code": self.code}
            )
        return value


class HoldForm(forms.Form):
    name = forms.CharField(
        label=pgettext_lazy("legal hold", "Name of the hold"),
        max_length=200,
        help_text=_("What it is kept for: an application, a request from a prosecutor …"),
    )


SOURCE_KINDS = [("", "—")]


def _source_kinds():
    from haven.sources.models import Source

    return [("", "—"), *Source.Kind.choices]


class RuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Records"), choices=RetentionRule.Kind.choices)
    source_kind = forms.ChoiceField(
        label=_("Source type (evidence only)"), choices=_source_kinds, required=False
    )
    days = forms.IntegerField(label=_("Kept for (days)"), min_value=1, max_value=36500)
    confirm_all = forms.IntegerField(
        label=_("Confirm the count"),
        required=False,
        min_value=0,
        help_text=_("Needed only when the rule would erase every record it applies to."),
    )
