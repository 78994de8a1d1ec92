"""``slawatch notify``'s configuration (``SLAWATCH_NOTIFY_FILE``, YAML; JSON Schema: ``slawatch
schema notify``): the receivers on-call is reached through and the routes of signals to them.

- **receivers**: ``alertmanager`` (``url``: the Alertmanager, API v2), ``pagerduty`` (Events API
  v2; the routing key is the receiver's secret), ``slack`` (an incoming webhook; its URL is the
  secret), ``webhook`` (CloudEvents 1.0 JSON to ``url``; a secret, if any, is sent as a bearer
  token). Secrets are never in this file: ``SLAWATCH_NOTIFY_SECRETS`` (``{"receiver":
  "secret"}``) or ``SLAWATCH_NOTIFY_SECRETS_FILE``.
- **routes**, in order: a signal goes to the receivers of the first route whose ``match`` it
  meets (every listed field must contain the signal's value; an absent field matches all),
  and on to later routes only while a matched route says ``continue: true`` (Alertmanager's
  rule). Alertmanager and PagerDuty alerts are resolved when the clock's verdict (or its
  stop) arrives, whatever the routes say about verdicts.
- **delivery**: ``attempts`` per signal and receiver, exponential backoff with full jitter
  from ``backoff`` up to ``max_backoff`` seconds, ``timeout`` per request; after the last
  attempt the signal goes to ``sla.dead-letters`` with the receiver's answer.
- **resend**: seconds between re-sends of the firing alerts to Alertmanager (its clients
  re-send while an alert is active; each carries ``endsAt`` = now + 4 × resend).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from models._base import Strict, rule_error
from models.connectors import NAME, file_from_data
from models.signals import SignalType

ReceiverType = Literal["alertmanager", "pagerduty", "slack", "webhook"]
#: where a receiver type sends when no ``url`` is given
DEFAULT_URLS = {"pagerduty": "https://events.pagerduty.com/v2/enqueue"}
#: receiver types whose secret is required (the routing key, the webhook URL)
SECRET_REQUIRED = ("pagerduty", "slack")


class Receiver(Strict):
    """One place on-call is reached (see the module doc)."""

    name: str = Field(pattern=NAME.pattern)
    type: ReceiverType
    url: str | None = Field(None, pattern=r"^https?://")

    @model_validator(mode="after")
    def _url(self) -> Receiver:
        if self.type in ("alertmanager", "webhook") and not self.url:
            raise rule_error("receiver", f"a {self.type} receiver needs its url")
        if self.type == "slack" and self.url:
            raise rule_error(
                "receiver",
                "a Slack webhook URL is a secret: put it in SLAWATCH_NOTIFY_SECRETS, not here",
            )
        return self

    @property
    def stateful(self) -> bool:
        """Alertmanager and PagerDuty keep alerts open until slawatch resolves them."""
        return self.type in ("alertmanager", "pagerduty")


class Match(Strict):
    """Which signals a route takes; each listed field must contain the signal's value."""

    tenants: list[str] = Field(default_factory=list)
    types: list[SignalType] = Field(default_factory=list)
    priorities: list[str] = Field(default_factory=list)
    levels: list[str] = Field(
        default_factory=list, description="escalation levels (second_line, …)"
    )
    clocks: list[str] = Field(default_factory=list)

    def accepts(self, signal: dict[str, Any]) -> bool:
        for values, key in (
            (self.tenants, "tenant"),
            (self.types, "type"),
            (self.priorities, "priority"),
            (self.levels, "level"),
            (self.clocks, "clock"),
        ):
            if values and signal.get(key) not in values:
                return False
        return True


class Route(Strict):
    """``match`` → ``receivers``; ``continue``: also try the routes after this one."""

    match: Match = Field(default_factory=Match)
    receivers: list[str] = Field(min_length=1)
    continue_: bool = Field(False, alias="continue")


class Delivery(Strict):
    """Retries per signal and receiver (seconds)."""

    attempts: int = Field(8, ge=1, le=100)
    backoff: float = Field(1.0, gt=0)
    max_backoff: float = Field(60.0, gt=0)
    timeout: float = Field(10.0, gt=0)


class NotifyFile(Strict):
    """``SLAWATCH_NOTIFY_FILE``."""

    receivers: list[Receiver] = Field(min_length=1)
    routes: list[Route] = Field(min_length=1)
    delivery: Delivery = Field(default_factory=Delivery)
    resend: float = Field(60.0, ge=1, le=3600)
    link: str | None = Field(
        None, pattern=r"^https?://", description="a dashboard URL put in alerts as their link"
    )

    @model_validator(mode="after")
    def _names(self) -> NotifyFile:
        names = [r.name for r in self.receivers]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise rule_error("receiver", f"receiver names must be unique: {', '.join(twice)}")
        for i, route in enumerate(self.routes):
            unknown = [r for r in route.receivers if r not in names]
            if unknown:
                raise rule_error(
                    "route",
                    f"routes[{i}]: unknown receiver(s) {', '.join(unknown)}; "
                    f"known: {', '.join(names)}",
                )
        return self

    def receiver(self, name: str) -> Receiver:
        return next(r for r in self.receivers if r.name == name)

    def route(self, signal: dict[str, Any]) -> list[Receiver]:
        """The receivers a signal goes to (each once, in route order)."""
        out: list[str] = []
        for route in self.routes:
            if not route.match.accepts(signal):
                continue
            out.extend(r for r in route.receivers if r not in out)
            if not route.continue_:
                break
        return [self.receiver(n) for n in out]


def notify_from_data(doc: Any, source: str) -> NotifyFile:
    """Validate a notify file; raises :class:`~models.connectors.ConnectorFileError`."""
    return file_from_data(NotifyFile, doc, source)


__all__ = [
    "DEFAULT_URLS",
    "SECRET_REQUIRED",
    "Delivery",
    "Match",
    "NotifyFile",
    "Receiver",
    "ReceiverType",
    "Route",
    "notify_from_data",
]
