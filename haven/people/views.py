from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.models import Membership, Team
from haven.audit.actions import record
from haven.people import actions
from haven.people.forms import FindForm, PersonForm
from haven.people.models import Person, get_person_for_user
from haven.records import blind, history
from haven.records.actions import restore_version
from haven.records.models import RecordVersion


def _writable_teams(user):
    return Team.objects.filter(
        memberships__user=user, memberships__access=Membership.Access.MEMBER
    ).order_by("name")


@require_GET
def person_list(request):
    people = Person.objects.visible_to(request.user).select_related("team")
    find = FindForm(request.GET or None)
    query = ""
    if find.is_valid() and find.cleaned_data["q"].strip():
        query = find.cleaned_data["q"].strip()
        found = set()
        for field in Person.blind_indexes:
            found.update(blind.matching(people, field, query).values_list("pk", flat=True))
        people = people.filter(pk__in=found)
    people = list(people[:200])
    record("people.person.listed", summary=f"{len(people)} shown" + (", lookup" if query else ""))
    return render(
        request,
        "people/list.html",
        {
            "people": people,
            "find": find,
            "query": query,
            "can_add": _writable_teams(request.user).exists(),
        },
    )


class NewPersonForm(PersonForm):
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=Team.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = _writable_teams(user)


@require_http_methods(["GET", "POST"])
def person_new(request):
    if not _writable_teams(request.user).exists():
        raise PermissionDenied
    form = NewPersonForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            team = data.pop("team")
            person = actions.add_person(team=team, by=request.user, **data)
            messages.success(request, _("Person %(code)s added.") % {"code": person.code})
            return redirect("people:detail", uuid=person.uuid)
        return render(request, "people/form.html", {"form": form}, status=400)
    return render(request, "people/form.html", {"form": form})


@require_GET
def person_detail(request, uuid):
    person = get_person_for_user(request.user, uuid)
    return render(request, "people/detail.html", {"person": person})


@require_http_methods(["GET", "POST"])
def person_edit(request, uuid):
    person = get_person_for_user(request.user, uuid, write=True)
    form = PersonForm(request.POST or None, initial=PersonForm.initial_from(person))
    if request.method == "POST":
        if form.is_valid():
            actions.update_person(person, by=request.user, **form.cleaned_data)
            messages.success(request, _("Changes saved."))
            return redirect("people:detail", uuid=person.uuid)
        return render(request, "people/form.html", {"form": form, "person": person}, status=400)
    return render(request, "people/form.html", {"form": form, "person": person})


@require_GET
def person_history(request, uuid):
    person = get_person_for_user(request.user, uuid)
    versions = list(
        RecordVersion.objects.filter(object_type="people.person", object_uuid=person.uuid)
        .select_related("changed_by")
        .order_by("number")
    )
    rows, before = [], None
    for version in versions:
        rows.append((version, history.diff(Person, before, version.snapshot)))
        before = version.snapshot
    rows.reverse()
    return render(request, "people/history.html", {"person": person, "rows": rows})


@require_POST
def person_restore(request, uuid, version):
    person = get_person_for_user(request.user, uuid, write=True)
    earlier = get_object_or_404(
        RecordVersion, object_type="people.person", object_uuid=person.uuid, uuid=version
    )
    restore_version(person, earlier, by=request.user)
    messages.success(request, _("Version %(n)s restored.") % {"n": earlier.number})
    return redirect("people:history", uuid=person.uuid)


@require_POST
def person_delete(request, uuid):
    person = get_person_for_user(request.user, uuid, write=True)
    actions.remove_person(person, by=request.user)
    messages.success(
        request, _("Person %(code)s deleted; the history is kept.") % {"code": person.code}
    )
    return redirect("people:list")
