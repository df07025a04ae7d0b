from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.models import Team, writable_teams
from haven.audit.actions import record
from haven.incidents.views import person_acts
from haven.lib.timeline import Event, picture
from haven.people import actions
from haven.people.forms import FindForm, MoveForm, PersonForm, RelationshipForm
from haven.people.models import Merge, Person, Relationship, get_person_for_user
from haven.records import blind, history
from haven.records.access import can_write
from haven.records.actions import restore_version
from haven.records.models import RecordVersion

PERSON_LANES = [
    ("victim", gettext_lazy("As victim")),
    ("perpetrator", gettext_lazy("As perpetrator")),
]


@require_http_methods(["GET", "POST"])
def person_list(request):
    # A lookup is POSTed so that a phone number or a name never appears in a URL.
    people = Person.objects.visible_to(request.user).select_related("team")
    find = FindForm(request.POST if request.method == "POST" else None)
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
            "can_add": writable_teams(request.user).exists(),
        },
    )


class NewPersonForm(PersonForm):
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=Team.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = writable_teams(user)


@require_http_methods(["GET", "POST"])
def person_new(request):
    if not writable_teams(request.user).exists():
        raise PermissionDenied
    form = NewPersonForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            team = data.pop("team")
            person = actions.add_person(team=team, by=request.user, **data)
            messages.success(request, _("Person %(code)s added.") % {"code": person.code})
            return redirect("people:detail", uuid=person.uuid)
        return render(request, "people/form.html", {"form": form}, status=400)
    return render(request, "people/form.html", {"form": form})


def _detail(request, person, status=200, move_form=None, relationship_form=None):
    relationships = (
        Relationship.objects.visible_to(request.user)
        .filter(person=person)
        .select_related("kind", "other")
    )
    acts = person_acts(request.user, person)
    events = [
        Event(
            act.when.earliest,
            role,
            f"{act.act_type.label} ({act.incident.code})",
            css=f"role-{role}",
        )
        for act, role in acts
        if act.when
    ]
    context = {
        "person": person,
        "acts": acts,
        "timeline": picture(events, kinds=PERSON_LANES),
        "relationships": relationships,
        "move_form": move_form or MoveForm(),
        "relationship_form": relationship_form
        or RelationshipForm(person=person, user=request.user),
        "can_write": can_write(request.user, person),
    }
    return render(request, "people/detail.html", context, status=status)


@require_GET
def person_detail(request, uuid):
    return _detail(request, get_person_for_user(request.user, uuid))


@require_POST
def person_move(request, uuid):
    person = get_person_for_user(request.user, uuid, write=True)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _detail(request, person, status=400, move_form=form)
    actions.record_move(person, by=request.user, **form.cleaned_data)
    messages.success(request, _("Whereabouts updated."))
    return redirect("people:detail", uuid=person.uuid)


@require_POST
def person_relate(request, uuid):
    person = get_person_for_user(request.user, uuid, write=True)
    form = RelationshipForm(request.POST, person=person, user=request.user)
    if not form.is_valid():
        return _detail(request, person, status=400, relationship_form=form)
    actions.relate(
        person,
        form.cleaned_data["other"],
        kind=form.cleaned_data["kind"],
        note=form.cleaned_data["note"],
        by=request.user,
    )
    messages.success(request, _("Relationship recorded."))
    return redirect("people:detail", uuid=person.uuid)


@require_http_methods(["GET", "POST"])
def person_edit(request, uuid):
    person = get_person_for_user(request.user, uuid, write=True)
    form = PersonForm(
        request.POST if request.method == "POST" else None, initial=PersonForm.initial_from(person)
    )
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


@require_GET
def duplicates(request):
    from haven.people.duplicates import find

    people = Person.objects.writable_by(request.user)
    candidates = find(people)[:100]
    merges = Merge.objects.visible_to(request.user).select_related("kept", "merged")[:50]
    record("people.duplicates.listed", summary=f"{len(candidates)} candidate pairs")
    return render(request, "people/duplicates.html", {"candidates": candidates, "merges": merges})


@require_POST
def merge(request):
    from haven.people.duplicates import merge as merge_people

    kept = get_person_for_user(request.user, request.POST.get("kept", ""), write=True)
    merged = get_person_for_user(request.user, request.POST.get("merged", ""), write=True)
    try:
        merge_people(kept, merged, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            _("%(merged)s is merged into %(kept)s; this can be undone.")
            % {"merged": merged.code, "kept": kept.code},
        )
    return redirect("people:duplicates")


@require_POST
def unmerge(request, uuid):
    from haven.people.duplicates import undo

    result = Merge.objects.visible_to(request.user).filter(uuid=uuid).first()
    if result is None:
        record("access.denied", summary=f"people.merge {str(uuid)[:40]}")
        raise Http404
    try:
        undo(result, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The merge is undone."))
    return redirect("people:duplicates")
