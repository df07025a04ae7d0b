"""A request for help assigned to a member waits among their reminders until a case
answers it; only members of the team can be assigned, and the digest counts it."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from conftest import sign_in
from haven.cases import actions as cases
from haven.cases.models import Request
from haven.notifications import selectors
from haven.tests.helpers import post_form
from haven.vocab.models import term

pytestmark = pytest.mark.django_db


def test_a_request_assigned_on_its_form_waits_among_the_assignees_reminders(
    client, personas, settings
):
    from haven.accounts.models import Membership

    colleague = personas.read_only
    Membership.objects.get_or_create(team=personas.team, user=colleague)
    sign_in(client, personas.member)
    response = post_form(
        client,
        reverse("cases:request_new"),
        {
            "team": personas.team.pk,
            "channel": term("channel", "telegram").pk,
            "received_at": "2020-04-28T23:00",
            "summary": "Two men ask to leave the region.",
            "urgency": "immediate",
            "assignee": personas.member.pk,
        },
    )
    assert response.status_code == 302
    request = Request.objects.get()
    assert request.assignee == personas.member
    assert selectors.reminder_count(personas.member) == 1
    page = client.get(reverse("notifications:list")).content.decode()
    assert reverse("cases:request_detail", kwargs={"uuid": request.uuid}) in page
    assert "Two men ask" not in page  # the list names no narrative
    cases.open_case_from_request(request, by=personas.member, title="Two men")
    assert selectors.reminder_count(personas.member) == 0
    assert "No request waits for you." in client.get(reverse("notifications:list")).content.decode()


def test_only_a_member_of_the_team_can_be_assigned(personas):
    with pytest.raises(ValidationError) as refused:
        cases.record_request(
            team=personas.team,
            by=personas.member,
            channel=term("channel", "hotline"),
            summary="x",
            assignee=personas.outsider,
        )
    assert "assignee" in refused.value.error_dict
    assert not Request.objects.exists()


def test_the_digest_counts_waiting_requests_without_saying_what_they_are(personas, settings):
    from haven.notifications.actions import set_digest

    settings.HAVEN_SITE_URL = "https://haven.example.org"
    cases.record_request(
        team=personas.team,
        by=personas.member,
        channel=term("channel", "hotline"),
        summary="Threatened by relatives in Grozny.",
        assignee=personas.member,
    )
    set_digest(personas.member, True)
    call_command("digest")
    [message] = mail.outbox
    assert "Requests assigned to you, not yet a case: 1" in message.body
    assert "Grozny" not in message.body and "Threatened" not in message.body
