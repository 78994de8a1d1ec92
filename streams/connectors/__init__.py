"""Connectors (issue 15): ITSM webhooks in, on-call alerts out.

- :mod:`.mapper` turns one webhook into canonical ticket events by a declarative mapping
  (:mod:`models.connectors`; the shipped ones in ``mappings/``), :mod:`.auth` checks its
  signature or token, :mod:`.memory` keeps each ticket's last known state small;
  :mod:`.catalog` loads the endpoints of ``SLAWATCH_CONNECTORS_FILE`` with their secrets.
- :mod:`.ingest` is ``slawatch ingest``: the aiohttp receiver that produces the events to
  ``sla.ticket-events`` (``acks=all``) before it answers.
- :mod:`.notify` is ``slawatch notify``: signals to Alertmanager, PagerDuty, Slack and
  webhooks.

docs/connectors.md is the user's guide.
"""
