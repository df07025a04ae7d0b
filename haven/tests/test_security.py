"""Headers, deploy checks, CSRF, malformed requests and self-contained pages."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, sign_in
from haven.audit.models import AuditEntry

ROOT = Path(__file__).resolve().parents[2]


def last_entry():
    return AuditEntry.objects.order_by("-seq").first()


def test_headers_on_an_authenticated_page(client, personas):
    sign_in(client, personas.member)
    response = client.get(reverse("web:home"))
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]


def test_pages_have_no_inline_scripts_or_styles(client, personas):
    sign_in(client, personas.administrator)
    for name in ("web:home", "admin:users", "audit:log", "accounts:account"):
        html = client.get(reverse(name)).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), name
        assert "<style" not in html, name
        assert not re.search(r"\sstyle=", html), name
        assert not re.search(r"\son[a-z]+=", html), name


def test_enrolment_qr_code_has_no_inline_style(client, personas):
    client.force_login(personas.outsider)
    personas.outsider.authenticator_set.all().delete()
    session = client.session
    import time

    session["haven_login_at"] = session["haven_seen_at"] = time.time()
    session.save()
    html = client.get(reverse("accounts:enroll")).content.decode()
    assert "<svg" in html
    assert not re.search(r"\sstyle=", html)


def test_no_external_assets():
    """Fonts, scripts and images all come from Haven itself."""
    haven = ROOT / "haven"
    for path in [*haven.rglob("templates/**/*.html"), *haven.rglob("static/**/*.*")]:
        text = path.read_text(encoding="utf-8", errors="ignore")
        for url in re.findall(r"(?:src|href)=[\"']?(https?://[^\"' >]+)", text):
            raise AssertionError(f"{path} loads {url}")
        assert "@import url(http" not in text, path


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "HAVEN_HTTPS": "1",
        "HAVEN_VAR_DIR": str(tmp_path),
        "HAVEN_ALLOWED_HOSTS": "haven.example.org",
        "DJANGO_SETTINGS_MODULE": "haven.settings",
    }
    env.pop("HAVEN_DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "DEBUG"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    key = tmp_path / "secret_key"
    assert key.stat().st_mode & 0o777 == 0o600


def test_the_security_middleware_runs_though_its_check_is_silenced():
    """security.W001 is silenced because Haven runs a subclass of Django's
    SecurityMiddleware; the subclass must be there, or HSTS, nosniff and the HTTPS
    redirect would be gone without a word."""
    from django.conf import settings
    from django.middleware.security import SecurityMiddleware
    from django.utils.module_loading import import_string

    assert "security.W001" in settings.SILENCED_SYSTEM_CHECKS
    running = [import_string(path) for path in settings.MIDDLEWARE]
    assert any(issubclass(m, SecurityMiddleware) for m in running if isinstance(m, type))


def test_production_cookies_are_host_prefixed_and_secure(tmp_path):
    env = {**os.environ, "HAVEN_HTTPS": "1", "HAVEN_VAR_DIR": str(tmp_path)}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='haven.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    assert out[0].startswith("__Host-") and out[1].startswith("__Host-")
    assert out[2:4] == ["True", "True"]
    assert int(out[4]) >= 31536000


def test_bad_configuration_fails_loudly(tmp_path):
    env = {**os.environ, "HAVEN_HTTPS": "maybe", "HAVEN_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"],
        capture_output=True,
        text=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "haven.settings"},
    )
    assert result.returncode != 0
    assert "HAVEN_HTTPS must be one of" in result.stderr


def test_forged_csrf_token_is_refused_clearly_and_audited(db, personas):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"),
        {"email": personas.member.email, "password": PASSWORD, "csrfmiddlewaretoken": "forged"},
    )
    assert response.status_code == 403
    assert "Form expired" in response.content.decode()
    assert last_entry().action == "csrf.failed"


def test_bad_host_header_is_a_400_with_audit(client, db):
    response = client.get(reverse("accounts:login"), HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "could not understand this request" in response.content.decode()
    assert last_entry().action == "request.malformed"


def test_oversized_form_is_a_400_not_a_500(client, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(
        reverse("accounts:login"), {"email": "a@example.org", "password": "x" * 5000}
    )
    assert response.status_code == 400
    assert last_entry().action == "request.malformed"


def test_wrong_method_is_405(client, db):
    assert client.put(reverse("accounts:login")).status_code == 405


def test_no_pending_migrations(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_server_error_page_renders_without_context(rf):
    from django.utils import translation

    from haven.web.views import server_error

    with translation.override("en"):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
