"""Evidence bundles that verify offline, and web capture without the page chrome."""

import hashlib
import http.server
import io
import shutil
import subprocess
import threading
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.sources import bundle
from haven.sources.actions import add_source, export_bundle
from haven.sources.capture import capture_page
from haven.sources.models import EvidenceFile, Source
from haven.sources.vault import seal_bytes, vault_dir
from haven.tests.helpers import once_token, post_form
from haven.web import once

PDF = b"%PDF-1.4\n" + b"statement " * 300

ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Two men granted protection | Example News</title>
<meta name="author" content="A. Reporter"><meta property="article:published_time" content="2021-03-18">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<div class="support">Our journalism is banned. Support us monthly from just $2.</div>
<article><h1>Two men granted protection</h1>
<p>Authorities have granted state protection to two young men who were forcibly returned to their home region, a news website reported on Thursday.</p>
<p>The men had fled to another city last summer after they were allegedly tortured by police, and were seized and brought back earlier this year.</p>
<p>A rights group that had helped them petitioned the regional investigators, saying the men were at risk of being killed by their relatives.</p>
<p>It is not yet clear what kind of protection the two men will receive, their lawyer said.</p>
</article>
<aside><h2>Read more</h2><ul><li><a href="/a">Another story entirely</a></li></ul></aside>
<footer>Subscribe to our newsletter. All rights reserved.</footer>
</body></html>"""


def stored_files():
    return [p for p in vault_dir().rglob("*") if p.is_file()]


def saved_page(html: str = ARTICLE):
    return SimpleUploadedFile("news.html", html.encode(), content_type="text/html")


@pytest.fixture
def source_with_file(client, personas):
    source = add_source(
        team=personas.team,
        by=personas.member,
        kind="official",
        title="Decision on state protection",
    )
    sign_in(client, personas.member)
    client.post(
        reverse("sources:upload", kwargs={"uuid": source.uuid}),
        {"file": SimpleUploadedFile("decision.pdf", PDF)},
    )
    return source


def get_bundle(client, personas, source):
    sign_in(client, personas.read_only)  # a lawyer
    response = client.post(reverse("sources:bundle"), {"source": str(source.uuid)})
    assert response.status_code == 200, response.status_code
    return response.content


def test_bundle_verifies_here_and_with_standard_tools(client, personas, source_with_file, tmp_path):
    data = get_bundle(client, personas, source_with_file)
    assert bundle.verify(data) == []
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert {
        "manifest.json",
        "SHA256SUMS",
        "SHA256SUMS.sig",
        "haven-public-key.pem",
        "README.txt",
    } <= set(archive.namelist())
    manifest = archive.read("manifest.json").decode()
    assert hashlib.sha256(PDF).hexdigest() in manifest and "evidence.uploaded" in manifest
    archive.extractall(tmp_path)
    if shutil.which("sha256sum"):
        check = subprocess.run(
            ["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout + check.stderr
    if shutil.which("openssl"):
        signature = subprocess.run(
            [
                "openssl",
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                "haven-public-key.pem",
                "-rawin",
                "-in",
                "SHA256SUMS",
                "-sigfile",
                "SHA256SUMS.sig",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert "Signature Verified Successfully" in signature.stdout, signature.stderr
    exported = EvidenceFile.objects.get()
    from haven.audit.models import AuditEntry

    assert AuditEntry.objects.filter(
        object_id=str(exported.uuid), action="evidence.exported"
    ).exists()


def test_tampered_bundle_fails(client, personas, source_with_file, tmp_path, capsys):
    data = get_bundle(client, personas, source_with_file)
    original = zipfile.ZipFile(io.BytesIO(data))
    tampered = io.BytesIO()
    with zipfile.ZipFile(tampered, "w") as out:
        for name in original.namelist():
            content = original.read(name)
            if name.startswith("files/"):
                content = content.replace(b"statement", b"statemenT", 1)
            out.writestr(name, content)
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    good.write_bytes(data)
    bad.write_bytes(tampered.getvalue())
    call_command("evidence", "verify-bundle", str(good))
    assert "OK" in capsys.readouterr().out
    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("evidence", "verify-bundle", str(bad))


def test_bundle_needs_consent(client, personas, source_with_file, person):
    from haven.cases.actions import record_consent
    from haven.incidents import actions as incidents
    from haven.lib.fuzzy_dates import FuzzyDate
    from haven.vocab.models import term

    incident = incidents.record_incident(
        team=personas.team, by=personas.member, title="x", start=FuzzyDate.parse("2020")
    )
    incidents.record_act(
        incident, by=personas.member, act_type=term("act_type", "threat"), victim=person
    )
    incidents.cite_source(
        incident,
        source_with_file,
        by=personas.member,
        connection="official",
        reliability="A",
        credibility="1",
    )
    record_consent(
        person,
        by=personas.member,
        status="refused",
        purpose=term("consent_purpose", "legal_action"),
    )
    sign_in(client, personas.read_only)
    response = client.post(
        reverse("sources:bundle"), {"source": str(source_with_file.uuid)}, follow=True
    )
    assert "has not consented to legal use" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_capture_a_saved_page(client, personas):
    sign_in(client, personas.member)
    response = post_form(
        client,
        reverse("sources:capture"),
        {"team": personas.team.pk, "page": saved_page()},
    )
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.title.startswith("Two men granted protection")
    assert "not yet clear what kind of protection" in source.text
    for chrome in ("Support us monthly", "Read more", "Another story", "newsletter", "Home"):
        assert chrome not in source.text
    page = EvidenceFile.objects.get(source=source)
    assert page.role == "captured_page"
    assert page.sha256 == hashlib.sha256(ARTICLE.encode()).hexdigest()


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the standard library's name
        body = ARTICLE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_site():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/news/protection"
    server.shutdown()


def test_capture_from_an_address(client, personas, local_site, settings):
    settings.HAVEN_CAPTURE_ALLOW_PRIVATE = True
    sign_in(client, personas.member)
    response = post_form(
        client, reverse("sources:capture"), {"team": personas.team.pk, "url": local_site}
    )
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.url == local_site
    assert "petitioned the regional investigators" in source.text


def test_capture_refuses_local_addresses(client, personas, local_site):
    sign_in(client, personas.member)
    response = client.post(
        reverse("sources:capture"), {"team": personas.team.pk, "url": local_site}
    )
    assert response.status_code == 400
    assert "private or local addresses" in response.content.decode()
    assert not Source.objects.exists()


def test_capture_needs_an_address_or_a_page(client, personas):
    sign_in(client, personas.member)
    response = client.post(reverse("sources:capture"), {"team": personas.team.pk})
    assert response.status_code == 400
    assert "Give an address or a saved page" in response.content.decode()


def test_slow_extraction_keeps_the_page_without_text(client, personas, settings):
    settings.HAVEN_CAPTURE_TIMEOUT = 0.001  # no page can be read this fast
    sign_in(client, personas.member)
    response = post_form(
        client, reverse("sources:capture"), {"team": personas.team.pk, "page": saved_page()}
    )
    assert "took too long to read" in client.get(response.url).content.decode()
    source = Source.objects.get()
    assert not source.text
    assert EvidenceFile.objects.filter(source=source, role="captured_page").exists()


CHROME_ONLY = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Index</title>
</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<ul><li><a href="/a">One story</a></li><li><a href="/b">Another story</a></li></ul>
</body></html>"""


