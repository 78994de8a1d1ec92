"""Webhook authentication (streams.connectors.auth) against signatures made the way each
vendor documents them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.connectors import Auth
from streams.connectors.auth import AuthError, verify
from streams.connectors.catalog import load_mapping
from tests.streams.connectors import helpers as H

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def test_websub_signature_matches_the_published_test_vector():
    # GitHub's documented example of the same "sha256=<hex HMAC>" header Jira sends:
    # https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    auth = Auth(scheme="hmac", header="X-Hub-Signature", prefix="sha256=")
    good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    verify(auth, "It's a Secret to Everybody", b"Hello, World!", {"x-hub-signature": good})
    with pytest.raises(AuthError, match="does not match"):
        verify(auth, "It's a Secret to Everybody", b"Hello, World?", {"x-hub-signature": good})


@pytest.mark.parametrize(
    ("vendor", "sign"),
    [
        ("jira-sm", lambda s, b: H.sign_jira(s, b)),
        ("zendesk", lambda s, b: H.sign_zendesk(s, b, "2026-03-02T08:00:00Z")),
        ("zammad", lambda s, b: H.sign_zammad(s, b)),
        ("glpi", lambda s, b: H.sign_glpi(s, b, "1772438400")),
    ],
)
def test_each_vendor_signature(vendor: str, sign):
    auth = load_mapping(vendor).auth
    body = b'{"id": 1}'
    headers = _lower(sign("s3cret", body))
    verify(auth, "s3cret", body, headers, now=NOW)
    with pytest.raises(AuthError, match="does not match"):
        verify(auth, "other", body, headers, now=NOW)
    with pytest.raises(AuthError, match="does not match"):
        verify(auth, "s3cret", body + b" ", headers, now=NOW)
    name = auth.header or ""
    with pytest.raises(AuthError, match=f"missing {name} header"):
        verify(auth, "s3cret", body, {k: v for k, v in headers.items() if k != name.lower()})


def test_a_signed_timestamp_is_part_of_the_signature_and_may_be_too_old():
    auth = Auth(
        scheme="hmac",
        header="X-Sig",
        timestamp_header="X-Ts",
        signed="timestamp+body",
        encoding="base64",
        max_age=300,
    )
    body = b"{}"
    zd = H.sign_zendesk("k", body, "2026-03-02T08:00:00Z")
    headers = {"x-sig": zd["X-Zendesk-Webhook-Signature"], "x-ts": "2026-03-02T08:00:00Z"}
    verify(auth, "k", body, headers, now=NOW + timedelta(seconds=299))
    with pytest.raises(AuthError, match="more than 300 s old"):
        verify(auth, "k", body, headers, now=NOW + timedelta(seconds=301))
    with pytest.raises(AuthError, match="does not match"):  # another timestamp, same signature
        verify(auth, "k", body, {**headers, "x-ts": "2026-03-02T08:00:01Z"}, now=NOW)
    with pytest.raises(AuthError, match="missing X-Ts header"):
        verify(auth, "k", body, {"x-sig": headers["x-sig"]}, now=NOW)


def test_token_in_a_header_or_the_query():
    auth = Auth(scheme="token", prefix="Bearer ", query="token")
    verify(auth, "t0k", b"", {"authorization": "Bearer t0k"})
    verify(auth, "t0k", b"", {}, {"token": "t0k"})
    with pytest.raises(AuthError, match="wrong token"):
        verify(auth, "t0k", b"", {"authorization": "Bearer nope"})
    with pytest.raises(AuthError, match="must start with 'Bearer '"):
        verify(auth, "t0k", b"", {"authorization": "t0k"})
    with pytest.raises(AuthError, match=r"missing token: send it in the Authorization header"):
        verify(auth, "t0k", b"", {})


def test_basic_authentication():
    auth = load_mapping("freshservice").auth
    verify(auth, "slawatch:pw", b"", _lower(H.basic("slawatch:pw")))
    with pytest.raises(AuthError, match="wrong user or password"):
        verify(auth, "slawatch:pw", b"", _lower(H.basic("slawatch:nope")))
    with pytest.raises(AuthError, match="missing HTTP Basic"):
        verify(auth, "slawatch:pw", b"", {"authorization": "Bearer x"})
    with pytest.raises(AuthError, match="not base64"):
        verify(auth, "slawatch:pw", b"", {"authorization": "Basic !!!"})


def test_errors_never_contain_the_secret():
    auth = Auth(scheme="token")
    with pytest.raises(AuthError) as err:
        verify(auth, "very-secret-value", b"", {"authorization": "very-secret-valu"})
    assert "very-secret" not in str(err.value)
