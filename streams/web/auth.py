"""Who may read which tenant on the ops board.

The tokens come from the settings (``SLAWATCH_WEB_ADMIN_TOKEN`` sees every tenant,
``SLAWATCH_WEB_TENANT_TOKENS`` gives each tenant its own). A request carries one as
``Authorization: Bearer TOKEN`` (API clients, Grafana, a TV screen's kiosk script) or in the
cookie the login form sets (a browser: ``EventSource`` cannot send headers, so the cookie is
what authenticates the live stream). The cookie holds the token itself, ``HttpOnly`` and
``SameSite=Strict``: the board keeps no sessions, so any number of board processes behind a
load balancer accept it, and revoking a token is removing it from the settings.

With no token configured the board is open to whoever reaches it, so it may only listen on
a loopback address (:func:`check_bind`).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from pydantic import SecretStr

from calendars.errors import SlawatchError

__all__ = [
    "COOKIE",
    "OPEN",
    "Access",
    "BindRefused",
    "TokenSettings",
    "Tokens",
    "check_bind",
    "is_loopback",
]

#: The cookie the login form sets (the token itself; see the module doc).
COOKIE = "slawatch_board"


class BindRefused(SlawatchError, ValueError):
    """The board would be reachable from other machines without any token."""


@dataclass(frozen=True, slots=True)
class Access:
    """What one request may read: ``tenants`` (``None``: every tenant), and who it is (for
    the page header and the logs; never the token)."""

    tenants: frozenset[str] | None
    who: str

    def allows(self, tenant: str) -> bool:
        return self.tenants is None or tenant in self.tenants

    def visible(self, tenants: Iterable[str]) -> list[str]:
        """The tenants of ``tenants`` this access may read, sorted."""
        return sorted(t for t in tenants if self.allows(t))

    @property
    def home(self) -> str:
        """Where the login form sends this reader: the overview, or its one tenant."""
        if self.tenants is not None and len(self.tenants) == 1:
            return f"/tenants/{next(iter(self.tenants))}"
        return "/"


#: Everyone, when no token is configured (the board then listens on loopback only).
OPEN = Access(None, "anyone on this machine (no tokens configured)")


class TokenSettings(Protocol):
    """The two settings :class:`Tokens` reads (:class:`models.settings.Settings` has them)."""

    @property
    def web_admin_token(self) -> SecretStr | None: ...

    @property
    def web_tenant_tokens(self) -> Mapping[str, SecretStr] | None: ...


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class Tokens:
    """The configured tokens; :meth:`resolve` turns a presented token into an :class:`Access`.

    Every comparison runs over all tokens with :func:`hmac.compare_digest` on SHA-256
    digests, so the time taken says nothing about how close a guess was (nor its length).
    """

    def __init__(
        self, admin: SecretStr | None = None, tenants: Mapping[str, SecretStr] | None = None
    ) -> None:
        self._known: list[tuple[bytes, Access]] = []
        if admin is not None:
            self._known.append((_digest(admin.get_secret_value()), Access(None, "admin")))
        for tenant, token in (tenants or {}).items():
            access = Access(frozenset({tenant}), f"tenant {tenant}")
            self._known.append((_digest(token.get_secret_value()), access))

    @classmethod
    def from_settings(cls, settings: TokenSettings) -> Tokens:
        return cls(settings.web_admin_token, settings.web_tenant_tokens)

    @property
    def configured(self) -> bool:
        return bool(self._known)

    def resolve(self, token: str | None) -> Access | None:
        """The access of ``token``; ``None`` for a missing or unknown token. With no token
        configured every request gets :data:`OPEN`."""
        if not self._known:
            return OPEN
        if not token:
            return None
        presented = _digest(token)
        found = None
        for digest, access in self._known:
            if hmac.compare_digest(digest, presented):
                found = access
        return found


def is_loopback(host: str) -> bool:
    """``127.0.0.1``, ``::1``, any ``127.x`` address, or ``localhost``."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(bind: str, tokens: Tokens) -> str | None:
    """Refuse (:class:`BindRefused`) to listen beyond loopback with no token configured;
    the warning to print when the board runs open on loopback, else ``None``."""
    if tokens.configured:
        return None
    if not is_loopback(bind):
        raise BindRefused(
            f"--bind {bind}: the board would show every tenant's tickets to anyone who can "
            "reach it; set SLAWATCH_WEB_ADMIN_TOKEN and/or SLAWATCH_WEB_TENANT_TOKENS, or "
            "bind to 127.0.0.1"
        )
    return (
        "warning: no board tokens configured (SLAWATCH_WEB_ADMIN_TOKEN, "
        "SLAWATCH_WEB_TENANT_TOKENS): every tenant is visible to anyone on this machine; "
        f"listening on {bind} only"
    )
