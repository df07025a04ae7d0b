"""Every route of Haven, as every persona: one table, checked against the URL resolver.

A route added without an entry here fails ``test_the_table_names_every_route``; each
entry says how to reach the route for one team's records (``world``) and the status
each persona gets on GET and, for routes that change something, on POST. POSTs are
sent empty, so a persona that may write gets the form's 400 (or the action's
redirect where the route needs no input) and nothing is changed by a refused one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.urls import reverse

from haven.cases.tests import parts as case_parts
from haven.drafts.tests import parts as draft_parts
from haven.tests.access import check_access
from haven.tests.helpers import ADMIN_ONLY, CREATORS, EVERYONE, NOT_THEIRS, READERS, WRITERS
from haven.tests.routes import all_routes

NOT_THEIRS_POST = {"read_only": 403, **NOT_THEIRS}
POST_ONLY = {"member": 405, "read_only": 405}
EVERYONE_POST = {"administrator": 302, "member": 302, "read_only": 302, "outsider": 302}
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
ERASERS = {"member": 403, "read_only": 403, **NOT_THEIRS}
PUBLIC = {persona: 503 for persona in EVERYONE}


@dataclass(frozen=True)
class Entry:
    """How to reach a route and what each persona gets there."""

    kwargs: Callable[[SimpleNamespace], dict] = lambda w: {}
    get: dict = field(default_factory=dict)
    post: dict | None = None
    anonymous: int = 302


def _uuid(name):
    return lambda w: {"uuid": getattr(w, name).uuid}


def _id(name):
    """The API names a record's UUID ``id``."""
    return lambda w: {"id": getattr(w, name).uuid}


