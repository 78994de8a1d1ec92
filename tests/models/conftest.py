"""Fixtures for the ``models`` tests."""

from __future__ import annotations

import pytest

from models.contracts import PolicySet, load_policies


@pytest.fixture(scope="session")
def policies() -> PolicySet:
    return load_policies()
