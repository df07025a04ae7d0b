"""Configuration read from the environment: secrets may come from files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from haven.lib.env import ConfigError, database_from_url, env_secret

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


def test_postgresql_connections_do_not_compile_statements():
    """A search's index lookup is planned as if each token matched hundreds of rows: with
    PostgreSQL's JIT on, compiling it took 5 ms of a 17 ms statement."""
    settings = database_from_url("postgresql://haven@/haven?host=/run/postgresql&port=5433")
    assert "-c jit=off" in settings["OPTIONS"]["options"]
    assert settings["HOST"] == "/run/postgresql"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="JIT is PostgreSQL's")
def test_the_database_in_use_does_not_compile_statements():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_postgresql_statements_are_prepared_unless_the_url_says_not():
    """Planning a page's small statements cost more than running them: psycopg prepares
    those sent again and again, with their parameters sent apart (server-side binding).
    A pooler in transaction mode loses prepared statements: ``?prepare=off``."""
    on = database_from_url("postgresql://haven@/haven?host=/run/postgresql")["OPTIONS"]
    assert on["server_side_binding"] is True and on["prepare_threshold"] == 5
    off = database_from_url("postgresql://haven@/haven?host=/run/postgresql&prepare=off")
    assert "server_side_binding" not in off["OPTIONS"]
    assert "prepare_threshold" not in off["OPTIONS"]
    assert off["OPTIONS"]["options"] == "-c jit=off"
    with pytest.raises(ConfigError, match="prepare must be on or off"):
        database_from_url("postgresql://haven@/haven?prepare=sometimes")
