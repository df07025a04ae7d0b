"""Every route of Haven, as every persona: one table, checked against the URL resolver.

A route added without an entry here fails ``test_the_table_names_every_route``; each
entry says how to reach the route for one team's records (``world``) and the status
each persona gets on GET and, for routes that change something, on POST. POSTs are
sent empty, so a persona that may write gets the form's 400 (or the action's
redirect where the route needs no input) and nothing is changed by a refused one.
The API's routes are in ``api_routes`` (``API_ROUTES``), joined to the table here.
"""

from __future__ import annotations

import copy

import pytest
from django.urls import reverse

from haven.cases.tests import parts as case_parts
from haven.drafts.tests import parts as draft_parts
from haven.tests.access import check_access
from haven.tests.api_routes import API_ROUTES
from haven.tests.helpers import ADMIN_ONLY, CREATORS, EVERYONE, NOT_THEIRS, READERS, WRITERS
from haven.tests.routes import Entry, all_routes, by_uuid

NOT_THEIRS_POST = {"read_only": 403, **NOT_THEIRS}
POST_ONLY = {"member": 405, "read_only": 405}
EVERYONE_POST = {"administrator": 302, "member": 302, "read_only": 302, "outsider": 302}
ERASERS = {"member": 403, "read_only": 403, **NOT_THEIRS}
PUBLIC = {persona: 503 for persona in EVERYONE}


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
        by_uuid("person"),
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
        by_uuid("person"),
        get={persona: 405 for persona in EVERYONE},
        post={persona: 404 for persona in EVERYONE},
    ),
    "accounts:key_remove": Entry(
        by_uuid("person"),
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
        by_uuid("stranger"),
        get={**ADMIN_ONLY, "administrator": 405},
        post={"member": 403, "read_only": 403, "outsider": 403},
    ),
    "admin:user_reset_2fa": Entry(
        by_uuid("stranger"),
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
    "admin:team": Entry(by_uuid("team"), get=ADMIN_ONLY),
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
        by_uuid("notification"),
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
    # Anyone may look for duplicates among the people they may change (none: no pairs).
    "people:find_duplicates": Entry(get={persona: 405 for persona in EVERYONE}, post=EVERYONE_POST),
    "people:unmerge": Entry(by_uuid("merge"), get=POST_ONLY, post=NOT_THEIRS),
    "people:detail": Entry(by_uuid("person"), get=READERS),
    "people:edit": Entry(by_uuid("person"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}),
    "people:move": Entry(by_uuid("person"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}),
    "people:relate": Entry(
        by_uuid("person"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}
    ),
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
    "people:history": Entry(by_uuid("person"), get=READERS),
    # Sealing: a writing member (a named one, once sealed); an empty post unseals.
    "people:seal": Entry(by_uuid("person"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 302}),
    "people:restore": Entry(
        lambda w: {"uuid": w.person.uuid, "version": w.version.uuid},
        get=POST_ONLY,
        post=NOT_THEIRS_POST,
    ),
    "people:delete": Entry(by_uuid("victim"), get=WRITERS, post=NOT_THEIRS_POST),
    # Cases and requests.
    "cases:list": Entry(get=EVERYONE, post=EVERYONE),
    "cases:new": Entry(get=CREATORS),
    "cases:requests": Entry(get=EVERYONE, post=EVERYONE),
    "cases:request_new": Entry(get=CREATORS),
    "cases:request_detail": Entry(by_uuid("intake"), get=READERS),
    "cases:request_convert": Entry(
        by_uuid("intake"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "cases:request_join": Entry(
        by_uuid("intake"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "cases:request_reply": Entry(
        by_uuid("intake"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "cases:request_assign": Entry(
        by_uuid("intake"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 302}
    ),
    # The intake team's queue, and the public request page (open to anyone; closed here,
    # as the world names no intake team).
    "intake:queue": Entry(get=EVERYONE),
    # The e-mail opt-in: refused with a message (a redirect) to those not on the intake team.
    "intake:digest": Entry(get=POST_ONLY, post={**EVERYONE_POST}),
    # Nothing ticked: a message on the queue, for everyone signed in.
    "intake:spam_chosen": Entry(get=POST_ONLY, post={**EVERYONE_POST}),
    "intake:spam": Entry(
        by_uuid("submission"), get=POST_ONLY, post=NOT_THEIRS_POST | {"member": 302}
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
    "cases:detail": Entry(by_uuid("case"), get=READERS),
    "cases:edit": Entry(by_uuid("case"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}),
    "cases:status": Entry(by_uuid("case"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}),
    "cases:add_person": Entry(
        by_uuid("case"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "cases:risk_new": Entry(by_uuid("case"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}),
    "cases:action_new": Entry(
        by_uuid("case"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "cases:petition_new": Entry(
        by_uuid("case"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
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
    "cases:consent_new": Entry(
        by_uuid("case"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "cases:note_new": Entry(
        by_uuid("case"), get=POST_ONLY, post={**NOT_THEIRS_POST, "member": 400}
    ),
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
    "incidents:detail": Entry(by_uuid("incident"), get=READERS),
    "incidents:edit": Entry(
        by_uuid("incident"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "incidents:act_new": Entry(
        by_uuid("incident"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "incidents:involvement_new": Entry(
        lambda w: {"uuid": w.incident.uuid, "act": w.act.uuid},
        get=WRITERS,
        post={**NOT_THEIRS_POST, "member": 400},
    ),
    "incidents:chain_new": Entry(
        by_uuid("incident"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "incidents:cite_new": Entry(
        by_uuid("incident"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "incidents:link_case": Entry(
        by_uuid("incident"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
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
    "sources:detail": Entry(by_uuid("source"), get=READERS),
    "sources:upload": Entry(
        by_uuid("source"),
        get={**POST_ONLY, "outsider": 405},
        post={**NOT_THEIRS_POST, "member": 400},
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
    "imports:detail": Entry(by_uuid("import_job"), get=READERS),
    "imports:mapping_json": Entry(by_uuid("import_job"), get=READERS),
    "imports:read_as": Entry(
        by_uuid("import_job"),
        get={**POST_ONLY, "outsider": 405},
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    "imports:mapping": Entry(
        by_uuid("import_job"),
        get={**POST_ONLY, "outsider": 405},
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    # No saved mapping named: not found.
    "imports:use_saved": Entry(
        by_uuid("import_job"),
        get={**POST_ONLY, "outsider": 405},
        post={**NOT_THEIRS_POST, "member": 404},
    ),
    # Without a mapping or a clean check the page says what to do first.
    "imports:check": Entry(
        by_uuid("import_job"),
        get={**POST_ONLY, "outsider": 405},
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    "imports:start": Entry(
        by_uuid("import_job"),
        get={**POST_ONLY, "outsider": 405},
        post={**NOT_THEIRS_POST, "member": 302},
    ),
    # A case's dossier: anyone who may read the case (an empty post lacks its reason).
    "documents:dossier": Entry(
        by_uuid("case"), get=READERS, post={"member": 400, "read_only": 400, **NOT_THEIRS}
    ),
    # A person's own copy: the roles of HAVEN_SUBJECT_ACCESS_ROLES (coordinators and
    # administrators; the member persona is a caseworker), as writing members.
    "documents:own_copy": Entry(
        by_uuid("person"),
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
        by_uuid("saved_report"), get={"member": 302, "read_only": 302, **NOT_THEIRS}
    ),
    "reports:delete": Entry(
        by_uuid("saved_report"),
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
    "drafts:petition": Entry(by_uuid("petition"), get=READERS),
    "drafts:make": Entry(
        by_uuid("petition"),
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
        by_uuid("person"), get=ERASERS, post={**NOT_THEIRS_POST, "member": 403}
    ),
    "retention:erase_case": Entry(
        by_uuid("case"), get=ERASERS, post={**NOT_THEIRS_POST, "member": 403}
    ),
    "retention:erase_request": Entry(
        by_uuid("intake"), get=ERASERS, post={**NOT_THEIRS_POST, "member": 403}
    ),
    "retention:hold_case": Entry(
        by_uuid("case"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    "retention:hold_incident": Entry(
        by_uuid("incident"), get=WRITERS, post={**NOT_THEIRS_POST, "member": 400}
    ),
    # A hold that does not exist (here: a person's UUID) is unknown to everyone.
    "retention:hold_lift": Entry(
        by_uuid("person"),
        get={persona: 405 for persona in EVERYONE},
        post={persona: 404 for persona in EVERYONE},
    ),
    # The API (haven/api): the same records, the same answers, in JSON.
    **API_ROUTES,
}


def test_the_table_names_every_route():
    """A new route must be added to ROUTES, with what each persona gets there."""
    names = {route.name for route in all_routes()}
    assert sorted(names - set(ROUTES)) == [], "routes missing from ROUTES"
    assert sorted(set(ROUTES) - names) == [], "ROUTES names routes that no longer exist"


# The records are the module's (``shared_world``); each test gets copies of the objects,
# as Django's ``setUpTestData`` gives, so that what one test sets on them (a last login)
# stays its own.
@pytest.fixture
def personas(shared_world, db):
    return copy.deepcopy(shared_world.personas)


@pytest.fixture
def world(shared_world, db, settings):
    settings.HAVEN_EVIDENCE_DIR = shared_world.evidence
    return copy.deepcopy(shared_world.world)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_by_persona(name, personas, world):
    entry = ROUTES[name]
    url = reverse(name, kwargs=entry.kwargs(world))
    check_access(personas, name, url, {"anonymous": entry.anonymous, **entry.get})
    if entry.post is not None:
        check_access(personas, name, url, {"anonymous": 302, **entry.post}, method="post")
