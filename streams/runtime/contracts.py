"""Tenant contracts and policies that change while workers run (the ``sla.contracts`` topic).

Records of the compacted contracts topic (JSON or YAML text), by key:

* ``tenant:<name>`` → a tenant contract, as one entry of a tenants file
  (``{"policy": "bokumo-ict", "options": {...}, "addenda": [...], "overrides": {...}}``);
  an empty value (tombstone) removes a tenant the topic added;
* ``policy:<id>:<version>`` → a policy document (a custom policy or a new version);
* ``addendum:<name>`` → a named addendum (``{"policy": ..., "overrides": {...}}``).

The effective registry is the configured files (``SLAWATCH_POLICIES_DIR``,
``SLAWATCH_TENANTS_FILE``) with the topic's records layered on top (a topic tenant replaces
the file's tenant of that name). Every policy version ever loaded stays resolvable, so a clock
keeps the version it started under after a new one is rolled out. A record that does not
validate is logged (a warning naming the key and the problem) and left out; the rest of the
registry still loads. Listeners (:meth:`LiveRegistry.on_change`) hear of every rebuild: the
worker's health (``streams.runtime.health``) watches for a registry left without tenants.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from calendars.errors import SlawatchError
from models.contracts import PolicySet, TenantRegistry, load_policies, tenants_from_data
from models.policy import policy_from_data
from models.yamlio import loads, read_document


class LiveRegistry:
    """A :class:`TenantRegistry` that can be rebuilt in place (engines keep a reference)."""

    def __init__(self, policies_dir: Path | None = None, tenants_file: Path | None = None):
        self.base_policies = load_policies(policies_dir)
        self.tenants_file = tenants_file
        self.file_tenants: dict[str, Any] = {}
        self.file_addenda: dict[str, Any] = {}
        self._listeners: list[Callable[[LiveRegistry], None]] = []
        if tenants_file is not None:
            doc = read_document(tenants_file, str(tenants_file)) or {}
            self.file_tenants = dict(doc.get("tenants") or {})
            self.file_addenda = dict(doc.get("addenda") or {})
        self.known = PolicySet()  # every version ever loaded (base and topic)
        for (_, _), policy in self.base_policies.versions.items():
            self.known.add(policy, self.base_policies.sources.get((policy.id, policy.version), ""))
        self.records: dict[str, bytes] = {}
        self.errors: dict[str, str] = {}
        self.current: TenantRegistry = self._build()

    # -- the registry protocol the engine uses ----------------------------------------------
    def resolve(self, tenant: str) -> Any:
        return self.current.resolve(tenant)

    def policy_version(self, policy_id: str, version: str) -> Any:
        try:
            return self.current.policy_version(policy_id, version)
        except SlawatchError:
            return self.known.policy(policy_id, version)

    @property
    def tenants(self) -> tuple[str, ...]:
        return self.current.tenants

    @property
    def tenant_records(self) -> list[str]:
        """Keys of the topic's ``tenant:<name>`` records (left out or not)."""
        return [k for k in self.records if k.startswith("tenant:")]

    # -- updates -----------------------------------------------------------------------------
    def on_change(self, listener: Callable[[LiveRegistry], None]) -> None:
        """Call ``listener(registry)`` after each :meth:`update`."""
        self._listeners.append(listener)

    def update(self, records: Mapping[str, bytes | None]) -> dict[str, str]:
        """Replace the topic's records with ``records`` (the whole compacted topic) and
        rebuild. Returns ``{key: problem}`` for the records left out."""
        self.records = {k: v for k, v in records.items() if v}
        self.current = self._build()
        for listener in self._listeners:
            listener(self)
        return dict(self.errors)

    def _build(self) -> TenantRegistry:
        errors: dict[str, str] = {}
        pset = PolicySet()
        for (pid, ver), policy in self.base_policies.versions.items():
            pset.add(policy, self.base_policies.sources.get((pid, ver), ""))
        tenants = dict(self.file_tenants)
        addenda = dict(self.file_addenda)
        for key in sorted(self.records):
            kind, _, name = key.partition(":")
            source = f"sla.contracts[{key}]"
            try:  # the policy files' YAML dialect (``on:`` is a key, not ``True``)
                doc = loads(self.records[key], source)
            except SlawatchError as exc:
                errors[key] = str(exc)
                continue
            if kind == "tenant" and name:
                tenants[name] = doc
            elif kind == "addendum" and name:
                addenda[name] = doc
            elif kind == "policy":
                try:
                    policy = policy_from_data(doc, source)
                    if (policy.id, policy.version) not in pset.versions:
                        pset.add(policy, source)
                    if (policy.id, policy.version) not in self.known.versions:
                        self.known.add(policy, source)
                except SlawatchError as exc:
                    errors[key] = str(exc)
            else:
                errors[key] = (
                    f"{source}: unknown key; use tenant:<name>, policy:<id>:<version> or "
                    "addendum:<name>"
                )
        data = {"tenants": tenants, "addenda": addenda}
        try:
            registry = tenants_from_data(data, pset, "tenants")
        except SlawatchError as exc:
            # one bad tenant must not take the others down: drop the tenants named in the
            # error one at a time until the rest validates
            registry = None
            for name in list(tenants):
                if f"tenants.{name}" in str(exc):
                    errors[f"tenant:{name}"] = str(exc)
                    tenants.pop(name)
            try:
                registry = tenants_from_data({"tenants": tenants, "addenda": addenda}, pset)
            except SlawatchError as exc2:
                errors["tenants"] = str(exc2)
                registry = tenants_from_data({"tenants": {}}, pset)
        self.errors = errors
        return registry
