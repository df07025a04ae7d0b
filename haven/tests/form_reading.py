"""Reading Haven's forms from its pages and sending them back, for the fuzz walk of
``test_fuzz_forms``: the fields a page's HTML carries, what fills them, which answers are
already known from the form object, request bodies (URL-encoded and multipart), and the
``Fuzzer`` that sends each request in a savepoint rolled back after it."""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote_plus, urljoin, urlsplit

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.http import QueryDict
from django.http.cookie import SimpleCookie
from django.template.base import Template
from django.test import Client

from haven.audit.context import Channel, audit_context
from haven.web import once
from haven.web.forms import SEEN_FIELD

Value = str | bytes
Fields = list[tuple[str, Value]]

# The values of EVERY always sent, valid or not: the form drawn again with them.
DRAWN = {"long"}
# Empty fields are filled with a value most forms take, so that one hostile field meets
# an otherwise valid form.
FILL_BY_TYPE = {
    "date": "2021-04-15",
    "datetime-local": "2021-04-15T10:30",
    "number": "1",
    "email": "someone@example.org",
    "url": "https://example.org/report",
    "search": "Ибрагим",
    "password": "another horse battery staple",
}
FILL_TEXT = "2020"  # a title, a name, a vague date: all take it
NOT_SENT = {"csrfmiddlewaretoken"}  # CSRF is not checked in tests, and not the point here
# Sent as the page has them in "every field at once", so that the hostile values reach
# the action; each is fuzzed on its own.
KEPT = {once.FIELD, SEEN_FIELD}


# --- reading forms -------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # the input's type, "select" or "textarea"
    values: list[str] = field(default_factory=list)  # what the page shows
    options: list[str] = field(default_factory=list)  # of a select, or a group of boxes
    required: bool = False


@dataclass
class Form:
    """A form on a page: where it posts, its fields, and the form objects the page was
    drawn with (to tell which hostile values the form refuses)."""

    action: str
    multipart: bool
    method: str = "post"
    fields: dict[str, FormField] = field(default_factory=dict)
    objects: list[forms.BaseForm] = field(default_factory=list)
    refusing: bool = False  # known to answer invalid input with the errors alone

    def add(self, name: str, kind: str, value: str | None, required=False) -> FormField:
        found = self.fields.setdefault(name, FormField(name, kind))
        found.required |= required
        if value is not None:
            found.values.append(value)
        return found


class _FormReader(HTMLParser):
    """The forms of a page that post: where to, and their named fields with values."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[Form] = []
        self.by_id: dict[str, Form] = {}
        self.form: Form | None = None
        self.textarea: FormField | None = None
        self.select: FormField | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            action = urljoin(self.url, attrs.get("action") or self.url)
            multipart = "multipart" in attrs.get("enctype", "")
            method = attrs.get("method", "get").lower()
            self.form = Form(urlsplit(action).path, multipart, method)
            self.forms.append(self.form)
            self.by_id[attrs.get("id", "")] = self.form
            return
        if tag == "option" and self.select is not None:
            self.select.options.append(attrs.get("value", ""))
            if "selected" in attrs:
                self.select.values.append(attrs.get("value", ""))
        owner = self.by_id.get(attrs.get("form", "")) or self.form
        name = attrs.get("name")
        if owner is None or not name:
            return
        required = "required" in attrs
        if tag == "textarea":
            self.textarea = owner.add(name, "textarea", "", required)
        elif tag == "select":
            self.select = owner.add(name, "select", None, required)
        elif tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in {"submit", "button", "reset", "image"}:
                return
            if kind not in {"checkbox", "radio"}:
                owner.add(name, kind, attrs.get("value", ""), required)
                return
            value = attrs.get("value", "on")
            owner.add(name, kind, value if "checked" in attrs else None).options.append(value)

    def handle_data(self, data):
        if self.textarea is not None:
            # A browser drops the newline that follows <textarea>.
            start = not self.textarea.values[-1]
            self.textarea.values[-1] += data.removeprefix("\n") if start else data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.form = None


def forms_on(response, url: str) -> list[Form]:
    reader = _FormReader(url)
    reader.feed(response.content.decode())
    objects = form_objects(response)
    for form in reader.forms:
        form.objects = objects
    return reader.forms


def form_objects(response) -> list[forms.BaseForm]:
    """The form objects in the template context of ``response``."""
    contexts = response.context or []
    contexts = contexts if isinstance(contexts, list) else [contexts]
    found: dict[int, forms.BaseForm] = {}
    for context in contexts:
        for value in context.flatten().values():
            if isinstance(value, forms.BaseForm):
                found[id(value)] = value
    return list(found.values())


def filled(form_field: FormField) -> list[str]:
    """What the field sends: what the page shows, and where that is nothing but the
    field needs something, what it most likely takes."""
    shown = [value for value in form_field.values if value]
    if form_field.kind in {"checkbox", "radio"}:
        return form_field.values or form_field.options[:1]  # a box of a group ticked
    if form_field.kind == "select":
        # A browser sends the first option when none is chosen; a choice is made here.
        return shown or [option for option in form_field.options if option][:1] or [""]
    if shown or not form_field.required or form_field.kind == "hidden":
        return form_field.values or [""]
    return [FILL_BY_TYPE.get(form_field.kind, FILL_TEXT)]


# --- telling what a form refuses ---------------------------------------------------------


def _text(value: Value) -> str:
    """A value as Django reads it from a request body (undecodable bytes replaced)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


