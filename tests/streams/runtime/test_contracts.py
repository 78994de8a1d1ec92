"""LiveRegistry: the configured files with the sla.contracts topic's records layered on top."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.errors import UnknownTenantError
from models.yamlio import loads
from streams.runtime.contracts import LiveRegistry

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def registry() -> LiveRegistry:
    return LiveRegistry(None, REPO / "examples" / "tenants.yaml")


def test_topic_tenants_join_and_replace_the_files(registry: LiveRegistry) -> None:
    assert registry.resolve("acme").policy.id == "bokumo-ict"
    problems = registry.update(
        {"tenant:zeta": b'{"policy": "1do"}', "tenant:acme": b"policy: smart-fms"}
    )
    assert problems == {}
    assert registry.resolve("zeta").policy.id == "1do"
    assert registry.resolve("acme").policy.id == "smart-fms"  # the topic wins over the file
    registry.update({"tenant:zeta": None})  # tombstone: gone again
    with pytest.raises(UnknownTenantError):
        registry.resolve("zeta")
    assert registry.resolve("acme").policy.id == "bokumo-ict"


def test_a_bad_record_is_left_out_and_named(registry: LiveRegistry) -> None:
    problems = registry.update(
        {
            "tenant:ok": b'{"policy": "covide", "options": {"subscription": "basic"}}',
            "tenant:bad": b'{"policy": "no-such-policy"}',
            "gibberish": b"{}",
            "tenant:broken": b"{not yaml: [",
        }
    )
    assert set(problems) == {"tenant:bad", "gibberish", "tenant:broken"}
    assert "unknown policy 'no-such-policy'" in problems["tenant:bad"]
    assert "unknown key" in problems["gibberish"]
    assert registry.resolve("ok").policy.id == "covide"
    assert registry.resolve("hooli").policy.id == "smart-fms"  # the files still load


def test_a_clock_keeps_its_policy_version_after_a_new_one_rolls_out(
    registry: LiveRegistry,
) -> None:
    # the policy file as an operator would publish it (YAML with ``on:`` keys)
    text = (REPO / "policies" / "1do.yaml").read_text()
    old_version = loads(text, "1do.yaml")["version"]
    assert f'version: "{old_version}"' in text
    new = text.replace(f'version: "{old_version}"', 'version: "9.9"')
    problems = registry.update({"policy:1do:9.9": new.encode(), "tenant:globex": b"policy: 1do"})
    assert problems == {}
    assert registry.resolve("globex").policy.version == "9.9"  # new tickets: the new version
    assert registry.policy_version("1do", old_version).version == old_version
    registry.update({})  # the record is compacted away: a running clock still finds it
    assert registry.policy_version("1do", "9.9").version == "9.9"
