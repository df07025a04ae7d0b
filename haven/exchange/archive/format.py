"""What every team archive says about itself, and how a refused one is reported."""

from __future__ import annotations

from haven.exchange.errors import ExchangeError

FORMAT = "haven-archive"
VERSION = 1


class ArchiveError(ExchangeError):
    """A team archive that cannot be written or imported."""
