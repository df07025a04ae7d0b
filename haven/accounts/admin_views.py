"""Administrators' pages: accounts and teams (never case content)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts import actions
from haven.accounts.decorators import administrator_required
from haven.accounts.models import Lockdown, Membership, Role, Team, User


class NewUserForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    full_name = forms.CharField(label=gettext_lazy("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(gettext_lazy("An account with this e-mail already exists."))
        return email


class NewTeamForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Team name"), max_length=100)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Team.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(gettext_lazy("A team with this name already exists."))
        return name


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=gettext_lazy("User"), queryset=User.objects.none())
    access = forms.ChoiceField(label=gettext_lazy("Access"), choices=Membership.Access.choices)
    reason = forms.CharField(
        label=gettext_lazy("Reason (required when adding yourself)"),
        max_length=200,
        required=False,
    )

    def __init__(self, *args, by=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.by = by
        self.fields["user"].queryset = User.objects.filter(is_active=True)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("user") == self.by and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say why you are adding yourself: this is audited."))
        return cleaned


@administrator_required
@require_http_methods(["GET", "POST"])
def users(request):
    form = NewUserForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            user, password = actions.create_user(
                **form.cleaned_data, by=request.user, request=request
            )
            return render(
                request,
                "accounts/admin_user_created.html",
                {"new_user": user, "password": password},
            )
        status = 400
    else:
        status = 200
    context = {"users": User.objects.order_by("email"), "form": form}
    return render(request, "accounts/admin_users.html", context, status=status)


@administrator_required
@require_POST
def user_disable(request, uuid):
    user = get_object_or_404(User, uuid=uuid)
    if user == request.user:
        messages.error(request, _("You cannot disable your own account."))
    else:
        try:
            actions.disable_user(user, by=request.user, request=request)
        except actions.LastKeyError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("The account %(email)s is disabled.") % {"email": user.email}
            )
    return redirect("admin:users")


@administrator_required
@require_POST
def user_reset_2fa(request, uuid):
    user = get_object_or_404(User, uuid=uuid)
    try:
        actions.reset_second_factor(user, by=request.user, request=request)
    except actions.LastKeyError as exc:
        messages.error(request, str(exc))
        return redirect("admin:users")
    messages.success(
        request,
        _("The second factor of %(email)s is reset; they enrol again at their next sign-in.")
        % {"email": user.email},
    )
    return redirect("admin:users")


@administrator_required
@require_http_methods(["GET", "POST"])
def teams(request):
    form = NewTeamForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            actions.create_team(form.cleaned_data["name"], by=request.user, request=request)
            messages.success(request, _("The team is created."))
            return redirect("admin:teams")
        status = 400
    else:
        status = 200
    all_teams = Team.objects.prefetch_related("memberships__user")
    return render(
        request, "accounts/admin_teams.html", {"teams": all_teams, "form": form}, status=status
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def team(request, uuid):
    team = get_object_or_404(Team, uuid=uuid)
    form = MemberForm(request.POST if request.method == "POST" else None, by=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            actions.add_member(
                team,
                form.cleaned_data["user"],
                access=form.cleaned_data["access"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                request=request,
            )
            messages.success(request, _("The member is added."))
            return redirect("admin:team", uuid=team.uuid)
        status = 400
    memberships = team.memberships.select_related("user")
    return render(
        request,
        "accounts/admin_team.html",
        {"team": team, "memberships": memberships, "form": form},
        status=status,
    )


@administrator_required
@require_POST
def member_remove(request, uuid, user):
    team = get_object_or_404(Team, uuid=uuid)
    member = get_object_or_404(User, uuid=user)
    if actions.remove_member(team, member, by=request.user, request=request):
        messages.success(request, _("%(email)s no longer has access.") % {"email": member.email})
    return redirect("admin:team", uuid=team.uuid)


class LockdownForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand: every session ends now, mine included, and only administrators "
            "with a security key can sign in until two administrators lift it."
        )
    )


@administrator_required
@require_GET
def lockdown(request):
    """Start a lockdown, or see the one in force and lift it (two administrators)."""
    in_force = Lockdown.objects.in_force()
    context = {
        "lockdown": in_force,
        "form": LockdownForm(),
        "admins_with_keys": actions.administrator_keys().values("user").distinct().count(),
        "history": Lockdown.objects.exclude(in_force=True).select_related(
            "started_by", "lifted_by", "proposal__proposed_by"
        )[:10],
        "lockdown_team": actions.lockdown_team(),
        "lockdown_team_setting": settings.HAVEN_LOCKDOWN_TEAM.strip(),
        "proposal": actions.open_proposal(),
    }
    return render(request, "accounts/admin_lockdown.html", context)


@administrator_required
@require_POST
def lockdown_start(request):
    form = LockdownForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm the lockdown."))
        return redirect("admin:lockdown")
    try:
        actions.start_lockdown(by=request.user, request=request)
    except actions.LockdownError as exc:
        messages.error(request, str(exc))
        return redirect("admin:lockdown")
    # Every session has ended, this one too: sign in again with a security key.
    logout(request)
    return redirect("accounts:login")


@administrator_required
@require_POST
def lockdown_lift(request):
    """The first administrator proposes; a different one confirms and it is lifted."""
    in_force = Lockdown.objects.in_force()
    if in_force is None:
        messages.info(request, _("No lockdown is in force."))
        return redirect("admin:lockdown")
    try:
        if in_force.lift_proposed_by_id is None:
            actions.propose_lift(in_force, by=request.user, request=request)
            messages.success(
                request, _("Proposed. A second administrator must confirm to lift the lockdown.")
            )
        else:
            actions.confirm_lift(in_force, by=request.user, request=request)
            messages.success(request, _("The lockdown is lifted."))
    except actions.LockdownError as exc:
        messages.error(request, str(exc))
    return redirect("admin:lockdown")
