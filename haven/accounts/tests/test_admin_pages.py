"""Administrators manage accounts and teams; every change is audited."""

from django.urls import reverse

from conftest import sign_in
from haven.accounts.models import Membership, Role, Team, User
from haven.audit.models import AuditEntry
from haven.tests.helpers import assert_queries_do_not_grow


def last_action():
    return AuditEntry.objects.order_by("-seq").values_list("action", flat=True).first()


def test_add_user_shows_one_time_password_once(client, personas):
    sign_in(client, personas.administrator)
    response = client.post(
        reverse("admin:users"), {"email": "New@Example.org", "full_name": "", "role": Role.LAWYER}
    )
    assert response.status_code == 200
    password = response.context["password"]
    user = User.objects.get(email="new@example.org")
    assert user.must_change_password and user.check_password(password)
    assert last_action() == "user.created"
    assert password not in client.get(reverse("admin:users")).content.decode()


def test_add_user_rejects_duplicate_and_bad_role(client, personas):
    sign_in(client, personas.administrator)
    count = User.objects.count()
    response = client.post(
        reverse("admin:users"), {"email": personas.member.email, "role": "caseworker"}
    )
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    response = client.post(reverse("admin:users"), {"email": "x@example.org", "role": "king"})
    assert response.status_code == 400
    assert User.objects.count() == count


def test_disable_and_reset_second_factor(client, personas):
    sign_in(client, personas.administrator)
    client.post(reverse("admin:user_reset_2fa", kwargs={"uuid": personas.member.uuid}))
    assert last_action() == "user.2fa_reset"
    assert not personas.member.authenticator_set.exists()
    client.post(reverse("admin:user_disable", kwargs={"uuid": personas.member.uuid}))
    personas.member.refresh_from_db()
    assert not personas.member.is_active
    assert last_action() == "user.disabled"


def test_administrator_cannot_disable_themself(client, personas):
    sign_in(client, personas.administrator)
    client.post(reverse("admin:user_disable", kwargs={"uuid": personas.administrator.uuid}))
    personas.administrator.refresh_from_db()
    assert personas.administrator.is_active


def test_teams_and_members(client, personas):
    sign_in(client, personas.administrator)
    assert client.post(reverse("admin:teams"), {"name": "Legal"}).status_code == 302
    team = Team.objects.get(name="Legal")
    assert client.post(reverse("admin:teams"), {"name": "legal"}).status_code == 400
    url = reverse("admin:team", kwargs={"uuid": team.uuid})
    response = client.post(url, {"user": personas.outsider.pk, "access": "read_only"})
    assert response.status_code == 302
    assert Membership.objects.get(team=team, user=personas.outsider).access == "read_only"
    assert last_action() == "team.member_added"


def test_remove_member(client, personas):
    sign_in(client, personas.administrator)
    url = reverse(
        "admin:member_remove", kwargs={"uuid": personas.team.uuid, "user": personas.member.uuid}
    )
    assert client.post(url).status_code == 302
    assert not Membership.objects.filter(user=personas.member, team=personas.team).exists()
    assert last_action() == "team.member_removed"


def test_administrator_adding_themself_must_give_a_reason(client, personas):
    sign_in(client, personas.administrator)
    url = reverse("admin:team", kwargs={"uuid": personas.team.uuid})
    response = client.post(url, {"user": personas.administrator.pk, "access": "member"})
    assert response.status_code == 400
    assert not Membership.objects.filter(user=personas.administrator).exists()
    response = client.post(
        url, {"user": personas.administrator.pk, "access": "member", "reason": "court deadline"}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.order_by("-seq").first()
    assert "court deadline" in entry.summary


def test_pages_list_without_n_plus_one(client, personas):
    from haven.accounts.tests.factories import TeamFactory, UserFactory

    def add_rows(n):
        for _ in range(n):
            team = TeamFactory()
            Membership.objects.create(team=team, user=UserFactory())

    sign_in(client, personas.administrator)
    assert_queries_do_not_grow(client, reverse("admin:users"), add_rows)
    assert_queries_do_not_grow(client, reverse("admin:teams"), add_rows)
