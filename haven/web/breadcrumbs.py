"""The trail above every page (Home › Cases › C-0042 › Edit), derived from the URL.

Each leading part of the path that resolves to a page is a step: a module's list gets
its name, a record's page gets the record's code, the page itself gets its title. No
template has to describe where it sits, so a page added later has its trail at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext_lazy as _

# The pages that are a step of other pages' trails, by URL name.
SECTIONS = {
    "cases:list": _("Cases"),
    "cases:requests": _("Requests"),
    "incidents:list": _("Incidents"),
    "incidents:statistics": _("Statistics"),
    "people:list": _("People"),
    "people:duplicates": _("Possible duplicates"),
    "sources:list": _("Sources"),
    "search:search": _("Search"),
    "vocab:list": _("Vocabularies"),
    "locations:list": _("Locations"),
    "audit:log": _("Audit log"),
    "admin:users": _("Users"),
    "admin:teams": _("Teams"),
    "accounts:account": _("Your account"),
    "imports:list": _("Import"),
    "drafts:templates": _("Document templates"),
}

# A record's page, by URL name: the model whose code names the step, and what to call it
# when the code is not known (a record the user may not see).
RECORDS = {
    "cases:detail": ("cases.Case", _("Case")),
    "cases:request_detail": (None, _("Request")),
    "incidents:detail": ("incidents.Incident", _("Incident")),
    "people:detail": ("people.Person", _("Person")),
    "sources:detail": ("sources.Source", _("Source")),
}

# The last step of a verb's page is the verb, as the record's code is the step before it.
VERBS = {"edit": _("Edit"), "delete": _("Delete")}


@dataclass(frozen=True)
class Step:
    label: str
    url: str


def _prefixes(path: str) -> list[str]:
    """``/cases/x/edit/`` → ``/cases/``, ``/cases/x/``: the paths above this page."""
    parts = [part for part in path.split("/") if part]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts))]


def _record_code(context_objects, model: str | None, uuid, user) -> str | None:
    """The record's code: from the page's own objects when it shows the record, else
    asked through the policy layer, so a record the user may not see stays unnamed."""
    for value in context_objects:
        if getattr(value, "uuid", None) == uuid and isinstance(getattr(value, "code", None), str):
            return value.code
    if model is None or not getattr(user, "is_authenticated", False):
        return None
    # The view has already read this record (and audited it) to answer; the code is the
    # record's pseudonym, shown in every list, so naming it here reveals nothing new.
    found = apps.get_model(model).objects.visible_to(user).live().filter(uuid=uuid)
    return found.values_list("code", flat=True).first()


def trail(request, title: str, context_objects=()) -> list[Step]:
    """The steps from Home to this page; the last one is the page itself. Empty on
    the dashboard, which is Home, and on pages outside the URL map (errors)."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name == "web:home":
        return []
    home = reverse("web:home")
    # Behind a path prefix (SCRIPT_NAME), links keep it; resolving works without it.
    script = home[:-1]
    steps = [Step(str(_("Home")), home)]
    named = False  # whether the step above this page is a record known by its code
    for prefix in _prefixes(request.path_info):
        try:
            above = resolve(prefix)
        except Resolver404:
            continue
        named = False
        if above.view_name in SECTIONS:
            steps.append(Step(str(SECTIONS[above.view_name]), script + prefix))
        elif above.view_name in RECORDS and "uuid" in above.kwargs:
            model, noun = RECORDS[above.view_name]
            code = _record_code(context_objects, model, above.kwargs["uuid"], request.user)
            steps.append(Step(code or str(noun), script + prefix))
            named = code is not None
    label = title
    # A page that did not find its record (404) keeps its own title, "Not found".
    if match.url_name in VERBS and named:
        label = str(VERBS[match.url_name])
    steps.append(Step(label, request.path))
    return steps
