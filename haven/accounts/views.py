"""Sign-in with a mandatory second factor, enrolment, password change, sign-out, language."""

from __future__ import annotations

import base64
import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language
from django_otp import login as otp_login

from haven.accounts import actions, security_keys, throttle
from haven.accounts.decorators import open_view, password_change_view, second_factor_view
from haven.accounts.forms import (
    CodeForm,
    KeyNameForm,
    LockdownConfirmForm,
    LockdownProposalForm,
    LoginForm,
    PasswordChangeForm,
    RecoveryCodeForm,
    TokenForm,
)
from haven.accounts.middleware import LOGIN_AT, SEEN_AT
from haven.accounts.models import (
    AccessToken,
    Authenticator,
    LockdownProposal,
    RecoveryDevice,
    SecurityKey,
    User,
)
from haven.audit.actions import client_address, record
from haven.web import once

NEXT = security_keys.NEXT


def _safe_next(request, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


@open_view
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = LoginForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            response = _attempt_login(request, form)
            if response is not None:
                return response
            status = 429 if form.has_error("__all__", "throttled") else 400
    next_url = _safe_next(request, request.GET.get("next"))
    context = {"form": form, "next": next_url, "lockdown": security_keys.lockdown_of(request)}
    if security_keys.lockdown_of(request):
        context["notice"] = security_keys.lockdown_notice()
    return render(request, "accounts/login.html", context, status=status)


def _attempt_login(request, form):
    email = form.cleaned_data["email"].strip().lower()
    password = form.cleaned_data["password"]
    address = client_address(request)
    wait = throttle.seconds_to_wait(email, address)
    if wait:
        record("login.throttled", request=request, summary=f"wait {wait}s")
        minutes = max(1, round(wait / 60))
        form.add_error(
            None,
            ValidationError(
                ngettext(
                    "Too many failed attempts. Wait %(minutes)d minute and try again.",
                    "Too many failed attempts. Wait %(minutes)d minutes and try again.",
                    minutes,
                )
                % {"minutes": minutes},
                code="throttled",
            ),
        )
        return None
    # authenticate() hashes the password even for an unknown e-mail, and the
    # account lookup below runs on both paths, so both cost the same time.
    user = authenticate(request, email=email, password=password)
    known = User.objects.filter(email=email).first()
    if user is None:
        throttle.register_failure(email, address)
        record(
            "login.failed",
            request=request,
            target=known,
            summary="wrong password" if known else "unknown account",
        )
        form.add_error(None, _("The e-mail or password is not correct."))
        return None
    throttle.register_success(email, address)
    if security_keys.lockdown_of(request) and not security_keys.may_sign_in_during_lockdown(user):
        record("lockdown.refused", request=request, target=user, summary="sign-in")
        form.add_error(None, security_keys.lockdown_notice())
        return None
    login(request, user)  # rotates the session key
    request.session[LOGIN_AT] = request.session[SEEN_AT] = time.time()
    next_url = _safe_next(request, request.POST.get("next"))
    if next_url:
        request.session[NEXT] = next_url
    record("login.password_accepted", request=request, actor=user, target=user)
    response = redirect("accounts:second_factor")
    if user.language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
    return response


def _after_verification(request):
    user = request.user
    if user.must_change_password:
        messages.info(request, _("Choose your own password to finish setting up your account."))
        return redirect("accounts:password")
    return redirect(request.session.pop(NEXT, None) or settings.LOGIN_REDIRECT_URL)


@second_factor_view
@require_http_methods(["GET", "POST"])
def second_factor(request):
    user = request.user
    device = actions.confirmed_totp_device(user)
    has_key = security_keys.has_key(user)
    if device is None and not has_key:
        return redirect("accounts:enroll")
    # A key is the only way in for those whose role requires one, and during a lockdown.
    key_only = security_keys.lockdown_of(request) is not None or security_keys.key_required(user)
    form, recovery_form, status = CodeForm(), RecoveryCodeForm(), 200
    if request.method == "POST" and key_only:
        status = 403
        record("otp.refused", request=request, target=user, summary="a security key is required")
        messages.error(request, _("Use your security key: codes are not accepted for you."))
    elif request.method == "POST" and "recovery_code" in request.POST:
        status = 400
        recovery_form = RecoveryCodeForm(request.POST)
        if recovery_form.is_valid():
            recovery = RecoveryDevice.objects.filter(user=user).first()
            if recovery is not None and recovery.verify_token(
                recovery_form.cleaned_data["recovery_code"]
            ):
                otp_login(request, recovery)
                record("otp.recovery_code_used", request=request, target=user)
                left = recovery.remaining()
                messages.warning(
                    request,
                    ngettext(
                        "Recovery code accepted. %(left)d code is left: "
                        "set up a new authenticator or new codes in your account.",
                        "Recovery code accepted. %(left)d codes are left: "
                        "set up a new authenticator or new codes in your account.",
                        left,
                    )
                    % {"left": left},
                )
                return _after_verification(request)
            record("otp.failed", request=request, target=user, summary="recovery code")
            recovery_form.add_error(None, _("That recovery code is not valid or was already used."))
    elif request.method == "POST" and device is not None:
        status = 400
        form = CodeForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                device = Authenticator.objects.select_for_update().get(pk=device.pk)
                allowed, _info = device.verify_is_allowed()
                verified = allowed and device.verify_token(form.cleaned_data["code"])
            if verified:
                otp_login(request, device)
                record("otp.verified", request=request, target=user)
                return _after_verification(request)
            if not allowed:
                status = 429
                record("otp.throttled", request=request, target=user)
                form.add_error(None, _("Too many wrong codes. Wait a minute, then try again."))
            else:
                record("otp.failed", request=request, target=user, summary="authenticator code")
                form.add_error(
                    None,
                    _(
                        "This code is wrong, expired or was already used. "
                        "Wait for the next code in your app and enter it."
                    ),
                )
    context = {
        "form": form,
        "recovery_form": recovery_form,
        "has_key": has_key,
        "has_totp": device is not None,
        "key_only": key_only,
    }
    return render(request, "accounts/second_factor.html", context, status=status)


@second_factor_view
@require_http_methods(["GET", "POST"])
def enroll(request):
    user = request.user
    if actions.confirmed_totp_device(user) is not None:
        return redirect("accounts:second_factor")
    device = actions.unconfirmed_totp_device(user)
    form, status = CodeForm(request.POST if request.method == "POST" else None), 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with transaction.atomic():
                device = Authenticator.objects.select_for_update().get(pk=device.pk)
                verified = device.verify_token(form.cleaned_data["code"])
            if verified:
                codes = actions.confirm_enrolment(user, device, request=request)
                otp_login(request, device)
                return render(
                    request, "accounts/recovery_codes.html", {"codes": codes, "first_time": True}
                )
            record("otp.failed", request=request, target=user, summary="enrolment")
            form.add_error(
                None,
                _(
                    "This code does not match. "
                    "Check the time on your phone and enter the newest code."
                ),
            )
    secret = base64.b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        # A viewBox instead of a fixed size lets the stylesheet scale the whole code;
        # four modules of light border are the quiet zone that QR readers expect.
        "qr_svg": qr.svg_inline(border=4, dark="#111", light="#fff", omitsize=True),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "accounts/enroll.html", context, status=status)


