"""Fetching a page to capture, without letting the server be turned against its own network.

Only http and https; the host must resolve to public addresses only (no loopback,
private, link-local or reserved ranges), checked again at every redirect; a time
limit and a size limit on the body. Tests allow loopback through a setting.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from urllib.parse import urlparse

from django.conf import settings
from django.utils.translation import gettext as _


class FetchError(ValueError):
    pass


def _check_address(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise FetchError(_("Only http and https addresses can be captured."))
    try:
        infos = socket.getaddrinfo(parsed.hostname, parsed.port or None, type=socket.SOCK_STREAM)
    except OSError:
        raise FetchError(
            _("The address %(host)s cannot be found.") % {"host": parsed.hostname}
        ) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global and not settings.HAVEN_CAPTURE_ALLOW_PRIVATE:
            raise FetchError(_("Haven does not fetch pages from private or local addresses."))


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        _check_address(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str) -> tuple[bytes, str, str]:
    """(body, final URL, content type) of ``url``, or FetchError saying what went wrong."""
    _check_address(url)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _CheckedRedirects())
    request = urllib.request.Request(url, headers={"User-Agent": "Haven page capture"})  # noqa: S310
    limit = settings.HAVEN_CAPTURE_MAX_BYTES
    try:
        # The scheme is http(s) only: checked by _check_address above.
        with opener.open(request, timeout=settings.HAVEN_CAPTURE_TIMEOUT) as response:  # noqa: S310
            body = response.read(limit + 1)
            final, content_type = response.geturl(), response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        raise FetchError(
            _("The site answered with an error (%(code)s).") % {"code": exc.code}
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise FetchError(
            _("The page could not be fetched: %(reason)s") % {"reason": getattr(exc, "reason", exc)}
        ) from None
    if len(body) > limit:
        raise FetchError(_("The page is larger than %(mb)s MB.") % {"mb": limit // 2**20})
    return body, final, content_type
