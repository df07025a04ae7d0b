"""Administrators edit the controlled lists; a term in use can be retired, not deleted."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.decorators import administrator_required
from haven.audit.actions import record
from haven.vocab.models import Term, Vocabulary


class TermForm(forms.ModelForm):
    class Meta:
        model = Term
        fields = ["code", "label_en", "label_ru", "position"]

    def clean_code(self):
        code = self.cleaned_data["code"]
        taken = Term.objects.filter(vocabulary=self.instance.vocabulary, code=code)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("This vocabulary already has a term with this code."))
        return code


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
    form = TermForm(
        request.POST if request.method == "POST" else None, instance=Term(vocabulary=vocabulary)
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            term = form.save()
            record("vocab.term.created", target=term, summary=f"{vocabulary}:{term.code}")
        messages.success(request, _("Term added."))
        return redirect("vocab:list")
    label = dict(Vocabulary.choices)[vocabulary]
    return render(
        request,
        "vocab/form.html",
        {"form": form, "title": label},
        status=400 if form.is_bound else 200,
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def term_edit(request, pk):
    term = get_object_or_404(Term, pk=pk)
    form = TermForm(request.POST if request.method == "POST" else None, instance=term)
    form.fields["code"].disabled = True  # codes are stable: records and exports refer to them
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            record("vocab.term.updated", target=term, summary=f"{term.vocabulary}:{term.code}")
        messages.success(request, _("Changes saved."))
        return redirect("vocab:list")
    return render(
        request,
        "vocab/form.html",
        {"form": form, "title": term.label, "term": term},
        status=400 if form.is_bound else 200,
    )


@administrator_required
@require_POST
def term_retire(request, pk):
    term = get_object_or_404(Term, pk=pk)
    with transaction.atomic():
        term.retired = not term.retired
        term.save(update_fields=["retired"])
        record(
            "vocab.term.retired" if term.retired else "vocab.term.restored",
            target=term,
            summary=f"{term.vocabulary}:{term.code}",
        )
    messages.success(request, _("Term retired.") if term.retired else _("Term back in use."))
    return redirect("vocab:list")


@administrator_required
@require_POST
def term_delete(request, pk):
    term = get_object_or_404(Term, pk=pk)
    try:
        with transaction.atomic():
            summary = f"{term.vocabulary}:{term.code}"
            term.delete()
            record("vocab.term.deleted", summary=summary)
    except ProtectedError:
        messages.error(
            request, _("This term is in use, so it cannot be deleted: retire it instead.")
        )
        return redirect("vocab:list")
    messages.success(request, _("Term deleted."))
    return redirect("vocab:list")
