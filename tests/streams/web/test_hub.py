"""The hub: a view is drawn once per round for all its pages, a page gets only the sections
that changed for it, repeats are not announced twice, a page that cannot keep up is let go."""

from __future__ import annotations

import pytest

from streams.web.board import Board
from streams.web.hub import Hub, Subscriber
from streams.web.views import View
from tests.streams.web.conftest import d, run_async

pytestmark = [pytest.mark.integration]


def drain(sub: Subscriber) -> list[bytes]:
    out = []
    while not sub.queue.empty():
        item = sub.queue.get_nowait()
        if item is not None:
            out.append(item)
    return out


def test_sections_are_drawn_once_and_sent_when_changed(written) -> None:
    written.at(d(2026, 4, 7, 10, 15))
    board = Board(written.client, written.model, written.known())
    drawn: list[View] = []
    content = {"clocks": "<table id=clocks>1</table>", "breaches": "<table id=breaches></table>"}
    clock = [0.0]

    def render(b: Board, view: View, now) -> dict[str, str]:
        drawn.append(view)
        return dict(content)

    hub = Hub(board, render=render, monotonic=lambda: clock[0], settle=2.0, refresh=5.0)

    async def main() -> None:
        a, b = hub.subscribe(View("tenant", "acme")), hub.subscribe(View("tenant", "acme"))
        other = hub.subscribe(View("tenant", "globex"))
        await hub.round()
        assert sorted(v.tenant for v in drawn) == ["acme", "globex"]  # once per view
        first = drain(a)
        assert first[0].startswith(b"event: now")
        assert sum(b"event: section" in e for e in first) == 2
        assert len(drain(b)) == 3 and len(drain(other)) == 3
        clock[0] = 1.0
        await hub.round()  # nothing changed, not yet due for a refresh
        assert len(drawn) == 2 and drain(a) == []
        # a record of acme arrives on the stream: acme's view is drawn, globex's is not
        hub.on_clock({"tenant": "acme", "ticket_id": "T-9", "clock": "response",
                      "updated_at": "2026-04-07T10:16:00+02:00"}, live=True)  # fmt: skip
        content["clocks"] = "<table id=clocks>2</table>"
        clock[0] = 1.5
        await hub.round()
        assert [v.tenant for v in drawn[2:]] == ["acme"]
        sent = drain(a)
        assert len(sent) == 1 and b">2</table>" in sent[0]  # only the section that changed
        clock[0] = 7.0  # the refresh: every view again; only globex's page lacks the new HTML
        await hub.round()
        assert drain(a) == [] and len(drain(other)) == 1

    run_async(main)


def test_a_signal_is_announced_once_and_only_live(written) -> None:
    written.at(d(2026, 4, 7, 10, 15))
    hub = Hub(Board(written.client, written.model, written.known()))

    async def main() -> None:
        acme, globex = (
            hub.subscribe(View("tenant", "acme")),
            hub.subscribe(View("tenant", "globex")),
        )
        breach = {"event_id": "b1", "type": "sla.breach", "tenant": "acme", "ticket_id": "T-2",
                  "clock": "response", "at": "2026-04-07T10:30:00+02:00"}  # fmt: skip
        hub.on_signal(dict(breach, event_id="old"), live=False)  # history: kept, not said
        hub.on_signal(breach, live=True)
        hub.on_signal(breach, live=True)  # delivered again
        said = drain(acme)
        assert len(said) == 1 and said[0].startswith(b"event: signal") and b'"b1"' in said[0]
        assert drain(globex) == []
        assert len(hub.board.history.ticket("acme", "T-2")) == 2

    run_async(main)


def test_a_page_that_cannot_keep_up_is_let_go() -> None:
    async def main() -> None:
        sub = Subscriber(View("overview"), size=2)
        assert sub.put(b"1") and sub.put(b"2")
        assert not sub.put(b"3")
        assert sub.closed and sub.queue.get_nowait() is None  # the stream ends; it reconnects
        assert not sub.put(b"4")

    run_async(main)
