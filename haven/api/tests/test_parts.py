"""The parts of a record through the API: a case's risk assessments, actions and
petitions, consent and notes; an incident's acts, involvements, chains and citations;
a person's moves. Each is read with its own ETag, changed and deleted through the
apps' verbs with If-Match (stale: 412, nothing changed), refused to read-only members
(403) and unknown to outsiders (404), and on the record on the API channel."""

from __future__ import annotations

import pytest

from haven.api.tests.test_resources import is_problem
from haven.audit.models import AuditEntry
from haven.cases.models import Case, CaseAction, Request
from haven.cases.tests import parts as case_parts
from haven.incidents import actions as incidents
from haven.incidents.models import Chain, InformationLink
from haven.lib.fuzzy_dates import FuzzyDate
from haven.people.models import Person

pytestmark = pytest.mark.django_db


def _case(w, related, part):
    return f"/api/v1/cases/{w.case.uuid}/{related}/{part.uuid}/"


# name -> (make the part, its URL, a change, the field it changes)
PARTS = {
    "assessment": (
        lambda w: case_parts.assessment(w.case),
        lambda w, p: _case(w, "assessments", p),
        {"narrative": "Calmer since the move."},
        "narrative",
    ),
    "action": (
        lambda w: w.petition,
        lambda w, p: _case(w, "actions", p),
        {"reference": "123/2020-ИК"},
        "reference",
    ),
    "consent": (
        lambda w: case_parts.consent(w.case),
        lambda w, p: _case(w, "consents", p),
        {"note": "Given by phone."},
        "note",
    ),
    "note": (
        lambda w: case_parts.note(w.case),
        lambda w, p: _case(w, "notes", p),
        {"text": "Moved to a shelter."},
        "text",
    ),
    "act": (
        lambda w: w.act,
        lambda w, p: f"/api/v1/incidents/{w.incident.uuid}/acts/{p.uuid}/",
        {"consequences": "A broken arm."},
        "consequences",
    ),
    "involvement": (
        lambda w: w.involvement,
        lambda w, p: (
            f"/api/v1/incidents/{w.incident.uuid}/acts/{w.act.uuid}/involvements/{p.uuid}/"
        ),
        {"affiliation": "Police unit"},
        "affiliation",
    ),
    "chain": (
        lambda w: w.chain,
        lambda w, p: f"/api/v1/incidents/{w.incident.uuid}/chains/{p.uuid}/",
        {"note": "As the brother told it."},
        "note",
    ),
    "citation": (
        lambda w: w.citation,
        lambda w, p: f"/api/v1/incidents/{w.incident.uuid}/information/{p.uuid}/",
        {"note": "Read twice."},
        "note",
    ),
}


def fresh(part):
    return type(part)._base_manager.get(pk=part.pk)


