"""Every API error as RFC 9457 problem details (``application/problem+json``).

``type`` is a stable URI per kind of problem (under ``/api/v1/problems/``), ``title``
says the kind in the reader's language, ``detail`` this occurrence, ``status`` the
HTTP status; a refused body adds ``errors``: each field's messages.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_TYPE = "application/problem+json"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since the version named in If-Match."
    default_code = "stale"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "Send If-Match with the record's ETag to change it."
    default_code = "if_match_required"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the record's state."
    default_code = "conflict"


def titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        401: _("Not signed in"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        412: _("Changed by someone else"),
        413: _("Too large"),
        415: _("Unsupported media type"),
        428: _("Version required"),
        429: _("Too many requests"),
    }


def _from_django(exc):
    from django.core.exceptions import RequestDataTooBig

    from haven.api.parsers import BodyTooLarge

    if isinstance(exc, RequestDataTooBig):
        return BodyTooLarge(_("The request body is too large."))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {
                    ("non_field_errors" if field == "__all__" else field): messages
                    for field, messages in exc.message_dict.items()
                }
            )
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    return exc


def problem(status_code: int, detail: str, *, errors=None, headers=None) -> Response:
    body = {
        "type": f"/api/v1/problems/{status_code}",
        "title": titles().get(status_code, _("Error")),
        "status": status_code,
        "detail": str(detail),
    }
    if errors:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers)
    response.content_type = PROBLEM_TYPE
    return response


def problem_handler(exc, context):
    exc = _from_django(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's 500 handling, and its log entry
    errors = None
    if isinstance(exc, exceptions.ValidationError):
        detail = _("The request has errors; nothing was saved.")
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    elif isinstance(exc, exceptions.Throttled):
        detail = _("Too many requests with this token. Try again in %(seconds)d seconds.") % {
            "seconds": exc.wait or 1
        }
    elif isinstance(exc, exceptions.NotFound):
        detail = _("There is no such record, or you may not see it.")
    else:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    headers = {
        name: value
        for name, value in response.items()
        if name in ("WWW-Authenticate", "Retry-After", "Allow")
    }
    return problem(response.status_code, detail, errors=errors, headers=headers)
