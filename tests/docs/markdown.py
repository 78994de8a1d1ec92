"""Just enough Markdown reading for the documentation tests: sections by heading, fenced
blocks with the HTML comment that labels them, and the rows of pipe tables."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"

_FENCE = re.compile(r"^```(\S*)\s*$")
_LABEL = re.compile(r"^<!--\s*(\S+):\s*(.+?)\s*-->$")


@dataclass(frozen=True)
class Section:
    level: int
    heading: str
    body: str


@dataclass(frozen=True)
class Block:
    """A fenced code block; ``label`` is ``(kind, value)`` of a ``<!-- kind: value -->``
    comment on the line just before the fence, if any."""

    lang: str
    text: str
    label: tuple[str, str] | None


def read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def sections(text: str) -> list[Section]:
    """Every heading with its body: the lines up to the next heading of the same or a higher
    level (headings inside fenced blocks are not headings)."""
    lines = text.splitlines()
    heads: list[tuple[int, int, str]] = []
    fenced = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (m := re.match(r"^(#+)\s+(.*)$", line)):
            heads.append((i, len(m.group(1)), m.group(2).strip()))
    out = []
    for n, (i, level, heading) in enumerate(heads):
        end = next((j for j, lv, _ in heads[n + 1 :] if lv <= level), len(lines))
        out.append(Section(level, heading, "\n".join(lines[i + 1 : end])))
    return out


def section(text: str, heading: str) -> Section:
    """The one section whose heading is exactly ``heading``."""
    found = [s for s in sections(text) if s.heading == heading]
    assert len(found) == 1, f"expected one heading {heading!r}, found {len(found)}"
    return found[0]


def blocks(text: str) -> list[Block]:
    """The fenced blocks in order."""
    out: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        before = lines[i - 1].strip() if i else ""
        label = _LABEL.match(before)
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        out.append(
            Block(
                m.group(1),
                "".join(line + "\n" for line in lines[i + 1 : end]),
                (label.group(1), label.group(2)) if label else None,
            )
        )
        i = end + 1
    return out


def table_rows(text: str) -> list[list[str]]:
    """The data rows of every pipe table in ``text`` (header and rule rows left out)."""
    rows: list[list[str]] = []
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if not line.startswith("|"):
            continue
        is_rule = re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line.strip()) is not None
        next_is_rule = n + 1 < len(lines) and re.fullmatch(
            r"\|(\s*:?-+:?\s*\|)+", lines[n + 1].strip()
        )
        if is_rule or next_is_rule:
            continue
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def first_column_keys(text: str) -> set[str]:
    """The backticked names in the first column of the tables in ``text``."""
    return {m for row in table_rows(text) for m in re.findall(r"^`([^`]+)`$", row[0])}


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def table_after(text: str, label: str) -> list[list[str]]:
    """The data rows of the table that starts on the line after the ``label`` line."""
    lines = text.splitlines()
    at = [i for i, line in enumerate(lines) if line.strip() == label]
    assert len(at) == 1, f"expected one line {label!r}, found {len(at)}"
    table = []
    for line in lines[at[0] + 1 :]:
        if not line.startswith("|"):
            break
        table.append(line)
    assert table, f"no table after {label!r}"
    return table_rows("\n".join(table))