@pytest.mark.parametrize("name", sorted(PARTS))
def test_a_part_is_changed_only_from_its_latest_version(name, api, world, personas):
    make, url_of, change, field = PARTS[name]
    part = make(world)
    url = url_of(world, part)
    member = api["member"]
    read = member.get(url)
    assert read.status_code == 200, read.content[:300]
    assert read.json()["id"] == str(part.uuid)
    etag = read["ETag"]
    before = getattr(fresh(part), field)

    # Without If-Match, or with an older version: refused, nothing changed.
    is_problem(member.patch(url, change), 428)
    is_problem(member.patch(url, change, HTTP_IF_MATCH='"0"'), 412)
    is_problem(member.delete(url, HTTP_IF_MATCH='"0"'), 412)
    assert getattr(fresh(part), field) == before and fresh(part).deleted_at is None

    # A read-only member may read it but not change it; outsiders do not see it.
    assert api["read_only"].get(url).status_code == 200
    is_problem(api["read_only"].patch(url, change, HTTP_IF_MATCH=etag), 403)
    is_problem(api["read_only"].delete(url, HTTP_IF_MATCH=etag), 403)
    for persona in ("outsider", "administrator"):
        is_problem(api[persona].get(url), 404)
        is_problem(api[persona].patch(url, change, HTTP_IF_MATCH=etag), 404)
        is_problem(api[persona].delete(url, HTTP_IF_MATCH=etag), 404)
    assert getattr(fresh(part), field) == before and fresh(part).deleted_at is None

    # A field the part does not have is refused, not ignored.
    assert (
        "colour" in is_problem(member.patch(url, {"colour": 1}, HTTP_IF_MATCH=etag), 400)["errors"]
    )

    # The change, through the verb: a new version, and on the record as the API.
    label = part._meta.label_lower
    seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    changed = member.patch(url, change, HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.content[:300]
    assert changed["ETag"] != etag
    assert getattr(fresh(part), field) == next(iter(change.values()))
    entry = AuditEntry.objects.filter(seq__gt=seq, action=f"{label}.updated").get()
    assert entry.channel == "api" and entry.actor == personas.member
    # The copy read before is stale now: its ETag no longer deletes.
    is_problem(member.delete(url, HTTP_IF_MATCH=etag), 412)

    removed = member.delete(url, HTTP_IF_MATCH=changed["ETag"])
    assert removed.status_code == 204
    assert fresh(part).deleted_at is not None
    assert AuditEntry.objects.filter(seq__gt=seq, action=f"{label}.deleted").exists()
    is_problem(member.get(url), 404)


def test_a_part_of_another_record_is_not_found(api, world):
    other = incidents.record_incident(
        team=world.team, by=world.case.lead, title="Another", start=FuzzyDate.parse("2019")
    )
    url = f"/api/v1/incidents/{other.uuid}/acts/{world.act.uuid}/"
    is_problem(api["member"].get(url), 404)
    note = case_parts.note(world.case)
    is_problem(api["member"].get(f"/api/v1/cases/{world.case.uuid}/assessments/{note.uuid}/"), 404)


def test_incidents_are_chained_and_cite_sources(api, world):
    member = api["member"]
    later = incidents.record_incident(
        team=world.team, by=world.case.lead, title="Forced return", start=FuzzyDate.parse("2021")
    )
    url = f"/api/v1/incidents/{world.incident.uuid}/"
    made = member.post(url + "chains/", {"relation": "causes", "target": str(later.uuid)})
    assert made.status_code == 201, made.content
    link = Chain.objects.get(uuid=made.json()["id"])
    assert (link.source, link.target, link.relation) == (world.incident, later, "causes")
    assert made["ETag"] == '"1"'
    # A chain back to itself is refused, with the field named; nothing is saved.
    count = Chain.objects.count()
    loop = member.post(url + "chains/", {"relation": "causes", "target": str(world.incident.uuid)})
    is_problem(loop, 400)
    assert Chain.objects.count() == count

    cited = member.post(
        url + "information/",
        {
            "source": str(world.source.uuid),
            "connection": "media",
            "reliability": "C",
            "credibility": "3",
        },
    )
    assert cited.status_code == 201, cited.content
    assert InformationLink.objects.get(uuid=cited.json()["id"]).connection == "media"
    # Both show on the incident, from either end for a chain.
    shown = member.get(f"/api/v1/incidents/{later.uuid}/").json()
    assert str(link.uuid) in {chain["id"] for chain in shown["chains"]}
    detail = member.get(url).json()
    assert cited.json()["id"] in {row["id"] for row in detail["information"]}
    # A chain is reached from its other incident too, as the incident's page lists it.
    assert member.get(f"/api/v1/incidents/{later.uuid}/chains/{link.uuid}/").status_code == 200
    is_problem(api["read_only"].post(url + "chains/", {"relation": "causes"}), 403)
    is_problem(api["outsider"].post(url + "information/", {}), 404)


def test_a_petitions_decision_is_recorded_with_if_match(api, world):
    url = f"/api/v1/cases/{world.case.uuid}/actions/{world.petition.uuid}/"
    etag = api["member"].get(url)["ETag"]
    decision = {"decision": "granted", "decision_on": "2020-06-01"}
    is_problem(api["member"].post(url + "decision/", decision), 428)
    is_problem(api["read_only"].post(url + "decision/", decision, HTTP_IF_MATCH=etag), 403)
    # Not filed yet: the verb's rule, as on its page; nothing is recorded.
    unfiled = api["member"].post(url + "decision/", decision, HTTP_IF_MATCH=etag)
    assert "filed_on" in is_problem(unfiled, 400)["errors"]
    assert CaseAction.objects.get(pk=world.petition.pk).decision_on is None
    filed = api["member"].patch(url, {"filed_on": "2020-05-10"}, HTTP_IF_MATCH=etag)
    assert filed.status_code == 200, filed.content
    recorded = api["member"].post(url + "decision/", decision, HTTP_IF_MATCH=filed["ETag"])
    assert recorded.status_code == 200, recorded.content
    petition = CaseAction.objects.get(pk=world.petition.pk)
    assert petition.decision == "granted" and petition.status == CaseAction.Status.DONE
    # An action that is no petition has no decision.
    plain = api["member"].post(
        f"/api/v1/cases/{world.case.uuid}/actions/", {"kind": "shelter", "title": "Shelter"}
    )
    assert plain.status_code == 201, plain.content
    other = f"/api/v1/cases/{world.case.uuid}/actions/{plain.json()['id']}/decision/"
    is_problem(api["member"].post(other, decision, HTTP_IF_MATCH=plain["ETag"]), 404)


def test_a_request_becomes_a_case_once(api, world, personas):
    url = f"/api/v1/requests/{world.intake.uuid}/"
    cases_before = Case.objects.count()
    is_problem(api["read_only"].post(url + "open-case/", {"title": "Evacuation"}), 403)
    is_problem(api["outsider"].post(url + "open-case/", {"title": "Evacuation"}), 404)
    opened = api["member"].post(url + "open-case/", {"title": "Evacuation"})
    assert opened.status_code == 201, opened.content
    case = Case.objects.get(uuid=opened.json()["id"])
    assert Request.objects.get(pk=world.intake.pk).case == case
    assert AuditEntry.objects.filter(action="cases.case.created", channel="api").exists()
    # Sent twice: the request is on a case already; no second case.
    is_problem(api["member"].post(url + "open-case/", {"title": "Evacuation"}), 409)
    is_problem(api["member"].post(url + "join/", {"case": str(world.case.uuid)}), 409)
    assert Request.objects.get(pk=world.intake.pk).case == case
    assert Case.objects.count() == cases_before + 1


def test_a_request_joins_a_case_of_its_team(api, world, personas):
    from haven.cases import actions as cases
    from haven.vocab.models import term

    intake = cases.record_request(
        team=world.team,
        by=personas.member,
        channel=term("channel", "hotline"),
        summary="Second call",
        requester=world.victim,
    )
    url = f"/api/v1/requests/{intake.uuid}/join/"
    is_problem(api["member"].post(url, {"case": "not-an-id"}), 400)
    joined = api["member"].post(url, {"case": str(world.case.uuid)})
    assert joined.status_code == 200, joined.content
    assert joined.json()["case"]["id"] == str(world.case.uuid)
    assert world.victim in world.case.current_persons()


def test_a_move_is_corrected_and_removed_with_the_persons_etag(api, world):
    url = f"/api/v1/people/{world.person.uuid}/"
    member = api["member"]
    etag = member.get(url)["ETag"]
    is_problem(member.patch(url + "whereabouts/0/", {"note": "x"}), 428)
    is_problem(member.patch(url + "whereabouts/0/", {"note": "x"}, HTTP_IF_MATCH='"0"'), 412)
    is_problem(api["read_only"].delete(url + "whereabouts/0/", HTTP_IF_MATCH=etag), 403)
    is_problem(api["outsider"].delete(url + "whereabouts/0/", HTTP_IF_MATCH=etag), 404)
    is_problem(member.delete(url + "whereabouts/5/", HTTP_IF_MATCH=etag), 404)
    unknown = member.patch(url + "whereabouts/0/", {"city": "Moscow"}, HTTP_IF_MATCH=etag)
    assert "city" in is_problem(unknown, 400)["errors"]
    changed = member.patch(url + "whereabouts/0/", {"note": "With his aunt"}, HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.content
    move = changed.json()["whereabouts"][0]
    assert move["note"] == "With his aunt" and move["place"] == "Грозный"
    assert move["since"]["precision"] == "season"
    removed = member.delete(url + "whereabouts/0/", HTTP_IF_MATCH=changed["ETag"])
    assert removed.status_code == 200 and removed.json()["whereabouts"] == []
    assert Person.objects.get(pk=world.person.pk).whereabouts == []
    assert AuditEntry.objects.filter(action="people.person.move_removed", channel="api").exists()


def test_name_forms_and_contacts_change_with_the_person(api, world):
    url = f"/api/v1/people/{world.person.uuid}/"
    etag = api["member"].get(url)["ETag"]
    changed = api["member"].patch(
        url,
        {"other_names": ["Ibragim Selimkhanov"], "contacts": ["@ibragim"]},
        HTTP_IF_MATCH=etag,
    )
    assert changed.status_code == 200, changed.content
    person = Person.objects.get(pk=world.person.pk)
    assert person.other_names == ["Ibragim Selimkhanov"]
    assert [contact["value"] for contact in person.contacts] == ["@ibragim"]