class Judge:
    """The form object a route's form is read with, and what a request can lead to.

    ``refusing``: the route answers a form with errors by drawing it again (400) and acts
    on none of it, as ``form_view`` does; a request the form object refuses then needs
    no sending beyond those that draw the form (``DRAWN``). Elsewhere (a list's filters
    use the fields that are valid), only a request whose every hostile field is refused
    is known. A field the form object does not read is read by the view: always sent.
    """

    def __init__(self, form: Form, user, empty_answer):
        self.user = user
        names = {name for name in form.fields if name not in NOT_SENT}
        best, overlap = None, 0
        for candidate in form.objects:
            known = {candidate.add_prefix(name) for name in candidate.fields}
            if len(known & names) > overlap:
                best, overlap = candidate, len(known & names)
        self.form = best
        self.known = {best.add_prefix(name): name for name in best.fields} if best else {}
        # A form sent empty is refused by the routes that draw it again (400); a list
        # shows its rows all the same (200).
        refused = empty_answer is not None and empty_answer.status_code == 400
        self.refusing = best is not None and (form.refusing or refused)

    def field_of(self, name: str) -> str | None:
        """The form field that reads ``name`` (a picker's text box, a date's initial)."""
        for html_name in (name, name.removesuffix("_find"), name.removeprefix("initial-")):
            if html_name in self.known:
                return self.known[html_name]
        return None

    def errors(self, fields: Fields) -> dict | None:
        """The form's errors for ``fields``; None when it cannot tell (it raised)."""
        data = QueryDict(mutable=True)
        for name, value in fields:
            data.appendlist(name, _text(value))
        form = self.form
        form.data, form.files, form.is_bound, form._errors = data, {}, True, None
        try:
            # As in a request: pickers look names up for the acting user.
            with audit_context(Channel.WEB, actor=self.user), transaction.atomic():
                errors = dict(form.errors)
                transaction.set_rollback(True)
        except Exception:  # noqa: BLE001 - the request will say what it is
            return None
        return errors

    def reads_itself(self, name: str) -> bool:
        """Is ``name`` read by the view rather than by the form object?"""
        return self.field_of(name) is None and name not in KEPT

    def typed(self, name: str) -> bool:
        """Does the form read ``name`` as more than text (a number, a date, a choice, a
        record)? In a plain text box every value is only text: its text dangers (size,
        NUL, bytes that are not UTF-8) are sent to it, not each number and date."""
        owner = self.field_of(name)
        if owner is None or name.startswith("initial-"):
            return False
        plain = type(self.form.fields[owner]) is forms.CharField
        return not plain or hasattr(self.form, f"clean_{owner}")

    def refuses_field(self, fields: Fields, name: str) -> bool:
        """Does the field that reads ``name`` refuse its value in ``fields`` on its own?
        (Cheaper than the whole form: no other field is cleaned.)"""
        owner = self.field_of(name)
        if owner is None:
            return False
        data = QueryDict(mutable=True)
        for key, value in fields:
            data.appendlist(key, _text(value))
        field = self.form.fields[owner]
        value = field.widget.value_from_datadict(data, {}, self.form.add_prefix(owner))
        try:
            with audit_context(Channel.WEB, actor=self.user), transaction.atomic():
                field.clean(value)
                transaction.set_rollback(True)
        except forms.ValidationError:
            return True
        except Exception:  # noqa: BLE001 - the request will say what it is
            return False
        return False

    def not_refused_in(self, answer, names: list[str]) -> list[str]:
        """Those of ``names`` that the form drawn in a refusing ``answer`` has no error
        on: refused for another's value, they are still to be sent on their own."""
        drawn = [f for f in form_objects(answer) if type(f) is type(self.form)] if answer else []
        errors = drawn[0].errors if drawn else {}
        if not errors or NON_FIELD_ERRORS in errors:
            return names
        return [name for name in names if self.field_of(name) not in errors]

    def known_outcome(self, fields: Fields, hostile: list[str]) -> bool:
        """Can a request with ``fields`` only draw the form again, its ``hostile`` fields
        refused? False whenever in doubt: the request is then sent."""
        if self.form is None:
            return False
        owners = {self.field_of(name) for name in hostile}
        # form_view reads the token and the version only once the form is valid.
        if None in owners and not (self.refusing and set(hostile) <= KEPT | set(self.known)):
            return False
        errors = self.errors(fields)
        if errors is None:
            return False
        if self.refusing:
            return bool(errors)
        return all(owner in errors for owner in owners)


