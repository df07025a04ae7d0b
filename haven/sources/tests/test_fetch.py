"""Web capture's fetch cannot be turned against the server's own network."""

import socket

import pytest

from haven.sources import fetch as fetching
from haven.sources.fetch import FetchError, fetch


def _answers(*addresses):
    calls = iter(addresses)

    def getaddrinfo(host, port, *args, **kwargs):
        address = next(calls)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    return getaddrinfo


def test_dns_rebinding_is_caught_at_connect(monkeypatch):
    """The name looks public to the first check and local when connecting."""
    monkeypatch.setattr(fetching.socket, "getaddrinfo", _answers("93.184.216.34", "127.0.0.1"))
    with pytest.raises(FetchError, match="private or local"):
        fetch("http://rebind.example/")


@pytest.mark.parametrize(
    "address",
    ["10.0.0.5", "169.254.169.254", "::1", "64:ff9b::a00:1", "192.168.1.1", "0.0.0.0"],  # noqa: S104
)
def test_non_public_addresses_are_refused(monkeypatch, address):
    monkeypatch.setattr(fetching.socket, "getaddrinfo", _answers(address))
    with pytest.raises(FetchError, match="private or local"):
        fetch("http://inside.example/")


@pytest.mark.parametrize(
    "url,message",
    [
        ("http://example.com:99999/", "not valid"),
        ("ftp://example.com/file", "Only http and https"),
        ("file:///etc/passwd", "Only http and https"),
    ],
)
def test_bad_addresses_get_clear_errors(url, message):
    with pytest.raises(FetchError, match=message):
        fetch(url)
