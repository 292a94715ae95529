"""Organizations, users, device tokens and JWTs of the Auth API, on the sandbox clock.

JWTs are real HS256 tokens signed with a per-sandbox secret; the sandbox also keeps each
issued token's record so that the admin API can expire or revoke them. A token is valid for
API calls until it expires and can be exchanged (``tokenRefresh``) up to one hour after that,
as the Auth API documentation says.

Choices where the documentation is silent (clients key on status and ``message``):
- unknown e-mail: 404 ``user_not_found`` "Email is incorrect"; wrong password: 401
  ``incorrect_password`` "Incorrect password"; unknown namespace (or one of another region's
  organization): 404 ``namespace_not_found`` "Namespace could not be found";
- password logins are limited per account (default 10 per 60 simulated seconds), beyond
  which the answer is 429 ``too_many_requests`` with ``Retry-After`` in seconds;
- an unknown or deleted device token: 401 ``device_token_invalid``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
from collections import deque
from dataclasses import dataclass
from typing import Any

from sandbox.clock import SimClock, isoformat
from sandbox.connectedcars.fleet import FleetError

TOKEN_LIFETIME_S = 3600
REFRESH_GRACE_S = 3600.0
MIN_TOKEN_LIFETIME_S = 60
DEFAULT_LOGIN_LIMIT = 10
DEFAULT_LOGIN_WINDOW_S = 60.0
LEVEL = "AM1"


@dataclass(frozen=True, slots=True)
class Organization:
    """An organization (``organizationKey``), its region's path prefix and its products."""

    key: str
    prefix: str
    products: tuple[str, ...]

    def has_namespace(self, namespace: str) -> bool:
        """Return True for ``<key>:<product>`` with a product of this organization."""
        key, _, product = namespace.partition(":")
        return key == self.key and product in self.products


ORGANIZATIONS: dict[str, Organization] = {
    "semler": Organization(
        "semler", "", ("minvolkswagen", "minskoda", "minseat", "mitaudi", "workshop")
    ),
    "vwaustralia": Organization("vwaustralia", "/au1", ("app", "workshop")),
}
PREFIXES = tuple(org.prefix for org in ORGANIZATIONS.values() if org.prefix)


@dataclass(slots=True)
class User:
    """A brand-app account in one organization."""

    id: int
    organization: str
    email: str
    password: str
    firstname: str
    lastname: str
    mobile: str = "+4512345678"
    lang: str = "en"

    def info(self) -> dict[str, Any]:
        """Return the ``/user/info`` body."""
        return {
            "id": self.id,
            "email": self.email,
            "mobile": self.mobile,
            "facebookId": None,
            "googleId": None,
            "firstname": self.firstname,
            "lastname": self.lastname,
            "lang": self.lang,
        }


@dataclass(slots=True)
class Device:
    """A registered device and its long-lived device token."""

    external_id: str
    token: str
    user_id: int
    organization: str
    name: str
    model: str
    created_at: float
    last_used: float

    def as_json(self) -> dict[str, Any]:
        """Return the device as ``/user/devices`` lists it (never the token)."""
        return {
            "deviceExternalId": self.external_id,
            "deviceName": self.name,
            "deviceModel": self.model,
            "createdAt": isoformat(self.created_at),
            "lastUsed": isoformat(self.last_used),
        }


@dataclass(slots=True)
class IssuedToken:
    """The sandbox's record of one JWT."""

    jti: str
    user_id: int
    organization: str
    namespace: str
    expires_at: float
    revoked: bool = False


