"""Per-ticket state: a small value that round-trips exactly through JSON.

Instants are UTC epoch microseconds (``int``), so nothing is lost to float or timezone
formatting. The state holds the *inputs* of a clock (its start, stops, the ticket's status
history and facts, the policy version) plus a few derived accumulators kept for speed; the
plan itself is not stored: it is re-derived from the policy version and the facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATE_FORMAT = 1


@dataclass(slots=True)
class ClockState:
    """One clock of one ticket.

    - ``start_us``: when the clock started (creation, or ``reported_at``); ``origin_us``: the
      business-aligned start (next opening of the clock's calendar).
    - ``acc``: counted µs per track up to ``acc_at`` (the last accounting instant);
      ``running_since``: µs when counting (re)started, ``None`` while paused or stopped.
    - ``stops``: ``[stop_us, resume_us | None]`` pairs (R6: stop and reopen).
    - ``fired``: keys of the items already fired (R7: each at most once).
    - ``due_us``: the next instant an item is due (the timer), ``None`` if nothing pending.
    - ``active``: the current plan still has this clock (a priority/kind change can drop it).
    """

    name: str
    start_us: int
    origin_us: int
    acc: dict[str, int] = field(default_factory=dict)
    running_since: int | None = None
    paused: bool = False
    stops: list[list[Any]] = field(default_factory=list)  # [stop_us: int, resume_us: int | None]
    fired: list[str] = field(default_factory=list)
    due_us: int | None = None
    active: bool = True
    # engine-private cache of the clock's (plan, schedule), not part of the state
    sch: Any = field(default=None, compare=False, repr=False)

    # Written out so that mypyc compiles it (dataclasses leaves a class's own __init__
    # alone; the generated one is interpreted). tests/test_build.py checks that it
    # takes the fields in order, with their defaults (None for a default_factory field).
    def __init__(
        self,
        name: str,
        start_us: int,
        origin_us: int,
        acc: dict[str, int] | None = None,
        running_since: int | None = None,
        paused: bool = False,
        stops: list[list[Any]] | None = None,
        fired: list[str] | None = None,
        due_us: int | None = None,
        active: bool = True,
        sch: Any = None,
    ) -> None:
        self.name = name
        self.start_us = start_us
        self.origin_us = origin_us
        self.acc = {} if acc is None else acc
        self.running_since = running_since
        self.paused = paused
        self.stops = [] if stops is None else stops
        self.fired = [] if fired is None else fired
        self.due_us = due_us
        self.active = active
        self.sch = sch

    @property
    def stopped(self) -> bool:
        return bool(self.stops) and self.stops[-1][1] is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "start_us": self.start_us,
            "origin_us": self.origin_us,
            "acc": dict(self.acc),
            "running_since": self.running_since,
            "paused": self.paused,
            "stops": [list(s) for s in self.stops],
            "fired": list(self.fired),
            "due_us": self.due_us,
            "active": self.active,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClockState:
        return cls(
            name=d["name"],
            start_us=d["start_us"],
            origin_us=d["origin_us"],
            acc=dict(d["acc"]),
            running_since=d["running_since"],
            paused=d["paused"],
            stops=[list(s) for s in d["stops"]],
            fired=list(d["fired"]),
            due_us=d["due_us"],
            active=d["active"],
        )


@dataclass(slots=True)
class TicketState:
    """Everything the engine knows about one ticket.

    ``policy``/``version``/``options`` are fixed at creation (a clock keeps the policy version
    it started under). ``facts`` are the latest kind/channel/priority/impact/urgency/attributes.
    ``status_log`` is ``[at_us, status]`` per status change, so that a clock that a later
    change makes applicable, or moves to another calendar, recounts its elapsed time exactly.
    ``lifecycle`` is ``[at_us, event type, status then]`` per creation, response, resolution
    and reopen:
    the stops and resumes of a clock that a later change brings in (or back) are derived
    from it, so such a clock is already stopped if the ticket was responded or is resolved.
    ``phase``: ``open`` | ``closed`` | ``cancelled``.
    """

    tenant: str
    ticket_id: str
    policy: str
    version: str
    options: dict[str, Any]
    created_us: int
    reported_us: int
    facts: dict[str, Any]
    status: str | None = None
    status_log: list[list[Any]] = field(default_factory=list)
    lifecycle: list[list[Any]] = field(default_factory=list)
    clocks: dict[str, ClockState] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)
    phase: str = "open"
    last_us: int = 0
    # engine-private cache of the ticket's plans, not part of the state (see Engine._rules)
    rt: Any = field(default=None, compare=False, repr=False)

    # Written out so that mypyc compiles it (dataclasses leaves a class's own __init__
    # alone; the generated one is interpreted). tests/test_build.py checks that it
    # takes the fields in order, with their defaults (None for a default_factory field).
    def __init__(
        self,
        tenant: str,
        ticket_id: str,
        policy: str,
        version: str,
        options: dict[str, Any],
        created_us: int,
        reported_us: int,
        facts: dict[str, Any],
        status: str | None = None,
        status_log: list[list[Any]] | None = None,
        lifecycle: list[list[Any]] | None = None,
        clocks: dict[str, ClockState] | None = None,
        seen: list[str] | None = None,
        phase: str = "open",
        last_us: int = 0,
        rt: Any = None,
    ) -> None:
        self.tenant = tenant
        self.ticket_id = ticket_id
        self.policy = policy
        self.version = version
        self.options = options
        self.created_us = created_us
        self.reported_us = reported_us
        self.facts = facts
        self.status = status
        self.status_log = [] if status_log is None else status_log
        self.lifecycle = [] if lifecycle is None else lifecycle
        self.clocks = {} if clocks is None else clocks
        self.seen = [] if seen is None else seen
        self.phase = phase
        self.last_us = last_us
        self.rt = rt

    @property
    def key(self) -> str:
        return f"{self.tenant}:{self.ticket_id}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "tenant": self.tenant,
            "ticket_id": self.ticket_id,
            "policy": self.policy,
            "version": self.version,
            "options": self.options,
            "created_us": self.created_us,
            "reported_us": self.reported_us,
            "facts": self.facts,
            "status": self.status,
            "status_log": [list(x) for x in self.status_log],
            "lifecycle": [list(x) for x in self.lifecycle],
            "clocks": {k: c.to_dict() for k, c in self.clocks.items()},
            "seen": list(self.seen),
            "phase": self.phase,
            "last_us": self.last_us,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TicketState:
        if d.get("format") != STATE_FORMAT:
            raise ValueError(f"unknown ticket state format {d.get('format')!r}")
        return cls(
            tenant=d["tenant"],
            ticket_id=d["ticket_id"],
            policy=d["policy"],
            version=d["version"],
            options=dict(d["options"]),
            created_us=d["created_us"],
            reported_us=d["reported_us"],
            facts=dict(d["facts"]),
            status=d["status"],
            status_log=[list(x) for x in d["status_log"]],
            # a state written before the lifecycle was kept has none: a clock a later change
            # brings in is then recounted from the status history alone
            lifecycle=[list(x) for x in d.get("lifecycle", ())],
            clocks={k: ClockState.from_dict(c) for k, c in d["clocks"].items()},
            seen=list(d["seen"]),
            phase=d["phase"],
            last_us=d["last_us"],
        )
