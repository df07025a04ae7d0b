"""The worked example of docs/api.md runs as written against a live Haven."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

from haven.api.tests.conftest import token_for
from haven.cases.models import Request
from haven.sources.models import EvidenceFile

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def test_the_worked_example_files_a_request_and_attaches_a_file(
    live_server, transactional_db, personas, tmp_path
):
    script = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S).group(1)
    (tmp_path / "file_request.py").write_text(script)
    summons = tmp_path / "summons.pdf"
    summons.write_bytes(b"%PDF-1.4\n" + os.urandom(50_000))
    _token, secret = token_for(personas.member, scopes=["requests:write", "sources:write"])
    done = subprocess.run(  # noqa: S603 - the documented script, on a file of the test's
        [sys.executable, str(tmp_path / "file_request.py"), str(summons)],
        env={**os.environ, "HAVEN_URL": live_server.url, "HAVEN_TOKEN": secret},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "request filed:" in done.stdout and "file stored: summons.pdf" in done.stdout
    request = Request.objects.get()
    assert request.urgency == "immediate" and request.channel.code == "telegram"
    evidence = EvidenceFile.objects.get()
    assert evidence.sha256 == hashlib.sha256(summons.read_bytes()).hexdigest()
