"""Webhook authentication: an HMAC signature, a token, or HTTP Basic (``models.connectors.Auth``).

Every endpoint authenticates; there is no "none". Secrets are compared in constant time and
never appear in an error message. Standard library only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime

from calendars.errors import SlawatchError
from models.connectors import Auth

_DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


class AuthError(SlawatchError):
    """The request does not prove it comes from the configured ITSM (401); ``str()`` says
    what is wrong without revealing anything about the secret."""


def signature(auth: Auth, secret: str, body: bytes, timestamp: str = "") -> str:
    """The value the ITSM puts in ``auth.header`` for ``body`` (prefix included): what a
    sender computes (the demo, the bench and the test clients sign with it)."""
    if auth.signed == "timestamp+body":
        message = timestamp.encode() + body
    elif auth.signed == "body+timestamp":
        message = body + timestamp.encode()
    else:
        message = body
    mac = hmac.new(secret.encode(), message, _DIGESTS[auth.algorithm]).digest()
    text = mac.hex() if auth.encoding == "hex" else base64.b64encode(mac).decode()
    return auth.prefix + text


def verify(
    auth: Auth,
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    query: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> None:
    """Raise :class:`AuthError` unless the request authenticates. ``headers`` with lower-case
    names; ``now`` (aware) is needed only for ``max_age``."""
    if auth.scheme == "hmac":
        _verify_hmac(auth, secret, body, headers, now)
    elif auth.scheme == "token":
        _verify_token(auth, secret, headers, query or {})
    else:
        _verify_basic(secret, headers)


def _verify_hmac(
    auth: Auth, secret: str, body: bytes, headers: Mapping[str, str], now: datetime | None
) -> None:
    name = auth.header or ""  # Auth requires it for hmac
    given = headers.get(name.lower())
    if not given:
        raise AuthError(f"missing {name} header: the webhook must be signed")
    timestamp = ""
    if auth.timestamp_header:
        timestamp = headers.get(auth.timestamp_header.lower(), "")
        if not timestamp:
            raise AuthError(f"missing {auth.timestamp_header} header (signed with the signature)")
        if auth.max_age is not None and now is not None:
            _check_age(timestamp, auth.max_age, now, auth.timestamp_header)
    expected = signature(auth, secret, body, timestamp)
    given = given.strip()
    if auth.encoding == "hex":  # hex digits compare case-insensitively
        given, expected = given.lower(), expected.lower()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise AuthError(f"{name} does not match: wrong secret, or the body was changed on the way")


def _check_age(timestamp: str, max_age: int, now: datetime, header: str) -> None:
    try:
        signed = (
            datetime.fromtimestamp(int(timestamp), now.tzinfo)
            if timestamp.strip().isdigit()
            else datetime.fromisoformat(timestamp.strip())
        )
    except (ValueError, OverflowError):
        raise AuthError(f"{header} is not a timestamp") from None
    if signed.tzinfo is None:
        raise AuthError(f"{header} has no UTC offset")
    if (now - signed).total_seconds() > max_age:
        raise AuthError(f"{header} is more than {max_age} s old: a replayed webhook is refused")


def _verify_token(
    auth: Auth, secret: str, headers: Mapping[str, str], query: Mapping[str, str]
) -> None:
    given = headers.get(auth.token_header.lower())
    if given is not None:
        if auth.prefix and not given.startswith(auth.prefix):
            raise AuthError(f"{auth.token_header} must start with {auth.prefix!r}")
        given = given[len(auth.prefix) :]
    elif auth.query:
        given = query.get(auth.query)
    if not given:
        where = auth.token_header + (f" header or ?{auth.query}=" if auth.query else " header")
        raise AuthError(f"missing token: send it in the {where}")
    if not hmac.compare_digest(given.strip().encode(), secret.encode()):
        raise AuthError("wrong token")


def _verify_basic(secret: str, headers: Mapping[str, str]) -> None:
    given = headers.get("authorization", "")
    scheme, _, encoded = given.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise AuthError("missing HTTP Basic authentication (Authorization: Basic …)")
    try:
        pair = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise AuthError("Authorization: Basic value is not base64") from None
    if not hmac.compare_digest(pair, secret.encode()):
        raise AuthError("wrong user or password")


__all__ = ["AuthError", "signature", "verify"]
