"""Schemathesis against the API's own OpenAPI schema, in-process (the WSGI app, no
network), as a writing member with a token of every scope: every operation is sent
bodies, parameters and headers drawn from the schema (and, in negative mode, bodies
that break it), and each answer must be no server error and, where the schema
describes the status, a body of the shape it promises.

The path's ids are, half of the time, those of one team's real records (``world``),
so the generated changes reach the verbs rather than stopping at "not found". A few
examples per operation keep the run within a minute; ``HAVEN_API_FUZZ_EXAMPLES``
asks for more when looking for trouble.
"""

from __future__ import annotations

import os
import zlib

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from haven.api.tests.conftest import token_for

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("HAVEN_API_FUZZ_EXAMPLES", "3"))


@pytest.fixture
def member_token(personas, settings):
    settings.HAVEN_API_RATE = "1000000/minute"  # the fuzzing is one client, fast
    return token_for(personas.member)[1]


@pytest.fixture
def in_process():
    """Like Django's test client, requests sent straight to the WSGI app run inside
    the test's transaction: the end of a request must not close the connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def real_ids(world, path: str) -> dict[str, str]:
    """The ids of ``world``'s records for the path's parameters."""
    kinds = {
        "/people/": world.person,
        "/requests/": world.intake,
        "/cases/": world.case,
        "/incidents/": world.incident,
        "/sources/": world.source,
    }
    ids = {}
    for prefix, record in kinds.items():
        if path.startswith("/api/v1" + prefix):
            ids["id"] = str(record.uuid)
    parts = {
        "/actions/{part_id}": world.petition,
        "/involvements/{part_id}": world.involvement,
        "/chains/{part_id}": world.chain,
        "/information/{part_id}": world.citation,
    }
    for segment, record in parts.items():
        if segment in path:
            ids["part_id"] = str(record.uuid)
    ids["act_id"] = str(world.act.uuid)
    ids["file_id"] = str(world.evidence.uuid)
    ids["code"] = "channel"
    return ids


def test_no_server_error_and_every_answer_as_the_schema_says(member_token, world, in_process):
    from haven.wsgi import application

    headers = {"Authorization": f"Bearer {member_token}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", application, headers=headers
    )
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def send(case):
                if case.path_parameters and zlib.crc32(repr(case.path_parameters).encode()) % 2:
                    ids = real_ids(world, case.operation.path)
                    case.path_parameters = {
                        name: ids.get(name, value) for name, value in case.path_parameters.items()
                    }
                case.call_and_validate(
                    headers=headers, checks=[not_a_server_error, response_schema_conformance]
                )

            try:
                send()
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - each one reported
                failures.append(f"{operation.label} ({mode.value}): {exc}"[:3000])
    assert operations > 30, "the schema lost its operations"
    assert not failures, "\n\n".join(failures)
