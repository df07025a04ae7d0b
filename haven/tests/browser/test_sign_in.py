"""The sign-in workflows in a real browser: enrolment, TOTP, a reused code, languages."""

import base64

from django_otp.oath import TOTP

from conftest import PASSWORD, add_totp, totp_code
from haven.accounts.actions import create_user
from haven.accounts.models import Authenticator, Role
from haven.accounts.tests.factories import UserFactory

NEW_PASSWORD = "a long passphrase of my own 2026"


def fill_password_step(page, email, password):
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()


def test_first_login_enrols_a_second_factor(page, shoot, transactional_db):
    user, one_time = create_user(email="lena@example.org", role=Role.CASEWORKER)
    fill_password_step(page, user.email, one_time)
    page.wait_for_url("**/accounts/enroll/")
    assert page.locator(".qr-image svg").is_visible()
    shoot(page, "1-enrol")
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    code = f"{TOTP(base64.b32decode(secret)).token():06d}"
    page.get_by_label("Six-digit code from your authenticator app").fill(code)
    page.get_by_role("button", name="Confirm").click()
    codes = page.get_by_test_id("recovery-codes").locator("li")
    assert codes.count() == 10
    shoot(page, "2-recovery-codes")
    page.get_by_role("link", name="I have saved them").click()
    page.wait_for_url("**/accounts/password/")
    page.get_by_label("Current password").fill(one_time)
    page.get_by_label("New password:", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password, again").fill(NEW_PASSWORD)
    shoot(page, "3-own-password")
    page.get_by_role("button", name="Change password").click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    shoot(page, "4-dashboard")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.must_change_password


def test_later_login_with_a_totp_code(page, shoot, transactional_db):
    user = UserFactory(email="marat@example.org")
    device = add_totp(user)
    fill_password_step(page, user.email, PASSWORD)
    page.wait_for_url("**/accounts/verify/")
    page.get_by_label("Six-digit code from your authenticator app").fill(totp_code(device))
    shoot(page, "1-code")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    shoot(page, "2-dashboard")


def test_a_reused_code_is_refused(page, shoot, transactional_db):
    user = UserFactory(email="zelim@example.org")
    device = add_totp(user)
    code = totp_code(device)
    fill_password_step(page, user.email, PASSWORD)
    page.get_by_label("Six-digit code from your authenticator app").fill(code)
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")
    fill_password_step(page, user.email, PASSWORD)
    page.get_by_label("Six-digit code from your authenticator app").fill(code)
    page.get_by_role("button", name="Verify").click()
    error = page.locator(".errorlist.nonfield")
    assert "wrong, expired or was already used" in error.inner_text()
    shoot(page, "refused")
    assert "/accounts/verify/" in page.url
    device.refresh_from_db()
    assert Authenticator.objects.get(pk=device.pk).last_t >= 0


def test_language_switch_in_both_directions(page, shoot, transactional_db):
    user = UserFactory(email="olga@example.org")
    device = add_totp(user)
    page.goto("/accounts/login/")
    shoot(page, "1-en")
    with page.expect_navigation():
        page.get_by_label("Language").select_option("ru")
    assert page.get_by_role("heading", name="Войти в Haven").is_visible()
    assert page.locator("html").get_attribute("lang") == "ru"
    shoot(page, "2-ru")
    page.get_by_label("Эл. почта").fill(user.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Продолжить").click()
    page.get_by_label("Шестизначный код из приложения-аутентификатора").fill(totp_code(device))
    page.get_by_role("button", name="Проверить").click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", name="Панель").is_visible()
    shoot(page, "3-ru-dashboard")
    with page.expect_navigation():
        page.get_by_label("Язык").select_option("en")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    user.refresh_from_db()
    assert user.language == "en"
    shoot(page, "4-en-dashboard")
