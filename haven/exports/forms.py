from django import forms
from django.utils.translation import gettext_lazy as _

from haven.exports.actions import REASON_MAX, may_export_identifying
from haven.exports.columns import IDENTIFYING, PSEUDONYMISED
from haven.exports.formats import FORMATS


class ExportForm(forms.Form):
    """How to export a list. Its fields carry the ``export`` prefix, so that they never
    meet the list's own filters, which the export page carries along unchanged.

    A user whose role may not make identifying exports is not offered one; a post that
    asks for one all the same reaches ``start_export``, which refuses it on the record.
    """

    format = forms.ChoiceField(
        label=_("Format"),
        choices=[(name, fmt.label) for name, fmt in FORMATS.items()],
        initial="csv",
        widget=forms.RadioSelect,
    )
    variant = forms.ChoiceField(
        label=_("Variant"),
        choices=[
            (PSEUDONYMISED, _("Pseudonymised (recommended)")),
            (IDENTIFYING, _("Identifying")),
        ],
        initial=PSEUDONYMISED,
        widget=forms.RadioSelect,
        help_text=_(
            "Pseudonymised: codes instead of names, birth years instead of dates, regions "
            "instead of towns; no contacts and no free texts. Identifying: names, full "
            "dates, places, contacts and free texts, for a reason that goes into the "
            "audit log; people who refused or withdrew consent are left out."
        ),
    )
    reason = forms.CharField(
        label=_("Reason for an identifying export"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who needs the names, and for what (a court filing, a referral …)."),
    )

    def __init__(self, *args, kind, user, **kwargs):
        kwargs.setdefault("prefix", "export")
        super().__init__(*args, **kwargs)
        self.offers_identifying = kind.has_identifying and may_export_identifying(user)
        if not self.offers_identifying:
            self.fields["variant"].widget = forms.HiddenInput()
            del self.fields["reason"]

    @property
    def identifying(self) -> bool:
        return self.cleaned_data.get("variant") == IDENTIFYING
