"""Verb functions for accounts: each one transaction that also writes its audit entry."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth import password_validation
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import (
    TOKEN_PREFIX,
    AccessToken,
    Authenticator,
    Lockdown,
    LockdownProposal,
    Membership,
    RecoveryCode,
    RecoveryDevice,
    Role,
    SecurityKey,
    Team,
    User,
    hash_recovery_code,
    hash_token,
    token_scope_choices,
)
from haven.audit.actions import record
from haven.lib.codes import random_chars


def generate_password() -> str:
    """A one-time password for a new or reset account: 20 characters, ~100 bits."""
    return "-".join(random_chars(5) for _ in range(4))


@transaction.atomic
def create_user(
    *,
    email: str,
    role: str = Role.CASEWORKER,
    full_name: str = "",
    password: str | None = None,
    by: User | None = None,
    request: HttpRequest | None = None,
) -> tuple[User, str]:
    """Create an account with a one-time password that must be changed at first login.

    Returns the user and the password, which is shown once and never stored in clear.
    Raises ValueError for an e-mail already in use or an unknown role.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(Role.values)}")
    if User.objects.filter(email__iexact=email).exists():
        raise ValueError(f"an account for {email} already exists")
    password = password or generate_password()
    user = User.objects.create_user(
        email=email, password=password, role=role, full_name=full_name, must_change_password=True
    )
    record("user.created", request=request, actor=by, target=user, summary=f"role {role}")
    return user, password


@transaction.atomic
def disable_user(user: User, *, by: User | None = None, request: HttpRequest | None = None):
    """Refuse further sign-ins and end every session of the account.

    LastKeyError during a lockdown for the last administrator who has a security key.
    """
    _keep_a_way_in(user)
    user.is_active = False
    user.session_epoch += 1
    user.save(update_fields=["is_active", "session_epoch"])
    record("user.disabled", request=request, actor=by, target=user)
    revoke_all_tokens(user, by=by, request=request, reason="account disabled")


@transaction.atomic
def reset_second_factor(user: User, *, by: User | None = None, request: HttpRequest | None = None):
    """Remove the authenticator, security keys and recovery codes; the next sign-in enrols anew.

    LastKeyError during a lockdown for the last administrator who has a security key.
    """
    _keep_a_way_in(user)
    Authenticator.objects.filter(user=user).delete()
    SecurityKey.objects.filter(user=user).delete()
    RecoveryDevice.objects.filter(user=user).delete()
    user.session_epoch += 1
    user.save(update_fields=["session_epoch"])
    record("user.2fa_reset", request=request, actor=by, target=user)
    revoke_all_tokens(user, by=by, request=request, reason="second factor reset")


