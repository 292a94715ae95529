"""The monotonic clock the provider clients read: looked up at every call, never bound.

Token caches and attempt windows measure time with it. A test that freezes time (freezegun
replaces ``time.monotonic``) then freezes them too; a default bound at import
(``clock=time.monotonic``) would keep the real clock, so a token would expire — or not — by
wall time while everything else runs on the frozen clock: needless renewals, or 401s.
"""

from __future__ import annotations

import time


def monotonic() -> float:
    """Return ``time.monotonic()`` as it is when called."""
    return time.monotonic()
