"""The search page. Queries travel in POST bodies, never in URLs: a name typed here must
not end up in an access log, a browser history or a referrer."""

from __future__ import annotations

import uuid

from django import forms
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from haven.audit.actions import record
from haven.records.models import Visibility
from haven.search.engine import FACETS, KINDS, PAGE, search
from haven.search.query import LONGEST
from haven.search.words import search_texts
from haven.vocab.models import Term, Vocabulary
from haven.web import pickers


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        max_length=LONGEST,
        min_length=2,
        error_messages={
            "max_length": _(
                "A search is at most %(limit_value)d characters: type a name, a code or a "
                "number, not a whole text."
            )
        },
    )
    kind = forms.CharField(required=False, max_length=20)
    status = forms.CharField(required=False, max_length=20)
    region = forms.CharField(required=False, max_length=150)
    act_type = forms.CharField(required=False, max_length=60)
    year = forms.CharField(required=False, max_length=4)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)


@require_http_methods(["GET", "POST"])
def search_page(request):
    form = SearchForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "hits": None}
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        data = dict(form.cleaned_data)
        if request.POST.get("clear"):
            data.update(dict.fromkeys(FACETS, ""))
        chosen = {name: data[name] for name in FACETS if data[name]}
        # The member's teams are read once for the names and the narratives alike.
        visible = Visibility(request.user)
        results = search(
            data["q"],
            request.user,
            only=data["kind"] or None,
            chosen=chosen,
            page=data["page"] or 1,
            visible=visible,
        )
        if results.opened is not None:
            record("search.performed", summary="a record code")
            return redirect(results[0].url)
        # Narratives are their own section, over the query as typed; the facets narrow
        # the names and titles above it, so with a facet chosen (or past the first page)
        # the section is left out. A record code is not words: split at its digits it
        # would look up fragments ("a" of C-3A5XHB), and the page would then differ
        # between an unknown code and another team's.
        skip_texts = chosen or results.page > 1 or results.query.code
        texts = None if skip_texts else search_texts(data["q"], request.user, visible)
        summary = f"{results.total} results"
        if texts is not None:
            summary += f", {len(texts.hits)} in texts"
        record("search.performed", summary=summary)
        context.update(
            {
                "hits": [(hit, hit.url, hit.text) for hit in results],
                "total": results.total,
                "page": results.page,
                "first": (results.page - 1) * PAGE + 1,
                "next_page": results.page + 1 if results.more else None,
                "notes": results.notes,
                "facets": _facet_lists(results.counts, request.LANGUAGE_CODE),
                "chosen": chosen,
                "texts": texts,
            }
        )
    return render(request, "search/search.html", context, status=status)


def _facet_lists(counts, language: str) -> list:
    """(facet, [(value, label, count)]) for each facet with a count, the largest first."""
    from haven.cases.models import Case

    label_column = "label_ru" if language == "ru" else "label_en"
    labels = {
        "kind": {kind.code: kind.label for kind in KINDS},
        "status": dict(Case.Status.choices),
    }
    if counts["act_type"]:  # most searches find no act: no query for their labels
        labels["act_type"] = dict(
            Term.objects.of(Vocabulary.ACT_TYPE).values_list("code", label_column)
        )
    return [
        (
            name,
            [
                (value, labels.get(name, {}).get(value, value), count)
                for value, count in counts[name].most_common(12)
            ],
        )
        for name in FACETS
        if counts[name]
    ]


class PickForm(forms.Form):
    kind = forms.ChoiceField(choices=[(code, code) for code in pickers.KINDS])
    q = forms.CharField(max_length=200)
    team = forms.IntegerField(required=False, min_value=1)
    write = forms.BooleanField(required=False)
    only = forms.CharField(required=False, max_length=40 * pickers.FEW)

    def clean_only(self):
        """UUIDs separated by spaces, or None when not sent (an empty list is no choice)."""
        if "only" not in self.data:
            return None
        try:
            return [uuid.UUID(part) for part in self.cleaned_data["only"].split()]
        except ValueError:
            raise forms.ValidationError(_("Not a list of record ids.")) from None


@require_POST
def pick(request):
    """A picker's suggestions (``picker.js``): records of one kind that the text names,
    among those the user may see (``write``: may change), of one team when asked.
    POST only, like the search page, so that what is typed stays out of URLs."""
    form = PickForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"results": [], "errors": form.errors.get_json_data()}, status=400)
    data = form.cleaned_data
    results = pickers.suggest(
        data["kind"],
        data["q"],
        request.user,
        team=data["team"],
        write=data["write"],
        only=data["only"],
    )
    return JsonResponse({"results": results})
