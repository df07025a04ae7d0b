"""The public page's forms: the request, the receipt, a message with the receipt."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from haven.cases.models import Request
from haven.intake.guard import HONEYPOT
from haven.sources import filetypes
from haven.sources.vault import SealedUpload

MAX_FILES = 3


class _Public(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    # A field no person sees (hidden by the style sheet, skipped by screen readers and
    # by the tab key): whatever fills it in is a machine.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, files_refused: str = "", uploads=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.files_refused = files_refused
        self.uploads = list(uploads)

    def clean(self):
        data = super().clean()
        if self.files_refused == "too_large":
            limit = settings.HAVEN_INTAKE_MAX_FILE_BYTES // (1024 * 1024)
            raise forms.ValidationError(
                _("A file is larger than %(mb)s MB; nothing was sent. Send a smaller one.")
                % {"mb": limit}
            )
        if len(self.uploads) > MAX_FILES or self.files_refused == "too_many":
            raise forms.ValidationError(
                _("Send at most %(n)s files at a time; nothing was sent.") % {"n": MAX_FILES}
            )
        problems = []
        for upload in self.uploads:
            if not isinstance(upload, SealedUpload):
                continue
            _kind, problem = filetypes.check(upload.name or "", bytes(upload.sealer.head))
            if problem:
                problems.append(f"{filetypes.safe_name(upload.name or '')}: {problem}")
        if problems:
            raise forms.ValidationError(problems)
        return data

    def is_machine(self) -> bool:
        return bool(self.data.get(HONEYPOT))


def _text(label, *, required=False, rows=None, max_length=500, help_text=""):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=widget, help_text=help_text
    )


class RequestForm(_Public):
    name = _text(
        _("Your name, or a name we may know you by (optional)"),
        max_length=300,
        help_text=_("Leave it empty if you prefer."),
    )
    what = forms.CharField(
        label=_("What happened, and what help do you need?"),
        error_messages={"required": _("Write what happened; nothing was sent.")},
    )
    place = _text(_("Where are you now? (a town or region is enough)"))
    urgency = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=Request.Urgency.choices,
        initial=Request.Urgency.URGENT,
        widget=forms.RadioSelect,
    )
    contact = _text(
        _("A safe way to contact you"),
        help_text=_("For example a Signal number or an e-mail address only you read."),
    )
    consent = forms.ChoiceField(
        label=_("May we contact you this way?"),
        choices=[("yes", pgettext_lazy("consent", "Yes")), ("no", pgettext_lazy("consent", "No"))],
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.HAVEN_INTAKE_MAX_CHARS
        self.fields["what"].max_length = limit
        self.fields["what"].widget = forms.Textarea(attrs={"rows": 6, "maxlength": limit})
        self.fields["what"].validators.append(MaxLengthValidator(limit))
        asked = set(settings.HAVEN_INTAKE_FIELDS)
        for name in ("name", "place", "urgency", "contact", "consent"):
            configured = "where" if name == "place" else name
            if configured not in asked:
                del self.fields[name]
        if "urgency" in self.fields:
            self.fields["urgency"].required = False
        self.order_fields(
            ["what", "name", "place", "urgency", "contact", "consent", "website", "token"]
        )

    def action_data(self) -> dict:
        data = self.cleaned_data
        consent = data.get("consent")
        return {
            "what": data["what"],
            "name": data.get("name", "").strip(),
            "place": data.get("place", "").strip(),
            "urgency": data.get("urgency") or Request.Urgency.URGENT,
            "contact": data.get("contact", "").strip(),
            "consent_to_contact": {"yes": True, "no": False}.get(consent),
        }


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Your receipt"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class MessageForm(_Public):
    receipt = forms.CharField(widget=forms.HiddenInput, max_length=60)
    text = forms.CharField(label=_("Your message"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.HAVEN_INTAKE_MAX_CHARS
        self.fields["text"].max_length = limit
        self.fields["text"].widget = forms.Textarea(attrs={"rows": 4, "maxlength": limit})
        self.fields["text"].validators.append(MaxLengthValidator(limit))

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not self.uploads and not self.errors:
            raise forms.ValidationError(_("Write a message or choose a file; nothing was sent."))
        return data
