"""Typed readers for ``HAVEN_*`` environment variables.

Each reader fails loudly on a value it cannot parse, so a typo in a deployment
stops the process at start-up rather than silently falling back to a default.
Secrets may be given in a file instead: ``HAVEN_X_FILE=/run/secrets/x``.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


class ConfigError(RuntimeError):
    """A ``HAVEN_*`` variable holds a value Haven cannot use."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}; got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_rate(name: str, default: str) -> str:
    """A rate limit, "<n>/minute", "<n>/hour", "<n>/day", or "off"."""
    raw = os.environ.get(name, default).strip()
    count, _slash, unit = raw.partition("/")
    if raw.lower() != "off" and not (count.isdigit() and unit in ("minute", "hour", "day")):
        raise ConfigError(
            f"{name} must be '<n>/minute', '<n>/hour', '<n>/day' or 'off'; got {raw!r}"
        )
    return raw


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default


def env_secret(name: str) -> str | None:
    """Read a secret from ``NAME`` or from the file named by ``NAME_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE: cannot read {file_name}: {exc.strerror}") from None
    return os.environ.get(name)


def _prepared(query: dict) -> dict:
    """psycopg's options for statements PostgreSQL parses and plans once per connection.

    Every page sends the same dozen small statements (the session, the user, their teams,
    the header's counts, the audit entry); planning them cost more than running them
    (0.5 ms against 0.04 for the header's counts), about 4 ms of each page. With the
    parameters sent apart from the statement (server-side binding), psycopg prepares a
    statement sent five times on one connection, and PostgreSQL then reuses one plan for
    it when it estimates that plan to cost no more than planning each time. The search's
    index lookups, whose best plan depends on how many rows a name has, are written out
    in full (``haven.lib.id_lists.array``) and so planned each time.

    ``?prepare=off`` in the URL turns it off, for a pooler that gives each transaction
    another server connection: PgBouncer before 1.21, or without
    ``max_prepared_statements``, answers "prepared statement ... does not exist".
    A statement sent with its parameters apart takes 65,535 of them at most: a list of
    ids goes as a subquery or an array literal, or 500 at a time.
    """
    value = query.get("prepare", ["on"])[0].lower()
    if value not in ("on", "off"):
        raise ConfigError(f"HAVEN_DATABASE_URL: prepare must be on or off; got {value!r}")
    if value == "off":
        return {}
    return {"server_side_binding": True, "prepare_threshold": 5}


def database_from_url(url: str) -> dict[str, object]:
    """Turn ``sqlite:///path`` or ``postgresql://user:pw@host:port/name`` into Django settings.

    A PostgreSQL socket directory is given as ``?host=/path``.
    """
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if not path or path == "/":
            raise ConfigError("HAVEN_DATABASE_URL: a SQLite URL needs a file path")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                # WAL lets readers proceed while one writer works; IMMEDIATE takes the
                # write lock at BEGIN so two writers queue instead of deadlocking.
                "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Kept open between requests, as PostgreSQL's are: a new connection costs
            # about 2 ms of CPU (opening the file, the pragmas, reading the schema) and
            # starts with an empty page cache, so each page read again the top of the
            # indexes it searches.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        query = parse_qs(parsed.query)
        name = unquote(parsed.path.lstrip("/"))
        if not name:
            raise ConfigError("HAVEN_DATABASE_URL: a PostgreSQL URL needs a database name")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": query.get("host", [parsed.hostname or ""])[0],
            "PORT": str(parsed.port or query.get("port", [""])[0]),
            # No JIT compilation: Haven's statements take milliseconds, and the planner
            # over-estimates the rows of a search's index lookup (hundreds of tokens, each
            # thought to match hundreds of rows), which then spent 5 ms compiling a
            # statement that runs in 10.
            "OPTIONS": {"options": "-c jit=off", **_prepared(query)},
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ConfigError(
        f"HAVEN_DATABASE_URL must start with sqlite:/// or postgresql://; got {parsed.scheme!r}"
    )
