"""Pages get hostile query strings, and integer ids in URLs numbers beyond any id:
never a 500."""

from __future__ import annotations

from urllib.parse import quote_plus, urlsplit

import pytest
from django.urls import reverse

from haven.tests.form_reading import NOT_SENT, Target, forms_on, urlencoded, value_bytes
from haven.tests.fuzzing import EVERY, HUGE_NUMBER, session_for, targets
from haven.tests.routes import all_routes
from haven.tests.test_routes import ROUTES

pytestmark = pytest.mark.django_db


# Sent in a query string to every filter of a list page, one after another.
LIST_QUERY_VALUES = {
    "NUL",
    "not UTF-8",
    "huge number",
    "year 9999",
    "year 1",
    "after 9999",
    "markup",
}


def test_every_page_takes_hostile_query_strings_without_a_500(fuzzer, world):
    """Lists read their filters, sort and page from the query string (or from a POSTed
    lookup, fuzzed above); any page may get a query string it does not expect."""
    mixed = quote_plus(value_bytes(dict(EVERY)["mixed"]))
    usual = f"page=1&page={HUGE_NUMBER}&sort=-x&sort={mixed}&q={mixed}&next={mixed}"
    for target in targets(world):
        response = fuzzer.get(target, "page, sort, q and next: hostile and twice", usual)
        if response is None or response.status_code not in {200, 400}:
            continue  # not a page for this session, or one that takes no GET
        names = set()
        if "html" in response.get("Content-Type", ""):  # a list refusing its filters too
            for form in forms_on(response, target.url):
                own = form.action == urlsplit(target.url).path
                if form.method == "get" or (own and {"q", "sort"} & set(form.fields)):
                    names |= set(form.fields) - NOT_SENT
        for label, value in EVERY if names else ():
            if label in LIST_QUERY_VALUES:
                query = "&".join(f"{quote_plus(n)}={quote_plus(value_bytes(value))}" for n in names)
                fuzzer.get(target, f"{'&'.join(sorted(names))}={label}", query)
    assert not fuzzer.failures, fuzzer.report()


def test_ids_too_large_for_the_database_in_urls_are_not_found(fuzzer, world):
    """A route's integer argument (a term, a place, a move's number) beyond any id."""
    for route in all_routes():
        ints = [key for key, value in route.kwargs.items() if isinstance(value, int)]
        if not ints:
            continue
        kwargs = ROUTES[route.name].kwargs(world)
        for value in (0, int(HUGE_NUMBER), 2**63):
            url = reverse(route.name, kwargs={**kwargs, **dict.fromkeys(ints, value)})
            target = Target(route.name, url, session_for(route.name))
            fuzzer.get(target, f"{ints}={value}", "")
            fuzzer.send(target, f"{ints}={value}", urlencoded([("x", "1")]))
    assert not fuzzer.failures, fuzzer.report()
