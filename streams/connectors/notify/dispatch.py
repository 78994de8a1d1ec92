"""Which requests a signal (or a clock's stop) becomes, per receiver.

- A firing signal (warning, escalation, breach) goes to the receivers its route names. For
  Alertmanager and PagerDuty it also joins the incident's firing state (so its verdict can
  resolve it and Alertmanager gets it re-sent); for Slack and webhooks it is a message.
- A resolving signal (``sla.met``/``sla.missed``, ``availability.report``,
  ``heartbeat.recovered``) and a ``sla.clock-states`` record of a stopped clock or a closed or
  cancelled ticket resolve the incident at every stateful receiver it fired at. Verdicts also
  go to the Slack/webhook receivers a route names for them.
- Signal topics are read in parallel, so a breach can be read after its verdict. The
  resolution instants of recent incidents are kept (:data:`TOMBSTONES`): a firing signal due
  no later than its incident's resolution is sent to Alertmanager already resolved and not
  triggered at PagerDuty (the clock is over), while Slack and webhooks still get it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from models.notify import NotifyFile, Receiver
from streams.connectors.notify import alerts as A
from streams.connectors.notify import receivers as R
from streams.connectors.notify.delivery import Job
from streams.connectors.notify.state import NotifyState

#: resolved incidents remembered for late-read signals
TOMBSTONES = 100_000
#: clock-state statuses / ticket phases that end a clock's incident
STOPPED = frozenset({"stopped", "inactive"})
ENDED_PHASES = frozenset({"closed", "cancelled"})


class Dispatcher:
    """Turns signals into :class:`~streams.connectors.notify.delivery.Job` s."""

    def __init__(
        self,
        config: NotifyFile,
        secrets: dict[str, str],
        state: NotifyState,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.secrets = secrets
        self.state = state
        self.clock = clock
        self.resolved: OrderedDict[str, datetime] = OrderedDict()

    # -- entry points ----------------------------------------------------------------------
    async def signal(self, sig: dict[str, Any], origin: dict[str, Any]) -> list[Job]:
        kind = sig.get("type")
        raw = orjson.dumps(sig)
        jobs: list[Job] = []
        if kind in A.RESOLVES:
            at = A.instant(sig.get("at")) or self.clock()
            jobs += await self.resolve(A.incident_key(sig), at, str(sig.get("event_id")), origin)
        for receiver in self.config.route(sig):
            if receiver.stateful:
                if kind in A.FIRES:
                    jobs += await self._fire(receiver, sig, raw, origin)
            elif kind in A.FIRES or kind in A.RESOLVES:
                jobs.append(self._message(receiver, sig, raw, origin))
        return jobs

    async def clock_state(self, record: dict[str, Any], origin: dict[str, Any]) -> list[Job]:
        """A ``sla.clock-states`` record: a stopped clock or ended ticket resolves."""
        if record.get("status") not in STOPPED and record.get("phase") not in ENDED_PHASES:
            return []
        key = str(record.get("key"))
        if await self.state.get_firing(key) is None:
            return []
        at = A.instant(record.get("updated_at")) or self.clock()
        return await self.resolve(key, at, f"stopped@{record.get('updated_at')}", origin)

    async def resolve(
        self, key: str, at: datetime, ident: str, origin: dict[str, Any]
    ) -> list[Job]:
        """Resolve incident ``key`` at every stateful receiver it fired at."""
        self._tombstone(key, at)
        incident = await self.state.pop_firing(key)
        if not incident:
            return []
        jobs = []
        for name, signals in incident.get("receivers", {}).items():
            receiver = self._receiver(name)
            if receiver is None:
                continue
            raw = orjson.dumps({"resolve": key, "at": at.isoformat()})
            if receiver.type == "alertmanager":
                request = R.alertmanager(
                    receiver, signals, at, token=self.secrets.get(name, ""), link=self.config.link
                )
            else:
                request = R.pagerduty_resolve(receiver, key, self.secrets.get(name, ""))
            jobs.append(Job(name, "resolve", f"{key}:{ident}", request, raw, origin))
        return jobs

    async def resends(self) -> list[Job]:
        """Alertmanager re-sends: every firing alert, per receiver, one request each."""
        until = R.firing_until(self.clock(), self.config.resend)
        per: dict[str, list[dict[str, Any]]] = {}
        for incident in (await self.state.all_firing()).values():
            for name, signals in incident.get("receivers", {}).items():
                receiver = self._receiver(name)
                if receiver is not None and receiver.type == "alertmanager":
                    per.setdefault(name, []).extend(signals)
        jobs = []
        for name, signals in per.items():
            receiver = self.config.receiver(name)
            request = R.alertmanager(
                receiver, signals, until, token=self.secrets.get(name, ""), link=self.config.link
            )
            jobs.append(Job(name, "resend", "", request))
        return jobs

    # -- helpers ---------------------------------------------------------------------------
    def _receiver(self, name: str) -> Receiver | None:
        return next((r for r in self.config.receivers if r.name == name), None)

    def _tombstone(self, key: str, at: datetime) -> None:
        self.resolved[key] = max(at, self.resolved.get(key, at))
        self.resolved.move_to_end(key)
        while len(self.resolved) > TOMBSTONES:
            self.resolved.popitem(last=False)

    async def _fire(
        self, receiver: Receiver, sig: dict[str, Any], raw: bytes, origin: dict[str, Any]
    ) -> list[Job]:
        key = A.incident_key(sig)
        ident = str(sig.get("event_id"))
        secret = self.secrets.get(receiver.name, "")
        at = A.instant(sig.get("at"))
        ended = self.resolved.get(key)
        if ended is not None and at is not None and at <= ended:
            # its incident is over already: a resolved alert, no page
            if receiver.type != "alertmanager":
                return []
            request = R.alertmanager(receiver, [sig], ended, token=secret, link=self.config.link)
            return [Job(receiver.name, "fire", ident, request, raw, origin)]
        incident = await self.state.get_firing(key) or {"receivers": {}}
        fired = incident["receivers"].setdefault(receiver.name, [])
        if not any(s.get("event_id") == sig.get("event_id") for s in fired):
            fired.append(sig)
        await self.state.set_firing(key, incident)
        if receiver.type == "alertmanager":
            until = R.firing_until(self.clock(), self.config.resend)
            request = R.alertmanager(receiver, [sig], until, token=secret, link=self.config.link)
        else:
            request = R.pagerduty_trigger(receiver, sig, secret, self.config.link)
        return [Job(receiver.name, "fire", ident, request, raw, origin)]

    def _message(
        self, receiver: Receiver, sig: dict[str, Any], raw: bytes, origin: dict[str, Any]
    ) -> Job:
        secret = self.secrets.get(receiver.name, "")
        if receiver.type == "slack":
            request = R.slack(secret, sig)
        else:
            request = R.webhook(receiver, sig, secret)
        return Job(receiver.name, "notify", str(sig.get("event_id")), request, raw, origin)


__all__ = ["ENDED_PHASES", "STOPPED", "TOMBSTONES", "Dispatcher"]
