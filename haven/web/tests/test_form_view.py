"""The one form view: 200 to show, 400 with what to fix, the action's errors on the
form with its writes rolled back, a create sent twice saved once."""

import pytest
from django import forms
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory

from haven.audit.actions import record
from haven.audit.models import AuditEntry
from haven.web import once
from haven.web.forms import form_view

pytestmark = pytest.mark.django_db


class NameForm(forms.Form):
    name = forms.CharField(max_length=20)


def _request(method="get", data=None, user=None):
    request = getattr(RequestFactory(), method)("/sample/", data or {})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request.user = user
    return request


def _view(request, save, **options):
    form = NameForm(request.POST if request.method == "POST" else None)
    return form_view(request, form, title="Sample", save=save, **options)


def test_get_shows_the_form_and_a_bad_post_says_what_to_fix(personas):
    calls = []
    shown = _view(_request(user=personas.member), calls.append)
    assert shown.status_code == 200
    refused = _view(_request("post", {"name": ""}, personas.member), calls.append)
    assert refused.status_code == 400
    assert "This field is required" in refused.content.decode()
    assert calls == []


def test_the_actions_error_lands_on_its_field_and_its_writes_roll_back(personas):
    def save(data):
        record("sample.written")  # written first, then refused: must not stay
        raise ValidationError({"name": "That name is taken."})

    before = AuditEntry.objects.count()
    response = _view(_request("post", {"name": "Ислам"}, personas.member), save)
    assert response.status_code == 400
    assert "That name is taken." in response.content.decode()
    assert not AuditEntry.objects.filter(action="sample.written").exists()
    assert AuditEntry.objects.count() == before


def test_a_create_sent_twice_is_saved_once(personas):
    saved = []
    first = _request(user=personas.member)
    token = once.issue(first)

    def save(data):
        saved.append(data["name"])
        return HttpResponse(status=302)

    for _ in range(2):
        request = _request("post", {"name": "Ислам", once.FIELD: token}, personas.member)
        request.session = first.session
        _view(request, save, creates=True, back=("/back/", "Back"))
    assert saved == ["Ислам"]


def test_the_page_context_is_built_only_when_the_page_is_shown(personas):
    built = []

    def context():
        built.append(True)
        return {}

    def save(data):
        return HttpResponse(status=302)

    _view(_request("post", {"name": "ok"}, personas.member), save, context=context)
    assert built == []
    _view(_request("post", {"name": ""}, personas.member), save, context=context)
    assert built == [True]


def test_two_submissions_in_flight_at_once_save_once(personas):
    """Both requests of a double click load the session before either has used the token."""
    first = _request(user=personas.member)
    token = once.issue(first)
    first.session.save()
    key = first.session.session_key
    requests = []
    for _ in range(2):
        request = _request("post", {"name": "Ислам", once.FIELD: token}, personas.member)
        request.session = SessionStore(session_key=key)
        request.session.load()
        requests.append(request)
    assert once.FIELD and all(token in r.session[once._KEY] for r in requests)
    assert [once.consume(request) for request in requests] == [True, False]


def test_a_create_cut_off_before_its_commit_is_saved_when_sent_again(personas):
    """The server dies (or the database fails) after the form's token was checked and
    before the record was committed: the resent form saves it, instead of answering
    'already sent' about a record that does not exist (found by bench/crash_drill.py)."""
    from django.db import OperationalError

    first = _request(user=personas.member)
    token = once.issue(first)
    first.session.save()

    def resent():
        request = _request("post", {"name": "Ислам", once.FIELD: token}, personas.member)
        request.session = SessionStore(session_key=first.session.session_key)
        return request

    def killed(data):
        record("sample.written")
        raise OperationalError("the server was killed before the commit")

    with pytest.raises(OperationalError):
        _view(resent(), killed, creates=True, back=("/back/", "Back"))
    saved = []

    def save(data):
        saved.append(data["name"])
        return HttpResponse(status=302)

    _view(resent(), save, creates=True, back=("/back/", "Back"))
    assert saved == ["Ислам"]
    assert not AuditEntry.objects.filter(action="sample.written").exists()
