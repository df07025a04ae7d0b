from functools import partial

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.models import writable_teams
from haven.audit.actions import record
from haven.people import actions
from haven.people.forms import (
    MoveForm,
    NewPersonForm,
    PersonForm,
    RelationshipForm,
    SealForm,
    person_listing,
)
from haven.people.models import (
    Merge,
    Person,
    get_merge_for_user,
    get_person_for_user,
)
from haven.people.sections import sections_for
from haven.people.selectors import (
    history_rows,
    related_by_others,
    relationships_of,
)
from haven.records.access import can_write, get_part_for_user
from haven.records.actions import restore_version
from haven.records.models import RecordVersion
from haven.web.forms import form_view
from haven.web.lists import lookup
from haven.web.pagination import paginate, shown


@require_http_methods(["GET", "POST"])
def person_list(request):
    # A lookup is POSTed so that a phone number or a name never appears in a URL.
    listed = person_listing(request.user, lookup(request), posted=request.method == "POST")
    people = paginate(request, listed.rows)
    find = listed.filters
    record("people.person.listed", summary=shown(people) + (", lookup" if find.query else ""))
    return render(
        request,
        "people/list.html",
        {
            "people": people,
            "find": find,
            "query": find.query,
            "sorting": listed.sorting,
            "can_add": writable_teams(request.user).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def person_new(request):
    if not writable_teams(request.user).exists():
        raise PermissionDenied
    form = NewPersonForm(request.POST if request.method == "POST" else None, user=request.user)

    def save(data):
        data = dict(data)
        person = actions.add_person(team=data.pop("team"), by=request.user, **data)
        messages.success(request, _("Person %(code)s added.") % {"code": person.code})
        return redirect("people:detail", uuid=person.uuid)

    return form_view(
        request,
        form,
        title=_("Add a person"),
        save=save,
        creates=True,
        back=(reverse("people:list"), _("People")),
    )


def _page(request, person, *, move_form=None, relationship_form=None) -> dict:
    """What the person page shows besides a form that was sent."""
    return {
        "person": person,
        "relationships": relationships_of(request.user, person),
        "related_by_others": related_by_others(request.user, person),
        # Called by the template: a form that is saved redirects without building them.
        "sections": partial(sections_for, request.user, person),
        "move_form": move_form or MoveForm(),
        "relationship_form": relationship_form
        or RelationshipForm(person=person, user=request.user),
        "can_write": can_write(request.user, person),
        "name_shown": person.shown_to(request.user),
    }


@require_GET
def person_detail(request, uuid):
    person = get_person_for_user(request.user, uuid)
    if person.sealed:
        # Every view of a sealed person's page, by a named member or not, says so.
        shown_to = "name shown" if person.shown_to(request.user) else "code only"
        record("people.person.sealed_viewed", target=person, summary=shown_to)
    return render(request, "people/detail.html", _page(request, person))


@require_http_methods(["GET", "POST"])
def person_seal(request, uuid):
    """Seal or unseal a person and choose the members who see the name: a writing
    member who may read the name (a named one, once sealed)."""
    person = get_person_for_user(request.user, uuid, write=True)
    if not person.shown_to(request.user):
        raise PermissionDenied
    form = SealForm(
        request.POST if request.method == "POST" else None, person=person, user=request.user
    )

    def save(data):
        if data["sealed"]:
            actions.seal_person(person, by=request.user, members=data["members"])
            messages.success(request, _("%(code)s is sealed.") % {"code": person.code})
        else:
            actions.unseal_person(person, by=request.user)
            messages.success(request, _("%(code)s is no longer sealed.") % {"code": person.code})
        return redirect("people:detail", uuid=person.uuid)

    return form_view(
        request,
        form,
        title=_("Seal %(code)s") % {"code": person.code},
        intro=_(
            "A sealed person's name and contacts are shown only to the members named "
            "here; the others see the code, everywhere."
        ),
        save=save,
        back=_back_to(person),
    )


def _inline_form(request, person, form, *, save, **forms):
    """A form of the person page: sent twice or saved, back to the page; invalid, the
    page again (400) with the form open and its errors."""
    return form_view(
        request,
        form,
        title=person.code,
        save=save,
        creates=True,
        back=(reverse("people:detail", kwargs={"uuid": person.uuid}), _("Back to the person")),
        template="people/detail.html",
        context=lambda: _page(request, person, **forms),
    )


@require_POST
def person_move(request, uuid):
    person = get_person_for_user(request.user, uuid, write=True)
    form = MoveForm(request.POST)

    def save(data):
        actions.record_move(person, by=request.user, **data)
        messages.success(request, _("Whereabouts updated."))
        return redirect("people:detail", uuid=person.uuid)

    return _inline_form(request, person, form, save=save, move_form=form)


@require_POST
def person_relate(request, uuid):
    person = get_person_for_user(request.user, uuid, write=True)
    form = RelationshipForm(request.POST, person=person, user=request.user)

    def save(data):
        actions.relate(person, data["other"], kind=data["kind"], note=data["note"], by=request.user)
        messages.success(request, _("Relationship recorded."))
        return redirect("people:detail", uuid=person.uuid)

    return _inline_form(request, person, form, save=save, relationship_form=form)


def _back_to(person) -> tuple[str, str]:
    return reverse("people:detail", kwargs={"uuid": person.uuid}), _("Back to the person")


def _move_of(person, index: int) -> dict:
    if index >= len(person.whereabouts or []):
        raise Http404
    return person.whereabouts[index]


@require_http_methods(["GET", "POST"])
def move_edit(request, uuid, index):
    person = get_person_for_user(request.user, uuid, write=True)
    move = _move_of(person, index)
    form = MoveForm(
        request.POST if request.method == "POST" else None,
        initial=MoveForm.initial_from(move),
        auto_id="id_%s",
    )

    def save(data):
        actions.change_move(person, index, by=request.user, **data)
        messages.success(request, _("Whereabouts updated."))
        return redirect("people:detail", uuid=person.uuid)

    return form_view(
        request,
        form,
        title=_("Correct a move of %(code)s") % {"code": person.code},
        save=save,
        back=_back_to(person),
        edits=person,
    )


@require_http_methods(["GET", "POST"])
def move_remove(request, uuid, index):
    """A page that asks first. It carries the version it shows, so a move removed or
    added by someone else meanwhile cannot make it remove another move."""
    person = get_person_for_user(request.user, uuid, write=True)
    move = _move_of(person, index)

    def save(_data):
        actions.remove_move(person, index, by=request.user)
        messages.success(request, _("The move is removed; the history keeps it."))
        return redirect("people:detail", uuid=person.uuid)

    return form_view(
        request,
        forms.Form(request.POST if request.method == "POST" else None),
        title=_("Remove the move to %(place)s?") % {"place": move.get("place", "")},
        intro=_(
            "It leaves the whereabouts of %(code)s. Nothing is erased: the person's "
            "history keeps it and can restore it."
        )
        % {"code": person.code},
        save=save,
        submit=_("Remove"),
        back=_back_to(person),
        edits=person,
    )


@require_http_methods(["GET", "POST"])
def relationship_edit(request, uuid, relationship):
    person = get_person_for_user(request.user, uuid)
    relationship = get_part_for_user(
        request.user, person, "relationships", relationship, write=True
    )
    form = RelationshipForm(
        request.POST if request.method == "POST" else None,
        person=person,
        user=request.user,
        relationship=relationship,
        auto_id="id_%s",
    )

    def save(data):
        actions.change_relationship(relationship, by=request.user, **data)
        messages.success(request, _("Relationship updated."))
        return redirect("people:detail", uuid=person.uuid)

    return form_view(
        request,
        form,
        title=_("Correct a relationship of %(code)s") % {"code": person.code},
        save=save,
        back=_back_to(person),
        edits=relationship,
    )


@require_http_methods(["GET", "POST"])
def relationship_remove(request, uuid, relationship):
    person = get_person_for_user(request.user, uuid)
    relationship = get_part_for_user(
        request.user, person, "relationships", relationship, write=True
    )

    def save(_data):
        actions.remove_relationship(relationship, by=request.user)
        messages.success(request, _("The relationship is removed; the history keeps it."))
        return redirect("people:detail", uuid=person.uuid)

    return form_view(
        request,
        forms.Form(request.POST if request.method == "POST" else None),
        title=_("Remove this relationship?"),
        intro=_(
            "%(kind)s: %(other)s leaves the page of %(code)s. Nothing is erased: the "
            "relationship keeps its history, and both people stay as they are."
        )
        % {"kind": relationship.kind.label, "other": relationship.other.code, "code": person.code},
        save=save,
        submit=_("Remove"),
        back=_back_to(person),
    )


@require_http_methods(["GET", "POST"])
def person_edit(request, uuid):
    person = get_person_for_user(request.user, uuid, write=True)
    if not person.shown_to(request.user):  # the form would show the code as the name
        raise PermissionDenied
    form = PersonForm(
        request.POST if request.method == "POST" else None, initial=PersonForm.initial_from(person)
    )

    def save(data):
        actions.update_person(person, by=request.user, **data)
        messages.success(request, _("Changes saved."))
        return redirect("people:detail", uuid=person.uuid)

    return form_view(
        request,
        form,
        title=_("Edit %(code)s") % {"code": person.code},
        save=save,
        back=(reverse("people:detail", kwargs={"uuid": person.uuid}), _("Back to the person")),
        edits=person,
    )


@require_GET
def person_history(request, uuid):
    person = get_person_for_user(request.user, uuid)
    return render(request, "people/history.html", {"person": person, "rows": history_rows(person)})


@require_POST
def person_restore(request, uuid, version):
    person = get_person_for_user(request.user, uuid, write=True)
    if not person.shown_to(request.user):
        raise PermissionDenied
    earlier = get_object_or_404(
        RecordVersion, object_type="people.person", object_uuid=person.uuid, uuid=version
    )
    try:
        restore_version(person, earlier, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Version %(n)s restored.") % {"n": earlier.number})
    return redirect("people:history", uuid=person.uuid)


@require_http_methods(["GET", "POST"])
def person_delete(request, uuid):
    """A page that asks first: deleting is one click away from the person's page."""
    person = get_person_for_user(request.user, uuid, write=True)

    def save(_data):
        actions.remove_person(person, by=request.user)
        messages.success(
            request, _("Person %(code)s deleted; the history is kept.") % {"code": person.code}
        )
        return redirect("people:list")

    return form_view(
        request,
        forms.Form(request.POST if request.method == "POST" else None),
        title=_("Delete %(code)s?") % {"code": person.code},
        intro=_(
            "%(name)s disappears from every list and search. Nothing is erased: the "
            "history and every record that mentions this person are kept."
        )
        % {"name": person.name},
        save=save,
        submit=_("Delete"),
        back=(reverse("people:detail", kwargs={"uuid": person.uuid}), _("Back to the person")),
    )


@require_GET
def duplicates(request):
    from haven.people import searching
    from haven.people.duplicates import find
    from haven.people.kept import from_stored

    people = Person.objects.writable_by(request.user)
    count = people.count()
    search, damaged = None, False
    if count <= settings.HAVEN_DUPLICATES_IN_REQUEST:
        found = find(people)  # about a second's work at most: while the page waits
    else:
        # Too many to compare while the page waits: the background worker's latest
        # search, its progress or its pairs (``haven.people.searching``).
        search = searching.latest(request.user)
        done = search is not None and search.status == search.Status.DONE
        # Pairs that no longer decrypt are shown as a search that failed: look again.
        damaged = done and getattr(search.found, "damaged", False)
        found = from_stored(search.found, people) if done and not damaged else None
    # Every pair and every merge can be reached, a page at a time, each list with its total.
    candidates = paginate(request, found) if found is not None else None
    merges = paginate(
        request,
        Merge.objects.visible_to(request.user).select_related("kept", "merged"),
        param="merges_page",
    )
    if candidates is not None:
        record(
            "people.duplicates.listed",
            summary=f"{candidates.paginator.count} candidate pairs, {shown(candidates)}",
        )
    context = {
        "candidates": candidates,
        "merges": merges,
        "search": search,
        "people": count,
        "damaged": damaged,
    }
    return render(request, "people/duplicates.html", context)


@require_POST
def find_duplicates(request):
    """Look for duplicates again, in the background (``haven.people.searching``)."""
    from haven.people import searching

    searching.start(request.user)
    return redirect("people:duplicates")


@require_POST
def merge(request):
    from haven.people.merging import merge as merge_people

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
    from haven.people.merging import undo

    result = get_merge_for_user(request.user, uuid, write=True)
    try:
        undo(result, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The merge is undone."))
    return redirect("people:duplicates")
