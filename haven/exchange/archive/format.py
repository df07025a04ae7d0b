"""What every team archive says about itself, and how a refused one is reported."""

from __future__ import annotations

from haven.exchange.errors import ExchangeError

FORMAT = "haven-archive"
# Version 2 carries a sealed person's seal (``kinds.SEALED``); version 1 did not, and
# its people arrive unsealed, as they left. A Haven that reads only version 1 refuses
# version 2 whole, so a sealed person never arrives unsealed there.
VERSION = 2
READS = (1, 2)


class ArchiveError(ExchangeError):
    """A team archive that cannot be written or imported."""
