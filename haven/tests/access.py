"""The access-test helper: one URL, every persona, the status each must get."""

from __future__ import annotations

from django.test import Client

from conftest import sign_in


def check_access(
    personas, route_name: str, url: str, expected: dict[str, int], method="get", data=None
):
    """Request ``url`` (the route ``route_name``) as each persona and assert the status each gets.

    ``expected`` maps persona names (administrator, member, read_only, outsider,
    anonymous) to a status; anonymous defaults to a redirect to sign-in.
    """
    expected = {"anonymous": 302, **expected}
    people = personas.all()
    for persona, status in expected.items():
        client = Client()
        if persona != "anonymous":
            sign_in(client, people[persona])
        response = getattr(client, method)(url, data or {})
        assert response.status_code == status, (
            f"{method.upper()} {url} as {persona}: got {response.status_code}, expected {status}"
        )
        if persona == "anonymous" and status == 302:
            assert response.url.startswith("/accounts/login/"), response.url
