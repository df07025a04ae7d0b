"""Lists of record ids (or index tokens) sent to the database as one value, whatever
their length.

Django writes ``pk__in=[...]`` as one placeholder per element: tens of thousands of ids
would be as many parameters of one statement, which PostgreSQL (binding them on the
server, ``haven.lib.env``) refuses past 65,535 and which each cost the ORM a
preparation. ``id_list`` sends them as one array literal on PostgreSQL and one JSON
text on SQLite.
"""

from __future__ import annotations

import json

from django.db import connection
from django.db.models.expressions import RawSQL


def array(numbers) -> str:
    """Whole numbers as one PostgreSQL array literal written into the statement
    (``'{1,2,3}'``, cast there: ``'{1,2,3}'::bigint[]``); only digits, signs and commas,
    as each is an ``int``.

    psycopg adapts a list of ints one element at a time: 1.8 ms of CPU for the 2,400 ids
    of a common name's hits, against 0.3 for this; a search sends several such lists.
    Written into the statement rather than sent as a parameter, each search's lookup is
    planned for its own lists: PostgreSQL keeps a plan for statements sent again and
    again (``haven.lib.env``), and a plan kept for a rare name's few tokens, reused for a
    common name's thousands of rows, made the slowest searches' lookups twice as slow."""
    return "'{" + ",".join(map(str, map(int, numbers))) + "}'"


def id_list(ids) -> RawSQL:
    """A list of record ids as one literal (``array``): a common name's thousands of hits
    would otherwise be thousands of placeholders, each prepared by the ORM."""
    values = sorted(ids)
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT unnest({array(values)}::bigint[])", ())  # noqa: S611 - ints
    return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(values),))