# --- sending ---------------------------------------------------------------------------


def value_bytes(value: Value) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def urlencoded(fields: Fields) -> bytes:
    return "&".join(f"{quote_plus(k)}={quote_plus(value_bytes(v))}" for k, v in fields).encode()


BOUNDARY = "HavenFuzzBoundary7MA4YWxkTrZu0gW"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
URLENCODED = "application/x-www-form-urlencoded"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n"


def multipart(fields: Fields, files=(), boundary: str = BOUNDARY) -> bytes:
    """A multipart body; ``files`` are (field name, file name, content)."""
    dash = b"--" + boundary.encode()

    def part(name: Value, filename: Value | None, content: bytes) -> bytes:
        disposition = b'Content-Disposition: form-data; name="' + value_bytes(name) + b'"'
        if filename is not None:
            quoted = (
                value_bytes(filename).replace(b'"', b"%22").replace(b"\r", b"").replace(b"\n", b"")
            )
            disposition += b'; filename="' + quoted + b'"\r\nContent-Type: application/pdf'
        return dash + b"\r\n" + disposition + b"\r\n\r\n" + content + b"\r\n"

    parts = [part(name, None, value_bytes(value)) for name, value in fields]
    parts += [part(name, filename, content) for name, filename, content in files]
    return b"".join(parts) + dash + b"--\r\n"


@contextmanager
def unrecorded():
    """Pages drawn without recording their contexts for the test client: its recording
    copies the context of every template and widget drawn, a fifth of the time of a
    form page, and a hostile request's answer is only read for its status."""
    recording = Template._render
    Template._render = lambda template, context: template.nodelist.render(context)
    try:
        yield
    finally:
        Template._render = recording


@dataclass
class Target:
    """One route: its URL, the session it is used from, and the form it takes."""

    name: str
    url: str
    session: str
    form: Form | None = None


class Fuzzer:
    """Sends requests, each in a savepoint rolled back after it; keeps the failures."""

    def __init__(self, clients: dict[str, Client], users: dict[str, object], world):
        self.clients, self.users, self.world = clients, users, world
        self.failures: list[str] = []
        self.sent = 0

    def send(
        self,
        target: Target,
        what: str,
        body=b"",
        content_type=URLENCODED,
        follow=False,
        recorded=False,
        method="POST",
        **extra,
    ):
        """POST ``body``; with ``follow``, open the page it redirects to (in the same
        savepoint), which shows what was saved."""
        client = self.clients[target.session]
        cookies = {name: morsel.value for name, morsel in client.cookies.items()}
        self.sent += 1
        try:
            with transaction.atomic(), nullcontext() if recorded else unrecorded():
                response = client.generic(method, target.url, body, content_type, **extra)
                shown = response.get("Location", "") if response.status_code == 302 else ""
                if follow and shown.startswith("/"):
                    what = f"{what}, then the page it leads to"
                    response = client.get(shown)
                transaction.set_rollback(True)
        except Exception as exc:  # noqa: BLE001 - an exception that escapes is the finding
            self.failures.append(f"{target.name} {method} {what}: raised {exc!r:.300}")
            return None
        finally:
            # Signed out, another language, a message: the next request starts as this one.
            client.cookies = SimpleCookie(cookies)
        if response.status_code >= 500:
            self.failures.append(f"{target.name} {method} {what}: {response.status_code}")
        return response

    def get(self, target: Target, what: str, query: str):
        client = self.clients[target.session]
        self.sent += 1
        try:
            with transaction.atomic(), unrecorded():
                response = client.get(f"{target.url}?{query}")
                transaction.set_rollback(True)
        except Exception as exc:  # noqa: BLE001
            self.failures.append(f"{target.name} GET {what}: raised {exc!r:.300}")
            return None
        if response.status_code >= 500:
            self.failures.append(f"{target.name} GET {what}: {response.status_code}")
        return response

    def post(self, target: Target, what: str, fields: Fields, files=(), **options):
        if target.form is not None and target.form.multipart:
            return self.send(target, what, multipart(fields, files), MULTIPART, **options)
        body = urlencoded([*fields, *((name, filename) for name, filename, _c in files)])
        return self.send(target, what, body, **options)

    def report(self) -> str:
        shown = "\n".join(self.failures[:100])
        more = len(self.failures) - 100
        tail = f"\n… and {more} more" if more > 0 else ""
        return f"{len(self.failures)} of {self.sent} requests failed:\n{shown}{tail}"
