from django.urls import reverse

from conftest import sign_in
from haven.audit.actions import record
from haven.tests.helpers import assert_queries_do_not_grow


def test_administrator_filters_the_log(client, personas):
    record("login.failed", summary="unknown account")
    record("otp.verified", actor=personas.member)
    sign_in(client, personas.administrator)
    page = client.get(reverse("audit:log"), {"action": "login."})
    assert page.status_code == 200
    entries = list(page.context["page"])
    assert entries and all(entry.action.startswith("login.") for entry in entries)
    page = client.get(reverse("audit:log"), {"user": "member@"})
    assert [entry.action for entry in page.context["page"]] == ["otp.verified"]


def test_bad_filter_is_a_clear_400(client, personas):
    sign_in(client, personas.administrator)
    page = client.get(reverse("audit:log"), {"since": "2026-02-01", "until": "2026-01-01"})
    assert page.status_code == 400
    assert "before the start date" in page.content.decode()
    page = client.get(reverse("audit:log"), {"since": "not a date"})
    assert page.status_code == 400


def test_a_filter_date_outside_the_years_kept_is_a_clear_400(client, personas, settings):
    """Year 1 began in Moscow while UTC was still in year 0: the query answered 500."""
    settings.TIME_ZONE = "Europe/Moscow"
    sign_in(client, personas.administrator)
    for day in ("0001-01-01", "9999-12-31"):
        page = client.get(reverse("audit:log"), {"since": day, "until": day})
        assert page.status_code == 400
        assert "Give a year between 1000 and 2200." in page.content.decode()


def test_denial_is_audited(client, personas):
    sign_in(client, personas.member)
    assert client.get(reverse("audit:log")).status_code == 403
    from haven.audit.models import AuditEntry

    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor) == ("access.denied", personas.member)


def test_log_page_queries_do_not_grow_with_entries(client, personas):
    sign_in(client, personas.administrator)
    # Filtered to one action, so the page's own view entries don't count as rows.
    url = reverse("audit:log") + "?action=test.bulk"
    record("test.bulk", actor=personas.member, summary="first")

    def add_rows(n):
        for number in range(n):
            record("test.bulk", actor=personas.member, summary=str(number))

    assert_queries_do_not_grow(client, url, add_rows)
