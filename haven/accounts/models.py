"""Users, teams and what a login needs to stay safe (recovery codes, throttles)."""

from __future__ import annotations

import hashlib
import time
import uuid
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import random_hex

from haven.keys.fields import EncryptedTextField


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    CASEWORKER = "caseworker", _("Caseworker")
    LAWYER = "lawyer", _("Lawyer")
    DOCUMENTER = "documenter", _("Documenter")
    ANALYST = "analyst", _("Analyst")


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    """A person who signs in to Haven; identified by e-mail.

    ``session_epoch`` is part of the session hash: raising it ends every session
    of the user at their next request (logout everywhere, password change, 2FA reset).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CASEWORKER)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )
    is_active = models.BooleanField(_("active"), default=True)
    must_change_password = models.BooleanField(default=False)
    session_epoch = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def _get_session_auth_hash(self, secret=None):
        key_salt = "haven.accounts.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}|{self.session_epoch}", secret=secret, algorithm="sha256"
        ).hexdigest()


class Team(models.Model):
    """A group of users; records about people belong to one team (need-to-know)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Access(models.TextChoices):
        MEMBER = "member", _("Member")
        READ_ONLY = "read_only", _("Read-only")
        # Report figures over the team's records, and no record itself (reports app).
        AGGREGATE = "aggregate", _("Report figures only")

    # The levels that open the team's records (``visible_to``); AGGREGATE does not.
    RECORD_ACCESS = (Access.MEMBER, Access.READ_ONLY)

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    access = models.CharField(
        _("access"), max_length=10, choices=Access.choices, default=Access.MEMBER
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user")
        ]
        ordering = ["team__name", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.access})"


def hash_recovery_code(code: str) -> str:
    """Codes carry 80 random bits, so a plain SHA-256 of the normalised code suffices."""
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


class RecoveryDevice(Device):
    """The set of one-time recovery codes of one user, as a django-otp device.

    Being a device lets a recovery code complete sign-in the same way a TOTP code
    does (``otp_login``), so there is one notion of "verified" in the whole app.
    """

    def verify_token(self, token) -> bool:
        if not isinstance(token, str) or not token.strip():
            return False
        # The conditional UPDATE makes a code usable once even under a race.
        used = self.codes.filter(code_hash=hash_recovery_code(token), used_at__isnull=True).update(
            used_at=timezone.now()
        )
        return used == 1

    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


