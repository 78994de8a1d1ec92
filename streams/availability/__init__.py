"""Availability and heartbeat SLAs (issue 6), pure: the downtime arithmetic
(:mod:`~streams.availability.downtime`), the maintenance rules
(:mod:`~streams.availability.maintenance`) and the engine that turns monitoring events into
signals (:mod:`~streams.availability.engine`)."""
