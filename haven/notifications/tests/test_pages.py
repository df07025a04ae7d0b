"""The reminders page, the header count, read marks and the digest opt-in, as users see them."""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.cases import actions
from haven.notifications.models import DigestSubscription, Notification
from haven.notifications.tests.conftest import days, petition, plan
from haven.tests.helpers import assert_queries_do_not_grow, queries_on
from haven.vocab.models import term

LIST = reverse("notifications:list")


@pytest.fixture
def member_client(client, personas):
    sign_in(client, personas.member)
    return client


@pytest.fixture
def handed(personas, colleague):
    """A case the colleague opened and handed to the member."""
    return actions.open_case(
        team=personas.team, by=colleague, title="Handed over", lead=personas.member
    )


def test_the_page_lists_due_work_and_what_was_handed_over(member_client, personas, case, handed):
    member = personas.member
    plan(case, member, title="Book the train", owner=member, due_on=days(-2))
    petition(case, member, next_deadline=days(3))
    html = member_client.get(LIST).content.decode()
    assert "Book the train" in html and "Overdue" in html
    assert "Petition deadline" in html
    assert handed.code in html and "handed to you by Colleague" in html


def test_others_see_none_of_it(client, personas, case, handed):
    member = personas.member
    plan(case, member, title="Book the train", owner=member, due_on=days(-2))
    for persona in ("outsider", "administrator", "read_only"):
        sign_in(client, getattr(personas, persona))
        html = client.get(LIST).content.decode()
        assert "Book the train" not in html and handed.code not in html, persona


def test_reading_the_page_is_on_the_record(member_client, personas, case, handed):
    action = plan(case, personas.member, owner=personas.member, due_on=days(1))
    member_client.get(LIST)
    entry = AuditEntry.objects.filter(action="notifications.reminders.read").get()
    assert entry.actor == personas.member and entry.channel == "web"
    assert f"cases.caseaction:{action.uuid}" in entry.records
    assert f"cases.case:{handed.uuid}" in entry.records


def test_a_notification_marked_read_leaves_the_page_and_the_count(member_client, handed):
    notification = Notification.objects.get()
    response = member_client.post(reverse("notifications:read", args=[notification.uuid]))
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert handed.code not in member_client.get(LIST).content.decode()


def test_no_one_marks_another_users_notification(client, personas, colleague, handed):
    notification = Notification.objects.get()
    sign_in(client, colleague)
    response = client.post(reverse("notifications:read", args=[notification.uuid]))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read(member_client, personas, colleague, handed):
    actions.open_case(team=personas.team, by=colleague, title="Second", lead=personas.member)
    response = member_client.post(reverse("notifications:read_all"), follow=True)
    assert "2 notifications marked as read." in response.content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_the_header_shows_the_count_to_the_signed_in_only(client, personas, case, handed):
    plan(case, personas.member, owner=personas.member, due_on=days(-1))
    sign_in(client, personas.member)
    html = client.get(reverse("web:home")).content.decode()
    assert f'href="{LIST}">Reminders <span class="badge">2</span></a>' in html
    assert "Reminders" not in Client().get(reverse("accounts:login")).content.decode()


def test_the_header_shows_no_count_when_nothing_is_due(member_client, case):
    html = member_client.get(reverse("web:home")).content.decode()
    assert f'href="{LIST}">Reminders</a>' in html


def test_the_header_count_costs_one_query(member_client, settings, personas, case, handed):
    """Measured on a page: with the header's count and without it (three counts, one
    statement)."""
    for n in range(5):
        plan(case, personas.member, owner=personas.member, due_on=days(n - 2))
    url = reverse("cases:list")
    member_client.get(url)
    with_count = queries_on(member_client, url)
    processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": [p for p in processors if "notifications" not in p],
            },
        }
    ]
    without = queries_on(member_client, url)
    assert with_count - without == 1


def test_the_page_does_not_query_per_row(member_client, personas, colleague, case):
    def add_rows(n):
        for i in range(n):
            plan(case, personas.member, owner=personas.member, due_on=days(i % 5 - 2))
            petition(case, personas.member, next_deadline=days(i % 3))
            actions.open_case(team=personas.team, by=colleague, title="y", lead=personas.member)
            intake = actions.record_request(
                team=personas.team, by=colleague, channel=term("channel", "hotline"), summary="x"
            )
            actions.join_request_to_case(intake, case, by=colleague)

    add_rows(1)
    assert_queries_do_not_grow(member_client, LIST, add_rows, rows=5)


def test_the_list_pages_at_fifty(member_client, personas, case):
    for n in range(51):
        plan(case, personas.member, owner=personas.member, due_on=days(-1 - n % 3))
    html = member_client.get(LIST).content.decode()
    assert "1–50 of 51 records" in html
    assert "51–51 of 51" in member_client.get(LIST + "?page=2").content.decode()


def test_the_digest_opt_in_is_on_the_account_page(member_client, personas):
    account = reverse("accounts:account")
    assert 'name="daily"' in member_client.get(account).content.decode()
    response = member_client.post(reverse("notifications:digest"), {"daily": "on"}, follow=True)
    assert "You will get a daily e-mail of your reminders." in response.content.decode()
    assert DigestSubscription.objects.filter(user=personas.member).exists()
    assert 'name="daily" checked' in member_client.get(account).content.decode()
    member_client.post(reverse("notifications:digest"), {})
    assert not DigestSubscription.objects.exists()
    assert list(
        AuditEntry.objects.filter(action__startswith="notifications.digest")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["notifications.digest.subscribed", "notifications.digest.unsubscribed"]


def test_the_page_in_russian(client, personas, case, handed):
    member = personas.member
    member.language = "ru"
    member.save()
    plan(case, member, owner=member, due_on=days(-1))
    petition(case, member, next_deadline=days(2))
    sign_in(client, member)
    html = client.get(LIST).content.decode()
    for english in ("Reminders", "Overdue", "Petition deadline", "handed to you", "Mark all"):
        assert english not in html, english
    assert "Напоминания" in html


def test_a_request_added_to_my_case_links_to_it(member_client, colleague, personas, case):
    intake = actions.record_request(
        team=personas.team, by=colleague, channel=term("channel", "hotline"), summary="Help."
    )
    actions.join_request_to_case(intake, case, by=colleague)
    html = member_client.get(LIST).content.decode()
    assert reverse("cases:request_detail", args=[intake.uuid]) in html
    assert "added to your case by Colleague" in html
