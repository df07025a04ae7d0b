"""What tests of every app share: the statuses each persona gets, and form helpers.

The personas themselves are defined once, in ``conftest.py``.
"""

from __future__ import annotations

from html.parser import HTMLParser

from django.db import connection

from haven.web import once
from haven.web.forms import SEEN_FIELD

# The statuses a persona gets on a page of one team's record: outsiders and
# administrators (who are not on the team) never learn that it exists.
NOT_THEIRS = {"administrator": 404, "outsider": 404}
READERS = {"member": 200, "read_only": 200, **NOT_THEIRS}
WRITERS = {"member": 200, "read_only": 403, **NOT_THEIRS}
# Pages anyone signed in may open, and creation pages (a writing member of some team).
EVERYONE = {"administrator": 200, "member": 200, "read_only": 200, "outsider": 200}
CREATORS = {"member": 200, "read_only": 403, "outsider": 403, "administrator": 403}
ADMIN_ONLY = {"administrator": 200, "member": 403, "read_only": 403, "outsider": 403}


class _OnceFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tokens: list[str] = []
        self.seen: str | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "input" and values.get("name") == once.FIELD:
            self.tokens.append(values.get("value") or "")
        if tag == "input" and values.get("name") == SEEN_FIELD:
            self.seen = values.get("value") or ""


def once_tokens(page) -> list[str]:
    """The double-submit tokens of the forms on ``page`` (a response or its HTML)."""
    html = page if isinstance(page, str) else page.content.decode()
    finder = _OnceFinder()
    finder.feed(html)
    return finder.tokens


def once_token(page) -> str:
    """The one form's double-submit token; fails when the page has none."""
    tokens = once_tokens(page)
    assert tokens, "the page has no form with a double-submit token"
    return tokens[0]


def post_form(client, url: str, data: dict, *, token_from: str | None = None):
    """Open the form page (or ``token_from``) and post ``data`` with its token, as a browser would."""
    page = client.get(token_from or url)
    return client.post(url, {**data, once.FIELD: once_token(page), **form_version(page)})


def form_version(page) -> dict:
    """The record version an edit page carries (empty for other forms), to post back."""
    finder = _OnceFinder()
    finder.feed(page.content.decode())
    return {SEEN_FIELD: finder.seen} if finder.seen is not None else {}


def queries_on(client, url: str) -> int:
    """How many database queries one GET of ``url`` takes (it must answer 200)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    return len(queries)


def assert_queries_do_not_grow(client, url: str, add_rows, *, rows: int = 14) -> None:
    """A list page takes as many queries with 1 row as with 1 + ``rows``: no N+1.

    ``add_rows(n)`` adds ``n`` more rows of what the page lists. The page is requested
    twice before counting, so that caches filled on first use don't count.
    """
    client.get(url)
    one = queries_on(client, url)
    add_rows(rows)
    many = queries_on(client, url)
    assert many == one, f"{url}: {one} queries for one row, {many} for {rows + 1}"


def most_parameters(call) -> int:
    """The most parameters one statement of ``call()`` sent (0 if it sent none): a list
    of ids sent one parameter each grows with the data, and one statement takes 65,535
    at most on PostgreSQL (32,766 on a default SQLite)."""
    sent = [0]

    def keep(execute, sql, params, many, context):
        sent.append(0 if many else len(params or ()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        call()
    return max(sent)
