"""docs/reports.md says what the code does: every column of every sink dataset is in its
table, every view is listed, the ids and topics it names exist, and the README points to it
with a row per command."""

from __future__ import annotations

import re

import pytest

from streams.sink.query import VIEWS
from streams.sink.schema import DATASETS, META_COLUMNS
from streams.topics import REPORTS, SIGNAL_ROUTES
from tests.docs.markdown import REPO, read, table_rows

PAGE = read("reports.md")


def _documented(table_text: str) -> set[str]:
    names: set[str] = set()
    for row in table_rows(table_text):
        names.update(re.findall(r"`([a-z_]+)`", row[0]))
    return names


def _table_after(marker: str) -> str:
    start = PAGE.index(marker)
    rest = PAGE[start:]
    lines = rest.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next((i for i in range(first, len(lines)) if not lines[i].startswith("|")), len(lines))
    return "\n".join(lines[first:end])


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_column_of_each_dataset_is_documented(name: str) -> None:
    documented = _documented(_table_after(f"`{name}` ("))
    columns = {c.name for c in DATASETS[name].columns}
    assert columns - documented == set(), f"{name}: undocumented columns"
    assert documented - columns == set(), f"{name}: documented columns that do not exist"


def test_the_common_columns_and_views() -> None:
    common = _documented(_table_after("Every dataset has, besides its own columns"))
    assert {c.name for c in META_COLUMNS} | {"tenant", "month"} == common
    views = _documented(_table_after("| view | what |"))
    assert set(VIEWS) | {f"{d}_raw" for d in DATASETS} == views


def test_names_it_cites_exist() -> None:
    assert REPORTS == "sla.reports" and SIGNAL_ROUTES["sla.compliance"] == REPORTS
    assert 'signal_id(tenant, "compliance", period,\n"sla.compliance")' in PAGE


def test_readme_points_here_and_the_cli_reference_has_a_row_per_command() -> None:
    assert "docs/reports.md" in (REPO / "README.md").read_text()
    cli = (REPO / "docs" / "cli.md").read_text()
    for command in ("slawatch sink", "slawatch query", "slawatch report"):
        assert re.search(rf"^\| `{command}\b", cli, re.M), command
