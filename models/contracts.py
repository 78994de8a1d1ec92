"""Tenant contracts: which policy a tenant has, with which options, addenda and overrides.

Contracts file (YAML or JSON)::

    addenda:                       # optional, shared addenda referenced by name
      werkplek: {policy: bokumo-ict, overrides: {...}}
    tenants:
      acme:
        policy: bokumo-ict         # policy id (latest loaded version unless `version` is given)
        version: "25.1"            # optional pin
        options: {critical_after_hours: true}
        addenda: [werkplek]        # names above, or inline {name: ..., overrides: {...}}
        overrides: {...}           # the tenant's own agreement

Layering follows the Bokumo precedence (§1 "Rangorde"): agreement > addendum > SLA. The
effective policy is the base policy document, deep-merged with each addendum in order, then
with the tenant overrides (mappings merge key by key; any other value, lists included,
replaces), and validated like any policy file. A layered policy keeps the base id and gets the
version ``<base version>+<tenant>.<hash of the layers>`` so that a clock keeps the exact
version it started under.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson
from pydantic import Field, ValidationError

from models._base import Identifier, Strict, issues_from
from models.errors import (
    ContractError,
    Issue,
    OptionError,
    PolicyLoadError,
    PolicySetError,
    UnknownPolicyError,
    UnknownTenantError,
)
from models.plan import ClockPlan, TicketFacts
from models.policy import Policy, policy_from_data
from models.yamlio import read_document

POLICY_SUFFIXES = (".yaml", ".yml", ".json")
#: the directory of the base policies (default: the bundled seed policies); the worker reads
#: it as the setting ``policies_dir``, every command through :func:`default_policy_dir`
ENV_POLICIES_DIR = "SLAWATCH_POLICIES_DIR"
#: the old name, still read (with a warning) when the new one is unset
ENV_POLICY_DIR_DEPRECATED = "SLAWATCH_POLICY_DIR"


# --------------------------------------------------------------------------------------------
# Policies
# --------------------------------------------------------------------------------------------


def version_key(version: str) -> tuple[Any, ...]:
    """Sort key: numeric parts compare as numbers (``2.10`` > ``2.9``)."""
    parts = re.split(r"[.\-+_]", version)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


class PolicySet(dict[str, Policy]):
    """``{policy id: latest version}``, plus every loaded version by ``(id, version)``."""

    def __init__(self) -> None:
        super().__init__()
        self.versions: dict[tuple[str, str], Policy] = {}
        self.sources: dict[tuple[str, str], str] = {}

    def add(self, policy: Policy, source: str = "") -> None:
        key = (policy.id, policy.version)
        if key in self.versions:
            raise PolicyLoadError(
                source,
                [
                    Issue(
                        "version",
                        f"policy {policy.id} version {policy.version} is already loaded "
                        f"from {self.sources.get(key) or 'another file'}; give this copy "
                        "another version",
                        "policy-duplicate",
                    )
                ],
            )
        self.versions[key] = policy
        self.sources[key] = source
        current = self.get(policy.id)
        if current is None or version_key(policy.version) > version_key(current.version):
            self[policy.id] = policy

    def policy(self, policy_id: str, version: str | None = None) -> Policy:
        """The policy with that id (case-insensitive): ``version`` or else the latest."""
        pid = policy_id.strip().lower()
        found = self.get(pid) if version is None else self.versions.get((pid, str(version)))
        if found is None:
            if pid in self and version is not None:
                have = ", ".join(v for (i, v) in self.versions if i == pid)
                raise UnknownPolicyError(f"policy {pid} has no version {version!r}; loaded: {have}")
            known = ", ".join(sorted(self)) or "none"
            raise UnknownPolicyError(f"unknown policy {policy_id!r}; loaded policies: {known}")
        return found


def default_policy_dir() -> Path:
    """Where the base policies live: ``$SLAWATCH_POLICIES_DIR``, else the repository's
    ``policies/`` next to the ``models`` package (source checkout / editable install), else a
    ``policies`` package or ``<prefix>/share/slawatch/policies`` of an installed wheel."""
    env = os.environ.get(ENV_POLICIES_DIR)
    if env:
        return Path(env)
    old = os.environ.get(ENV_POLICY_DIR_DEPRECATED)
    if old:
        import warnings

        warnings.warn(
            f"{ENV_POLICY_DIR_DEPRECATED} is deprecated: rename it to {ENV_POLICIES_DIR}",
            FutureWarning,
            stacklevel=2,
        )
        return Path(old)
    here = Path(__file__).resolve().parent
    candidates = [here.parent / "policies", here / "policies"]
    try:
        ref = resources.files("policies")
        candidates.append(Path(str(ref)))
    except (ModuleNotFoundError, TypeError):
        pass
    candidates.append(Path(sys.prefix) / "share" / "slawatch" / "policies")
    for c in candidates:
        if c.is_dir() and any(c.glob("*.yaml")):
            return c
    return candidates[0]


def load_policies(dir: str | Path | None = None, *, only: str | None = None) -> PolicySet:
    """Load and validate every policy file (``*.yaml``/``*.yml``/``*.json``) in ``dir``
    (default :func:`default_policy_dir`). All problems of all files are reported together
    (:class:`PolicySetError`). With ``only`` (a policy id), a file whose ``id:`` says another
    policy is read but not validated: a command that needs one policy does not pay for (or
    stop at) the others."""
    directory = Path(dir) if dir is not None else default_policy_dir()
    if not directory.is_dir():
        raise PolicySetError(
            [PolicyLoadError(str(directory), [Issue("", "policy directory not found", "io")])]
        )
    out = PolicySet()
    errors: list[PolicyLoadError] = []
    for path in sorted(p for p in directory.iterdir() if p.suffix in POLICY_SUFFIXES):
        source = _display(path)
        try:
            data = read_document(path, source)
            if only is not None and _raw_id(data) != only.strip().lower():
                continue
            policy = policy_from_data(data, source)
            out.add(policy, source)
        except PolicyLoadError as exc:
            errors.append(exc)
    if errors:
        raise PolicySetError(errors)
    return out


def _raw_id(data: Any) -> str | None:
    raw = data.get("id") if isinstance(data, dict) else None
    return str(raw).strip().lower() if raw is not None else None


def load_policy_dirs(
    extra: Sequence[str | Path] = (),
    *,
    replace: bool = False,
    base: str | Path | None = None,
    only: str | None = None,
) -> PolicySet:
    """The base policies (``base``, default :func:`default_policy_dir`) with the policies of
    the ``extra`` directories added (a tenant's own policy next to the seed ones); with
    ``replace``, only those of ``extra``. The same directory given twice is read once; the
    same policy id and version in two files is an error naming both. ``only``: see
    :func:`load_policies`."""
    if base is None and not replace:
        env = os.environ.get(ENV_POLICIES_DIR)
        if env and not Path(env).is_dir():
            issue = Issue("", f"no such directory; fix {ENV_POLICIES_DIR} or unset it", "io")
            raise PolicySetError([PolicyLoadError(f"{ENV_POLICIES_DIR}={env}", [issue])])
    dirs: list[Path] = [] if replace else [Path(base) if base is not None else default_policy_dir()]
    dirs.extend(Path(d) for d in extra)
    seen: set[Path] = set()
    unique = []
    for d in dirs:
        key = d.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(d)
    if not unique:
        raise PolicySetError(
            [PolicyLoadError("policies", [Issue("", "no policy directory given", "io")])]
        )
    out = PolicySet()
    errors: list[PolicyLoadError] = []
    for d in unique:
        try:
            found = load_policies(d, only=only)
        except PolicySetError as exc:
            errors.extend(exc.errors)
            continue
        for key, policy in found.versions.items():
            try:
                out.add(policy, found.sources.get(key, ""))
            except PolicyLoadError as exc:
                errors.append(exc)
    if errors:
        raise PolicySetError(errors)
    return out


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------
# Tenant contracts
# --------------------------------------------------------------------------------------------


class AddendumSpec(Strict):
    """An addendum: overrides of the base policy document (precedence over the SLA)."""

    name: Identifier | None = None
    policy: Identifier | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)
    description: str = ""


class TenantSpec(Strict):
    policy: Identifier
    version: str | None = None
    options: dict[Identifier, Any] = Field(default_factory=dict)
    addenda: list[Identifier | AddendumSpec] = Field(default_factory=list)
    overrides: dict[str, Any] = Field(default_factory=dict)
    description: str = ""


class ContractsFile(Strict):
    addenda: dict[Identifier, AddendumSpec] = Field(default_factory=dict)
    tenants: dict[str, TenantSpec]


@dataclass(frozen=True, slots=True)
class ResolvedContract:
    """A tenant's effective policy and validated option values."""

    tenant: str
    policy: Policy
    options: Mapping[str, Any] = field(default_factory=dict)
    addenda: tuple[str, ...] = ()

    def plan(self, facts: TicketFacts) -> tuple[ClockPlan, ...]:
        return self.policy.plan(facts, self.options)


class TenantRegistry:
    """Resolves a tenant to its :class:`ResolvedContract`; also finds any policy version that
    a clock may have started under (base or layered)."""

    def __init__(self, contracts: Mapping[str, ResolvedContract], policies: PolicySet) -> None:
        self._contracts = dict(contracts)
        self._lower = {k.lower(): v for k, v in self._contracts.items()}
        self.policies = policies
        self._versions: dict[tuple[str, str], Policy] = dict(policies.versions)
        for c in self._contracts.values():
            self._versions.setdefault((c.policy.id, c.policy.version), c.policy)

    def resolve(self, tenant: str) -> ResolvedContract:
        found = self._contracts.get(tenant) or self._lower.get(str(tenant).lower())
        if found is None:
            raise UnknownTenantError(str(tenant), self._contracts)
        return found

    def policy_version(self, policy_id: str, version: str) -> Policy:
        """The exact policy version a clock started under."""
        found = self._versions.get((policy_id.lower(), version))
        if found is None:
            raise UnknownPolicyError(f"policy {policy_id} version {version!r} is not loaded")
        return found

    @property
    def tenants(self) -> tuple[str, ...]:
        return tuple(self._contracts)

    def __contains__(self, tenant: object) -> bool:
        return isinstance(tenant, str) and (
            tenant in self._contracts or tenant.lower() in self._lower
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self._contracts)

    def __len__(self) -> int:
        return len(self._contracts)


def deep_merge(base: Any, layer: Any) -> Any:
    """Mappings merge key by key (recursively); any other value replaces."""
    if isinstance(base, dict) and isinstance(layer, dict):
        out = dict(base)
        for k, v in layer.items():
            out[k] = deep_merge(base[k], v) if k in base else v
        return out
    return layer


def layer_policy(
    base: Policy, layers: list[tuple[str, Mapping[str, Any]]], tenant: str, source: str
) -> Policy:
    """Apply ``(name, overrides)`` layers (lowest precedence first) to ``base``."""
    if not any(ov for _, ov in layers):
        return base
    doc: Any = base.model_dump(mode="json", exclude_defaults=False)
    for _, overrides in layers:
        doc = deep_merge(doc, dict(overrides))
    if isinstance(doc, dict):
        for key in ("id",):
            doc[key] = base.id
        if not any("version" in ov for _, ov in layers):
            digest = hashlib.sha256(
                orjson.dumps(
                    [[n, ov] for n, ov in layers], option=orjson.OPT_SORT_KEYS, default=str
                )
            ).hexdigest()[:8]
            doc["version"] = f"{base.version}+{tenant}.{digest}"
    return policy_from_data(doc, source)


def load_tenants(path: str | Path, policies: Mapping[str, Policy]) -> TenantRegistry:
    """Read a tenant contracts file and resolve every tenant against ``policies``.

    Every problem (unknown policy, unknown option, bad value, missing required option, an
    override that makes the policy invalid) raises :class:`ContractError` naming the file and
    the path, e.g. ``tenants.yaml: tenants.acme.options.subscription: ...``."""
    source = str(path)
    data = read_document(path, source)
    return tenants_from_data(data, policies, source)


def tenants_from_data(
    data: Any, policies: Mapping[str, Policy], source: str = "<contracts>"
) -> TenantRegistry:
    if isinstance(policies, PolicySet):
        pset = policies
    else:
        pset = PolicySet()
        for p in policies.values():
            pset.add(p)
    try:
        doc = ContractsFile.model_validate(data)
    except ValidationError as exc:
        raise ContractError(source, issues_from(exc)) from None
    issues: list[Issue] = []
    contracts: dict[str, ResolvedContract] = {}
    for tenant, spec in doc.tenants.items():
        loc = f"tenants.{tenant}"
        try:
            base = pset.policy(spec.policy, spec.version)
        except UnknownPolicyError as exc:
            issues.append(Issue(f"{loc}.policy", str(exc), "policy-unknown"))
            continue
        layers: list[tuple[str, Mapping[str, Any]]] = []
        names: list[str] = []
        bad_addendum = False
        for i, add in enumerate(spec.addenda):
            add_name = f"addenda[{i}]"
            if isinstance(add, str):
                add_name = add
                found = doc.addenda.get(add)
                if found is None:
                    issues.append(
                        Issue(
                            f"{loc}.addenda[{i}]",
                            f"unknown addendum {add!r}; addenda: "
                            f"{', '.join(doc.addenda) or 'none'}",
                            "addendum-unknown",
                        )
                    )
                    bad_addendum = True
                    continue
                add = found
            add_name = add.name or add_name
            if add.policy is not None and add.policy != base.id:
                issues.append(
                    Issue(
                        f"{loc}.addenda[{i}]",
                        f"addendum {add_name} is for policy {add.policy}, not {base.id}",
                        "addendum-policy",
                    )
                )
                bad_addendum = True
                continue
            layers.append((f"addendum:{add_name}", add.overrides))
            names.append(add_name)
        if bad_addendum:
            continue
        layers.append(("agreement", spec.overrides))
        try:
            policy = layer_policy(base, layers, tenant, f"{source}: {loc} ({base.id} layered)")
        except PolicyLoadError as exc:
            issues.extend(
                Issue(
                    f"{loc}.overrides → {i.path}" if i.path else f"{loc}.overrides",
                    i.message,
                    i.rule,
                )
                for i in exc.issues
            )
            continue
        try:
            options = policy.resolve_options(spec.options)
        except OptionError as exc:
            issues.append(Issue(f"{loc}.options", str(exc), "option"))
            continue
        missing = [n for n, o in policy.options.items() if o.required and options.get(n) is None]
        if missing:
            o = policy.options[missing[0]]
            issues.append(
                Issue(
                    f"{loc}.options",
                    f"policy {policy.id} requires option {missing[0]} "
                    f"({', '.join(o.choices or ['true', 'false'])})",
                    "option-required",
                )
            )
            continue
        contracts[tenant] = ResolvedContract(
            tenant=tenant, policy=policy, options=MappingProxyType(options), addenda=tuple(names)
        )
    if issues:
        raise ContractError(source, issues)
    return TenantRegistry(contracts, pset)


__all__ = [
    "AddendumSpec",
    "ContractsFile",
    "PolicySet",
    "ResolvedContract",
    "TenantRegistry",
    "TenantSpec",
    "deep_merge",
    "default_policy_dir",
    "layer_policy",
    "load_policies",
    "load_policy_dirs",
    "load_tenants",
    "tenants_from_data",
    "version_key",
]
