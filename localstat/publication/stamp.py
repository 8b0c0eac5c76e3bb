"""The releases' stamp as this process last read it, kept for a moment so a cached page costs no query.

Publishing a release forgets it at once in the publishing process (and again when the transaction
commits); other processes read the new stamp within ``SECONDS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: How long a process trusts the stamp it read: a new release reaches every page within this time.
SECONDS = 2.0

_kept: tuple[float, str] | None = None


def current(read: Callable[[], str]) -> str:
    global _kept
    now = time.monotonic()
    if _kept is None or now - _kept[0] > SECONDS:
        _kept = (now, read())
    return _kept[1]


def forget() -> None:
    global _kept
    _kept = None
