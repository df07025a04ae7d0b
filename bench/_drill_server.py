"""The crash drill's server and browser: a throwaway ``haven serve`` instance that can be
killed with every process it started, and a cookie-keeping client of its forms."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
HAVEN = [sys.executable, "-m", "haven.cli"]


# --- the instance and its processes ---------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (gunicorn's workers, the job workers in their own
    sessions), read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Instance:
    """One Haven instance in a folder, on SQLite or on HAVEN_DATABASE_URL."""

    def __init__(self, folder: Path, database_url: str | None = None):
        self.folder = folder
        self.var = folder / "var"
        self.logs = folder / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.env = {
            **os.environ,
            "HAVEN_VAR_DIR": str(self.var),
            "HAVEN_DATABASE_URL": database_url or f"sqlite:///{self.var / 'haven.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "haven.settings",
            "HAVEN_LOG_LEVEL": "WARNING",
            "HAVEN_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("HAVEN_KEY_FILE", None)
        self.server: subprocess.Popen | None = None
        self.rotation: subprocess.Popen | None = None
        self.starts = 0

    @property
    def evidence(self) -> Path:
        return self.var / "evidence"

    def haven(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*HAVEN, *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def python(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return self.run([sys.executable, *args], timeout=timeout)

    def run(self, command: list[str], timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own commands
            command,
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def _log(self, name: str):
        self.starts += 1
        return (self.logs / f"{self.starts:03d}-{name}.log").open("w")

    def start_server(self) -> None:
        self.server = subprocess.Popen(
            [*HAVEN, "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "2"],
            env=self.env,
            cwd=ROOT,
            stdout=self._log("serve"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"the server exited with {self.server.returncode}")
            try:
                status, _headers, _body = Browser(self.port).request("GET", "/accounts/login/")
                if status == 200:
                    return
            except ServerGone:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer within {seconds} s")

    def start_rotation(self) -> None:
        self.rotation = subprocess.Popen(
            [*HAVEN, "keys", "rotate", "--reencrypt"],
            env=self.env,
            cwd=ROOT,
            stdout=self._log("rotate"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def rotation_state(self) -> str:
        if self.rotation is None:
            return "none"
        code = self.rotation.poll()
        if code is None:
            return "running"
        return "done" if code == 0 else f"exited {code}"

    def kill(self) -> list[int]:
        """SIGKILL the server, every process below it and the re-encryption, at once."""
        victims = []
        if self.server is not None and self.server.poll() is None:
            victims = [self.server.pid, *descendants(self.server.pid)]
        if self.rotation is not None and self.rotation.poll() is None:
            victims.append(self.rotation.pid)
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for process in (self.server, self.rotation):
            if process is not None and process.pid in victims:
                process.wait()
        # The job worker is a child of the master, reaped by nobody now: wait until gone.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(pid) for pid in victims):
            time.sleep(0.05)
        return victims

    def stop(self) -> None:
        """The end of the drill: a clean stop (SIGTERM), then SIGKILL whatever stays."""
        for process in (self.rotation, self.server):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=60)
        self.kill()

    def output(self, last: int = 3) -> str:
        logs = sorted(self.logs.glob("*.log"))[-last:]
        return "\n".join(f"--- {path.name}\n{path.read_text()[-4000:]}" for path in logs)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# --- a browser: cookies, forms, redirects seen -----------------------------------------


def totp(key_hex: str, at: float, step: int = 30, digits: int = 6) -> str:
    """RFC 6238: the code an authenticator app shows at ``at``."""
    counter = struct.pack(">Q", int(at // step))
    digest = hmac.new(bytes.fromhex(key_hex), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10**digits:0{digits}d}"


class ServerGone(Exception):
    """The connection failed: the server was killed (or is not back yet)."""


class Browser:
    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method, path, body: bytes | None = None, content_type: str = ""):
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            raise ServerGone(str(exc)) from exc
        finally:
            connection.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie = rest.split(";", 1)[0]
                if "max-age=0" in value.lower() or cookie == '""':
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = cookie
        return response.status, dict(response.getheaders()), text

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields: list[tuple[str, str]], files=None):
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in fields:
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    f"{value}\r\n".encode()
                )
            for name, (filename, data) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n".encode()
                    + data
                    + b"\r\n"
                )
            parts.append(f"--{boundary}--\r\n".encode())
            return self.request(
                "POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}"
            )
        return self.request(
            "POST", path, urlencode(fields).encode(), "application/x-www-form-urlencoded"
        )


def hidden_fields(html: str, action: str | None = None) -> list[tuple[str, str]]:
    """The hidden inputs (CSRF token, double-submit token) of the form posting to
    ``action``, or of the first form with a CSRF token."""
    for form in re.findall(r"<form\b([^>]*)>(.*?)</form>", html, re.S):
        attributes, inner = form
        # The one form page posts to itself: its form has no action, and a token.
        posts_there = f'action="{action}"' in attributes
        posts_here = "action=" not in attributes and 'name="once"' in inner
        if action is not None and not posts_there and not posts_here:
            continue
        found = []
        for tag in re.findall(r"<input\b[^>]*>", inner):
            if 'type="hidden"' not in tag:
                continue
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                found.append((unescape(name.group(1)), unescape(value.group(1) if value else "")))
        if any(name == "csrfmiddlewaretoken" for name, _ in found):
            return found
    raise AssertionError(f"no form posting to {action!r} on the page")
