"""Configuration read from the environment: secrets may come from files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from haven.lib.env import ConfigError, env_secret

ROOT = Path(__file__).resolve().parents[3]


def test_a_secret_comes_from_its_file(tmp_path, monkeypatch):
    secret = tmp_path / "url"
    secret.write_text("postgresql://haven:s3cret@db:5432/haven\n", encoding="utf-8")
    monkeypatch.delenv("HAVEN_DATABASE_URL", raising=False)
    monkeypatch.setenv("HAVEN_DATABASE_URL_FILE", str(secret))
    assert env_secret("HAVEN_DATABASE_URL") == "postgresql://haven:s3cret@db:5432/haven"


def test_an_unreadable_secret_file_stops_with_its_name(tmp_path, monkeypatch):
    monkeypatch.setenv("HAVEN_DATABASE_URL_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="HAVEN_DATABASE_URL_FILE"):
        env_secret("HAVEN_DATABASE_URL")


def test_settings_read_the_database_url_from_a_file(tmp_path):
    """The database URL carries a password, so settings accept it as a file."""
    secret = tmp_path / "url"
    secret.write_text("postgresql://haven:s3cret@db.internal:6543/cases", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "HAVEN_DATABASE_URL"}
    env.update(HAVEN_DATABASE_URL_FILE=str(secret), HAVEN_VAR_DIR=str(tmp_path / "var"))
    code = (
        "import json, django; from django.conf import settings; "
        "db = settings.DATABASES['default']; "
        "print(json.dumps([db['ENGINE'], db['HOST'], db['PORT'], db['NAME'], db['PASSWORD']]))"
    )
    env["DJANGO_SETTINGS_MODULE"] = "haven.settings"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    engine, host, port, name, password = json.loads(out.stdout)
    assert engine.endswith("postgresql")
    assert (host, str(port), name, password) == ("db.internal", "6543", "cases", "s3cret")
