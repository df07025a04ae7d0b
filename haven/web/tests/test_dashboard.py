"""The dashboard's own sentences."""

from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from conftest import sign_in


def test_an_afternoon_sign_in_time_ends_with_one_full_stop(client, personas):
    # English times end in "p.m.", so a sentence that adds its own full stop after one
    # reads "p.m.."
    sign_in(client, personas.member)
    personas.member.last_login = datetime(
        2026, 3, 2, 15, 30, tzinfo=timezone.get_current_timezone()
    )
    personas.member.save(update_fields=["last_login"])
    page = client.get(reverse("web:home")).content.decode()
    assert "3:30 p.m." in page
    assert "p.m.." not in page