def test_a_double_submitted_capture_saves_one_source(client, personas):
    sign_in(client, personas.member)
    url = reverse("sources:capture")
    token = once_token(client.get(url))
    for _attempt in range(2):
        response = client.post(
            url, {"team": personas.team.pk, "page": saved_page(), once.FIELD: token}
        )
        assert response.status_code == 302
    assert Source.objects.count() == 1
    assert EvidenceFile.objects.count() == 1
    assert [p.suffix for p in stored_files()] == [".hev"]  # the second copy was not kept


def test_capture_page_needs_no_request(personas):
    """The command line, the API and jobs capture through the same action as the web."""
    result = capture_page(
        team=personas.team, by=personas.member, page=seal_bytes(ARTICLE.encode(), "news.html")
    )
    assert result.problem is None
    assert result.source.title.startswith("Two men granted protection")
    assert result.source.files.get().role == EvidenceFile.Role.CAPTURED_PAGE
    created = AuditEntry.objects.get(object_id=str(result.source.uuid), action__endswith="created")
    assert created.actor == personas.member
    assert [p.suffix for p in stored_files()] == [".hev"]


def test_a_page_with_no_byline_and_no_site_name_is_captured(personas):
    """An ordinary page names no author or site: the source keeps an empty author."""
    page = (
        "<html><head><title>Protection granted</title></head><body><article><p>"
        + "Investigators granted state protection to two young men after a petition. " * 8
        + "</p></article></body></html>"
    )
    result = capture_page(
        team=personas.team, by=personas.member, page=seal_bytes(page.encode(), "plain.html")
    )
    assert result.source.author == ""
    assert "granted state protection" in result.source.text


