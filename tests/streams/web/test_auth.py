"""Who may read which tenant: tokens, the loopback rule, the settings' checks."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from models.settings import Settings
from streams.web.auth import OPEN, BindRefused, Tokens, check_bind, is_loopback

ADMIN = "admin-token-0123456789"
ACME = "acme-token-0123456789ab"
GLOBEX = "globex-token-0123456789"


def tokens() -> Tokens:
    return Tokens(SecretStr(ADMIN), {"acme": SecretStr(ACME), "globex": SecretStr(GLOBEX)})


def test_a_tenant_token_reads_its_tenant_only() -> None:
    access = tokens().resolve(ACME)
    assert access is not None
    assert access.allows("acme")
    assert not access.allows("globex")
    assert access.visible(["umbrella", "globex", "acme"]) == ["acme"]
    assert access.home == "/tenants/acme"
    assert access.who == "tenant acme"


def test_the_admin_token_reads_every_tenant() -> None:
    access = tokens().resolve(ADMIN)
    assert access is not None and access.tenants is None
    assert access.visible(["b", "a"]) == ["a", "b"]
    assert access.home == "/"


@pytest.mark.parametrize("token", [None, "", "nope", ACME[:-1], ACME + "x", ACME.upper()])
def test_unknown_tokens_get_nothing(token: str | None) -> None:
    assert tokens().resolve(token) is None


def test_no_token_configured_means_open() -> None:
    open_ = Tokens()
    assert not open_.configured
    assert open_.resolve(None) is OPEN
    assert open_.resolve("anything") is OPEN


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"])
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "board.example", ""])
def test_other_addresses(host: str) -> None:
    assert not is_loopback(host)


def test_without_tokens_the_board_stays_on_loopback() -> None:
    warning = check_bind("127.0.0.1", Tokens())
    assert warning is not None and "no board tokens" in warning
    with pytest.raises(BindRefused, match="SLAWATCH_WEB_ADMIN_TOKEN"):
        check_bind("0.0.0.0", Tokens())


def test_with_tokens_any_address_is_allowed_silently() -> None:
    assert check_bind("0.0.0.0", tokens()) is None
    assert check_bind("127.0.0.1", tokens()) is None


def test_settings_read_the_tokens_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLAWATCH_WEB_ADMIN_TOKEN", ADMIN)
    monkeypatch.setenv("SLAWATCH_WEB_TENANT_TOKENS", f'{{"acme": "{ACME}"}}')
    s = Settings()
    resolved = Tokens.from_settings(s)
    assert resolved.resolve(ADMIN) is not None and resolved.resolve(ADMIN).tenants is None
    acme = resolved.resolve(ACME)
    assert acme is not None and acme.tenants == frozenset({"acme"})
    assert ACME not in repr(s) and ADMIN not in repr(s)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"web_admin_token": "short"}, "at least 16 characters"),
        ({"web_admin_token": "has a space in it ok"}, "no spaces"),
        ({"web_tenant_tokens": {"acme": ACME, "globex": ACME}}, "the same token as"),
        ({"web_admin_token": ACME, "web_tenant_tokens": {"acme": ACME}}, "the same token as"),
        ({"web_tenant_tokens": {" ": ACME}}, "tenant name is empty"),
    ],
)
def test_weak_or_shared_tokens_are_refused(kwargs: dict, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem) as err:
        Settings(**kwargs)
    message = err.value.errors()[0]["msg"]
    assert ACME not in message and problem in message  # the message never quotes a token