@require_GET
def finish_setup(request):
    """Where the recovery-codes page's Continue button leads."""
    return _after_verification(request)


@password_change_view
@sensitive_post_parameters("current_password", "new_password", "new_password_again")
@require_http_methods(["GET", "POST"])
def password(request):
    user = request.user
    form = PasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            actions.change_password(user, form.cleaned_data["new_password"], request=request)
            update_session_auth_hash(request, user)
            messages.success(
                request, _("Your password is changed; your other sessions have ended.")
            )
            return redirect(request.session.pop(NEXT, None) or settings.LOGIN_REDIRECT_URL)
        return render(request, "accounts/password.html", {"form": form}, status=400)
    return render(request, "accounts/password.html", {"form": form})


@open_view
@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        actions.end_all_sessions(request.user, request=request)
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


@require_POST
def logout_everywhere(request):
    """End every session of the user, on every device, this one included."""
    actions.end_all_sessions(request.user, request=request, how="everywhere")
    logout(request)
    messages.info(request, _("You have signed out on every device."))
    return redirect("accounts:login")


@open_view
@require_POST
def quick_exit(request):
    """The quick-exit button: end every session and leave for a neutral page at once.

    Clear-Site-Data asks the browser to drop this site's cookies, storage and cached
    pages too. A plain form post, so it works without JavaScript.
    """
    if request.user.is_authenticated:
        actions.end_all_sessions(request.user, request=request, how="quick exit")
    logout(request)
    response = redirect(settings.HAVEN_QUICK_EXIT_URL or "accounts:blank")
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@open_view
@require_GET
def blank(request):
    """Where quick exit leads by default: a page that says nothing about Haven."""
    return render(request, "accounts/blank.html")


