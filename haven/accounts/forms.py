from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={"autofocus": True})
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit() or len(code) != 6:
            raise ValidationError(_("Enter the six digits shown in your authenticator app."))
        return code


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; common passwords are refused."),
    )
    new_password_again = forms.CharField(
        label=_("New password, again"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self):
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise ValidationError(_("Your current password is not correct."))
        return password

    def clean(self):
        cleaned = super().clean()
        new, again = cleaned.get("new_password"), cleaned.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("The two new passwords differ."))
        elif new:
            if new == cleaned.get("current_password"):
                self.add_error(
                    "new_password", _("Choose a password different from the current one.")
                )
            else:
                try:
                    password_validation.validate_password(new, self.user)
                except ValidationError as exc:
                    self.add_error("new_password", exc)
        return cleaned


class TokenForm(forms.Form):
    """A new personal access token: a name, how long it lasts, what it may do."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses it, e.g. “Hotline bot”."),
    )
    days = forms.TypedChoiceField(
        label=_("Expires after"),
        coerce=int,
        initial=90,
        choices=[
            (7, _("7 days")),
            (30, _("30 days")),
            (90, _("90 days")),
            (365, _("a year")),
        ],
    )
    scopes = forms.MultipleChoiceField(
        label=_("What it may do"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Write includes read. The token never reaches more than you can."),
    )

    def __init__(self, *args, **kwargs):
        from haven.accounts.models import token_scope_choices

        super().__init__(*args, **kwargs)
        modes = {"read": _("read"), "write": _("write")}
        self.fields["scopes"].choices = [
            (scope, f"{label}: {modes[mode]}") for scope, label, mode in token_scope_choices()
        ]


class KeyNameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)


class LockdownProposalForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand: once a second member confirms, every session ends, ours included, "
            "and only administrators with a security key can sign in until two administrators "
            "lift it."
        )
    )


class LockdownConfirmForm(forms.Form):
    # The proposal the page showed: a confirmation never starts one the member did not see.
    proposal = forms.UUIDField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_(
            "I confirm: lock Haven down now. Every session ends, mine included, and only "
            "administrators with a security key can sign in until two administrators lift it."
        )
    )
