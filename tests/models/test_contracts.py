"""Tenant contracts: base policy + addenda + tenant overrides (agreement > addendum > SLA),
options, versions, loaders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from models.contracts import (
    PolicySet,
    deep_merge,
    default_policy_dir,
    load_policies,
    load_policy_dirs,
    load_tenants,
    tenants_from_data,
)
from models.errors import ContractError, PolicySetError, UnknownPolicyError, UnknownTenantError
from models.plan import Target, TicketFacts
from tests.models.helpers import at, deadline, iso


def test_default_dir_is_the_repository_policies():
    d = default_policy_dir()
    assert d.name == "policies"
    assert (d / "bokumo-ict.yaml").is_file()


def test_env_var_overrides_the_policy_dir(tmp_path, monkeypatch):
    (tmp_path / "covide.yaml").write_text((default_policy_dir() / "covide.yaml").read_text())
    monkeypatch.setenv("SLAWATCH_POLICIES_DIR", str(tmp_path))
    assert list(load_policies()) == ["covide"]


def test_the_old_env_var_still_works_with_a_warning(tmp_path, monkeypatch):
    (tmp_path / "covide.yaml").write_text((default_policy_dir() / "covide.yaml").read_text())
    monkeypatch.delenv("SLAWATCH_POLICIES_DIR", raising=False)
    monkeypatch.setenv("SLAWATCH_POLICY_DIR", str(tmp_path))
    with pytest.warns(FutureWarning, match="SLAWATCH_POLICY_DIR is deprecated: rename it to "):
        assert list(load_policies()) == ["covide"]


def test_policy_dirs_add_to_the_base_or_replace_it(tmp_path, monkeypatch):
    monkeypatch.delenv("SLAWATCH_POLICIES_DIR", raising=False)
    own = yaml.safe_load((default_policy_dir() / "covide.yaml").read_text())
    own.update(id="acme-own", version="1")
    (tmp_path / "acme.yaml").write_text(yaml.safe_dump(own))
    assert sorted(load_policy_dirs([tmp_path])) == [
        "1do",
        "acme-own",
        "bokumo-ict",
        "covide",
        "inlenersbeloning",
        "smart-fms",
    ]
    assert list(load_policy_dirs([tmp_path], replace=True)) == ["acme-own"]
    # the bundled directory given again is read once; only= validates one policy's files
    assert len(load_policy_dirs([default_policy_dir()]).versions) == 5
    assert list(load_policy_dirs([tmp_path], only="ACME-own")) == ["acme-own"]


def test_a_policy_version_in_two_directories_is_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv("SLAWATCH_POLICIES_DIR", raising=False)
    (tmp_path / "covide.yaml").write_text((default_policy_dir() / "covide.yaml").read_text())
    with pytest.raises(PolicySetError, match=r"policy covide version 1\.0 is already loaded from"):
        load_policy_dirs([tmp_path])


def test_policy_lookup_is_case_insensitive_and_versioned(policies):
    assert policies.policy("Bokumo-ICT").version == "25.1"
    with pytest.raises(UnknownPolicyError, match="unknown policy 'acme'; loaded policies: 1do"):
        policies.policy("acme")
    with pytest.raises(UnknownPolicyError, match="has no version '9'"):
        policies.policy("covide", "9")


def test_several_versions_latest_by_default(tmp_path):
    seed = yaml.safe_load((default_policy_dir() / "covide.yaml").read_text())
    for version, urgent in (("1.0", "6h"), ("1.10", "5h"), ("1.9", "7h")):
        doc = dict(seed, version=version)
        doc["clocks"] = json.loads(json.dumps(seed["clocks"]))
        doc["clocks"]["resolution"]["targets"]["urgent"] = {"soft": "4h", "hard": urgent}
        (tmp_path / f"covide@{version}.yaml").write_text(yaml.safe_dump(doc))
    ps = load_policies(tmp_path)
    assert ps["covide"].version == "1.10"  # numeric ordering: 1.10 > 1.9
    assert ps.policy("covide", "1.9").clocks["resolution"].targets["urgent"].hard.amount == 7
    assert sorted(v for (_, v) in ps.versions) == ["1.0", "1.10", "1.9"]


CONTRACTS = {
    "addenda": {
        "werkplek": {
            "policy": "bokumo-ict",
            "description": "Addendum Werkplek: single_user/laag resolution 4 workdays",
            "overrides": {
                "clocks": {
                    "resolution": {
                        "targets": {
                            "single_user/laag": "4 workdays",
                            "single_user/medium": "2 workdays",
                        }
                    }
                }
            },
        },
    },
    "tenants": {
        "acme": {
            "policy": "bokumo-ict",
            "options": {"critical_after_hours": True},
            "addenda": ["werkplek"],
            # the agreement beats the addendum for single_user/medium
            "overrides": {
                "clocks": {"resolution": {"targets": {"single_user/medium": "1 workday"}}}
            },
        },
        "plain": {"policy": "bokumo-ict"},
        "shop": {"policy": "covide", "options": {"subscription": "business"}},
    },
}


@pytest.fixture
def registry(policies):
    return tenants_from_data(CONTRACTS, policies, "tenants.yaml")


def test_precedence_agreement_over_addendum_over_sla(registry):
    acme = registry.resolve("acme")
    t = acme.policy.clocks["resolution"].targets
    assert t is not None
    assert str(t["single_user/laag"].hard) == "4 workdays"  # addendum over SLA (5)
    assert str(t["single_user/medium"].hard) == "1 workday"  # agreement over addendum (2)
    assert str(t["multiple_users/laag"].hard) == "3 workdays"  # SLA untouched
    assert acme.addenda == ("werkplek",)
    # Mon 2026-03-02 09:00 + 4 workdays (32 h on office) → Thu 03-05 17:00
    assert deadline(
        acme.policy,
        "resolution",
        at("2026-03-02 09:00"),
        acme.options,
        impact="single_user",
        urgency="laag",
    ) == iso("2026-03-05 17:00")


def test_layered_policy_keeps_id_and_gets_its_own_version(registry, policies):
    acme = registry.resolve("acme")
    assert acme.policy.id == "bokumo-ict"
    assert acme.policy.version.startswith("25.1+acme.")
    # a tenant without layers shares the base policy object and version
    assert registry.resolve("plain").policy is policies["bokumo-ict"]
    # the engine can find the exact version a clock started under
    assert registry.policy_version("bokumo-ict", acme.policy.version) is acme.policy
    assert registry.policy_version("bokumo-ict", "25.1") is policies["bokumo-ict"]


def test_resolved_options_and_plan(registry):
    acme = registry.resolve("ACME")  # tenant ids match case-insensitively as a fallback
    assert dict(acme.options) == {"critical_after_hours": True}
    (resp, res) = acme.plan(TicketFacts(impact="company_wide", urgency="hoog"))
    assert resp.calendar == "always" and res.hard == Target(2, "h", "always")
    shop = registry.resolve("shop")
    assert shop.plan(TicketFacts(priority="urgent"))[0].hard == Target(8, "h", "incidents")
    assert dict(registry.resolve("plain").options) == {"critical_after_hours": False}


def test_unknown_tenant(registry):
    with pytest.raises(UnknownTenantError, match="unknown tenant 'nobody'; known tenants: acme"):
        registry.resolve("nobody")
    assert "acme" in registry and len(registry) == 3


def test_contract_errors_name_file_and_path(policies):
    data = {
        "tenants": {
            "a": {"policy": "nope"},
            "b": {"policy": "covide"},
            "c": {"policy": "covide", "options": {"subscription": "gold"}},
            "d": {"policy": "bokumo-ict", "options": {"weekend": True}},
            "e": {"policy": "bokumo-ict", "addenda": ["missing"]},
            "f": {
                "policy": "bokumo-ict",
                "overrides": {
                    "clocks": {
                        "resolution": {
                            "targets": {
                                "single_user/laag": {"soft": "6 workdays", "hard": "5 workdays"}
                            }
                        }
                    }
                },
            },
        }
    }
    with pytest.raises(ContractError) as exc:
        tenants_from_data(data, policies, "tenants.yaml")
    assert exc.value.messages == [
        "tenants.yaml: tenants.a.policy: unknown policy 'nope'; loaded policies: 1do, "
        "bokumo-ict, covide, inlenersbeloning, smart-fms",
        "tenants.yaml: tenants.b.options: policy covide requires option subscription "
        "(premium, business, basic)",
        "tenants.yaml: tenants.c.options: option subscription: unknown value 'gold'; allowed: "
        "premium, business, basic",
        "tenants.yaml: tenants.d.options: policy bokumo-ict: unknown option 'weekend'; "
        "options: critical_after_hours",
        "tenants.yaml: tenants.e.addenda[0]: unknown addendum 'missing'; addenda: none",
        "tenants.yaml: tenants.f.overrides → clocks.resolution.targets.single_user/laag: hard "
        "target 5 workdays is shorter than soft target 6 workdays",
    ]


def test_contracts_file_structure_is_strict(policies):
    with pytest.raises(ContractError, match=r"tenants\.yaml: tenants\.x\.polcy: unknown key"):
        tenants_from_data({"tenants": {"x": {"polcy": "covide"}}}, policies, "tenants.yaml")


def test_addendum_for_another_policy(policies):
    data = {
        "addenda": {"w": {"policy": "covide", "overrides": {}}},
        "tenants": {"x": {"policy": "bokumo-ict", "addenda": ["w"]}},
    }
    with pytest.raises(ContractError, match="addendum w is for policy covide, not bokumo-ict"):
        tenants_from_data(data, policies, "t.yaml")


def test_load_tenants_yaml_and_json(tmp_path: Path, policies):
    y = tmp_path / "tenants.yaml"
    y.write_text(yaml.safe_dump(CONTRACTS))
    j = tmp_path / "tenants.json"
    j.write_text(json.dumps(CONTRACTS))
    for path in (y, j):
        reg = load_tenants(path, policies)
        assert reg.tenants == ("acme", "plain", "shop")


def test_load_tenants_with_a_plain_dict_of_policies(policies):
    reg = tenants_from_data({"tenants": {"x": {"policy": "1do"}}}, dict(policies))
    assert reg.resolve("x").policy.id == "1do"


def test_deep_merge():
    assert deep_merge({"a": {"b": 1, "c": [1]}, "d": 1}, {"a": {"c": [2]}, "e": 2}) == {
        "a": {"b": 1, "c": [2]},
        "d": 1,
        "e": 2,
    }


def test_policyset_is_a_dict_of_latest(policies):
    assert isinstance(policies, PolicySet) and isinstance(policies, dict)
    assert set(policies.versions) == {
        ("1do", "2.5"),
        ("bokumo-ict", "25.1"),
        ("covide", "1.0"),
        ("inlenersbeloning", "1"),
        ("smart-fms", "1"),
    }