@require_http_methods(["GET"])
def account(request):
    user = request.user
    context = {
        "memberships": user.memberships.select_related("team"),
        "recovery_left": RecoveryDevice.objects.filter(user=user).first(),
        "key_count": SecurityKey.objects.filter(user=user).count(),
        "lockdown_member": actions.may_propose_lockdown(user),
    }
    return render(request, "accounts/account.html", context)


@require_GET
def keys(request):
    """The user's security keys: listed, renamed, removed; new ones added (JavaScript)."""
    user = request.user
    context = {
        "keys": SecurityKey.objects.filter(user=user),
        "required_role": user.role in settings.HAVEN_KEY_REQUIRED_ROLES,
        "key_required": security_keys.key_required(user),
    }
    return render(request, "accounts/keys.html", context)


def _own_key(request, uuid) -> SecurityKey:
    key = SecurityKey.objects.filter(user=request.user, uuid=uuid).first()
    if key is None:
        record("access.denied", request=request, summary=f"security key {str(uuid)[:40]}")
        raise Http404
    return key


@require_POST
def key_rename(request, uuid):
    key = _own_key(request, uuid)
    form = KeyNameForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the key a name of up to 64 characters."))
        return redirect("accounts:keys")
    actions.rename_key(key, form.cleaned_data["name"], by=request.user, request=request)
    messages.success(request, _("The key is now called “%(name)s”.") % {"name": key.name})
    return redirect("accounts:keys")


@require_POST
def key_remove(request, uuid):
    key = _own_key(request, uuid)
    try:
        actions.remove_key(key, by=request.user, request=request)
    except actions.LastKeyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The key “%(name)s” is removed.") % {"name": key.name})
    return redirect("accounts:keys")


@require_POST
def recovery_codes(request):
    codes = actions.regenerate_recovery_codes(request.user, request=request)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "first_time": False})


