"""Every resource: need-to-know, writes through the actions, audit entries on the API
channel, problem details, ETags and If-Match, the evidence round trip."""

from __future__ import annotations

import hashlib

import pytest

from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory
from haven.api.tests.conftest import ApiClient, token_for
from haven.audit.models import AuditEntry
from haven.people.actions import add_person
from haven.people.models import Person
from haven.records.models import BlindTerm, RecordVersion

pytestmark = pytest.mark.django_db


def is_problem(response, status):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def detail_urls(world) -> dict[str, str]:
    return {
        "people": f"/api/v1/people/{world.person.uuid}/",
        "requests": f"/api/v1/requests/{world.intake.uuid}/",
        "cases": f"/api/v1/cases/{world.case.uuid}/",
        "incidents": f"/api/v1/incidents/{world.incident.uuid}/",
        "sources": f"/api/v1/sources/{world.source.uuid}/",
        "evidence": f"/api/v1/sources/{world.source.uuid}/files/{world.evidence.uuid}/content/",
        "custody": f"/api/v1/sources/{world.source.uuid}/files/{world.evidence.uuid}/custody/",
    }


LISTS = ["people", "requests", "cases", "incidents", "sources"]


def test_members_read_every_resource_and_outsiders_get_404(api, world):
    for name, url in detail_urls(world).items():
        assert api["member"].get(url).status_code == 200, name
        assert api["read_only"].get(url).status_code == 200, name
        for persona in ("outsider", "administrator"):
            is_problem(api[persona].get(url), 404)


def test_lists_never_hold_another_teams_records(api, world, personas):
    other = TeamFactory(name="Other desk")
    Membership.objects.create(team=other, user=personas.outsider)
    theirs = add_person(team=other, by=personas.outsider, name="Чужой Человек")
    mine = api["member"].get("/api/v1/people/").json()["results"]
    assert str(world.person.uuid) in {row["id"] for row in mine}
    assert str(theirs.uuid) not in {row["id"] for row in mine}
    outsiders = api["outsider"].get("/api/v1/people/").json()["results"]
    assert [row["id"] for row in outsiders] == [str(theirs.uuid)]
    for name in LISTS:
        listed = api["administrator"].get(f"/api/v1/{name}/")
        assert listed.status_code == 200 and listed.json()["results"] == [], name
    # A reference to another team's record is refused as unknown: nothing is linked.
    refused = api["member"].post(
        "/api/v1/requests/",
        {"channel": "hotline", "summary": "Help", "requester": str(theirs.uuid)},
    )
    assert "requester" in is_problem(refused, 400)["errors"]


def test_read_only_members_get_403_on_every_write(api, world):
    reader = api["read_only"]
    is_problem(reader.post("/api/v1/people/", {"name": "Анна"}), 403)
    is_problem(reader.post("/api/v1/requests/", {"channel": "hotline", "summary": "x"}), 403)
    url = f"/api/v1/people/{world.person.uuid}/"
    is_problem(reader.patch(url, {"notes": "x"}, HTTP_IF_MATCH='"1"'), 403)
    is_problem(reader.delete(url, HTTP_IF_MATCH='"1"'), 403)
    is_problem(reader.post(f"/api/v1/sources/{world.source.uuid}/files/", b"x"), 403)
    is_problem(api["outsider"].patch(url, {"notes": "x"}, HTTP_IF_MATCH='"1"'), 404)
    assert not Person.objects.get(pk=world.person.pk).notes


