"""What is due and what was handed over, read for one user through the policy layer."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from haven.accounts.models import Membership
from haven.accounts.tests.factories import UserFactory
from haven.cases import actions
from haven.cases.models import Case
from haven.notifications import actions as notifications
from haven.notifications.models import Notification
from haven.notifications.selectors import (
    due_actions,
    notifications_for,
    reminder_count,
    summary_for,
)
from haven.notifications.tests.conftest import days, petition, plan
from haven.records.actions import delete_record
from haven.vocab.models import term

# --- events: a case or request handed over --------------------------------------------------


def test_a_case_opened_for_a_colleague_tells_them(personas, colleague):
    case = actions.open_case(team=personas.team, by=personas.member, title="x", lead=colleague)
    [notification] = notifications_for(colleague)
    assert (notification.kind, notification.case, notification.by) == (
        Notification.Kind.CASE_HANDED,
        case,
        personas.member,
    )
    assert not Notification.objects.filter(recipient=personas.member).exists()


def test_a_case_opened_for_oneself_tells_no_one(personas, case):
    assert not Notification.objects.exists()


def test_a_new_lead_is_told_once(personas, colleague, case):
    actions.update_case(case, by=personas.member, lead=colleague)
    actions.update_case(case, by=personas.member, title="Renamed")
    assert Notification.objects.filter(recipient=colleague).count() == 1


def test_a_lead_who_takes_a_case_is_not_told(personas, colleague, case):
    actions.update_case(case, by=colleague, lead=colleague)
    assert not Notification.objects.exists()


def test_a_refused_handover_leaves_no_notification(personas, colleague, case):
    """The hook runs inside the verb's transaction: a refused save takes it back."""
    with pytest.raises(PermissionDenied):
        actions.update_case(case, by=personas.read_only, lead=colleague)
    outsider = UserFactory()
    with pytest.raises(ValidationError):
        actions.update_case(case, by=personas.member, lead=outsider)
    assert not Notification.objects.exists()
    assert Case.objects.get(pk=case.pk).lead == personas.member


def test_a_request_added_to_my_case_tells_me(personas, colleague, case):
    intake = actions.record_request(
        team=personas.team, by=colleague, channel=term("channel", "hotline"), summary="Help."
    )
    actions.join_request_to_case(intake, case, by=colleague)
    [notification] = notifications_for(personas.member)
    assert (notification.kind, notification.request, notification.case) == (
        Notification.Kind.REQUEST_ASSIGNED,
        intake,
        case,
    )


def test_a_request_i_add_myself_tells_no_one(personas, case):
    intake = actions.record_request(
        team=personas.team, by=personas.member, channel=term("channel", "hotline"), summary="x"
    )
    actions.join_request_to_case(intake, case, by=personas.member)
    assert not Notification.objects.exists()


def test_notifications_go_with_what_the_user_may_see(personas, colleague, case):
    actions.update_case(case, by=personas.member, lead=colleague)
    assert notifications_for(colleague).count() == 1
    # Handed on again: no longer the colleague's to act on.
    actions.update_case(case, by=colleague, lead=personas.member)
    assert notifications_for(colleague).count() == 0
    assert notifications_for(personas.member).count() == 1
    # Removed from the team: nothing of the team's is shown.
    Membership.objects.filter(user=personas.member).delete()
    assert notifications_for(personas.member).count() == 0
    assert reminder_count(personas.member) == 0


def test_a_deleted_case_or_request_takes_its_notifications_away(personas, colleague, case):
    intake = actions.record_request(
        team=personas.team, by=colleague, channel=term("channel", "hotline"), summary="x"
    )
    actions.join_request_to_case(intake, case, by=colleague)
    other = actions.open_case(team=personas.team, by=colleague, title="y", lead=personas.member)
    assert notifications_for(personas.member).count() == 2
    delete_record(intake, by=colleague)
    assert list(notifications_for(personas.member)) == [
        Notification.objects.get(case=other, kind=Notification.Kind.CASE_HANDED)
    ]
    delete_record(other, by=colleague)
    assert notifications_for(personas.member).count() == 0


def test_mark_all_read_leaves_other_users_alone(personas, colleague, case):
    actions.update_case(case, by=personas.member, lead=colleague)
    actions.open_case(team=personas.team, by=colleague, title="y", lead=personas.member)
    assert notifications.mark_all_read(colleague) == 1
    assert reminder_count(colleague) == 0
    assert reminder_count(personas.member) == 1


# --- work due, computed from the records' dates ---------------------------------------------


