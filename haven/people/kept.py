"""What a background search for duplicates keeps of its pairs (``DuplicateSearch.found``)
and the pairs read back from it, a page at a time, for the review page of a large team
(``haven.people.searching``).

Kept: the ids, scores and what the reasons are written from, a column each (no name):
tens of thousands of pairs read back column by column in a fraction of the time nested
lists take. Read back: through the reader's own queryset, so that a pair whose person was
merged, removed or is no longer theirs is left out; the reasons are written from the
people as they are now (a birth date changed or cleared since is not said to agree).
"""

from __future__ import annotations

from haven.lib.inserts import collector_paused
from haven.lib.names import Parser
from haven.people.blocking import cleaned_forms
from haven.people.duplicates import Proposals, _Parsed, _Reasons
from haven.people.likeness import birth_agreement

# How a kept pair's birth dates agree (``birth_agreement``), as a number.
_AGREEMENTS = ["day", "year", "typo", "near", "adjacent", "different", None]


def stored(proposals: Proposals) -> dict:
    """What ``proposals`` keep of their pairs, as JSON, for ``from_stored``."""
    columns: dict = {key: [] for key in ("a", "b", "score", "names", "flags", "births")}
    common_of = {}
    for n, (pa, pb, score, why) in enumerate(proposals._pairs):
        names, contact, births, common, near, place, differs = why
        columns["a"].append(pa)
        columns["b"].append(pb)
        columns["score"].append(score)
        columns["names"].append(names)
        columns["flags"].append(contact | near << 1 | place << 2 | differs << 3)
        columns["births"].append(_AGREEMENTS.index(births))
        if common:
            common_of[str(n)] = sorted(common)
    columns["common"] = common_of
    return columns


def from_stored(found: dict, people) -> Proposals:
    """The proposals ``stored`` kept, their people read from the queryset ``people`` as
    they are shown: a pair with someone it no longer holds (merged, removed, no longer
    the reader's) is left out, and out of the count."""
    # Hundreds of thousands of ids and tens of thousands of pairs: no collection walks
    # them as they are made (``collector_paused``).
    with collector_paused():
        holds = set(people.values_list("pk", flat=True))
        columns = zip(found.get("a", ()), found.get("b", ()), found.get("score", ()), strict=True)
        pairs = [
            (pa, pb, score, n)
            for n, (pa, pb, score) in enumerate(columns)
            if pa in holds and pb in holds
        ]
    return Proposals(pairs, people.in_bulk, _KeptReasons(found))


class _KeptReasons(_Reasons):
    """The reasons of kept pairs (the ``n``-th of ``stored``'s columns), written from
    the people shown and the relatives they have in common, read with them."""

    def __init__(self, kept: dict) -> None:
        self._kept = kept
        self._parsed = _Parsed(Parser())

    def related(self, pairs: list[tuple]) -> set[int]:
        common = self._kept.get("common", {})
        return {pk for *_pair, n in pairs for pk in common.get(str(n), ())}

    def __call__(self, pa: int, pb: int, n: int, shown: dict) -> list[str]:
        kept = self._kept
        flags = kept["flags"][n]
        common = set(kept.get("common", {}).get(str(n), ())) or None
        births = birth_agreement(shown[pa].birth_date, shown[pb].birth_date)  # as now
        why = (kept["names"][n], flags & 1, births, common, flags & 2, flags & 4, flags & 8)
        forms = cleaned_forms([shown[pa], shown[pb]])
        return self.written(why, forms[pa], forms[pb], shown[pa], shown)