def unconfirmed_totp_device(user: User) -> Authenticator:
    """The authenticator being enrolled, kept across reloads so the QR code is stable."""
    device = Authenticator.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = Authenticator.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def confirmed_totp_device(user: User) -> Authenticator | None:
    return Authenticator.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def confirm_enrolment(user: User, device: Authenticator, *, request: HttpRequest) -> list[str]:
    """Mark the authenticator confirmed and issue recovery codes (returned in clear once)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    Authenticator.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = _issue_recovery_codes(user)
    record("otp.enrolled", request=request, target=user)
    return codes


@transaction.atomic
def regenerate_recovery_codes(user: User, *, request: HttpRequest) -> list[str]:
    codes = _issue_recovery_codes(user)
    record("otp.recovery_codes_regenerated", request=request, target=user)
    return codes


def _issue_recovery_codes(user: User) -> list[str]:
    from django.conf import settings

    RecoveryDevice.objects.filter(user=user).delete()
    device = RecoveryDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [
        "-".join(random_chars(4) for _ in range(4)) for _ in range(settings.HAVEN_RECOVERY_CODES)
    ]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=hash_recovery_code(code)) for code in codes
    )
    return codes


@transaction.atomic
def change_password(user: User, new_password: str, *, request: HttpRequest | None = None):
    """Set a new password (validated) and end the user's other sessions.

    Raises django.core.exceptions.ValidationError when the password is too weak.
    """
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.session_epoch += 1
    user.save(update_fields=["password", "must_change_password", "session_epoch"])
    record("password.changed", request=request, actor=user, target=user)
    revoke_all_tokens(user, by=user, request=request, reason="password changed")


@transaction.atomic
def end_all_sessions(user: User, *, request: HttpRequest | None = None, how: str = ""):
    """Sign out: this session and every other one of the user.

    ``how`` says which button did it ("everywhere", "quick exit") for the audit log.
    """
    user.session_epoch += 1
    user.save(update_fields=["session_epoch"])
    record("logout", request=request, actor=user, target=user, summary=how)


@transaction.atomic
def set_language(user: User, language: str, *, request: HttpRequest | None = None):
    user.language = language
    user.save(update_fields=["language"])
    record("user.language_changed", request=request, actor=user, target=user, summary=language)


@transaction.atomic
def create_team(name: str, *, by: User | None = None, request: HttpRequest | None = None) -> Team:
    team = Team.objects.create(name=name)
    record("team.created", request=request, actor=by, target=team)
    return team


@transaction.atomic
def add_member(
    team: Team,
    user: User,
    *,
    access: str = Membership.Access.MEMBER,
    by: User | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Membership:
    """Grant a user access to a team's records; an administrator adding themself must say why."""
    if by is not None and by == user and user.is_administrator and not reason.strip():
        raise ValueError("an administrator adding themself to a team must give a reason")
    membership, _created = Membership.objects.update_or_create(
        team=team, user=user, defaults={"access": access}
    )
    record(
        "team.member_added",
        request=request,
        actor=by,
        target=team,
        summary=f"user {user.uuid} as {access}" + (f"; reason: {reason[:200]}" if reason else ""),
    )
    return membership


@transaction.atomic
def remove_member(team: Team, user: User, *, by: User | None = None, request=None) -> bool:
    """Revoke a user's access to a team's records; effective on their next request."""
    removed, _detail = Membership.objects.filter(team=team, user=user).delete()
    if removed:
        record(
            "team.member_removed",
            request=request,
            actor=by,
            target=team,
            summary=f"user {user.uuid}",
        )
    return bool(removed)


# --- personal access tokens (the API) --------------------------------------------------
TOKEN_DAYS = (7, 30, 90, 365)


def token_scopes() -> list[str]:
    """Every scope a token may carry: ``<module>:read``, and ``<module>:write`` where the
    API writes."""
    return [scope for scope, _label, _mode in token_scope_choices()]


@transaction.atomic
def create_token(
    user: User, *, name: str, scopes, days: int, request: HttpRequest | None = None
) -> tuple[AccessToken, str]:
    """A new token for ``user``; returns it and its secret, which is shown once and
    never stored (only its SHA-256). ValueError for an unknown scope or lifetime."""
    unknown = sorted(set(scopes) - set(token_scopes()))
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(unknown)}")
    if days not in TOKEN_DAYS:
        raise ValueError(f"a token lasts one of {TOKEN_DAYS} days")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user,
        name=name.strip()[:100],
        hint=secret[:10],
        secret_hash=hash_token(secret),
        scopes=sorted(set(scopes)),
        expires_at=timezone.now() + timedelta(days=days),
    )
    record(
        "token.created",
        request=request,
        actor=user,
        target=user,
        summary=f"token {token.uuid}: {', '.join(token.scopes)}"[:300],
    )
    return token, secret


@transaction.atomic
def revoke_token(token: AccessToken, *, by: User, request: HttpRequest | None = None) -> bool:
    """Stop ``token`` at once; False when it was revoked already."""
    revoked = AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        record(
            "token.revoked",
            request=request,
            actor=by,
            target=token.user,
            summary=f"token {token.uuid}",
        )
    return bool(revoked)


