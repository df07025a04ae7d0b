"""Finding records that may be the same person, and merging them (reversibly).

Candidates are people of one team who share a contact, or whose names share the
search keys of ``haven.lib.names`` (the same skeleton across scripts, or one edit
apart) on two different words. The keys are computed in memory from the names,
which are decrypted to score the pairs anyway. Each pair is scored on its names,
birth years, shared contacts and shared relatives, and the reasons are kept to
show a reviewer why.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.actions import record
from haven.lib.names import name_terms, parse, score_parsed, skeleton, tokens
from haven.lib.normalize import contact_terms
from haven.people.models import Merge, Person, Relationship
from haven.records.access import can_write
from haven.records.actions import save_record

COMMON = 60  # a key shared by more people than this says little; skip it
COMMON_EDIT = 12
MIN_SCORE = 0.75


@dataclass
class Candidate:
    a: Person
    b: Person
    score: float
    reasons: list[str] = field(default_factory=list)


def _forms(person) -> list[str]:
    return [person.name, *(person.other_names or []), *(person.nicknames or [])]


def _name_keys(person) -> dict[str, set[int]]:
    """key -> which words of the person's names carry it (words numbered across forms)."""
    keys: dict[str, set[int]] = defaultdict(set)
    for number, word in enumerate(w for form in _forms(person) if form for w in tokens(form)):
        for key in name_terms(word):
            keys[key].add(number)
    return keys


def _words(person) -> int:
    return len({skeleton(w) for form in _forms(person) if form for w in tokens(form)})


def candidate_pairs(people) -> dict[tuple, dict]:
    """Pairs of people of one team that share a contact, or whose names share keys on at
    least two different words (a shared first name alone is not enough).

    The keys are the blind index's (``haven.lib.names``), computed here in memory from
    the names that are decrypted for scoring anyway, never stored in clear.
    """
    groups: dict[tuple, list] = defaultdict(list)
    words: dict[int, int] = {}
    for person in people:
        words[person.pk] = _words(person)
        for key, numbers in _name_keys(person).items():
            groups[(person.team_id, "name", key)].append((person.pk, frozenset(numbers)))
        for contact in person.contacts or []:
            for key in contact_terms(contact.get("value", "")):
                groups[(person.team_id, "contact", key)].append((person.pk, frozenset()))
    matched: dict[tuple, dict] = defaultdict(lambda: {"a": set(), "b": set(), "contact": 0})
    for (_team, kind, key), members in groups.items():
        # One-edit keys are for typos: a key shared by many names is just a common stem.
        limit = COMMON_EDIT if key.startswith("sd:") else COMMON
        if len(members) < 2 or len(members) > limit:
            continue
        for (pa, wa), (pb, wb) in combinations(sorted(members), 2):
            if pa == pb:
                continue
            pair = matched[(pa, pb)]
            if kind == "contact":
                pair["contact"] += 1
            else:
                pair["a"] |= wa
                pair["b"] |= wb
    pairs = {}
    for (pa, pb), pair in matched.items():
        need = min(2, words[pa], words[pb])
        enough = len(pair["a"]) >= need and len(pair["b"]) >= need
        if pair["contact"] or enough:
            pairs[(pa, pb)] = {"name": len(pair["a"]) if enough else 0, "contact": pair["contact"]}
    return pairs


