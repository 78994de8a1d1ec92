"""The policies a command works with: the base ones (``$SLAWATCH_POLICIES_DIR``, else the
bundled seed policies) plus the directories given with ``--policies`` (a tenant's own policy
next to the seed ones), or only those with ``--replace-policies``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def load(
    extra: Sequence[Path] | None = None, replace: bool = False, only: str | None = None
) -> Any:
    """The :class:`models.contracts.PolicySet` of a command's ``--policies`` flags (with
    ``only``, just the versions of that policy id: a command about one policy validates no
    other file)."""
    from models.contracts import load_policy_dirs
    from streams.cli.errors import CliError

    if replace and not extra:
        raise CliError("--replace-policies needs at least one --policies DIR")
    return load_policy_dirs(extra or (), replace=replace, only=only)


def one(
    policy_id: str,
    version: str | None = None,
    extra: Sequence[Path] | None = None,
    replace: bool = False,
) -> Any:
    """The :class:`models.policy.Policy` ``policy_id`` (that ``version``, else the latest),
    validating only its files; an unknown id names every loaded policy."""
    found = load(extra, replace, only=policy_id)
    if policy_id.strip().lower() not in found:
        found = load(extra, replace)
    return found.policy(policy_id, version)


def registry(tenants: Path, extra: Sequence[Path] | None = None, replace: bool = False) -> Any:
    """The tenant registry of ``--tenants FILE`` against those policies."""
    from models.contracts import load_tenants

    return load_tenants(tenants, load(extra, replace))
