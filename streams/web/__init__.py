"""The ops board: ``slawatch web``, a live web page of what breaches next.

Server-rendered HTML over the Redis read model (:mod:`streams.sinks.redis_model`), pushed
live by server-sent events fed from the output topics (:mod:`streams.web.feed`). The
modules, from the bottom up:

- :mod:`~streams.web.auth` — who may read which tenant (tokens from the settings);
- :mod:`~streams.web.history` — the signals and availability figures the board has seen on
  the stream (ticket histories, verdicts, burn charts);
- :mod:`~streams.web.explain` — why a clock's deadline is what it is, from its record;
- :mod:`~streams.web.board` — the figures of each page, from Redis and the history;
- :mod:`~streams.web.charts`, :mod:`~streams.web.fragments`, :mod:`~streams.web.pages` —
  the HTML (the live sections are fragments the pages and the event stream share);
- :mod:`~streams.web.feed` and :mod:`~streams.web.hub` — the stream in, the pushes out;
- :mod:`~streams.web.app` — the aiohttp application (pages, ``/api/…``, ``/static``).

docs/board.md describes the pages, the JSON endpoints and the security model.
"""