class RecoveryCode(models.Model):
    """A one-time code for when the authenticator is lost; only its hash is kept."""

    device = models.ForeignKey(RecoveryDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"recovery code {self.pk} ({'used' if self.used_at else 'unused'})"


class LoginThrottle(models.Model):
    """Failed sign-ins counted under a hashed key (account+address, or address).

    Keyed by the pair so that an attacker at one address backs off only their own
    attempts: the owner signing in from elsewhere is never locked out.
    """

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"throttle {self.key[:8]}: {self.failures} failures"


class Authenticator(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator app (RFC 6238) whose shared secret is stored encrypted.

    Each code is accepted once: a verified code moves ``last_t`` past its time step.
    Wrong codes slow further attempts down (django-otp's throttling).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = EncryptedTextField(max_length=80, default=random_hex)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator")

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    def totp(self) -> TOTP:
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        return totp

    def verify_token(self, token) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            token = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = self.totp()
            verified = totp.verify(token, self.tolerance, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def config_url(self) -> str:
        """The otpauth:// URL that the enrolment QR code carries."""
        issuer = getattr(settings, "OTP_TOTP_ISSUER", "Haven").replace(":", "")
        label = f"{issuer}:{self.user.get_username()}"
        params = urlencode(
            {
                "secret": b32encode(self.bin_key).decode(),
                "algorithm": "SHA1",
                "digits": self.digits,
                "period": self.step,
            }
        )
        return f"otpauth://totp/{quote(label)}?{params}&issuer={quote(issuer)}"


def writable_teams(user):
    """The teams whose records ``user`` may create and change (member, not read-only)."""
    return Team.objects.filter(
        memberships__user=user, memberships__access=Membership.Access.MEMBER
    ).order_by("name")


# What a personal access token may be allowed to read or write, module by module.
TOKEN_MODULES = (
    ("people", _("People")),
    ("requests", _("Requests")),
    ("cases", _("Cases")),
    ("incidents", _("Incidents")),
    ("sources", _("Sources and evidence")),
    ("reference", _("Vocabularies and places")),
    ("search", _("Search")),
    ("audit", _("Audit log status")),
)
# Modules the API only reads (vocabularies and places, search by POST, the audit
# status): a write scope there would promise what no route does, so none is offered.
READ_ONLY_MODULES = ("reference", "search", "audit")


def token_scope_choices() -> list[tuple[str, str, str]]:
    """Every scope a token may carry, as ``(scope, module label, mode)``, in page order:
    ``<module>:read`` for every module, ``<module>:write`` where the API writes."""
    return [
        (f"{module}:{mode}", label, mode)
        for module, label in TOKEN_MODULES
        for mode in (("read",) if module in READ_ONLY_MODULES else ("read", "write"))
    ]


TOKEN_PREFIX = "hvn_"  # noqa: S105 - the mark every token begins with, not a secret


def hash_token(secret: str) -> str:
    """A token carries 256 random bits, so a plain SHA-256 of it is safe to keep and to
    look up by; the secret itself is never stored."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


class AccessTokenQuerySet(models.QuerySet):
    def usable(self) -> AccessTokenQuerySet:
        """Tokens neither revoked nor expired, of accounts that are still active."""
        return self.filter(
            revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True
        )


class AccessToken(models.Model):
    """A personal access token for the API: a name, scopes, an expiry; only its hash kept.

    ``scopes`` lists ``"<module>:read"`` and ``"<module>:write"`` (write includes read).
    A token acts as its user, within the user's own access: it never reaches a record
    the user could not, whatever its scopes. Revoked by its user, and with the account
    (disabled) or its second factor (reset) by ``haven.accounts.actions``.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the token, shown in the list so the user can tell which.
    hint = models.CharField(max_length=12)
    secret_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self) -> str:
        return f"token {self.hint}… of {self.user_id}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now() and self.user.is_active

    def allows(self, module: str, *, write: bool) -> bool:
        return f"{module}:write" in self.scopes or (not write and f"{module}:read" in self.scopes)


# django-otp-webauthn's models module asks for the user model as it is imported, so it
# can only be imported once User above exists.
from django_otp_webauthn.models import (  # noqa: E402
    AbstractWebAuthnAttestation,
    AbstractWebAuthnCredential,
)


class SecurityKey(AbstractWebAuthnCredential):
    """A security key or passkey (WebAuthn) of one user, as a django-otp device.

    Only the public key is kept: nothing stored here lets anyone sign in. ``name`` (from
    django-otp's Device) is what the user calls it, e.g. "Blue key on my keyring".
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta(AbstractWebAuthnCredential.Meta):
        verbose_name = _("security key")
        verbose_name_plural = _("security keys")
        ordering = ["created_at"]


class SecurityKeyAttestation(AbstractWebAuthnAttestation):
    """What the key said about itself when it was added (kept as django-otp-webauthn does)."""

    credential = models.OneToOneField(
        SecurityKey, on_delete=models.CASCADE, related_name="attestation", editable=False
    )


class LockdownQuerySet(models.QuerySet):
    def in_force(self) -> Lockdown | None:
        return self.filter(in_force=True).select_related("lift_proposed_by").first()


class Lockdown(models.Model):
    """An emergency stop: while a row has no ``lifted_at``, Haven is locked down.

    Only administrators who verify with a security key may sign in; downloads, exports
    and the API are refused; everyone else sees an innocuous notice. One administrator
    starts it, or two members of the lockdown team (``LockdownProposal``); lifting it
    takes two administrators: one proposes, a different one confirms.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # True while in force, NULL once lifted: a unique column then allows one lockdown
    # in force at a time (two administrators pressing the button at once start one).
    in_force = models.BooleanField(null=True, default=True, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    lift_proposed_at = models.DateTimeField(null=True, blank=True)
    lift_proposed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = LockdownQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"lockdown {self.uuid} ({'lifted' if self.lifted_at else 'in force'})"


class LockdownProposalQuerySet(models.QuerySet):
    def open(self) -> LockdownProposalQuerySet:
        """Proposals still waiting for a second member, and not yet expired."""
        return self.filter(pending=True, expires_at__gt=timezone.now())


class LockdownProposal(models.Model):
    """A member of the lockdown team (``HAVEN_LOCKDOWN_TEAM``) asks for a lockdown; a
    different member confirms it before ``expires_at`` and the lockdown starts.

    One proposal waits at a time: ``pending`` is True while it waits and NULL once it is
    confirmed, withdrawn or expired (a unique column, as ``Lockdown.in_force``).
    """

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pending = models.BooleanField(null=True, default=True, unique=True)
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    lockdown = models.OneToOneField(
        Lockdown, on_delete=models.PROTECT, related_name="proposal", null=True, blank=True
    )

    objects = LockdownProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at"]

    def __str__(self) -> str:
        return f"lockdown proposal {self.uuid} ({self.outcome or 'waiting'})"
