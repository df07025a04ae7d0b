"""The refusal every exchange format raises: one exception listing every problem."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Problems listed in one message: enough to see the pattern, not a wall of text.
SHOWN_PROBLEMS = 20


class ExchangeError(Exception):
    """A file that cannot be written or imported; ``problems`` says each reason, and
    nothing was saved."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        shown = self.problems[:SHOWN_PROBLEMS]
        more = len(self.problems) - len(shown)
        if more:
            shown.append(_("… and %(count)s more problems.") % {"count": more})
        super().__init__("\n".join(shown))


def validation_messages(exc: ValidationError) -> list[str]:
    """A model's ValidationError as lines that name the field."""
    if hasattr(exc, "error_dict"):
        return [f"{name}: {' '.join(errors)}" for name, errors in exc.message_dict.items()]
    return exc.messages
