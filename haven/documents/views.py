"""The case dossier's page: a form (language, format, reason), answered by the file."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from haven.cases.models import get_case_for_user
from haven.documents.actions import make_dossier
from haven.documents.forms import DossierForm
from haven.exports.actions import identifying_role_labels, may_export_identifying
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
