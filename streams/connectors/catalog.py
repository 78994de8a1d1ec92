"""The endpoints ``slawatch ingest`` serves: the connectors file, its mappings and the secrets.

Shipped mappings live beside this module (``mappings/<name>.yaml``, package data); a
connectors file names one of them or a file of its own. Each tenant's endpoint gets the
mapping with the tenant's overrides applied, its :class:`~streams.connectors.mapper.Mapper`,
and its secret from ``SLAWATCH_HOOK_SECRETS`` / ``SLAWATCH_HOOK_SECRETS_FILE`` under the key
``source/tenant``. Everything is checked when it is loaded: a missing secret or an invalid
mapping stops ``ingest`` at start with one line per problem, never at the first webhook.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from calendars.errors import SlawatchError
from models.connectors import (
    ConnectorFileError,
    ConnectorsFile,
    connectors_from_data,
    mapping_from_data,
)
from models.connectors import Mapping as MappingDoc
from models.errors import Issue, PolicyLoadError
from models.settings import Settings
from models.yamlio import read_document
from streams.connectors.mapper import Mapper

#: the directory of the shipped mappings
SHIPPED = Path(__file__).resolve().parent / "mappings"


class ConnectorSetupError(SlawatchError, ValueError):
    """The endpoints cannot be served as configured; ``lines`` names each problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def shipped_mappings() -> dict[str, Path]:
    """``{name: file}`` of the mappings shipped with slawatch."""
    return {p.stem: p for p in sorted(SHIPPED.glob("*.yaml"))}


def load_mapping(ref: str | Path, base: Path | None = None) -> MappingDoc:
    """A mapping by shipped name (``jira-sm``) or file path (relative to ``base``); raises
    :class:`~models.connectors.ConnectorFileError` (or ``PolicyLoadError`` for a file that
    cannot be read)."""
    shipped = shipped_mappings()
    text = str(ref)
    if text in shipped:
        path = shipped[text]
    else:
        path = Path(text)
        if not path.is_absolute() and base is not None:
            path = base / path
        if not path.exists():
            known = ", ".join(shipped)
            raise ConnectorFileError(
                text, [Issue("", f"no such mapping: give a file or one of {known}", "mapping")]
            )
    return mapping_from_data(read_document(path), str(path))


@dataclass(frozen=True, slots=True)
class Endpoint:
    """``POST /hooks/{source}/{tenant}``: its mapping (tenant overrides applied), mapper and
    secret."""

    source: str
    tenant: str
    mapping: MappingDoc
    mapper: Mapper
    secret: SecretStr

    @property
    def name(self) -> str:
        return f"{self.source}/{self.tenant}"


class Endpoints:
    """The configured endpoints, by ``(source, tenant)``."""

    def __init__(self, endpoints: list[Endpoint]) -> None:
        self._by = {(e.source, e.tenant): e for e in endpoints}

    def get(self, source: str, tenant: str) -> Endpoint | None:
        return self._by.get((source, tenant))

    def __iter__(self) -> Iterator[Endpoint]:
        return iter(self._by.values())

    def __len__(self) -> int:
        return len(self._by)


def read_secrets(settings: Settings, file: Path | None = None) -> dict[str, SecretStr]:
    """The hook secrets: ``SLAWATCH_HOOK_SECRETS`` over the file (``file``, else
    ``SLAWATCH_HOOK_SECRETS_FILE``: a YAML/JSON mapping ``source/tenant: secret``)."""
    return read_secret_file(settings.hook_secrets or {}, file or settings.hook_secrets_file, "hook")


def read_secret_file(
    given: Mapping[str, SecretStr], file: Path | None, what: str
) -> dict[str, SecretStr]:
    out: dict[str, SecretStr] = {}
    if file is not None:
        try:
            doc = read_document(file)
        except PolicyLoadError as exc:
            raise ConnectorSetupError(exc.messages) from None
        if not isinstance(doc, dict) or not all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in doc.values()
        ):
            raise ConnectorSetupError(
                [f"{file}: expected a mapping of {what} secrets, name: secret (text)"]
            )
        out.update({str(k): SecretStr(str(v)) for k, v in doc.items()})
    out.update(given)
    return out


def load_endpoints(
    connectors: Path | ConnectorsFile, secrets: Mapping[str, SecretStr]
) -> Endpoints:
    """The endpoints of a connectors file; raises :class:`ConnectorSetupError` naming every
    problem (invalid files, unknown mappings, missing secrets)."""
    if isinstance(connectors, Path):
        try:
            config = connectors_from_data(read_document(connectors), str(connectors))
        except PolicyLoadError as exc:
            raise ConnectorSetupError(exc.messages) from None
        base: Path | None = connectors.resolve().parent
    else:
        config, base = connectors, None
    problems: list[str] = []
    endpoints: list[Endpoint] = []
    for source, spec in config.sources.items():
        try:
            mapping = load_mapping(spec.mapping, base)
        except PolicyLoadError as exc:
            problems.extend(exc.messages)
            continue
        for tenant, ep in spec.tenants.items():
            where = f"sources.{source}.tenants.{tenant}"
            try:
                tenant_mapping = mapping.with_overrides(ep.overrides, f"{where}.overrides")
            except PolicyLoadError as exc:
                problems.extend(exc.messages)
                continue
            secret = secrets.get(f"{source}/{tenant}")
            if secret is None or not secret.get_secret_value():
                problems.append(
                    f'{where}: no secret for {source}/{tenant}: add "{source}/{tenant}" to '
                    "SLAWATCH_HOOK_SECRETS (JSON) or the SLAWATCH_HOOK_SECRETS_FILE"
                )
                continue
            served = (tenant, *(t for t in ep.serves if t != tenant))
            mapper = Mapper(tenant_mapping, source, served)
            endpoints.append(Endpoint(source, tenant, tenant_mapping, mapper, secret))
    if problems:
        raise ConnectorSetupError(problems)
    return Endpoints(endpoints)


__all__ = [
    "SHIPPED",
    "ConnectorSetupError",
    "Endpoint",
    "Endpoints",
    "load_endpoints",
    "load_mapping",
    "read_secrets",
    "shipped_mappings",
]
