"""The case dossier's page: a form (language, format, reason), answered by the file."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from haven.cases.models import get_case_for_user
from haven.documents.actions import make_dossier, make_own_copy
from haven.documents.forms import DossierForm, OwnCopyForm
from haven.documents.subject_access import may_make, person_language
from haven.exports.actions import identifying_role_labels, may_export_identifying
from haven.people.models import get_person_for_user
from haven.web.forms import form_view


@require_http_methods(["GET", "POST"])
def dossier(request, uuid):
    """Anyone who may read the case may make its dossier (read-only members too)."""
    case = get_case_for_user(request.user, uuid)
    language = request.user.language or translation.get_language() or "en"
    form = DossierForm(request.POST if request.method == "POST" else None, language=language)

    def send(data):
        made = make_dossier(
            case,
            by=request.user,
            format=data["format"],
            language=data["language"],
            reason=data["reason"],
            request=request,
        )
        response = HttpResponse(made.data, content_type=made.content_type)
        response["Content-Disposition"] = content_disposition_header(True, made.filename)
        response["Cache-Control"] = "no-store"
        return response

    if may_export_identifying(request.user):
        intro = _(
            "A dossier of the case for its lawyer: the persons, the timeline, risk "
            "assessments, actions, petitions and decisions, the linked incidents and the "
            "sources with their hashes. Persons are named where their consent for legal "
            "action allows it; the others appear by code only."
        )
    else:
        intro = _(
            "A dossier of the case for its lawyer. Your role may not see names in exports, "
            "so every person appears by code only; these roles may make a dossier with "
            "names: %(roles)s."
        ) % {"roles": ", ".join(identifying_role_labels())}
    return form_view(
        request,
        form,
        title=_("Dossier of %(code)s") % {"code": case.code},
        save=send,
        back=(reverse("cases:detail", kwargs={"uuid": case.uuid}), f"{case.code} · {case.title}"),
        submit=_("Download the dossier"),
        intro=intro,
    )


@require_http_methods(["GET", "POST"])
def own_copy(request, uuid):
    """A person's own copy (subject access): the roles of ``HAVEN_SUBJECT_ACCESS_ROLES``,
    writing members of the person's team (named ones, if the person is sealed)."""
    person = get_person_for_user(request.user, uuid, write=True)
    if not may_make(request.user) or not person.shown_to(request.user):
        raise PermissionDenied  # before the form is filled in; make_own_copy checks again
    language = person_language(person) or request.user.language or "en"
    form = OwnCopyForm(request.POST if request.method == "POST" else None, language=language)

    def send(data):
        made = make_own_copy(
            person,
            by=request.user,
            language=data["language"],
            reason=data["reason"],
            request=request,
        )
        response = HttpResponse(made.data, content_type="application/zip")
        response["Content-Disposition"] = content_disposition_header(True, made.filename)
        response["Cache-Control"] = "no-store"
        return response

    return form_view(
        request,
        form,
        title=_("Own copy of %(code)s") % {"code": person.code},
        save=send,
        back=(reverse("people:detail", kwargs={"uuid": person.uuid}), person.code),
        submit=_("Download the copy"),
        intro=_(
            "Everything Haven holds about this person, for the person who asked for it: "
            "their record, relationships, requests, cases, risk assessments, actions, "
            "consents, incidents, sources with their hashes and the log of their record, "
            "as a PDF with its data in a signed archive. Other people appear by code only."
        ),
    )
