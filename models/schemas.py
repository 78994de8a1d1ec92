"""JSON Schemas for integrators and editors (``slawatch schema ...``)."""

from __future__ import annotations

from typing import Any

from models.contracts import ContractsFile
from models.events import EVENT_ADAPTER
from models.policy import Policy
from models.report import ComplianceSignal, Report
from models.signals import Signal

SCHEMA_KINDS = (
    "policy",
    "events",
    "signals",
    "tenants",
    "report",
    "compliance",
    "mapping",
    "connectors",
    "notify",
)


def _connector_schema(kind: str) -> tuple[dict[str, Any], str]:
    from models.connectors import ConnectorsFile, Mapping
    from models.notify import NotifyFile

    if kind == "mapping":
        return Mapping.model_json_schema(), "slawatch connector mapping (ITSM webhook)"
    if kind == "connectors":
        return ConnectorsFile.model_json_schema(), "slawatch connectors file (ingest endpoints)"
    return NotifyFile.model_json_schema(by_alias=True), "slawatch notify file (routes)"


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one of :data:`SCHEMA_KINDS`."""
    if kind == "policy":
        schema = Policy.model_json_schema()
        title = "slawatch SLA policy"
    elif kind == "events":
        schema = EVENT_ADAPTER.json_schema()
        title = "slawatch incoming event (ticket or monitoring)"
    elif kind == "signals":
        schema = Signal.model_json_schema()
        title = "slawatch outgoing signal"
    elif kind == "tenants":
        schema = ContractsFile.model_json_schema()
        title = "slawatch tenant contracts file"
    elif kind == "report":
        schema = Report.model_json_schema(by_alias=True, mode="serialization")
        title = "slawatch service report (slawatch report --json)"
    elif kind == "compliance":
        schema = ComplianceSignal.model_json_schema(mode="serialization")
        title = "slawatch sla.compliance signal (topic sla.reports)"
    elif kind in ("mapping", "connectors", "notify"):
        schema, title = _connector_schema(kind)
    else:
        raise ValueError(f"unknown schema {kind!r}; choose one of {', '.join(SCHEMA_KINDS)}")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        **{k: v for k, v in schema.items() if k != "title"},
    }