@open_view
@require_POST
def switch_language(request):
    """Django's language switch, plus remembering the choice on the user's account."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if (
        user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and check_for_language(language)
        and user.language != language
    ):
        actions.set_language(user, language, request=request)
    return response


@require_http_methods(["GET", "POST"])
def tokens(request):
    """The user's personal access tokens for the API: listed with their last use, made
    here (the secret shown once, on the answer to the POST), revoked here."""
    form = TokenForm(request.POST if request.method == "POST" else None)
    status, secret, created = 200, None, None
    if request.method == "POST":
        status = 400
        if form.is_valid() and not once.consume(request):
            # A reload or a double click: the secret was shown once, and is not again.
            messages.warning(request, _("This form was already sent; nothing was saved twice."))
            return redirect("accounts:tokens")
        if form.is_valid():
            created, secret = actions.create_token(
                request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                days=form.cleaned_data["days"],
                request=request,
            )
            status, form = 201, TokenForm()
    context = {
        "form": form,
        "secret": secret,
        "created": created,
        "tokens": AccessToken.objects.filter(user=request.user),
    }
    return render(request, "accounts/tokens.html", context, status=status)


@require_POST
def token_revoke(request, uuid):
    token = AccessToken.objects.filter(user=request.user, uuid=uuid).first()
    if token is None:
        record("access.denied", request=request, summary=f"token {str(uuid)[:40]}")
        raise Http404
    if actions.revoke_token(token, by=request.user, request=request):
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("accounts:tokens")


# --- lockdown by two members of the lockdown team -----------------------------------------
def _lockdown_member(request) -> None:
    """403 for anyone but a full member of the lockdown team (``HAVEN_LOCKDOWN_TEAM``)."""
    if not actions.may_propose_lockdown(request.user):
        raise PermissionDenied


@require_GET
def lockdown(request):
    """Propose a lockdown, or confirm another member's proposal (the lockdown team);
    administrators, who start one alone, are sent to their own page."""
    if not actions.may_propose_lockdown(request.user):
        if request.user.is_administrator:
            return redirect("admin:lockdown")
        raise PermissionDenied
    proposal = actions.open_proposal()
    context = {
        "team": actions.lockdown_team(),
        "lockdown": security_keys.lockdown_of(request),
        "proposal": proposal,
        "minutes": settings.HAVEN_LOCKDOWN_CONFIRM_MINUTES,
        "admins_with_keys": actions.administrator_keys().values("user").distinct().count(),
        "propose_form": LockdownProposalForm(),
        "confirm_form": LockdownConfirmForm(initial={"proposal": proposal.uuid})
        if proposal
        else None,
    }
    return render(request, "accounts/lockdown.html", context)


@require_POST
def lockdown_propose(request):
    _lockdown_member(request)
    if not LockdownProposalForm(request.POST).is_valid():
        messages.error(request, _("Tick the box to confirm the proposal."))
        return redirect("accounts:lockdown")
    try:
        actions.propose_lockdown(by=request.user, request=request)
    except actions.LockdownError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            ngettext(
                "Proposed. A second member of the lockdown team must confirm within "
                "%(minutes)d minute.",
                "Proposed. A second member of the lockdown team must confirm within "
                "%(minutes)d minutes.",
                settings.HAVEN_LOCKDOWN_CONFIRM_MINUTES,
            )
            % {"minutes": settings.HAVEN_LOCKDOWN_CONFIRM_MINUTES},
        )
    return redirect("accounts:lockdown")


@require_POST
def lockdown_confirm(request):
    """The second member: the lockdown starts, and this session ends with every other."""
    _lockdown_member(request)
    form = LockdownConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm the lockdown."))
        return redirect("accounts:lockdown")
    proposal = LockdownProposal.objects.filter(uuid=form.cleaned_data["proposal"]).first()
    if proposal is None:
        messages.error(request, _("This proposal is no longer open: propose a lockdown again."))
        return redirect("accounts:lockdown")
    actions.close_expired_proposals()
    try:
        actions.confirm_lockdown(proposal, by=request.user, request=request)
    except actions.LockdownError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:lockdown")
    logout(request)
    return redirect("accounts:login")


@require_POST
def lockdown_withdraw(request):
    _lockdown_member(request)
    proposal = actions.open_proposal()
    if proposal is None or proposal.proposed_by_id != request.user.pk:
        messages.info(request, _("You have no proposal waiting."))
        return redirect("accounts:lockdown")
    try:
        actions.withdraw_lockdown_proposal(proposal, by=request.user, request=request)
    except actions.LockdownError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your proposal is withdrawn."))
    return redirect("accounts:lockdown")
