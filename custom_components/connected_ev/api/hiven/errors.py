"""Hiven-specific errors; every one is a subclass of a shared error class."""

from __future__ import annotations

from ..errors import ConflictError


class DeviceOwnedByAnotherUserError(ConflictError):
    """The vehicle is already connected to another Hiven user (connect answered 409)."""