def auth_error(status: int, message: str, kind: str) -> FleetError:
    """Return an Auth API error ``{message, type}``."""
    return FleetError(status, message, kind)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Accounts:
    """Users, devices and tokens of every organization."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.users: dict[int, User] = {}
        self.devices: dict[str, Device] = {}
        self.tokens: dict[str, IssuedToken] = {}
        self.login_limit = DEFAULT_LOGIN_LIMIT
        self.login_window = DEFAULT_LOGIN_WINDOW_S
        self._logins: dict[tuple[str, str], deque[float]] = {}
        self._secret = secrets.token_bytes(32)
        self._next_user = 1001

    # --- users -------------------------------------------------------------------------

    def add_user(
        self, organization: str, email: str, password: str, firstname: str, lastname: str
    ) -> User:
        """Create an account (e-mails are unique per organization)."""
        if organization not in ORGANIZATIONS:
            raise auth_error(404, "Organization could not be found", "organization_not_found")
        if self.find(organization, email) is not None:
            raise auth_error(409, "Email already exists", "email_exists")
        user = User(self._next_user, organization, email, password, firstname, lastname)
        self._next_user += 1
        self.users[user.id] = user
        return user

    def find(self, organization: str, email: str) -> User | None:
        """Return the user with this e-mail (case-insensitive) in an organization."""
        wanted = email.strip().lower()
        for user in self.users.values():
            if user.organization == organization and user.email.lower() == wanted:
                return user
        return None

    @staticmethod
    def organization_for(namespace: str | None, prefix: str | None) -> Organization:
        """Return the organization of a namespace served at a region prefix (``None``: any)."""
        for org in ORGANIZATIONS.values():
            if namespace and org.has_namespace(namespace) and prefix in (None, org.prefix):
                return org
        raise auth_error(404, "Namespace could not be found", "namespace_not_found")

    # --- logins ------------------------------------------------------------------------

    def _throttle(self, organization: str, email: str) -> None:
        now = self.clock.now()
        attempts = self._logins.setdefault((organization, email.strip().lower()), deque())
        while attempts and attempts[0] <= now - self.login_window:
            attempts.popleft()
        if len(attempts) >= self.login_limit:
            wait = max(1, math.ceil(attempts[0] + self.login_window - now))
            raise RateLimited(wait)
        attempts.append(now)

    def login_password(
        self, org: Organization, namespace: str, email: str, password: str
    ) -> dict[str, Any]:
        """Log in with e-mail and password (throttled per account)."""
        self._throttle(org.key, email)
        user = self.find(org.key, email)
        if user is None:
            raise auth_error(404, "Email is incorrect", "user_not_found")
        if not hmac.compare_digest(user.password.encode(), password.encode()):
            raise auth_error(401, "Incorrect password", "incorrect_password")
        return self.issue(user, namespace, TOKEN_LIFETIME_S)

    def login_device(
        self, org: Organization, namespace: str, token: str, lifetime: int
    ) -> dict[str, Any]:
        """Log in with a device token."""
        device = self.devices.get(token)
        if device is None or device.organization != org.key:
            raise auth_error(401, "Device token is invalid", "device_token_invalid")
        device.last_used = self.clock.now()
        return self.issue(self.users[device.user_id], namespace, lifetime)

    def issue(self, user: User, namespace: str, lifetime: int) -> dict[str, Any]:
        """Sign a JWT for a user; returns the login response body."""
        now = self.clock.now()
        jti = secrets.token_hex(8)
        claims = {
            "sub": str(user.id),
            "org": user.organization,
            "ns": namespace,
            "jti": jti,
            "iat": int(now),
            "exp": int(now + lifetime),
        }
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(self._secret, f"{header}.{payload}".encode(), hashlib.sha256)
        self.tokens[jti] = IssuedToken(jti, user.id, user.organization, namespace, now + lifetime)
        return {
            "token": f"{header}.{payload}.{_b64(signature.digest())}",
            "level": LEVEL,
            "expires": lifetime,
        }

    def verify(self, token: str, org: Organization, *, grace: float = 0.0) -> User:
        """Return the user of a valid JWT of this organization (expired at most ``grace`` s)."""
        return self.users[self._valid(token, org, grace).user_id]

    def _valid(self, token: str, org: Organization, grace: float = 0.0) -> IssuedToken:
        """Return the record of a valid JWT of this organization, else 401."""
        record = self._record(token)
        if (
            record is None
            or record.revoked
            or record.organization != org.key
            or record.expires_at + grace <= self.clock.now()
            or record.user_id not in self.users
        ):
            raise auth_error(401, "Invalid or expired token", "jwt_verify_error")
        return record

    def verify_any(self, token: str) -> User:
        """Return the user of a valid JWT of any organization (the workshop page serves all)."""
        record = self._record(token)
        return self.verify(token, ORGANIZATIONS[record.organization if record else "semler"])

    def _record(self, token: str) -> IssuedToken | None:
        header, _, rest = token.partition(".")
        payload, _, signature = rest.partition(".")
        expected = hmac.new(self._secret, f"{header}.{payload}".encode(), hashlib.sha256)
        try:
            valid = hmac.compare_digest(_unb64(signature), expected.digest())
            claims = json.loads(_unb64(payload)) if valid else None
        except ValueError:
            return None
        if not isinstance(claims, dict):
            return None
        return self.tokens.get(str(claims.get("jti")))

    def refresh(self, token: str, org: Organization) -> dict[str, Any]:
        """Exchange a token expired at most an hour ago for a new one."""
        record = self._valid(token, org, REFRESH_GRACE_S)
        return self.issue(self.users[record.user_id], record.namespace, TOKEN_LIFETIME_S)

    def expire_jwt(self, token: str) -> None:
        """Let one token expire now (an injected fault: the clock of the server ran ahead)."""
        record = self._record(token)
        if record is not None:
            record.expires_at = min(record.expires_at, self.clock.now())

    def logout(self, token: str, org: Organization) -> None:
        """Log a valid token out: it stops working at once."""
        self._valid(token, org).revoked = True

    # --- devices -----------------------------------------------------------------------

    def register_device(self, user: User, name: str, model: str) -> Device:
        """Register a device for a user and return it with its new token."""
        now = self.clock.now()
        device = Device(
            external_id=secrets.token_hex(6),
            token=secrets.token_urlsafe(32),
            user_id=user.id,
            organization=user.organization,
            name=name,
            model=model,
            created_at=now,
            last_used=now,
        )
        self.devices[device.token] = device
        return device

    def devices_of(self, user: User) -> list[Device]:
        """Return the user's registered devices."""
        return [d for d in self.devices.values() if d.user_id == user.id]

    def delete_device(self, user: User, external_id: str) -> None:
        """Delete one of the user's devices (its token stops working)."""
        for token, device in list(self.devices.items()):
            if device.user_id == user.id and device.external_id == external_id:
                del self.devices[token]
                return
        raise auth_error(404, "Device could not be found", "device_not_found")

    # --- admin -------------------------------------------------------------------------

    def expire_tokens(self, user_id: int | None = None) -> int:
        """Let matching JWTs expire now (still refreshable for an hour); returns how many."""
        now = self.clock.now()
        hits = [t for t in self.tokens.values() if user_id in (None, t.user_id)]
        for record in hits:
            record.expires_at = min(record.expires_at, now)
        return len(hits)

    def revoke_tokens(self, user_id: int | None = None) -> int:
        """Make matching JWTs and device tokens invalid for good; returns how many JWTs."""
        hits = [t for t in self.tokens.values() if user_id in (None, t.user_id)]
        for record in hits:
            record.revoked = True
        for token, device in list(self.devices.items()):
            if user_id in (None, device.user_id):
                del self.devices[token]
        return len(hits)


class RateLimited(FleetError):
    """Too many requests: answer 429 with ``Retry-After``."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(429, "Too many requests", "too_many_requests")
        self.retry_after = retry_after
