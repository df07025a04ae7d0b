"""What every module's form views share."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError


def apply_action(form, call: Callable[[], object]) -> bool:
    """Run an action function; show its ValidationError on the form. True when it worked.

    Errors for a field the form has go next to that field, the rest above the form.
    """
    try:
        call()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return False
    return True
