"""Availability and heartbeat SLAs (issue 6). So far: the pure downtime arithmetic
(:mod:`streams.availability.downtime`)."""
