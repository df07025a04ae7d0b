"""The WSGI entry point (``haven.wsgi``) that gunicorn and ``haven serve`` load."""

import gc


def test_what_the_application_loaded_is_kept_out_of_the_collectors_walks(db):
    """Django, the views and the templates, loaded by the entry point, are frozen: a full
    collection in a worker no longer walks them (about 120 ms a time, on whichever
    request triggered it)."""
    from haven import wsgi

    assert callable(wsgi.application)
    assert gc.get_freeze_count() > 10_000