def test_a_person_made_through_the_api_is_made_by_the_action(api, personas):
    member = api["member"]
    made = member.post(
        "/api/v1/people/",
        {
            "name": "Ибрагим Селимханов",
            "other_names": ["Ibragim Selimkhanov"],
            "contacts": ["+7 900 123-45-67"],
            "birth_date": "~1996",
            "whereabouts": [{"place": "Нижний Новгород", "since": "summer 2021"}],
        },
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert made["ETag"] == '"1"'
    person = Person.objects.get(uuid=body["id"])
    assert RecordVersion.objects.filter(object_uuid=person.uuid, number=1).exists()
    assert BlindTerm.objects.filter(record_id=person.pk).exists()
    entry = AuditEntry.objects.get(action="people.person.created")
    assert entry.channel == "api" and entry.actor == personas.member
    move = body["whereabouts"][0]
    assert move["since"]["precision"] == "season" and move["since"]["earliest"] == "2021-06-01"
    assert body["birth_date"]["estimated"] is True and body["contacts"][0]["kind"] == "phone"
    found = member.post("/api/v1/search/", {"query": "Selimkhanov"}).json()
    assert body["id"] in {hit["id"] for hit in found["results"]}


def test_every_read_is_on_the_record_as_the_api(api, world, personas):
    before = AuditEntry.objects.count()
    api["member"].get("/api/v1/people/")
    api["member"].get(f"/api/v1/cases/{world.case.uuid}/")
    entries = list(AuditEntry.objects.filter(seq__gt=before).order_by("seq"))
    assert [entry.action for entry in entries] == ["people.person.read", "cases.case.viewed"]
    assert all(e.channel == "api" and e.actor == personas.member for e in entries)
    assert f"people.person:{world.person.uuid}" in entries[0].records


def test_a_stale_update_is_refused_and_changes_nothing(api, world):
    member = api["member"]
    url = f"/api/v1/people/{world.person.uuid}/"
    etag = member.get(url)["ETag"]
    is_problem(member.patch(url, {"notes": "first"}), 428)
    changed = member.patch(url, {"notes": "first"}, HTTP_IF_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    body = is_problem(member.patch(url, {"notes": "second"}, HTTP_IF_MATCH=etag), 412)
    assert "changed" in body["detail"]
    assert Person.objects.get(pk=world.person.pk).notes == "first"
    assert member.delete(url, HTTP_IF_MATCH=changed["ETag"]).status_code == 204
    is_problem(member.get(url), 404)
    assert Person.objects.get(pk=world.person.pk).deleted_at is not None


def test_bad_bodies_get_problem_details_and_save_nothing(api, personas):
    member = api["member"]
    count = Person.objects.count()
    is_problem(member.post("/api/v1/people/", b"{not json"), 400)
    body = is_problem(member.post("/api/v1/people/", {"name": "Анна", "nmae": "x"}), 400)
    assert "nmae" in body["errors"]
    body = is_problem(member.post("/api/v1/people/", {"name": ["a"], "birth_date": "soon"}), 400)
    assert set(body["errors"]) == {"name", "birth_date"}
    is_problem(member.post("/api/v1/people/", [1, 2]), 400)
    is_problem(member.post("/api/v1/people/", b'{"name": NaN}'), 400)
    is_problem(member.post("/api/v1/people/", b"x" * (3 << 20)), 413)
    is_problem(member.get("/api/v1/people/?kind=alien"), 400)
    is_problem(member.get("/api/v1/people/?cursor=bogus"), 404)
    is_problem(member.get("/api/v1/nothing-here/"), 404)
    is_problem(member.get("/api/v1/people/not-a-uuid/"), 404)
    assert Person.objects.count() == count


def test_the_hotline_bot_files_a_request_and_attaches_a_file(personas, world):
    _token, secret = token_for(personas.member, scopes=["requests:write", "sources:write"])
    bot = ApiClient(secret)
    made = bot.post(
        "/api/v1/requests/",
        {"channel": "telegram", "summary": "Мне угрожают родственники", "urgency": "immediate"},
    )
    assert made.status_code == 201, made.content
    assert made.json()["channel"]["code"] == "telegram"
    source = bot.post("/api/v1/sources/", {"kind": "testimony", "title": "Voice message"})
    assert source.status_code == 201, source.content
    content = b"%PDF-1.4\n" + bytes(range(256)) * 400
    upload = bot.client.post(
        f"/api/v1/sources/{source.json()['id']}/files/",
        content,
        content_type="application/pdf",
        HTTP_CONTENT_DISPOSITION='attachment; filename="statement.pdf"',
        **bot.headers,
    )
    assert upload.status_code == 201, upload.content
    evidence = upload.json()
    assert evidence["sha256"] == hashlib.sha256(content).hexdigest()
    assert evidence["name"] == "statement.pdf" and evidence["size"] == len(content)
    base = f"/api/v1/sources/{source.json()['id']}/files/{evidence['id']}"
    download = bot.get(f"{base}/content/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    custody = [entry["action"] for entry in bot.get(f"{base}/custody/").json()]
    assert custody.index("evidence.uploaded") < custody.index("evidence.downloaded")
    assert AuditEntry.objects.filter(action="evidence.downloaded", channel="api").exists()


def test_a_refused_upload_leaves_nothing(api, world, settings):
    settings.HAVEN_EVIDENCE_MAX_BYTES = 1000
    url = f"/api/v1/sources/{world.source.uuid}/files/"
    headers = {"HTTP_CONTENT_DISPOSITION": 'attachment; filename="a.pdf"'}
    count = world.source.files.count()
    is_problem(api["member"].post(url, b"%PDF" + b"x" * 2000, **headers), 413)
    is_problem(api["member"].post(url, b"MZ\x90\x00 not a document", **headers), 400)
    is_problem(api["member"].post(url, b""), 400)
    assert world.source.files.count() == count


def test_labels_follow_accept_language(api, world):
    url = f"/api/v1/requests/{world.intake.uuid}/"
    english = api["member"].get(url)
    russian = api["member"].get(url, HTTP_ACCEPT_LANGUAGE="ru")
    assert english["Content-Language"] == "en" and russian["Content-Language"] == "ru"
    assert english.json()["channel"]["label"] != russian.json()["channel"]["label"]
    incident = api["member"].get(
        f"/api/v1/incidents/{world.incident.uuid}/", HTTP_ACCEPT_LANGUAGE="ru"
    )
    start = incident.json()["start"]
    assert start["earliest"] == "2020-04-01" and start["latest"] == "2020-04-30"
    assert start["precision"] == "month" and "2020" in start["text"]


def test_cases_and_incidents_carry_their_parts(api, world):
    case = api["member"].get(f"/api/v1/cases/{world.case.uuid}/").json()
    assert [action["id"] for action in case["actions"]] == [str(world.petition.uuid)]
    assert case["persons"][0]["id"] == str(world.person.uuid)
    incident = api["member"].get(f"/api/v1/incidents/{world.incident.uuid}/").json()
    act = incident["acts"][0]
    assert act["id"] == str(world.act.uuid) and act["involvements"][0]["degree"] == "ordered"
    assert incident["chains"] and incident["information"]


def test_reference_lists_and_the_audit_status(api, world):
    vocabularies = api["outsider"].get("/api/v1/vocabularies/").json()
    assert "act_type" in {vocabulary["code"] for vocabulary in vocabularies}
    assert api["member"].get("/api/v1/vocabularies/channel/").json()["terms"]
    assert api["member"].get("/api/v1/places/").json()["results"]
    status = api["administrator"].get("/api/v1/audit/status/")
    assert status.status_code == 200 and status.json()["ok"] is True
    is_problem(api["member"].get("/api/v1/audit/status/"), 403)


def test_the_schema_is_served_and_has_no_warnings(api):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache
    served = api["member"].get("/api/v1/schema/?format=json")
    assert served.status_code == 200 and "/api/v1/requests/" in served.json()["paths"]


def test_parts_of_cases_and_incidents_are_added_through_the_actions(api, world, personas):
    member, case_url = api["member"], f"/api/v1/cases/{world.case.uuid}"
    risk = member.post(
        f"{case_url}/assessments/",
        {"likelihood": 5, "impact": 5, "level": "critical", "threat_sources": ["family"]},
    )
    assert risk.status_code == 201, risk.content
    assert risk.json()["threat_sources"] == ["family"]
    world.case.refresh_from_db()
    assert world.case.risk_level == "critical"  # the action follows the latest assessment
    petition = member.post(
        f"{case_url}/actions/",
        {
            "kind": "petition",
            "title": "Complaint",
            "authority": "ic_chechnya",
            "petition_type": "state_protection",
            "done": "spring 2021",
        },
    )
    assert petition.status_code == 201, petition.content
    assert petition.json()["done"]["precision"] == "season"
    consent = member.post(
        f"{case_url}/consents/",
        {"person": str(world.person.uuid), "purpose": "referral", "status": "given"},
    )
    assert consent.status_code == 201, consent.content
    assert member.post(f"{case_url}/notes/", {"text": "Called back."}).status_code == 201
    incident_url = f"/api/v1/incidents/{world.incident.uuid}"
    act = member.post(
        f"{incident_url}/acts/", {"act_type": "torture", "victim": str(world.victim.uuid)}
    )
    assert act.status_code == 201, act.content
    assert act.json()["act_type"]["code"] == "torture"
    involvement = member.post(
        f"{incident_url}/acts/{act.json()['id']}/involvements/",
        {"perpetrator": str(world.person.uuid), "degree": "direct"},
    )
    assert involvement.status_code == 201, involvement.content
    shown = member.get(f"{incident_url}/").json()
    assert {a["id"] for a in shown["acts"]} >= {act.json()["id"]}
    created = AuditEntry.objects.filter(channel="api", action__endswith=".created")
    assert {e.action for e in created} >= {
        "cases.riskassessment.created",
        "cases.caseaction.created",
        "cases.consent.created",
        "cases.casenote.created",
        "incidents.act.created",
        "incidents.involvement.created",
    }
    # A read-only member may not, an outsider does not see the case at all.
    is_problem(api["read_only"].post(f"{case_url}/notes/", {"text": "x"}), 403)
    is_problem(api["outsider"].post(f"{incident_url}/acts/", {"act_type": "torture"}), 404)


def test_duplicates_are_listed_within_the_users_teams(api, world, personas):
    first = add_person(team=personas.team, by=personas.member, name="Ахмед Исаев")
    second = add_person(team=personas.team, by=personas.member, name="Akhmed Isaev")
    pairs = api["member"].get("/api/v1/people/duplicates/").json()
    codes = {(pair["a"]["code"], pair["b"]["code"]) for pair in pairs}
    assert {(first.code, second.code), (second.code, first.code)} & codes
    assert all(pair["reasons"] for pair in pairs)
    assert api["outsider"].get("/api/v1/people/duplicates/").json() == []
