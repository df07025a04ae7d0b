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
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, LookupError) as exc:
            raise exceptions.ParseError(
                _("The body is not valid JSON: %(error)s") % {"error": exc}
            ) from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")
