"""Haven's WSGI application with the floor beside it, for bench/api_scale.py.

Served by gunicorn as ``_api_floor:application``. A request that carries the header
``X-Bench-Floor: 1`` is answered by the same server, URL, middleware, view, queries,
serializer and renderer as any other, but with every encrypted value read as if it
were stored in clear (the first read of a ciphertext opens it; later reads take its
plain bytes from a dict and convert them as a plain column's value is converted: text
decoded, JSON parsed) and the read's audit entry left out. Every other request is
Haven's own, untouched.

Each answer carries two headers the bench reads: ``X-Bench-CPU``, the CPU time the
serving thread spent on the request (with SQLite that is the database's work too; with
PostgreSQL the database's own process is not counted), and ``X-Bench-Queries``, the
SQL statements it sent.
"""

from __future__ import annotations

import threading
import time

from haven.wsgi import application as haven_application

_floor = threading.local()


def _install() -> None:
    import haven.api.views.base as base
    import haven.records.access as access
    from haven.keys.fields import EncryptedField
    from haven.keys.keyring import get_keyring

    opened = EncryptedField.open
    plain: dict[bytes, bytes] = {}

    def open_or_plain(self, instance, blob):
        if not getattr(_floor, "on", False):
            return opened(self, instance, blob)
        # As a plain column: its stored bytes (the first read opens them once), turned
        # into the field's value as a plain column's would be (JSON parsed, a date read).
        key = bytes(blob)
        stored = plain.get(key)
        if stored is None:
            stored = plain[key] = get_keyring().open(key, self.associated_data(instance))
        return self.from_bytes(stored)

    EncryptedField.open = open_or_plain
    for module in (base, access):
        module.record = _unless_floor(module.record)


def _unless_floor(record):
    def record_unless_floor(*args, **kwargs):
        if getattr(_floor, "on", False):
            return None
        return record(*args, **kwargs)

    return record_unless_floor


_install()


def application(environ, start_response):
    from django.db import connection

    _floor.on = environ.get("HTTP_X_BENCH_FLOOR") == "1"
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    started = time.thread_time()

    def start_with_figures(status, headers, exc_info=None):
        # Django calls this once the response is built (its body included, for every
        # answer this bench asks for): the CPU time so far is the request's.
        headers = [
            *headers,
            ("X-Bench-CPU", f"{time.thread_time() - started:.6f}"),
            ("X-Bench-Queries", str(queries[0])),
        ]
        return start_response(status, headers, exc_info)

    try:
        with connection.execute_wrapper(count):
            return haven_application(environ, start_with_figures)
    finally:
        _floor.on = False
