"""JSON bodies within the size every other request of Haven is held to."""

from __future__ import annotations

import codecs
import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import BaseParser


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class LimitedJSONParser(BaseParser):
    """Reads at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes; a larger body is a 413.
    NaN and Infinity are not JSON numbers and are refused.

    Not a subclass of DRF's JSONParser, which would first read the whole body into
    memory (and fail on a large one with Django's plain 400)."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge(
                _("The request body is larger than %(bytes)d bytes.") % {"bytes": limit}
            )
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            raise exceptions.ParseError(_("The body is nested too deeply.")) from None
        except (ValueError, LookupError) as exc:
            raise exceptions.ParseError(
                _("The body is not valid JSON: %(error)s") % {"error": exc}
            ) from None

        _check(data)
        return data


# Deeper than any body the API reads (a list of moves of a person is three levels).
DEEPEST = 16


def _check(data) -> None:
    """Refuse text that is no Unicode (a lone surrogate, which JSON's \\u escapes can
    spell but nothing can store or answer with), NUL characters (which the pages' forms
    refuse too, and PostgreSQL cannot hold or compare) and nesting beyond ``DEEPEST``."""
    waiting = [(data, 0)]
    while waiting:
        value, depth = waiting.pop()
        if depth > DEEPEST:
            raise exceptions.ParseError(_("The body is nested too deeply."))
        if isinstance(value, dict):
            waiting.extend((key, depth + 1) for key in value)
            waiting.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            waiting.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            if "\x00" in value:
                raise exceptions.ParseError(
                    _("The body holds a NUL character, which no field takes.")
                )
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise exceptions.ParseError(
                    _("The body holds text that is not Unicode (a lone surrogate).")
                ) from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")
