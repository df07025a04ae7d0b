"""Administrators edit the controlled lists; a term in use can be retired, not deleted."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.decorators import administrator_required
from haven.vocab import actions
from haven.vocab.models import Term, Vocabulary
from haven.web.forms import form_view


class TermForm(forms.Form):
    """A term's code and labels; the cleaned data are ``add_term``'s arguments."""

    code = forms.SlugField(label=capfirst(gettext_lazy("code")), max_length=60)
    label_en = forms.CharField(label=capfirst(gettext_lazy("English label")), max_length=200)
    label_ru = forms.CharField(label=capfirst(gettext_lazy("Russian label")), max_length=200)
    position = forms.IntegerField(
        label=capfirst(gettext_lazy("position")), min_value=0, initial=100
    )

    @classmethod
    def initial_from(cls, term: Term) -> dict:
        return {name: getattr(term, name) for name in cls.base_fields}


@administrator_required
@require_GET
def vocabulary_list(request):
    terms = Term.objects.order_by("vocabulary", "position", "code")
    groups = [
        (code, label, [t for t in terms if t.vocabulary == code])
        for code, label in Vocabulary.choices
    ]
    return render(request, "vocab/list.html", {"groups": groups})


@administrator_required
@require_http_methods(["GET", "POST"])
def term_new(request, vocabulary):
    if vocabulary not in Vocabulary.values:
        raise Http404
    form = TermForm(request.POST if request.method == "POST" else None)

    def save(data):
        actions.add_term(vocabulary, **data)
        messages.success(request, _("Term added."))
        return redirect("vocab:list")

    label = dict(Vocabulary.choices)[vocabulary]
    return form_view(request, form, title=label, save=save, creates=True, back=_back())


@administrator_required
@require_http_methods(["GET", "POST"])
def term_edit(request, pk):
    term = get_object_or_404(Term, pk=pk)
    form = TermForm(
        request.POST if request.method == "POST" else None, initial=TermForm.initial_from(term)
    )
    form.fields["code"].disabled = True  # codes are stable: records and exports refer to them

    def save(data):
        data.pop("code")
        actions.relabel_term(term, **data)
        messages.success(request, _("Changes saved."))
        return redirect("vocab:list")

    return form_view(request, form, title=term.label, save=save, back=_back())


def _back():
    return (reverse("vocab:list"), _("Vocabularies"))


@administrator_required
@require_POST
def term_retire(request, pk):
    term = get_object_or_404(Term, pk=pk)
    actions.retire_term(term, retired=not term.retired)
    messages.success(request, _("Term retired.") if term.retired else _("Term back in use."))
    return redirect("vocab:list")


@administrator_required
@require_POST
def term_delete(request, pk):
    term = get_object_or_404(Term, pk=pk)
    try:
        actions.delete_term(term)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Term deleted."))
    return redirect("vocab:list")
