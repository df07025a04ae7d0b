"""The Import pages: upload a file, map its columns and values, preview, check every row,
import, watch the progress. Every page works without JavaScript: a page with work in
progress refreshes itself."""

from __future__ import annotations

from collections import Counter

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.models import writable_teams
from haven.audit.actions import record
from haven.imports import actions, tasks
from haven.imports.mapping import DATE_ORDERS, KEEP, NEW, Mapping, targets
from haven.imports.models import ImportJob, SavedMapping, get_import_for_user
from haven.jobs.queue import enqueue
from haven.sources.vault import EncryptingUploadHandler, discard_unstored

# Distinct values shown in one value table; a column with more is not a list of values.
VALUES_SHOWN = 60
PEOPLE_SHOWN = 40


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (CSV, XLSX or ODS)"))
    team = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Team"), empty_label=None)
    saved = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=gettext_lazy("Start from a saved mapping"),
        empty_label=gettext_lazy("— none —"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = writable_teams(user)
        self.fields["saved"].queryset = SavedMapping.objects.visible_to(user)
        self.fields["saved"].label_from_instance = lambda saved: saved.name


@require_GET
def import_list(request):
    jobs = list(ImportJob.objects.visible_to(request.user).select_related("team")[:50])
    record("imports.import.listed", summary=f"{len(jobs)} imports", records=jobs)
    return render(
        request,
        "imports/list.html",
        {"jobs": jobs, "form": UploadForm(user=request.user)},
    )


@csrf_exempt
@require_POST
@discard_unstored
def upload(request):
    # The file is encrypted as it arrives, like evidence: it never touches disk in clear.
    request.upload_handlers = [EncryptingUploadHandler(request)]
    return _upload(request)


@csrf_protect
def _upload(request):
    from haven.imports.readers import FileRefused

    if not writable_teams(request.user).exists():
        raise PermissionDenied
    form = UploadForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        sealed = form.cleaned_data["file"]
        saved = form.cleaned_data["saved"]
        data = _read_sealed(sealed)
        try:
            job = actions.start_import(
                team=form.cleaned_data["team"],
                by=request.user,
                name=sealed.name or "file",
                data=data,
                mapping=saved.spec if saved else None,
            )
        except FileRefused as exc:
            form.add_error("file", str(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("imports:detail", job.uuid)
        finally:
            sealed.discard()
    jobs = list(ImportJob.objects.visible_to(request.user).select_related("team")[:50])
    return render(request, "imports/list.html", {"jobs": jobs, "form": form}, status=400)


def _read_sealed(sealed) -> bytes:
    """The upload's bytes, decrypted in memory from its sealed temporary file."""
    from haven.lib.stream_crypto import open_stream

    with sealed.sealer.tmp_path.open("rb") as handle:
        return b"".join(open_stream(handle, sealed.sealer.key, sealed.sealer.file_id))


# -- the job's page ---------------------------------------------------------------------


def _distinct(table, columns: list[str], limit: int) -> dict[str, list[tuple[str, int]]]:
    """Each column's distinct values with their counts, the most common first; a column
    with more than ``limit`` values gets the first ``limit``."""
    counts = {column: Counter() for column in columns}
    index = {column: table.columns.index(column) for column in columns}
    for values in table.rows():
        for column, position in index.items():
            value = values[position].strip() if position < len(values) else ""
            if value:
                counts[column][value] += 1
    return {column: counts[column].most_common(limit) for column in columns}


def _samples(table, limit: int = 3) -> list[list[str]]:
    found = [[] for _column in table.columns]
    for values in table.rows():
        for position, value in enumerate(values):
            if value.strip() and len(found[position]) < limit and value not in found[position]:
                found[position].append(value.strip()[:80])
        if all(len(item) >= limit for item in found):
            break
    return found


def _people_names(table, mapping: Mapping, builder) -> list[str]:
    from haven.imports.cells import split

    columns = [
        column for key, column in mapping.mapped().items() if builder.fields[key].kind == "people"
    ]
    names: Counter = Counter()
    for column in columns:
        position = table.columns.index(column)
        for values in table.rows():
            for name in split(values[position]) if position < len(values) else []:
                names[name] += 1
    return [name for name, _count in names.most_common(PEOPLE_SHOWN)]


def _context(request, job: ImportJob) -> dict:
    from haven.imports.readers import FileRefused
    from haven.people.models import Person
    from haven.search.engine import find

    context = {"job": job, "targets": targets(), "date_orders": DATE_ORDERS}
    try:
        table = actions.open_job_table(job)
    except FileRefused as exc:
        context["read_error"] = str(exc)
        return context
    try:
        mapping = Mapping.from_json(job.mapping, columns=table.columns) if job.mapping else None
    except ValidationError as exc:
        context["mapping_errors"] = exc.messages
        mapping = None
    mapping = mapping or Mapping(target=(job.mapping or {}).get("target", "incidents"))
    fields = targets()[mapping.target][1]
    context.update(table=table, mapping=mapping, fields=fields)
    samples = _samples(table)
    context["columns"] = [
        {"index": i, "name": name, "samples": samples[i], "field": mapping.field_of(name)}
        for i, name in enumerate(table.columns)
    ]
    builder = actions.Builder(mapping, team=job.team, by=request.user, columns=table.columns)
    listed = [
        column
        for key, column in mapping.mapped().items()
        if builder.fields[key].has_values or builder.fields[key].kind == "place"
    ]
    distinct = _distinct(table, listed, VALUES_SHOWN)
    value_tables = []
    for column in listed:
        key = mapping.field_of(column)
        spec = builder.fields[key]
        chosen = mapping.values_of(column)
        rows = []
        for position, (value, count) in enumerate(distinct[column]):
            if spec.kind == "place":
                decision = mapping.places.get(value, "")
                found = builder._place(value) if decision != NEW else None
                rows.append(
                    {
                        "i": position,
                        "value": value,
                        "count": count,
                        "chosen": decision,
                        "found": found,
                    }
                )
                continue
            rows.append(
                {
                    "i": position,
                    "value": value,
                    "count": count,
                    "chosen": chosen.get(value) or _guess(builder, spec, value),
                }
            )
        if spec.kind == "place":
            options = []
        elif spec.kind == "choice":
            options = [(code, label) for code, label in spec.choices]
        else:
            options = [(t.code, t.label) for t in builder.terms[spec.kind[5:]] if not t.retired]
        value_tables.append(
            {
                "column": column,
                "index": table.columns.index(column),
                "field": spec,
                "rows": rows,
                "options": options,
                "place": spec.kind == "place",
            }
        )
    context["value_tables"] = value_tables
    within = Person.objects.writable_by(request.user).filter(team=job.team)
    people = []
    for position, name in enumerate(_people_names(table, mapping, builder)):
        matches = find("person", name, request.user, within=within, limit=3)
        people.append(
            {
                "i": position,
                "name": name,
                "matches": matches,
                "chosen": mapping.people.get(name, NEW),
            }
        )
    context["people"] = people
    if job.mapping and not context.get("mapping_errors"):
        context["preview"] = actions.preview(job, table, by=request.user)
    return context


def _guess(builder, spec, value: str) -> str:
    """The term or choice a value is already known as (by code or label), or ""."""
    from haven.imports import cells

    if spec.kind == "choice":
        return cells.match_choice(value, spec.choices) or ""
    return cells.match_term(value, builder.terms[spec.kind[5:]]) or ""


@require_GET
def detail(request, uuid):
    job = get_import_for_user(request.user, uuid)
    record("imports.import.viewed", target=job)
    context = _context(request, job) if not job.working else {"job": job}
    context["saved_mappings"] = SavedMapping.objects.visible_to(request.user)
    return render(request, "imports/detail.html", context)


@require_POST
def read_as(request, uuid):
    from haven.imports.readers import FileRefused

    job = get_import_for_user(request.user, uuid, write=True)
    try:
        actions.set_options(
            job,
            by=request.user,
            encoding=request.POST.get("encoding", "")[:40],
            delimiter=request.POST.get("delimiter", "")[:2],
            sheet=request.POST.get("sheet", "")[:100],
        )
    except FileRefused as exc:
        messages.error(request, str(exc))
    return redirect("imports:detail", job.uuid)


def _posted_mapping(request, job: ImportJob) -> Mapping:
    """The mapping form as a Mapping: columns by position, value tables by position in
    the values the page showed (computed again from the file)."""
    table = actions.open_job_table(job)
    target = request.POST.get("target", "incidents")
    if target not in targets():
        raise ValidationError(_("Choose what each row creates."))
    previous = job.mapping or {}
    same_target = previous.get("target") == target
    columns = {}
    for index, name in enumerate(table.columns):
        chosen = request.POST.get(f"col-{index}", KEEP)
        columns[name] = {"field": chosen}
    old = Mapping.from_json(previous, columns=table.columns) if previous and same_target else None
    mapping = Mapping(
        target=target,
        date_order=request.POST.get("date_order", "DMY"),
        century=_int(request.POST.get("century"), 50),
        new_places_parent=request.POST.get("new_places_parent", "").strip()[:20],
    )
    mapping.columns = columns
    builder = actions.Builder(mapping, team=job.team, by=request.user, columns=table.columns)
    fields = builder.fields
    valued = [
        c
        for c, s in columns.items()
        if s["field"] in fields
        and (fields[s["field"]].has_values or fields[s["field"]].kind == "place")
    ]
    distinct = _distinct(table, valued, VALUES_SHOWN)
    for column in valued:
        spec = fields[columns[column]["field"]]
        index = table.columns.index(column)
        values = {}
        for position, (value, _count) in enumerate(distinct[column]):
            chosen = request.POST.get(f"val-{index}-{position}")
            if chosen is None:
                continue
            if spec.kind == "place":
                typed = request.POST.get(f"placename-{index}-{position}", "").strip()
                if chosen == "name" and typed:
                    found = builder._place(typed)
                    chosen = str(found.pk) if found is not None and found.pk else ""
                    if not chosen:
                        raise ValidationError(
                            _("No place in the gazetteer is called %(name)r.") % {"name": typed}
                        )
                mapping.places[value] = chosen if chosen in (NEW, "") or chosen.isdigit() else ""
            elif chosen:
                values[value] = chosen
        if values:
            columns[column]["values"] = values
    if old is not None:
        # Decisions about people the page did not show this time are kept.
        mapping.people.update(old.people)
        mapping.constants.update(old.constants)
    for position in range(PEOPLE_SHOWN):
        name = request.POST.get(f"personname-{position}")
        chosen = request.POST.get(f"person-{position}")
        if name and chosen:
            mapping.people[name] = chosen
    for key in fields:
        constant = request.POST.get(f"const-{key}", "").strip()
        if constant:
            mapping.constants[key] = constant[:300]
        elif f"const-{key}" in request.POST:
            mapping.constants.pop(key, None)
    return Mapping.from_json(mapping.to_json(), columns=table.columns)


def _int(text, default: int) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


@require_POST
def save_mapping(request, uuid):
    job = get_import_for_user(request.user, uuid, write=True)
    try:
        mapping = _posted_mapping(request, job)
        actions.set_mapping(job, mapping, by=request.user)
        name = request.POST.get("save_as", "").strip()
        if name:
            actions.save_mapping(team=job.team, by=request.user, name=name[:200], mapping=mapping)
            messages.success(request, _("Mapping saved as “%(name)s”.") % {"name": name[:200]})
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("imports:detail", job.uuid)
    if "check" in request.POST:
        return _start_check(request, job)
    return redirect("imports:detail", job.uuid)


def _start_check(request, job):
    # The state and the queued task are one transaction: never one without the other.
    with transaction.atomic():
        actions.mark_checking(job, by=request.user)
        enqueue(tasks.check_import, actor=request.user, job_id=job.pk)
    return redirect("imports:detail", job.uuid)


@require_POST
def check(request, uuid):
    job = get_import_for_user(request.user, uuid, write=True)
    if not job.mapping:
        messages.error(request, _("Map the columns first."))
        return redirect("imports:detail", job.uuid)
    return _start_check(request, job)


@require_POST
def start(request, uuid):
    job = get_import_for_user(request.user, uuid, write=True)
    try:
        with transaction.atomic():
            if job.status == ImportJob.Status.FAILED:
                actions.retry_import(job, by=request.user)
            else:
                actions.queue_import(job, by=request.user)
            enqueue(tasks.run_import, actor=request.user, job_id=job.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("imports:detail", job.uuid)


@require_GET
def mapping_json(request, uuid):
    job = get_import_for_user(request.user, uuid)
    mapping = Mapping.from_json(job.mapping) if job.mapping else Mapping()
    record("imports.mapping.downloaded", target=job)
    response = HttpResponse(actions.mapping_file(mapping), content_type="application/json")
    response["Content-Disposition"] = content_disposition_header(True, "mapping.json")
    return response


@require_http_methods(["POST"])
def use_saved(request, uuid):
    from haven.imports.models import get_mapping_for_user

    job = get_import_for_user(request.user, uuid, write=True)
    saved = get_mapping_for_user(request.user, request.POST.get("saved", ""))
    try:
        table = actions.open_job_table(job)
        actions.set_mapping(
            job, Mapping.from_json(saved.spec, columns=table.columns), by=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("imports:detail", job.uuid)