@transaction.atomic
def revoke_all_tokens(
    user: User, *, by: User | None = None, request: HttpRequest | None = None, reason: str = ""
) -> int:
    """Revoke every live token of ``user`` (the account disabled, its second factor
    reset, its password changed); returns how many."""
    revoked = AccessToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        record(
            "token.revoked",
            request=request,
            actor=by,
            target=user,
            summary=f"all {revoked} tokens: {reason}"[:300],
        )
    return revoked


# --- security keys ------------------------------------------------------------------------
@transaction.atomic
def rename_key(key: SecurityKey, name: str, *, by: User, request: HttpRequest | None = None):
    """Give a key the name its owner knows it by. ValueError for an empty name."""
    name = name.strip()[:64]
    if not name:
        raise ValueError("a security key needs a name")
    key.name = name
    key.save(update_fields=["name"])
    record("webauthn.renamed", request=request, actor=by, target=by, summary=f"key {key.uuid}")


class LastKeyError(ValueError):
    """Removing this key would leave a lockdown with no administrator able to sign in."""


@transaction.atomic
def remove_key(key: SecurityKey, *, by: User, request: HttpRequest | None = None):
    """Remove a key; it cannot sign in any more.

    Refused (LastKeyError) during a lockdown when it is the last key of any administrator:
    no one could sign in to lift the lockdown.
    """
    _keep_a_way_in(key.user, key=key)
    SecurityKey.objects.filter(pk=key.pk).delete()
    record("webauthn.removed", request=request, actor=by, target=by, summary=f"key {key.uuid}")


def _keep_a_way_in(user: User, *, key: SecurityKey | None = None) -> None:
    """Refuse to take away (``key``, or every key of ``user``) the last administrator key
    while a lockdown is in force: no one could sign in to lift it."""
    if not Lockdown.objects.in_force():
        return
    others = (
        administrator_keys().exclude(pk=key.pk) if key else administrator_keys().exclude(user=user)
    )
    if not others.exists():
        raise LastKeyError(
            _(
                "This is the last administrator's security key and a lockdown is in force: "
                "without it no one could sign in to lift it."
            )
        )


def administrator_keys():
    return SecurityKey.objects.filter(
        confirmed=True, user__role=Role.ADMINISTRATOR, user__is_active=True
    )


# --- lockdown -----------------------------------------------------------------------------
class LockdownError(ValueError):
    """A lockdown step refused, with the reason to show."""


@transaction.atomic
def start_lockdown(*, by: User, request: HttpRequest | None = None) -> Lockdown:
    """Lock Haven down at once: every session ends, only administrators with a security
    key may sign in, downloads, exports and the API are refused.

    Refused when one is in force already, or when no administrator has a security key
    (no one could sign in to lift it).
    """
    if not by.is_administrator:
        raise LockdownError(_("Only an administrator starts a lockdown."))
    _check_lockdown_may_start()
    return _lock_down(by=by, request=request)


def _check_lockdown_may_start() -> None:
    if Lockdown.objects.in_force():
        raise LockdownError(_("A lockdown is in force already."))
    if not administrator_keys().exists():
        raise LockdownError(
            _(
                "No administrator has a security key: one must add a key to their account "
                "first, or no one could sign in to lift the lockdown."
            )
        )


def _lock_down(*, by: User, request: HttpRequest | None, summary: str = "") -> Lockdown:
    try:
        with transaction.atomic():
            lockdown = Lockdown.objects.create(started_by=by)
    except IntegrityError:  # another one started it a moment ago
        raise LockdownError(_("A lockdown is in force already.")) from None
    _end_every_session()
    record("lockdown.started", request=request, actor=by, target=lockdown, summary=summary)
    return lockdown


