"""The public request page: no sign-in, no JavaScript, no cookies, nothing else of Haven.

Every response says ``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store``.
The language comes from ``?lang=`` (a link on every page), else from the browser; it is
never stored. Nothing is kept between requests but what the form carries: the receipt
travels in a POSTed field, never in a URL, so it stays out of the history and of logs.

There is no session, hence no CSRF cookie: these views are ``csrf_exempt`` and each form
carries a signed, time-limited, single-use token instead (``haven.intake.guard``).
The audit entries they write name the channel "intake" and no address.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts.decorators import open_view
from haven.audit.actions import Channel, audit_context, client_address, record
from haven.cases.selectors import conversation
from haven.intake import actions, guard, hosts
from haven.intake.forms import MessageForm, ReceiptForm, RequestForm
from haven.intake.receipts import new_receipt
from haven.sources.vault import EncryptingUploadHandler, discard_unstored

LANGUAGES = ("en", "ru")
SUBMITTER = "public request page"


class IntakeUploadHandler(EncryptingUploadHandler):
    """The vault's handler, with the public page's (smaller) size limit."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.HAVEN_INTAKE_MAX_FILE_BYTES


def public(view):
    """Open to anyone; in the visitor's language; headers that leave no trace; audit
    entries without an address; uploads encrypted as they arrive."""

    @open_view
    @csrf_exempt
    @discard_unstored
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers = [IntakeUploadHandler(request)]
        language = request.GET.get("lang")
        if language not in LANGUAGES:
            language = translation.get_language()
            language = language if language in LANGUAGES else "en"
        with translation.override(language), audit_context(Channel.INTAKE, submitter=SUBMITTER):
            request.intake_language = language
            response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


def _per_address(request, rate: str) -> str:
    """Behind an onion service every visitor has Tor's address: only global limits."""
    return "off" if hosts.behind_onion(request) else rate


def _page(request, template, context, status=200):
    language = request.intake_language
    title = settings.HAVEN_INTAKE_TITLE_RU if language == "ru" else settings.HAVEN_INTAKE_TITLE_EN
    intro = settings.HAVEN_INTAKE_INTRO_RU if language == "ru" else settings.HAVEN_INTAKE_INTRO_EN
    return render(
        request,
        template,
        {
            "lang": language,
            "other_lang": "en" if language == "ru" else "ru",
            "page_title": title,
            "intro": intro,
            "exit_url": settings.HAVEN_INTAKE_EXIT_URL,
            **context,
        },
        status=status,
    )


def _closed(request):
    return _page(
        request,
        "intake/public_message.html",
        {"message": _("This form is not open at the moment. Please try again later.")},
        status=503,
    )


def _busy(request):
    return _page(
        request,
        "intake/public_message.html",
        {
            "message": _(
                "Too many messages were sent from here or to us just now; nothing was sent. "
                "Please wait an hour and try again."
            )
        },
        status=429,
    )


def _posted(request):
    """The POST data and files, or ``None`` when the body is over Django's limits."""
    try:
        return request.POST, request.FILES.getlist("files")
    except (SuspiciousOperation, MultiPartParserError):  # too big, too many parts, cut short
        return None


def _too_big(request, template, form):
    message = _(
        "What you sent is too large or has too many parts; nothing was sent. "
        "Send a shorter text or fewer, smaller files."
    )
    return _page(request, template, {"form": form, "page_error": message}, status=400)


def _renewed(form):
    """``form``'s data with a fresh token, for the page that shows it again."""
    form.data = form.data.copy()
    form.data["token"] = guard.new_form_token()
    return form


def _token_refused(verdict: str) -> str:
    return {
        guard.STALE: _("The form was open for a long time; please check it and send it again."),
        guard.TOO_FAST: _("Please read the form through and send it again."),
    }.get(verdict, _("Please send the form again."))


