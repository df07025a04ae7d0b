"""The API's routes for ``test_routes.ROUTES``: how to reach each and what each persona
gets there, as the browser's session reaches the API (a token's reach is tested in
haven/api)."""

from __future__ import annotations

from haven.cases.tests import parts as case_parts
from haven.tests.helpers import ADMIN_ONLY, EVERYONE, NOT_THEIRS, READERS
from haven.tests.routes import Entry, by_id

# The API, as the browser's session reaches it: anonymous callers get 401 (no redirect);
# an empty form posted where JSON is read is refused as 415, before anything is saved.
API = 401
API_CREATE = {
    "member": 415,
    "read_only": 403,
    "outsider": 403,
    "administrator": 403,
    "anonymous": API,
}
API_PART_CREATE = {"member": 415, "read_only": 403, **NOT_THEIRS, "anonymous": API}
API_POST_ONLY = {persona: 405 for persona in EVERYONE}

API_ROUTES: dict[str, Entry] = {
    "api:person-list": Entry(get=EVERYONE, post=API_CREATE, anonymous=API),
    "api:person-duplicates": Entry(get=EVERYONE, anonymous=API),
    "api:person-detail": Entry(by_id("person"), get=READERS, anonymous=API),
    "api:person-whereabouts": Entry(
        by_id("person"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    # A move is changed (PATCH) or removed (DELETE) only: tested in haven/api.
    "api:person-move": Entry(
        lambda w: {"id": w.person.uuid, "index": 0}, get=API_POST_ONLY, anonymous=API
    ),
    "api:request-list": Entry(get=EVERYONE, post=API_CREATE, anonymous=API),
    "api:request-open-case": Entry(
        by_id("intake"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    "api:request-join": Entry(
        by_id("intake"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    "api:request-detail": Entry(by_id("intake"), get=READERS, anonymous=API),
    "api:case-list": Entry(get=EVERYONE, post=API_CREATE, anonymous=API),
    "api:case-detail": Entry(by_id("case"), get=READERS, anonymous=API),
    "api:case-notes": Entry(by_id("case"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API),
    "api:case-assessments": Entry(
        by_id("case"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    "api:case-actions": Entry(
        by_id("case"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    "api:case-consents": Entry(
        by_id("case"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    # A part of a case or an incident: read here; changed and deleted (PATCH, DELETE
    # with If-Match) in haven/api/tests/test_parts.py, persona by persona.
    "api:case-assessment": Entry(
        lambda w: {"id": w.case.uuid, "part_id": case_parts.assessment(w.case).uuid},
        get=READERS,
        anonymous=API,
    ),
    "api:case-action": Entry(
        lambda w: {"id": w.case.uuid, "part_id": w.petition.uuid}, get=READERS, anonymous=API
    ),
    "api:case-decision": Entry(
        lambda w: {"id": w.case.uuid, "part_id": w.petition.uuid},
        get=API_POST_ONLY,
        post=API_PART_CREATE,
        anonymous=API,
    ),
    "api:case-consent": Entry(
        lambda w: {"id": w.case.uuid, "part_id": case_parts.consent(w.case).uuid},
        get=READERS,
        anonymous=API,
    ),
    "api:case-note": Entry(
        lambda w: {"id": w.case.uuid, "part_id": case_parts.note(w.case).uuid},
        get=READERS,
        anonymous=API,
    ),
    "api:incident-list": Entry(get=EVERYONE, post=API_CREATE, anonymous=API),
    "api:incident-act": Entry(
        lambda w: {"id": w.incident.uuid, "act_id": w.act.uuid}, get=READERS, anonymous=API
    ),
    "api:incident-involvement": Entry(
        lambda w: {"id": w.incident.uuid, "act_id": w.act.uuid, "part_id": w.involvement.uuid},
        get=READERS,
        anonymous=API,
    ),
    "api:incident-chains": Entry(
        by_id("incident"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    "api:incident-chain": Entry(
        lambda w: {"id": w.incident.uuid, "part_id": w.chain.uuid}, get=READERS, anonymous=API
    ),
    "api:incident-information": Entry(
        by_id("incident"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    "api:incident-citation": Entry(
        lambda w: {"id": w.incident.uuid, "part_id": w.citation.uuid}, get=READERS, anonymous=API
    ),
    "api:incident-detail": Entry(by_id("incident"), get=READERS, anonymous=API),
    "api:incident-acts": Entry(
        by_id("incident"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    "api:incident-involvements": Entry(
        lambda w: {"id": w.incident.uuid, "act_id": w.act.uuid},
        get=API_POST_ONLY,
        post=API_PART_CREATE,
        anonymous=API,
    ),
    "api:source-list": Entry(get=EVERYONE, post=API_CREATE, anonymous=API),
    "api:source-detail": Entry(by_id("source"), get=READERS, anonymous=API),
    # An empty form holds no file: refused (400), nothing stored.
    "api:source-upload": Entry(
        by_id("source"),
        get=API_POST_ONLY,
        post={**API_PART_CREATE, "member": 400},
        anonymous=API,
    ),
    "api:source-download": Entry(
        lambda w: {"id": w.source.uuid, "file_id": w.evidence.uuid}, get=READERS, anonymous=API
    ),
    "api:source-custody": Entry(
        lambda w: {"id": w.source.uuid, "file_id": w.evidence.uuid}, get=READERS, anonymous=API
    ),
    "api:vocabulary-list": Entry(get=EVERYONE, anonymous=API),
    "api:vocabulary-detail": Entry(lambda w: {"code": "channel"}, get=EVERYONE, anonymous=API),
    "api:place-list": Entry(get=EVERYONE, anonymous=API),
    "api:place-detail": Entry(lambda w: {"pk": w.place.pk}, get=EVERYONE, anonymous=API),
    "api:search": Entry(
        get=API_POST_ONLY, post={**{p: 415 for p in EVERYONE}, "anonymous": API}, anonymous=API
    ),
    "api:audit_status": Entry(get=ADMIN_ONLY, anonymous=API),
    "api:schema": Entry(get=EVERYONE, anonymous=API),
    "api:docs": Entry(get=EVERYONE),
    "api:not_found": Entry(get={persona: 404 for persona in EVERYONE}, anonymous=404),
}
