"""Fetching a page to capture, without letting the server be turned against its own network.

Only http and https. The host is resolved once per connection, every address it
resolves to must be public (no loopback, private, link-local, reserved or NAT64
ranges), and the connection is made to the address that was checked, so a name
that answers differently the second time (DNS rebinding) gains nothing. Each
redirect opens a new, equally checked connection. A time limit and a size limit
bound the body. Tests allow loopback through a setting.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.request
from urllib.parse import urlparse

from django.conf import settings
from django.utils.translation import gettext as _

NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchError(ValueError):
    pass


def _safe_address(host: str, port: int) -> str:
    """One checked address of ``host``; FetchError if any of its addresses is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise FetchError(_("The address %(host)s cannot be found.") % {"host": host}) from None
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not settings.HAVEN_CAPTURE_ALLOW_PRIVATE and any(
        not address.is_global or address in NAT64 for address in addresses
    ):
        raise FetchError(_("Haven does not fetch pages from private or local addresses."))
    return str(addresses[0])


def _check_url(url: str) -> None:
    try:
        parsed = urlparse(url)
        port = parsed.port
    except ValueError:
        raise FetchError(_("This address is not valid.")) from None
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise FetchError(_("Only http and https addresses can be captured."))
    _safe_address(parsed.hostname, port or (443 if parsed.scheme == "https" else 80))


class _CheckedHTTP(http.client.HTTPConnection):
    def connect(self):
        address = _safe_address(self.host, self.port)
        self.sock = socket.create_connection((address, self.port), self.timeout)


class _CheckedHTTPS(http.client.HTTPSConnection):
    def connect(self):
        address = _safe_address(self.host, self.port)
        sock = socket.create_connection((address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_CheckedHTTP, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_CheckedHTTPS, req, context=self._context)


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        _check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str) -> tuple[bytes, str, str]:
    """(body, final URL, content type) of ``url``, or FetchError saying what went wrong."""
    _check_url(url)
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler({}),
        _HTTPHandler(),
        _HTTPSHandler(),
        _CheckedRedirects(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.HTTPDefaultErrorHandler(),
    ):
        opener.add_handler(handler)
    request = urllib.request.Request(url, headers={"User-Agent": "Haven page capture"})  # noqa: S310
    limit = settings.HAVEN_CAPTURE_MAX_BYTES
    try:
        # The scheme is http(s) only: checked by _check_url above.
        with opener.open(request, timeout=settings.HAVEN_CAPTURE_TIMEOUT) as response:  # noqa: S310
            body = response.read(limit + 1)
            final, content_type = response.geturl(), response.headers.get_content_type()
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise FetchError(
            _("The site answered with an error (%(code)s).") % {"code": exc.code}
        ) from None
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, FetchError):
            raise reason from None
        raise FetchError(
            _("The page could not be fetched: %(reason)s") % {"reason": reason}
        ) from None
    if len(body) > limit:
        raise FetchError(_("The page is larger than %(mb)s MB.") % {"mb": limit // 2**20})
    return body, final, content_type