def test_due_actions_are_the_users_open_work_near_its_date(personas, colleague, case):
    member = personas.member
    overdue = plan(case, member, owner=member, due_on=days(-3))
    due = plan(case, member, owner=member, due_on=days(2))
    unowned = plan(case, member, due_on=days(0))  # falls to the case's lead
    plan(case, member, owner=member, due_on=days(30))  # not yet
    theirs = plan(case, member, owner=colleague, due_on=days(1))  # someone else's
    done = plan(case, member, owner=member, due_on=days(-1))
    actions.update_action(done, by=member, status="done")
    cancelled = plan(case, member, owner=member, due_on=days(1))
    actions.update_action(cancelled, by=member, status="cancelled")
    coming = petition(case, member, next_deadline=days(5))
    passed = petition(case, member, next_deadline=days(-2))
    petition(case, member, next_deadline=days(-20))  # long gone: the case page keeps it
    listed = [(a.pk, a.reminder) for a in due_actions(member)]
    assert listed == [
        (overdue.pk, "overdue"),
        (passed.pk, "deadline_passed"),
        (unowned.pk, "due"),
        (due.pk, "due"),
        (coming.pk, "deadline"),
    ]
    assert reminder_count(member) == 5
    assert [a.pk for a in due_actions(colleague)] == [theirs.pk]


def test_an_overdue_petition_with_a_deadline_is_listed_once(personas, case):
    member = personas.member
    both = petition(case, member, owner=member, due_on=days(-1), next_deadline=days(3))
    assert [(a.pk, a.reminder) for a in due_actions(member)] == [(both.pk, "overdue")]
    assert reminder_count(member) == 1


def test_work_of_closed_or_deleted_cases_is_not_due(personas, person, case):
    member = personas.member
    plan(case, member, owner=member, due_on=days(-1))
    other = actions.open_case(team=personas.team, by=member, title="other")
    plan(other, member, owner=member, due_on=days(-1))
    assert reminder_count(member) == 2
    actions.change_status(case, "closed", by=member)
    delete_record(other, by=member)
    assert reminder_count(member) == 0


def test_due_work_disappears_with_access(personas, case):
    member = personas.member
    plan(case, member, owner=member, due_on=days(-1))
    assert reminder_count(member) == 1
    Membership.objects.filter(user=member).delete()
    assert reminder_count(member) == 0
    assert not due_actions(member).exists()


def test_the_count_takes_one_query_and_none_for_the_signed_out(personas, colleague, case):
    member = personas.member
    for n in range(5):
        plan(case, member, owner=member, due_on=days(n - 2))
    actions.open_case(team=personas.team, by=colleague, title="y", lead=member)
    with CaptureQueriesContext(connection) as queries:
        assert reminder_count(member) == 6
    # Due actions, unread notifications and requests waiting, counted in one statement.
    assert len(queries) == 1
    from django.contrib.auth.models import AnonymousUser

    with CaptureQueriesContext(connection) as queries:
        assert reminder_count(AnonymousUser()) == 0
    assert len(queries) == 0


def test_the_summary_has_counts_and_codes_only(personas, colleague, case):
    member = personas.member
    plan(case, member, owner=member, due_on=days(-1))
    plan(case, member, owner=member, due_on=days(1))
    other = actions.open_case(team=personas.team, by=colleague, title="y", lead=member)
    summary = summary_for(member)
    assert summary.total == 3
    assert dict(summary.counts) == {"overdue": 1, "due": 1, "case_handed": 1}
    assert dict(summary.by_case) == {case.code: 2, other.code: 1}


def test_a_case_opened_from_a_request_for_a_colleague_tells_them(personas, colleague):
    intake = actions.record_request(
        team=personas.team, by=personas.member, channel=term("channel", "hotline"), summary="x"
    )
    case = actions.open_case_from_request(intake, by=personas.member, title="t", lead=colleague)
    assert [(n.kind, n.case) for n in notifications_for(colleague)] == [
        (Notification.Kind.CASE_HANDED, case)
    ]


def test_the_count_follows_the_day_and_the_writes_after_its_statement_is_kept(
    personas, case, monkeypatch
):
    """The header's statement is kept per user and day: a write made after it was
    compiled counts on the next page, and tomorrow's due work is counted with tomorrow's
    dates, not with those of the day the statement was first compiled."""
    member = personas.member
    plan(case, member, owner=member, due_on=days(10))  # due in 10 days: not yet
    assert reminder_count(member) == 0
    plan(case, member, owner=member, due_on=days(-1))
    assert reminder_count(member) == 1
    later = days(5)
    monkeypatch.setattr(timezone, "localdate", lambda: later)
    assert reminder_count(member) == 2  # the first is due within a week now
