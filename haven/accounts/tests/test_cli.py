"""The haven command: init, user add | disable | reset-2fa | list, --help."""

import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.accounts.models import Role, User
from haven.audit.models import AuditEntry
from haven.cli import COMMANDS, main


def test_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name, text in COMMANDS.items():
        assert f"{name}  " in out or name in out
        assert text in out


def test_unknown_command_fails(capsys):
    assert main(["frobnicate"]) == 2
    assert "unknown command" in capsys.readouterr().err


def test_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-m", "haven.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "audit" in result.stdout


def test_init_creates_administrator_once(db, capsys):
    call_command("init", admin_email="boss@example.org", demo=False)
    out = capsys.readouterr().out
    admin = User.objects.get()
    assert admin.role == Role.ADMINISTRATOR and admin.must_change_password
    password = out.split("password: ")[1].split()[0]
    assert admin.check_password(password)
    call_command("init", admin_email="boss@example.org", demo=False)
    out = capsys.readouterr().out
    assert "nothing was overwritten" in out
    assert "password:" not in out
    admin.refresh_from_db()
    assert admin.check_password(password)


def test_user_commands(db, capsys):
    call_command("user", "add", "Lawyer@Example.org", "--role", "lawyer")
    assert "One-time password" in capsys.readouterr().out
    user = User.objects.get(email="lawyer@example.org")
    call_command("user", "list")
    assert "lawyer@example.org\tlawyer\tactive" in capsys.readouterr().out
    call_command("user", "reset-2fa", "lawyer@example.org")
    call_command("user", "disable", "lawyer@example.org")
    user.refresh_from_db()
    assert not user.is_active
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["user.created", "user.2fa_reset", "user.disabled"]


def test_user_command_errors_are_clear(db):
    with pytest.raises(CommandError, match="no account"):
        call_command("user", "disable", "ghost@example.org")
    call_command("user", "add", "dup@example.org")
    with pytest.raises(CommandError, match="already exists"):
        call_command("user", "add", "dup@example.org")