def find(people, min_score: float = MIN_SCORE) -> list[Candidate]:
    people = list(people)
    by_pk = {p.pk: p for p in people}
    relatives: dict[int, set] = defaultdict(set)
    for person_id, other_id in Relationship.objects.filter(
        deleted_at__isnull=True, person_id__in=list(by_pk)
    ).values_list("person_id", "other_id"):
        relatives[person_id].add(other_id)
        relatives[other_id].add(person_id)
    found = []
    # Each name is parsed once here, not once per pair it appears in.
    parsed = {p.pk: [parse(form) for form in _forms(p) if form] for p in people}
    for (pa, pb), shared in candidate_pairs(people).items():
        a, b = by_pk[pa], by_pk[pb]
        names = max(score_parsed(form, parsed[pb]) for form in parsed[pa])
        value, reasons = names, []
        if names >= 0.8:
            reasons.append(_("names match across scripts (%(score).2f)") % {"score": names})
        if shared["contact"]:
            value += 0.25
            reasons.append(_("share a contact"))
        if a.birth_date and b.birth_date:
            if a.birth_date.year == b.birth_date.year:
                value += 0.1
                reasons.append(_("same birth year %(year)s") % {"year": a.birth_date.year})
            else:
                value -= 0.3
                reasons.append(_("different birth years"))
        common = (relatives[a.pk] & relatives[b.pk]) - {a.pk, b.pk}
        if common:
            value += 0.1
            codes = ", ".join(sorted(by_pk[c].code for c in common if c in by_pk))
            reasons.append(_("related to the same people: %(codes)s") % {"codes": codes})
        if value >= min_score:
            found.append(Candidate(a, b, round(min(value, 1.0), 2), reasons))
    found.sort(key=lambda c: -c.score)
    return found


def _references(person):
    """(model, field name) of every foreign key that can point at a person."""
    # include_hidden: relations declared with related_name="+" count too.
    for relation in Person._meta.get_fields(include_hidden=True):
        if relation.one_to_many and relation.related_model is not Merge:
            yield relation.related_model, relation.field.name


@transaction.atomic
def merge(kept: Person, merged: Person, *, by) -> Merge:
    """Point everything about ``merged`` at ``kept`` and retire ``merged`` (soft delete)."""
    if kept.pk == merged.pk or kept.team_id != merged.team_id:
        raise ValidationError(_("Only two different people of one team can be merged."))
    if not (can_write(by, kept) and can_write(by, merged)):
        raise PermissionDenied
    from haven.cases.models import CasePerson

    moved = []
    for model, name in _references(merged):
        for row in model._base_manager.filter(**{name: merged}):
            if (
                model is CasePerson
                and CasePerson.objects.filter(case=row.case, person=kept).exists()
            ):
                # Both were on the case: drop the second link, remember to bring it back.
                moved.append({"case_link": row.case_id})
                row.delete()
                continue
            model._base_manager.filter(pk=row.pk).update(**{name: kept})
            moved.append({"model": model._meta.label_lower, "pk": row.pk, "field": name})
    before = list(kept.other_names or [])
    additions = [f for f in _forms(merged) if f and f not in _forms(kept)]
    kept.other_names = before + additions
    save_record(kept, by=by)
    merged.deleted_at = timezone.now()
    save_record(merged, by=by, change="deleted")
    result = Merge(team=kept.team, kept=kept, merged=merged, moved=moved, kept_name_forms=before)
    save_record(result, by=by)
    record(
        "people.person.merged",
        actor=by,
        target=kept,
        summary=f"{merged.code} into {kept.code}; {len(moved)} references moved",
    )
    return result


@transaction.atomic
def undo(result: Merge, *, by) -> None:
    from django.apps import apps

    from haven.cases.models import CasePerson

    if result.undone_at:
        raise ValidationError(_("This merge was already undone."))
    kept = Person.objects.get(pk=result.kept_id)
    merged = Person._base_manager.get(pk=result.merged_id)
    if not can_write(by, kept):
        raise PermissionDenied
    for item in result.moved:
        if "case_link" in item:
            CasePerson.objects.get_or_create(case_id=item["case_link"], person=merged)
            continue
        model = apps.get_model(item["model"])
        model._base_manager.filter(pk=item["pk"], **{item["field"]: kept}).update(
            **{item["field"]: merged}
        )
    kept.other_names = result.kept_name_forms
    save_record(kept, by=by)
    merged.deleted_at = None
    save_record(merged, by=by, change="restored")
    result.undone_at = timezone.now()
    save_record(result, by=by)
    record("people.person.unmerged", actor=by, target=kept, summary=f"{merged.code} restored")
