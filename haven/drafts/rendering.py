"""Checking a DOCX template at upload and filling it, both in a sandbox.

A template is hostile input until checked: it may not be a DOCX at all, may be a
zip bomb, may not parse, may name a placeholder that does not exist, or may try to
reach Python's internals (``{{ ''.__class__.__mro__ }}``). ``check_template`` refuses
each with a message that says what is wrong; ``render`` fills a checked template.

docxtpl turns the document's XML into a Jinja template; we hand it Jinja's
immutable sandbox (no attribute starting with ``_``, no method that changes a list or
a dict, no unsafe callables), with ``StrictUndefined`` (a misspelt placeholder is an
error, not an empty gap) and autoescaping (a value with ``<`` or ``&`` stays text
and cannot break the XML). The context it renders is plain data only
(``placeholders.py``), so even a template that got past the checks reaches nothing
but the case it was filled from.
"""

from __future__ import annotations

import io
import operator
import re
import zipfile

from django.utils.translation import gettext as _
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from haven.drafts.placeholders import VARIABLES, sample_context

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# What the zip may unpack to, in all and per member, and how much a member may
# shrink: a DOCX of text compresses about 5–10 times, a zip bomb a thousand times.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 1000
MAX_RATIO = 200
# A string or a list made by "*" in a template, at most.
MAX_PRODUCT = 100_000

DOCX_PARTS = ("word/document.xml", "[Content_Types].xml")


class TemplateRefused(Exception):
    """A template file that cannot be used; the message says why, for the uploader."""


class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, also refusing ``**`` and a ``*`` that would build a huge string."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator_name, left, right):
        if operator_name == "**":
            raise SecurityError("the power operator is not allowed in templates")
        if isinstance(left, str | list | tuple) or isinstance(right, str | list | tuple):
            count = right if isinstance(left, str | list | tuple) else left
            sequence = left if isinstance(left, str | list | tuple) else right
            if isinstance(count, int) and len(sequence) * count > MAX_PRODUCT:
                raise SecurityError("the result would be too long")
        return operator.mul(left, right)


def environment() -> _Sandbox:
    return _Sandbox(undefined=StrictUndefined, autoescape=True)


def _check_zip(data: bytes) -> None:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise TemplateRefused(
            _("This is not a DOCX file (a DOCX is a zip archive); nothing was saved.")
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if len(members) > MAX_MEMBERS:
                raise TemplateRefused(
                    _(
                        "The archive holds %(count)d files, more than a DOCX ever does; "
                        "nothing was saved."
                    )
                    % {"count": len(members)}
                )
            total = 0
            for member in members:
                total += member.file_size
                ratio = member.file_size / max(member.compress_size, 1)
                if total > MAX_UNPACKED_BYTES or ratio > MAX_RATIO:
                    raise TemplateRefused(
                        _(
                            "The archive unpacks to far more than it holds (%(name)s): it looks "
                            "like a zip bomb, not a DOCX; nothing was saved."
                        )
                        % {"name": member.filename[:80]}
                    )
            missing = [part for part in DOCX_PARTS if part not in names]
            if missing:
                raise TemplateRefused(
                    _("This zip archive is not a DOCX: it has no %(part)s; nothing was saved.")
                    % {"part": missing[0]}
                )
            # Reading every member checks its CRC: a cut or altered archive fails here.
            bad = archive.testzip()
            if bad:
                raise TemplateRefused(
                    _("The DOCX is damaged (%(name)s does not unpack); nothing was saved.")
                    % {"name": bad[:80]}
                )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise TemplateRefused(
            _("The DOCX is damaged and cannot be opened; nothing was saved.")
        ) from None


def _open(data: bytes):
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(data))
    try:
        template.init_docx()
    except Exception:  # noqa: BLE001 - python-docx raises many kinds on a broken file
        raise TemplateRefused(
            _("The DOCX is damaged: Word's document part cannot be read; nothing was saved.")
        ) from None
    return template


def _near(exc: TemplateSyntaxError) -> str:
    """The document's text around a syntax error (the XML's tags taken out)."""
    source = exc.source or ""
    lines = source.splitlines()
    if not exc.lineno or not lines:
        return ""
    chosen = lines[max(exc.lineno - 2, 0) : exc.lineno + 1]
    text = " ".join(re.sub(r"<[^>]+>", "", line) for line in chosen)
    return " ".join(text.split())[:120]


def check_template(data: bytes) -> list[str]:
    """The placeholders the template uses, or ``TemplateRefused`` saying what is wrong:
    not a DOCX, a zip bomb, a damaged file, a syntax error, an unknown placeholder, a
    forbidden construct, or anything else that stops it filling the sample case."""
    _check_zip(data)
    template = _open(data)
    env = environment()
    try:
        used = template.get_undeclared_template_variables(env)
    except TemplateSyntaxError as exc:
        near = _near(exc)
        raise TemplateRefused(
            _("The template has a syntax error: %(error)s%(near)s. Nothing was saved.")
            % {"error": exc.message, "near": _(" near “%(text)s”") % {"text": near} if near else ""}
        ) from None
    unknown = sorted(used - VARIABLES)
    if unknown:
        raise TemplateRefused(
            _(
                "The template uses a placeholder Haven does not know: %(names)s. The "
                "placeholders are listed on this page. Nothing was saved."
            )
            % {"names": ", ".join(unknown)}
        )
    try:
        render(data, sample_context())
    except SecurityError as exc:
        raise TemplateRefused(
            _("The template tries something templates may not do (%(error)s). Nothing was saved.")
            % {"error": str(exc)[:200]}
        ) from None
    except TemplateError as exc:
        raise TemplateRefused(
            _("The template cannot be filled: %(error)s. Nothing was saved.")
            % {"error": str(exc)[:200]}
        ) from None
    except TemplateRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - anything a hostile file makes docxtpl raise
        raise TemplateRefused(
            _("The template cannot be filled (%(error)s). Nothing was saved.")
            % {"error": type(exc).__name__}
        ) from None
    return sorted(used)


def render(data: bytes, context: dict) -> bytes:
    """The DOCX ``data`` filled with ``context`` (plain data), in the sandbox."""
    template = _open(data)
    template.render(context, jinja_env=environment(), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