@public
@require_http_methods(["GET", "POST"])
def request_form(request):
    team = actions.intake_team()
    if team is None:
        return _closed(request)
    if request.method == "GET":
        form = RequestForm(initial={"token": guard.new_form_token()})
        return _page(request, "intake/public_form.html", {"form": form})
    address = client_address(request)
    if guard.limited(
        "submit",
        address,
        _per_address(request, settings.HAVEN_INTAKE_RATE_PER_ADDRESS),
        settings.HAVEN_INTAKE_RATE_GLOBAL,
    ):
        record("intake.request.throttled")
        return _busy(request)
    posted = _posted(request)
    if posted is None:
        return _too_big(
            request,
            "intake/public_form.html",
            RequestForm(initial={"token": guard.new_form_token()}),
        )
    data, uploads = posted
    form = RequestForm(
        data, files_refused=getattr(request, "haven_upload_refused", ""), uploads=uploads
    )
    if form.is_machine():
        record("intake.request.refused", summary="honeypot")
        # Answered like a success, without a receipt that works, so that a machine
        # learns nothing to adjust.
        return _page(request, "intake/public_sent.html", {"receipt": new_receipt()})
    verdict = guard.check_form_token(data.get("token", ""))
    if verdict != guard.OK:
        record("intake.request.refused", summary=f"form token: {verdict}")
        form.full_clean()
        form._errors = {}  # the person did nothing wrong: show what they typed, no errors
        return _page(
            request,
            "intake/public_form.html",
            {"form": _renewed(form), "page_error": _token_refused(verdict)},
            status=400,
        )
    if not form.is_valid():
        return _page(request, "intake/public_form.html", {"form": _renewed(form)}, status=400)
    try:
        _submission, receipt = actions.submit_request(
            team=team, language=request.intake_language, uploads=uploads, **form.action_data()
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _page(request, "intake/public_form.html", {"form": _renewed(form)}, status=400)
    return _page(request, "intake/public_sent.html", {"receipt": receipt})


def _receipt_refused(request, form, status=400):
    return _page(
        request,
        "intake/public_receipt.html",
        {
            "form": form,
            "page_error": _(
                "This receipt does not open anything. Check each group of four characters "
                "and try again."
            ),
        },
        status=status,
    )


def _open(request, typed: str):
    """The submission of a typed receipt, or the response that refuses it."""
    address = client_address(request)
    per_address = _per_address(request, settings.HAVEN_INTAKE_GUESSES_PER_ADDRESS)
    overall = settings.HAVEN_INTAKE_GUESSES_GLOBAL
    if guard.over_limit("receipt", address, per_address) or guard.over_limit(
        "receipt", None, overall
    ):
        record("intake.receipt.throttled")
        return None, _busy(request)
    submission = actions.find_by_receipt(typed)
    if submission is None:
        guard.count("receipt", address, per_address)
        guard.count("receipt", None, overall)
        record("intake.receipt.refused")
        return None, _receipt_refused(request, ReceiptForm({"receipt": typed}))
    return submission, None


def _conversation_page(request, submission, *, form=None, sent=False, status=200, error=""):
    form = form or MessageForm(
        initial={"token": guard.new_form_token(), "receipt": request.POST.get("receipt", "")}
    )
    return _page(
        request,
        "intake/public_conversation.html",
        {
            "submission": submission,
            "conversation": conversation(submission.request),
            "form": form,
            "sent": sent,
            "page_error": error,
        },
        status=status,
    )


@public
@require_http_methods(["GET", "POST"])
def receipt(request):
    if request.method == "GET":
        return _page(request, "intake/public_receipt.html", {"form": ReceiptForm()})
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        return _receipt_refused(request, form)
    submission, refused = _open(request, form.cleaned_data["receipt"])
    if refused is not None:
        return refused
    actions.receipt_used(submission)
    return _conversation_page(request, submission)


@public
@require_POST
def message(request):
    address = client_address(request)
    if guard.limited(
        "submit",
        address,
        _per_address(request, settings.HAVEN_INTAKE_RATE_PER_ADDRESS),
        settings.HAVEN_INTAKE_RATE_GLOBAL,
    ):
        record("intake.request.throttled")
        return _busy(request)
    posted = _posted(request)
    if posted is None:
        return _too_big(request, "intake/public_receipt.html", ReceiptForm())
    data, uploads = posted
    submission, refused = _open(request, data.get("receipt", ""))
    if refused is not None:
        return refused
    form = MessageForm(
        data, files_refused=getattr(request, "haven_upload_refused", ""), uploads=uploads
    )
    verdict = guard.check_form_token(data.get("token", ""))
    if form.is_machine() or verdict != guard.OK:
        record("intake.message.refused", summary=f"form token: {verdict}")
        form.full_clean()
        form._errors = {}
        return _conversation_page(
            request, submission, form=_renewed(form), status=400, error=_token_refused(verdict)
        )
    if not form.is_valid():
        return _conversation_page(request, submission, form=_renewed(form), status=400)
    try:
        actions.add_message(submission, text=form.cleaned_data["text"].strip(), uploads=uploads)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _conversation_page(request, submission, form=_renewed(form), status=400)
    return _conversation_page(request, submission, sent=True)