def _end_every_session() -> None:
    from django.contrib.sessions.models import Session
    from django.db.models import F

    # The epoch ends sessions kept anywhere; deleting the rows ends them at once.
    User.objects.update(session_epoch=F("session_epoch") + 1)
    Session.objects.all().delete()


@transaction.atomic
def propose_lift(lockdown: Lockdown, *, by: User, request: HttpRequest | None = None):
    """The first of the two administrators that lifting a lockdown takes."""
    if not by.is_administrator:
        raise LockdownError(_("Only an administrator lifts a lockdown."))
    updated = Lockdown.objects.filter(pk=lockdown.pk, in_force=True).update(
        lift_proposed_by=by, lift_proposed_at=timezone.now()
    )
    if not updated:
        raise LockdownError(_("This lockdown is no longer in force."))
    record("lockdown.lift_proposed", request=request, actor=by, target=lockdown)


@transaction.atomic
def confirm_lift(lockdown: Lockdown, *, by: User, request: HttpRequest | None = None):
    """The second administrator: a different one from who proposed it lifts the lockdown."""
    if not by.is_administrator:
        raise LockdownError(_("Only an administrator lifts a lockdown."))
    lifted = (
        Lockdown.objects.filter(pk=lockdown.pk, in_force=True, lift_proposed_by__isnull=False)
        .exclude(lift_proposed_by=by)
        .update(in_force=None, lifted_at=timezone.now(), lifted_by=by)
    )
    if not lifted:
        lockdown.refresh_from_db()
        if lockdown.in_force is None:
            raise LockdownError(_("This lockdown is no longer in force."))
        if lockdown.lift_proposed_by_id == by.pk:
            raise LockdownError(_("A second administrator must confirm."))
        raise LockdownError(_("No one has proposed to lift it yet."))
    record("lockdown.lifted", request=request, actor=by, target=lockdown)


# --- lockdown by two members of the lockdown team ------------------------------------------
def lockdown_team() -> Team | None:
    """The team named by ``HAVEN_LOCKDOWN_TEAM`` whose members may start a lockdown two
    together; None when the setting is empty or names no team (the administrators'
    lockdown page says which)."""
    from django.conf import settings

    name = settings.HAVEN_LOCKDOWN_TEAM.strip()
    return Team.objects.filter(name=name).first() if name else None


def may_propose_lockdown(user: User) -> bool:
    """Whether ``user`` is an active full member of the lockdown team (a read-only or
    report-figures membership does not count: a lockdown is the strongest change)."""
    team = lockdown_team()
    return (
        team is not None
        and user.is_active
        and Membership.objects.filter(
            team=team, user=user, access=Membership.Access.MEMBER
        ).exists()
    )


def open_proposal() -> LockdownProposal | None:
    return LockdownProposal.objects.open().select_related("proposed_by").first()


@transaction.atomic
def close_expired_proposals() -> None:
    """Close the proposals whose time ran out, each on the audit log. Called before a
    proposal or a confirmation (whose refusal would roll the closing back)."""
    expired = list(LockdownProposal.objects.filter(pending=True, expires_at__lte=timezone.now()))
    for proposal in expired:
        updated = LockdownProposal.objects.filter(pk=proposal.pk, pending=True).update(
            pending=None, outcome=LockdownProposal.Outcome.EXPIRED, closed_at=timezone.now()
        )
        if updated:
            record("lockdown.proposal_expired", actor=proposal.proposed_by, target=proposal)


