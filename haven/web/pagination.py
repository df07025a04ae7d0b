"""One page of a list, for every list page and its ``web/pager.html``.

A list shows its total and lets the user walk to its last row: no silent caps.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.formats import number_format

PER_PAGE = 50

# Never carried from one page to the next: the page itself, and the token a POST form
# renders afresh.
_NOT_CARRIED = {"page", "csrfmiddlewaretoken"}


def paginate(request, queryset, per_page: int = PER_PAGE, *, param: str = "page") -> Page:
    """The page of ``queryset`` that the request's ``page`` asks for.

    A page number that is not a number answers the first page, one past the end the
    last page: a stale or edited link still lands on a list. The page is read from
    the query string, or from the form of a POSTed lookup (a phone number must not
    appear in a URL), and the returned page carries the rest of that query or form so
    that ``web/pager.html`` can keep the filters from page to page:

    - ``page.posted``: the pager re-POSTs ``page.carried`` (name, value pairs) instead
      of linking;
    - ``page.query``: the GET filters, url-encoded and ending in ``&`` when not empty;
    - ``page.total``, ``page.from_row``, ``page.to_row``: the row count and the rows
      shown, grouped for the user's language ("1,234");
    - ``page.numbers``: the page numbers to link, with ``Paginator.ELLIPSIS`` for gaps.

    ``queryset`` should be counted and sliced in SQL: pass the queryset, not a list (a
    list is paged as it is: rows already worked out in Python, such as scored pairs).
    ``param`` names the page number for a second list on one page; ``page.param``
    carries it to the pager.
    """
    rows = _stable(queryset) if isinstance(queryset, QuerySet) else queryset
    paginator = Paginator(rows, per_page)
    posted = request.method == "POST"
    data = request.POST if posted else request.GET
    page = paginator.get_page(data.get(param))
    if isinstance(rows, QuerySet):
        page.object_list = _rows_of(rows, page)
    page.param = param
    page.posted = posted
    page.carried = [
        (name, value)
        for name, values in data.lists()
        if name not in _NOT_CARRIED | {param}
        for value in values
    ]
    query = request.GET.copy()
    query.pop(param, None)
    page.query = query.urlencode() + "&" if query else ""
    page.total = _grouped(paginator.count)
    page.from_row, page.to_row = _grouped(page.start_index()), _grouped(page.end_index())
    page.numbers = paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return page


def _rows_of(rows: QuerySet, page: Page) -> list:
    """The page's rows, in two queries: the ids of the page in the list's order, then
    those rows with everything the list reads of them.

    Deep in a long list (page 1,000 of 100,000 rows) the database sorts and skips the
    rows before the page; asked for whole rows with their annotations, it carries every
    one of them through the sort (encrypted fields and all). Asked for ids, it carries
    the sort keys alone.
    """
    if not page.paginator.count:
        return []
    ids = list(rows.values_list("pk", flat=True)[page.start_index() - 1 : page.end_index()])
    found = {row.pk: row for row in rows.filter(pk__in=ids).order_by()}
    return [found[pk] for pk in ids if pk in found]


def _grouped(number: int) -> str:
    return number_format(number, force_grouping=True)


def _stable(queryset):
    """``queryset`` in its own order with the primary key breaking ties.

    Rows that tie on the order (two cases opened the same day, two requests received
    the same minute) may come back in any order, so without a last key a row could
    show on two pages, or on none.
    """
    order = list(queryset.query.order_by or queryset.model._meta.ordering)
    # An expression (a sorted column's ``OrderBy``) is never the primary key.
    if not any(isinstance(key, str) and key.lstrip("-") in ("pk", "id") for key in order):
        order.append("pk")
    return queryset.order_by(*order)


def shown(page: Page) -> str:
    """What the list's audit entry says was shown: "50 of 1234 shown, page 2"."""
    return f"{len(page)} of {page.paginator.count} shown, page {page.number}"