ROUTES: dict[str, Entry] = {
    # Signing in and the account itself.
    "accounts:login": Entry(get={"anonymous": 200, "member": 302}, anonymous=200),
    "accounts:second_factor": Entry(get={"member": 302}),
    "accounts:enroll": Entry(get={"member": 302}),
    "accounts:finish_setup": Entry(get={"member": 302, "read_only": 302}),
    "accounts:password": Entry(get=EVERYONE),
    "accounts:logout": Entry(get={"member": 405}, anonymous=405),
    "accounts:recovery_codes": Entry(get={"member": 405, "administrator": 405}),
    "accounts:language": Entry(get={"member": 405}, anonymous=405),
    "accounts:account": Entry(get=EVERYONE),
    # Access tokens: one's own; another's token (here: no token at all) is unknown.
    "accounts:tokens": Entry(get=EVERYONE, post={persona: 400 for persona in EVERYONE}),
    "accounts:token_revoke": Entry(
        _uuid("person"),
        get={persona: 405 for persona in EVERYONE},
        post={persona: 404 for persona in EVERYONE},
    ),
    # Lockdown by two members of the lockdown team: no team is set here, so nobody is in
    # it; an administrator is sent to their own lockdown page.
    "accounts:lockdown": Entry(
        get={"member": 403, "read_only": 403, "outsider": 403, "administrator": 302}
    ),
    "accounts:lockdown_propose": Entry(
        get={persona: 405 for persona in EVERYONE}, post={persona: 403 for persona in EVERYONE}
    ),
    "accounts:lockdown_confirm": Entry(
        get={persona: 405 for persona in EVERYONE}, post={persona: 403 for persona in EVERYONE}
    ),
    "accounts:lockdown_withdraw": Entry(
        get={persona: 405 for persona in EVERYONE}, post={persona: 403 for persona in EVERYONE}
    ),
    # Signing out everywhere, quick exit and the neutral page it leads to.
    "accounts:logout_everywhere": Entry(get={"member": 405, "administrator": 405}),
    "accounts:quick_exit": Entry(get={"member": 405}, anonymous=405),
    "accounts:blank": Entry(get={"member": 200}, anonymous=200),
    # Security keys: one's own; another's key (here: no key at all) is unknown.
    "accounts:keys": Entry(get=EVERYONE),
    "accounts:key_rename": Entry(
        _uuid("person"),
        get={persona: 405 for persona in EVERYONE},
        post={persona: 404 for persona in EVERYONE},
    ),
    "accounts:key_remove": Entry(
        _uuid("person"),
        get={persona: 405 for persona in EVERYONE},
        post={persona: 404 for persona in EVERYONE},
    ),
    # The WebAuthn ceremonies (JSON, POST only): adding a key needs a verified session;
    # signing in with one belongs to the second-factor step, which a verified user is past.
    "otp_webauthn:credential-registration-begin": Entry(get={persona: 405 for persona in EVERYONE}),
    "otp_webauthn:credential-registration-complete": Entry(
        get={persona: 405 for persona in EVERYONE},
        post={persona: 400 for persona in EVERYONE},
    ),
    "otp_webauthn:credential-authentication-begin": Entry(
        get={persona: 302 for persona in EVERYONE}
    ),
    "otp_webauthn:credential-authentication-complete": Entry(
        get={persona: 302 for persona in EVERYONE},
        post={persona: 302 for persona in EVERYONE},
    ),
    "otp_webauthn:js-i18n-catalog": Entry(get={"member": 200}, anonymous=200),
    # Administration: accounts, teams, the audit log, vocabularies, places.
    "audit:log": Entry(get=ADMIN_ONLY),
    "admin:users": Entry(get=ADMIN_ONLY),
    "admin:user_disable": Entry(
        _uuid("stranger"),
        get={**ADMIN_ONLY, "administrator": 405},
        post={"member": 403, "read_only": 403, "outsider": 403},
    ),
    "admin:user_reset_2fa": Entry(
        _uuid("stranger"),
        get={**ADMIN_ONLY, "administrator": 405},
        post={"member": 403, "read_only": 403, "outsider": 403},
    ),
    "admin:teams": Entry(get=ADMIN_ONLY),
    # Lockdown: an empty POST starts nothing (the box is not ticked) and lifts nothing.
    "admin:lockdown": Entry(get=ADMIN_ONLY),
    "admin:lockdown_start": Entry(
        get={**ADMIN_ONLY, "administrator": 405},
        post={"member": 403, "read_only": 403, "outsider": 403, "administrator": 302},
    ),
    "admin:lockdown_lift": Entry(
        get={**ADMIN_ONLY, "administrator": 405},
        post={"member": 403, "read_only": 403, "outsider": 403, "administrator": 302},
    ),
    "admin:team": Entry(_uuid("team"), get=ADMIN_ONLY),
    "admin:member_remove": Entry(
        lambda w: {"uuid": w.team.uuid, "user": w.stranger.uuid},
        get={**ADMIN_ONLY, "administrator": 405},
        post={"member": 403, "read_only": 403, "outsider": 403},
    ),
    "vocab:list": Entry(get=ADMIN_ONLY),
    "vocab:term_new": Entry(lambda w: {"vocabulary": w.term.vocabulary}, get=ADMIN_ONLY),
    "vocab:term_edit": Entry(lambda w: {"pk": w.term.pk}, get=ADMIN_ONLY),
    "vocab:term_retire": Entry(
        lambda w: {"pk": w.term.pk},
        get={**ADMIN_ONLY, "administrator": 405},
        post={"member": 403, "read_only": 403, "outsider": 403},
    ),
    "vocab:term_delete": Entry(
        lambda w: {"pk": w.term.pk},
        get={**ADMIN_ONLY, "administrator": 405},
        post={"member": 403, "read_only": 403, "outsider": 403},
    ),
    "locations:list": Entry(get=ADMIN_ONLY),
    "locations:new": Entry(get=ADMIN_ONLY),
    "locations:edit": Entry(lambda w: {"pk": w.place.pk}, get=ADMIN_ONLY),
    # Everyone's pages.
    "web:home": Entry(get=EVERYONE),
    "search:search": Entry(get=EVERYONE),
    "search:pick": Entry(
        get={persona: 405 for persona in EVERYONE},
        post={persona: 400 for persona in EVERYONE},
    ),
    # Reminders: one's own notifications; another user's notification is unknown.
    "notifications:list": Entry(get=EVERYONE),
    "notifications:read": Entry(
        _uuid("notification"),
        get={**POST_ONLY, "outsider": 405, "administrator": 405},
        post={"member": 302, "read_only": 404, **NOT_THEIRS},
    ),
    "notifications:read_all": Entry(get=POST_ONLY, post={**EVERYONE_POST}),
    "notifications:digest": Entry(get=POST_ONLY, post={**EVERYONE_POST}),
    # People.
    "people:list": Entry(get=EVERYONE, post=EVERYONE),
    "people:new": Entry(get=CREATORS),
    "people:duplicates": Entry(get=EVERYONE),
    "people:merge": Entry(get=POST_ONLY, post={"outsider": 404, "administrator": 404}),
    "people:unmerge": Entry(_uuid("merge"), get=POST_ONLY, post=NOT_THEIRS),
    "people:detail": Entry(_uuid("person"), get=READERS),
    "people:edit": Entry(_uuid("person"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}),
    "people:move": Entry(_uuid("person"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}),
    "people:relate": Entry(_uuid("person"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}),
    "people:move_edit": Entry(
        lambda w: {"uuid": w.person.uuid, "index": 0},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 400},
    ),
    # Sent without the version the page shows: refused as stale (409), nothing removed.
    "people:move_remove": Entry(
        lambda w: {"uuid": w.person.uuid, "index": 0},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 409},
    ),
    "people:relationship_edit": Entry(
        lambda w: {"uuid": w.person.uuid, "relationship": w.relationship.uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 400},
    ),
    "people:relationship_remove": Entry(
        lambda w: {"uuid": w.person.uuid, "relationship": w.relationship.uuid},
        get=WRITERS,
        post=NOT_THEIRS_POST,
    ),
    "people:history": Entry(_uuid("person"), get=READERS),
    # Sealing: a writing member (a named one, once sealed); an empty post unseals.
    "people:seal": Entry(_uuid("person"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 302}),
    "people:restore": Entry(
        lambda w: {"uuid": w.person.uuid, "version": w.version.uuid},
        get=POST_ONLY,
        post=NOT_THEIRS_POST,
    ),
    "people:delete": Entry(_uuid("victim"), get=WRITERS, post=NOT_THEIRS_POST),
    # Cases and requests.
    "cases:list": Entry(get=EVERYONE, post=EVERYONE),
    "cases:new": Entry(get=CREATORS),
    "cases:requests": Entry(get=EVERYONE, post=EVERYONE),
    "cases:request_new": Entry(get=CREATORS),
    "cases:request_detail": Entry(_uuid("intake"), get=READERS),
    "cases:request_convert": Entry(
        _uuid("intake"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "cases:request_join": Entry(
        _uuid("intake"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "cases:request_reply": Entry(
        _uuid("intake"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "cases:request_assign": Entry(
        _uuid("intake"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 302}
    ),
    # The intake team's queue, and the public request page (open to anyone; closed here,
    # as the world names no intake team).
    "intake:queue": Entry(get=EVERYONE),
    # The e-mail opt-in: refused with a message (a redirect) to those not on the intake team.
    "intake:digest": Entry(get=POST_ONLY, post={**EVERYONE_POST}),
    # Nothing ticked: a message on the queue, for everyone signed in.
    "intake:spam_chosen": Entry(get=POST_ONLY, post={**EVERYONE_POST}),
    "intake:spam": Entry(
        _uuid("submission"), get=POST_ONLY, post=NOT_THEIRS_POST | {"member": 302}
    ),
    "intake_public:form": Entry(
        get=PUBLIC | {"anonymous": 503}, post=PUBLIC | {"anonymous": 503}, anonymous=503
    ),
    "intake_public:receipt": Entry(
        get=PUBLIC | {"anonymous": 200, **{p: 200 for p in EVERYONE}},
        post=PUBLIC | {"anonymous": 400, **{p: 400 for p in EVERYONE}},
        anonymous=200,
    ),
    "intake_public:message": Entry(
        get={p: 405 for p in EVERYONE},
        post={"anonymous": 400, **{p: 400 for p in EVERYONE}},
        anonymous=405,
    ),
    "cases:detail": Entry(_uuid("case"), get=READERS),
    "cases:edit": Entry(_uuid("case"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}),
    "cases:status": Entry(_uuid("case"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}),
    "cases:add_person": Entry(
        _uuid("case"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "cases:risk_new": Entry(_uuid("case"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}),
    "cases:action_new": Entry(_uuid("case"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}),
    "cases:petition_new": Entry(
        _uuid("case"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "cases:action_edit": Entry(
        lambda w: {"uuid": w.case.uuid, "action": w.petition.uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 400},
    ),
    "cases:decision": Entry(
        lambda w: {"uuid": w.case.uuid, "action": w.petition.uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 400},
    ),
    "cases:consent_new": Entry(_uuid("case"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}),
    "cases:note_new": Entry(_uuid("case"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}),
    "cases:action_delete": Entry(
        lambda w: {"uuid": w.case.uuid, "action": w.petition.uuid},
        get=WRITERS,
        post=NOT_THEIRS_POST,
    ),
    "cases:risk_edit": Entry(
        lambda w: {"uuid": w.case.uuid, "assessment": case_parts.assessment(w.case).uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 400},
    ),
    "cases:risk_delete": Entry(
        lambda w: {"uuid": w.case.uuid, "assessment": case_parts.assessment(w.case).uuid},
        get=WRITERS,
        post=NOT_THEIRS_POST,
    ),
    "cases:consent_edit": Entry(
        lambda w: {"uuid": w.case.uuid, "consent": case_parts.consent(w.case).uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 400},
    ),
    "cases:consent_delete": Entry(
        lambda w: {"uuid": w.case.uuid, "consent": case_parts.consent(w.case).uuid},
        get=WRITERS,
        post=NOT_THEIRS_POST,
    ),
    "cases:note_edit": Entry(
        lambda w: {"uuid": w.case.uuid, "note": case_parts.note(w.case).uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 400},
    ),
    "cases:note_delete": Entry(
        lambda w: {"uuid": w.case.uuid, "note": case_parts.note(w.case).uuid},
        get=WRITERS,
        post=NOT_THEIRS_POST,
    ),
    "cases:person_remove": Entry(
        lambda w: {"uuid": w.case.uuid, "person": w.person.uuid},
        get=WRITERS,
        post=NOT_THEIRS_POST,
    ),
    # Incidents.
    "incidents:list": Entry(get=EVERYONE, post=EVERYONE),
    "incidents:new": Entry(get=CREATORS),
    "incidents:statistics": Entry(get=EVERYONE),
    "incidents:detail": Entry(_uuid("incident"), get=READERS),
    "incidents:edit": Entry(
        _uuid("incident"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "incidents:act_new": Entry(
        _uuid("incident"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "incidents:involvement_new": Entry(
        lambda w: {"uuid": w.incident.uuid, "act": w.act.uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 400},
    ),
    "incidents:chain_new": Entry(
        _uuid("incident"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "incidents:cite_new": Entry(
        _uuid("incident"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "incidents:link_case": Entry(
        _uuid("incident"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "incidents:act_edit": Entry(
        lambda w: {"uuid": w.incident.uuid, "act": w.act.uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 400},
    ),
    "incidents:involvement_edit": Entry(
        lambda w: {"uuid": w.incident.uuid, "act": w.act.uuid, "involvement": w.involvement.uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 400},
    ),
    "incidents:chain_edit": Entry(
        lambda w: {"uuid": w.incident.uuid, "chain": w.chain.uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 400},
    ),
    "incidents:cite_edit": Entry(
        lambda w: {"uuid": w.incident.uuid, "link": w.citation.uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 400},
    ),
    # Removal pages ask first; the member's empty POST is the confirmation (sent last).
    "incidents:act_delete": Entry(
        lambda w: {"uuid": w.incident.uuid, "act": w.act.uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    "incidents:involvement_delete": Entry(
        lambda w: {"uuid": w.incident.uuid, "act": w.act.uuid, "involvement": w.involvement.uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    "incidents:chain_delete": Entry(
        lambda w: {"uuid": w.incident.uuid, "chain": w.chain.uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    "incidents:cite_delete": Entry(
        lambda w: {"uuid": w.incident.uuid, "link": w.citation.uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    "incidents:case_unlink": Entry(
        lambda w: {"uuid": w.incident.uuid, "case": w.case.uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    "incidents:intervention_unlink": Entry(
        lambda w: {"uuid": w.incident.uuid, "action": w.petition.uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    # Sources and evidence.
    "sources:list": Entry(get=EVERYONE, post=EVERYONE),
    "sources:new": Entry(get=CREATORS),
    "sources:capture": Entry(get=CREATORS),
    # A bundle needs a documenting role (the read-only member is a lawyer) and sources
    # the user may see; an empty choice is refused as unknown.
    "sources:bundle": Entry(
        get=POST_ONLY, post={"member": 403, "outsider": 403, "administrator": 403}
    ),
    "sources:detail": Entry(_uuid("source"), get=READERS),
    "sources:upload": Entry(
        _uuid("source"), get={**POST_ONLY, "outsider": 405}, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "sources:download": Entry(
        lambda w: {"uuid": w.source.uuid, "file_uuid": w.evidence.uuid}, get=READERS
    ),
    # Imports: the page lists the user's teams' imports; an upload needs a team to
    # write in (an empty one is refused by the form); a job's page is its team's.
    "imports:list": Entry(get=EVERYONE),
    "imports:upload": Entry(
        get={**POST_ONLY, "outsider": 405, "administrator": 405},
        post={"member": 400, "read_only": 403, "outsider": 403, "administrator": 403},
    ),
    "imports:detail": Entry(_uuid("import_job"), get=READERS),
    "imports:mapping_json": Entry(_uuid("import_job"), get=READERS),
    "imports:read_as": Entry(
        _uuid("import_job"),
        get={**POST_ONLY, "outsider": 405},
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    "imports:mapping": Entry(
        _uuid("import_job"),
        get={**POST_ONLY, "outsider": 405},
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    # No saved mapping named: not found.
    "imports:use_saved": Entry(
        _uuid("import_job"),
        get={**POST_ONLY, "outsider": 405},
        post={**NOT_THEIRS_POST, "member": 404},
    ),
    # Without a mapping or a clean check the page says what to do first.
    "imports:check": Entry(
        _uuid("import_job"),
        get={**POST_ONLY, "outsider": 405},
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    "imports:start": Entry(
        _uuid("import_job"),
        get={**POST_ONLY, "outsider": 405},
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    # A case's dossier: anyone who may read the case (an empty post lacks its reason).
    "documents:dossier": Entry(
        _uuid("case"), get=READERS, post={"member": 400, "read_only": 400, **NOT_THEIRS}
    ),
    # A person's own copy: the roles of HAVEN_SUBJECT_ACCESS_ROLES (coordinators and
    # administrators; the member persona is a caseworker), as writing members.
    "documents:own_copy": Entry(
        _uuid("person"),
        get={"member": 403, "read_only": 403, **NOT_THEIRS},
        post={"member": 403, "read_only": 403, **NOT_THEIRS},
    ),
    # Exports: every list's export page, like the list itself (an outsider's holds only
    # their own rows); an empty download is a form with nothing chosen.
    # Reports: figures for everyone signed in, of what each may count; saved reports
    # belong to a team.
    "reports:index": Entry(get=EVERYONE),
    "reports:download": Entry(get={persona: 400 for persona in EVERYONE}),
    "reports:save": Entry(
        get={persona: 405 for persona in EVERYONE},
        post={persona: 400 for persona in EVERYONE},
    ),
    "reports:saved": Entry(
        _uuid("saved_report"), get={"member": 302, "read_only": 302, **NOT_THEIRS}
    ),
    "reports:delete": Entry(
        _uuid("saved_report"),
        get={"member": 405, "read_only": 405, "outsider": 405, "administrator": 405},
        post={"read_only": 302, **NOT_THEIRS},
    ),
    "exports:page": Entry(lambda w: {"kind": "people"}, get=EVERYONE, post=EVERYONE),
    "exports:download": Entry(
        lambda w: {"kind": "people"},
        get={persona: 405 for persona in EVERYONE},
        post={persona: 400 for persona in EVERYONE},
    ),
    # Petition drafts: a petition's drafts are its team's; templates are administrators'.
    "drafts:petition": Entry(_uuid("petition"), get=READERS),
    "drafts:make": Entry(
        _uuid("petition"),
        get={**POST_ONLY, "outsider": 405},
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    "drafts:download": Entry(lambda w: {"uuid": draft_parts.draft(w).uuid}, get=READERS),
    "drafts:regenerate": Entry(
        lambda w: {"uuid": draft_parts.draft(w).uuid},
        get={**POST_ONLY, "outsider": 405},
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    "drafts:templates": Entry(
        get=ADMIN_ONLY,
        post={"member": 403, "read_only": 403, "outsider": 403, "administrator": 400},
    ),
    # An administrator's POST installs the built-in templates (tested in haven/drafts).
    "drafts:install": Entry(
        get={**ADMIN_ONLY, "administrator": 405},
        post={"member": 403, "read_only": 403, "outsider": 403},
    ),
    "drafts:template": Entry(
        lambda w: {"uuid": draft_parts.routes_template().uuid},
        get=ADMIN_ONLY,
        post={"member": 403, "read_only": 403, "outsider": 403, "administrator": 400},
    ),
    "drafts:template_retire": Entry(
        lambda w: {"uuid": draft_parts.routes_template().uuid},
        get={**ADMIN_ONLY, "administrator": 405},
        post={"member": 403, "read_only": 403, "outsider": 403, "administrator": 400},
    ),
    "drafts:version_download": Entry(
        lambda w: {"uuid": draft_parts.routes_template().active.uuid}, get=ADMIN_ONLY
    ),
    # Retention and erasure: erasing needs a coordinator's or administrator's role (the
    # member persona is a caseworker), the retention page is the administrators'.
    "retention:page": Entry(get=ADMIN_ONLY, post={**ADMIN_ONLY, "administrator": 400}),
    "retention:rule_delete": Entry(
        lambda w: {"pk": 999999},
        get={**ADMIN_ONLY, "administrator": 405},
        post={"member": 403, "read_only": 403, "outsider": 403, "administrator": 404},
    ),
    "retention:erase_person": Entry(
        _uuid("person"), get=ERASERS, post={**NOT_THEIRS_POST, "member": 403}
    ),
    "retention:erase_case": Entry(
        _uuid("case"), get=ERASERS, post={**NOT_THEIRS_POST, "member": 403}
    ),
    "retention:erase_request": Entry(
        _uuid("intake"), get=ERASERS, post={**NOT_THEIRS_POST, "member": 403}
    ),
    "retention:hold_case": Entry(
        _uuid("case"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "retention:hold_incident": Entry(
        _uuid("incident"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    # A hold that does not exist (here: a person's UUID) is unknown to everyone.
    "retention:hold_lift": Entry(
        _uuid("person"),
        get={persona: 405 for persona in EVERYONE},
        post={persona: 404 for persona in EVERYONE},
    ),
    # The API (haven/api): the same records, the same answers, in JSON.
    "api:person-list": Entry(get=EVERYONE, post=API_CREATE, anonymous=API),
    "api:person-duplicates": Entry(get=EVERYONE, anonymous=API),
    "api:person-detail": Entry(_id("person"), get=READERS, anonymous=API),
    "api:person-whereabouts": Entry(
        _id("person"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    # A move is changed (PATCH) or removed (DELETE) only: tested in haven/api.
    "api:person-move": Entry(
        lambda w: {"id": w.person.uuid, "index": 0}, get=API_POST_ONLY, anonymous=API
    ),
    "api:request-list": Entry(get=EVERYONE, post=API_CREATE, anonymous=API),
    "api:request-open-case": Entry(
        _id("intake"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    "api:request-join": Entry(
        _id("intake"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    "api:request-detail": Entry(_id("intake"), get=READERS, anonymous=API),
    "api:case-list": Entry(get=EVERYONE, post=API_CREATE, anonymous=API),
    "api:case-detail": Entry(_id("case"), get=READERS, anonymous=API),
    "api:case-notes": Entry(_id("case"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API),
    "api:case-assessments": Entry(
        _id("case"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    "api:case-actions": Entry(_id("case"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API),
    "api:case-consents": Entry(_id("case"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API),
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
        _id("incident"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    "api:incident-chain": Entry(
        lambda w: {"id": w.incident.uuid, "part_id": w.chain.uuid}, get=READERS, anonymous=API
    ),
    "api:incident-information": Entry(
        _id("incident"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    "api:incident-citation": Entry(
        lambda w: {"id": w.incident.uuid, "part_id": w.citation.uuid}, get=READERS, anonymous=API
    ),
    "api:incident-detail": Entry(_id("incident"), get=READERS, anonymous=API),
    "api:incident-acts": Entry(
        _id("incident"), get=API_POST_ONLY, post=API_PART_CREATE, anonymous=API
    ),
    "api:incident-involvements": Entry(
        lambda w: {"id": w.incident.uuid, "act_id": w.act.uuid},
        get=API_POST_ONLY,
        post=API_PART_CREATE,
        anonymous=API,
    ),
    "api:source-list": Entry(get=EVERYONE, post=API_CREATE, anonymous=API),
    "api:source-detail": Entry(_id("source"), get=READERS, anonymous=API),
    # An empty form holds no file: refused (400), nothing stored.
    "api:source-upload": Entry(
        _id("source"),
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


def test_the_table_names_every_route():
    """A new route must be added to ROUTES, with what each persona gets there."""
    names = {route.name for route in all_routes()}
    assert sorted(names - set(ROUTES)) == [], "routes missing from ROUTES"
    assert sorted(set(ROUTES) - names) == [], "ROUTES names routes that no longer exist"


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_by_persona(name, personas, world):
    entry = ROUTES[name]
    url = reverse(name, kwargs=entry.kwargs(world))
    check_access(personas, name, url, {"anonymous": entry.anonymous, **entry.get})
    if entry.post is not None:
        check_access(personas, name, url, {"anonymous": 302, **entry.post}, method="post")