def test_capture_page_refuses_a_reader_before_fetching(personas, monkeypatch):
    from haven.sources import capture

    monkeypatch.setattr(capture, "fetch", lambda url: pytest.fail("fetched for a reader"))
    with pytest.raises(PermissionDenied):
        capture_page(team=personas.team, by=personas.read_only, url="https://example.org/")
    assert not Source.objects.exists()


def test_capture_page_says_which_address_failed(personas):
    with pytest.raises(ValidationError) as refused:
        capture_page(team=personas.team, by=personas.member, url="ftp://example.org/file")
    assert "Only http and https" in refused.value.message_dict["url"][0]
    assert not Source.objects.exists()


def test_extraction_keeps_to_the_capture_size_limit(client, personas, settings):
    settings.HAVEN_CAPTURE_MAX_BYTES = 1000
    assert len(ARTICLE.encode()) > 1000
    sign_in(client, personas.member)
    response = post_form(
        client, reverse("sources:capture"), {"team": personas.team.pk, "page": saved_page()}
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "too large to capture" in page and "the limit is 0.0 MB" in page
    source = Source.objects.get()
    assert not source.text
    assert EvidenceFile.objects.filter(source=source, role="captured_page").exists()


def test_a_capture_error_is_shown_in_russian(client, personas):
    personas.member.language = "ru"
    personas.member.save()
    sign_in(client, personas.member)
    response = post_form(
        client,
        reverse("sources:capture"),
        {"team": personas.team.pk, "page": saved_page(CHROME_ONLY)},
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "На этой странице не найден текст статьи" in page
    assert "No article text could be found" not in page


def test_bundle_export_writes_one_entry_for_the_bulk_read(personas, source_with_file):
    other = add_source(team=personas.team, by=personas.member, kind="media", title="A report")
    files = list(EvidenceFile.objects.all())
    before = AuditEntry.objects.count()
    data = export_bundle([source_with_file, str(other.uuid)], by=personas.read_only)
    assert bundle.verify(data) == []
    written = AuditEntry.objects.filter(seq__gt=before)
    bulk = written.get(action="sources.bundle.exported")
    assert sorted(bulk.records) == sorted(
        [f"sources.source:{source_with_file.uuid}", f"sources.source:{other.uuid}"]
        + [f"sources.evidencefile:{evidence.uuid}" for evidence in files]
    )
    # Besides the one bundle entry, each file's chain of custody says it was exported.
    assert sorted(written.values_list("action", flat=True)) == sorted(
        ["sources.bundle.exported"] + ["evidence.exported"] * len(files)
    )


def test_bundle_export_refusals(personas, source_with_file):
    from haven.accounts.models import Role

    with pytest.raises(PermissionDenied):
        export_bundle([source_with_file], by=personas.member)  # a caseworker
    personas.outsider.role = Role.LAWYER
    personas.outsider.save()
    with pytest.raises(Http404):
        export_bundle([source_with_file], by=personas.outsider)
    with pytest.raises(Http404):
        export_bundle([source_with_file, "not-a-uuid"], by=personas.read_only)
    assert AuditEntry.objects.filter(action="access.denied").count() == 2
    assert not AuditEntry.objects.filter(action="sources.bundle.exported").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("statement.pdf", PDF, "This file is a PDF, not a saved web page"),
        ("statement.html", PDF, "This file is a PDF, not a saved web page"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(200), "This file is not a saved web page"),
    ],
)
def test_a_file_that_is_not_a_page_is_refused_and_leaves_nothing(
    client, personas, name, content, message
):
    sign_in(client, personas.member)
    response = post_form(
        client,
        reverse("sources:capture"),
        {"team": personas.team.pk, "page": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["page"])
    assert not Source.objects.exists() and not EvidenceFile.objects.exists()
    assert stored_files() == []


def test_capture_page_refuses_a_file_that_is_not_a_page(personas):
    with pytest.raises(ValidationError) as refused:
        capture_page(team=personas.team, by=personas.member, page=seal_bytes(PDF, "a.pdf"))
    assert "not a saved web page" in " ".join(refused.value.message_dict["page"])
    assert not Source.objects.exists() and stored_files() == []


def test_the_list_says_which_roles_export_bundles_to_those_who_may_not(
    client, personas, source_with_file
):
    from haven.accounts.models import Membership

    Membership.objects.create(team=personas.team, user=personas.administrator)
    note = "Evidence bundles can be exported by these roles: Coordinator, Lawyer, Documenter."
    for user, may in (
        (personas.administrator, False),
        (personas.member, False),
        (personas.read_only, True),
    ):
        sign_in(client, user)
        html = client.get(reverse("sources:list")).content.decode()
        assert ("Download an evidence bundle" in html) is may, user.role
        assert (note in html) is not may, user.role


HOME_PAGE = "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Example News</title>"
HOME_PAGE += (
    "</head><body><main>"
    + "".join(
        f"<article><h2><a href='/story/{n}'>Headline of story number {n} on the front page</a></h2>"
        f"<p>A summary of story number {n}, two lines long, about what happened in the region "
        f"this week and what the people there say about it.</p></article>"
        for n in range(1, 9)
    )
    + "</main></body></html>"
)


def test_capturing_a_home_page_says_it_is_not_an_article(client, personas):
    sign_in(client, personas.member)
    response = post_form(
        client,
        reverse("sources:capture"),
        {"team": personas.team.pk, "page": saved_page(HOME_PAGE)},
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "This page is not an article" in page
    assert "Capture the address of one of its articles instead" in page
    source = Source.objects.get()
    assert not source.text
    assert EvidenceFile.objects.filter(source=source, role="captured_page").exists()


def test_photo_captions_go_to_the_notes_not_the_text(personas):
    captioned = ARTICLE.replace(
        "<p>The men had fled",
        "<figure><img src='/p.jpg' alt=''><figcaption>The two men in a photo released by "
        "their lawyer</figcaption></figure><p>The men had fled",
    )
    page = seal_bytes(captioned.encode(), "news.html", "text/html")
    result = capture_page(team=personas.team, by=personas.member, page=page)
    source = Source.objects.get(pk=result.source.pk)
    assert "photo released by their lawyer" not in source.text
    assert "Photo captions:\n- The two men in a photo released by their lawyer" in source.notes
    assert "The men had fled to another city" in source.text
