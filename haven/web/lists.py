"""Sorting and finding on every list page, beside ``haven.web.pagination``.

A list page declares its columns once (``Column``): which ones sort, by which database
fields, and which cannot. ``Sorting`` reads the ``sort`` parameter against that
whitelist (``code``, ``-code``); anything else sorts by the list's default, so a stale
or edited link still answers a page. ``web/list_head.html`` draws the column headers as
links (or, on a POSTed lookup, as buttons re-sending it), with ``aria-sort`` on the one
the list is sorted by; no JavaScript is needed.

Why names and titles do not sort: they are stored encrypted (DESIGN.md, invariant 1),
so the database cannot order them, and ordering them in Python would mean decrypting
every row of the list for each page (100,000 rows to show 50). Sorting only the rows of
one page would look like a sorted list and mislead. So encrypted columns are marked
``encrypted=True``: their headers are not links, a note above the list
(``web/list_sort.html``) says why, and the text box (``text_match``) is the way to a name.

``text_match`` finds records through the blind index (``haven.records.blind``): names in
either script with a typo, each word of the query matching (so "Ислам Бетиев" narrows,
where the search page ranks), contacts such as phone numbers as a whole, and the
record's code in clear. It builds one ``Q`` of subqueries, so a list counts and pages
its matches in SQL like any other filter, with no cap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django import forms
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from haven.lib.names import NAME_INDEX, tokens
from haven.records import blind
from haven.records.models import BlindTerm

SORT = "sort"
# A lookup box's label, one for every list.
FIND_LABEL = _("Find")

# An order item: a field name ("opened_on"), an expression, or a function of the
# language giving either (a vocabulary label in the reader's language).
OrderItem = str | Callable[[str], object] | object


@dataclass(frozen=True)
class Column:
    """One column of a list: its header, and how it sorts.

    ``order``: the fields or expressions it sorts by, ascending; empty when it does not
    sort. ``encrypted``: it does not sort because its values are encrypted (the list's
    note says so).
    """

    key: str
    label: str
    order: Sequence[OrderItem] = ()
    encrypted: bool = False

    @property
    def sortable(self) -> bool:
        return bool(self.order)


def in_language(english: str, russian: str) -> Callable[[str], str]:
    """An order item: ``russian`` for a reader in Russian, ``english`` otherwise."""
    return lambda language: russian if language == "ru" else english


def _expressions(items: Iterable[OrderItem], descending: bool) -> list:
    language = (get_language() or "en")[:2]
    found = []
    for item in items:
        if callable(item) and not hasattr(item, "resolve_expression"):
            item = item(language)
        expression = F(item) if isinstance(item, str) else item
        # Empty values come last whichever way the column is sorted.
        found.append(
            expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        )
    return found


@dataclass
class Header:
    column: Column
    aria_sort: str = ""
    value: str = ""  # the sort value a click asks for
    query: str = ""  # for a link: the GET query to keep, ending in "&" when not empty


@dataclass
class Sorting:
    """The order a list page is shown in, read from ``data`` (the request's GET or POST).

    ``default`` is the sort value of the list's usual order ("-opened"); its fields also
    break ties of any other column, and ``haven.web.pagination`` adds the primary key
    last, so that equal values keep one order from page to page.
    """

    columns: Sequence[Column]
    default: str
    data: object = None
    posted: bool = False
    key: str = field(init=False)
    descending: bool = field(init=False)

    def __post_init__(self) -> None:
        by_key = {column.key: column for column in self.columns if column.sortable}
        if self.default.removeprefix("-") not in by_key:
            raise ValueError(f"the default sort {self.default!r} is not a sortable column")
        wanted = str((self.data or {}).get(SORT, "") or "")
        if wanted.removeprefix("-") not in by_key:
            wanted = self.default
        self.key, self.descending = wanted.removeprefix("-"), wanted.startswith("-")
        self._by_key = by_key

    @classmethod
    def of(cls, request, columns: Sequence[Column], default: str) -> Sorting:
        posted = request.method == "POST"
        return cls(columns, default, request.POST if posted else request.GET, posted)

    @property
    def value(self) -> str:
        return ("-" if self.descending else "") + self.key

    def order(self) -> list:
        """The ``order_by`` arguments: the chosen column, then the default's fields."""
        default_key = self.default.removeprefix("-")
        order = _expressions(self._by_key[self.key].order, self.descending)
        if self.key != default_key:
            order += _expressions(self._by_key[default_key].order, self.default.startswith("-"))
        return order

    def apply(self, queryset):
        return queryset.order_by(*self.order())

    @property
    def carried(self) -> list[tuple[str, str]]:
        """What a header button re-sends with its sort: the lookup, not the page."""
        if not self.data:
            return []
        return [
            (name, value)
            for name, values in self.data.lists()
            if name not in {SORT, "page", "csrfmiddlewaretoken"}
            for value in values
        ]

    @property
    def headers(self) -> list[Header]:
        query = ""
        if not self.posted and self.data:
            kept = self.data.copy()
            kept.pop(SORT, None)
            kept.pop("page", None)
            query = kept.urlencode() + "&" if kept else ""
        found = []
        for column in self.columns:
            header = Header(column, query=query)
            if column.sortable:
                current = column.key == self.key
                if current:
                    header.aria_sort = "descending" if self.descending else "ascending"
                # A click on the sorted column turns it round; on another sorts it ascending.
                header.value = ("" if current and self.descending else "-" * current) + column.key
            found.append(header)
        return found

    @property
    def unsortable(self) -> list[str]:
        """The labels of the columns that do not sort because they are encrypted."""
        return [str(column.label) for column in self.columns if column.encrypted]


def ranked(field_name: str, values: Iterable[str]):
    """An order item that sorts a choice field in the order of ``values`` (a workflow's
    or a scale's order: Intake before Closed, Critical before Low), not by its code."""
    from django.db.models import Case, IntegerField, Value, When

    return Case(
        *(When(**{field_name: value}, then=Value(n)) for n, value in enumerate(values)),
        default=None,
        output_field=IntegerField(),
    )


def _indexed(model, field_name: str, query: str, teams) -> Q | None:
    """Records of ``model`` whose ``field_name`` shares an index token with ``query``."""
    wanted = blind.tokens(model, field_name, query, query=True)
    if not wanted:
        return None
    return Q(pk__in=_records(wanted, teams))


def _records(wanted: set[int], teams):
    # Tokens are keyed per field (scope), so a token names its model and field: the
    # lookup needs no ``kind`` and reads only the covering index (token, team, record).
    terms = BlindTerm.objects.filter(token__in=wanted)
    if teams is not None:
        terms = terms.filter(team__in=teams)
    return terms.values("record_id")


def text_match(model, query: str, teams=None) -> Q:
    """Records of ``model`` that ``query`` finds: its code contains the query, or every
    word of the query matches one of its indexed names (across scripts, one typo), or
    a non-name index (contacts: a phone number, an e-mail, a handle) matches the whole
    query. ``teams`` (``member_teams(user)``) limits the index read to the user's teams;
    the list's own ``visible_to`` still decides what is shown.

    Never matches everything: an empty query matches nothing here (a list shows all of
    its rows when no query was given; that is the caller's choice).
    """
    query = query.strip()
    found = [Q(code__icontains=query)] if query and hasattr(model, "code") else []
    if not query:
        return Q(pk__in=[])
    names = [name for name, entry in model.blind_indexes.items() if entry is NAME_INDEX]
    others = [name for name in model.blind_indexes if name not in names]
    words = []
    for word in tokens(query):
        wanted = set()
        for name in names:
            wanted |= blind.tokens(model, name, word, query=True)
        if wanted:
            words.append(Q(pk__in=_records(wanted, teams)))
    if words:
        found.append(reduce(and_, words))
    for name in others:
        matched = _indexed(model, name, query, teams)
        if matched is not None:
            found.append(matched)
    return reduce(or_, found)


def lookup(request):
    """The list's parameters (filters, lookup, sort, page): the POST of a lookup, which
    keeps names and phone numbers out of URLs, or the GET of a link; None when there are
    none, so a filter form stays unbound."""
    data = request.POST if request.method == "POST" else request.GET
    return data or None


class ListFilters(forms.Form):
    """Base of a list's filter form: ``q`` is its text box (see ``text_match``).

    ``query``: the text looked up; ``narrows``: whether any filter was given (a bound
    form may hold only a page or a sort), so the page can offer "Show all" and say
    "No … match" rather than "No … yet".
    """

    q = forms.CharField(label=FIND_LABEL, required=False, max_length=200)

    @property
    def query(self) -> str:
        return self.cleaned_data["q"].strip() if self.is_valid() else ""

    @property
    def narrows(self) -> bool:
        if not self.is_bound:
            return False
        if not self.is_valid():
            return True
        return any(value not in (None, "", False) for value in self.cleaned_data.values())


@dataclass
class Listing:
    """A list as the user asked for it: its filter form, its order, and the rows.

    Each list builds one (``person_listing``, ``case_listing`` …) from the request's
    data, so the page and an export of it apply the same filters, the same text box
    and the same order to the same ``visible_to(user)`` rows: the page pages
    ``rows``, an export writes them all. An export refuses filters that are not
    ``valid``, whatever the list shows for them: bad filters are not no filters.
    """

    filters: ListFilters
    sorting: Sorting
    rows: object  # a QuerySet

    @property
    def valid(self) -> bool:
        return not self.filters.is_bound or self.filters.is_valid()
