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

from haven.web import once

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
) -> HttpResponse:
    """The one form page: GET shows ``form``; a POST that is valid calls ``save`` (which
    calls an action with the cleaned data and returns the redirect), anything else
    answers 400 with the form and what to fix.

    ``creates=True`` guards against a form sent twice (a double click, a resend on a
    slow connection): the second submission saves nothing, says so, and goes where
    ``back`` points. An action's ``ValidationError`` lands on the form and rolls back
    whatever ``save`` did before it. ``context`` may be a function, called only when the
    page is rendered, so that a valid post does not build a page it will not show.
    """
    if request.method == "POST":
        if form.is_valid():
            if creates and not once.consume(request):
                messages.warning(request, _("This form was already sent; nothing was saved twice."))
                return redirect(back[0] if back else "web:home")
            response: list[HttpResponse] = []

            def run():
                with transaction.atomic():
                    response.append(save(form.cleaned_data))

            if apply_action(form, run):
                return response[0]
        status = 400
    else:
        status = 200
    page = {
        "title": title,
        "form": form,
        "back": back,
        "submit": submit or _("Save"),
        "intro": intro,
        "multipart": form.is_multipart(),
        **((context() if callable(context) else context) or {}),
    }
    return render(request, template, page, status=status)
