"""The evidence vault through its pages: upload, custody, download, hostile files."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.sources.actions import add_source
from haven.sources.models import EvidenceFile, Source
from haven.sources.vault import EncryptingUploadHandler, stored_path, vault_dir
from haven.tests.access import check_access
from haven.tests.helpers import NOT_THEIRS, once_token, post_form
from haven.web import once

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"Testimony of Zelimkhan K. " * 200


@pytest.fixture
def source(personas):
    return add_source(
        team=personas.team,
        by=personas.member,
        kind="testimony",
        title="Testimony about the April detention",
    )


def upload(client, source, name, data):
    return client.post(
        reverse("sources:upload", kwargs={"uuid": source.uuid}),
        {"file": SimpleUploadedFile(name, data)},
    )


def stored_files():
    return [p for p in vault_dir().rglob("*") if p.is_file()]


def test_upload_download_and_custody(client, personas, source):
    sign_in(client, personas.member)
    response = upload(client, source, "testimony.pdf", PDF)
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.size == len(PDF)
    on_disk = stored_path(str(evidence.uuid)).read_bytes()
    assert b"Zelimkhan" not in on_disk and b"%PDF" not in on_disk
    assert [p.suffix for p in stored_files()] == [".hev"]
    sign_in(client, personas.read_only)
    download = client.get(
        reverse("sources:download", kwargs={"uuid": source.uuid, "file_uuid": evidence.uuid})
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    actions = list(
        AuditEntry.objects.filter(object_id=str(evidence.uuid)).values_list("action", flat=True)
    )
    assert "evidence.uploaded" in actions and "evidence.downloaded" in actions
    client.get(reverse("sources:detail", kwargs={"uuid": source.uuid}))
    assert AuditEntry.objects.filter(
        object_id=str(evidence.uuid), action="evidence.viewed"
    ).exists()
    page = client.get(reverse("sources:detail", kwargs={"uuid": source.uuid})).content.decode()
    assert " · downloaded · " in page and evidence.sha256 in page


def test_custody_shows_what_was_done_in_words(client, personas, source):
    from haven.sources.selectors import custody_action_label

    sign_in(client, personas.member)
    upload(client, source, "testimony.pdf", PDF)
    evidence = EvidenceFile.objects.get()
    download = client.get(
        reverse("sources:download", kwargs={"uuid": source.uuid, "file_uuid": evidence.uuid})
    )
    b"".join(download.streaming_content)  # custody counts a download once it is complete
    page = client.get(reverse("sources:detail", kwargs={"uuid": source.uuid})).content.decode()
    custody = page.split('class="list custody"')[1].split("</ol>")[0]
    for words in (
        " · uploaded · ",
        " · opened · ",
        " · downloaded · ",
        " · viewed · ",
        " · created · ",
    ):
        assert words in custody
    assert "evidence." not in custody and "sources.evidencefile" not in custody
    assert custody_action_label("evidence.exported") == "exported in a bundle"
    assert custody_action_label("evidence.someday") == "evidence.someday"  # unknown: the code
    personas.member.language = "ru"
    personas.member.save()
    russian = client.get(reverse("sources:detail", kwargs={"uuid": source.uuid})).content.decode()
    assert "evidence." not in russian.split('class="list custody"')[1].split("</ol>")[0]


def test_routes_by_persona(personas, source):
    sign_in_url = reverse("sources:upload", kwargs={"uuid": source.uuid})
    check_access(
        personas, "sources:upload", sign_in_url, {"member": 405, "read_only": 405, "outsider": 405}
    )
    check_access(
        personas, "sources:upload", sign_in_url, {"read_only": 403, **NOT_THEIRS}, method="post"
    )
    check_access(
        personas,
        "sources:capture",
        reverse("sources:capture"),
        {"member": 200, "read_only": 403, "outsider": 403, "administrator": 403},
    )
    check_access(
        personas, "sources:bundle", reverse("sources:bundle"), {"member": 405, "read_only": 405}
    )
    check_access(
        personas,
        "sources:bundle",
        reverse("sources:bundle"),
        {"member": 403, "read_only": 200, "outsider": 403, "administrator": 403},
        method="post",
        data={"source": str(source.uuid)},
    )


def test_download_is_404_for_outsiders(client, personas, source):
    sign_in(client, personas.member)
    upload(client, source, "testimony.pdf", PDF)
    evidence = EvidenceFile.objects.get()
    url = reverse("sources:download", kwargs={"uuid": source.uuid, "file_uuid": evidence.uuid})
    check_access(personas, "sources:download", url, {"member": 200, "read_only": 200, **NOT_THEIRS})


def test_file_larger_than_the_limit_is_refused(client, personas, source, settings):
    settings.HAVEN_EVIDENCE_MAX_BYTES = 1000
    sign_in(client, personas.member)
    response = upload(client, source, "big.pdf", PDF)
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert stored_files() == []


def test_path_traversal_names_are_flattened(client, personas, source):
    sign_in(client, personas.member)
    upload(client, source, "../../../etc/cron.d/notes.txt", b"plain notes about the case")
    assert EvidenceFile.objects.get().name == "notes.txt"


def test_a_lying_extension_is_refused(client, personas, source):
    sign_in(client, personas.member)
    response = upload(client, source, "report.pdf", b"<!doctype html><script>alert(1)</script>")
    assert response.status_code == 400
    assert "name says application/pdf but its content is text/html" in response.content.decode()
    assert not EvidenceFile.objects.exists() and stored_files() == []


def test_executables_are_refused(client, personas, source):
    sign_in(client, personas.member)
    response = upload(client, source, "tool", b"\x7fELF\x02\x01\x01" + bytes(200))
    assert response.status_code == 400
    assert "not accepted" in response.content.decode()
    assert stored_files() == []


@pytest.mark.parametrize(
    "name,data",
    [
        ("page.html", b"<!doctype html><html><script>fetch('/admin')</script></html>"),
        ("map.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ],
)
def test_active_content_is_kept_inert(client, personas, source, name, data):
    sign_in(client, personas.member)
    assert upload(client, source, name, data).status_code == 302
    evidence = EvidenceFile.objects.get()
    response = client.get(
        reverse("sources:download", kwargs={"uuid": source.uuid, "file_uuid": evidence.uuid})
    )
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]


def test_zip_bomb_is_stored_opaque_and_never_unpacked(client, personas, source):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", bytes(50 * 1024 * 1024))
    bomb = buffer.getvalue()
    assert len(bomb) < 200_000
    sign_in(client, personas.member)
    assert upload(client, source, "photos.zip", bomb).status_code == 302
    evidence = EvidenceFile.objects.get()
    assert evidence.size == len(bomb)  # kept as the small archive it is
    assert evidence.sha256 == hashlib.sha256(bomb).hexdigest()


def test_interrupted_upload_leaves_nothing(rf, db, settings):
    request = rf.post("/")
    handler = EncryptingUploadHandler(request)
    with pytest.raises(Exception, match="StopFutureHandlers|"):
        handler.new_file("file", "cut.pdf", "application/pdf", None)
    handler.receive_data_chunk(PDF[:100], 0)
    assert len(stored_files()) == 1  # the encrypted part file
    handler.upload_interrupted()
    assert stored_files() == []


def test_verify_command_finds_a_one_byte_change(client, personas, source, capsys):
    sign_in(client, personas.member)
    upload(client, source, "testimony.pdf", PDF)
    call_command("evidence", "verify")
    assert "OK: 1 files verified" in capsys.readouterr().out
    path = stored_path(str(EvidenceFile.objects.get().uuid))
    blob = bytearray(path.read_bytes())
    blob[100] ^= 0x01
    path.write_bytes(bytes(blob))
    with pytest.raises(CommandError, match="1 of 1 files failed"):
        call_command("evidence", "verify")
    assert "MISMATCH" in capsys.readouterr().out


def test_cli_add(personas, source, tmp_path, capsys):
    original = tmp_path / "photo.txt"
    original.write_bytes(b"a photo description")
    call_command("evidence", "add", source.code, str(original), "--by", personas.member.email)
    assert EvidenceFile.objects.get().sha256 == hashlib.sha256(b"a photo description").hexdigest()
    with pytest.raises(CommandError, match="no such source"):
        call_command("evidence", "add", source.code, str(original), "--by", personas.outsider.email)


def test_files_under_other_field_names_leave_nothing(client, personas, source):
    sign_in(client, personas.member)
    client.post(
        reverse("sources:upload", kwargs={"uuid": source.uuid}),
        {
            "file": SimpleUploadedFile("a.pdf", PDF),
            "other": SimpleUploadedFile("b.pdf", PDF),
        },
    )
    assert [p.suffix for p in stored_files()] == [".hev"]


def test_a_csrf_failure_leaves_nothing(personas, source):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    sign_in(client, personas.member)
    response = client.post(
        reverse("sources:upload", kwargs={"uuid": source.uuid}),
        {"file": SimpleUploadedFile("a.pdf", PDF), "csrfmiddlewaretoken": "forged"},
    )
    assert response.status_code == 403
    assert stored_files() == []


def test_an_invalid_capture_form_leaves_nothing(client, personas):
    sign_in(client, personas.member)
    response = client.post(
        reverse("sources:capture"),
        {"team": 999999, "page": SimpleUploadedFile("news.html", b"<html><p>x</p></html>")},
    )
    assert response.status_code == 400
    assert stored_files() == []


def test_a_file_of_another_source_is_404_and_audited(client, personas, source):
    sign_in(client, personas.member)
    upload(client, source, "testimony.pdf", PDF)
    evidence = EvidenceFile.objects.get()
    other = add_source(team=personas.team, by=personas.member, kind="media", title="Other")
    url = reverse("sources:download", kwargs={"uuid": other.uuid, "file_uuid": evidence.uuid})
    assert client.get(url).status_code == 404
    denied = AuditEntry.objects.filter(action="access.denied").get()
    assert denied.actor == personas.member and str(evidence.uuid) in denied.summary
    assert not AuditEntry.objects.filter(action="evidence.downloaded").exists()


def test_a_deleted_file_is_404_and_audited(client, personas, source):
    from haven.records.actions import delete_record

    sign_in(client, personas.member)
    upload(client, source, "testimony.pdf", PDF)
    evidence = EvidenceFile.objects.get()
    delete_record(evidence, by=personas.member)
    url = reverse("sources:download", kwargs={"uuid": source.uuid, "file_uuid": evidence.uuid})
    assert client.get(url).status_code == 404
    assert AuditEntry.objects.filter(action="access.denied", actor=personas.member).exists()
    assert not AuditEntry.objects.filter(action="evidence.downloaded").exists()


def test_verify_messages_follow_the_language(client, personas, source):
    from django.utils import translation

    from haven.sources.actions import verify_file

    sign_in(client, personas.member)
    upload(client, source, "testimony.pdf", PDF)
    evidence = EvidenceFile.objects.get()
    stored_path(str(evidence.uuid)).unlink()
    assert verify_file(evidence) == "the stored file is missing"
    with translation.override("ru"):
        assert verify_file(evidence) == "сохранённый файл отсутствует"


def test_a_double_submitted_source_is_saved_once(client, personas):
    sign_in(client, personas.member)
    url = reverse("sources:new")
    token = once_token(client.get(url))
    data = {"team": personas.team.pk, "kind": "media", "title": "A report", "reliability": "B"}
    first = client.post(url, {**data, once.FIELD: token})
    second = client.post(url, {**data, once.FIELD: token})
    assert first.status_code == second.status_code == 302
    assert second.url == reverse("sources:list")
    assert Source.objects.count() == 1


def test_a_new_source_is_checked_and_saved(client, personas):
    sign_in(client, personas.member)
    url = reverse("sources:new")
    refused = post_form(client, url, {"team": personas.team.pk, "kind": "media"})
    assert refused.status_code == 400 and not Source.objects.exists()
    saved = post_form(
        client,
        url,
        {"team": personas.team.pk, "kind": "media", "title": "A report", "reliability": "B"},
    )
    source = Source.objects.get()
    assert saved.url == reverse("sources:detail", kwargs={"uuid": source.uuid})
    assert (source.title, source.reliability) == ("A report", "B")


def test_add_source_takes_only_its_own_fields(personas):
    from django.utils import timezone

    with pytest.raises(TypeError):
        add_source(
            team=personas.team,
            by=personas.member,
            kind="media",
            title="A report",
            deleted_at=timezone.now(),
        )
    assert not Source.objects.exists()


def test_list_filters(client, personas):
    from haven.sources.forms import SourceFilterForm

    add_source(team=personas.team, by=personas.member, kind="media", title="A", language="ru")
    add_source(team=personas.team, by=personas.member, kind="testimony", title="B")
    everything = Source.objects.visible_to(personas.member)

    def titles(query):
        return sorted(source.title for source in SourceFilterForm(query).apply(everything))

    assert titles(None) == ["A", "B"]
    assert titles({"kind": "testimony"}) == ["B"]
    assert titles({"language": " RU "}) == ["A"]
    assert titles({"kind": "no-such-kind"}) == ["A", "B"]  # an invalid filter shows all
    sign_in(client, personas.member)
    page = client.get(reverse("sources:list"), {"kind": "media"}).content.decode()
    assert ">A<" in page and ">B<" not in page


def damage(evidence, at: int) -> None:
    path = stored_path(str(evidence.uuid))
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def custody_actions(evidence):
    return list(
        AuditEntry.objects.filter(object_id=str(evidence.uuid))
        .order_by("seq")
        .values_list("action", flat=True)
    )


BIG = b"%PDF-1.4\n" + bytes(range(256)) * 1250  # 320 KB, more than one chunk


def test_a_damaged_file_is_refused_before_any_byte_is_sent(client, personas, source):
    sign_in(client, personas.member)
    assert upload(client, source, "statement.pdf", BIG).status_code == 302
    evidence = EvidenceFile.objects.get()
    damage(evidence, 200_000)
    url = reverse("sources:download", kwargs={"uuid": source.uuid, "file_uuid": evidence.uuid})
    response = client.get(url)
    assert response.status_code == 409
    assert not response.streaming if hasattr(response, "streaming") else True
    assert "This file is damaged" in response.content.decode()
    assert "evidence.downloaded" not in custody_actions(evidence)
    assert "evidence.damaged" in custody_actions(evidence)


def test_custody_records_a_download_only_once_the_last_byte_went(client, personas, source):
    sign_in(client, personas.member)
    upload(client, source, "statement.pdf", BIG)
    evidence = EvidenceFile.objects.get()
    url = reverse("sources:download", kwargs={"uuid": source.uuid, "file_uuid": evidence.uuid})
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Length"] == str(len(BIG))
    stream = iter(response.streaming_content)
    first = next(stream)
    assert "evidence.downloaded" not in custody_actions(evidence)  # under way
    assert first + b"".join(stream) == BIG
    assert custody_actions(evidence).count("evidence.downloaded") == 1
    entry = AuditEntry.objects.get(object_id=str(evidence.uuid), action="evidence.downloaded")
    assert (entry.actor, entry.channel) == (personas.member, "web")


def test_a_file_damaged_while_it_is_sent_stops_the_stream_short(client, personas, source):
    from haven.lib.crypto import DecryptionError

    sign_in(client, personas.member)
    upload(client, source, "statement.pdf", BIG)
    evidence = EvidenceFile.objects.get()
    url = reverse("sources:download", kwargs={"uuid": source.uuid, "file_uuid": evidence.uuid})
    response = client.get(url)
    stream = iter(response.streaming_content)
    next(stream)
    damage(evidence, 300_000)
    with pytest.raises(DecryptionError):
        b"".join(stream)
    assert "evidence.downloaded" not in custody_actions(evidence)


def test_a_bundle_with_a_damaged_file_is_refused_cleanly(client, personas, source):
    from django.contrib.messages import get_messages

    sign_in(client, personas.member)
    upload(client, source, "statement.pdf", BIG)
    evidence = EvidenceFile.objects.get()
    damage(evidence, 200_000)
    sign_in(client, personas.administrator)
    personas.administrator.role = "lawyer"
    personas.administrator.save()
    from haven.accounts.models import Membership

    Membership.objects.get_or_create(team=personas.team, user=personas.administrator)
    response = client.post(reverse("sources:bundle"), {"source": [str(source.uuid)]})
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("statement.pdf" in m and "is damaged" in m for m in shown)
    assert "evidence.exported" not in custody_actions(evidence)


def test_the_vault_is_private_whatever_the_umask(client, personas, source, settings):
    import os
    import stat

    old = os.umask(0o022)
    try:
        sign_in(client, personas.member)
        upload(client, source, "statement.pdf", PDF)
    finally:
        os.umask(old)
    evidence = EvidenceFile.objects.get()
    for folder in (vault_dir(), vault_dir() / "incoming", stored_path(str(evidence.uuid)).parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_server_start_removes_parts_and_sets_orphans_aside(client, personas, source):
    """A process killed mid-upload leaves a part; one killed between moving the file in
    and committing its record leaves an orphan. The server's start tidies both, and
    files with a record stay where they are."""
    from haven.gunicorn_conf import tidy_vault_job

    sign_in(client, personas.member)
    upload(client, source, "statement.pdf", PDF)
    kept = stored_path(str(EvidenceFile.objects.get().uuid))
    part = vault_dir() / "incoming" / "crashed.part"
    part.write_bytes(b"ciphertext")
    orphan = stored_path("0f" + "1" * 34)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"ciphertext")
    tidy_vault_job()
    assert not part.exists() and not orphan.exists() and kept.exists()
    assert (vault_dir() / "orphans" / orphan.name).read_bytes() == b"ciphertext"


def test_verify_sets_aside_only_orphans_older_than_an_hour(personas, source, capsys):
    import os
    import time

    fresh = stored_path("0a" + "2" * 34)
    old = stored_path("0b" + "3" * 34)
    for path in (fresh, old):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    hours_ago = time.time() - 7200
    os.utime(old, (hours_ago, hours_ago))
    call_command("evidence", "verify")
    assert "Set aside 1 stored files" in capsys.readouterr().out
    assert fresh.exists() and not old.exists()