@transaction.atomic
def propose_lockdown(*, by: User, request: HttpRequest | None = None) -> LockdownProposal:
    """The first of the two members of the lockdown team: the lockdown starts when a
    different member confirms before ``HAVEN_LOCKDOWN_CONFIRM_MINUTES`` have passed.

    LockdownError for anyone not in the team, while a lockdown is in force, when no
    administrator has a security key, and while another proposal waits (confirm that one).
    """
    from django.conf import settings

    if not may_propose_lockdown(by):
        raise LockdownError(_("Only a member of the lockdown team proposes a lockdown."))
    _check_lockdown_may_start()
    close_expired_proposals()
    waiting = open_proposal()
    if waiting is not None:
        if waiting.proposed_by_id == by.pk:
            raise LockdownError(
                _("You have proposed a lockdown already: a second member must confirm it.")
            )
        raise LockdownError(
            _("%(who)s has proposed a lockdown already: confirm theirs.")
            % {"who": waiting.proposed_by.display_name}
        )
    minutes = settings.HAVEN_LOCKDOWN_CONFIRM_MINUTES
    try:
        with transaction.atomic():
            now = timezone.now()
            proposal = LockdownProposal.objects.create(
                proposed_by=by, proposed_at=now, expires_at=now + timedelta(minutes=minutes)
            )
    except IntegrityError:  # another member proposed a moment ago
        raise LockdownError(
            _("Another member has just proposed a lockdown: reload the page to confirm it.")
        ) from None
    record(
        "lockdown.proposed",
        request=request,
        actor=by,
        target=proposal,
        summary=f"to be confirmed within {minutes} minutes",
    )
    return proposal


@transaction.atomic
def confirm_lockdown(
    proposal: LockdownProposal, *, by: User, request: HttpRequest | None = None
) -> Lockdown:
    """The second member: a different member of the lockdown team from the one who
    proposed it starts the lockdown, in one action, as an administrator's would.

    LockdownError for anyone not in the team, for the member who proposed it, for a
    proposal withdrawn, expired or already confirmed, and when the lockdown could not
    start (one in force, no administrator with a security key).
    """
    if not may_propose_lockdown(by):
        raise LockdownError(_("Only a member of the lockdown team confirms a lockdown."))
    proposal.refresh_from_db()
    if proposal.proposed_by_id == by.pk:
        raise LockdownError(_("A different member of the lockdown team must confirm."))
    expired = proposal.outcome == LockdownProposal.Outcome.EXPIRED
    if proposal.pending and proposal.expires_at <= timezone.now() or expired:
        raise LockdownError(_("This proposal has expired: propose a lockdown again."))
    if not proposal.pending:
        raise LockdownError(_("This proposal is no longer open: propose a lockdown again."))
    if not may_propose_lockdown(proposal.proposed_by):
        raise LockdownError(
            _("Whoever proposed this is no longer in the lockdown team: propose it again.")
        )
    _check_lockdown_may_start()
    closed = LockdownProposal.objects.filter(
        pk=proposal.pk, pending=True, expires_at__gt=timezone.now()
    ).update(
        pending=None,
        outcome=LockdownProposal.Outcome.CONFIRMED,
        closed_at=timezone.now(),
        closed_by=by,
    )
    if not closed:
        raise LockdownError(_("This proposal is no longer open: propose a lockdown again."))
    lockdown = _lock_down(
        by=by,
        request=request,
        summary=f"by two members of the lockdown team: proposed by {proposal.proposed_by.uuid}",
    )
    LockdownProposal.objects.filter(pk=proposal.pk).update(lockdown=lockdown)
    return lockdown


@transaction.atomic
def withdraw_lockdown_proposal(
    proposal: LockdownProposal, *, by: User, request: HttpRequest | None = None
) -> None:
    """The member who proposed a lockdown takes it back before anyone confirms it."""
    if proposal.proposed_by_id != by.pk:
        raise LockdownError(_("Only the member who proposed it withdraws a proposal."))
    withdrawn = LockdownProposal.objects.filter(pk=proposal.pk, pending=True).update(
        pending=None,
        outcome=LockdownProposal.Outcome.WITHDRAWN,
        closed_at=timezone.now(),
        closed_by=by,
    )
    if not withdrawn:
        raise LockdownError(_("This proposal is no longer open."))
    record("lockdown.proposal_withdrawn", request=request, actor=by, target=proposal)
