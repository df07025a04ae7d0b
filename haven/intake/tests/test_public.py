"""The public request page: a request, its receipt, the conversation, and bad input."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.cases import actions as cases
from haven.cases.models import Request, RequestMessage
from haven.intake.models import Submission
from haven.intake.receipts import ALPHABET, new_receipt, normalise
from haven.intake.tests.conftest import FORM, open_receipt, receipt_of, submit, token_of
from haven.sources.models import EvidenceFile

PDF = b"%PDF-1.4\n" + b"statement " * 40


def test_a_request_becomes_a_request_of_the_intake_team_with_a_receipt(public, personas):
    response = submit(
        public,
        what="Police took my brother.",
        place="Grozny",
        contact="Signal +7 900 000",
        consent="yes",
        urgency="immediate",
        files=[SimpleUploadedFile("statement.pdf", PDF, "application/pdf")],
    )
    assert response.status_code == 200, re.findall(
        r'class="error[^>]*>(.*?)</', response.content.decode(), re.S
    )
    receipt = receipt_of(response)
    assert re.fullmatch(r"([2-9A-Z]{4}-){4}[2-9A-Z]{4}", receipt)
    request = Request.objects.get()
    assert request.team == personas.team and request.channel.code == "web_form"
    assert request.summary == "Police took my brother." and request.urgency == "immediate"
    submission = request.submission
    assert (submission.place, submission.contact, submission.consent_to_contact) == (
        "Grozny",
        "Signal +7 900 000",
        True,
    )
    assert receipt not in submission.receipt_hash and len(submission.receipt_hash) == 64
    evidence = EvidenceFile.objects.get()
    assert evidence.source == submission.files and evidence.name == "statement.pdf"
    assert AuditEntry.objects.filter(action="intake.request.submitted", ip=None).exists()


def test_the_page_sets_no_cookie_and_leaves_no_referrer_or_cache(public):
    page = public.get(reverse(FORM))
    sent = submit(public)
    for response in (page, sent, open_receipt(public, receipt_of(sent))):
        assert response.cookies == {}, response.cookies
        assert response["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response["Cache-Control"]
        html = response.content.decode()
        assert "<script" not in html and "http://" not in html
        assert 'rel="noreferrer"' in html  # the quick exit


def test_title_and_path_are_neutral_and_configurable(public, settings):
    settings.HAVEN_INTAKE_TITLE_RU = "Погода"
    html = public.get(reverse(FORM), {"lang": "ru"}).content.decode()
    assert "<title>Погода</title>" in html
    assert "Отправить" in html or "Send" in html


def test_the_person_reads_the_reply_and_writes_back_with_the_receipt(public, personas):
    receipt = receipt_of(submit(public))
    request = Request.objects.get()
    cases.write_to_requester(request, by=personas.member, text="We will call you tomorrow.")
    page = open_receipt(public, receipt.lower().replace("-", " "))
    assert page.status_code == 200
    assert "We will call you tomorrow." in page.content.decode()
    sent = public.post(
        reverse("intake_public:message"),
        {"receipt": receipt, "text": "Thank you.", "token": token_of(page)},
    )
    assert sent.status_code == 200, sent.content.decode()[:3000]
    texts = [m.text for m in RequestMessage.objects.order_by("sent_at")]
    assert texts == ["We will call you tomorrow.", "Thank you."]
    assert [m.from_requester for m in RequestMessage.objects.order_by("sent_at")] == [False, True]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_wrong_unknown_and_expired_receipts_get_the_same_answer(public, lang):
    from django.utils import timezone

    receipt = receipt_of(submit(public))
    Submission.objects.update(receipt_valid_until=timezone.now())
    answers = {
        open_receipt(public, typed, lang=lang).content.decode().replace(typed, "")
        for typed in (receipt, new_receipt(), "nonsense")
    }
    assert len(answers) == 1
    answer = answers.pop()
    assert f'lang="{lang}"' in answer and 'role="alert"' in answer
    if lang == "en":
        assert "does not open" in answer
    assert AuditEntry.objects.filter(action="intake.receipt.refused").count() == 3


def test_guessing_receipts_is_throttled_per_address(public, settings):
    settings.HAVEN_INTAKE_GUESSES_PER_ADDRESS = "3/hour"
    receipt = receipt_of(submit(public))
    for _ in range(3):
        assert open_receipt(public, new_receipt()).status_code == 400
    assert open_receipt(public, receipt).status_code == 429  # even the right one, from here
    assert open_receipt(public, receipt, address="203.0.113.9").status_code == 200


def test_guessing_is_throttled_globally(public, settings):
    settings.HAVEN_INTAKE_GUESSES_GLOBAL = "2/hour"
    for n in range(2):
        open_receipt(public, new_receipt(), address=f"203.0.113.{n}")
    assert open_receipt(public, new_receipt(), address="203.0.113.50").status_code == 429


def test_receipts_forgive_case_separators_and_cyrillic_look_alikes():
    receipt = "ABCD-EFGH-2345-6789-KMNP"
    assert normalise(receipt.lower()) == normalise("АВСD EFGН 2345 6789 КМNР")
    assert normalise("ABCD-EFGH-2345-6789-KMN") == ""  # too short
    assert normalise("ABCD-EFGH-2345-6789-KMN0") == ""  # 0 is not in the alphabet
    assert not set("01ILOU") & set(ALPHABET)


@pytest.mark.parametrize(
    ("lang", "data", "message"),
    [
        ("en", {"what": "   "}, "Write what happened"),
        ("ru", {"what": "   "}, 'lang="ru"'),
        ("en", {"what": "x" * 6000}, "at most 5000"),
        ("ru", {"what": "x" * 6000}, "5000"),
    ],
)
def test_bad_input_is_refused_in_the_persons_language(public, lang, data, message):
    response = submit(public, lang=lang, **data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'class="error' in html
    assert not Request.objects.exists() and not Submission.objects.exists()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_file_that_lies_about_its_type_refuses_the_whole_request(public, lang, settings):
    lying = SimpleUploadedFile("photo.jpg", b"<html><script>x</script></html>", "image/jpeg")
    response = submit(public, lang=lang, files=[lying])
    assert response.status_code == 400
    assert "photo.jpg" in response.content.decode()
    assert not Request.objects.exists() and not EvidenceFile.objects.exists()
    assert not list(settings.HAVEN_EVIDENCE_DIR.glob("??/*.hev"))
    assert not list((settings.HAVEN_EVIDENCE_DIR / "incoming").glob("*.part"))


def test_an_oversized_file_is_refused(public, settings):
    settings.HAVEN_INTAKE_MAX_FILE_BYTES = 1000
    response = submit(public, files=[SimpleUploadedFile("big.pdf", PDF * 10, "application/pdf")])
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not Request.objects.exists()


def test_a_form_sent_too_fast_twice_or_forged_saves_nothing(public, settings):
    settings.HAVEN_INTAKE_MIN_FILL_SECONDS = 60
    assert submit(public).status_code == 400
    settings.HAVEN_INTAKE_MIN_FILL_SECONDS = 0
    page = public.get(reverse(FORM))
    data = {"what": "Help", "token": token_of(page)}
    assert public.post(reverse(FORM), data).status_code == 200
    assert public.post(reverse(FORM), data).status_code == 400  # the same token again
    assert public.post(reverse(FORM), {**data, "token": "forged"}).status_code == 400
    assert Request.objects.count() == 1


def test_the_honeypot_gets_a_receipt_that_opens_nothing(public):
    response = submit(public, website="http://spam.example")
    assert response.status_code == 200
    assert not Request.objects.exists()
    assert open_receipt(public, receipt_of(response)).status_code == 400


def test_submissions_are_limited_per_address(public, settings):
    settings.HAVEN_INTAKE_RATE_PER_ADDRESS = "2/hour"
    assert [submit(public).status_code for _ in range(3)] == [200, 200, 429]
    assert submit(public, address="203.0.113.7").status_code == 200


def test_one_addresss_flood_does_not_use_up_everyones_allowance(public, settings):
    settings.HAVEN_INTAKE_RATE_PER_ADDRESS = "2/hour"
    settings.HAVEN_INTAKE_RATE_GLOBAL = "3/hour"
    answers = [submit(public, address="198.51.100.9").status_code for _ in range(5)]
    assert answers == [200, 200, 429, 429, 429]
    assert submit(public, address="203.0.113.4").status_code == 200
    assert submit(public, address="203.0.113.5").status_code == 429  # everyone's three
    assert Request.objects.count() == 3


def test_a_closed_page_says_so(client, settings, db):
    settings.HAVEN_INTAKE_TEAM = ""
    assert client.get(reverse(FORM)).status_code == 503


def test_the_public_side_reaches_nothing_else(public, personas):
    """Without signing in, every other page sends the visitor to sign in; a receipt
    opens its own request only."""
    first = receipt_of(submit(public, what="First person"))
    receipt_of(submit(public, what="Second person"))
    by_summary = {r.summary: r for r in Request.objects.all()}
    request = by_summary["First person"]
    for url in (
        reverse("cases:request_detail", kwargs={"uuid": request.uuid}),
        reverse("intake:queue"),
        reverse("sources:detail", kwargs={"uuid": request.submission.uuid}),
    ):
        assert public.get(url).status_code == 302
    second = by_summary["Second person"]
    cases.write_to_requester(second, by=personas.member, text="Only for the second")
    html = open_receipt(public, first).content.decode()
    assert "Only for the second" not in html


def test_the_caseworker_replies_and_the_request_becomes_a_case(public, client, personas):
    receipt_of(submit(public, what="Need to leave"))
    request = Request.objects.get()
    sign_in(client, personas.member)
    # A request without a name given (the name is stored as nothing) has a page too.
    assert (
        client.get(reverse("cases:request_detail", kwargs={"uuid": request.uuid})).status_code
        == 200
    )
    url = reverse("cases:request_reply", kwargs={"uuid": request.uuid})
    assert client.post(url, {"text": ""}).status_code == 400
    assert client.post(url, {"text": "Where can we meet?"}).status_code == 302
    convert = reverse("cases:request_convert", kwargs={"uuid": request.uuid})
    client.post(convert, {"title": "Evacuation"})
    request.refresh_from_db()
    case_page = client.get(reverse("cases:detail", kwargs={"uuid": request.case.uuid}))
    html = case_page.content.decode()
    assert "Where can we meet?" in html and "Message to the person" in html


def test_a_malformed_or_too_large_body_gets_the_page_with_a_clear_message(public, settings):
    broken = public.generic(
        "POST", reverse(FORM), b"--x\r\nhello", content_type="multipart/form-data"
    )
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    page = public.get(reverse(FORM))
    too_large = public.post(reverse(FORM), {"what": "x" * 2000, "token": token_of(page)})
    for response in (broken, too_large):
        assert response.status_code == 400
        assert "too large or has too many parts" in response.content.decode()
        assert response.cookies == {}
    assert not Request.objects.exists()


def test_a_rate_setting_haven_cannot_read_stops_the_start(monkeypatch):
    from haven.lib.env import ConfigError, env_rate

    monkeypatch.setenv("HAVEN_INTAKE_RATE_GLOBAL", "lots")
    with pytest.raises(ConfigError, match="HAVEN_INTAKE_RATE_GLOBAL"):
        env_rate("HAVEN_INTAKE_RATE_GLOBAL", "10/hour")
    monkeypatch.setenv("HAVEN_INTAKE_RATE_GLOBAL", "off")
    assert env_rate("HAVEN_INTAKE_RATE_GLOBAL", "10/hour") == "off"
