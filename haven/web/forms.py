"""What every module's form views share: one form view, one form template, errors
from actions shown on the form, and the guard against a form sent twice."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.web import once, pickers

FORM_TEMPLATE = "web/form.html"


class TeamField(forms.ModelChoiceField):
    """The team a new record goes to, among ``teams`` (the user's writable ones); chosen
    already when there is only one, so a member of one team never has to pick it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Team"))
        kwargs.setdefault("queryset", None)
        super().__init__(**kwargs)

    def offer(self, teams) -> None:
        self.queryset = teams
        only = list(teams[:2])
        if len(only) == 1:
            self.initial = only[0].pk
            self.empty_label = None


def apply_action(form, call: Callable[[], object]) -> bool:
    """Run an action function; show its ValidationError on the form. True when it worked.

    Errors for a field the form has go next to that field, the rest above the form.
    """
    try:
        call()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return False
    return True


SEEN_FIELD = "_seen"
_LARGEST_ID = 2**63 - 1


def _without_oversized_ids(form):
    """``form``'s data with every id too large for the database (99999999999999999999)
    replaced by one that is simply not a choice: the field then says so, instead of the
    database failing on the number."""
    data = form.data
    if not form.is_bound or not hasattr(data, "getlist"):
        return data
    cleaned = None
    for name, field in form.fields.items():
        if not isinstance(field, forms.ModelChoiceField):
            continue
        key = form.add_prefix(name)
        values = data.getlist(key)
        if any(_oversized(value) for value in values):
            cleaned = cleaned if cleaned is not None else data.copy()
            cleaned.setlist(key, ["-" if _oversized(value) else value for value in values])
    return data if cleaned is None else cleaned


def _oversized(value) -> bool:
    text = str(value).strip().lstrip("+-")
    return text.isascii() and text.isdigit() and int(text) > _LARGEST_ID


def seen_version(record) -> str:
    """The version of ``record`` an edit page was built from."""
    return record.updated_at.isoformat() if record.updated_at else ""


class StaleEdit(Exception):
    """Someone else saved the record after the edit page was built."""


def _refuse_stale(record, seen: str | None) -> None:
    """Raise StaleEdit when ``record`` was saved since the page that sent ``seen``.

    Called inside the save's transaction: the row is read again under a lock, so two
    posts cannot both pass on the same version.
    """
    current = (
        type(record)
        ._base_manager.select_for_update()
        .filter(pk=record.pk)
        .values_list("updated_at", flat=True)
        .first()
    )
    if not seen or current is None or current.isoformat() != seen:
        raise StaleEdit


class _SentBefore(Exception):
    """The form's token was spent by an earlier submission that was saved."""


def form_view(
    request,
    form,
    *,
    title: str,
    save: Callable[[dict], HttpResponse],
    creates: bool = False,
    back: tuple[str, str] | None = None,
    submit: str | None = None,
    intro: str = "",
    template: str = FORM_TEMPLATE,
    context: dict | Callable[[], dict] | None = None,
    edits=None,
) -> HttpResponse:
    """The one form page: GET shows ``form``; a POST that is valid calls ``save`` (which
    calls an action with the cleaned data and returns the redirect), anything else
    answers 400 with the form and what to fix.

    ``creates=True`` guards against a form sent twice (a double click, a resend on a
    slow connection): the second submission saves nothing, says so, and goes where
    ``back`` points. An action's ``ValidationError`` lands on the form and rolls back
    whatever ``save`` did before it. ``context`` may be a function, called only when the
    page is rendered, so that a valid post does not build a page it will not show.

    ``edits`` is the record an edit form changes: the page carries the version the user
    saw, and a post made after someone else saved the record is refused (409) with the
    user's input kept, instead of overwriting the other change. Sending the form again
    from that page saves it, as the user has now been told.
    """
    status = 200
    if request.method == "POST":
        status = 400
        form.data = _without_oversized_ids(form)
        if form.is_valid():
            response: list[HttpResponse] = []

            def run():
                with transaction.atomic():
                    # The token is spent in the transaction that saves: a save cut off
                    # before its commit (a killed server) leaves it for the form resent.
                    if creates and not once.consume(request):
                        raise _SentBefore
                    if edits is not None:
                        _refuse_stale(edits, request.POST.get(SEEN_FIELD))
                    pickers.add_new_people(form, by=request.user)
                    response.append(save(form.cleaned_data))

            try:
                if apply_action(form, run):
                    return response[0]
            except _SentBefore:
                messages.warning(request, _("This form was already sent; nothing was saved twice."))
                return redirect(back[0] if back else "web:home")
            except StaleEdit:
                form.add_error(
                    None,
                    _(
                        "Someone else saved this record after you opened it, so your changes "
                        "were not saved. Open it in another tab to see what changed; send "
                        "this form again to save your version over theirs."
                    ),
                )
                status = 409
    page = {
        "title": title,
        "form": form,
        "back": back,
        "submit": submit or _("Save"),
        "intro": intro,
        "multipart": form.is_multipart(),
        "seen": (SEEN_FIELD, seen_version(edits)) if edits is not None else None,
        **((context() if callable(context) else context) or {}),
    }
    return render(request, template, page, status=status)
